"""Cloud-Optimized GeoTIFFs of a coverage grid and its classes, in the metric CRS and WGS84.

``coverage_*.tif``: float32 bands signal (dBm), uncertainty (dB), distance to the nearest
reading (m) and readings nearby; NaN where unsurveyed. ``classes_*.tif``: uint8 class codes
(0 unsurveyed, 1 strong, 2 weak, 3 none, 4 doubtful) with a colour table. Tags carry the
operator, technology, method, cross-validation RMSE and dates.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.shutil
from affine import Affine
from rasterio.warp import Resampling, calculate_default_transform, reproject

from analysis.classmap import CLASS_CODES, CLASS_COLOURS, ClassMap
from analysis.coverage import Coverage
from analysis.export.accuracy import accuracy_texts
from analysis.grid import GridSpec
from analysis.project import WGS84

__all__ = ["BANDS", "to_wgs84_raster", "write_class_geotiff", "write_coverage_geotiff"]

BANDS = ("signal_dbm", "uncertainty_db", "distance_m", "samples_nearby")


def to_wgs84_raster(
    bands: np.ndarray, spec: GridSpec, nearest: bool, nodata: float
) -> tuple[np.ndarray, Affine]:
    """Reproject (bands, rows, cols) from the grid's CRS to WGS84 at about the same size."""
    west, south, east, north = spec.bounds
    transform, width, height = calculate_default_transform(
        spec.crs, WGS84, spec.width, spec.height, west, south, east, north
    )
    out = np.full((bands.shape[0], height, width), nodata, dtype=bands.dtype)
    for i in range(bands.shape[0]):
        reproject(
            bands[i],
            out[i],
            src_transform=spec.transform,
            src_crs=spec.crs,
            dst_transform=transform,
            dst_crs=WGS84,
            src_nodata=nodata,
            dst_nodata=nodata,
            resampling=Resampling.nearest if nearest else Resampling.bilinear,
        )
    return out, transform


def _write_cog(
    path: Path,
    bands: np.ndarray,
    crs: Any,
    transform: Affine,
    nodata: float,
    descriptions: tuple[str, ...],
    tags: dict[str, str],
    colormap: dict[int, tuple[int, int, int, int]] | None = None,
) -> Path:
    count, height, width = bands.shape
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain.tif"
        with rasterio.open(
            plain,
            "w",
            driver="GTiff",
            width=width,
            height=height,
            count=count,
            dtype=bands.dtype,
            crs=crs,
            transform=transform,
            nodata=nodata,
        ) as dst:
            dst.write(bands)
            for i, name in enumerate(descriptions, start=1):
                dst.set_band_description(i, name)
            dst.update_tags(**tags)
            if colormap:
                dst.write_colormap(1, colormap)
        part = path.with_name(path.name + ".part")
        rasterio.shutil.copy(
            plain,
            part,
            driver="COG",
            compress="DEFLATE",
            overview_resampling="nearest" if colormap else "average",
        )
        part.replace(path)
    return path


def _tags(coverage: Coverage, extra: dict[str, Any] | None) -> dict[str, str]:
    best = next((r for r in coverage.cv if r.method == coverage.method), None)
    tags = {
        "method": coverage.method,
        "max_distance_m": f"{coverage.max_distance:g}",
        "cross_validation": json.dumps(coverage.cv_table()),
        "cv_rmse_db": f"{best.rmse:.3f}" if best else "",
    }
    errors = coverage.errors()
    tags["blocked_cv_rmse_db"] = str(errors["blocked_cv_rmse_db"] or "")
    tags["lodo_rmse_db"] = str(errors["lodo_rmse_db"] or "")
    for language, text in accuracy_texts(errors).items():
        tags[f"accuracy_{language}"] = text
    tags.update({k: str(v) for k, v in (extra or {}).items()})
    return tags


def write_coverage_geotiff(
    coverage: Coverage, path: str | Path, tags: dict[str, Any] | None = None, wgs84: bool = False
) -> Path:
    """The four float32 bands as a COG, in the grid's CRS or (``wgs84``) in EPSG:4326."""
    bands = np.stack(
        [coverage.value, coverage.uncertainty, coverage.distance, coverage.count.astype(np.float32)]
    ).astype(np.float32)
    bands[2:, ~np.isfinite(coverage.value)] = np.nan
    crs, transform = coverage.spec.crs, coverage.spec.transform
    if wgs84:
        bands, transform = to_wgs84_raster(bands, coverage.spec, nearest=False, nodata=np.nan)
        crs = WGS84
    return _write_cog(Path(path), bands, crs, transform, np.nan, BANDS, _tags(coverage, tags))


def write_class_geotiff(
    classes: ClassMap,
    coverage: Coverage,
    path: str | Path,
    tags: dict[str, Any] | None = None,
    wgs84: bool = False,
) -> Path:
    """The class codes as a uint8 COG with a colour table (0 = unsurveyed, nodata)."""
    bands = classes.codes[None, :, :]
    crs, transform = coverage.spec.crs, coverage.spec.transform
    if wgs84:
        bands, transform = to_wgs84_raster(bands, coverage.spec, nearest=True, nodata=0)
        crs = WGS84
    colormap = {code: CLASS_COLOURS[name] for name, code in CLASS_CODES.items()}
    legend = json.dumps({str(code): name for name, code in CLASS_CODES.items()})
    return _write_cog(
        Path(path),
        bands,
        crs,
        transform,
        0,
        ("class",),
        {**_tags(coverage, tags), "classes": legend},
        colormap,
    )
