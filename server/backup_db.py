"""The database half of a backup: a consistent snapshot out, and back in, for SQLite and
PostgreSQL, with the counts and digests that prove a restore gives the same data.

SQLite is copied with its online backup API in one step: one read transaction, so the copy
holds every upload it holds completely while the server keeps writing (WAL). PostgreSQL is
dumped by ``pg_dump`` (custom format) from a snapshot this module exports, and the digests
are computed in that same snapshot. A restore runs the whole dump in one transaction.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from datetime import date, datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, func, inspect, select
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from server.migrate import alembic_config
from server.models import Base, Job

__all__ = [
    "FINISHED",
    "BackupError",
    "head_revision",
    "pg_tool",
    "restore_database",
    "row_counts",
    "snapshot_database",
    "table_digests",
]

FINISHED = ("done", "failed", "cancelled")  # jobs whose product folders no longer change
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
_MOD = 1 << 256


class BackupError(Exception):
    """A backup or restore that cannot go on; ``status`` is the command's exit status
    (2: a bad argument or archive, 1: anything else)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def _plain(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime | date) else str(value)


def table_digests(conn: Connection) -> dict[str, dict[str, Any]]:
    """Rows and a digest of every table: the sum of the rows' SHA-256 modulo 2**256, so it
    does not depend on the order the database returns them in."""
    digests: dict[str, dict[str, Any]] = {}
    for table in Base.metadata.sorted_tables:
        count, total = 0, 0
        for row in conn.execution_options(yield_per=5000).execute(select(table)):
            line = json.dumps(list(row), default=_plain, sort_keys=True, separators=(",", ":"))
            total = (total + int.from_bytes(hashlib.sha256(line.encode()).digest())) % _MOD
            count += 1
        digests[table.name] = {"count": count, "digest": f"{total:064x}"}
    return digests


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows of each of the application's tables that exist (an empty instance has none)."""
    present = set(inspect(conn).get_table_names())
    return {
        table.name: int(conn.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
        if table.name in present
    }


def head_revision(url: str) -> str | None:
    """The newest migration this petasinyal knows."""
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def _describe(conn: Connection, url: str) -> dict[str, Any]:
    """Revision, digests and finished jobs of a snapshot (at the code's revision)."""
    revision = MigrationContext.configure(conn).get_current_revision()
    head = head_revision(url)
    if revision != head:
        raise BackupError(
            f"the database is at revision {revision or 'none'}, this petasinyal expects "
            f"{head}: run `petasinyal db upgrade` first"
        )
    finished = conn.scalars(select(Job.id).where(Job.state.in_(FINISHED)).order_by(Job.id))
    return {
        "revision": revision,
        "tables": table_digests(conn),
        "finished_jobs": [int(i) for i in finished],
    }


def snapshot_database(engine: Engine, dest: Path) -> dict[str, Any]:
    """Copy the database into ``dest`` (one snapshot) and describe that snapshot."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return _sqlite_snapshot(url, dest)
    if url.get_backend_name() == "postgresql":
        return _pg_snapshot(engine, dest)
    raise BackupError(f"cannot back up a {url.get_backend_name()} database")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _sqlite_snapshot(url: URL, dest: Path) -> dict[str, Any]:
    source = _sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}: nothing to back up")
    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as src,
            closing(sqlite3.connect(dest)) as dst,
        ):
            src.backup(dst)  # all pages in one step: one read transaction
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy the SQLite database {source}: {exc}") from exc
    copy_url = f"sqlite:///{dest}"
    engine = create_engine(copy_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return _describe(conn, copy_url)
    finally:
        engine.dispose()


def pg_tool(name: str) -> str:
    """``pg_dump``, ``pg_restore`` or ``psql``: from PATH, else the newest Debian cluster's."""
    found = shutil.which(name)
    if found:
        return found
    for bindir in sorted(glob.glob(PG_BIN_GLOB), reverse=True):
        if os.access(Path(bindir) / name, os.X_OK):
            return str(Path(bindir) / name)
    raise BackupError(
        f"{name} not found in PATH or {PG_BIN_GLOB}: install the PostgreSQL client "
        "(e.g. apt-get install postgresql-client-15)"
    )


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URI for ``url`` and an environment holding its password (not on argv)."""
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return uri, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        raise BackupError(f"{Path(command[0]).name} failed: {reason}")


def _pg_snapshot(engine: Engine, dest: Path) -> dict[str, Any]:
    pg_dump = pg_tool("pg_dump")
    uri, env = _libpq(engine.url)
    options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    with engine.connect().execution_options(**options) as conn:
        snapshot = conn.scalar(select(func.pg_export_snapshot()))
        # pg_dump reads the snapshot this transaction holds; the digests below read it too
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dest}", uri], env)
        return _describe(conn, engine.url.render_as_string(hide_password=False))


def restore_database(engine: Engine, snapshot: Path) -> None:
    """Replace the database behind ``engine`` with ``snapshot`` (the caller checked that it
    may); all or nothing."""
    engine.dispose()
    if engine.url.get_backend_name() == "sqlite":
        target = _sqlite_path(engine.url)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with (
                closing(sqlite3.connect(snapshot)) as src,
                closing(sqlite3.connect(target, timeout=30)) as dst,
            ):
                src.backup(dst)
        except sqlite3.Error as exc:
            raise BackupError(f"cannot write the SQLite database {target}: {exc}") from exc
    else:
        _pg_restore(engine.url, snapshot)


# Everything of the application in the current schema goes (tables, sequences, views and
# functions such as the audit log's trigger function); what extensions own stays.
_PG_CLEAR = """
SET client_min_messages = warning;
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT format('%I.%I', n.nspname, c.relname) AS name,
                  CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                 WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                             AND d.objid = c.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP %s IF EXISTS %s CASCADE', r.kind, r.name);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure::text AS name
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = current_schema()
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                             AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', r.name);
  END LOOP;
END $$;
"""
_EXTENSION = re.compile(r"^\d+; \d+ \d+ (?:EXTENSION - |COMMENT - EXTENSION )(\S+)")


def _use_list(pg_restore: str, dump: Path, env: dict[str, str]) -> tuple[str, str]:
    """The dump's table of contents without its extensions, and SQL creating them.

    Extensions are created here, not by the dump: their comments need the extension's
    owner, and an extension that is already there stays as it is."""
    listing = subprocess.run(
        [pg_restore, "--list", str(dump)], env=env, capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        raise BackupError("the database dump in the archive cannot be read by pg_restore")
    lines, extensions = [], set()
    for line in listing.stdout.splitlines():
        match = _EXTENSION.match(line)
        if match:
            extensions.add(match.group(1))
        lines.append(f";{line}" if match else line)
    create = "".join(
        f'CREATE EXTENSION IF NOT EXISTS "{name}";\n'
        for name in sorted(extensions)
        if re.fullmatch(r"[A-Za-z0-9_-]+", name)
    )
    return "\n".join(lines) + "\n", create


def _pg_restore(url: URL, dump: Path) -> None:
    """Clear the schema, create the dump's extensions if missing, load the dump: one
    transaction (``psql -1``), so a failure leaves the target as it was."""
    pg_restore, psql = pg_tool("pg_restore"), pg_tool("psql")
    uri, env = _libpq(url)
    toc, create = _use_list(pg_restore, dump, env)
    with tempfile.TemporaryDirectory(prefix="petasinyal-pg-") as work:
        use_list, prelude, errors = (Path(work) / n for n in ("list", "prelude.sql", "errors"))
        use_list.write_text(toc, encoding="utf-8")
        prelude.write_text(_PG_CLEAR + create, encoding="utf-8")
        restore = [pg_restore, "--no-owner", "--no-privileges", f"--use-list={use_list}"]
        load = [psql, "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f", str(prelude), "-f", "-"]
        with errors.open("w", encoding="utf-8") as err:
            dump_sql = subprocess.Popen(
                [*restore, "--file=-", str(dump)], env=env, stdout=subprocess.PIPE, stderr=err
            )
            loaded = subprocess.run(
                [*load, "--dbname", uri],
                env=env,
                stdin=dump_sql.stdout,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
            assert dump_sql.stdout is not None
            dump_sql.stdout.close()
            dump_status = dump_sql.wait()
        if loaded.returncode != 0 or dump_status != 0:
            problems = loaded.stderr.splitlines() + errors.read_text(encoding="utf-8").splitlines()
            reason = next((p for p in problems if "error" in p.lower()), "psql failed")
            raise BackupError(f"the PostgreSQL restore failed and was rolled back: {reason}")
