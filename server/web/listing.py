"""What every list page shares: the page asked for, counting and slicing in the database,
and day filters read in the user's time zone."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import get_timezone
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

__all__ = ["Page", "day_start", "page_of"]


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, which page it is, how many pages and rows in all."""

    rows: list[Any]
    number: int
    pages: int
    total: int


def page_of(
    db: Session, query: Select[*tuple[Any, ...]], size: int | None = None, scalars: bool = True
) -> Page:
    """The page of ``query`` (already ordered) named by ``?page=``, counted in the database."""
    size = size or int(current_app.config["PAGE_SIZE"])
    number = max(1, request.args.get("page", 1, type=int) or 1)
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    sliced = query.limit(size).offset((number - 1) * size)
    rows = list(db.scalars(sliced).all() if scalars else db.execute(sliced).all())
    return Page(rows, number, max(1, math.ceil(total / size)), total)


def day_start(text: str | None, days: int = 0) -> datetime | None:
    """Midnight (user's time zone) of an ISO day, ``days`` later; ``None`` if not a day."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=days), time(), ZoneInfo(str(get_timezone())))
