"""All blankspot products of one operator and technology, from readings to files.

``build_products`` writes into a folder: coverage and class COGs (metric CRS and WGS84),
GeoJSON of blankspots (and of doubtful ones), hexagons and village verdicts, a KMZ, CSVs with
metadata sidecars, an offline web map, a PNG preview, printable maps (``peta_A4.pdf``,
``peta_A3.pdf``), evidence sheets of the villages with weak or no signal (``bukti_desa.pdf``)
and ``report.json`` (inputs, counts, method, CV table, blankspot area and evidence rule,
villages per verdict, timings). Every map draws the same basemap of boundaries with names.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import Polygon

from analysis.basemap import Basemap, basemap_for
from analysis.blankspots import Blankspot, EvidenceRule, find_blankspots
from analysis.boundaries import Region
from analysis.classes import DEFAULT_THRESHOLDS, Thresholds
from analysis.classmap import classify_coverage
from analysis.coverage import build_coverage
from analysis.export.accuracy import accuracy_texts
from analysis.export.geojson import feature_collection, to_wgs84, write_geojson
from analysis.export.geotiff import write_class_geotiff, write_coverage_geotiff
from analysis.export.kmz import class_overlay_png, write_kmz
from analysis.export.mapdraw import MapInfo, class_raster
from analysis.export.preview import write_preview_png
from analysis.export.table import (
    BLANKSPOT_DOCS,
    RECORD_DOCS,
    write_csv_with_metadata,
    write_sidecar,
)
from analysis.export.webmap import write_webmap
from analysis.hexagons import hexagon_boundary, hexagon_table
from analysis.io_csv import to_csv_text
from analysis.operators import operator_name
from analysis.prepare import prepare_samples, reading_points, select
from analysis.printmap import PAPERS, write_printmap, write_village_sheets
from analysis.schema import CLASS_METRIC, NUMERIC_RANGES
from analysis.villages import VERDICTS, rollup, village_verdicts

__all__ = ["build_products"]

# Typical share of the work done after each step (demo survey), for progress bars.
_STEP_SHARE = {
    "prepare_s": 0.05,
    "coverage_s": 0.55,
    "analysis_s": 0.65,
    "geotiff_s": 0.7,
    "vector_s": 0.8,
    "maps_s": 0.9,
    "print_s": 1.0,
}


def build_products(
    frame: pd.DataFrame,
    operator: str,
    tech: str,
    out: str | Path,
    regions: list[Region] | None = None,
    method: str = "auto",
    spacing: float = 50.0,
    max_distance: float = 750.0,
    min_area_km2: float = 0.05,
    evidence: EvidenceRule | None = None,
    hex_resolution: int = 8,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    language: str = "id",
    executor: Any = None,
    source: str = "PetaSinyal field survey",
    progress: Callable[[str, float], None] | None = None,
    area: str = "",
    made: dt.date | None = None,
) -> dict[str, Any]:
    """Build every product for ``operator`` and ``tech`` into ``out``; return the report.

    ``evidence`` is what a ``none`` area needs to be a blankspot (default
    :class:`~analysis.blankspots.EvidenceRule`); without it the area is doubtful.
    ``progress(step, share)`` is called after each step with the share of the work done.
    ``area`` names the area on the maps (default: the kabupaten/kota the boundaries give);
    ``made`` is the date printed on them (default: today, WIB).
    """
    evidence = evidence or EvidenceRule()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now
        if progress is not None:
            progress(name, _STEP_SHARE[name])

    chosen = select(frame, operator, tech)
    if chosen.empty:
        raise ValueError(f"no {tech} readings of operator {operator}")
    samples = prepare_samples(chosen, tech, by_drive=True)
    crs = samples.crs
    assert crs is not None
    readings = reading_points(chosen, tech, crs)
    lap("prepare_s")
    coverage = build_coverage(
        samples,
        method=method,
        spacing=spacing,
        max_distance=max_distance,
        executor=executor,
        clip=NUMERIC_RANGES[CLASS_METRIC[tech]],
        # Each drive's readings reduced apart: no left-out drive is seen in another's blocks.
        cv_samples=prepare_samples(chosen, tech, crs=crs, by_drive=True, split_drives=True),
    )
    lap("coverage_s")
    classes = classify_coverage(coverage, tech, thresholds)
    spots, classes = find_blankspots(
        classes, coverage.spec, readings, min_area_km2, evidence, thresholds
    )
    blankspots = [s for s in spots if s.status == "blankspot"]
    doubtful = [s for s in spots if s.status != "blankspot"]
    verdicts = (
        village_verdicts(regions, classes, coverage.spec, readings, operator, tech)
        if regions
        else None
    )
    hexagons = hexagon_table(readings, tech, hex_resolution, thresholds=thresholds)
    lap("analysis_s")

    times = pd.to_datetime(chosen["observed_at"], utc=True)
    first_day, last_day = times.min().date(), times.max().date()
    tags = {
        "operator": operator,
        "technology": tech,
        "first_day": first_day,
        "last_day": last_day,
        "source": source,
    }
    write_coverage_geotiff(coverage, out / "coverage_utm.tif", tags)
    write_coverage_geotiff(coverage, out / "coverage_wgs84.tif", tags, wgs84=True)
    write_class_geotiff(classes, coverage, out / "classes_utm.tif", tags)
    write_class_geotiff(classes, coverage, out / "classes_wgs84.tif", tags, wgs84=True)
    lap("geotiff_s")

    context = {"operator": operator, "technology": tech}
    blank_items = _spot_items(blankspots, "B", crs, context)
    blank_fc = feature_collection(blank_items, "blankspots")
    write_geojson(blank_fc, out / "blankspots.geojson")
    doubt_items = _spot_items(doubtful, "D", crs, context)
    doubt_fc = feature_collection(doubt_items, "doubtful blankspots")
    write_geojson(doubt_fc, out / "blankspots_doubtful.geojson")
    write_csv_with_metadata(
        _spot_table(blank_items + doubt_items),
        out / "blankspots.csv",
        f"Blankspots and doubtful blankspots {operator} {tech}",
        source,
        extra={"evidence_rule": _rule_doc(evidence)},
        docs=BLANKSPOT_DOCS,
    )
    hex_items = [
        (_polygon(hexagon_boundary(row["h3"])), {**row, **context}) for row in _records(hexagons)
    ]
    hex_fc = feature_collection(hex_items, "hexagons")
    write_geojson(hex_fc, out / "hexagons.geojson")
    village_fc = None
    if verdicts is not None:
        by_code = {r.code: r.geometry for r in regions or [] if r.geometry is not None}
        village_items = [
            (by_code[row["kode"]], row) for row in _records(verdicts) if row["kode"] in by_code
        ]
        write_geojson(
            feature_collection(village_items, "village verdicts"), out / "villages.geojson"
        )
        # The web map draws the villages the survey reached, simplified (~10 m); the GeoJSON
        # product keeps every village and every vertex.
        reached = [
            (shapely.simplify(g, 0.0001, preserve_topology=True), p)
            for g, p in village_items
            if p["surveyed_share"] > 0 or p["samples"] > 0
        ]
        village_fc = feature_collection(reached, "village verdicts")
        write_csv_with_metadata(
            verdicts,
            out / "villages.csv",
            f"Village signal verdicts {operator} {tech}",
            source,
            extra={"thresholds": _threshold_doc(thresholds, tech)},
        )
        for level in ("kecamatan", "kabkota"):
            write_csv_with_metadata(
                rollup(verdicts, level),
                out / f"villages_{level}.csv",
                f"Villages per verdict by {level} {operator} {tech}",
                source,
            )
    measurements = chosen.reset_index(drop=True)
    (out / "measurements.csv").write_text(to_csv_text(measurements), encoding="utf-8")
    write_sidecar(
        measurements,
        out / "measurements.csv",
        "Readings used for these maps",
        source,
        docs=RECORD_DOCS,
    )
    lap("vector_s")

    overlay = out / "classes_overlay.png"
    bounds = class_overlay_png(classes, coverage, overlay)
    basemap = basemap_for(regions, _padded(bounds))
    best = next(r for r in coverage.cv if r.method == coverage.method)
    info = MapInfo(
        operator,
        operator_name(operator),
        tech,
        area or _surveyed_area(verdicts) or basemap.area_name(),
        first_day,
        last_day,
        coverage.method,
        best.rmse,
        len(readings),
        source,
        made or pd.Timestamp.now(tz="Asia/Jakarta").date(),
        coverage.errors()["lodo_rmse_db"],
    )
    write_webmap(
        out / "map.html",
        overlay,
        bounds,
        blank_fc,
        doubt_fc,
        hex_fc,
        village_fc,
        readings,
        info,
        language,
        basemap=basemap,
        accuracy=accuracy_texts(coverage.errors()).get(language, ""),
    )
    write_kmz(
        out / "products.kmz",
        classes,
        coverage,
        blank_items,
        readings,
        info.title(language),
        language,
        doubtful=doubt_items,
        basemap=basemap,
    )
    write_preview_png(
        classes,
        coverage,
        [g for g, _ in blank_items],
        out / "preview.png",
        info.title(language),
        _subtitle(info, language),
        language,
        basemap=basemap,
    )
    lap("maps_s")
    _print(
        out, info, classes, coverage, blank_items, basemap, verdicts, regions, readings, language
    )
    lap("print_s")

    report: dict[str, Any] = {
        "operator": operator,
        "technology": tech,
        "inputs": {
            "readings": len(chosen),
            "no_service_readings": int((chosen["tech"] == "NONE").sum()),
            "samples_after_block_median": len(samples),
            "first_day": str(tags["first_day"]),
            "last_day": str(tags["last_day"]),
            "crs": crs.to_string(),
        },
        "grid": {
            "spacing_m": spacing,
            "width": coverage.spec.width,
            "height": coverage.spec.height,
            "max_distance_m": max_distance,
            "surveyed_share": round(float(coverage.surveyed.mean()), 4),
        },
        "method": coverage.method,
        "method_chosen_by": coverage.selected_by,
        "errors": {**coverage.errors(), "in_words": accuracy_texts(coverage.errors())},
        "cross_validation": coverage.cv_table(),
        "class_share": {k: round(v, 4) for k, v in classes.share().items()},
        "blankspots": {
            "count": len(blankspots),
            "area_km2": round(sum(b.area_km2 for b in blankspots), 3),
            "doubtful_count": len(doubtful),
            "doubtful_area_km2": round(sum(b.area_km2 for b in doubtful), 3),
            "evidence_rule": _rule_doc(evidence),
        },
        "villages": (
            None
            if verdicts is None
            else {v: int((verdicts["verdict"] == v).sum()) for v in VERDICTS}
        ),
        "hexagons": len(hexagons),
        "timings_s": timings,
    }
    timings["total_s"] = round(sum(timings.values()), 3)
    (out / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


def _padded(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """``bounds`` grown by a tenth on each side, the basemap's box (maps keep some context)."""
    west, south, east, north = bounds
    dx, dy = (east - west) * 0.1, (north - south) * 0.1
    return west - dx, south - dy, east + dx, north + dy


