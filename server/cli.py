"""Server commands for ``petasinyal``: serve, db upgrade, create-user, enrol-code,
uploads, review, export-approved, revoke-device, import-uploads."""

from __future__ import annotations

import argparse
import getpass
import hashlib
import os
import re
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.cli_args import CommandError, bounded_int, day, one_line, port, time_zone

if TYPE_CHECKING:
    import pandas as pd
    from flask import Flask

__all__ = ["register"]

_REVIEW_STATES = ("approved", "has_issues", "rejected")
_PLMN = re.compile(r"\d{3}-\d{2,3}")


def register(commands: argparse._SubParsersAction) -> None:
    """Add the server commands to the ``petasinyal`` parser."""
    cmd = commands.add_parser("serve", help="run the server (development server)")
    cmd.add_argument("--host", default="127.0.0.1")
    cmd.add_argument("--port", type=port, default=5000)
    cmd.add_argument("--db", help="database URL or SQLite file (default: instance folder)")
    cmd.add_argument(
        "--no-worker", action="store_true", help="do not run heatmap jobs in this process"
    )
    cmd.set_defaults(handler=_serve)

    cmd = commands.add_parser(
        "demo", help="a server with a simulated survey uploaded, reviewed and mapped"
    )
    cmd.add_argument("--out", type=Path, default=Path("demo-output"))
    cmd.add_argument("--points", type=bounded_int(1_000, 5_000_000), default=20_000)
    cmd.add_argument("--port", type=port, default=5000)
    cmd.add_argument("--no-serve", action="store_true", help="stop once the maps are built")
    cmd.set_defaults(handler=_demo)

    cmd = commands.add_parser("worker", help="run queued heatmap jobs (beside gunicorn)")
    cmd.add_argument("--db", help="database URL or SQLite file")
    cmd.set_defaults(handler=_worker)

    cmd = commands.add_parser("db", help="database maintenance")
    cmd.add_argument("action", choices=("upgrade",))
    cmd.add_argument("--db", help="database URL or SQLite file")
    cmd.set_defaults(handler=_db)

    cmd = commands.add_parser("create-user", help="create an admin, officer or provider")
    cmd.add_argument("username")
    cmd.add_argument("--role", required=True, choices=("admin", "officer", "provider"))
    cmd.add_argument(
        "--operators", default="", help="providers: comma-separated MCC-MNC list, e.g. 510-10"
    )
    cmd.add_argument("--email", help="address the user's notifications are mailed to")
    cmd.add_argument(
        "--office",
        metavar="CODE",
        help="admins, officers: Kemendagri code of the office's region, 13 the province "
        "(default) or 13.06 a kabupaten/kota",
    )
    cmd.add_argument(
        "--password-env",
        default="PETASINYAL_PASSWORD",
        help="environment variable holding the password (else asked)",
    )
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_create_user)

    cmd = commands.add_parser("offices", help="list the offices with their admins and officers")
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_offices)

    cmd = commands.add_parser("enrol-code", help="issue a one-time device enrolment code")
    cmd.add_argument("officer", help="the officer's username")
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_enrol_code)

    cmd = commands.add_parser("uploads", help="list uploads, newest first (ids for review)")
    cmd.add_argument("--state", default="all", choices=("all", "received", *_REVIEW_STATES))
    cmd.add_argument("--officer", help="only this officer's uploads (username)")
    cmd.add_argument("--since", type=day, help="received on or after this day (YYYY-MM-DD)")
    cmd.add_argument("--until", type=day, help="received before this day (YYYY-MM-DD)")
    cmd.add_argument("--limit", type=bounded_int(1, 100_000), default=50)
    cmd.add_argument(
        "--tz", type=time_zone, default="Asia/Jakarta", help="zone of times and days (WIB)"
    )
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_uploads)

    cmd = commands.add_parser("review", help="approve an upload, or send it back with a comment")
    cmd.add_argument("upload_id")
    cmd.add_argument("--state", required=True, choices=_REVIEW_STATES)
    cmd.add_argument("--comment", help="what the officer must fix (shown on the phone)")
    cmd.add_argument("--reviewer", default="cli")
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_review)

    cmd = commands.add_parser(
        "export-approved", help="approved readings as canonical CSV (for petasinyal heatmap)"
    )
    cmd.add_argument("--out", type=Path, required=True)
    cmd.add_argument(
        "--operator", action="append", help="MCC-MNC (e.g. 510-10) or name; repeat for several"
    )
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_export_approved)

    cmd = commands.add_parser("revoke-device", help="revoke a device's token")
    cmd.add_argument("device_id", type=bounded_int(1, 2**63 - 1))
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_revoke_device)

    cmd = commands.add_parser(
        "import-uploads", help="import field-tool files through the upload path"
    )
    cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")
    cmd.add_argument("--officer", required=True, help="officer the import is recorded for")
    cmd.add_argument("--tz", default="Asia/Jakarta", type=time_zone)
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_import_uploads)


