"""Server commands for ``petasinyal``: serve, db upgrade, create-user, enrol-code,
review, export-approved, revoke-device, import-uploads."""

from __future__ import annotations

import argparse
import getpass
import hashlib
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["register"]


def register(commands: argparse._SubParsersAction) -> None:
    """Add the server commands to the ``petasinyal`` parser."""
    cmd = commands.add_parser("serve", help="run the server (development server)")
    cmd.add_argument("--host", default="127.0.0.1")
    cmd.add_argument("--port", type=int, default=5000)
    cmd.add_argument("--db", help="database URL or SQLite file (default: instance folder)")
    cmd.add_argument(
        "--no-worker", action="store_true", help="do not run heatmap jobs in this process"
    )
    cmd.set_defaults(handler=_serve)

    cmd = commands.add_parser(
        "demo", help="a server with a simulated survey uploaded, reviewed and mapped"
    )
    cmd.add_argument("--out", type=Path, default=Path("demo-output"))
    cmd.add_argument("--points", type=int, default=20_000)
    cmd.add_argument("--port", type=int, default=5000)
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
    cmd.add_argument(
        "--password-env",
        default="PETASINYAL_PASSWORD",
        help="environment variable holding the password (else asked)",
    )
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_create_user)

    cmd = commands.add_parser("enrol-code", help="issue a one-time device enrolment code")
    cmd.add_argument("officer", help="the officer's username")
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_enrol_code)

    cmd = commands.add_parser("review", help="approve an upload, or send it back with a comment")
    cmd.add_argument("upload_id")
    cmd.add_argument("--state", required=True, choices=("approved", "has_issues", "rejected"))
    cmd.add_argument("--comment", help="what the officer must fix (shown on the phone)")
    cmd.add_argument("--reviewer", default="cli")
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_review)

    cmd = commands.add_parser(
        "export-approved", help="approved readings as canonical CSV (for petasinyal heatmap)"
    )
    cmd.add_argument("--out", type=Path, required=True)
    cmd.add_argument("--operator", action="append", help="MCC-MNC; repeat for several")
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_export_approved)

    cmd = commands.add_parser("revoke-device", help="revoke a device's token")
    cmd.add_argument("device_id", type=int)
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_revoke_device)

    cmd = commands.add_parser(
        "import-uploads", help="import field-tool files through the upload path"
    )
    cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")
    cmd.add_argument("--officer", required=True, help="officer the import is recorded for")
    cmd.add_argument("--tz", default="Asia/Jakarta")
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_import_uploads)


def _app(db: str | None) -> Flask:
    from server import create_app

    config = {}
    if db:
        config["DATABASE_URL"] = db if "://" in db else f"sqlite:///{Path(db).resolve()}"
    return create_app(config)


@contextmanager
def _app_scope(db: str | None) -> Iterator[Flask]:
    """An app for one command; its database connections are closed afterwards."""
    app = _app(db)
    try:
        with app.app_context():
            yield app
    finally:
        app.extensions["petasinyal.engine"].dispose()


def _serve(args: argparse.Namespace) -> int:
    app = _app(args.db)
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
    app = _app(args.db)
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
    with _app_scope(args.db) as app:
        _upgrade(app)
    print("database is up to date")
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from server.accounts import create_user

    password = os.environ.get(args.password_env) or getpass.getpass("password: ")
    operators = [o.strip() for o in args.operators.split(",") if o.strip()]

    def action(app: Flask) -> str:
        user_id = create_user(args.username, password, args.role, operators)
        return f"user {args.username} ({args.role}) created with id {user_id}"

    return _in_app(args.db, action)


def _enrol_code(args: argparse.Namespace) -> int:
    from server.accounts import issue_enrol_code

    def action(app: Flask) -> str:
        code, expires = issue_enrol_code(args.officer, app.config["ENROL_CODE_MINUTES"])
        return f"{code}  (valid until {expires:%Y-%m-%d %H:%M} UTC, once)"

    return _in_app(args.db, action)


def _review(args: argparse.Namespace) -> int:
    from server.review import review_upload

    def action(app: Flask) -> str:
        after = review_upload(args.upload_id, args.state, args.reviewer, args.comment)
        return f"upload {args.upload_id}: {after['state']}"

    return _in_app(args.db, action)


def _export_approved(args: argparse.Namespace) -> int:
    from analysis.io_csv import write_csv
    from server.review import approved_frame

    def action(app: Flask) -> str:
        frame = approved_frame(args.operator)
        write_csv(frame, args.out)
        return f"{len(frame)} approved readings written to {args.out}"

    return _in_app(args.db, action)


def _revoke_device(args: argparse.Namespace) -> int:
    from server.accounts import revoke_device

    def action(app: Flask) -> str:
        revoke_device(args.device_id)
        return f"device {args.device_id} revoked"

    return _in_app(args.db, action)


def _in_app(db: str | None, action: Callable[[Flask], str]) -> int:
    """Run ``action`` in an app context; print its message, or the error and exit 1."""
    with _app_scope(db) as app:
        try:
            message = action(app)
        except (LookupError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
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
    with _app_scope(args.db) as app:
        device_id = import_device(args.officer)
        for path in args.files:
            try:
                result = read_survey(path, tz=args.tz, device_id=f"import-{args.officer}")
            except (OSError, UnknownFormatError) as exc:
                print(f"{path}: cannot read: {exc}", file=sys.stderr)
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
    print(
        f"stored {total['accepted']}, duplicates {total['duplicates']}, rejected "
        f"{total['rejected']}"
    )
    return 0
