"""Notifications of the logged-in user (every role): the list, marking them read, and the
count of unread ones that the navigation shows on every page."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from server.audit import record
from server.db import session_scope
from server.mailer import describe, details
from server.models import Notification, utcnow
from server.web.access import roles_required, safe_next
from server.web.forms import ActionForm
from server.web.listing import page_of

__all__ = ["bp"]

log = logging.getLogger(__name__)
bp = Blueprint("notifications", __name__)
ROLES = ("admin", "officer", "provider")


@bp.app_context_processor
def _unread() -> dict[str, Any]:
    """``unread_notifications`` for the navigation: one count on the (user, read) index."""
    if not current_user or not current_user.is_authenticated:
        return {"unread_notifications": 0}
    try:
        with session_scope() as db:
            count = db.scalar(
                select(func.count(Notification.id)).where(
                    Notification.user_id == current_user.user_id, Notification.read_at.is_(None)
                )
            )
    except SQLAlchemyError:  # an error page must still render while the database is away
        log.exception("unread notifications not counted")
        count = 0
    return {"unread_notifications": int(count or 0)}


@bp.get("/notifications")
@roles_required(*ROLES)
def index() -> str:
    """The user's notifications, newest first; unread ones marked."""
    unread_only = request.args.get("unread") == "1"
    query = select(Notification).where(Notification.user_id == current_user.user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    with session_scope() as db:
        listing = page_of(
            db, query.order_by(Notification.created_at.desc(), Notification.id.desc())
        )
        db.expunge_all()
    items = [
        (n, describe(n.kind, n.params or {}), details(n.kind, n.params or {})) for n in listing.rows
    ]
    return render_template(
        "notifications/index.html",
        listing=listing,
        items=items,
        unread_only=unread_only,
        action=ActionForm(),
    )


@bp.post("/notifications/<int:notification_id>/read")
@roles_required(*ROLES)
def read(notification_id: int) -> Response:
    """Mark one notification read; with ``open`` set, go on to what it links to."""
    if not ActionForm().validate_on_submit():
        abort(400)
    with session_scope() as db:
        item = db.get(Notification, notification_id)
        if item is None or item.user_id != current_user.user_id:
            abort(404)  # another user's notification is as unknown as a missing one
        if item.read_at is None:
            item.read_at = utcnow()
            record(
                db,
                current_user.actor,
                "notification.read",
                f"notification:{item.id}",
                {"read": False},
                {"read": True},
            )
        link = safe_next(item.link)
    if request.form.get("open") and link:
        return redirect(link)
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/read-all")
@roles_required(*ROLES)
def read_all() -> Response:
    """Mark every notification of the user read."""
    if not ActionForm().validate_on_submit():
        abort(400)
    with session_scope() as db:
        changed = db.execute(
            update(Notification)
            .where(Notification.user_id == current_user.user_id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        ).rowcount  # type: ignore[attr-defined]
        if changed:
            record(
                db,
                current_user.actor,
                "notification.read",
                f"user:{current_user.user_id}",
                None,
                {"read": int(changed)},
            )
    flash(_("Every notification is marked as read."), "ok")
    return redirect(url_for("notifications.index"))
