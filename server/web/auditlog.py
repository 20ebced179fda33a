"""The audit log, read-only: who did what, when, with the state before and after."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from flask_babel import get_timezone
from sqlalchemy import func, select

from server.db import session_scope
from server.models import AuditEntry
from server.web.access import roles_required

__all__ = ["bp"]

bp = Blueprint("auditlog", __name__)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@bp.get("/audit")
@roles_required("admin")
def index() -> str:
    """Browse the audit log, newest first, filtered by actor, action, target and day."""
    args = {k: v.strip() for k, v in request.args.items() if v.strip()}
    query = select(AuditEntry)
    if "actor" in args:
        query = query.where(AuditEntry.actor.contains(args["actor"], autoescape=True))
    if "action" in args:
        query = query.where(AuditEntry.action.startswith(args["action"], autoescape=True))
    if "target" in args:
        query = query.where(AuditEntry.target.startswith(args["target"], autoescape=True))
    zone = ZoneInfo(str(get_timezone()))
    if first := _day(args.get("from")):
        query = query.where(AuditEntry.at >= datetime.combine(first, time(), zone))
    if last := _day(args.get("to")):
        query = query.where(
            AuditEntry.at < datetime.combine(last + timedelta(days=1), time(), zone)
        )
    page = max(1, request.args.get("page", 1, type=int) or 1)
    size = int(current_app.config["PAGE_SIZE"])
    with session_scope() as db:
        total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        entries = db.scalars(
            query.order_by(AuditEntry.id.desc()).limit(size).offset((page - 1) * size)
        ).all()
        actions = db.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
        db.expunge_all()
    args.pop("page", None)
    return render_template(
        "auditlog.html",
        entries=entries,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / size)),
        args=args,
        actions=actions,
    )
