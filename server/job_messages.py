"""A job's progress and end messages: stored in English (logs, the CLI, old rows), shown in
the reader's language.

Each message the worker writes comes from :data:`TEMPLATES` through :func:`compose`; the
pages read it back with :func:`shown`, which recognises the template (old rows included,
they used the same words), and translates it with its values. Text that fits no template
(an unexpected error) is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

from server.operators import operator_label

__all__ = ["TEMPLATES", "compose", "parse", "shown"]

# key -> the English text kept in ``Job.message`` / a result's ``error``
TEMPLATES = {
    "reading": "reading the approved readings",
    "step": "{operator} {tech}: {step} done",
    "cancelled": "cancelled by {actor}",
    "requeued": "the server stopped while this job ran; it starts again",
    "interrupted": (
        "interrupted {times} times (the server stopped while it ran); "
        "start it again, or with fewer operators"
    ),
    "no_products": "no products: {problems}",  # before no_readings: it holds them
    "no_readings": "no {tech} readings of operator {operator}",  # analysis.products
}


def _pattern(text: str) -> re.Pattern[str]:
    """A template as a regular expression; a value holds no ";" (the messages of several
    operators are joined with "; "), except the list of problems."""

    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        return f"(?P<{name}>{'.+' if name == 'problems' else '[^;]+?'})"

    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", value, re.escape(text)) + "$", re.S)


_PATTERNS = {key: _pattern(text) for key, text in TEMPLATES.items()}


def compose(key: str, **params: object) -> str:
    """The stored (English) message ``key`` with ``params``."""
    return TEMPLATES[key].format(**params)


def parse(text: str) -> tuple[str, dict[str, str]] | None:
    """The template key and values of a stored message; ``None`` for any other text."""
    for key, pattern in _PATTERNS.items():
        found = pattern.match(text.strip())
        if found:
            return key, found.groupdict()
    return None


def _step(name: str) -> str:
    return {
        "prepare": _("readings prepared"),
        "coverage": _("coverage interpolated"),
        "analysis": _("blankspots and villages analysed"),
        "geotiff": _("GeoTIFF files written"),
        "vector": _("GeoJSON and tables written"),
        "maps": _("maps drawn"),
    }.get(name, name)


def _actor(actor: str) -> str:
    """``admin:budi`` -> ``budi``: people by their name, not the audit log's label."""
    return actor.partition(":")[2] or actor


_WORDS: dict[str, Callable[[dict[str, str]], str]] = {
    "reading": lambda p: _("Reading the approved readings"),
    "step": lambda p: _(
        "%(operator)s %(tech)s: %(step)s",
        operator=operator_label(p["operator"]),
        tech=p["tech"],
        step=_step(p["step"]),
    ),
    "cancelled": lambda p: _("Cancelled by %(name)s", name=_actor(p["actor"])),
    "requeued": lambda p: _("The server stopped while this job ran; it starts again."),
    "interrupted": lambda p: _(
        "Interrupted %(times)s times (the server stopped while it ran); start it again, "
        "or with fewer operators.",
        times=p["times"],
    ),
    "no_readings": lambda p: _(
        "No %(tech)s readings of %(operator)s in this area",
        tech=p["tech"],
        operator=operator_label(p["operator"]),
    ),
    "no_products": lambda p: _("No products: %(problems)s", problems=shown(p["problems"])),
}


def shown(text: str | None) -> str:
    """``text`` (a stored message, or several joined by "; ") in the page's language."""
    if not text:
        return ""
    parsed = parse(text)
    if parsed is not None:
        key, params = parsed
        return _WORDS[key](params)
    if "; " in text:
        return "; ".join(shown(part) for part in text.split("; "))
    return text
