"""The server's villages: which village each reading lies in, kabupaten lists, outlines.

The boundaries come from ``BOUNDARIES`` (GeoJSON or the upstream SQL dump, Kemendagri codes)
and optionally ``VILLAGE_LIST``; they are read once per process. Without boundaries the
server still works, but readings get no village and jobs cannot be limited to an area.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import shapely
from flask import current_app

from analysis.boundaries import Region, read_boundaries

__all__ = ["OUTLINE_ZOOMS", "Outlines", "RegionIndex", "current_regions", "load_regions"]

OUTLINE_ZOOMS = (8, 10, 12, 14)  # the levels of detail of the village outlines
DEFAULT_OUTLINE_ZOOM = 10  # ~100 m, for maps that do not say their zoom


@dataclass(frozen=True)
class Outlines:
    """The village outlines of one level of detail: GeoJSON text and its ETag; ``within``
    gives those of a box (for a zoomed-in map of a large province)."""

    features: list[str]  # each feature's GeoJSON text
    bounds: np.ndarray  # (n, 4): west, south, east, north of each feature
    etag: str
    zoom: int

    @cached_property
    def text(self) -> str:
        return _collection(self.features)

    def within(self, box: tuple[float, float, float, float]) -> tuple[str, str]:
        """GeoJSON text of the villages touching ``box`` (west, south, east, north), ETag."""
        west, south, east, north = box
        b = self.bounds
        hits = (b[:, 0] <= east) & (b[:, 2] >= west) & (b[:, 1] <= north) & (b[:, 3] >= south)
        chosen = np.flatnonzero(hits).tolist()
        key = hashlib.blake2b(str(chosen).encode(), digest_size=6).hexdigest()
        return _collection([self.features[i] for i in chosen]), f"{self.etag}-{key}"


def _collection(features: list[str]) -> str:
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


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
        return self.outlines(DEFAULT_OUTLINE_ZOOM).text

    def outlines(self, zoom: float | None = None) -> Outlines:
        """Every village simplified for a map at ``zoom`` (snapped up to a level of
        ``OUTLINE_ZOOMS``), as GeoJSON text with its ETag; built once per level."""
        level = outline_level(zoom)
        cache: dict[int, Outlines] = self.__dict__.setdefault("_outlines", {})
        if level not in cache:
            cache[level] = _outlines(self._with_shape, level)
        return cache[level]


def outline_level(zoom: float | None) -> int:
    """The level of ``OUTLINE_ZOOMS`` at least as fine as ``zoom`` (the default for None)."""
    if zoom is None:
        return DEFAULT_OUTLINE_ZOOM
    return next((z for z in OUTLINE_ZOOMS if z >= zoom), OUTLINE_ZOOMS[-1])


def _outlines(regions: list[Region], level: int) -> Outlines:
    """Simplified to under a pixel at ``level``, coordinates rounded to a tenth of it."""
    pixel = 360 / (256 * 2**level)  # degrees per pixel in web mercator near the equator
    grid = 10 ** math.floor(math.log10(pixel / 4))
    features: list[str] = []
    shapes = []
    for region in regions:
        simple = shapely.simplify(region.geometry, pixel * 0.75, preserve_topology=True)
        geometry = shapely.set_precision(simple, grid)
        if geometry.is_empty:  # a village smaller than the grid keeps its finer shape
            geometry = shapely.set_precision(simple, 1e-5)
        shapes.append(geometry)
        feature = {
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(geometry, indent=None)),
            "properties": {"code": region.code, "name": region.name},
        }
        features.append(json.dumps(feature, separators=(",", ":")))
    bounds = shapely.bounds(np.asarray(shapes, dtype=object)).reshape(-1, 4)
    digest = hashlib.blake2b("\n".join(features).encode(), digest_size=12).hexdigest()
    return Outlines(features, bounds, f"z{level}-{digest}", level)


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
