"""Blankspot polygons: the ``none`` class polygonised, with the evidence inside each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from rasterio.features import shapes
from shapely.geometry import shape

from analysis.classmap import CLASS_CODES, ClassMap
from analysis.grid import GridSpec

__all__ = ["Blankspot", "blankspot_polygons"]


@dataclass(slots=True)
class Blankspot:
    """One blankspot: its polygon (metric CRS) and what the readings inside say."""

    geometry: shapely.Geometry
    area_km2: float
    samples: int
    median_dbm: float | None
    no_service_share: float | None
    first_seen: str | None
    last_seen: str | None

    def properties(self, **extra: Any) -> dict[str, Any]:
        return {
            "area_km2": round(self.area_km2, 4),
            "samples": self.samples,
            "median_dbm": self.median_dbm,
            "no_service_share": self.no_service_share,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            **extra,
        }


def blankspot_polygons(
    classes: ClassMap, spec: GridSpec, readings: pd.DataFrame, min_area_km2: float = 0.05
) -> list[Blankspot]:
    """Polygons of the ``none`` class (holes kept), larger than ``min_area_km2``.

    ``readings`` has ``easting``, ``northing`` (in the grid's CRS), ``value``, ``no_service``
    and ``observed_at`` (see :func:`analysis.prepare.reading_points`).
    """
    mask = classes.codes == CLASS_CODES["none"]
    if not mask.any():
        return []
    parts = [
        shape(geom)
        for geom, _ in shapes(
            mask.astype(np.uint8), mask=mask, transform=spec.transform, connectivity=8
        )
    ]
    merged = shapely.union_all(parts)
    polygons = list(getattr(merged, "geoms", [merged]))
    polygons = [p for p in polygons if p.area / 1e6 >= min_area_km2]
    polygons.sort(key=lambda p: p.area, reverse=True)
    x = readings["easting"].to_numpy()
    y = readings["northing"].to_numpy()
    out = []
    for polygon in polygons:
        shapely.prepare(polygon)
        inside = shapely.contains_xy(polygon, x, y)
        chosen = readings[inside]
        stats = _evidence(chosen)
        out.append(Blankspot(polygon, polygon.area / 1e6, int(inside.sum()), **stats))
    return out


def _evidence(chosen: pd.DataFrame) -> dict[str, Any]:
    if chosen.empty:
        return {"median_dbm": None, "no_service_share": None, "first_seen": None, "last_seen": None}
    times = pd.to_datetime(chosen["observed_at"], utc=True)
    return {
        "median_dbm": float(np.median(chosen["value"])),
        "no_service_share": round(float(chosen["no_service"].mean()), 4),
        "first_seen": times.min().strftime("%Y-%m-%d"),
        "last_seen": times.max().strftime("%Y-%m-%d"),
    }
