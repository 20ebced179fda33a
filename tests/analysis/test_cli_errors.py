"""Bad arguments and files end every analysis command with one plain line and exit status 2.

Commands run in-process (``main(argv)`` with output captured); one test runs the installed
command in a subprocess. ``run`` and ``assert_one_error`` serve the server's tests too.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from analysis.cli import main

_ERROR = re.compile(r"petasinyal [\w-]+: error: \S.*")


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run(argv: list[str]) -> Run:
    """``petasinyal argv`` in this process: exit status and what it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's errors
            code = exc.code if isinstance(exc.code, int) else 1
    return Run(code, out.getvalue(), err.getvalue())


def assert_one_error(result: Run, *words: str) -> None:
    """Exit status 2 and one ``error:`` line on stderr (argparse's usage may precede it)."""
    lines = result.err.splitlines()
    assert result.code == 2, result
    assert "Traceback" not in result.err
    assert lines and _ERROR.fullmatch(lines[-1]), lines
    assert lines[-1].isprintable()
    usage = lines[:-1]
    if usage:  # argparse: "usage: ..." and its indented continuation lines, nothing else
        assert usage[0].startswith("usage: ")
        assert all(line.startswith(" ") for line in usage[1:]), usage
    for word in words:
        assert word in lines[-1], (word, lines[-1])


