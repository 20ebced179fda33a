"""Turning a GPS fix and the radio's readings into validated records in the outbox.

Readings are refused while the fix is too old or too inaccurate: a reading placed at the
wrong spot is worse than none. Auto-logging records every ``interval_s`` seconds or every
``distance_m`` metres of movement.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from analysis.classes import classify
from analysis.schema import Measurement, ValidationError
from mobile.petasinyal_app.outbox import Outbox
from mobile.petasinyal_app.sensors.facades import CellReading, Fix

__all__ = ["AutoLogger", "RecordRefused", "Recorded", "Recorder", "distance_m"]


class RecordRefused(Exception):
    """The reading was not taken: ``text`` (an Indonesian source string with
    ``{placeholders}``) and ``values`` say why; ``str()`` is the Indonesian sentence."""

    def __init__(self, text: str, values: dict[str, Any] | None = None):
        self.text, self.values = text, dict(values or {})
        super().__init__(text.format(**self.values))


def distance_m(a: Fix, b: Fix) -> float:
    """Great-circle distance between two fixes (haversine)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(min(1.0, h)))


@dataclass(slots=True)
class Recorded:
    """What one record call stored, and the SIMs whose values the phone got wrong."""

    stored: list[Measurement] = field(default_factory=list)
    refused: list[RecordRefused] = field(default_factory=list)


@dataclass(slots=True)
class Recorder:
    """Makes and stores readings; one per cell that a SIM in a known state reports."""

    outbox: Outbox
    device_id: str
    session_id: str
    max_fix_age_s: float = 15.0
    max_accuracy_m: float = 50.0

    def gps_problem(self, fix: Fix | None, now: float) -> RecordRefused | None:
        """Why the fix cannot be used now, or None when it can."""
        if fix is None:
            return RecordRefused("Belum ada posisi GPS")
        age = now - fix.time
        if age > self.max_fix_age_s:
            return RecordRefused("Posisi GPS sudah {age:.0f} detik", {"age": age})
        if fix.accuracy_m is not None and fix.accuracy_m > self.max_accuracy_m:
            return RecordRefused(
                "Akurasi GPS {accuracy:.0f} m, lebih buruk dari {limit:.0f} m",
                {"accuracy": fix.accuracy_m, "limit": self.max_accuracy_m},
            )
        return None

    def record(
        self,
        fix: Fix | None,
        cells: list[CellReading],
        now: float,
        mode: str | None,
        note: str | None = None,
    ) -> Recorded:
        """Store one reading per cell; raise :class:`RecordRefused` when the fix is unusable
        or no SIM's state is known (unknown is never recorded as "no service"). A SIM whose
        values are impossible is left out and reported; the other SIMs are still stored."""
        problem = self.gps_problem(fix, now)
        if problem:
            raise problem
        assert fix is not None
        if not cells:
            raise RecordRefused("Status sinyal belum diketahui: tidak direkam")
        done = Recorded()
        for cell in cells:
            data = {
                "id": str(uuid.uuid4()),
                "device_id": self.device_id,
                "session_id": self.session_id,
                "observed_at": datetime.fromtimestamp(fix.time, UTC).isoformat(),
                "lat": fix.lat,
                "lon": fix.lon,
                "accuracy_m": fix.accuracy_m,
                "altitude_m": fix.altitude_m,
                "speed_mps": fix.speed_mps,
                "mock_location": fix.mock,
                "mode": mode,
                "note": note or None,
                **asdict(cell),
            }
            try:
                reading = Measurement.from_dict(data)
            except ValidationError as exc:
                done.refused.append(
                    RecordRefused(
                        "Ponsel melaporkan nilai yang mustahil ({operator}): {problem}",
                        {"operator": cell.operator or cell.tech, "problem": str(exc)},
                    )
                )
                continue
            self.outbox.add(reading.to_dict())
            done.stored.append(reading)
        if not done.stored:
            raise done.refused[0]
        return done

    @staticmethod
    def signal_class(cell: CellReading) -> str | None:
        """strong / weak / none for the live view's colour."""
        return classify(cell)


@dataclass(slots=True)
class AutoLogger:
    """Decides when to take the next automatic reading: by time or by distance."""

    interval_s: float | None = 5.0
    distance_m: float | None = None
    running: bool = False
    _last_time: float | None = None
    _last_fix: Fix | None = None

    def start(self) -> None:
        self.running = True
        self._last_time = None
        self._last_fix = None

    def stop(self) -> None:
        self.running = False

    def due(self, now: float, fix: Fix | None) -> bool:
        """True when a reading should be taken now."""
        if not self.running or fix is None:
            return False
        if self._last_time is None:
            return True
        if self.interval_s is not None and now - self._last_time >= self.interval_s:
            return True
        return (
            self.distance_m is not None
            and self._last_fix is not None
            and distance_m(self._last_fix, fix) >= self.distance_m
        )

    def taken(self, now: float, fix: Fix) -> None:
        self._last_time = now
        self._last_fix = fix