def _app(db: str | None, create: bool = False) -> Flask:
    """The app on ``db``; a missing SQLite file is made only when ``create`` is set."""
    from sqlalchemy.exc import SQLAlchemyError

    from server import create_app

    config = {}
    if db:
        if "://" not in db and not create and not Path(db).is_file():
            raise CommandError(f"no database file {db} (make it with `petasinyal db upgrade`)")
        config["DATABASE_URL"] = db if "://" in db else f"sqlite:///{Path(db).resolve()}"
    try:
        return create_app(config)
    except (SQLAlchemyError, ImportError) as exc:
        raise CommandError(f"cannot use the database {_hidden(db)}: {_first_line(exc)}") from exc


def _hidden(db: str | None) -> str:
    """``db`` as it may be printed: a URL's password masked."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(db or "").render_as_string(hide_password=True)
    except ArgumentError:
        return db or "(default)"


def _first_line(exc: BaseException) -> str:
    """The driver's own message, without SQLAlchemy's SQL and background lines."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return one_line(lines[0] if lines else type(cause).__name__)


def _check_database(app: Flask) -> None:
    """Refuse a database that cannot be opened or has no PetaSinyal tables, in one line."""
    from sqlalchemy import inspect

    engine = app.extensions["petasinyal.engine"]
    shown = engine.url.render_as_string(hide_password=True)
    with engine.connect() as connection:
        ready = inspect(connection).has_table("uploads")
    if not ready:
        raise CommandError(f"{shown} has no PetaSinyal tables (run `petasinyal db upgrade`)")


@contextmanager
def _app_scope(db: str | None, create: bool = False) -> Iterator[Flask]:
    """An app for one command; its database connections are closed afterwards, and database
    errors end the command with one line."""
    from sqlalchemy.exc import SQLAlchemyError

    app = _app(db, create)
    try:
        with app.app_context():
            if not create:
                _check_database(app)
            yield app
    except SQLAlchemyError as exc:
        raise CommandError(f"database error: {_first_line(exc)}") from exc
    finally:
        app.extensions["petasinyal.engine"].dispose()


def _serve(args: argparse.Namespace) -> int:
    with _app_scope(args.db, create=True) as app:
        _upgrade(app)
    if not args.no_worker:
        start_worker(app)
    app.run(host=args.host, port=args.port, threaded=True)
    return 0


def start_worker(app: Flask) -> None:
    """Run heatmap jobs in a background thread of this process."""
    from server.jobs import JobWorker

    worker = JobWorker(app)
    app.extensions["petasinyal.worker"] = worker
    worker.start()


def _demo(args: argparse.Namespace) -> int:
    from server.demo import run_demo

    run_demo(args.out, args.points, args.port, serve=not args.no_serve)
    return 0


