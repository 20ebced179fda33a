"""The audit log, read-only: who did what, when, with the state before and after."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from server.db import session_scope
from server.models import AuditEntry, User
from server.offices import current_scope, office_users
from server.web.access import roles_required
from server.web.audit_words import AUDIT_WORDS
from server.web.listing import day_start, filters, page_of

__all__ = ["bp"]

bp = Blueprint("auditlog", __name__)


@bp.get("/audit")
@roles_required("admin")
def index() -> str:
    """Browse the audit log, newest first, filtered by actor, action, target and day."""
    args = filters("actor", "action", "target", "from", "to")
    query = select(AuditEntry)
    office = current_scope()
    if not office.province:  # a kabupaten/kota office: what its own people did
        with session_scope() as db:
            people = db.execute(select(User.role, User.username).where(office_users(office))).all()
        actors = [f"{role}:{name}" for role, name in people]
        query = query.where(AuditEntry.actor.in_(actors + [f"token:{n}" for _r, n in people]))
    if "actor" in args:
        query = query.where(AuditEntry.actor.contains(args["actor"], autoescape=True))
    if "action" in args:
        query = query.where(AuditEntry.action.startswith(args["action"], autoescape=True))
    if "target" in args:
        query = query.where(AuditEntry.target.startswith(args["target"], autoescape=True))
    if first := day_start(args.get("from")):
        query = query.where(AuditEntry.at >= first)
    if end := day_start(args.get("to"), 1):
        query = query.where(AuditEntry.at < end)
    with session_scope() as db:
        listing = page_of(db, query.order_by(AuditEntry.id.desc()))
        actions = db.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
        db.expunge_all()
    return render_template(
        "auditlog.html",
        listing=listing,
        args=args,
        actions=actions,
        **AUDIT_WORDS,
    )
