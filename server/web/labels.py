"""Words for stored values (states, verdicts, time zones) in the page's language."""

from __future__ import annotations

from flask_babel import get_timezone
from flask_babel import gettext as _

__all__ = ["area_label", "job_state", "role_label", "state_label", "verdict_label", "zone_label"]

ZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def state_label(state: str) -> str:
    """An upload's review state."""
    return {
        "approved": _("approved"),
        "has_issues": _("has issues"),
        "rejected": _("rejected"),
        "received": _("waiting for review"),
    }.get(state, state)


def job_state(state: str) -> str:
    return {
        "queued": _("queued"),
        "running": _("running"),
        "done": _("done"),
        "failed": _("failed"),
    }.get(state, state)


def verdict_label(verdict: str) -> str:
    """A village's verdict."""
    return {
        "strong": _("strong signal"),
        "weak": _("weak signal"),
        "none": _("no signal"),
        "insufficient data": _("not enough data"),
        "unsurveyed": _("not surveyed"),
    }.get(verdict, verdict)


def zone_label() -> str:
    zone = str(get_timezone())
    return ZONE_LABELS.get(zone, zone)


def area_label(area: dict[str, str]) -> str:
    """A job's area: everything, a campaign or a kabupaten."""
    if area.get("kind") == "all":
        return _("Everything")
    return str(area.get("label") or area.get("value") or "")


def role_label(role: str) -> str:
    return {"admin": _("Admin"), "officer": _("Officer"), "provider": _("Provider")}.get(role, role)
