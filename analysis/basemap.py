"""An offline basemap from the village boundaries: kabupaten/kota, kecamatan and desa outlines
with their names, for every map product (``map.html``, KMZ, preview PNG, printable PDFs).

Kecamatan and kabupaten outlines are dissolved from the villages (shapely), only for the
villages near the map, and cached per process: the products of one job share one basemap.
Outlines are lines clipped to the map's box, so a clipped area never shows the box's edge.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import shapely

from analysis.boundaries import Region

__all__ = [
    "LABEL_ZOOM",
    "LEVELS",
    "Basemap",
    "Place",
    "basemap_for",
    "label_levels",
]

LEVELS = ("kabkota", "kecamatan", "desa")
# Web maps show a level's names from this Leaflet zoom on (outlines are always drawn).
LABEL_ZOOM = {"kabkota": 8, "kecamatan": 11, "desa": 13}
LEVEL_WORDS = {"kabkota": "Kabupaten/kota", "kecamatan": "Kecamatan", "desa": "Desa/nagari"}


@dataclass(frozen=True, slots=True)
class Place:
    """One administrative area on the map: its outline (lines, WGS84) and label point."""

    level: str
    code: str
    name: str
    outline: shapely.Geometry
    label_at: tuple[float, float]


@dataclass(frozen=True, slots=True, eq=False)
class Basemap:
    """The places of a map's box, kabupaten first, then kecamatan, then desa."""

    places: tuple[Place, ...]
    bounds: tuple[float, float, float, float]

    def level(self, name: str) -> list[Place]:
        """The places of one level (``kabkota``, ``kecamatan`` or ``desa``)."""
        return [p for p in self.places if p.level == name]

    def area_name(self) -> str:
        """The kabupaten/kota (or kecamatan) the map is mostly about, for titles."""
        kab = self.level("kabkota")
        if not kab:
            return ""
        names = [p.name for p in kab]
        return (
            names[0] if len(names) == 1 else ", ".join(names[:3]) + ("…" if len(names) > 3 else "")
        )

    def geojson(self) -> dict[str, Any]:
        """One line feature per level (each border once, at the largest level it belongs
        to), simplified for the zooms it shows at, 4 decimals (~10 m); and one ``Point`` per
        place to put its name at. Properties ``level``, and ``name``/``code`` on the points.
        Cached."""
        return _geojson(self)


_TOLERANCE = {"kabkota": 0.001, "kecamatan": 0.0008, "desa": 0.0006}


@lru_cache(maxsize=8)
def _geojson(basemap: Basemap) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    drawn: set[tuple[tuple[float, float], tuple[float, float]]] = set()
    for level in LEVELS:  # each border once: at the largest level it belongs to
        outlines = [p.outline for p in basemap.places if p.level == level]
        segments = _new_segments(outlines, drawn)
        if not segments:
            continue
        merged = shapely.line_merge(shapely.MultiLineString(segments))
        simple = shapely.set_precision(shapely.simplify(merged, _TOLERANCE[level]), 1e-4)
        if not simple.is_empty:
            features.append(_feature(simple, {"level": level}))
    for place in basemap.places:
        lon, lat = place.label_at
        point = {"type": "Point", "coordinates": [round(lon, 4), round(lat, 4)]}
        props = {"level": place.level, "name": place.name, "code": place.code}
        features.append({"type": "Feature", "geometry": point, "properties": props})
    return {"type": "FeatureCollection", "features": features}


def _new_segments(
    outlines: list[shapely.Geometry],
    drawn: set[tuple[tuple[float, float], tuple[float, float]]],
) -> list[list[tuple[float, float]]]:
    """The vertex-to-vertex segments of ``outlines`` not yet in ``drawn`` (which grows): a
    border shared by two villages, or by a village and its kecamatan, is kept once."""
    segments = []
    for part in shapely.get_parts(np.array(outlines, dtype=object)):
        coords = np.round(shapely.get_coordinates(part), 6)
        for a, b in zip(map(tuple, coords[:-1]), map(tuple, coords[1:]), strict=True):
            key = (a, b) if a <= b else (b, a)
            if a != b and key not in drawn:
                drawn.add(key)
                segments.append([a, b])
    return segments


def _feature(geometry: shapely.Geometry, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": json.loads(shapely.to_geojson(geometry)),
        "properties": props,
    }


def label_levels(span_km: float) -> tuple[str, ...]:
    """Which levels get names on a printed map ``span_km`` wide (fewer names when wider)."""
    if span_km > 150:
        return ("kabkota",)
    if span_km > 35:
        return ("kabkota", "kecamatan")
    return LEVELS


def basemap_for(regions: list[Region] | None, bounds: tuple[float, float, float, float]) -> Basemap:
    """The basemap of the box ``bounds`` = (west, south, east, north), WGS84."""
    if not regions:
        return Basemap((), bounds)
    key = tuple((r.code, id(r.geometry)) for r in regions)
    rounded = tuple(round(v, 4) for v in bounds)
    return _cached(key, rounded, _Regions(regions))


class _Regions:
    """The region list, hashed by identity so the cache key stays small."""

    def __init__(self, regions: list[Region]) -> None:
        self.regions = regions

    def __hash__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return True  # the key tuple decides


@lru_cache(maxsize=16)
def _cached(
    key: tuple[tuple[str, int], ...], bounds: tuple[float, float, float, float], held: _Regions
) -> Basemap:
    return _build(held.regions, bounds)


def _build(regions: list[Region], bounds: tuple[float, float, float, float]) -> Basemap:
    box = shapely.box(*bounds)
    near = [r for r in regions if r.geometry is not None and r.geometry.intersects(box)]
    groups: dict[str, dict[str, list[Region]]] = {
        "kabkota": defaultdict(list),
        "kecamatan": defaultdict(list),
    }
    for region in near:
        if region.kab_code:
            groups["kabkota"][region.kab_code].append(region)
        if region.kec_code:
            groups["kecamatan"][region.kec_code].append(region)
    places: list[Place] = []
    for level in ("kabkota", "kecamatan"):
        for code, members in sorted(groups[level].items()):
            area = shapely.union_all([m.geometry for m in members], grid_size=1e-6)
            name = (members[0].kab_name if level == "kabkota" else members[0].kec_name) or code
            places.append(_place(level, code, name, area, box))
    for region in near:
        places.append(_place("desa", region.code, region.name, region.geometry, box))
    return Basemap(tuple(p for p in places if p is not None), bounds)


def _place(
    level: str, code: str, name: str, area: shapely.Geometry, box: shapely.Geometry
) -> Place:
    outline = shapely.intersection(area.boundary, box)
    inside = shapely.intersection(area, box)
    point = shapely.point_on_surface(inside if not inside.is_empty else area)
    return Place(level, code, name, outline, (point.x, point.y))
