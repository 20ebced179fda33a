"""The command line: import and simulate, with honest exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.cli import main
from analysis.io_csv import read_csv
from tests.analysis.test_cli_errors import assert_one_error, run


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
    result = run(
        ["import", str(junk), str(tmp_path / "none.csv"), "--out", str(tmp_path / "o.csv")]
    )
    assert_one_error(result, "junk.csv: cannot read: unrecognised header", "(and 1 more files)")
    assert not (tmp_path / "o.csv").exists()


def test_summary_prints_each_operator(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    sim = tmp_path / "sim.csv"
    main(["simulate", "--out", str(sim), "--points", "300"])
    assert main(["summary", str(sim)]) == 0
    printed = capsys.readouterr().out
    assert "510-10" in printed and "Telkomsel" in printed


def test_crossval_prints_a_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import json

    sim = tmp_path / "sim.csv"
    main(["simulate", "--out", str(sim), "--points", "3000"])
    capsys.readouterr()
    args = [
        "crossval",
        str(sim),
        "--operator",
        "510-10",
        "--tech",
        "LTE",
        "--methods",
        "nearest",
        "idw",
    ]
    assert main(args) == 0
    table = capsys.readouterr().out
    assert "RMSE" in table and "<- best" in table
    # the simulated officers' sessions are drives: both tests, each method under each
    assert "between roads" in table and "on roads" in table and "Chosen by" in table
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {(r["method"], r["scheme"]) for r in report["results"]} == {
        (m, s) for m in ("nearest", "idw") for s in ("blocked", "lodo")
    }
    assert report["chosen_by"].startswith("leave-one-drive-out")
    assert report["best"] in {"nearest", "idw"} and report["block_m"] == 500.0


def test_grid_writes_a_geotiff_with_signal_uncertainty_and_support(tmp_path: Path) -> None:
    import rasterio

    sim = tmp_path / "sim.csv"
    main(["simulate", "--out", str(sim), "--points", "3000"])
    out = tmp_path / "grid"
    assert (
        main(
            [
                "grid",
                str(sim),
                "--operator",
                "510-11",
                "--tech",
                "LTE",
                "--spacing",
                "200",
                "--method",
                "idw",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    with rasterio.open(out / "coverage.tif") as tif:
        assert tif.count == 4 and tif.crs.to_epsg() == 32747
        assert tif.descriptions == ("signal_dbm", "uncertainty_db", "distance_m", "samples_nearby")
        assert tif.tags()["method"] == "idw" and tif.tags()["operator"] == "510-11"
        signal = tif.read(1)
        assert float(np.nanmin(signal)) >= -140 and float(np.nanmax(signal)) <= -44
        assert np.isnan(signal).any()  # unsurveyed cells stay empty
        lodo = tif.tags()["lodo_rmse_db"]  # the simulated sessions are drives, as in products
    rows = json.loads((out / "crossval.json").read_text(encoding="utf-8"))
    assert {r["scheme"] for r in rows} == {"blocked", "lodo"}
    assert float(lodo) == pytest.approx(
        next(r["rmse_db"] for r in rows if r["scheme"] == "lodo"), abs=0.01
    )


def test_grid_refuses_an_operator_with_no_readings(tmp_path: Path) -> None:
    sim = tmp_path / "sim.csv"
    main(["simulate", "--out", str(sim), "--points", "300"])
    argv = ["grid", str(sim), "--operator", "510-99", "--tech", "LTE", "--out", str(tmp_path)]
    assert_one_error(run(argv), "no LTE readings of operator 510-99")


@pytest.mark.parametrize("command", ["heatmap", "grid", "crossval"])
def test_unreadable_files_get_a_message_not_a_traceback(tmp_path: Path, command: str) -> None:
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n", encoding="utf-8")
    args = [command, str(junk), "--operator", "510-10", "--tech", "LTE"]
    if command != "crossval":
        args += ["--out", str(tmp_path / "out")]
    assert_one_error(run(args), "cannot read the survey files: unrecognised header")
    assert_one_error(run([args[0], str(tmp_path / "missing.csv"), *args[2:]]), "No such file")


@pytest.mark.parametrize(("option", "value"), [("--max-distance", "-1"), ("--spacing", "0")])
def test_nonsense_distances_are_refused_not_mapped(tmp_path: Path, option: str, value: str) -> None:
    sim = tmp_path / "sim.csv"
    main(["simulate", "--out", str(sim), "--points", "300"])
    for command in ("grid", "heatmap"):
        out = tmp_path / command
        argv = [command, str(sim), "--operator", "510-10", "--tech", "LTE", option, value]
        assert_one_error(run([*argv, "--out", str(out)]), option, "more than 0")
        assert not out.exists()
