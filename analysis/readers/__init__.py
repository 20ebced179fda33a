"""Readers for survey files: field-tool exports and our canonical CSV, recognised by header."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pandas as pd

from analysis.frame import canonical_frame, empty_frame
from analysis.readers import canonical, gnettrack, opencellid
from analysis.readers._records import ImportResult, RejectedRow, row_ids, validate_rows
from analysis.readers._table import decode, parse_table

__all__ = [
    "FORMATS",
    "ImportResult",
    "RejectedRow",
    "UnknownFormatError",
    "detect_format",
    "read_survey",
    "read_surveys",
]

FORMATS: dict[str, ModuleType] = {m.NAME: m for m in (canonical, gnettrack, opencellid)}
DEFAULT_TZ = "Asia/Jakarta"
"""Zone of field tools that write local wall-clock times (WIB; West Sumatra)."""


class UnknownFormatError(ValueError):
    """The file's header matches none of the supported formats."""


def detect_format(header: list[str]) -> str:
    """Name of the format whose header this is; raise :class:`UnknownFormatError` otherwise."""
    for name, module in FORMATS.items():
        matches: Callable[[list[str]], bool] = module.matches
        if matches(header):
            return name
    names = ["".join(c if c.isprintable() else "?" for c in name)[:40] for name in header[:8]]
    shown = ", ".join(names) + (", ..." if len(header) > 8 else "")
    raise UnknownFormatError(
        f"unrecognised header ({shown}); expected canonical CSV, G-NetTrack or OpenCelliD"
    )


def read_survey(
    path: str | Path,
    *,
    tz: str = DEFAULT_TZ,
    device_id: str | None = None,
    fmt: str | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Read one survey file into a canonical frame; rejected rows are listed with reasons.

    Parameters
    ----------
    path : the file.
    tz : IANA zone of tools that write local times (G-NetTrack); others ignore it.
    device_id : stored on imported rows that have none (default ``import-<format>``).
    fmt : force a format instead of recognising it from the header.
    now : reference time for "in the future" checks (default: the clock).
    """
    path = Path(path)
    content = path.read_bytes()
    if b"\x00" in content[:65_536]:  # text tables hold no NUL; zip, xlsx, images and such do
        raise UnknownFormatError("a binary file, not a survey table (CSV or tab-separated text)")
    table = parse_table(decode(content))
    name = fmt or detect_format(table.header)
    module = FORMATS[name]
    rejected = [RejectedRow(line, (problem,)) for line, problem in table.bad_lines]
    rows_read = len(table.cells) + len(table.bad_lines)
    if table.cells.empty:
        return ImportResult(str(path), name, empty_frame(), rows_read, rejected)
    candidates = module.to_candidates(table.cells, tz)
    if name != "canonical":
        candidates["id"] = row_ids(content, table.lines)
        candidates["device_id"] = device_id or f"import-{name}"
        candidates["session_id"] = f"{name}-{candidates['id'].iloc[0][:8]}"
        candidates["mock_location"] = False
    elif device_id:
        given = candidates.get("device_id")
        candidates["device_id"] = device_id if given is None else given.fillna(device_id)
    kept, bad, dropped = validate_rows(candidates, table.lines, now)
    rejected.extend(bad)
    rejected.sort(key=lambda row: row.line)
    return ImportResult(str(path), name, canonical_frame(kept), rows_read, rejected, dropped)


def read_surveys(
    paths: list[str | Path], **options: object
) -> tuple[pd.DataFrame, list[ImportResult]]:
    """Read several files; the kept rows of all of them in one frame, and each file's result."""
    results = [read_survey(p, **options) for p in paths]  # type: ignore[arg-type]
    frames = [r.frame for r in results if not r.frame.empty]
    frame = pd.concat(frames, ignore_index=True) if frames else empty_frame()
    return frame, results
