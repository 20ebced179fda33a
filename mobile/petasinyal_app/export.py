"""Every reading on the phone as canonical CSV, so unsynced days never live in one private
folder only. The file is the one ``petasinyal import`` and the server's importer read."""

from __future__ import annotations

import csv
import os
from datetime import UTC, datetime
from pathlib import Path

from analysis.schema import FIELDS
from mobile.petasinyal_app.outbox import Outbox

__all__ = ["export_csv"]

_PAGE = 2_000


def _cell(name: str, value: object) -> str:
    if value is None:
        return ""
    if name == "mock_location":
        return "true" if value else "false"
    return str(value)


def export_csv(outbox: Outbox, folder: Path, now: datetime | None = None) -> Path:
    """Write all readings (oldest first) to ``folder/petasinyal-YYYYmmdd-HHMMSS.csv``,
    atomically; returns the path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    path = folder / f"petasinyal-{stamp}.csv"
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(FIELDS)
        rowid = 0
        while rows := outbox.since(rowid, _PAGE):
            writer.writerows([_cell(n, reading.get(n)) for n in FIELDS] for _, reading in rows)
            rowid = rows[-1][0]
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
    return path
