"""``petasinyal publish``, ``petasinyal releases`` and ``petasinyal api-token``: registered
through the ``petasinyal.commands`` entry-point group. A bad argument, an unknown job or user,
or a job that cannot be published is one line and exit status 2."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from analysis.cli_args import CommandError, bounded_int, day

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["register"]


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``publish``, ``releases`` and ``api-token`` to the ``petasinyal`` parser."""
    cmd = commands.add_parser("publish", help="publish a finished heatmap job as a release")
    cmd.add_argument("job_id", type=bounded_int(1, 2**31 - 1), metavar="JOB_ID")
    cmd.add_argument("--title", required=True)
    cmd.add_argument("--note")
    cmd.add_argument(
        "--from", dest="period_from", type=day, help="first day covered (default: the job's)"
    )
    cmd.add_argument(
        "--to", dest="period_to", type=day, help="last day covered (default: the job's)"
    )
    cmd.add_argument(
        "--days", type=bounded_int(1, 3650), help="days for the operators' responses (default 60)"
    )
    cmd.add_argument(
        "--override", metavar="REASON", help="publish despite too little evidence, and why"
    )
    cmd.add_argument("--by", help="the admin publishing it (default: the first admin)")
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_publish)

    cmd = commands.add_parser("releases", help="list releases, newest first")
    cmd.add_argument("--limit", type=bounded_int(1, 100_000), default=50)
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_releases)

    cmd = commands.add_parser("api-token", help="make an API token for a user (shown once)")
    cmd.add_argument("username")
    cmd.add_argument("--name", required=True, help="what the token is for, e.g. GIS script")
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_api_token)


def _user(username: str | None, admin: bool) -> tuple[int, str]:
    """Id and audit name of ``username`` (or, for ``admin``, the first active admin)."""
    from sqlalchemy import select

    from server.db import session_scope
    from server.models import User

    with session_scope() as db:
        if username is None:
            user = db.scalars(
                select(User).where(User.role == "admin", User.active).order_by(User.id).limit(1)
            ).first()
            if user is None:
                raise CommandError("no active admin: create one, or name the publisher with --by")
        else:
            user = db.scalars(select(User).where(User.username == username)).first()
            if user is None:
                raise CommandError(f"no user {username!r}")
            if not user.active:
                raise CommandError(f"user {username!r} is deactivated")
            if admin and user.role != "admin":
                raise CommandError(f"{username!r} is not an admin")
            if user.role not in ("admin", "provider"):
                raise CommandError(
                    f"{username!r} is an officer: API tokens are for admins and providers"
                )
        return user.id, f"{user.role}:{user.username}"


def _publish(args: argparse.Namespace) -> int:
    from server.cli_app import in_app
    from server.db import session_scope
    from server.models import Job
    from server.release_evidence import default_period
    from server.releases import publish

    def action(app: Flask) -> str:
        user_id, actor = _user(args.by, admin=True)
        with session_scope() as db:
            job = db.get(Job, args.job_id)
            if job is None:
                raise CommandError(f"no job {args.job_id}")
            first, last = default_period(job)
        start = date.fromisoformat(args.period_from) if args.period_from else first
        end = date.fromisoformat(args.period_to) if args.period_to else last
        if start is None or end is None:
            raise CommandError(f"job {args.job_id} has no readings' days: give --from and --to")
        release_id = publish(
            args.job_id,
            f"cli:{actor}",
            user_id,
            args.title,
            args.note,
            start,
            end,
            override_reason=args.override,
            respond_days=args.days,
        )
        return f"job {args.job_id} published as release {release_id}"

    return in_app(args.db, action)


def _releases(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from sqlalchemy import func, select

    from server.cli_app import app_scope, print_table
    from server.db import session_scope
    from server.models import Release

    zone = ZoneInfo("Asia/Jakarta")
    with app_scope(args.db), session_scope() as db:
        total = db.scalar(select(func.count(Release.id))) or 0
        rows = db.scalars(
            select(Release)
            .order_by(Release.published_at.desc(), Release.id.desc())
            .limit(args.limit)
        ).all()
        table = [["id", "title", "period", "operators", "state", "published"]]
        for r in rows:
            published = f"{r.published_at.astimezone(zone):%Y-%m-%d %H:%M} WIB"
            state = r.state if r.state == "published" else f"withdrawn: {r.withdraw_reason}"
            table.append(
                [
                    str(r.id),
                    r.title,
                    f"{r.period_from} to {r.period_to}",
                    f"{','.join(r.operators)} {r.tech}",
                    state,
                    published,
                ]
            )
    print_table(table)
    print(f"{len(rows)} of {total} releases shown (times in WIB)")
    return 0


def _api_token(args: argparse.Namespace) -> int:
    from analysis.schema import text_problem
    from server.accounts import create_api_token
    from server.cli_app import in_app

    name = args.name.strip()
    if not name or len(name) > 64 or text_problem(name):
        raise CommandError("--name must be 1 to 64 printable characters")

    def action(app: Flask) -> str:
        user_id, _actor = _user(args.username, admin=False)
        return create_api_token(user_id, name, "cli")

    return in_app(args.db, action)