def _surveyed_area(verdicts: pd.DataFrame | None) -> str:
    """The kabupaten/kota holding at least a fifth of the readings, most readings first."""
    if verdicts is None or not verdicts["samples"].sum():
        return ""
    per = verdicts.groupby("nama_kabkota")["samples"].sum().sort_values(ascending=False)
    names = [str(n) for n, count in per.items() if n and count >= 0.2 * per.sum()]
    return ", ".join(names[:3])


def _subtitle(info: MapInfo, language: str) -> str:
    readings = "titik ukur" if language == "id" else "readings"
    return (
        f"{info.period(language)} · {info.method}, RMSE {info.rmse_db:.1f} dB · "
        f"{info.readings} {readings}"
    )


def _print(
    out: Path,
    info: MapInfo,
    classes: Any,
    coverage: Any,
    blank_items: list[tuple[shapely.Geometry, dict[str, Any]]],
    basemap: Basemap,
    verdicts: pd.DataFrame | None,
    regions: list[Region] | None,
    readings: pd.DataFrame,
    language: str,
) -> None:
    """The printable maps (A4 and A3 landscape) and the village evidence sheets."""
    codes, extent = class_raster(classes, coverage)
    for paper in PAPERS:
        write_printmap(
            out / f"peta_{paper}.pdf",
            paper,
            info,
            codes,
            extent,
            [g for g, _ in blank_items],
            classes.share(),
            basemap,
            language,
        )
    if verdicts is not None and regions:
        write_village_sheets(
            out / "bukti_desa.pdf",
            info,
            verdicts,
            regions,
            readings,
            codes,
            extent,
            basemap,
            language,
        )


