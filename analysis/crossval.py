"""Spatially blocked cross-validation: honest error estimates for drive-test data.

Neighbouring readings on a road are nearly copies, so random folds flatter every method.
Blocks of ``block_m`` metres are dealt into ``folds`` folds at random (seeded); each fold is
predicted from the others.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from analysis.gridders.base import BaseGridder
from analysis.prepare import Samples

__all__ = ["CVResult", "blocked_folds", "cross_validate", "select_best"]


@dataclass(frozen=True, slots=True)
class CVResult:
    """Cross-validated errors of one method, in dB.

    ``residuals`` (predicted - observed) and ``distances`` (to the nearest training sample)
    have one entry per sample; NaN where the method gave no prediction (no sample within its
    radius). The summary figures are over the predicted samples.
    """

    method: str
    residuals: np.ndarray
    distances: np.ndarray

    @property
    def predicted(self) -> np.ndarray:
        return np.isfinite(self.residuals)

    @property
    def n(self) -> int:
        return int(self.predicted.sum())

    def rmse_on(self, mask: np.ndarray) -> float:
        """RMSE over the samples in ``mask`` (to compare methods on the same samples)."""
        return float(np.sqrt(np.mean(self.residuals[mask] ** 2)))

    @property
    def rmse(self) -> float:
        return self.rmse_on(self.predicted)

    @property
    def mae(self) -> float:
        return float(np.mean(np.abs(self.residuals[self.predicted])))

    @property
    def bias(self) -> float:
        return float(np.mean(self.residuals[self.predicted]))

    @property
    def p95(self) -> float:
        return float(np.quantile(np.abs(self.residuals[self.predicted]), 0.95))

    def as_row(self) -> dict[str, float | int | str]:
        return {
            "method": self.method,
            "rmse_db": round(self.rmse, 3),
            "mae_db": round(self.mae, 3),
            "bias_db": round(self.bias, 3),
            "p95_db": round(self.p95, 3),
            "n": self.n,
        }


def blocked_folds(
    samples: Samples, block_m: float = 500.0, folds: int = 5, seed: int = 0
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(train, test) boolean masks; whole square blocks go to one fold."""
    bx = np.floor(samples.easting / block_m).astype(np.int64)
    by = np.floor(samples.northing / block_m).astype(np.int64)
    _, block = np.unique(np.column_stack([bx, by]), axis=0, return_inverse=True)
    block = block.ravel()
    n_blocks = int(block.max()) + 1
    fold_of_block = np.random.default_rng(seed).permutation(n_blocks) % folds
    fold = fold_of_block[block]
    for f in range(folds):
        test = fold == f
        if test.any() and (~test).any():
            yield ~test, test


def fit_gridder(gridder: BaseGridder, samples: Samples) -> BaseGridder:
    """Fit, passing serving cells to gridders that use them."""
    if "cells" in inspect.signature(gridder.fit).parameters:
        return gridder.fit(samples.coordinates, samples.value, cells=samples.cell)  # type: ignore[call-arg]
    return gridder.fit(samples.coordinates, samples.value)


def cross_validate(
    gridder: BaseGridder,
    samples: Samples,
    block_m: float = 500.0,
    folds: int = 5,
    seed: int = 0,
    name: str | None = None,
) -> CVResult:
    """Blocked k-fold errors of ``gridder`` on ``samples``."""
    from scipy.spatial import cKDTree

    predicted = np.full(len(samples), np.nan)
    distance = np.full(len(samples), np.nan)
    for train, test in blocked_folds(samples, block_m, folds, seed):
        part = samples.subset(train)
        model = fit_gridder(gridder.clone(), part)
        target = (samples.easting[test], samples.northing[test])
        predicted[test] = model.predict(target)
        tree = cKDTree(np.column_stack(part.coordinates))
        distance[test] = tree.query(np.column_stack(target))[0]
    return CVResult(name or type(gridder).__name__, predicted - samples.value, distance)


def select_best(
    gridders: Mapping[str, BaseGridder],
    samples: Samples,
    block_m: float = 500.0,
    folds: int = 5,
    seed: int = 0,
) -> tuple[str, list[CVResult]]:
    """Cross-validate every gridder; the name of the lowest RMSE and all results.

    Methods are ranked on the samples that all of them predicted, so that a method cannot win
    by declining the hard, far-away samples.
    """
    results = [
        cross_validate(g, samples, block_m, folds, seed, name) for name, g in gridders.items()
    ]
    common = np.logical_and.reduce([r.predicted for r in results])
    best = min(results, key=lambda r: r.rmse_on(common))
    return best.method, results
