"""What every list page shares: the page asked for, counting and slicing in the database,
filters read from the query string, and day filters read in the user's time zone.

Query strings come from anyone: numbers of any size, days at the ends of the calendar and
unknown names all give a sane page (never a database error)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import get_timezone
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from server.models import MAX_ID

__all__ = ["Page", "day_start", "filters", "id_arg", "midnight", "page_of"]

NO_ID = 0  # matches no row: ids start at 1
_DIGITS = re.compile(r"[0-9]{1,18}")  # ASCII only: "²".isdigit() is true, int("²") fails
# The first and last days whose midnight exists in every time zone and in UTC
_FIRST_DAY, _LAST_DAY = date(1, 1, 2), date(9999, 12, 30)


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, which page it is, how many pages and rows in all."""

    rows: list[Any]
    number: int
    pages: int
    total: int


def _number(text: str | None) -> int | None:
    return int(text) if text and _DIGITS.fullmatch(text) else None


def id_arg(text: str | None) -> int | None:
    """The id in a filter: ``None`` when it is not a number (no filter), ``NO_ID`` when it
    is too large to be anyone's id (the filter matches nothing)."""
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    value = _number(text)
    return value if value is not None and 1 <= value <= MAX_ID else NO_ID


def filters(*names: str) -> dict[str, str]:
    """The non-empty query arguments among ``names``; the rest never reach a query or link."""
    return {k: v.strip() for k, v in request.args.items() if k in names and v.strip()}


def page_of(
    db: Session, query: Select[*tuple[Any, ...]], size: int | None = None, scalars: bool = True
) -> Page:
    """The page of ``query`` (already ordered) named by ``?page=``, counted in the database;
    a page past the end is the last page."""
    size = size or int(current_app.config["PAGE_SIZE"])
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / size))
    number = min(max(1, _number(request.args.get("page", "").strip()) or 1), pages)
    sliced = query.limit(size).offset((number - 1) * size)
    rows = list(db.scalars(sliced).all() if scalars else db.execute(sliced).all())
    return Page(rows, number, pages, total)


def day_start(text: str | None, days: int = 0) -> datetime | None:
    """Midnight (user's time zone) of an ISO day, ``days`` later; ``None`` if not a day.

    Days beyond the calendar's ends are taken as its first or last day, so that
    ``from=0001-01-01`` and ``to=9999-12-31`` mean "no limit" instead of an overflow."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    if day is None:
        return None
    return midnight(min(max(day, _FIRST_DAY), _LAST_DAY - timedelta(days=days)), days)


def midnight(day: date | None, days: int = 0) -> datetime | None:
    """Midnight (user's time zone) ``days`` after ``day``: ``days=1`` ends a whole last day."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=days), time(), ZoneInfo(str(get_timezone())))
