"""Argument types and the one error of the ``petasinyal`` commands.

Bad values are refused while parsing (argparse prints the usage and one ``error:`` line, exit
status 2); problems found later (a file, a database) raise :class:`CommandError`, which
``main`` prints as one plain line with the same exit status.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CommandError",
    "bounded_float",
    "bounded_int",
    "day",
    "one_line",
    "port",
    "time_zone",
]

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)  # pandas timestamps end in 2262


class CommandError(Exception):
    """A command cannot run with what it was given; the message is shown as one line."""


def one_line(message: object) -> str:
    """``message`` as one printable line: control characters and line breaks become spaces."""
    text = "".join(c if c.isprintable() else " " for c in str(message))
    return " ".join(text.split())


def bounded_float(low: float, high: float, *, low_open: bool = False) -> Callable[[str], float]:
    """A finite number from ``low`` (excluded when ``low_open``) to ``high``."""
    words = f"{'more than' if low_open else 'at least'} {low:g} and at most {high:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        too_low = value <= low if low_open else value < low
        if not math.isfinite(value) or too_low or value > high:
            raise argparse.ArgumentTypeError(f"{text!r}: must be {words}")
        return value

    return parse


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """A whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r}: must be from {low} to {high}")
        return value

    return parse


port = bounded_int(1, 65_535)


def day(text: str) -> str:
    """A calendar day written ``YYYY-MM-DD``."""
    try:
        value = date.fromisoformat(text) if _DAY.fullmatch(text) else None
    except ValueError:
        value = None
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day (YYYY-MM-DD)")
    if not FIRST_DAY <= value <= LAST_DAY:
        raise argparse.ArgumentTypeError(f"{text!r}: must be from {FIRST_DAY} to {LAST_DAY}")
    return value.isoformat()


def time_zone(text: str) -> str:
    """An IANA time zone name such as ``Asia/Jakarta``."""
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time zone (e.g. Asia/Jakarta, Asia/Makassar, UTC)"
        ) from None
    return text