def _spot_items(
    spots: list[Blankspot], prefix: str, crs: Any, context: dict[str, str]
) -> list[tuple[shapely.Geometry, dict[str, Any]]]:
    """(WGS84 geometry, properties with an id such as ``B1``) of each area."""
    return [
        (to_wgs84(s.geometry, crs), {"id": f"{prefix}{n}", **s.properties(**context)})
        for n, s in enumerate(spots, start=1)
    ]


def _spot_table(items: list[tuple[shapely.Geometry, dict[str, Any]]]) -> pd.DataFrame:
    """One row per area with its evidence and a point inside it (WGS84)."""
    rows = []
    for geometry, props in items:
        inside = shapely.point_on_surface(geometry)
        rows.append({**props, "lat": round(inside.y, 6), "lon": round(inside.x, 6)})
    columns = ["id", *Blankspot.PROPERTIES, "operator", "technology", "lat", "lon"]
    return pd.DataFrame(rows, columns=columns)


def _rule_doc(rule: EvidenceRule) -> dict[str, float]:
    return {
        "min_no_signal_samples": rule.min_samples,
        "min_fixes": rule.min_fixes,
        "fix_grid_m": rule.fix_m,
    }


def _polygon(ring: list[tuple[float, float]]) -> Polygon:
    return Polygon(ring)


def _threshold_doc(thresholds: Thresholds, tech: str) -> dict[str, Any]:
    limit = thresholds.by_tech[tech]
    return {
        "metric": limit.metric,
        "strong_at_or_above": limit.strong,
        "weak_at_or_above": limit.weak,
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]
