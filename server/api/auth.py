"""Device tokens: ``Authorization: Bearer <token>``, revocable, stored as hashes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import g, request
from sqlalchemy import select

from server.db import session_scope
from server.errors import ApiError
from server.models import ApiToken, Device, utcnow
from server.security import hash_secret

__all__ = ["device_required", "token_required"]


def device_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Let the request through only with the token of an enrolled, unrevoked device whose
    officer's account is active (disabling the account ends its devices; enabling it again
    brings them back)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "missing device token (Authorization: Bearer ...)")
        with session_scope() as session:
            device = session.scalars(
                select(Device).where(Device.token_hash == hash_secret(token.strip()))
            ).first()
            if device is None:
                raise ApiError(401, "unknown device token")
            if device.revoked_at is not None:
                raise ApiError(401, "this device's token was revoked; enrol the device again")
            if not device.officer.active:
                raise ApiError(401, "this device's officer account is disabled; ask the admin")
            session.expunge(device)
        g.device = device
        return view(*args, **kwargs)

    wrapper.access = ("device",)  # type: ignore[attr-defined]
    return wrapper


def _bearer() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "missing API token (Authorization: Bearer ...)")
    return token.strip()


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Let the request through only with an unrevoked API token of an active user who is an
    admin or a provider; ``g.api_user`` is that user."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from server.web import web_user

        now = utcnow()
        with session_scope() as session:
            item = session.scalars(
                select(ApiToken).where(ApiToken.token_hash == hash_secret(_bearer()))
            ).first()
            if item is None or item.revoked_at is not None or not item.user.active:
                raise ApiError(401, "unknown or revoked API token")
            if item.user.role not in ("admin", "provider"):
                raise ApiError(403, "only admins and providers may fetch products")
            if item.last_used_at is None or now - item.last_used_at > timedelta(minutes=5):
                item.last_used_at = now
            g.api_user = web_user(item.user)
        return view(*args, **kwargs)

    wrapper.access = ("token",)  # type: ignore[attr-defined]
    return wrapper
