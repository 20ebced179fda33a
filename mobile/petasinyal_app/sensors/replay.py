"""Replay of a recorded trace: the readings of a file played back in real time or faster.

Canonical CSV is read with the standard library (it works on the phone); G-NetTrack and
OpenCelliD files are read through ``analysis.readers`` on desktops, where pandas is present.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

from analysis.schema import FLOAT_FIELDS, INT_FIELDS
from mobile.petasinyal_app.sensors.facades import (
    IN_SERVICE,
    NO_SERVICE,
    CellReading,
    Cellular,
    Fix,
    Location,
    SimState,
)

__all__ = ["ReplayCellular", "ReplayLocation", "Trace"]


def _rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
    if header.startswith("id,device_id,session_id,observed_at"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [dict(row) for row in csv.DictReader(handle)]
    from analysis.readers import read_survey  # desktop only: needs pandas

    frame = read_survey(path, tz="UTC").frame
    frame = frame.astype(object).where(frame.notna(), None)
    rows = frame.to_dict("records")
    for row in rows:
        row["observed_at"] = row["observed_at"].isoformat()
    return rows


class Trace:
    """The readings of a trace, in time order, and a play head driven by the caller's clock."""

    def __init__(self, path: str | Path, speed: float = 1.0):
        rows = _rows(Path(path))
        for row in rows:
            for key, value in row.items():
                if value == "":
                    row[key] = None
            for name in FLOAT_FIELDS:
                row[name] = float(row[name]) if row.get(name) not in (None, "") else None
            for name in INT_FIELDS:
                row[name] = int(float(row[name])) if row.get(name) not in (None, "") else None
            row["_t"] = datetime.fromisoformat(
                str(row["observed_at"]).replace("Z", "+00:00")
            ).timestamp()
        self.rows = sorted(rows, key=lambda r: r["_t"])
        if not self.rows:
            raise ValueError(f"{path}: no readings to replay")
        self.speed = speed
        self.start_t = self.rows[0]["_t"]
        self.index = 0

    def at(self, elapsed: float) -> dict[str, Any]:
        """The latest reading ``elapsed`` seconds (of wall clock) into the replay."""
        target = self.start_t + elapsed * self.speed
        while self.index + 1 < len(self.rows) and self.rows[self.index + 1]["_t"] <= target:
            self.index += 1
        return self.rows[self.index]

    @property
    def finished(self) -> bool:
        return self.index + 1 >= len(self.rows)


class ReplayLocation(Location):
    """Fixes from a trace; ``advance(elapsed)`` is called by the app's clock (or a test)."""

    def __init__(self, trace: Trace, now: Any = None):
        super().__init__()
        self.trace = trace
        self.running = False

    def _start(self) -> None:
        self.running = True

    def _stop(self) -> None:
        self.running = False

    def advance(self, elapsed: float, wall_time: float) -> None:
        """Deliver the trace's fix at ``elapsed``, stamped with ``wall_time`` (epoch s)."""
        if not self.running:
            return
        row = self.trace.at(elapsed)
        self._deliver(
            Fix(
                row["lat"],
                row["lon"],
                row.get("accuracy_m"),
                wall_time,
                row.get("altitude_m"),
                row.get("speed_mps"),
                str(row.get("mock_location")).lower() == "true",
            )
        )


class ReplayCellular(Cellular):
    """What the trace's radio saw at the play head."""

    def __init__(self, trace: Trace):
        self.trace = trace

    def _scan(self) -> list[SimState]:
        row = self.trace.rows[self.trace.index]
        fields = CellReading.__dataclass_fields__
        cell = CellReading(**{k: row.get(k) for k in fields if k in row or k == "tech"})
        state = NO_SERVICE if cell.tech == "NONE" else IN_SERVICE
        return [SimState(0, state, (cell,), cell.operator)]