def assert_no_traceback(result: Run) -> None:
    """The invariant of every command: success, or one error line with exit status 2."""
    event(f"exit status {result.code}")
    if result.code != 0:
        assert_one_error(result)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small simulated survey, a binary file, village files good and bad."""
    folder = tmp_path_factory.mktemp("cli")
    sim = folder / "sim.csv"
    assert main(["simulate", "--out", str(sim), "--points", "400", "--seed", "3"]) == 0
    png = folder / "picture.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x1b[31m")
    villages = folder / "villages.geojson"
    square = [[100.3, -0.35], [100.4, -0.35], [100.4, -0.25], [100.3, -0.25], [100.3, -0.35]]
    feature = {
        "type": "Feature",
        "properties": {"kode": "13.06.01.2001", "nama": "Desa"},
        "geometry": {"type": "Polygon", "coordinates": [square]},
    }
    villages.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    no_columns = folder / "list.csv"
    no_columns.write_text("code;name\n13.06.01.2002;Lain\n", encoding="utf-8")
    empty_fc = folder / "empty.geojson"
    empty_fc.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    not_fc = folder / "list.geojson"
    not_fc.write_text("[1, 2]", encoding="utf-8")
    return {
        "sim": sim,
        "png": png,
        "villages": villages,
        "no_columns": no_columns,
        "empty_fc": empty_fc,
        "not_fc": not_fc,
        "missing": folder / "missing.csv",
        "folder": folder,
    }


SURVEY = ["--operator", "510-10", "--tech", "LTE"]

# (command, arguments after the survey file and options, words the error line must hold)
BAD: list[tuple[str, list[str], tuple[str, ...]]] = [
    ("import", ["--tz", "Mars/Olympus"], ("Mars/Olympus", "time zone")),
    ("import", ["--tz", ""], ("time zone",)),
    ("import", ["--tz", "../../etc/passwd"], ("time zone",)),
    ("summary", ["--tz", "Mars/Olympus"], ("time zone",)),
    ("crossval", ["--block", "0"], ("--block",)),
    ("crossval", ["--block", "-5"], ("--block",)),
    ("crossval", ["--block", "inf"], ("--block",)),
    ("crossval", ["--block", "nan"], ("--block",)),
    ("crossval", ["--block", "abc"], ("--block", "not a number")),
    ("crossval", ["--block", "1000000"], ("one block",)),
    ("crossval", ["--folds", "0"], ("--folds",)),
    ("crossval", ["--folds", "1"], ("--folds",)),
    ("crossval", ["--folds", "1.5"], ("--folds", "whole number")),
    ("crossval", ["--since", "yesterday"], ("--since", "YYYY-MM-DD")),
    ("crossval", ["--until", "2020-13-45"], ("--until",)),
    ("crossval", ["--since", "0001-01-01"], ("--since",)),
    ("crossval", ["--since", "2026-10-08", "--until", "2026-10-01"], ("--until", "after")),
    ("crossval", ["--since", "2030-01-01"], ("no LTE readings", "2030-01-01")),
    ("crossval", ["--operator", "B"], ("no LTE readings of operator B",)),
    ("crossval", ["--tech", "5G"], ("--tech",)),
    ("grid", ["--block", "0"], ("--block",)),
    ("grid", ["--spacing", "0"], ("--spacing",)),
    ("grid", ["--spacing", "-1"], ("--spacing",)),
    ("grid", ["--spacing", "inf"], ("--spacing",)),
    ("grid", ["--spacing", "0.1"], ("too large", " x ", "cells of 0.1 m")),
    ("grid", ["--max-distance", "-1"], ("--max-distance",)),
    ("grid", ["--max-distance", "nan"], ("--max-distance",)),
    ("grid", ["--since", "yesterday"], ("--since",)),
    ("heatmap", ["--min-area", "-1"], ("--min-area",)),
    ("heatmap", ["--blankspot-min-readings", "0"], ("--blankspot-min-readings",)),
    ("heatmap", ["--blankspot-min-fixes", "2.5"], ("--blankspot-min-fixes",)),
    ("heatmap", ["--until", "2020-13-45"], ("--until",)),
    ("heatmap", ["--since", "yesterday"], ("--since",)),
    ("heatmap", ["--spacing", "inf"], ("--spacing",)),
    ("heatmap", ["--spacing", "0.1"], ("too large",)),
    ("heatmap", ["--villages", "{missing}"], ("cannot read the villages", "missing.csv")),
    ("heatmap", ["--villages", "{sim}"], ("cannot read the villages", "not GeoJSON")),
    ("heatmap", ["--villages", "{empty_fc}"], ("no region",)),
    ("heatmap", ["--villages", "{not_fc}"], ("FeatureCollection",)),
    ("heatmap", ["--villages", "{png}"], ("cannot read the villages",)),
    (
        "heatmap",
        ["--villages", "{villages}", "--village-list", "{no_columns}"],
        ("kode and nama", "code;name"),
    ),
    ("heatmap", ["--villages", "{villages}", "--village-list", "{missing}"], ("missing.csv",)),
    ("heatmap", ["--village-list", "{no_columns}"], ("--villages",)),
]
NEEDS_OUT = {"import", "grid", "heatmap"}
NEEDS_SURVEY = {"crossval", "grid", "heatmap"}

# A bad file in place of the survey, for every command that reads survey files.
BAD_FILES = [
    ("png", ("binary file",)),
    ("missing", ("missing.csv",)),
    ("folder", ("directory",)),
    ("villages", ("unrecognised header",)),
]
SIMULATE_BAD = [
    ["--points", "0"],
    ["--points", "-3"],
    ["--points", "many"],
    ["--points", "1000000000000"],
    ["--seed", "-1"],
    ["--seed", "x"],
]


def _argv(
    command: str, extra: list[str], files: dict[str, Path], tmp: Path, survey: str = "sim"
) -> list[str]:
    args = [a.format(**{k: str(v) for k, v in files.items()}) for a in extra]
    argv = [command, str(files[survey])]
    if command in NEEDS_SURVEY:
        argv += SURVEY
    if command in NEEDS_OUT:
        argv += ["--out", str(tmp / ("out.csv" if command == "import" else "out"))]
    if command == "crossval":
        argv += ["--methods", "nearest"]
    return argv + args


@pytest.mark.parametrize(("command", "extra", "words"), BAD, ids=lambda v: str(v))
def test_bad_values_get_one_line_and_exit_2(
    files: dict[str, Path], tmp_path: Path, command: str, extra: list[str], words: tuple[str, ...]
) -> None:
    result = run(_argv(command, extra, files, tmp_path))
    assert_one_error(result, *words)
    assert not (tmp_path / "out").exists()  # a failed command leaves no folder behind


@pytest.mark.parametrize("command", ["import", "summary", "crossval", "grid", "heatmap"])
@pytest.mark.parametrize(("which", "words"), BAD_FILES, ids=[f for f, _ in BAD_FILES])
def test_bad_files_get_one_line_and_exit_2(
    files: dict[str, Path], tmp_path: Path, command: str, which: str, words: tuple[str, ...]
) -> None:
    result = run(_argv(command, [], files, tmp_path, survey=which))
    assert_one_error(result, *words)
    assert "\\x" not in result.err and "PNG" not in result.err  # no raw bytes shown
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("extra", SIMULATE_BAD, ids=" ".join)
def test_bad_simulate_values_get_one_line_and_exit_2(tmp_path: Path, extra: list[str]) -> None:
    assert_one_error(run(["simulate", "--out", str(tmp_path / "s.csv"), *extra]), extra[0])


@pytest.mark.parametrize("command", ["import", "simulate"])
def test_an_unwritable_output_is_one_line(files: dict[str, Path], command: str) -> None:
    out = str(files["folder"] / "no" / "such" / "folder" / "x.csv")
    argv = [command, str(files["sim"]), "--out", out] if command == "import" else []
    argv = argv or [command, "--out", out, "--points", "10"]
    assert_one_error(run(argv), "No such file or directory")


def test_a_binary_file_beside_good_ones_is_one_warning(
    files: dict[str, Path], tmp_path: Path
) -> None:
    result = run(["import", str(files["png"]), str(files["sim"]), "--out", str(tmp_path / "o")])
    assert result.code == 0
    assert result.err == f"{files['png']}: cannot read: a binary file, not a survey table " + (
        "(CSV or tab-separated text)\n"
    )


def test_a_failed_heatmap_leaves_what_was_there_and_nothing_else(
    files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "maps"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    argv = ["heatmap", str(files["sim"]), *SURVEY, "--spacing", "0.2", "--out", str(out)]
    assert_one_error(run(argv), "too large")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_heatmap_maps_only_the_days_asked_for(files: dict[str, Path], tmp_path: Path) -> None:
    import pandas as pd

    from analysis.io_csv import read_csv

    frame = read_csv(files["sim"]).frame
    days = frame["observed_at"].dt.strftime("%Y-%m-%d")
    since, until = sorted(days.unique())[1:3]
    wanted = frame[(days == since) & frame["mcc"].eq("510") & frame["mnc"].eq("10")]
    wanted = wanted[wanted["tech"].isin(["LTE", "NONE"])]
    out = tmp_path / "maps"
    argv = ["heatmap", str(files["sim"]), *SURVEY, "--spacing", "200", "--method", "idw"]
    result = run([*argv, "--out", str(out), "--since", since, "--until", until])
    assert result.code == 0, result
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["inputs"]["readings"] == len(wanted) > 0
    assert report["inputs"]["first_day"] == report["inputs"]["last_day"] == since
    used = pd.read_csv(out / "measurements.csv")
    assert set(used["id"]) == set(wanted["id"])


def test_the_installed_command_prints_one_line_not_a_traceback(files: dict[str, Path]) -> None:
    argv = [str(files["sim"]), *SURVEY, "--block", "0"]
    done = subprocess.run(
        [sys.executable, "-m", "analysis.cli", "crossval", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert_one_error(Run(done.returncode, done.stdout, done.stderr), "--block")


# Property-based: random values for the numeric and date options never give a traceback.

_NUMBERS = st.one_of(
    st.sampled_from(["3", "5", "250", "600", "1000", "2500", "0.5"]),  # some valid, to succeed
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.floats(min_value=-1e6, max_value=2e6).map(lambda x: f"{x:g}"),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.integers(min_value=-5, max_value=5000).map(str),
    st.text(max_size=12),
)
_DAYS = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.from_regex(r"\A[0-9]{4}-[0-9]{1,2}-[0-9]{1,3}\Z"),
    st.text(max_size=12),
)
_TEXT = st.text(st.characters(blacklist_characters="\x00"), max_size=20)
_SLOW = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _options(names: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[list[str]]:
    """Some of the options, each with a drawn value (``--name=value``, so values may start
    with a dash)."""
    pairs = st.lists(st.sampled_from(sorted(names)), unique=True, min_size=1, max_size=3)
    return pairs.flatmap(
        lambda chosen: st.tuples(*(names[n].map(lambda v, n=n: f"{n}={v}") for n in chosen))
    ).map(list)


@_SLOW
@given(
    options=_options(
        {
            "--block": _NUMBERS,
            "--folds": _NUMBERS,
            "--since": _DAYS,
            "--until": _DAYS,
            "--operator": _TEXT,
            "--tz": _TEXT,
        }
    )
)
def test_crossval_arguments_never_give_a_traceback(
    files: dict[str, Path], options: list[str]
) -> None:
    assert_no_traceback(
        run(["crossval", str(files["sim"]), *SURVEY, "--methods=nearest", *options])
    )


@_SLOW
@given(
    options=_options(
        {"--spacing": _NUMBERS, "--max-distance": _NUMBERS, "--block": _NUMBERS, "--since": _DAYS}
    )
)
def test_grid_arguments_never_give_a_traceback(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    monkeypatch.setattr("analysis.grid.MAX_CELLS", 40_000)  # big grids are refused, quickly
    out = ["--out", str(tmp_path / "grid"), "--method=nearest"]
    assert_no_traceback(run(["grid", str(files["sim"]), *SURVEY, *out, *options]))


@_SLOW
@given(
    options=_options(
        {
            "--spacing": _NUMBERS,
            "--max-distance": _NUMBERS,
            "--min-area": _NUMBERS,
            "--blankspot-min-readings": _NUMBERS,
            "--since": _DAYS,
            "--until": _DAYS,
        }
    )
)
def test_heatmap_arguments_never_give_a_traceback(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    # The products are built by the real code in the tests above (and the grid's sizes meet
    # random values in the grid test); here the command's checks meet random values, and
    # what reaches build_products must be usable.
    def build(*args: object, **kw: float) -> None:
        assert kw["min_area_km2"] >= 0 and kw["max_distance"] > 0 and kw["spacing"] > 0
        raise ValueError("stub")

    monkeypatch.setattr("analysis.products.build_products", build)
    monkeypatch.setattr("analysis.grid.MAX_CELLS", 40_000)
    out = ["--out", str(tmp_path / "maps")]
    assert_no_traceback(run(["heatmap", str(files["sim"]), *SURVEY, *out, *options]))


@settings(max_examples=60, deadline=None)
@given(options=_options({"--points": _NUMBERS, "--seed": _NUMBERS}))
def test_simulate_arguments_never_give_a_traceback(
    files: dict[str, Path], options: list[str]
) -> None:
    points = [o[len("--points=") :] for o in options if o.startswith("--points=")]
    if not points:
        options.append("--points=5")
    else:
        with contextlib.suppress(ValueError):
            if int(points[0]) > 300:
                return  # valid and slow: simulate's size is not what this test is about
    assert_no_traceback(run(["simulate", "--out", str(files["folder"] / "s.csv"), *options]))
