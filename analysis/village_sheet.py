"""One village's evidence sheet (a one-page PDF) drawn again from a finished product folder,
so the server can give it on demand for any village and language, not only the weak and
no-signal villages the product's ``bukti_desa.pdf`` holds.

Everything comes from the folder :func:`analysis.products.build_products` wrote: the class
raster (``classes_wgs84.tif``), the readings (``measurements.csv``), the village's verdict
(``villages.csv``) and the method, error and period (``report.json``); the village outline
from the regions given, else from the folder's ``villages.geojson``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import rasterio

from analysis.basemap import basemap_for
from analysis.boundaries import Region, read_boundaries
from analysis.export.mapdraw import Extent, MapInfo
from analysis.io_csv import read_csv
from analysis.prepare import reading_points
from analysis.printmap import write_village_sheets
from analysis.project import utm_crs
from analysis.villages import VERDICTS

__all__ = ["write_village_sheet"]

_CODES = {"kode": str, "kode_kec": str, "kode_kabkota": str, "nama": str}


def write_village_sheet(
    path: str | Path,
    folder: str | Path,
    code: str,
    regions: list[Region] | None,
    operator_name: str,
    source: str,
    made: dt.date,
    language: str = "id",
) -> Path:
    """Write the evidence sheet of village ``code`` from the product ``folder`` to ``path``.

    Raises ``LookupError`` when the product has no verdict or no outline for the village.
    """
    folder, path = Path(folder), Path(path)
    row = _verdict_row(folder, code)
    region = _region(folder, code, regions)
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    operator, tech = str(report["operator"]), str(report["technology"])
    frame = read_csv(folder / "measurements.csv").frame
    crs = utm_crs(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    readings = reading_points(frame, tech, crs)
    codes, extent = _class_raster(folder / "classes_wgs84.tif")
    best = next(r for r in report["cross_validation"] if r["method"] == report["method"])
    info = MapInfo(
        operator,
        operator_name,
        tech,
        "",
        dt.date.fromisoformat(report["inputs"]["first_day"]),
        dt.date.fromisoformat(report["inputs"]["last_day"]),
        str(report["method"]),
        float(best["rmse_db"]),
        len(readings),
        source,
        made,
        report.get("errors", {}).get("lodo_rmse_db"),
    )
    assert region.geometry is not None
    west, south, east, north = region.geometry.bounds
    pad = max(east - west, north - south) * 0.5 + 0.01
    basemap = basemap_for(regions or [region], (west - pad, south - pad, east + pad, north + pad))
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.part")
    write_village_sheets(
        part,
        info,
        pd.DataFrame([row]),
        [region],
        readings,
        codes,
        extent,
        basemap,
        language,
        wanted=VERDICTS,
    )
    part.replace(path)  # a reader never sees half a file
    return path


def _verdict_row(folder: Path, code: str) -> dict[str, Any]:
    villages = pd.read_csv(folder / "villages.csv", comment="#", dtype=_CODES)
    rows = villages[villages["kode"] == code]
    if rows.empty:
        raise LookupError(f"no verdict for village {code} in {folder.name}")
    row = rows.iloc[0].to_dict()
    return {str(k): (None if pd.isna(v) else v) for k, v in row.items()}


def _region(folder: Path, code: str, regions: list[Region] | None) -> Region:
    """The village's outline: from ``regions``, else from the product's villages.geojson."""
    found = next((r for r in regions or [] if r.code == code), None)
    if (found is None or found.geometry is None) and (folder / "villages.geojson").is_file():
        kept = read_boundaries(folder / "villages.geojson")
        found = next((r for r in kept if r.code == code), None)
    if found is None or found.geometry is None:
        raise LookupError(f"no outline for village {code}")
    return found


def _class_raster(path: Path) -> tuple[Any, Extent]:
    """Class codes (WGS84) and their extent (west, east, south, north), as ``class_raster``."""
    with rasterio.open(path) as source:
        codes = source.read(1)
        bounds = source.bounds
    return codes, (bounds.left, bounds.right, bounds.bottom, bounds.top)
