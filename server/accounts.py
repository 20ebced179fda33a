"""Users, enrolment codes and the synthetic device that file imports are recorded under."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from server.audit import record
from server.db import session_scope
from server.models import ROLES, ApiToken, Device, EnrolCode, User, utcnow
from server.offices import office_for_code, province_office
from server.regions import current_regions
from server.security import hash_password, hash_secret, new_enrol_code, new_token

__all__ = [
    "check_email",
    "create_api_token",
    "create_user",
    "import_device",
    "issue_enrol_code",
    "redeem_enrol_code",
    "revoke_api_token",
    "revoke_device",
    "set_active",
    "set_email",
    "set_password",
]

# A plain address: printable ASCII without spaces, quotes, brackets or commas before one "@",
# a host name after it. No display names, no CR/LF: the address goes into a mail header.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


def check_email(address: str | None) -> str | None:
    """``address`` stripped if it is a plain mail address, ``None`` if empty; else ValueError."""
    text = (address or "").strip()
    if not text:
        return None
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise ValueError(f"{text[:80]!r} is not a plain e-mail address such as ani@example.org")
    return text


def create_user(
    username: str,
    password: str,
    role: str,
    operators: list[str] | None = None,
    actor: str = "cli",
    email: str | None = None,
    office: str | None = None,
) -> int:
    """Create a user; providers must name the operators (MCC-MNC) they may see; ``email``
    (optional) receives the user's notifications; admins and officers belong to ``office``
    (a Kemendagri region code; the provincial office when not given)."""
    email = check_email(email)
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "provider" and not operators:
        raise ValueError("a provider needs at least one operator (MCC-MNC)")
    if role == "provider" and office:
        raise ValueError("providers belong to their operator, not to an office")
    for op in operators or []:
        mcc, _, mnc = op.partition("-")
        if not (mcc.isdigit() and len(mcc) == 3 and mnc.isdigit() and len(mnc) in (2, 3)):
            raise ValueError(f"{op!r} is not an MCC-MNC such as 510-10")
    if not 3 <= len(username) <= 64:
        raise ValueError("username must be 3 to 64 characters")
    with session_scope() as session:
        if session.scalars(select(User).where(User.username == username)).first():
            raise ValueError(f"user {username!r} exists")
        office_id = None
        if role != "provider":
            found = (
                office_for_code(session, office, current_regions())
                if office
                else province_office(session)
            )
            office_id = found.id
        user = User(
            username=username,
            password_hash=hash_password(password),
            role=role,
            operators=operators or [],
            active=True,
            email=email,
            office_id=office_id,
        )
        session.add(user)
        session.flush()
        record(
            session,
            actor,
            "user.create",
            f"user:{user.id}",
            None,
            {
                "username": username,
                "role": role,
                "operators": operators or [],
                "email": email,
                "office": found.code if office_id else None,
            },
        )
        return user.id


def issue_enrol_code(officer: str, minutes: int, actor: str = "cli") -> tuple[str, datetime]:
    """A one-time code for ``officer``'s next device, valid for ``minutes``."""
    with session_scope() as session:
        user = session.scalars(select(User).where(User.username == officer)).first()
        if user is None or user.role != "officer":
            raise LookupError(f"no officer called {officer!r}")
        code = new_enrol_code()
        expires = utcnow() + timedelta(minutes=minutes)
        session.add(EnrolCode(code_hash=hash_secret(code), officer_id=user.id, expires_at=expires))
        record(
            session,
            actor,
            "enrol_code.issue",
            f"user:{user.id}",
            None,
            {"expires_at": expires.isoformat()},
        )
        return code, expires


def import_device(officer: str) -> int:
    """The officer's synthetic "file import" device (created once, holds no usable token)."""
    name = f"file import ({officer})"
    with session_scope() as session:
        user = session.scalars(select(User).where(User.username == officer)).first()
        if user is None:
            raise LookupError(f"no user called {officer!r}")
        device = session.scalars(
            select(Device).where(Device.officer_id == user.id, Device.name == name)
        ).first()
        if device is None:
            device = Device(
                name=name,
                officer_id=user.id,
                token_hash=hash_secret(new_token()),
                revoked_at=utcnow(),
            )
            session.add(device)
            session.flush()
        return device.id


