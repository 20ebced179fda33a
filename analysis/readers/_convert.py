"""Small conversions shared by the readers: sentinels to missing, local times to UTC."""

from __future__ import annotations

import pandas as pd

__all__ = ["numbers", "to_utc"]


class _Numbers(dict[str, pd.Series]):
    """Columns converted to floats on first use (files carry many columns no reader needs)."""

    def __init__(self, cells: pd.DataFrame, sentinels: set[str]):
        super().__init__()
        self._cells = cells
        self._sentinels = sentinels

    def __missing__(self, name: str) -> pd.Series:
        column = self._cells[name]
        column = column.where(~column.isin(self._sentinels))
        self[name] = pd.to_numeric(column, errors="coerce").astype("float64")
        return self[name]

    def __contains__(self, name: object) -> bool:
        return name in self._cells.columns


def numbers(cells: pd.DataFrame, sentinels: set[str]) -> dict[str, pd.Series]:
    """Every column as floats, converted when first asked for; sentinels and text become NaN."""
    return _Numbers(cells, sentinels)


def to_utc(values: pd.Series, tz: str, fmt: str) -> pd.Series:
    """Parse local wall-clock times in zone ``tz`` into UTC; unparseable ones become NaT."""
    parsed = pd.to_datetime(values, format=fmt, errors="coerce")
    if parsed.isna().any():
        fallback = pd.to_datetime(values[parsed.isna()], errors="coerce", format="mixed")
        parsed = parsed.fillna(fallback)
    localised = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    return localised.dt.tz_convert("UTC")


def pick(num: dict[str, pd.Series], index: pd.Index, *names: str) -> pd.Series:
    """The first of ``names`` present in ``num``, else an all-missing float column."""
    for name in names:
        if name in num:
            return num[name]
    return pd.Series(float("nan"), index=index, dtype="float64")