def _worker(args: argparse.Namespace) -> int:
    with _app_scope(args.db) as app:
        pass
    start_worker(app)
    print("job worker running; Ctrl-C stops it (a running job is resumed by the next worker)")
    try:
        app.extensions["petasinyal.worker"].join()
    except KeyboardInterrupt:
        app.extensions["petasinyal.worker"].stop()
    return 0


def _upgrade(app: Flask) -> None:
    from server.migrate import upgrade

    upgrade(str(app.extensions["petasinyal.engine"].url.render_as_string(hide_password=False)))


def _db(args: argparse.Namespace) -> int:
    with _app_scope(args.db, create=True) as app:
        _upgrade(app)
    print("database is up to date")
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from server.accounts import check_email, create_user

    try:
        email = check_email(args.email)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    try:
        password = os.environ.get(args.password_env) or getpass.getpass("password: ")
    except EOFError:
        raise CommandError(f"no password: set {args.password_env} or type it") from None
    operators = [o.strip() for o in args.operators.split(",") if o.strip()]

    def action(app: Flask) -> str:
        user_id = create_user(
            args.username, password, args.role, operators, email=email, office=args.office
        )
        return f"user {args.username} ({args.role}) created with id {user_id}"

    return _in_app(args.db, action)


def _offices(args: argparse.Namespace) -> int:
    """Every office: code, name, admins, officers (province first)."""
    from server.db import session_scope
    from server.offices import list_offices

    with _app_scope(args.db), session_scope() as db:
        rows = list_offices(db)
        table = [["code", "office", "admins", "officers"]]
        table += [[o.code, o.name, str(admins), str(officers)] for o, admins, officers in rows]
    _print_table(table)
    return 0


def _enrol_code(args: argparse.Namespace) -> int:
    from server.accounts import issue_enrol_code

    def action(app: Flask) -> str:
        code, expires = issue_enrol_code(args.officer, app.config["ENROL_CODE_MINUTES"])
        return f"{code}  (valid until {expires:%Y-%m-%d %H:%M} UTC, once)"

    return _in_app(args.db, action)


