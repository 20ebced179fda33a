"""A site in every state, for the all-Indonesian checks: uploads waiting, approved, sent back,
rejected and flagged; jobs queued, done, failed and cancelled; a campaign; a published release;
operators' responses pending and decided; the notifications and audit entries all this leaves."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from server import create_app
from server.migrate import upgrade
from tests.server.conftest import auth, enrol, reading
from tests.server.web import login, make_cast, recent_survey, send_survey

__all__ = ["build_site"]

COMMENT = "GPS akurasi buruk di sebagian rute; mohon ulangi jalan ke desa ini."


def _flagged_upload(app: Flask, client: Any) -> str:
    """An upload whose readings carry most quality flags."""
    token = enrol(app, client, "budi", http=False)
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    ahead = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    same = reading()
    items = [
        reading(accuracy_m=250.0),
        reading(mock_location=True),
        reading(observed_at=old),
        reading(observed_at=ahead),
        reading(lat=-0.9, lon=100.0),  # outside the campaign (and its villages)
        same,
        {**same, "id": str(uuid.uuid4())},  # the same fix again
        reading(rsrp_dbm=-140.0),  # at the edge of the reporting range
    ]
    answer = client.post(
        "/api/v1/uploads",
        json={"batch_id": str(uuid.uuid4()), "measurements": items},
        headers=auth(token),
    )
    assert answer.status_code in (200, 201), answer.json
    return str(answer.json["upload_id"])


def _jobs(app: Flask, admin_id: int) -> dict[str, int]:
    """One job in each state: done, failed (no readings of its operator), cancelled, queued."""
    from server.jobs import cancel_job, claim_job, create_job, run_job

    jobs: dict[str, int] = {}
    with app.app_context():
        jobs["done"] = create_job(
            "admin:admin", admin_id, ["510-10", "510-11"], "LTE", {"kind": "all"}, spacing=100.0
        )
        assert claim_job() == jobs["done"]
        jobs["done_state"] = run_job(jobs["done"])
        jobs["failed"] = create_job("admin:admin", admin_id, ["510-89"], "LTE", {"kind": "all"})
        assert claim_job() == jobs["failed"] and run_job(jobs["failed"]) == "failed"
        jobs["cancelled"] = create_job("admin:admin", admin_id, ["510-10"], "LTE", {"kind": "all"})
        cancel_job(jobs["cancelled"], "admin:admin")
        jobs["queued"] = create_job("admin:admin", admin_id, ["510-11"], "WCDMA", {"kind": "all"})
    return jobs


def _evidence(app: Flask, provider: Any, headers: dict[str, str], response: int, code: str) -> None:
    """The operator's drive test in the disputed village, as its evidence file."""
    from analysis.io_csv import to_csv_text
    from server.demo_release import operator_drive
    from server.regions import current_regions

    with app.app_context():
        regions = current_regions()
        assert regions is not None
        area = regions.by_code[code].geometry
    answer = provider.post(
        f"/api/v1/responses/{response}/evidence",
        query_string={"filename": "drive-test-telkomsel.csv"},
        data=to_csv_text(operator_drive(area, "510-10", 40)).encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert answer.status_code in (200, 201), answer.json


def _release_and_responses(app: Flask, job_id: int, ids: dict[str, int]) -> dict[str, Any]:
    """Publish the done job; Telkomsel disputes one village (accepted) and plans a site in
    another (pending)."""
    from datetime import date

    from sqlalchemy import select

    from server.db import session_scope
    from server.models import VillageVerdict
    from server.releases import publish
    from server.responses import decide

    if job_id < 0:  # the maps could not be built: a release written directly
        from tests.server.test_responses import make_release

        release_id = make_release(app, ids["admin"], title="Peta sinyal uji")
    else:
        with app.app_context():
            release_id = publish(
                job_id,
                "admin:admin",
                ids["admin"],
                "Peta sinyal uji",
                "Rilis uji; mohon tanggapan per desa.",
                date.today() - timedelta(days=7),
                date.today(),
            )
    with app.app_context(), session_scope() as db:
        codes = db.scalars(
            select(VillageVerdict.village_code)
            .where(VillageVerdict.release_id == release_id, VillageVerdict.operator == "510-10")
            .order_by(VillageVerdict.village_code)
        ).all()
    provider = app.test_client()
    login(provider, "tsel")
    from tests.server.releases_support import token_for

    headers = token_for(app, "tsel")
    made = []
    for code, kind, extra in (
        (codes[0], "disputed", {"message": "Hasil drive test kami menunjukkan sinyal kuat."}),
        (codes[1], "planned", {"site_name": "BTS Simulasi", "expected_on": "2027-03-01"}),
    ):
        body = {
            "release_id": release_id,
            "village_code": code,
            "product": "510-10-LTE",
            "kind": kind,
            **extra,
        }
        answer = provider.post("/api/v1/responses", json=body, headers=headers)
        assert answer.status_code == 201, answer.json
        made.append(int(answer.json["id"]))
    _evidence(app, provider, headers, made[0], codes[0])
    with app.app_context():
        decide(made[0], "admin:admin", ids["admin"], "accepted", None)
    return {"release_id": release_id, "responses": made, "villages": list(codes[:2])}


def build_site(folder: Path, villages_file: Path) -> Iterator[dict[str, Any]]:
    """The app and the ids of what it holds (see the module's docstring)."""
    url = f"sqlite:///{folder / 'site.sqlite3'}"
    upgrade(url)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "indonesian",
            "RATELIMIT_STORAGE_URI": "memory://",
            "BOUNDARIES": str(villages_file),
            "JOBS_DIR": str(folder / "jobs"),
        }
    )
    client = app.test_client()
    ids = make_cast(app)
    from server.campaigns import create_campaign
    from server.regions import current_regions
    from server.review import review_upload

    with app.app_context():
        campaign_id = create_campaign(
            "admin:admin",
            "Survei uji",
            current_regions(),
            ["SIMULASI.104", "SIMULASI.105"],
            None,
            [ids["ani"], ids["budi"]],
            None,
            None,
        )
    uploads = send_survey(app, client, "ani", recent_survey(1_500), batch=300)
    flagged = _flagged_upload(app, client)
    with app.app_context():
        for upload_id in uploads[:-3]:
            review_upload(upload_id, "approved", "admin:admin", reviewer_id=ids["admin"])
        review_upload(uploads[-3], "has_issues", "admin:admin", COMMENT, reviewer_id=ids["admin"])
        review_upload(uploads[-2], "rejected", "admin:admin", COMMENT, reviewer_id=ids["admin"])
    jobs = _jobs(app, ids["admin"])
    done = jobs["done"] if jobs.pop("done_state") == "done" else -1
    released = _release_and_responses(app, done, ids)
    yield {
        "app": app,
        "ids": ids,
        "uploads": uploads,
        "flagged": flagged,
        "campaign_id": campaign_id,
        "jobs": jobs,
        **released,
    }
    app.extensions["petasinyal.engine"].dispose()
