"""The canonical measurement DataFrame: one column per record field, with fixed types."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.schema import FIELDS, FLOAT_FIELDS, INT_FIELDS, format_time

__all__ = [
    "FLOAT_COLUMNS",
    "INT_COLUMNS",
    "TEXT_COLUMNS",
    "canonical_frame",
    "empty_frame",
    "wire_records",
]

FLOAT_COLUMNS = FLOAT_FIELDS
INT_COLUMNS = INT_FIELDS
TEXT_COLUMNS = ("id", "device_id", "session_id", "tech", "mcc", "mnc", "operator", "mode", "note")


def canonical_frame(data: pd.DataFrame | list[dict[str, Any]]) -> pd.DataFrame:
    """Columns in record order with canonical types; absent columns are added as missing."""
    if isinstance(data, pd.DataFrame):
        frame = data.reindex(columns=list(FIELDS))
    else:
        frame = pd.DataFrame.from_records(data, columns=list(FIELDS))
    for name in FLOAT_COLUMNS:
        frame[name] = pd.to_numeric(frame[name], errors="raise").astype("float64")
    for name in INT_COLUMNS:
        frame[name] = pd.to_numeric(frame[name], errors="raise").astype("Int64")
    for name in TEXT_COLUMNS:
        frame[name] = frame[name].astype("string")
    # object first: an absent column is all-NaN float, where fillna(False) is a dtype change
    frame["mock_location"] = frame["mock_location"].astype(object).fillna(False).astype("bool")
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True).astype(
        "datetime64[ms, UTC]"
    )
    return frame


def empty_frame() -> pd.DataFrame:
    """A canonical frame with no rows."""
    return canonical_frame([])


def wire_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The readings as the phone sends them: JSON-ready dicts, missing values left out."""
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    out = []
    for row in rows:
        record = {str(k): v for k, v in row.items() if v is not None}
        record["observed_at"] = format_time(record["observed_at"].to_pydatetime())
        out.append(record)
    return out
