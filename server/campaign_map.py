"""What the campaign pages draw: the villages an admin may pick (by kabupaten/kota and
kecamatan) and a campaign's villages as GeoJSON coloured by their state."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import mapping

from server.regions import RegionIndex

__all__ = ["campaign_features", "village_choices"]

_SIMPLIFY = 0.0002  # degrees, ~20 m: outlines for a page map


def village_choices(regions: RegionIndex | None, prefix: str | None) -> dict[str, Any]:
    """The villages of the region ``prefix`` (every one when ``None``) for the picker:
    ``kab`` {code: name}, ``kec`` {code: [name, kab code]}, ``villages`` [[code, name, kec]]."""
    kab: dict[str, str] = {}
    kec: dict[str, list[str]] = {}
    villages: list[list[str]] = []
    for region in regions.regions if regions else []:
        code = region.code
        if prefix is not None and code != prefix and not code.startswith(f"{prefix}."):
            continue
        kab.setdefault(region.kab_code, region.kab_name or region.kab_code)
        kec.setdefault(region.kec_code, [region.kec_name or region.kec_code, region.kab_code])
        villages.append([code, region.name or code, region.kec_code])
    villages.sort(key=lambda v: (v[2], v[1]))
    return {"kab": kab, "kec": kec, "villages": villages}


def campaign_features(rows: list[dict[str, Any]], regions: RegionIndex | None) -> dict[str, Any]:
    """A FeatureCollection of the campaign's villages (rows of ``campaign_villages``) with
    their outline, name, readings and state; villages without an outline are left out."""
    features = []
    for row in rows:
        region = regions.by_code.get(row["code"]) if regions else None
        if region is None or region.geometry is None or region.geometry.is_empty:
            continue
        outline = shapely.set_precision(region.geometry.simplify(_SIMPLIFY), 1e-5)
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(outline),
                "properties": {
                    key: row[key] for key in ("code", "name", "kecamatan", "readings", "state")
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
