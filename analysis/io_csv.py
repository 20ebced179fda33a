"""The canonical CSV: write a measurement frame, read it back without loss."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.readers import ImportResult, read_survey
from analysis.schema import FIELDS

__all__ = ["read_csv", "to_csv_text", "write_csv"]


def to_csv_text(frame: pd.DataFrame) -> str:
    """Canonical CSV text: columns in record order, UTC times with ``Z``, empty for missing."""
    missing = [c for c in FIELDS if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks canonical columns: {', '.join(missing)}")
    out = frame.loc[:, list(FIELDS)].copy()
    times = pd.to_datetime(out["observed_at"], utc=True)
    out["observed_at"] = times.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z"
    out["mock_location"] = out["mock_location"].map({True: "true", False: "false"})
    return out.to_csv(index=False, lineterminator="\n", float_format=None)


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as canonical CSV, atomically (a crash never leaves half a file)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(to_csv_text(frame), encoding="utf-8")
    tmp.replace(path)
    return path


def read_csv(path: str | Path) -> ImportResult:
    """Read a canonical CSV; rows that fail validation are reported, the rest kept."""
    return read_survey(path, fmt="canonical")
