"""Village verdicts: for every village, the share of its area in each class, the readings
inside it, and a verdict ``strong`` / ``weak`` / ``none`` / ``insufficient data``.

Verdict rule (over the village's surveyed area): ``none`` if at least half is no-signal,
``weak`` if at least half is no-signal or weak, else ``strong``. A village with fewer than
``min_samples`` readings, less than ``min_surveyed`` of its area surveyed, or mostly doubtful
cells gets ``insufficient data``: unsurveyed is not the same as blankspot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from rasterio.features import rasterize

from analysis.boundaries import Region
from analysis.classmap import CLASS_CODES, ClassMap
from analysis.grid import GridSpec
from analysis.project import WGS84

__all__ = ["VERDICTS", "rollup", "village_verdicts"]

VERDICTS = ("strong", "weak", "none", "insufficient data")


def _to_crs(geometries: list[shapely.Geometry], crs: CRS) -> list[shapely.Geometry]:
    from pyproj import Transformer

    transformer = Transformer.from_crs(WGS84, crs, always_xy=True)
    return [
        shapely.transform(g, lambda xy: np.column_stack(transformer.transform(*xy.T)))
        for g in geometries
    ]


def village_verdicts(
    regions: list[Region],
    classes: ClassMap,
    spec: GridSpec,
    readings: pd.DataFrame,
    operator: str,
    tech: str,
    min_samples: int = 10,
    min_surveyed: float = 0.2,
) -> pd.DataFrame:
    """One row per village with the official code and name, shares, counts and verdict."""
    assert spec.crs is not None, "the grid needs a CRS"
    with_shape = [i for i, r in enumerate(regions) if r.geometry is not None]
    metric = _to_crs([regions[i].geometry for i in with_shape], spec.crs)
    index = rasterize(
        ((g, n) for n, g in enumerate(metric)),
        out_shape=spec.shape,
        transform=spec.transform,
        fill=-1,
        dtype="int32",
    )
    counts = np.zeros((len(metric), 5), dtype=np.int64)
    inside = index >= 0
    np.add.at(counts, (index[inside], classes.codes[inside]), 1)
    samples, no_service = _readings_per_region(metric, readings)
    rows = []
    for n, i in enumerate(with_shape):
        rows.append(
            _row(
                regions[i],
                metric[n].area / 1e6,
                counts[n],
                samples[n],
                no_service[n],
                min_samples,
                min_surveyed,
            )
        )
    for region in (r for r in regions if r.geometry is None):
        rows.append(
            {
                **_identity(region),
                "area_km2": None,
                "surveyed_share": 0.0,
                **{f"{c}_share": 0.0 for c in ("strong", "weak", "none", "doubtful")},
                "samples": 0,
                "no_service_samples": 0,
                "verdict": "insufficient data",
                "note": "no boundary polygon yet",
            }
        )
    table = pd.DataFrame(rows).sort_values("kode", kind="stable").reset_index(drop=True)
    table.insert(2, "operator", operator)
    table.insert(3, "technology", tech)
    return table


def _identity(region: Region) -> dict[str, str]:
    return {
        "kode": region.code,
        "nama": region.name,
        "kode_kec": region.kec_code,
        "nama_kec": region.kec_name,
        "kode_kabkota": region.kab_code,
        "nama_kabkota": region.kab_name,
    }


def _row(
    region: Region,
    area_km2: float,
    count: np.ndarray,
    samples: int,
    no_service: int,
    min_samples: int,
    min_surveyed: float,
) -> dict[str, object]:
    cells = int(count.sum())
    surveyed = int(count[1:].sum())
    shares = {
        name: (float(count[code]) / surveyed if surveyed else 0.0)
        for name, code in CLASS_CODES.items()
        if code
    }
    surveyed_share = surveyed / cells if cells else 0.0
    if samples < min_samples or surveyed_share < min_surveyed or shares["doubtful"] >= 0.5:
        verdict = "insufficient data"
    elif shares["none"] >= 0.5:
        verdict = "none"
    elif shares["none"] + shares["weak"] >= 0.5:
        verdict = "weak"
    else:
        verdict = "strong"
    return {
        **_identity(region),
        "area_km2": round(area_km2, 4),
        "surveyed_share": round(surveyed_share, 4),
        **{f"{k}_share": round(v, 4) for k, v in shares.items()},
        "samples": samples,
        "no_service_samples": no_service,
        "verdict": verdict,
        "note": "" if cells else "smaller than one grid cell",
    }


def _readings_per_region(
    metric: list[shapely.Geometry], readings: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    samples = np.zeros(len(metric), dtype=np.int64)
    no_service = np.zeros(len(metric), dtype=np.int64)
    if readings.empty or not metric:
        return samples, no_service
    tree = shapely.STRtree(metric)
    points = shapely.points(readings["easting"].to_numpy(), readings["northing"].to_numpy())
    point_idx, region_idx = tree.query(points, predicate="within")
    np.add.at(samples, region_idx, 1)
    np.add.at(no_service, region_idx, readings["no_service"].to_numpy()[point_idx].astype(int))
    return samples, no_service


def rollup(verdicts: pd.DataFrame, level: str) -> pd.DataFrame:
    """Villages per verdict and area-weighted class shares per ``kecamatan`` or ``kabkota``."""
    key = {"kecamatan": ("kode_kec", "nama_kec"), "kabkota": ("kode_kabkota", "nama_kabkota")}[
        level
    ]
    table = verdicts.copy()
    area = table["area_km2"].fillna(0.0)
    surveyed_area = area * table["surveyed_share"]
    for name in ("strong", "weak", "none"):
        table[f"{name}_km2"] = surveyed_area * table[f"{name}_share"]
    table["surveyed_km2"] = surveyed_area
    table["area_km2"] = area
    grouped = table.groupby([*key, "operator", "technology"], sort=True)
    out = (
        grouped[["area_km2", "surveyed_km2", "strong_km2", "weak_km2", "none_km2", "samples"]]
        .sum()
        .round(3)
    )
    verdict_counts = table.pivot_table(
        index=[*key, "operator", "technology"],
        columns="verdict",
        values="kode",
        aggfunc="count",
        fill_value=0,
    )
    for verdict in VERDICTS:
        out[f"villages_{verdict.replace(' ', '_')}"] = verdict_counts.get(verdict, 0)
    return out.reset_index()
