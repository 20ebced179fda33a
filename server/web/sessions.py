"""Login sessions kept on the server.

The cookie (signed, not secret) carries ``<user id>.<session version>.<key>``. A session
is valid while its user is active, the user's session version is unchanged (a password
change or deactivation bumps it: every session ends) and its own row is neither ended
(logout) nor older than ``PERMANENT_SESSION_LIFETIME``. Only the key's hash is stored.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from server.db import session_scope
from server.models import User, WebSession, utcnow
from server.security import hash_secret
from server.web.access import WebUser

__all__ = ["end_session", "load_user", "start_session", "web_user"]


def web_user(user: User, key: str = "") -> WebUser:
    """The request's snapshot of ``user`` in the login session named by ``key``."""
    return WebUser(
        user.id,
        user.username,
        user.role,
        tuple(user.operators or ()),
        user.language or "id",
        user.timezone or "Asia/Jakarta",
        user.session_version or 0,
        key,
        user.office_id,
        user.office.code if user.office else "",
        user.office.name if user.office else "",
    )


def _lifetime() -> timedelta:
    value = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return value if isinstance(value, timedelta) else timedelta(seconds=int(value))


def start_session(db: Session, user: User) -> WebUser:
    """A new login session of ``user``; sessions past their lifetime are removed."""
    now = utcnow()
    db.execute(delete(WebSession).where(WebSession.created_at < now - _lifetime()))
    key = secrets.token_urlsafe(32)
    db.add(WebSession(user_id=user.id, key_hash=hash_secret(key), created_at=now))
    return web_user(user, key)


def load_user(session_id: str) -> WebUser | None:
    """Flask-Login's user loader: the user of a valid session, else ``None``."""
    user_id, version, key = [*session_id.split(".", 2), "", ""][:3]
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) <= 9) or not key:
        return None
    if not (version.isascii() and version.isdigit() and len(version) <= 9):
        return None
    with session_scope() as db:
        user = db.scalars(
            select(User)
            .join(WebSession, WebSession.user_id == User.id)
            .where(
                User.id == int(user_id),
                WebSession.key_hash == hash_secret(key),
                WebSession.ended_at.is_(None),
                WebSession.created_at >= utcnow() - _lifetime(),
            )
        ).first()
        if user is None or not user.active or user.session_version != int(version):
            return None
        return web_user(user, key)


def end_session(key: str) -> None:
    """End the login session named by ``key`` (logout): its cookie, copied or not, is void."""
    if not key:
        return
    with session_scope() as db:
        db.execute(
            update(WebSession)
            .where(WebSession.key_hash == hash_secret(key), WebSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
