"""A survey at a glance: readings per operator and technology, by signal class."""

from __future__ import annotations

import pandas as pd

from analysis.classify import classify_frame

__all__ = ["operator_label", "summarise"]


def operator_label(frame: pd.DataFrame) -> pd.Series:
    """``MCC-MNC`` where known, else the operator's name, else ``unknown``."""
    plmn = frame["mcc"].astype("string") + "-" + frame["mnc"].astype("string")
    return plmn.fillna(frame["operator"].astype("string")).fillna("unknown")


def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per operator: readings, shares of strong / weak / none, no-service count, dates."""
    if frame.empty:
        return pd.DataFrame(
            columns=[
                "operator",
                "name",
                "readings",
                "strong_pct",
                "weak_pct",
                "none_pct",
                "no_service",
                "first_day",
                "last_day",
            ]
        )
    work = pd.DataFrame(
        {
            "operator": operator_label(frame),
            "name": frame["operator"].astype("string").fillna(""),
            "cls": classify_frame(frame),
            "no_service": frame["tech"].eq("NONE"),
            "day": frame["observed_at"].dt.tz_convert("Asia/Jakarta").dt.date,
        }
    )
    grouped = work.groupby("operator", sort=True)
    counts = grouped["cls"].value_counts().unstack(fill_value=0)
    readings = grouped.size()
    table = pd.DataFrame(
        {
            "operator": readings.index,
            "name": grouped["name"].first().to_numpy(),
            "readings": readings.to_numpy(),
        }
    )
    for cls in ("strong", "weak", "none"):
        share = counts.get(cls, pd.Series(0, index=readings.index)) / readings * 100
        table[f"{cls}_pct"] = share.round(1).to_numpy()
    table["no_service"] = grouped["no_service"].sum().to_numpy()
    table["first_day"] = grouped["day"].min().astype(str).to_numpy()
    table["last_day"] = grouped["day"].max().astype(str).to_numpy()
    return table
