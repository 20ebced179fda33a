"""Change between two releases of one operator and technology.

:func:`compare_products` takes the files of the same product in an older and a newer release
and the village verdicts of each, and writes into a folder:

- ``village_changes.csv`` (+ ``.json`` sidecar): every village's old and new verdict, its
  readings in each, and the kind of change (:data:`KINDS`);
- ``signal_change.tif``: the newer coverage minus the older one resampled onto the newer grid
  (bilinear), in dB, only where both are surveyed (NaN elsewhere), as a COG;
- ``signal_change.png``: that raster on a diverging colour scale (:data:`SCALE`) for maps;
- ``blankspot_change.geojson``: blankspot area gained and lost (polygon differences computed
  in the UTM zone of the data), each part with its ``change`` and ``area_km2``;
- ``villages_changed.geojson``: the outlines of the villages whose verdict changed;
- ``changes.json``: the summary. :func:`load_changes` reads the folder back.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rasterio
import shapely
from PIL import Image
from rasterio.warp import Resampling, reproject
from shapely.geometry import shape

from analysis.export.geojson import feature_collection, to_wgs84, write_geojson
from analysis.export.geotiff import _write_cog
from analysis.export.table import PRODUCT_DOCS, write_csv_with_metadata
from analysis.project import to_metric, utm_crs

__all__ = [
    "FILES",
    "KINDS",
    "SCALE",
    "Changes",
    "ProductFiles",
    "SignalSummary",
    "change_kind",
    "compare_products",
    "load_changes",
    "read_verdicts",
    "village_changes",
]

KINDS = (
    "new_blankspot",
    "resolved",
    "improved",
    "worse",
    "newly_surveyed",
    "no_longer_surveyed",
    "unchanged",
)
"""Kinds of village change, most important first."""

SURVEYED = ("strong", "weak", "none")
"""Verdicts that say something about the signal (not unsurveyed, not insufficient data)."""

THRESHOLD_DB = 3.0
"""A cell is better (worse) when its signal rose (fell) by more than this."""

SCALE = (
    (-20.0, (178, 24, 43)),
    (-10.0, (239, 138, 98)),
    (-3.0, (253, 219, 199)),
    (0.0, (247, 247, 247)),
    (3.0, (209, 229, 240)),
    (10.0, (103, 169, 207)),
    (20.0, (33, 102, 172)),
)
"""Diverging colour scale of the signal difference (dB, ColorBrewer RdBu): red worse, blue
better; values beyond the ends take the end colours."""

FILES = {
    "csv": "village_changes.csv",
    "geojson": "blankspot_change.geojson",
    "tif": "signal_change.tif",
    "png": "signal_change.png",
    "villages": "villages_changed.geojson",
    "summary": "changes.json",
}

VERDICT_COLUMNS = ("kode", "nama", "nama_kec", "nama_kabkota", "verdict", "samples")
"""What a verdict table needs: the columns of a product's ``villages.csv``."""

_SLIVER_KM2 = 1e-6  # parts under 1 m² are rounding noise of the polygon coordinates

CHANGE_DOCS = {
    **{k: PRODUCT_DOCS[k] for k in ("kode", "nama", "nama_kec", "nama_kabkota")},
    "operator": PRODUCT_DOCS["operator"],
    "technology": PRODUCT_DOCS["technology"],
    "old_verdict": ("verdict in the older release (empty: village not in it)", None),
    "new_verdict": ("verdict in the newer release (empty: village not in it)", None),
    "change": (
        "new_blankspot, resolved, improved, worse, newly_surveyed, no_longer_surveyed or unchanged",
        None,
    ),
    "old_readings": ("readings inside the village in the older release", "count"),
    "new_readings": ("readings inside the village in the newer release", "count"),
}


@dataclass(frozen=True, slots=True)
class ProductFiles:
    """The files of one product that a comparison reads; a missing one is ``None``."""

    coverage: Path | None  # coverage_wgs84.tif
    blankspots: Path | None  # blankspots.geojson
    villages: Path | None  # villages.geojson (outlines of the changed villages)

    @classmethod
    def in_folder(cls, folder: str | Path) -> ProductFiles:
        """The files of a product folder written by :func:`analysis.products.build_products`."""
        folder = Path(folder)

        def present(name: str) -> Path | None:
            return folder / name if (folder / name).is_file() else None

        return cls(
            present("coverage_wgs84.tif"),
            present("blankspots.geojson"),
            present("villages.geojson"),
        )


