"""Server commands for ``petasinyal``: serve, demo, worker, db upgrade, create-user, offices,
enrol-code, revoke-device; the upload commands come from :mod:`server.upload_cli`."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.cli_args import CommandError, bounded_int, port
from server import upload_cli as upload_commands
from server.cli_app import app_scope, in_app, print_table

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["register"]


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

    cmd = commands.add_parser("revoke-device", help="revoke a device's token")
    cmd.add_argument("device_id", type=bounded_int(1, 2**63 - 1))
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_revoke_device)

    upload_commands.register(commands)


def _serve(args: argparse.Namespace) -> int:
    with app_scope(args.db, create=True) as app:
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
    with app_scope(args.db) as app:
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
    with app_scope(args.db, create=True) as app:
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

    return in_app(args.db, action)


def _offices(args: argparse.Namespace) -> int:
    """Every office: code, name, admins, officers (province first)."""
    from server.db import session_scope
    from server.offices import list_offices

    with app_scope(args.db), session_scope() as db:
        rows = list_offices(db)
        table = [["code", "office", "admins", "officers"]]
        table += [[o.code, o.name, str(admins), str(officers)] for o, admins, officers in rows]
    print_table(table)
    return 0


def _enrol_code(args: argparse.Namespace) -> int:
    from server.accounts import issue_enrol_code

    def action(app: Flask) -> str:
        code, expires = issue_enrol_code(args.officer, app.config["ENROL_CODE_MINUTES"])
        return f"{code}  (valid until {expires:%Y-%m-%d %H:%M} UTC, once)"

    return in_app(args.db, action)


def _revoke_device(args: argparse.Namespace) -> int:
    from server.accounts import revoke_device

    def action(app: Flask) -> str:
        revoke_device(args.device_id)
        return f"device {args.device_id} revoked"

    return in_app(args.db, action)
