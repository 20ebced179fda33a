"""The audit log in words: an action code (``upload.review``) as a phrase, and the state
before and after as readable ``field: value`` pairs instead of raw JSON, in the page's
language. Codes with no words yet are shown as they are (the page puts them in ``<code>``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.web.labels import job_state, method_label, metres, role_label, state_label, tech_label

__all__ = ["AUDIT_WORDS", "action_words", "actor_words", "audit_details", "target_words"]

ACTIONS = {
    "auth.account": _l("account settings changed"),
    "campaign.create": _l("campaign created"),
    "campaign.update": _l("campaign changed"),
    "campaign.delete": _l("campaign deleted"),
    "device.enrol": _l("device enrolled"),
    "device.revoke": _l("device revoked"),
    "enrol_code.issue": _l("enrolment code issued"),
    "job.create": _l("map job started"),
    "job.cancel": _l("map job cancelled"),
    "job.recover": _l("map job restarted after a stop"),
    "job.done": _l("map job finished"),
    "job.failed": _l("map job failed"),
    "job.cancelled": _l("map job cancelled"),
    "notification.read": _l("notification read"),
    "reading.exclude": _l("readings excluded from the maps"),
    "reading.include": _l("readings included again"),
    "release.publish": _l("release published"),
    "release.withdraw": _l("release withdrawn"),
    "response.close": _l("response closed"),
    "response.create": _l("response sent"),
    "response.decide": _l("response decided"),
    "response.evidence": _l("evidence file added"),
    "token.create": _l("API token created"),
    "token.revoke": _l("API token revoked"),
    "upload.review": _l("upload reviewed"),
    "upload.sent_back": _l("upload sent back"),
    "user.active": _l("account enabled or disabled"),
    "user.create": _l("user created"),
    "user.email": _l("e-mail address changed"),
    "user.login": _l("logged in"),
    "user.login_failed": _l("login failed"),
    "user.password": _l("password changed"),
    "office.create": _l("office created"),
    "office.update": _l("office changed"),
}

TARGETS = {
    "campaign": _l("campaign"),
    "device": _l("device"),
    "job": _l("map job"),
    "notification": _l("notification"),
    "office": _l("office"),
    "release": _l("release"),
    "response": _l("response"),
    "token": _l("API token"),
    "upload": _l("upload"),
    "user": _l("user"),
}

FIELDS = {
    "active": _l("active"),
    "area": _l("area"),
    "comment": _l("comment"),
    "count": _l("count"),
    "decision": _l("decision"),
    "email": _l("e-mail"),
    "ends_on": _l("last day"),
    "bytes": _l("size (bytes)"),
    "expected_on": _l("expected date"),
    "file_id": _l("file"),
    "filename": _l("file name"),
    "format": _l("format"),
    "inside": _l("inside the village"),
    "rejected": _l("refused"),
    "sha256": "SHA-256",
    "fingerprint": _l("fingerprint of the readings"),
    "first_day": _l("first day"),
    "job_id": _l("map job"),
    "last_day": _l("last day"),
    "on_air_since": _l("on air since"),
    "override_reason": _l("the override reason"),
    "products": _l("products"),
    "purpose": _l("purpose"),
    "response": _l("response"),
    "shortfalls": _l("too little evidence"),
    "site_name": _l("site name"),
    "excluded": _l("excluded"),
    "expires_at": _l("valid until"),
    "ip": _l("IP address"),
    "kind": _l("kind"),
    "language": _l("language"),
    "message": _l("message"),
    "method": _l("method"),
    "name": _l("name"),
    "note": _l("note"),
    "office": _l("office"),
    "officers": _l("officers"),
    "operators": _l("operators"),
    "outcome": _l("outcome"),
    "product": _l("product"),
    "read": _l("read"),
    "readings": _l("readings"),
    "reason": _l("reason"),
    "release": _l("release"),
    "release_id": _l("release"),
    "reset": _l("reset by an admin"),
    "revoked": _l("revoked"),
    "role": _l("role"),
    "spacing": _l("cell size"),
    "starts_on": _l("first day"),
    "state": _l("state"),
    "tech": _l("technology"),
    "timezone": _l("time zone"),
    "title": _l("title"),
    "upload_id": _l("upload"),
    "username": _l("user name"),
    "verdict": _l("verdict"),
    "verification_campaign": _l("verification campaign"),
    "village": _l("village"),
    "village_codes": _l("villages"),
    "villages": _l("villages"),
}

_STATES = {
    "queued": job_state,
    "running": job_state,
    "done": job_state,
    "failed": job_state,
    "cancelled": job_state,
    "approved": state_label,
    "has_issues": state_label,
    "rejected": state_label,
    "received": state_label,
}


def _decision(value: str) -> str:
    return {
        "pending": _("waiting for a decision"),
        "accepted": _("accepted"),
        "rejected": _("rejected"),
    }.get(value, value)


def _kind(value: str) -> str:
    from server.web.villages import kind_label

    return kind_label(value)


def _purpose(value: str) -> str:
    return {"survey": _("survey"), "verification": _("verification")}.get(value, value)


def _file_format(value: str) -> str:
    """A survey file's format (the readers' names) as people know it."""
    return {
        "canonical": _("PetaSinyal CSV"),
        "gnettrack": "G-NetTrack",
        "opencellid": "OpenCelliD",
    }.get(value, value)


def _moment(value: str) -> str:
    """A stored ISO time in the user's time zone; anything else as it is."""
    from datetime import datetime

    from server.web import when

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return when(moment) if moment.tzinfo is not None else value