def _uploads(args: argparse.Namespace) -> int:
    """Uploads newest first: id, officer, device, state, readings, received, readings' dates."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from sqlalchemy import func, select

    from server.db import session_scope
    from server.models import Device, Measurement, Upload, User
    from server.web.labels import ZONE_LABELS

    zone = ZoneInfo(args.tz)
    label = ZONE_LABELS.get(args.tz, args.tz)

    def start_of(text: str) -> datetime:
        return datetime.combine(datetime.fromisoformat(text).date(), time(), zone)

    def shown(value: datetime | None) -> str:
        return "-" if value is None else f"{value.astimezone(zone):%Y-%m-%d %H:%M} {label}"

    if args.since and args.until and args.until <= args.since:
        raise CommandError(f"--until {args.until} must be after --since {args.since}")
    query = (
        select(Upload, Device.name, User.username)
        .join(Device, Device.id == Upload.device_id)
        .join(User, User.id == Device.officer_id)
    )
    if args.state != "all":
        query = query.where(Upload.state == args.state)
    if args.officer:
        query = query.where(User.username == args.officer)
    if args.since:
        query = query.where(Upload.received_at >= start_of(args.since))
    if args.until:
        query = query.where(Upload.received_at < start_of(args.until))
    with _app_scope(args.db), session_scope() as db:
        total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.execute(
            query.order_by(Upload.received_at.desc(), Upload.id).limit(args.limit)
        ).all()
        spans: dict[str, tuple[datetime | None, datetime | None]] = {
            row[0].id: (None, None) for row in rows
        }
        for upload_id, earliest, latest in db.execute(
            select(
                Measurement.upload_id,
                func.min(Measurement.observed_at),
                func.max(Measurement.observed_at),
            )
            .where(Measurement.upload_id.in_(list(spans)))
            .group_by(Measurement.upload_id)
        ):
            spans[upload_id] = (earliest, latest)
    table = [["id", "officer", "device", "state", "readings", "received", "first", "last"]]
    for upload, device, officer in rows:
        first, last = spans[upload.id]
        table.append([upload.id, officer, device, upload.state, str(upload.accepted)])
        table[-1] += [shown(upload.received_at), shown(first), shown(last)]
    _print_table(table)
    print(f"{len(rows)} of {total} uploads shown (times in {label})")
    return 0


def _print_table(table: list[list[str]]) -> None:
    """Rows as left-aligned columns; control characters in stored names become spaces."""
    cells = [[one_line(cell) for cell in row] for row in table]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _review(args: argparse.Namespace) -> int:
    from server.review import review_upload

    def action(app: Flask) -> str:
        after = review_upload(args.upload_id, args.state, args.reviewer, args.comment)
        return f"upload {args.upload_id}: {after['state']}"

    return _in_app(args.db, action)


def _export_approved(args: argparse.Namespace) -> int:
    from analysis.io_csv import write_csv

    def action(app: Flask) -> str:
        frame = _approved_of(args.operator or [])
        write_csv(frame, args.out)
        return f"{len(frame)} approved readings written to {args.out}"

    return _in_app(args.db, action)


def _approved_of(operators: list[str]) -> pd.DataFrame:
    """Approved readings of the operators named by MCC-MNC or by name (all when none)."""
    from analysis.summary import operator_label
    from server.review import approved_frame

    if all(_PLMN.fullmatch(op) for op in operators):
        return approved_frame(operators or None)
    frame = approved_frame()
    named = operator_label(frame).isin(operators) | frame["operator"].isin(operators)
    return frame[named.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


def _revoke_device(args: argparse.Namespace) -> int:
    from server.accounts import revoke_device

    def action(app: Flask) -> str:
        revoke_device(args.device_id)
        return f"device {args.device_id} revoked"

    return _in_app(args.db, action)


def _in_app(db: str | None, action: Callable[[Flask], str]) -> int:
    """Run ``action`` in an app context; print its message (errors end the command)."""
    with _app_scope(db) as app:
        try:
            message = action(app)
        except (LookupError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
    print(message)
    return 0


def _import_uploads(args: argparse.Namespace) -> int:
    from analysis.frame import wire_records
    from analysis.readers import UnknownFormatError, read_survey
    from server.accounts import import_device
    from server.api.uploads import flag_rules
    from server.db import session_scope
    from server.ingest import ingest_batch
    from server.models import Device
    from server.regions import current_regions

    total = {"accepted": 0, "duplicates": 0, "rejected": 0}
    unreadable: list[str] = []
    with _app_scope(args.db) as app:
        try:
            device_id = import_device(args.officer)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        for path in args.files:
            try:
                result = read_survey(path, tz=args.tz, device_id=f"import-{args.officer}")
            except (OSError, UnknownFormatError) as exc:
                unreadable.append(f"{path}: cannot read: {one_line(exc)}")
                continue
            records = wire_records(result.frame)
            digest = hashlib.sha1(path.read_bytes()).hexdigest()
            for start in range(0, len(records), app.config["MAX_BATCH"]):
                batch_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"petasinyal:{digest}:{start}"))
                with session_scope() as session:
                    device = session.get(Device, device_id)
                    assert device is not None
                    batch = records[start : start + app.config["MAX_BATCH"]]
                    answer = ingest_batch(
                        session, device, batch_id, batch, flag_rules(), regions=current_regions()
                    ).answer()
                for key in total:
                    total[key] += answer["counts"][key]
            print(
                f"{path}: {result.kept} readings read, {len(result.rejected)} rejected by "
                f"the reader"
            )
    if len(unreadable) == len(args.files):
        more = f" (and {len(unreadable) - 1} more files)" if len(unreadable) > 1 else ""
        raise CommandError(unreadable[0] + more)
    for line in unreadable:
        print(line, file=sys.stderr)
    print(
        f"stored {total['accepted']}, duplicates {total['duplicates']}, rejected "
        f"{total['rejected']}"
    )
    return 0