@dataclass(frozen=True, slots=True)
class SignalSummary:
    """The signal difference (newer minus older, dB) over the cells surveyed in both."""

    cells: int
    mean_db: float | None
    median_db: float | None
    better_share: float | None  # share of the cells better by more than THRESHOLD_DB
    worse_share: float | None  # share of the cells worse by more than THRESHOLD_DB
    threshold_db: float = THRESHOLD_DB


@dataclass(frozen=True, slots=True)
class Changes:
    """Everything that changed between two releases of one product, and where it is stored."""

    operator: str
    tech: str
    old_label: str
    new_label: str
    villages: pd.DataFrame  # one row per village, columns of CHANGE_DOCS
    signal: SignalSummary | None  # None: a release has no coverage raster
    gained_km2: float
    lost_km2: float
    blankspots: dict[str, Any]  # FeatureCollection of gained and lost parts
    changed_villages: dict[str, Any]  # FeatureCollection of the changed villages' outlines
    overlay_bounds: tuple[float, float, float, float] | None  # west, south, east, north
    folder: Path

    @property
    def kinds(self) -> dict[str, int]:
        """Villages per kind of change, every kind present (0 when none)."""
        counts = self.villages["change"].value_counts()
        return {kind: int(counts.get(kind, 0)) for kind in KINDS}

    @property
    def changed(self) -> pd.DataFrame:
        """The villages whose verdict changed."""
        return self.villages[self.villages["change"] != "unchanged"]

    def path(self, kind: str) -> Path | None:
        """The stored file of ``kind`` (a key of :data:`FILES`), if it was written."""
        path = self.folder / FILES[kind]
        return path if path.is_file() else None

    def summary(self) -> dict[str, Any]:
        """The JSON-ready summary (also stored as ``changes.json``)."""
        signal = None if self.signal is None else _signal_doc(self.signal)
        return {
            "operator": self.operator,
            "technology": self.tech,
            "old": self.old_label,
            "new": self.new_label,
            "villages": self.kinds,
            "blankspot_km2": {"gained": self.gained_km2, "lost": self.lost_km2},
            "signal": signal,
            "overlay_bounds": None if self.overlay_bounds is None else list(self.overlay_bounds),
        }


def change_kind(old: str | None, new: str | None) -> str:
    """The kind of change from verdict ``old`` to ``new`` (``None``: not in that release)."""
    was, now = old in SURVEYED, new in SURVEYED
    if not was or not now:
        if was == now:
            return "unchanged"
        return "newly_surveyed" if now else "no_longer_surveyed"
    if old == new:
        return "unchanged"
    if new == "none":
        return "new_blankspot"
    if old == "none":
        return "resolved"
    return "improved" if new == "strong" else "worse"


def read_verdicts(path: str | Path) -> pd.DataFrame:
    """A product's ``villages.csv`` as a verdict table for :func:`village_changes`."""
    text = {c: str for c in ("kode", "nama", "nama_kec", "nama_kabkota", "verdict")}
    return pd.read_csv(path, dtype=text, keep_default_na=False)[list(VERDICT_COLUMNS)]


