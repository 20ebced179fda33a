"""The README's demo command: a server with a survey uploaded, reviewed and mapped."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from server.demo import run_demo


@pytest.mark.slow
def test_the_demo_uploads_reviews_and_maps_a_survey(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = run_demo(tmp_path, points=3_000, port=0, serve=False)
    printed = capsys.readouterr().out
    assert base.startswith("http://127.0.0.1:")
    for login in ("admin-demo-123", "petugas-demo-123", "telkomsel-demo-123", "xl-demo-123"):
        assert login in printed
    engine = create_engine(f"sqlite:///{tmp_path / 'instance' / 'petasinyal.sqlite3'}")
    with engine.connect() as db:
        states = dict(db.execute(text("SELECT state, count(*) FROM uploads GROUP BY state")).all())
        job = db.execute(text("SELECT state FROM jobs")).scalar_one()
    engine.dispose()
    assert states["has_issues"] == 1 and states["received"] == 1 and states["approved"] > 1
    assert job == "done"
    for operator in ("510-10", "510-01", "510-11"):
        assert (tmp_path / "jobs" / "1" / f"{operator}-LTE" / "classes_wgs84.tif").exists()
    assert (tmp_path / "survey.csv").exists()
