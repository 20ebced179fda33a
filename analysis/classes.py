"""Signal classes: ``strong`` / ``weak`` / ``none`` per technology (BPS Podes classes).

Standard library only (the phone colours its live view with it). Defaults come from
``SIGNAL_CLASSES.md``; a deployment overrides them with :meth:`Thresholds.from_mapping`.

The village report splits ``strong`` once more: a village whose verdict is strong and whose
median reading is at or above the *very strong* limit (:data:`VERY_STRONG_DBM`) is *sinyal
sangat kuat*. The limits are the top class of the SOTI XSight heatmap legend (the source of
our strong/weak split, whose "strong" and "average" our ``strong`` merges): LTE RSRP >= -80
dBm, 5G SS-RSRP >= -85 dBm, WCDMA RSCP >= -70 dBm, GSM RSSI >= -80 dBm. The LTE limit is also
the "Excellent" class of Teltonika's Mobile Signal Strength Recommendations (RSRP >= -80
dBm). The very-strong limit never changes :func:`classify` or the three classes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analysis.schema import CLASS_METRIC

__all__ = [
    "CLASSES",
    "DEFAULT_THRESHOLDS",
    "FLOOR_DBM",
    "VERY_STRONG_DBM",
    "Threshold",
    "Thresholds",
    "classify",
    "is_very_strong",
]

CLASSES = ("strong", "weak", "none")

FLOOR_DBM = {"LTE": -140.0, "NR": -140.0, "WCDMA": -120.0, "GSM": -113.0}
"""Bottom of each class metric's reporting range: where a no-service reading is censored."""

VERY_STRONG_DBM = {"LTE": -80.0, "NR": -85.0, "WCDMA": -70.0, "GSM": -80.0}
"""Class metric at or above which a strong signal is *very strong* (SOTI XSight "strong")."""


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
    """Thresholds for every technology, with the class of each reading.

    ``very_strong`` holds the limit of *very strong* per technology (the village report's
    *sinyal sangat kuat*); it is kept apart from the three classes, which it never changes.
    """

    by_tech: Mapping[str, Threshold]
    very_strong: Mapping[str, float] = field(default_factory=lambda: dict(VERY_STRONG_DBM))

    @classmethod
    def from_mapping(cls, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Thresholds:
        """Defaults with per-technology overrides, e.g. ``{"LTE": {"strong": -95}}``;
        ``very_strong`` is overridden the same way and must then be above ``strong``."""
        table = dict(_DEFAULTS)
        very = dict(VERY_STRONG_DBM)
        for tech, values in (overrides or {}).items():
            if tech not in table:
                raise ValueError(f"unknown technology {tech!r}; expected one of {sorted(table)}")
            unknown = set(values) - {"strong", "weak", "very_strong"}
            if unknown:
                raise ValueError(f"{tech}: unknown threshold keys {sorted(unknown)}")
            base = table[tech]
            table[tech] = Threshold(
                base.metric,
                float(values.get("strong", base.strong)),
                float(values.get("weak", base.weak)),
            )
            if "very_strong" in values:
                very[tech] = float(values["very_strong"])
                if not very[tech] > table[tech].strong:
                    raise ValueError(
                        f"{tech}: very_strong ({very[tech]}) must be above strong "
                        f"({table[tech].strong})"
                    )
        return cls(table, very)

    def very_strong_limit(self, tech: str) -> float:
        """The value at or above which a ``tech`` signal is very strong (never below the
        strong limit, so an override of ``strong`` alone cannot make weak very strong)."""
        return max(self.very_strong[tech], self.by_tech[tech].strong)

    def is_very_strong(self, tech: str, value: float | None) -> bool:
        """Whether a class-metric value of ``tech`` is at or above the very-strong limit."""
        if tech not in self.by_tech or value is None or math.isnan(value):
            return False
        return value >= self.very_strong_limit(tech)

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


def is_very_strong(tech: str, value: float | None) -> bool:
    """Whether a class-metric value is very strong with the default limits."""
    return DEFAULT_THRESHOLDS.is_very_strong(tech, value)
