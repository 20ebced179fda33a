"""The command line: import and simulate, with honest exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.cli import main
from analysis.io_csv import read_csv


def test_simulate_then_import_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    sim = tmp_path / "sim.csv"
    assert main(["simulate", "--out", str(sim), "--points", "300", "--seed", "5"]) == 0
    out = tmp_path / "out.csv"
    assert main(["import", str(sim), str(sim), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "300 duplicates skipped" in printed
    assert read_csv(out).kept == 300


def test_import_reports_rejections_and_keeps_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    src = tmp_path / "o.csv"
    src.write_text(
        "mcc,mnc,lac,cellid,lat,lon,signal,measured_at,rating,speed,direction,act\n"
        "510,10,40,77,-0.3,100.3,-90,1790000000000,5.0,1.0,0,GSM\n"
        "510,10,40,77,95.0,100.3,-90,1790000000000,5.0,1.0,0,GSM\n",
        encoding="utf-8",
    )
    errors = tmp_path / "errors.txt"
    out = tmp_path / "out.csv"
    assert main(["import", str(src), "--out", str(out), "--errors", str(errors)]) == 0
    printed = capsys.readouterr().out
    assert "2 rows read, 1 kept, 1 rejected" in printed and "lat: range" in printed
    assert "line 3: lat: 95 is outside -90..90" in errors.read_text(encoding="utf-8")


def test_import_fails_only_when_nothing_is_readable(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n", encoding="utf-8")
    assert (
        main(["import", str(junk), str(tmp_path / "none.csv"), "--out", str(tmp_path / "o.csv")])
        == 1
    )
    assert "unrecognised header" in capsys.readouterr().err


def test_summary_prints_each_operator(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    sim = tmp_path / "sim.csv"
    main(["simulate", "--out", str(sim), "--points", "300"])
    assert main(["summary", str(sim)]) == 0
    printed = capsys.readouterr().out
    assert "510-10" in printed and "Telkomsel" in printed
