"""Coverage grids: the chosen gridder's surface, its uncertainty and its support, per cell.

Cells farther than ``max_distance`` from every sample are *unsurveyed*: their value is
missing, never a blankspot and never covered.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.crossval import CVResult, fit_gridder, select_method
from analysis.grid import GridSpec
from analysis.gridders import IDW, RBF, BaseGridder, Linear, Nearest, OrdinaryKriging
from analysis.gridders.road import RoadKriging
from analysis.gridders.trend import TrendKriging
from analysis.methods import DEFAULT_CANDIDATES, METHODS
from analysis.prepare import Samples
from analysis.support import support
from analysis.tiling import predict_tiled

__all__ = [
    "DEFAULT_CANDIDATES",
    "METHODS",
    "Coverage",
    "ErrorModel",
    "build_coverage",
    "make_gridder",
]

#: Drives are left out in at most this many groups for a product's leave-one-drive-out CV
#: (the cost stays that of 10 folds however many drives the readings have).
LODO_FOLDS = 10


def make_gridder(method: str) -> BaseGridder:
    """A gridder by name, with the defaults that won our benchmarks."""
    factories: dict[str, Any] = {
        "nearest": Nearest,
        "linear": Linear,
        "idw": IDW,
        "rbf": RBF,
        "kriging": OrdinaryKriging,
        "trend": TrendKriging,
        "road": RoadKriging,
    }
    if method not in factories:
        raise ValueError(f"unknown method {method!r}; expected auto or one of {METHODS}")
    gridder: BaseGridder = factories[method]()
    return gridder


@dataclass(frozen=True, slots=True)
class ErrorModel:
    """Cross-validated RMSE as a function of the distance to the nearest sample."""

    edges: np.ndarray
    rmse: np.ndarray

    @classmethod
    def from_cv(cls, result: CVResult, bins: int = 8) -> ErrorModel:
        """Bin CV residuals by distance (equal counts); RMSE never falls with distance."""
        if result.n < bins * 5:
            return cls(np.array([0.0, np.inf]), np.array([result.rmse]))
        residuals = result.residuals[result.predicted]
        distances = result.distances[result.predicted]
        edges = np.quantile(distances, np.linspace(0, 1, bins + 1))
        edges[0], edges[-1] = 0.0, np.inf
        which = np.clip(np.searchsorted(edges, distances, side="right") - 1, 0, bins - 1)
        rmse = np.array(
            [
                np.sqrt(np.mean(residuals[which == b] ** 2)) if np.any(which == b) else result.rmse
                for b in range(bins)
            ]
        )
        return cls(edges, np.maximum.accumulate(rmse))

    def __call__(self, distance: np.ndarray) -> np.ndarray:
        which = np.searchsorted(self.edges, distance, side="right") - 1
        return self.rmse[np.clip(which, 0, len(self.rmse) - 1)]


@dataclass(slots=True)
class Coverage:
    """A coverage grid with per-cell support and uncertainty (float32 arrays, row 0 north)."""

    spec: GridSpec
    value: np.ndarray
    uncertainty: np.ndarray
    distance: np.ndarray
    count: np.ndarray
    method: str
    cv: list[CVResult]
    max_distance: float
    timings: dict[str, float] = field(default_factory=dict)
    lodo: list[CVResult] = field(default_factory=list)
    selected_by: str = "blocked CV"

    @property
    def surveyed(self) -> np.ndarray:
        return np.isfinite(self.value)

    def cv_table(self) -> list[dict[str, float | int | str]]:
        """Blocked CV of every candidate, then leave-one-drive-out where there was one."""
        return [r.as_row() for r in (*self.cv, *self.lodo)]

    def errors(self) -> dict[str, float | None]:
        """RMSE (dB) of the chosen method: blocked CV, and leave-one-drive-out (None when
        the readings have too few drives)."""
        blocked = next((r for r in self.cv if r.method == self.method), None)
        lodo = next((r for r in self.lodo if r.method == self.method and r.n), None)
        return {
            "blocked_cv_rmse_db": None if blocked is None else round(blocked.rmse, 2),
            "lodo_rmse_db": None if lodo is None else round(lodo.rmse, 2),
        }


def build_coverage(
    samples: Samples,
    method: str = "auto",
    spacing: float = 50.0,
    max_distance: float = 750.0,
    count_radius: float | None = None,
    spec: GridSpec | None = None,
    block_m: float = 500.0,
    folds: int = 5,
    candidates: tuple[str, ...] = DEFAULT_CANDIDATES,
    max_cv_samples: int = 20_000,
    tile_size: int = 512,
    halo: float = 5_000.0,
    executor: str | Any | None = None,
    seed: int = 0,
    clip: tuple[float, float] | None = None,
    cv_samples: Samples | None = None,
) -> Coverage:
    """Grid ``samples`` with ``method`` (``auto``: see :func:`analysis.crossval.select_method`:
    leave-one-drive-out guarded by blocked CV when the samples have drives, else blocked CV).

    Parameters
    ----------
    max_distance : cells farther than this from any sample are unsurveyed (NaN).
    count_radius : radius of the "samples nearby" count (default: ``max_distance / 2``).
    max_cv_samples : cross-validation runs on a seeded subsample of at most this many.
    executor : where tiles run (see :func:`analysis.tiling.predict_tiled`).
    clip : bounds of the metric (e.g. -140, -44 dBm for RSRP); predictions stay inside.
    cv_samples : what cross-validation runs on (default: ``samples``). Products pass the
        readings reduced per drive: a block of ``samples`` can hold readings of two drives
        under one drive's label, and would show a left-out drive its own readings.
    """
    if not max_distance > 0 or (count_radius is not None and not count_radius > 0):
        raise ValueError("max_distance and count_radius must be positive distances in metres")
    if method != "auto" and method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected auto or one of {METHODS}")
    timings: dict[str, float] = {}
    start = time.perf_counter()
    spec = spec or GridSpec.covering(
        samples.easting, samples.northing, spacing, margin=max_distance, crs=samples.crs
    )
    cv_samples = samples if cv_samples is None else cv_samples
    if len(cv_samples) > max_cv_samples:
        pick = np.sort(
            np.random.default_rng(seed).choice(len(cv_samples), max_cv_samples, replace=False)
        )
        cv_samples = cv_samples.subset(pick)
    names = candidates if method == "auto" else (method,)
    gridders = {name: make_gridder(name) for name in names}
    selection = select_method(gridders, cv_samples, block_m, folds, seed, lodo_folds=LODO_FOLDS)
    best, results = selection.method, selection.blocked
    timings["cross_validation_s"] = time.perf_counter() - start

    start = time.perf_counter()
    distance, count = support(
        spec,
        samples.easting,
        samples.northing,
        max_distance,
        count_radius or max_distance / 2,
        weights=samples.count.astype(float),
    )
    wanted = distance <= max_distance
    timings["support_s"] = time.perf_counter() - start

    start = time.perf_counter()
    model = fit_gridder(gridders[best].clone(), samples)
    value, std = predict_tiled(model, samples, spec, wanted, tile_size, halo, executor)
    if clip is not None:
        np.clip(value, *clip, out=value)
    timings["predict_s"] = time.perf_counter() - start

    chosen = next(r for r in results if r.method == best)
    if std is None:
        uncertainty = ErrorModel.from_cv(chosen)(distance).astype(np.float32)
        uncertainty[~wanted] = np.nan
    else:
        uncertainty = std
    return Coverage(
        spec,
        value,
        uncertainty,
        distance,
        count,
        best,
        results,
        max_distance,
        timings,
        selection.lodo,
        selection.reason,
    )