def _office(value: str) -> str:
    """An office code with its name: ``Diskominfo Kabupaten Agam (13.06)``."""
    from sqlalchemy import select

    from server.db import session_scope
    from server.models import Office

    with session_scope() as db:
        name = db.scalar(select(Office.name).where(Office.code == value))
    return f"{name} ({value})" if name else value


def _message(value: str) -> str:
    """A job's message, in words where the job wrote a known one."""
    try:
        from server.job_messages import shown
    except ImportError:  # pragma: no cover - the module comes with the jobs' messages
        return value
    return shown(value)


def _value(field: str, value: Any) -> str:
    """One stored value in words."""
    if value is None or value == "" or value == []:
        return "\N{EN DASH}"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        shown = ", ".join(_value(field, v) for v in value[:12])
        return shown + (f" (+{len(value) - 12})" if len(value) > 12 else "")
    if isinstance(value, dict):
        if field == "area" and value.get("kind") == "all":
            return _("everything")
        return ", ".join(f"{_field(k)}: {_value(k, v)}" for k, v in value.items())
    text = str(value)
    special: dict[str, Callable[[str], str]] = {
        "state": lambda v: _STATES.get(v, str)(v),
        "decision": _decision,
        "role": role_label,
        "method": method_label,
        "tech": tech_label,
        "kind": _kind,
        "purpose": _purpose,
        "message": _message,
        "format": _file_format,
        "office": _office,
        "expires_at": _moment,
    }
    if field in special:
        return special[field](text)
    if field == "spacing" and isinstance(value, int | float):
        return metres(value)
    return text


def _field(name: str) -> str:
    return str(FIELDS.get(name, name))


def action_words(action: str) -> str:
    """An audit action in words; the code itself when it has none."""
    return str(ACTIONS.get(action, action))


def target_words(target: str | None) -> str:
    """What an entry is about: ``upload:1a2b…`` as ``unggahan 1a2b…``."""
    kind, _sep, ident = (target or "").partition(":")
    if kind not in TARGETS:
        return target or ""
    return f"{TARGETS[kind]} {ident[:8] if kind == 'upload' else ident}".strip()


def actor_words(actor: str | None) -> str:
    """Who did it: ``admin:budi`` as ``budi (Admin)``; the system and the unknown in words."""
    if actor == "system":
        return _("the system")
    if actor == "anonymous":
        return _("someone not logged in")
    role, sep, name = (actor or "").partition(":")
    if not sep:
        return actor or ""
    return f"{name} ({_('API token') if role == 'token' else role_label(role)})"


def audit_details(values: dict[str, Any] | None, limit: int = 300) -> str:
    """``field: value; field: value`` of an entry's before or after, at most ``limit`` long."""
    if not values:
        return ""
    text = "; ".join(f"{_field(k)}: {_value(k, v)}" for k, v in values.items())
    return text if len(text) <= limit else text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"


AUDIT_WORDS = {
    "action_words": action_words,
    "actor_words": actor_words,
    "audit_details": audit_details,
    "target_words": target_words,
}
