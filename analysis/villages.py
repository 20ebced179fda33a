"""Village verdicts: for every village, the share of its area in each class, the readings
inside it, a verdict and its reason in words.

Verdicts, over the village's surveyed area: ``none`` if at least half is no-signal, ``weak``
if at least half is no-signal or weak, else ``strong``. A village without a single reading
inside is ``unsurveyed`` (outside the survey, or only reached by the map from readings
elsewhere): unsurveyed is not blankspot. A village with fewer than ``min_samples`` readings,
less than ``min_surveyed`` of its area surveyed, mostly doubtful cells or no boundary
polygon gets ``insufficient data``. A village inside the grid too small or too narrow to
hold a cell centre is judged on the cells it touches, and ``note`` says so.
"""

from __future__ import annotations

import math

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

VERDICTS = ("strong", "weak", "none", "insufficient data", "unsurveyed")

_NO_POLYGON = "no boundary polygon yet"


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
    """One row per village: official code and name, class shares, readings, verdict, reason.

    ``readings`` has ``easting``, ``northing`` (in the grid's CRS) and ``no_service``.
    """
    assert spec.crs is not None, "the grid needs a CRS"
    with_shape = [i for i, r in enumerate(regions) if r.geometry is not None]
    metric = _to_crs([regions[i].geometry for i in with_shape], spec.crs)
    counts, cells, touched = _cells_per_region(metric, classes, spec)
    samples, no_service, nearest = _readings_per_region(metric, readings)
    cell_km2 = spec.spacing**2 / 1e6
    rows = []
    for n, i in enumerate(with_shape):
        area_km2 = metric[n].area / 1e6
        surveyed, shares = _shares(counts[n], float(cells[n]))
        near = float(nearest[n]) if np.isfinite(nearest[n]) else None
        verdict, reason = _judge(int(samples[n]), surveyed, shares, near, min_samples, min_surveyed)
        rows.append(
            {
                **_identity(regions[i]),
                "area_km2": round(area_km2, 4),
                "surveyed_share": round(surveyed, 4),
                **{f"{k}_share": round(v, 4) for k, v in shares.items()},
                "samples": int(samples[n]),
                "no_service_samples": int(no_service[n]),
                "nearest_reading_km": None if near is None else round(near, 3),
                "verdict": verdict,
                "reason": reason,
                "note": _size_note(area_km2, cell_km2, int(counts[n].sum()), bool(touched[n])),
            }
        )
    rows.extend(_without_polygon(r) for r in regions if r.geometry is None)
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


def _without_polygon(region: Region) -> dict[str, object]:
    return {
        **_identity(region),
        "area_km2": None,
        "surveyed_share": 0.0,
        **{f"{c}_share": 0.0 for c in ("strong", "weak", "none", "doubtful")},
        "samples": 0,
        "no_service_samples": 0,
        "nearest_reading_km": None,
        "verdict": "insufficient data",
        "reason": _NO_POLYGON,
        "note": _NO_POLYGON,
    }


def _shares(count: np.ndarray, cells: float) -> tuple[float, dict[str, float]]:
    """Surveyed share of all ``cells`` of a village, and class shares of its surveyed cells."""
    surveyed = int(count[1:].sum())
    shares = {
        name: (float(count[code]) / surveyed if surveyed else 0.0)
        for name, code in CLASS_CODES.items()
        if code
    }
    return (min(1.0, surveyed / cells) if cells else 0.0), shares


def _judge(
    samples: int,
    surveyed: float,
    share: dict[str, float],
    nearest_km: float | None,
    min_samples: int,
    min_surveyed: float,
) -> tuple[str, str]:
    """The verdict of a village with a polygon, and why, in words."""
    if samples == 0:
        where = (
            "there are no readings at all"
            if nearest_km is None
            else f"the nearest reading is {nearest_km:.1f} km away"
        )
        if surveyed == 0:
            return "unsurveyed", f"outside the survey: {where}"
        return "unsurveyed", (
            f"no reading inside; the map reaches {_pct(surveyed)} of it from readings "
            f"outside ({where})"
        )
    problems = []
    if samples < min_samples:
        problems.append(f"{_count(samples, 'reading')} inside (needs {min_samples})")
    if surveyed < min_surveyed:
        problems.append(f"{_pct(surveyed)} of its area surveyed (needs {_pct(min_surveyed)})")
    if share["doubtful"] >= 0.5:
        problems.append(f"{_pct(share['doubtful'])} of its surveyed area doubtful")
    if problems:
        return "insufficient data", "; ".join(problems)
    poor = share["none"] + share["weak"]
    if share["none"] >= 0.5:
        return "none", f"{_pct(share['none'])} of its surveyed area without usable signal"
    if poor >= 0.5:
        return "weak", f"{_pct(poor)} of its surveyed area weak or without signal"
    return "strong", f"{_pct(poor)} of its surveyed area weak or without signal (under half)"


