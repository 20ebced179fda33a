"""Device tokens: ``Authorization: Bearer <token>``, revocable, stored as hashes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request
from sqlalchemy import select

from server.db import session_scope
from server.errors import ApiError
from server.models import Device
from server.security import hash_secret

__all__ = ["device_required"]


def device_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Let the request through only with the token of an enrolled, unrevoked device."""

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
            session.expunge(device)
        g.device = device
        return view(*args, **kwargs)

    return wrapper
