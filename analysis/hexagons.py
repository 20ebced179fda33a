"""H3 hexagons of raw readings: count, median, 10th percentile, class, no-service share, days.

A hexagon with fewer than ``min_samples`` readings is ``insufficient`` and left uncoloured on
maps: crowd maps that colour cells from one or two readings mislead.
"""

from __future__ import annotations

import h3
import pandas as pd

from analysis.classes import DEFAULT_THRESHOLDS, Thresholds

__all__ = ["hexagon_boundary", "hexagon_table"]


def hexagon_table(
    readings: pd.DataFrame,
    tech: str,
    resolution: int = 8,
    min_samples: int = 5,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> pd.DataFrame:
    """One row per H3 cell with readings (``readings`` as from ``reading_points``)."""
    columns = ["h3", "samples", "median_dbm", "p10_dbm", "class", "no_service_share", "days"]
    if readings.empty:
        return pd.DataFrame(columns=columns)
    cells = [
        h3.latlng_to_cell(lat, lon, resolution)
        for lat, lon in zip(readings["lat"].to_numpy(), readings["lon"].to_numpy(), strict=True)
    ]
    work = pd.DataFrame(
        {
            "h3": cells,
            "value": readings["value"].to_numpy(),
            "no_service": readings["no_service"].to_numpy(),
            "day": pd.to_datetime(readings["observed_at"], utc=True)
            .dt.tz_convert("Asia/Jakarta")
            .dt.date,
        }
    )
    grouped = work.groupby("h3", sort=True)
    table = pd.DataFrame(
        {
            "samples": grouped.size(),
            "median_dbm": grouped["value"].median(),
            "p10_dbm": grouped["value"].quantile(0.1),
            "no_service_share": grouped["no_service"].mean().round(4),
            "days": grouped["day"].nunique(),
        }
    ).reset_index()
    table["class"] = [thresholds.classify_value(tech, v) for v in table["median_dbm"]]
    table.loc[table["samples"] < min_samples, "class"] = "insufficient"
    return table[columns]


def hexagon_boundary(cell: str) -> list[tuple[float, float]]:
    """The hexagon's ring as (lon, lat) pairs, closed."""
    ring = [(lng, lat) for lat, lng in h3.cell_to_boundary(cell)]
    return [*ring, ring[0]]
