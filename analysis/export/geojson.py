"""GeoJSON (RFC 7946): WGS84 lon/lat, counter-clockwise exteriors, 6 decimals (~0.1 m)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer

from analysis.project import WGS84

__all__ = ["feature_collection", "to_wgs84", "write_geojson"]


def to_wgs84(geometry: shapely.Geometry, crs: CRS) -> shapely.Geometry:
    """A geometry from ``crs`` to WGS84 lon/lat."""
    transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
    return shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(*xy.T)))


def _six_decimals(coords: np.ndarray) -> np.ndarray:
    return np.round(coords, 6)


def _clean(value: Any) -> Any:
    """JSON-safe property values: NaN becomes null, numpy scalars plain numbers."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def feature_collection(
    items: Iterable[tuple[shapely.Geometry, dict[str, Any]]], name: str
) -> dict[str, Any]:
    """A FeatureCollection of (WGS84 geometry, properties) pairs."""
    features = []
    for geometry, properties in items:
        oriented = shapely.transform(
            shapely.orient_polygons(geometry, exterior_cw=False), _six_decimals
        )
        geo = json.loads(shapely.to_geojson(oriented))
        features.append(
            {
                "type": "Feature",
                "geometry": geo,
                "properties": {k: _clean(v) for k, v in properties.items()},
            }
        )
    return {"type": "FeatureCollection", "name": name, "features": features}


def write_geojson(collection: dict[str, Any], path: str | Path) -> Path:
    """Write a FeatureCollection (from :func:`feature_collection`) atomically."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path