def village_changes(old: pd.DataFrame, new: pd.DataFrame, operator: str, tech: str) -> pd.DataFrame:
    """One row per village of either table (columns :data:`VERDICT_COLUMNS`), with its old and
    new verdict and readings and the kind of change; most important changes first."""
    for table in (old, new):
        missing = set(VERDICT_COLUMNS) - set(table.columns)
        if missing:
            raise KeyError(f"verdict table without {', '.join(sorted(missing))}")
    names = ["kode", "nama", "nama_kec", "nama_kabkota"]
    both = pd.merge(
        old[list(VERDICT_COLUMNS)],
        new[list(VERDICT_COLUMNS)],
        on="kode",
        how="outer",
        suffixes=("_old", "_new"),
    )
    out = pd.DataFrame({"kode": both["kode"].astype(str)})
    for name in names[1:]:
        out[name] = both[f"{name}_new"].fillna(both[f"{name}_old"]).fillna("").astype(str)
    out["operator"], out["technology"] = operator, tech
    out["old_verdict"] = both["verdict_old"].fillna("").astype(str)
    out["new_verdict"] = both["verdict_new"].fillna("").astype(str)
    out["change"] = [
        change_kind(o or None, n or None)
        for o, n in zip(out["old_verdict"], out["new_verdict"], strict=True)
    ]
    out["old_readings"] = both["samples_old"].fillna(0).astype(int)
    out["new_readings"] = both["samples_new"].fillna(0).astype(int)
    rank = out["change"].map({k: i for i, k in enumerate(KINDS)})
    order = np.lexsort((out["kode"].to_numpy(), rank.to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def signal_difference(old: Path, new: Path) -> tuple[np.ndarray, Any, Any]:
    """(newer minus older signal in dB, transform, CRS) on the newer grid; NaN where either
    is unsurveyed. Band 1 of each coverage GeoTIFF is the signal, NaN where unsurveyed."""
    with rasterio.open(new) as src:
        newer = src.read(1).astype(np.float32)
        transform, crs = src.transform, src.crs
    older = np.full(newer.shape, np.nan, dtype=np.float32)
    with rasterio.open(old) as src:
        reproject(
            rasterio.band(src, 1),
            older,
            src_nodata=np.nan,
            dst_transform=transform,
            dst_crs=crs,
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    return (newer - older).astype(np.float32), transform, crs


def summarise_signal(diff: np.ndarray, threshold_db: float = THRESHOLD_DB) -> SignalSummary:
    """Cells compared, mean and median difference, shares better and worse."""
    values = diff[np.isfinite(diff)]
    if values.size == 0:
        return SignalSummary(0, None, None, None, None, threshold_db)
    return SignalSummary(
        int(values.size),
        round(float(values.mean()), 2),
        round(float(np.median(values)), 2),
        round(float((values > threshold_db).mean()), 4),
        round(float((values < -threshold_db).mean()), 4),
        threshold_db,
    )


def overlay_png(diff: np.ndarray, path: Path) -> Path:
    """RGBA image of the difference on :data:`SCALE`, transparent where not compared and
    faint within :data:`THRESHOLD_DB` of no change."""
    stops = np.array([v for v, _ in SCALE])
    rgb = np.array([c for _, c in SCALE], dtype=float)
    finite = np.isfinite(diff)
    values = np.where(finite, diff, 0.0)
    image = np.zeros((*diff.shape, 4), dtype=np.uint8)
    for channel in range(3):
        image[..., channel] = np.round(np.interp(values, stops, rgb[:, channel]))
    # cells within the threshold stay faint, so the map draws the eye to real change
    image[..., 3] = np.where(finite, np.where(np.abs(values) > THRESHOLD_DB, 220, 110), 0)
    Image.fromarray(image, "RGBA").save(path)
    return path


def _bounds(transform: Any, shape_: tuple[int, ...]) -> tuple[float, float, float, float]:
    height, width = shape_
    west, north = transform.c, transform.f
    return west, north + transform.e * height, west + transform.a * width, north


def _polygons(path: Path | None) -> list[shapely.Geometry]:
    if path is None:
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [shape(f["geometry"]) for f in data.get("features", []) if f.get("geometry")]


def _to_metric(geometry: shapely.Geometry, crs: Any) -> shapely.Geometry:
    return shapely.transform(
        geometry, lambda xy: np.column_stack(to_metric(xy[:, 0], xy[:, 1], crs))
    )


def blankspot_changes(
    old: Path | None, new: Path | None, context: dict[str, str]
) -> tuple[float, float, dict[str, Any]]:
    """(km² gained, km² lost, FeatureCollection of the parts) between two blankspot files."""
    before, after = _polygons(old), _polygons(new)
    everything = before + after
    if not everything:
        return 0.0, 0.0, feature_collection([], "blankspot change")
    centre = shapely.union_all(everything).centroid
    crs = utm_crs(centre.x, centre.y)
    old_m = _to_metric(shapely.union_all(before), crs) if before else shapely.Polygon()
    new_m = _to_metric(shapely.union_all(after), crs) if after else shapely.Polygon()
    items: list[tuple[shapely.Geometry, dict[str, Any]]] = []
    totals = {}
    for change, part in (("gained", new_m.difference(old_m)), ("lost", old_m.difference(new_m))):
        kept = [p for p in shapely.get_parts(part) if p.area / 1e6 >= _SLIVER_KM2]
        totals[change] = round(sum(p.area for p in kept) / 1e6, 4)
        for piece in sorted(kept, key=lambda p: -p.area):
            area = round(piece.area / 1e6, 4)
            items.append((to_wgs84(piece, crs), {"change": change, "area_km2": area, **context}))
    return totals["gained"], totals["lost"], feature_collection(items, "blankspot change")


def _changed_outlines(path: Path | None, changed: pd.DataFrame) -> dict[str, Any]:
    """Outlines (simplified to ~10 m) of the changed villages, with their verdicts."""
    rows = {r["kode"]: r for r in changed.to_dict("records")}
    items = []
    if path is not None and rows:
        data = json.loads(path.read_text(encoding="utf-8"))
        for feature in data.get("features", []):
            row = rows.get(str(feature["properties"].get("kode")))
            if row is None or not feature.get("geometry"):
                continue
            outline = shapely.simplify(shape(feature["geometry"]), 0.0001, preserve_topology=True)
            keys = ("kode", "nama", "old_verdict", "new_verdict", "change")
            items.append((outline, {k: row[k] for k in keys}))
    return feature_collection(items, "changed villages")


def compare_products(
    old: ProductFiles,
    new: ProductFiles,
    old_verdicts: pd.DataFrame,
    new_verdicts: pd.DataFrame,
    out: str | Path,
    operator: str,
    tech: str,
    old_label: str = "old",
    new_label: str = "new",
    source: str = "PetaSinyal field survey",
) -> Changes:
    """Compare the older product ``old`` with the newer ``new`` and write :data:`FILES` into
    ``out`` (see the module docstring); the labels name the releases in tags and titles."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    context = {"operator": operator, "technology": tech}
    villages = village_changes(old_verdicts, new_verdicts, operator, tech)
    write_csv_with_metadata(
        villages,
        out / FILES["csv"],
        f"Village verdict changes {operator} {tech}: {old_label} to {new_label}",
        source,
        docs=CHANGE_DOCS,
    )
    signal, bounds = None, None
    if old.coverage is not None and new.coverage is not None:
        diff, transform, crs = signal_difference(old.coverage, new.coverage)
        signal = summarise_signal(diff)
        tags = {
            **context,
            "old_release": old_label,
            "new_release": new_label,
            "units": "dB",
            "description": f"signal of {new_label} minus {old_label} where both are surveyed",
            "summary": json.dumps(_signal_doc(signal)),
        }
        _write_cog(
            out / FILES["tif"], diff[None], crs, transform, np.nan, ("signal_change_db",), tags
        )
        overlay_png(diff, out / FILES["png"])
        bounds = _bounds(transform, diff.shape)
    gained, lost, parts = blankspot_changes(old.blankspots, new.blankspots, context)
    write_geojson(parts, out / FILES["geojson"])
    changed = villages[villages["change"] != "unchanged"]
    outlines = _changed_outlines(new.villages or old.villages, changed)
    write_geojson(outlines, out / FILES["villages"])
    changes = Changes(
        operator,
        tech,
        old_label,
        new_label,
        villages,
        signal,
        gained,
        lost,
        parts,
        outlines,
        bounds,
        out,
    )
    summary = out / FILES["summary"]
    part = summary.with_name(summary.name + ".part")
    part.write_text(json.dumps(changes.summary(), indent=2), encoding="utf-8")
    part.replace(summary)
    return changes


def load_changes(folder: str | Path) -> Changes:
    """The :class:`Changes` stored in ``folder`` by :func:`compare_products`."""
    folder = Path(folder)
    summary = json.loads((folder / FILES["summary"]).read_text(encoding="utf-8"))
    text = {c: str for c in CHANGE_DOCS if not c.endswith("_readings")}
    villages = pd.read_csv(folder / FILES["csv"], dtype=text, keep_default_na=False)
    signal = summary["signal"]
    bounds = summary["overlay_bounds"]
    return Changes(
        summary["operator"],
        summary["technology"],
        summary["old"],
        summary["new"],
        villages,
        None if signal is None else SignalSummary(**signal),
        float(summary["blankspot_km2"]["gained"]),
        float(summary["blankspot_km2"]["lost"]),
        json.loads((folder / FILES["geojson"]).read_text(encoding="utf-8")),
        json.loads((folder / FILES["villages"]).read_text(encoding="utf-8")),
        None if bounds is None else (bounds[0], bounds[1], bounds[2], bounds[3]),
        folder,
    )


def _signal_doc(signal: SignalSummary) -> dict[str, Any]:
    doc = {
        "cells": signal.cells,
        "mean_db": signal.mean_db,
        "median_db": signal.median_db,
        "better_share": signal.better_share,
        "worse_share": signal.worse_share,
        "threshold_db": signal.threshold_db,
    }
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in doc.items()
    }
