"""The server's villages: which village each reading lies in, kabupaten lists, outlines.

The boundaries come from ``BOUNDARIES`` (GeoJSON or the upstream SQL dump, Kemendagri codes)
and optionally ``VILLAGE_LIST``; they are read once per process. Without boundaries the
server still works, but readings get no village and jobs cannot be limited to an area.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import shapely
from flask import current_app

from analysis.boundaries import Region, read_boundaries

__all__ = ["RegionIndex", "current_regions", "load_regions"]


@dataclass
class RegionIndex:
    """Villages with a spatial index over those that have a polygon."""

    regions: list[Region]
    _with_shape: list[Region] = field(init=False, repr=False)
    _tree: shapely.STRtree = field(init=False, repr=False)
    by_code: dict[str, Region] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._with_shape = [r for r in self.regions if r.geometry is not None]
        self._tree = shapely.STRtree([r.geometry for r in self._with_shape])
        self.by_code = {r.code: r for r in self.regions}

    def locate(self, lons: list[float], lats: list[float]) -> list[str | None]:
        """The village code of each point, ``None`` outside every village."""
        codes: list[str | None] = [None] * len(lons)
        if not lons or not self._with_shape:
            return codes
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        point_idx, region_idx = self._tree.query(points, predicate="intersects")
        for p, r in zip(point_idx.tolist(), region_idx.tolist(), strict=True):
            if codes[p] is None:  # a point on a shared border goes to the first village
                codes[p] = self._with_shape[r].code
        return codes

    def kabupaten(self) -> list[tuple[str, str]]:
        """(code, name) of every kabupaten/kota, sorted by code."""
        seen = {r.kab_code: r.kab_name or r.kab_code for r in self.regions if r.kab_code}
        return sorted(seen.items())

    def codes_in(self, polygon: shapely.Geometry) -> list[str]:
        """Codes of the villages a drawn polygon touches."""
        hits = self._tree.query(polygon, predicate="intersects")
        return sorted(self._with_shape[i].code for i in hits.tolist())

    @cached_property
    def outline_geojson(self) -> str:
        """Every village, simplified to ~100 m, as GeoJSON text (for overview maps)."""
        features: list[dict[str, Any]] = []
        for region in self._with_shape:
            simple = shapely.simplify(region.geometry, 0.001, preserve_topology=True)
            geometry = shapely.set_precision(simple, 1e-5)  # ~1 m: 5 decimals, not 15
            features.append(
                {
                    "type": "Feature",
                    "geometry": json.loads(shapely.to_geojson(geometry, indent=None)),
                    "properties": {"code": region.code, "name": region.name},
                }
            )
        collection = {"type": "FeatureCollection", "features": features}
        return json.dumps(collection, separators=(",", ":"))


@lru_cache(maxsize=4)
def load_regions(path: str, village_list: str | None = None) -> RegionIndex:
    """The boundaries at ``path`` (read once per process)."""
    return RegionIndex(read_boundaries(path, village_list))


def current_regions() -> RegionIndex | None:
    """The app's configured villages, or ``None`` when no boundaries are configured."""
    path = current_app.config.get("BOUNDARIES")
    if not path:
        return None
    return load_regions(str(path), current_app.config.get("VILLAGE_LIST") or None)