def redeem_enrol_code(code: str, name: str) -> tuple[int, str]:
    """Exchange a valid, unused code for a new device; its id and (only now) its token."""
    now = utcnow()
    with session_scope() as session:
        enrol = session.scalars(
            select(EnrolCode).where(EnrolCode.code_hash == hash_secret(code)).with_for_update()
        ).first()
        if enrol is None or enrol.used_at is not None or enrol.expires_at < now:
            raise PermissionError(
                "enrolment code unknown, used or expired; ask the admin for a new one"
            )
        officer = session.get(User, enrol.officer_id)
        if officer is None or not officer.active:
            raise PermissionError("this officer's account is disabled; ask the admin")
        token = new_token()
        device = Device(
            name=name, officer_id=enrol.officer_id, token_hash=hash_secret(token), enrolled_at=now
        )
        enrol.used_at = now
        session.add(device)
        session.flush()
        record(
            session,
            f"officer:{officer.username}",  # who, by name, as every other entry
            "device.enrol",
            f"device:{device.id}",
            None,
            {"name": name},
        )
        return device.id, token


def revoke_device(device_id: int, actor: str = "cli") -> None:
    """Revoke a device's token: its next request gets 401; its readings stay."""
    with session_scope() as session:
        device = session.get(Device, device_id)
        if device is None:
            raise LookupError(f"no device {device_id}")
        if device.revoked_at is None:
            device.revoked_at = utcnow()
            record(
                session,
                actor,
                "device.revoke",
                f"device:{device.id}",
                {"revoked": False},
                {"revoked": True},
            )


def set_active(user_id: int, active: bool, actor: str) -> None:
    """Enable or disable an account; disabling ends its sessions and its devices' access at
    once (the devices are refused while it is disabled, not revoked)."""
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise LookupError(f"no user {user_id}")
        if user.active != active:
            record(
                session,
                actor,
                "user.active",
                f"user:{user.id}",
                {"active": user.active},
                {"active": active},
            )
            user.active = active
            user.session_version = (user.session_version or 0) + 1


def create_api_token(user_id: int, name: str, actor: str) -> str:
    """A new token for scripts of ``user_id``; returned only now, stored as a hash."""
    token = new_token()
    with session_scope() as session:
        item = ApiToken(user_id=user_id, name=name.strip()[:64], token_hash=hash_secret(token))
        session.add(item)
        session.flush()
        record(session, actor, "token.create", f"token:{item.id}", None, {"name": item.name})
    return token


def revoke_api_token(token_id: int, user_id: int, actor: str) -> None:
    """Revoke one of ``user_id``'s tokens; the next request with it gets 401."""
    with session_scope() as session:
        item = session.get(ApiToken, token_id)
        if item is None or item.user_id != user_id:
            raise LookupError(f"no token {token_id}")
        if item.revoked_at is None:
            item.revoked_at = utcnow()
            record(
                session,
                actor,
                "token.revoke",
                f"token:{item.id}",
                {"revoked": False},
                {"revoked": True},
            )


def set_password(user_id: int, password: str, actor: str) -> None:
    """Give a user a new password (one who forgot theirs); their sessions end at once."""
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise LookupError(f"no user {user_id}")
        user.password_hash = hash_password(password)
        user.session_version = (user.session_version or 0) + 1
        record(session, actor, "user.password", f"user:{user.id}", None, {"reset": True})


def set_email(user_id: int, address: str | None, actor: str) -> str | None:
    """Set (or clear, with an empty address) where a user's notifications are mailed."""
    email = check_email(address)
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise LookupError(f"no user {user_id}")
        if user.email != email:
            record(
                session,
                actor,
                "user.email",
                f"user:{user.id}",
                {"email": user.email},
                {"email": email},
            )
            user.email = email
        return email
