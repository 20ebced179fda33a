"""GeoTIFF of a coverage grid: signal, uncertainty, distance and count bands, with tags."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import rasterio

from analysis.coverage import Coverage

__all__ = ["BANDS", "write_coverage_geotiff"]

BANDS = ("signal_dbm", "uncertainty_db", "distance_m", "samples_nearby")


def write_coverage_geotiff(
    coverage: Coverage, path: str | Path, tags: dict[str, Any] | None = None
) -> Path:
    """Write the four bands as float32 (NaN = unsurveyed) in the grid's metric CRS."""
    path = Path(path)
    spec = coverage.spec
    profile = {
        "driver": "GTiff",
        "width": spec.width,
        "height": spec.height,
        "count": len(BANDS),
        "dtype": "float32",
        "crs": spec.crs,
        "transform": spec.transform,
        "nodata": np.nan,
        "compress": "deflate",
    }
    if spec.width >= 256 and spec.height >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    bands = (
        coverage.value,
        coverage.uncertainty,
        coverage.distance,
        coverage.count.astype(np.float32),
    )
    tmp = path.with_name(path.name + ".part")
    with rasterio.open(tmp, "w", **profile) as dst:
        for number, (name, data) in enumerate(zip(BANDS, bands, strict=True), start=1):
            dst.write(np.asarray(data, dtype=np.float32), number)
            dst.set_band_description(number, name)
        dst.update_tags(
            method=coverage.method,
            max_distance_m=str(coverage.max_distance),
            cross_validation=json.dumps(coverage.cv_table()),
            **{k: str(v) for k, v in (tags or {}).items()},
        )
    tmp.replace(path)
    return path
