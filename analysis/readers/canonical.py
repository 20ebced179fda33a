"""PetaSinyal's canonical CSV: one column per record field (see docs/formats.md)."""

from __future__ import annotations

import pandas as pd

from analysis.schema import FIELDS

__all__ = ["NAME", "matches", "to_candidates"]

NAME = "canonical"
_KEY = {"id", "observed_at", "lat", "lon", "tech"}


def matches(header: list[str]) -> bool:
    """A canonical file names the record's key fields and nothing the record lacks."""
    names = set(header)
    return names >= _KEY and names <= set(FIELDS)


def to_candidates(cells: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Cells are already canonical; empty cells are missing values."""
    del tz  # canonical times carry their zone
    return cells.replace("", None)
