"""Blankspot polygons: the ``none`` class polygonised, each with the evidence inside it.

A ``none`` area is a *blankspot* only when enough readings inside it saw no usable signal
(no service, or below the technology's weak threshold) at enough distinct fixes
(:class:`EvidenceRule`). Otherwise it is *doubtful*: it is listed as such, and its cells
become doubtful in the class map, so a single no-service reading never paints a disc red.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import shapely
from rasterio.features import rasterize, shapes
from shapely.geometry import shape

from analysis.classes import DEFAULT_THRESHOLDS, Thresholds
from analysis.classmap import CLASS_CODES, ClassMap
from analysis.grid import GridSpec

__all__ = ["STATUSES", "Blankspot", "EvidenceRule", "find_blankspots"]

STATUSES = ("blankspot", "doubtful")


@dataclass(frozen=True, slots=True)
class EvidenceRule:
    """How much evidence a ``none`` area needs to be called a blankspot.

    Parameters
    ----------
    min_samples : readings without usable signal inside the area.
    min_fixes : distinct fixes among those readings. Positions are counted on a ``fix_m``
        grid, so a logger repeating one GPS position, or a phone standing still, counts once.
    """

    min_samples: int = 5
    min_fixes: int = 3
    fix_m: float = 10.0

    def __post_init__(self) -> None:
        for name in ("min_samples", "min_fixes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
        if not (isinstance(self.fix_m, int | float) and math.isfinite(self.fix_m)):
            raise ValueError(f"fix_m must be a finite distance in metres, not {self.fix_m!r}")
        if self.fix_m <= 0:
            raise ValueError(f"fix_m must be positive, not {self.fix_m!r}")

    def judge(self, samples: int, fixes: int) -> tuple[str, str]:
        """Status (``blankspot`` or ``doubtful``) and its reason in words."""
        seen = f"{_plural(samples, 'reading')} without usable signal at {_plural(fixes, 'fix')}"
        if samples >= self.min_samples and fixes >= self.min_fixes:
            return "blankspot", seen
        need = f"{_plural(self.min_samples, 'reading')} at {_plural(self.min_fixes, 'fix')}"
        return "doubtful", f"too little evidence: {seen} (a blankspot needs {need})"


def _plural(count: int, word: str) -> str:
    ending = "es" if word.endswith("x") else "s"
    return f"{count} {word}" if count == 1 else f"{count} {word}{ending}"


@dataclass(slots=True)
class Blankspot:
    """One ``none`` area: its polygon (metric CRS), its status and the readings inside.

    ``samples`` counts every reading inside; ``no_signal_samples`` those without usable
    signal, of which ``no_service_samples`` had no service at all; ``fixes``, ``days`` and
    the dates describe the readings without usable signal.
    """

    geometry: shapely.Geometry
    area_km2: float
    status: str
    reason: str
    samples: int
    no_signal_samples: int
    no_service_samples: int
    fixes: int
    days: int
    first_seen: str | None
    last_seen: str | None
    median_dbm: float | None
    no_service_share: float | None

    PROPERTIES: ClassVar[tuple[str, ...]] = (
        "status",
        "reason",
        "area_km2",
        "samples",
        "no_signal_samples",
        "no_service_samples",
        "fixes",
        "days",
        "first_seen",
        "last_seen",
        "median_dbm",
        "no_service_share",
    )
    """What :meth:`properties` holds, in order (the columns of ``blankspots.csv``)."""

    def properties(self, **extra: Any) -> dict[str, Any]:
        """The evidence as GeoJSON/KMZ/CSV properties."""
        props = {name: getattr(self, name) for name in self.PROPERTIES}
        props["area_km2"] = round(self.area_km2, 4)
        return {**props, **extra}


def find_blankspots(
    classes: ClassMap,
    spec: GridSpec,
    readings: pd.DataFrame,
    min_area_km2: float = 0.05,
    rule: EvidenceRule | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> tuple[list[Blankspot], ClassMap]:
    """Every ``none`` area of at least ``min_area_km2`` with its evidence (blankspots first,
    largest first), and the class map where areas without enough evidence are doubtful.

    ``readings`` has ``easting``, ``northing`` (in the grid's CRS), ``value``, ``no_service``
    and ``observed_at`` (see :func:`analysis.prepare.reading_points`). Holes are kept; areas
    under ``min_area_km2`` are not listed, but become doubtful too without evidence.
    """
    rule = rule or EvidenceRule()
    polygons = _none_polygons(classes, spec)
    if not polygons:
        return [], classes
    data = _Readings.of(readings, thresholds.by_tech[classes.tech].weak, rule.fix_m)
    inside = _readings_inside(polygons, readings)
    spots = [_spot(p, rows, data, rule) for p, rows in zip(polygons, inside, strict=True)]
    doubtful = [s.geometry for s in spots if s.status == "doubtful"]
    if doubtful:
        burned = rasterize(
            ((g, 1) for g in doubtful), out_shape=spec.shape, transform=spec.transform
        )
        codes = classes.codes.copy()
        codes[burned == 1] = CLASS_CODES["doubtful"]
        classes = ClassMap(codes, classes.confidence, classes.tech)
    listed = [s for s in spots if s.area_km2 >= min_area_km2]
    listed.sort(key=lambda s: (STATUSES.index(s.status), -s.area_km2))
    return listed, classes


def _none_polygons(classes: ClassMap, spec: GridSpec) -> list[shapely.Geometry]:
    mask = classes.codes == CLASS_CODES["none"]
    if not mask.any():
        return []
    parts = [
        shape(geom)
        for geom, _ in shapes(
            mask.astype(np.uint8), mask=mask, transform=spec.transform, connectivity=8
        )
    ]
    merged = shapely.union_all(parts)
    return list(getattr(merged, "geoms", [merged]))


def _readings_inside(polygons: list[shapely.Geometry], readings: pd.DataFrame) -> list[np.ndarray]:
    """Row positions of the readings inside each polygon."""
    if readings.empty:
        return [np.zeros(0, dtype=np.int64) for _ in polygons]
    points = shapely.points(readings["easting"].to_numpy(), readings["northing"].to_numpy())
    point_idx, polygon_idx = shapely.STRtree(polygons).query(points, predicate="within")
    order = np.argsort(polygon_idx, kind="stable")
    bounds = np.searchsorted(polygon_idx[order], np.arange(len(polygons) + 1))
    return [np.sort(point_idx[order][a:b]) for a, b in itertools.pairwise(bounds)]


@dataclass(frozen=True, slots=True)
class _Readings:
    """The readings as arrays, for evidence per area without pandas in the loop."""

    fix: np.ndarray  # (n, 2) position on the rule's fix grid
    value: np.ndarray
    no_service: np.ndarray
    blind: np.ndarray  # no usable signal: no service or below the weak threshold
    day: np.ndarray  # ISO day (UTC)

    @classmethod
    def of(cls, readings: pd.DataFrame, weak: float, fix_m: float) -> _Readings:
        value = readings["value"].to_numpy(dtype=float)
        no_service = readings["no_service"].to_numpy(dtype=bool)
        position = readings[["easting", "northing"]].to_numpy(dtype=float).reshape(-1, 2)
        day = pd.to_datetime(readings["observed_at"], utc=True).dt.strftime("%Y-%m-%d")
        return cls(
            np.floor(position / fix_m),
            value,
            no_service,
            no_service | (value < weak),
            day.to_numpy(dtype=str),
        )


def _spot(
    polygon: shapely.Geometry, rows: np.ndarray, data: _Readings, rule: EvidenceRule
) -> Blankspot:
    """The evidence of the readings at ``rows`` (inside ``polygon``) and the status it earns."""
    values, no_service = data.value[rows], data.no_service[rows]
    blind = rows[data.blind[rows]]
    fixes = len(np.unique(data.fix[blind], axis=0))
    days = np.unique(data.day[blind])
    status, reason = rule.judge(len(blind), fixes)
    return Blankspot(
        geometry=polygon,
        area_km2=polygon.area / 1e6,
        status=status,
        reason=reason,
        samples=len(rows),
        no_signal_samples=len(blind),
        no_service_samples=int(no_service.sum()),
        fixes=fixes,
        days=len(days),
        first_seen=str(days[0]) if len(days) else None,
        last_seen=str(days[-1]) if len(days) else None,
        median_dbm=float(np.median(values)) if len(values) else None,
        no_service_share=round(float(no_service.mean()), 4) if len(values) else None,
    )
