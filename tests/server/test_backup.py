"""``petasinyal backup`` / ``restore`` on SQLite and PostgreSQL: the round trip gives the same
tables, products and instance files; a backup taken while uploads arrive holds complete
uploads only and loses nothing; bad archives and arguments get one line and exit status 2."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import tarfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from werkzeug.security import generate_password_hash

from analysis.cli import main
from server import create_app
from server.backup_db import row_counts, table_digests
from server.migrate import upgrade
from server.models import Job, Measurement, Upload
from tests.server.conftest import auth, enrol, reading
from tests.server.live import post_batch, thread_server, wait_until


class Site:
    """One instance: its folder, database and settings, as the commands see them."""

    def __init__(self, root: Path, url: str, boundaries: Path | None = None) -> None:
        self.root, self.url = root, url
        self.instance = root / "instance"
        self.jobs = self.instance / "jobs"
        self.env = {"PETASINYAL_INSTANCE": str(self.instance)}
        if boundaries is not None:
            self.env["PETASINYAL_BOUNDARIES"] = str(boundaries)

    @contextmanager
    def app(self) -> Iterator[Flask]:
        with mock.patch.dict(os.environ, self.env):
            app = create_app({"TESTING": True, "DATABASE_URL": self.url})
        try:
            yield app
        finally:
            app.extensions["petasinyal.engine"].dispose()

    def cli(self, capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        with mock.patch.dict(os.environ, self.env):
            try:
                status = main([*args, "--db", self.url])
            except SystemExit as exc:  # argparse
                status = int(exc.code or 0)
        out, err = capsys.readouterr()
        return status, out, err


def _engine_do(url: str, work: Callable[[Any], Any]) -> Any:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return work(conn)
    finally:
        engine.dispose()


def digests(url: str) -> dict[str, Any]:
    return dict(_engine_do(url, table_digests))


def counts(url: str) -> dict[str, int]:
    return dict(_engine_do(url, row_counts))


def incomplete_uploads(url: str) -> list[str]:
    """Uploads whose stored readings differ from what the upload accepted."""

    def work(conn: Any) -> list[str]:
        stored = (
            select(Measurement.upload_id, func.count().label("n"))
            .group_by(Measurement.upload_id)
            .subquery()
        )
        rows = conn.execute(
            select(Upload.id, Upload.accepted, stored.c.n).outerjoin(
                stored, stored.c.upload_id == Upload.id
            )
        )
        return [r.id for r in rows if (r.n or 0) != r.accepted]

    return list(_engine_do(url, work))


def one_line(err: str) -> bool:
    return len(err.strip().splitlines()) == 1 and "Traceback" not in err


def _quick_hash(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:1")  # tests only


@mock.patch("server.security.generate_password_hash", _quick_hash)
def seed(site: Site) -> str:
    """Readings, a review, users and two jobs (one finished with products, one running);
    the officer's device token."""
    from server.accounts import create_user
    from server.db import session_scope
    from server.jobs import create_job
    from server.review import review_upload

    with site.app() as app:
        client = app.test_client()
        token = enrol(app, client, http=False)
        uploads = []
        for n in range(3):
            items = [
                reading(rsrp_dbm=-90.0 - i, note="sinyal lemah, ü" if i % 2 else None)
                for i in range(20 + n)
            ]
            batch_id = str(uuid.uuid4())
            answer = client.post(
                "/api/v1/uploads",
                json={"batch_id": batch_id, "measurements": items},
                headers=auth(token),
            )
            assert answer.status_code == 201, answer.json
            uploads.append(batch_id)
        with app.app_context():
            review_upload(uploads[0], "approved", "cli")
            admin = create_user("admin", "rahasia-123", "admin")
            area = {"kind": "all"}
            done, running = (create_job("admin", admin, ["510-10"], "LTE", area) for _ in "ab")
            with session_scope() as session:
                session.execute(
                    update(Job).where(Job.id == done).values(state="done", progress=1.0)
                )
                session.execute(update(Job).where(Job.id == running).values(state="running"))
    product = site.jobs / str(done) / "510-10-LTE"
    (product / "tiles").mkdir(parents=True)
    (product / "report.json").write_text('{"method": "idw"}', encoding="utf-8")
    (product / "tiles" / "0.png").write_bytes(bytes(range(256)) * 40)
    (site.jobs / str(done) / "510-10-LTE.zip").write_bytes(b"download cache")
    (site.jobs / str(running) / "510-10-LTE").mkdir(parents=True)
    (site.jobs / str(running) / "510-10-LTE" / "half.tif").write_bytes(b"partial")
    (site.instance / "notes").mkdir(parents=True, exist_ok=True)
    (site.instance / "notes" / "settings.txt").write_text("kept\n", encoding="utf-8")
    return token


