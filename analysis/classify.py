"""Signal classes for a whole measurement frame at once (vectorised twin of ``classes``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.classes import DEFAULT_THRESHOLDS, Thresholds
from analysis.schema import CLASS_METRIC

__all__ = ["class_values", "classify_frame"]


def class_values(frame: pd.DataFrame) -> pd.Series:
    """Each reading's class metric in dB(m): RSRP, RSCP or RSSI by technology; NaN otherwise."""
    values = pd.Series(np.nan, index=frame.index, dtype="float64")
    tech = frame["tech"].astype("string")
    for name, metric in CLASS_METRIC.items():
        mask = (tech == name).fillna(False).to_numpy()
        values[mask] = frame.loc[mask, metric].astype("float64")
    return values


def classify_frame(frame: pd.DataFrame, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> pd.Series:
    """``strong`` / ``weak`` / ``none`` per reading; missing where the class metric is."""
    tech = frame["tech"].astype("string").fillna("")
    value = class_values(frame)
    strong = tech.map({t: th.strong for t, th in thresholds.by_tech.items()}).astype("float64")
    weak = tech.map({t: th.weak for t, th in thresholds.by_tech.items()}).astype("float64")
    labels = np.where(value >= strong, "strong", np.where(value >= weak, "weak", "none"))
    out = pd.Series(labels, index=frame.index, dtype="string")
    out[value.isna()] = pd.NA
    out[tech == "NONE"] = "none"
    return out
