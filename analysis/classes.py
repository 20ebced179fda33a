"""Signal classes: ``strong`` / ``weak`` / ``none`` per technology (BPS Podes classes).

Standard library only (the phone colours its live view with it). Defaults come from
``SIGNAL_CLASSES.md``; a deployment overrides them with :meth:`Thresholds.from_mapping`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analysis.schema import CLASS_METRIC

__all__ = ["CLASSES", "DEFAULT_THRESHOLDS", "FLOOR_DBM", "Threshold", "Thresholds", "classify"]

CLASSES = ("strong", "weak", "none")

FLOOR_DBM = {"LTE": -140.0, "NR": -140.0, "WCDMA": -120.0, "GSM": -113.0}
"""Bottom of each class metric's reporting range: where a no-service reading is censored."""


@dataclass(frozen=True, slots=True)
class Threshold:
    """Class boundaries for one technology: ``value >= strong`` is strong, ``>= weak`` weak."""

    metric: str
    strong: float
    weak: float

    def __post_init__(self) -> None:
        if not self.strong > self.weak:
            raise ValueError(f"strong ({self.strong}) must be above weak ({self.weak})")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Thresholds for every technology, with the class of each reading."""

    by_tech: Mapping[str, Threshold]

    @classmethod
    def from_mapping(cls, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Thresholds:
        """Defaults with per-technology overrides, e.g. ``{"LTE": {"strong": -95}}``."""
        table = dict(_DEFAULTS)
        for tech, values in (overrides or {}).items():
            if tech not in table:
                raise ValueError(f"unknown technology {tech!r}; expected one of {sorted(table)}")
            unknown = set(values) - {"strong", "weak"}
            if unknown:
                raise ValueError(f"{tech}: unknown threshold keys {sorted(unknown)}")
            base = table[tech]
            table[tech] = Threshold(
                base.metric,
                float(values.get("strong", base.strong)),
                float(values.get("weak", base.weak)),
            )
        return cls(table)

    def classify_value(self, tech: str, value: float | None) -> str | None:
        """Class of a class-metric value, or None when the value is missing."""
        if tech == "NONE":
            return "none"
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        limit = self.by_tech[tech]
        if value >= limit.strong:
            return "strong"
        return "weak" if value >= limit.weak else "none"

    def classify(self, reading: Mapping[str, Any] | Any) -> str | None:
        """Class of a reading (a record or a dict); ``NONE`` readings are always ``none``."""
        get = reading.get if isinstance(reading, Mapping) else lambda k: getattr(reading, k, None)
        tech = str(get("tech"))
        if tech == "NONE":
            return "none"
        metric = CLASS_METRIC.get(tech)
        return self.classify_value(tech, get(metric)) if metric else None


_DEFAULTS = {
    "LTE": Threshold("rsrp_dbm", -100.0, -115.0),
    "NR": Threshold("rsrp_dbm", -105.0, -120.0),
    "WCDMA": Threshold("rscp_dbm", -85.0, -100.0),
    "GSM": Threshold("rssi_dbm", -100.0, -110.0),
}

DEFAULT_THRESHOLDS = Thresholds(dict(_DEFAULTS))


def classify(reading: Mapping[str, Any] | Any) -> str | None:
    """Class of a reading with the default thresholds."""
    return DEFAULT_THRESHOLDS.classify(reading)
