"""Turn candidate rows from any reader into validated canonical records."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from analysis.schema import FIELDS, Problem, check

__all__ = ["ImportResult", "RejectedRow", "row_ids", "validate_rows"]

ID_NAMESPACE = uuid.UUID("6f1f4d0e-8f59-4a55-9d1c-6e1b3a0f5e21")
"""Namespace of the ids given to imported rows: the same file always gets the same ids."""

# Fields a reader may drop (with a warning) when only they are wrong; the reading stays.
_SALVAGEABLE = frozenset(
    {
        "accuracy_m",
        "altitude_m",
        "speed_mps",
        "rsrq_db",
        "sinr_db",
        "arfcn",
        "pci_psc",
        "tac_lac",
        "cell_id",
        "mode",
        "note",
    }
)
_SALVAGEABLE_RSSI = frozenset({"LTE", "NR"})  # RSSI is secondary there, primary for GSM/WCDMA


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row that could not be kept: its line in the source file and every reason."""

    line: int
    problems: tuple[Problem, ...]

    def __str__(self) -> str:
        return f"line {self.line}: " + "; ".join(str(p) for p in self.problems)


@dataclass(slots=True)
class ImportResult:
    """What a reader made of a file: the kept rows and an account of the rest."""

    source: str
    format: str
    frame: pd.DataFrame
    rows_read: int
    rejected: list[RejectedRow] = field(default_factory=list)
    dropped_values: Counter[str] = field(default_factory=Counter)

    @property
    def kept(self) -> int:
        return len(self.frame)

    def rejected_by_reason(self) -> Counter[str]:
        """How many rows each ``field: kind`` problem rejected (a row may count twice)."""
        counts: Counter[str] = Counter()
        for row in self.rejected:
            counts.update({f"{p.field}: {p.code}" for p in row.problems})
        return counts


def row_ids(content: bytes, lines: Iterable[int]) -> list[str]:
    """Stable UUIDs for imported rows: a hash of the file's bytes and the row's line."""
    digest = hashlib.sha1(content).hexdigest()
    return [str(uuid.uuid5(ID_NAMESPACE, f"{digest}:{line}")) for line in lines]


def validate_rows(
    candidates: pd.DataFrame, lines: np.ndarray, now: datetime | None = None
) -> tuple[list[dict[str, Any]], list[RejectedRow], Counter[str]]:
    """Check each candidate row; drop wrong secondary values, reject rows still wrong."""
    kept: list[dict[str, Any]] = []
    rejected: list[RejectedRow] = []
    dropped: Counter[str] = Counter()
    columns = [c for c in FIELDS if c in candidates.columns]
    records = candidates[columns].astype(object).where(candidates[columns].notna(), None)
    for line, row in zip(lines.tolist(), records.itertuples(index=False, name=None), strict=True):
        data = dict(zip(columns, row, strict=True))
        clean, problems = check(data, now)
        if problems:
            salvage = _salvageable(data.get("tech"), problems)
            if salvage:
                for name in salvage:
                    data[name] = None
                clean, problems = check(data, now)
                if not problems:
                    dropped.update(f"{p.field}: {p.code}" for p in salvage.values())
        if problems:
            rejected.append(RejectedRow(int(line), tuple(problems)))
        else:
            kept.append(clean)
    return kept, rejected, dropped


def _salvageable(tech: Any, problems: list[Problem]) -> dict[str, Problem]:
    """The problems that only concern droppable values, when those are all there are."""
    allowed = _SALVAGEABLE | ({"rssi_dbm"} if tech in _SALVAGEABLE_RSSI else set())
    if all(p.field in allowed for p in problems):
        return {p.field: p for p in problems}
    return {}
