"""Why a village got its verdict, in the page's language.

The reason is stored as the analysis wrote it (English, ``analysis.villages``), in the
release's frozen files too; pages translate it when they show it, sentence part by part.
A part with no known form is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import format_decimal
from flask_babel import gettext as _

__all__ = ["verdict_reason"]


def _pct(text: str) -> str:
    """``"12 %"`` stays, ``"under 1 %"`` in words."""
    return _("under 1 %") if text == "under 1 %" else text


def _km(text: str) -> str:
    try:
        return str(format_decimal(float(text), format="#,##0.0"))
    except ValueError:
        return text


_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
_WHOLE: list[_Rule] = [
    (
        re.compile(r"no reading inside; the map reaches (.+) of it from readings outside \((.+)\)"),
        lambda m: _(
            "no reading inside; the map reaches %(pct)s of it from readings outside (%(where)s)",
            pct=_pct(m[1]),
            where=_part(m[2]),
        ),
    ),
]
_PARTS: list[_Rule] = [
    (
        re.compile(r"outside the survey: (.+)"),
        lambda m: _("outside the survey: %(where)s", where=_part(m[1])),
    ),
    (re.compile(r"there are no readings at all"), lambda m: _("there are no readings at all")),
    (
        re.compile(r"the nearest reading is (\S+) km away"),
        lambda m: _("the nearest reading is %(km)s km away", km=_km(m[1])),
    ),
    (
        re.compile(r"(\d+) readings? inside \(needs (\d+)\)"),
        lambda m: _("%(n)s readings inside (needs %(needed)s)", n=m[1], needed=m[2]),
    ),
    (
        re.compile(r"(.+) of its area surveyed \(needs (.+)\)"),
        lambda m: _(
            "%(pct)s of its area surveyed (needs %(needed)s)", pct=_pct(m[1]), needed=_pct(m[2])
        ),
    ),
    (
        re.compile(r"(.+) of its surveyed area doubtful"),
        lambda m: _("%(pct)s of its surveyed area doubtful", pct=_pct(m[1])),
    ),
    (
        re.compile(r"(.+) of its surveyed area without usable signal"),
        lambda m: _("%(pct)s of its surveyed area without usable signal", pct=_pct(m[1])),
    ),
    (
        re.compile(r"(.+) of its surveyed area weak or without signal \(under half\)"),
        lambda m: _(
            "%(pct)s of its surveyed area weak or without signal (under half)", pct=_pct(m[1])
        ),
    ),
    (
        re.compile(r"(.+) of its surveyed area weak or without signal"),
        lambda m: _("%(pct)s of its surveyed area weak or without signal", pct=_pct(m[1])),
    ),
    (
        re.compile(r"smaller than one grid cell \((\S+) km2, a cell is (\S+) km2\)"),
        lambda m: _(
            "smaller than one grid cell (%(area)s km², a cell is %(cell)s km²)",
            area=m[1],
            cell=m[2],
        ),
    ),
    (
        re.compile(r"narrower than one grid cell: no cell centre inside"),
        lambda m: _("narrower than one grid cell: no cell centre inside"),
    ),
    (
        re.compile(r"judged on the (\d+) cells? it touches"),
        lambda m: _("judged on the %(n)s cells it touches", n=m[1]),
    ),
]


def _part(text: str) -> str:
    for pattern, words in _PARTS:
        if found := pattern.fullmatch(text.strip()):
            return words(found)
    return text


def verdict_reason(reason: str | None) -> str:
    """A stored verdict reason in the page's language."""
    if not reason:
        return ""
    for pattern, words in _WHOLE:
        if found := pattern.fullmatch(reason.strip()):
            return words(found)
    return "; ".join(_part(piece) for piece in reason.split("; "))
