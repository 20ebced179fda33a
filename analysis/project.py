"""Map projections: the UTM zone of the data, and transforms to and from WGS84 (pyproj)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import CRS, Transformer

__all__ = ["WGS84", "from_metric", "to_metric", "utm_crs"]

WGS84 = CRS.from_epsg(4326)


def utm_crs(lon: np.ndarray | float, lat: np.ndarray | float) -> CRS:
    """The UTM zone of the data's centre, in the hemisphere of its centre.

    One zone for the whole data set: data that straddles the equator (West Sumatra) stays in
    one continuous projection; northings north of the equator in a southern zone are simply
    above 10,000 km.
    """
    lon_c = float(np.nanmedian(np.asarray(lon, dtype=float)))
    lat_c = float(np.nanmedian(np.asarray(lat, dtype=float)))
    if not (-180 <= lon_c <= 180 and -80 <= lat_c <= 84):
        raise ValueError(f"no UTM zone for the centre {lat_c:.3f}, {lon_c:.3f}")
    zone = int((lon_c + 180) // 6) % 60 + 1
    return CRS.from_epsg((32700 if lat_c < 0 else 32600) + zone)


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


def to_metric(lon: np.ndarray, lat: np.ndarray, crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat to (easting, northing) in metres."""
    east, north = _transformer(WGS84.to_string(), crs.to_string()).transform(lon, lat)
    return np.asarray(east, dtype=float), np.asarray(north, dtype=float)


def from_metric(east: np.ndarray, north: np.ndarray, crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    """(easting, northing) in metres back to WGS84 lon/lat."""
    lon, lat = _transformer(crs.to_string(), WGS84.to_string()).transform(east, north)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
