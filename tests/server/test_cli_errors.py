"""Bad arguments, files and databases end every server command with one line and exit 2;
``uploads`` lists what ``review`` needs; ``export-approved`` takes operator names."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.cli import main
from server.migrate import upgrade
from tests.analysis.test_cli_errors import (
    _DAYS,
    _NUMBERS,
    _TEXT,
    _options,
    assert_no_traceback,
    assert_one_error,
    run,
)

_names = itertools.count()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated survey, a binary file, and files that are not databases."""
    path = tmp_path_factory.mktemp("server-cli")
    assert main(["simulate", "--out", str(path / "sim.csv"), "--points", "300"]) == 0
    (path / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x1b[31m")
    (path / "empty.sqlite3").touch()
    return path


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def cli_db(request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    """One migrated database per backend with an officer (ani), a provider (tsel) and the
    simulated survey imported for ani, shared by the module's tests (only the uploads test
    reviews an upload)."""
    if request.param == "sqlite":
        url = f"sqlite:///{folder / f'cli{next(_names)}.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database(
            f"cli{next(_names)}_{uuid.uuid4().hex[:8]}"
        )
    upgrade(url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PETASINYAL_PASSWORD", "rahasia-123")
        assert main(["create-user", "ani", "--role", "officer", "--db", url]) == 0
        provider = ["create-user", "tsel", "--role", "provider", "--operators", "510-10"]
        assert main([*provider, "--db", url]) == 0
    imported = ["import-uploads", str(folder / "sim.csv"), "--officer", "ani", "--db", url]
    assert run(imported).code == 0
    yield url


# (arguments, words the error line must hold); "{name}" is a file of the folder fixture.
BAD: list[tuple[list[str], tuple[str, ...]]] = [
    (["serve", "--port", "0"], ("--port",)),
    (["serve", "--port", "70000"], ("--port",)),
    (["serve", "--port", "x"], ("--port",)),
    (["db", "downgrade"], ("downgrade",)),
    (["create-user", "ani", "--role", "officer"], ("exists",)),
    (["create-user", "x", "--role", "officer"], ("3 to 64",)),
    (["create-user", "newprov", "--role", "provider"], ("operator",)),
    (["create-user", "eve", "--role", "officer", "--email", "a@b\nBcc: c"], ("plain e-mail",)),
    (["create-user", "newprov", "--role", "provider", "--operators", "B"], ("MCC-MNC",)),
    (["create-user", "boss", "--role", "boss"], ("--role",)),
    (["create-user", "boss", "--role", "admin", "--office", "13.6"], ("Kemendagri",)),
    (["create-user", "boss", "--role", "admin", "--office", "14"], ("province 13",)),
    (["enrol-code", "nobody"], ("nobody",)),
    (["enrol-code", "tsel"], ("officer",)),
    (["uploads", "--state", "lost"], ("--state",)),
    (["uploads", "--since", "yesterday"], ("--since",)),
    (["uploads", "--until", "2020-13-45"], ("--until",)),
    (["uploads", "--since", "2026-10-08", "--until", "2026-10-01"], ("after",)),
    (["uploads", "--limit", "0"], ("--limit",)),
    (["uploads", "--tz", "Mars/Olympus"], ("time zone",)),
    (["review", "nope", "--state", "approved"], ("no upload nope",)),
    (["review", "nope", "--state", "has_issues"], ("say what is wrong",)),
    (["review", "nope", "--state", "maybe"], ("--state",)),
    (["export-approved", "--out", "{missing}/x.csv"], ("No such file",)),
    (["revoke-device", "99"], ("no device 99",)),
    (["revoke-device", "-1"], ("device_id",)),
    (["revoke-device", "x"], ("device_id",)),
    (["revoke-device", "99999999999999999999999"], ("device_id",)),
    (["import-uploads", "{sim.csv}", "--officer", "nobody"], ("nobody",)),
    (["import-uploads", "{picture.png}", "--officer", "ani"], ("binary file",)),
    (["import-uploads", "{missing}", "--officer", "ani"], ("missing",)),
    (["import-uploads", "{sim.csv}", "--officer", "ani", "--tz", "Mars/Olympus"], ("--tz",)),
    (["publish", "x", "--title", "Rilis"], ("JOB_ID",)),
    (["publish", "1", "--title", "Rilis", "--from", "2026-13-01"], ("--from",)),
    (["api-token", "nobody", "--name", "GIS"], ("nobody",)),
]


def _fill(args: list[str], folder: Path) -> list[str]:
    return [re.sub(r"\{([^}]+)\}", lambda m: str(folder / m.group(1)), a) for a in args]


@pytest.mark.parametrize(("args", "words"), BAD, ids=lambda v: " ".join(v))
def test_bad_values_get_one_line_and_exit_2(
    cli_db: str,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    words: tuple[str, ...],
) -> None:
    monkeypatch.setenv("PETASINYAL_PASSWORD", "rahasia-123")
    assert_one_error(run([*_fill(args, folder), "--db", cli_db]), *words)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--points", "0"], ("--points",)),
        (["--points", "x"], ("--points",)),
        (["--port", "-1"], ("--port",)),
        (["--out", "{sim.csv}", "--no-serve"], ("File exists",)),
    ],
    ids=lambda v: " ".join(v),
)
def test_bad_demo_values_get_one_line_and_exit_2(
    folder: Path, args: list[str], words: tuple[str, ...]
) -> None:
    assert_one_error(run(["demo", *_fill(args, folder)]), *words)


COMMANDS_WITH_DB = [
    ["worker"],
    ["db", "upgrade"],
    ["serve", "--port", "1"],
    ["create-user", "someone", "--role", "officer"],
    ["enrol-code", "ani"],
    ["uploads"],
    ["review", "x", "--state", "approved"],
    ["export-approved", "--out", "{out.csv}"],
    ["revoke-device", "1"],
    ["import-uploads", "{sim.csv}", "--officer", "ani"],
    ["publish", "1", "--title", "Rilis"],
    ["releases"],
    ["offices"],
    ["api-token", "tsel", "--name", "GIS"],
    ["report-villages", "--out", "{out.xlsx}"],
    ["metadata", "1", "--format", "ckan", "--out", "{out.json}"],
    ["opendata", "1", "--out", "{opendata}"],
]
BAD_DATABASES = [
    ("{missing.sqlite3}", ("no database file",)),
    ("{empty.sqlite3}", ("no PetaSinyal tables", "db upgrade")),
    ("{sim.csv}", ("not a database",)),
    ("foo://u:secret@bar/x", ("Can't load plugin", "u:***@bar")),
    ("postgresql://nobody:secret@127.0.0.1:1/none", ("connect",)),
]
_CREATED = {"db", "serve"}  # these make a missing SQLite file, and tables in an empty one


@pytest.mark.parametrize(
    ("command", "db", "words"),
    [
        pytest.param(command, db, words, id=f"{' '.join(command)} {db}")
        for command in COMMANDS_WITH_DB
        for db, words in BAD_DATABASES
        if not (command[0] in _CREATED and "sqlite3" in db)
    ],
)
def test_bad_databases_get_one_line_and_exit_2(
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    db: str,
    words: tuple[str, ...],
) -> None:
    monkeypatch.setenv("PETASINYAL_PASSWORD", "rahasia-123")
    result = run([*_fill(command, folder), "--db", *_fill([db], folder)])
    assert_one_error(result, *words)
    assert "secret" not in result.err  # passwords in URLs stay hidden
    assert not (folder / "missing.sqlite3").exists()


def test_no_password_is_one_line(cli_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PETASINYAL_PASSWORD", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: (_ for _ in ()).throw(EOFError))
    result = run(["create-user", "nopass", "--role", "officer", "--db", cli_db])
    assert_one_error(result, "no password", "PETASINYAL_PASSWORD")


def test_uploads_lists_what_review_needs(cli_db: str, folder: Path, tmp_path: Path) -> None:
    listed = run(["uploads", "--db", cli_db])
    assert listed.code == 0, listed
    lines = listed.out.splitlines()
    assert lines[0].split() == [
        "id", "officer", "device", "state", "readings", "received", "first", "last"
    ]  # fmt: skip
    rows = [line for line in lines[1:-1]]
    assert rows and lines[-1].endswith("uploads shown (times in WIB)")
    first = rows[0]
    upload_id = first.split()[0]
    assert uuid.UUID(upload_id)
    assert " ani " in first and "file import (ani)" in first and " received " in first
    assert first.count("WIB") == 3 and "2026-10-0" in first
    assert run(["uploads", "--state", "approved", "--db", cli_db]).out.startswith("id")
    assert "0 of 0 uploads" in run(["uploads", "--officer", "nobody", "--db", cli_db]).out
    ani = run(["uploads", "--officer", "ani", "--state", "received", "--db", cli_db])
    assert upload_id in ani.out
    # The id shown is the one review takes (sent back and forth: the database keeps its state).
    back = ["review", upload_id, "--state", "has_issues", "--comment", "GPS off", "--db", cli_db]
    assert run(back).code == 0
    assert upload_id in run(["uploads", "--state", "has_issues", "--db", cli_db]).out
    assert run(["review", upload_id, "--state", "approved", "--db", cli_db]).code == 0
    out = tmp_path / "approved.csv"
    by_code = run(["export-approved", "--out", str(out), "--operator", "510-10", "--db", cli_db])
    by_name = run(["export-approved", "--out", str(out), "--operator", "Telkomsel", "--db", cli_db])
    assert by_code.code == by_name.code == 0, (by_code, by_name)
    assert by_code.out.split()[0] == by_name.out.split()[0] != "0"
    nobody = run(["export-approved", "--out", str(out), "--operator", "B", "--db", cli_db])
    assert nobody.code == 0 and nobody.out.startswith("0 approved readings")


_SLOW = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_SLOW
@given(
    options=_options(
        {
            "--state": st.one_of(st.sampled_from(["all", "received", "approved"]), _TEXT),
            "--officer": _TEXT,
            "--since": _DAYS,
            "--until": _DAYS,
            "--limit": _NUMBERS,
            "--tz": st.one_of(st.sampled_from(["Asia/Makassar", "UTC"]), _TEXT),
        }
    )
)
def test_uploads_arguments_never_give_a_traceback(cli_db: str, options: list[str]) -> None:
    assert_no_traceback(run(["uploads", "--db", cli_db, *options]))


@_SLOW
@given(
    upload_id=_TEXT,
    state=st.sampled_from(["approved", "has_issues", "rejected", "unknown"]),
    comment=_TEXT,
    operators=st.lists(_TEXT, max_size=3),
)
def test_review_and_export_arguments_never_give_a_traceback(
    cli_db: str, tmp_path: Path, upload_id: str, state: str, comment: str, operators: list[str]
) -> None:
    review = ["review", f"--state={state}", f"--comment={comment}", "--db", cli_db]
    assert_no_traceback(run([*review, "--", upload_id]))
    export = ["export-approved", "--out", str(tmp_path / "x.csv"), "--db", cli_db]
    assert_no_traceback(run(export + [f"--operator={op}" for op in operators]))


def test_every_command_is_in_a_table_of_bad_values() -> None:
    """A new command needs bad values here (backup and restore have their own tests)."""
    listed = run(["--help"])
    commands = set(re.findall(r"^ {4}([a-z][\w-]*)", listed.out, re.M))
    covered = {args[0] for args, _ in BAD} | {c[0] for c in COMMANDS_WITH_DB} | {"demo"}
    analysis = {"import", "simulate", "summary", "crossval", "grid", "heatmap"}
    assert commands - {"backup", "restore"} == covered | analysis