def _pct(share: float) -> str:
    if 0 < share < 0.005:
        return "under 1 %"
    return f"{share * 100:.0f} %"


def _count(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _size_note(area_km2: float, cell_km2: float, cells: int, touched: bool) -> str:
    """Say when a village is really smaller (or narrower) than one grid cell."""
    if area_km2 < cell_km2:
        size = f"smaller than one grid cell ({area_km2:.4f} km2, a cell is {cell_km2:.4f} km2)"
    elif touched:
        size = "narrower than one grid cell: no cell centre inside"
    else:
        return ""
    return f"{size}; judged on the {_count(cells, 'cell')} it touches" if touched else size


def _cells_per_region(
    metric: list[shapely.Geometry], classes: ClassMap, spec: GridSpec
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells per class of each village (centre rule), all its cells (also those beyond the
    grid, which are unsurveyed) and whether it holds no centre and was judged on the cells
    it touches instead."""
    counts = np.zeros((len(metric), 5), dtype=np.int64)
    touched = np.zeros(len(metric), dtype=bool)
    if not metric:
        return counts, np.zeros(0), touched
    index = rasterize(
        ((g, n) for n, g in enumerate(metric)),
        out_shape=spec.shape,
        transform=spec.transform,
        fill=-1,
        dtype="int32",
    )
    inside = index >= 0
    np.add.at(counts, (index[inside], classes.codes[inside]), 1)
    geoms = np.asarray(metric, dtype=object)
    grid = shapely.box(*spec.bounds)
    within = shapely.within(geoms, grid)
    outside = shapely.area(geoms)
    crossing = ~within & shapely.intersects(geoms, grid)
    outside[within] = 0.0
    outside[crossing] = shapely.area(shapely.difference(geoms[crossing], grid))
    for n in np.flatnonzero(within & (counts.sum(axis=1) == 0)):
        counts[n] = _touched_cells(metric[n], classes.codes, spec)
        touched[n] = True
    cells = counts.sum(axis=1) + outside / spec.spacing**2
    return counts, cells, touched


def _touched_cells(polygon: shapely.Geometry, codes: np.ndarray, spec: GridSpec) -> np.ndarray:
    """Cells per class of the grid cells that share area with ``polygon``."""
    west, south, east, north = polygon.bounds
    col0, col1 = (math.floor((x - spec.west) / spec.spacing) for x in (west, east))
    row0, row1 = (math.floor((spec.north - y) / spec.spacing) for y in (north, south))
    rows, cols = np.mgrid[
        max(row0, 0) : min(row1, spec.height - 1) + 1, max(col0, 0) : min(col1, spec.width - 1) + 1
    ]
    rows, cols = rows.ravel(), cols.ravel()
    x0 = spec.west + cols * spec.spacing
    y0 = spec.north - (rows + 1) * spec.spacing
    boxes = shapely.box(x0, y0, x0 + spec.spacing, y0 + spec.spacing)
    hit = shapely.area(shapely.intersection(boxes, polygon)) > 0
    return np.bincount(codes[rows[hit], cols[hit]], minlength=5)[:5]


def _readings_per_region(
    metric: list[shapely.Geometry], readings: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Readings and no-service readings inside each village, and the distance (km) from the
    village to the nearest reading (0 inside, infinite without readings)."""
    samples = np.zeros(len(metric), dtype=np.int64)
    no_service = np.zeros(len(metric), dtype=np.int64)
    nearest = np.full(len(metric), np.inf)
    if readings.empty or not metric:
        return samples, no_service, nearest
    tree = shapely.STRtree(metric)
    points = shapely.points(readings["easting"].to_numpy(), readings["northing"].to_numpy())
    # A reading on a border belongs to both villages: "no reading inside" stays true.
    point_idx, region_idx = tree.query(points, predicate="intersects")
    np.add.at(samples, region_idx, 1)
    np.add.at(no_service, region_idx, readings["no_service"].to_numpy()[point_idx].astype(int))
    # Readings repeat positions (drive-test loggers): the distinct points are enough.
    unique = shapely.STRtree(shapely.points(np.unique(shapely.get_coordinates(points), axis=0)))
    (which, _), distance = unique.query_nearest(metric, return_distance=True, all_matches=False)
    nearest[which] = distance / 1000.0
    return samples, no_service, nearest


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