@pytest.fixture
def source(db_url: str, tmp_path: Path, villages_file: Path) -> Site:
    boundaries = tmp_path / "shared" / "villages.geojson"
    boundaries.parent.mkdir()
    shutil.copy(villages_file, boundaries)
    return Site(tmp_path / "a", db_url, boundaries)


@pytest.fixture
def target_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty database of the same kind (not even migrated)."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'target.sqlite3'}"
    return str(request.getfixturevalue("postgres").create_database(f"r{uuid.uuid4().hex[:10]}"))


@pytest.fixture
def target(target_url: str, tmp_path: Path) -> Site:
    return Site(tmp_path / "b", target_url, tmp_path / "b-data" / "villages.geojson")


def test_backup_needs_a_place_outside_the_instance(
    source: Site, capsys: pytest.CaptureFixture
) -> None:
    seed(source)
    status, _, err = source.cli(capsys, "backup", "--out", str(source.instance / "b.tar.gz"))
    assert status == 2 and one_line(err) and "outside the instance folder" in err


@pytest.mark.parametrize("migrated", [True, False], ids=["migrated", "new"])
def test_round_trip_gives_the_same_instance(
    source: Site, target: Site, migrated: bool, capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    token = seed(source)
    archive = tmp_path / "backup.tar.gz"
    status, out, err = source.cli(capsys, "backup", "--out", str(archive))
    assert status == 0, err
    assert "63 readings, 3 uploads" in out
    before = digests(source.url)
    if migrated:
        upgrade(target.url)

    status, out, err = target.cli(capsys, "restore", str(archive))

    assert status == 0, err
    assert "counts and checksums match" in out
    assert digests(target.url) == before
    assert before["measurements"]["count"] == 63 and before["audit_log"]["count"] >= 3
    job_dirs = sorted(p.name for p in target.jobs.iterdir())
    assert job_dirs == ["1"]  # the running job's half-made folder is not restored
    for name in ("report.json", "tiles/0.png"):
        path = Path("1/510-10-LTE") / name
        assert (target.jobs / path).read_bytes() == (source.jobs / path).read_bytes()
    assert not (target.jobs / "1" / "510-10-LTE.zip").exists()
    for name in ("secret_key", "notes/settings.txt"):
        assert (target.instance / name).read_bytes() == (source.instance / name).read_bytes()
    restored = Path(target.env["PETASINYAL_BOUNDARIES"])
    assert restored.read_bytes() == Path(source.env["PETASINYAL_BOUNDARIES"]).read_bytes()
    _audit_log_is_still_frozen(target.url)
    _restored_server_works(target, token)


def _audit_log_is_still_frozen(url: str) -> None:
    for statement in ("UPDATE audit_log SET actor = 'someone'", "DELETE FROM audit_log"):
        engine = create_engine(url, poolclass=NullPool)
        try:
            with (
                pytest.raises(DBAPIError, match="cannot be changed or deleted"),
                engine.begin() as conn,
            ):
                conn.execute(text(statement))
        finally:
            engine.dispose()


def _restored_server_works(site: Site, token: str) -> None:
    """The phone's token still works and new rows get new ids (sequences came along)."""
    from server.review import review_upload

    with site.app() as app:
        client = app.test_client()
        batch_id = str(uuid.uuid4())
        answer = client.post(
            "/api/v1/uploads",
            json={"batch_id": batch_id, "measurements": [reading()]},
            headers=auth(token),
        )
        assert answer.status_code == 201, answer.json
        with app.app_context():
            review_upload(batch_id, "approved", "cli")


def test_restore_refuses_a_non_empty_instance_unless_forced(
    source: Site, target: Site, capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    seed(source)
    archive = tmp_path / "backup.tar.gz"
    status, _, err = source.cli(capsys, "backup", "--out", str(archive))
    assert status == 0, err
    boundaries = Path(target.env["PETASINYAL_BOUNDARIES"])
    boundaries.parent.mkdir(parents=True)
    shutil.copy(source.env["PETASINYAL_BOUNDARIES"], boundaries)
    upgrade(target.url)
    seed(target)  # the target already has its own readings, users and products
    (target.jobs / "7").mkdir()
    (target.jobs / "7" / "old.tif").write_bytes(b"old")
    held = digests(target.url)

    status, _, err = target.cli(capsys, "restore", str(archive))

    assert status == 1 and one_line(err)
    assert "not empty" in err and "--force" in err and "measurements" in err
    assert digests(target.url) == held

    status, _, err = target.cli(capsys, "restore", str(archive), "--force")
    assert status == 0, err
    assert digests(target.url) == digests(source.url)
    assert sorted(p.name for p in target.jobs.iterdir()) == ["1"]


def test_backup_while_uploads_arrive_is_consistent_and_loses_nothing(
    source: Site, target: Site, capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    token = seed(source)
    sent: list[str] = []
    failures: list[BaseException] = []
    stop = threading.Event()
    with source.app() as app, thread_server(app) as url:

        def post() -> None:
            try:
                while not stop.is_set():
                    batch_id = str(uuid.uuid4())
                    answer = post_batch(url, token, batch_id, [reading() for _ in range(40)])
                    assert answer["status"] == 201 and answer["counts"]["accepted"] == 40
                    sent.append(batch_id)
            except BaseException as exc:
                failures.append(exc)

        poster = threading.Thread(target=post)
        poster.start()
        try:
            wait_until(lambda: len(sent) >= 3 or bool(failures))
            before = len(sent)
            status, _, err = source.cli(capsys, "backup", "--out", str(tmp_path / "b.tar.gz"))
            after = len(sent)
            wait_until(lambda: len(sent) >= after + 3 or bool(failures))
        finally:
            stop.set()
            poster.join(timeout=60)
    assert not failures and status == 0, (failures, err)
    # nothing lost on the server: every batch that got its 201 is there, complete
    assert counts(source.url)["uploads"] == 3 + len(sent)
    assert incomplete_uploads(source.url) == []

    status, _, err = target.cli(capsys, "restore", str(tmp_path / "b.tar.gz"))
    assert status == 0, err
    in_backup = counts(target.url)["uploads"] - 3
    assert before <= in_backup <= after + 1
    assert incomplete_uploads(target.url) == []  # every upload in the backup is complete


def test_an_upload_being_written_is_not_in_the_backup(
    source: Site, target: Site, capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    """A batch whose transaction is open during the backup is left out whole; it is on the
    server once it commits."""
    from server.api.uploads import flag_rules
    from server.db import session_scope
    from server.ingest import ingest_batch
    from server.models import Device

    seed(source)
    with source.app() as app, app.app_context(), session_scope() as session:
        device = session.get(Device, 1)
        assert device is not None
        batch_id = str(uuid.uuid4())
        ingest_batch(session, device, batch_id, [reading() for _ in range(30)], flag_rules())
        session.flush()
        status, _, err = source.cli(capsys, "backup", "--out", str(tmp_path / "b.tar.gz"))
    assert status == 0, err
    assert counts(source.url)["measurements"] == 63 + 30
    status, _, err = target.cli(capsys, "restore", str(tmp_path / "b.tar.gz"))
    assert status == 0, err
    assert counts(target.url)["measurements"] == 63
    assert incomplete_uploads(target.url) == []


# Damaged and foreign archives ---------------------------------------------------------


def _rewrite(
    archive: Path,
    out: Path,
    manifest: Callable[[dict[str, Any]], None] = lambda m: None,
    member: Callable[[str, bytes], bytes | None] = lambda n, d: d,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """A copy of ``archive`` with its manifest or members changed (None drops a member)."""
    with tarfile.open(archive, "r:gz") as tar:
        items = [(i.name, tar.extractfile(i).read()) for i in tar if i.isfile()]  # type: ignore[union-attr]
    data = dict(items)
    found = json.loads(data.pop("manifest.json"))
    manifest(found)
    with tarfile.open(out, "w:gz") as tar:
        for name, content in [("manifest.json", json.dumps(found).encode()), *data.items()]:
            changed = content if name == "manifest.json" else member(name, content)
            if changed is None:
                continue
            info = tarfile.TarInfo(name)
            info.size = len(changed)
            tar.addfile(info, io.BytesIO(changed))
        for name, content in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return out


def _foreign_tar(path: Path) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("readme.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    return path


def _flip(name: str, data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("database/") else data


BAD_ARCHIVES: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "empty file": (lambda a, p: _write(p, b""), "not a PetaSinyal backup"),
    "text": (lambda a, p: _write(p, b"hello\n"), "not a PetaSinyal backup"),
    "gzip, not tar": (lambda a, p: _write(p, gzip.compress(b"x" * 2000)), "not a PetaSinyal"),
    "foreign tar": (lambda a, p: _foreign_tar(p), "does not start with manifest.json"),
    "cut short": (lambda a, p: _write(p, a.read_bytes()[: a.stat().st_size // 2]), "damaged"),
    "member changed": (lambda a, p: _rewrite(a, p, member=_flip), "does not match"),
    "member missing": (
        lambda a, p: _rewrite(a, p, member=lambda n, d: None if n.startswith("inst") else d),
        "missing",
    ),
    "member added": (lambda a, p: _rewrite(a, p, extra={"evil.sh": b"rm"}), "not in its manifest"),
    "unsafe name": (
        lambda a, p: _rewrite(
            a, p, manifest=lambda m: m["members"].update({"../x": {"sha256": "0" * 64}})
        ),
        "unsafe member name",
    ),
    "other format": (
        lambda a, p: _rewrite(a, p, manifest=lambda m: m.update(format="other")),
        "not a PetaSinyal backup",
    ),
    "newer format": (
        lambda a, p: _rewrite(a, p, manifest=lambda m: m.update(format_version=99)),
        "upgrade petasinyal",
    ),
    "newer database": (
        lambda a, p: _rewrite(a, p, manifest=lambda m: m["database"].update(revision="9999")),
        "newer petasinyal",
    ),
    "folder": (lambda a, p: _mkdir(p), "no such file"),
    "missing": (lambda a, p: p, "no such file"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


_ARCHIVES: dict[str, Path] = {}


@pytest.fixture
def archive(
    source: Site, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture
) -> Path:
    """A good backup of a seeded instance, made once per database kind."""
    kind = source.url.split(":")[0]
    if kind not in _ARCHIVES:
        seed(source)
        path = tmp_path_factory.mktemp("archive") / "good.tar.gz"
        status, _, err = source.cli(capsys, "backup", "--out", str(path))
        assert status == 0, err
        _ARCHIVES[kind] = path
    return _ARCHIVES[kind]


@pytest.mark.parametrize("case", list(BAD_ARCHIVES))
def test_a_bad_archive_gets_one_line_and_status_2(
    case: str, archive: Path, target: Site, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    make, expected = BAD_ARCHIVES[case]
    bad = make(archive, tmp_path / "bad.tar.gz")
    upgrade(target.url)

    status, out, err = target.cli(capsys, "restore", str(bad))

    assert status == 2 and one_line(err) and out == "", err
    assert expected in err
    fresh = {"offices": 1}  # the provincial office every migrated database starts with
    assert counts(target.url) == {t: fresh.get(t, 0) for t in counts(target.url)}  # nothing of it
    assert not target.jobs.exists() or not any(target.jobs.iterdir())


def test_a_backup_of_the_other_database_kind_is_refused(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture, source: Site
) -> None:
    if source.url.startswith("sqlite"):
        pytest.skip("a PostgreSQL backup restored into SQLite is the case checked")
    site = Site(tmp_path / "c", f"sqlite:///{tmp_path / 'c.sqlite3'}")
    status, _, err = site.cli(capsys, "restore", str(archive))
    assert status == 2 and one_line(err)
    assert "holds a postgresql database but this instance uses sqlite" in err


def test_missing_postgresql_tools_get_one_line(
    source: Site, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    if source.url.startswith("sqlite"):
        pytest.skip("SQLite needs no outside tools")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("server.backup_db.PG_BIN_GLOB", str(tmp_path / "none" / "*" / "bin"))
    status, _, err = source.cli(capsys, "backup", "--out", str(tmp_path / "b.tar.gz"))
    assert status == 1 and one_line(err)
    assert "pg_dump not found in PATH" in err
    assert not (tmp_path / "b.tar.gz").exists()


def test_check_reads_the_whole_archive(archive: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["restore", str(archive), "--check"]) == 0
    assert "is intact" in capsys.readouterr().out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(min_value=0), flip=st.integers(min_value=0), bit=st.integers(0, 7))
def test_any_damage_is_caught_or_harmless(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture, cut: int, flip: int, bit: int
) -> None:
    """Truncate the archive or flip one bit anywhere: ``restore --check`` says one plain
    line with status 2, or (a bit nobody reads, e.g. the gzip header's time) finds it intact."""
    data = bytearray(archive.read_bytes())
    data[flip % len(data)] ^= 1 << bit
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(bytes(data[: len(data) - cut % len(data)] if cut % 3 else data))
    capsys.readouterr()
    status = main(["restore", str(damaged), "--check"])
    out, err = capsys.readouterr()
    assert (status == 2 and one_line(err)) or (status == 0 and "is intact" in out), err


# Bad arguments --------------------------------------------------------------------------

BAD_ARGUMENTS = [
    ["backup"],
    ["backup", "--out"],
    ["backup", "--out", "{missing}/b.tar.gz"],
    ["backup", "--out", "{tmp}"],
    ["backup", "--out", "{tmp}/b.tar.gz", "--db", "nosuchdriver://x"],
    ["backup", "--out", "{tmp}/b.tar.gz", "--db", "postgresql+psycopg://u@127.0.0.1:notaport/x"],
    ["backup", "--out", "a\0b"],
    ["restore"],
    ["restore", "{missing}"],
    ["restore", "{tmp}"],
    ["restore", "a\0b"],
    ["restore", "{tmp}/x", "--force=yes"],
]


@pytest.mark.parametrize("args", BAD_ARGUMENTS, ids=lambda a: " ".join(a)[:40])
def test_bad_arguments_get_one_line_and_status_2(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    filled = [a.format(tmp=tmp_path, missing=tmp_path / "missing") for a in args]
    env = {"PETASINYAL_INSTANCE": str(tmp_path / "instance")}
    with mock.patch.dict(os.environ, env), pytest.raises(SystemExit) as raised:
        raise SystemExit(main(filled))
    err = capsys.readouterr().err
    assert raised.value.code == 2 and one_line(err), err


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    command=st.sampled_from(["backup", "restore"]),
    value=st.text(st.characters(codec="utf-8", exclude_characters="/"), max_size=30),
    force=st.booleans(),
)
def test_any_path_gets_an_answer_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture, command: str, value: str, force: bool
) -> None:
    """Whatever the file name, each command answers with status 0, 1 or 2 and, when it
    fails, one line."""
    work = tmp_path / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    args = [command, "--out", str(work / f"x{value}")] if command == "backup" else [command]
    if command == "restore":
        args += [str(work / value), *(["--force"] if force else [])]
    env = {"PETASINYAL_INSTANCE": str(work / "instance")}
    capsys.readouterr()
    with mock.patch.dict(os.environ, env):
        try:
            status = main([*args, "--db", str(work / "db.sqlite3")])
        except SystemExit as exc:
            status = int(exc.code or 0)
    err = capsys.readouterr().err
    assert status in (0, 1, 2) and (status == 0 or one_line(err)), err
