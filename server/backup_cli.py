"""``petasinyal backup`` and ``petasinyal restore``: registered through the
``petasinyal.commands`` entry-point group. Exit status 0 on success, 2 for a bad argument,
a damaged or foreign archive, 1 when the work cannot be done (a non-empty target, a missing
``pg_dump``, an unreachable database); always one line, never a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from server.backup_db import BackupError
from server.cli_errors import one_line_errors

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["register"]


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``backup`` and ``restore`` to the ``petasinyal`` parser."""
    cmd = commands.add_parser(
        "backup", help="back up the database, job products and instance files into one archive"
    )
    cmd.add_argument(
        "--out", type=Path, required=True, help="archive to write, e.g. petasinyal-DATE.tar.gz"
    )
    cmd.add_argument("--db", help="database URL or SQLite file (default: the instance's)")
    cmd.set_defaults(handler=_backup)
    one_line_errors(cmd, "backup")

    cmd = commands.add_parser("restore", help="restore a backup into an empty instance")
    cmd.add_argument("archive", type=Path, metavar="FILE")
    cmd.add_argument("--force", action="store_true", help="replace what a non-empty instance holds")
    cmd.add_argument("--check", action="store_true", help="only check the archive, restore nothing")
    cmd.add_argument("--db", help="database URL or SQLite file (default: the instance's)")
    cmd.set_defaults(handler=_restore)
    one_line_errors(cmd, "restore")


def _app(db: str | None) -> Flask:
    from server import create_app

    config = {}
    if db:
        config["DATABASE_URL"] = db if "://" in db else f"sqlite:///{Path(db).resolve()}"
    return create_app(config)


def _guarded(name: str, work: Callable[[], str]) -> int:
    """Run ``work``; print its message, or its error as one line with the exit status."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        message = work()
    except BackupError as exc:
        return _fail(name, str(exc), exc.status)
    except ArgumentError as exc:
        return _fail(name, f"bad database URL: {exc}", 2)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc)
        return _fail(name, f"database error: {reason}", 1)
    except ValueError as exc:  # e.g. a NUL byte in a path
        return _fail(name, str(exc), 2)
    except OSError as exc:
        return _fail(name, f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), 1)
    print(message)
    return 0


def _fail(name: str, message: str, status: int) -> int:
    line = " ".join("".join(c if c.isprintable() else " " for c in message).split())
    print(f"petasinyal {name}: error: {line}", file=sys.stderr)
    return status


def _backup(args: argparse.Namespace) -> int:
    from server.backup import write_backup
    from server.restore import summary

    def work() -> str:
        app = _app(args.db)
        try:
            manifest = write_backup(app, args.out)
        finally:
            app.extensions["petasinyal.engine"].dispose()
        return f"backup written to {args.out}: {summary(manifest)}"

    return _guarded("backup", work)


def _restore(args: argparse.Namespace) -> int:
    from server.restore import check_archive, restore_backup, summary

    def work() -> str:
        if args.check:
            return f"{args.archive} is intact: {summary(check_archive(args.archive))}"
        app = _app(args.db)
        try:
            manifest, notes = restore_backup(app, args.archive, force=args.force)
        finally:
            app.extensions["petasinyal.engine"].dispose()
        lines = [f"restored {args.archive}: {summary(manifest)}; counts and checksums match"]
        return "\n".join(lines + [f"note: {note}" for note in notes])

    return _guarded("restore", work)
