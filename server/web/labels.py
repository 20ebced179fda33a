"""Words for stored values (states, verdicts, time zones) in the page's language."""

from __future__ import annotations

from flask_babel import format_decimal, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.flags import flag_help, flag_name
from server.web.reason_words import verdict_reason

__all__ = [
    "LABELS",
    "METHOD_WORDS",
    "area_label",
    "class_label",
    "job_state",
    "map_labels",
    "method_label",
    "metres",
    "role_label",
    "state_label",
    "tech_label",
    "verdict_label",
    "village_name_only",
    "village_title",
    "zone_label",
]

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
        "cancelled": _("cancelled"),
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


def class_label(signal_class: str | None) -> str:
    """A reading's signal class (``strong``, ``weak``, ``none``, ``unknown``)."""
    return {
        "strong": _("strong signal"),
        "weak": _("weak signal"),
        "none": _("no signal"),
        "unknown": _("unknown"),
    }.get(signal_class or "unknown", signal_class or "")


def tech_label(tech: str | None) -> str:
    """A radio technology as people say it: ``4G (LTE)``; no service in words."""
    return {
        "NR": "5G (NR)",
        "LTE": "4G (LTE)",
        "WCDMA": "3G (WCDMA)",
        "GSM": "2G (GSM)",
        "NONE": _("no service"),
    }.get(tech or "NONE", tech or "")


METHOD_WORDS = {
    "auto": _l("automatic (the best by cross-validation)"),
    "kriging": "kriging",
    "road": _l("road kriging (along surveyed roads)"),
    "trend": _l("trend and kriging"),
    "idw": "IDW",
    "linear": _l("linear"),
    "rbf": "RBF",
    "nearest": _l("nearest reading"),
}


def method_label(method: str | None) -> str:
    """A job's interpolation method."""
    return str(METHOD_WORDS.get(method or "auto", method or ""))


def metres(value: float | int | None) -> str:
    """A length in whole metres in the page's language: ``50 m``, ``1.000 m``."""
    if value is None:
        return "\N{EN DASH}"
    return f"{format_decimal(round(float(value)), format='#,##0')} m"


def map_labels() -> dict[str, dict[str, str] | str]:
    """Words the map scripts show in popups and tooltips, for a ``data-labels`` attribute."""
    return {
        "class": {c: class_label(c) for c in ("strong", "weak", "none", "unknown")},
        "tech": {t: tech_label(t) for t in ("NR", "LTE", "WCDMA", "GSM", "NONE")},
        "survey": _("survey reading"),
        "evidence": _("operator's reading"),
        "response": _("response"),
        "zoom_in": _("Zoom in"),
        "zoom_out": _("Zoom out"),
    }


# the functions templates call (registered as Jinja globals by ``init_web``)
LABELS = {
    "class_label": class_label,
    "tech_label": tech_label,
    "method_label": method_label,
    "metres": metres,
    "map_labels": map_labels,
    "flag_name": flag_name,
    "flag_help": flag_help,
    "verdict_reason": verdict_reason,
}


_KIND_WORDS = ("desa", "nagari", "kelurahan", "gampong", "village")


def village_title(name: str) -> str:
    """``Desa Koto Tangah`` for ``Koto Tangah``; ``Nagari X`` and ``Desa X`` stay as they are."""
    if name.split(" ", 1)[0].lower() in _KIND_WORDS:
        return name
    return _("Desa %(name)s", name=name)


def village_name_only(name: str) -> str:
    """``Koto Tangah`` for ``Desa Koto Tangah``, for sentences that say "desa" themselves."""
    first, _space, rest = name.partition(" ")
    return rest if rest and first.lower() in _KIND_WORDS else name
