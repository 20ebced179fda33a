"""Cross-validation that matches the use: spatially blocked, and leave one drive out.

Neighbouring readings on a road are nearly copies, so random folds flatter every method.

- **Blocked**: blocks of ``block_m`` metres are dealt into ``folds`` folds at random (seeded);
  each fold is predicted from the others. It measures extrapolation into unsurveyed area.
- **Leave one drive out (LODO)**: each drive (survey session, or drive-test file) is
  predicted from all the others, at its points within ``within_m`` metres of another drive.
  It measures what a map is mostly judged on: the signal along roads already driven, for the
  next drive on them. A drive's own offset (phone, weather, load) is not predictable, and
  LODO does not reward a method for copying it.

``auto`` chooses on LODO when the samples have enough drives, with blocked CV as the guard
against extrapolation; otherwise on blocked CV alone.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from analysis.gridders.base import BaseGridder
from analysis.prepare import Samples

__all__ = [
    "CVResult",
    "Selection",
    "blocked_folds",
    "cross_validate",
    "drive_folds",
    "leave_one_drive_out",
    "paired_difference",
    "select_best",
    "select_method",
]

#: Fewest drives (with held-out points) for leave-one-drive-out CV to mean anything.
MIN_DRIVES = 3
#: How much worse (dB) than the best blocked-CV RMSE a LODO winner may be and still be chosen.
BLOCKED_GUARD_DB = 0.1


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
    scheme: str = "blocked"

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
            "scheme": self.scheme,
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


def drive_folds(
    samples: Samples,
    within_m: float = 250.0,
    min_test: int = 1,
    max_folds: int = 40,
    seed: int = 0,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(train, test) boolean masks, one pair per drive: the test points are the drive's points
    within ``within_m`` of any other drive's point; the training part is every other drive.

    With more than ``max_folds`` drives, the drives are dealt at random (seeded) into
    ``max_folds`` groups and a group is left out at a time (the cost stays bounded; a held-out
    point still never sees its own drive). Folds with fewer than ``min_test`` test points are
    skipped; samples without drives give none.
    """
    from scipy.spatial import cKDTree

    if samples.drive is None:
        return
    drives, code = np.unique(samples.drive, return_inverse=True)
    code = code.ravel()
    if len(drives) > max_folds:
        code = (np.random.default_rng(seed).permutation(len(drives)) % max_folds)[code]
    points = np.column_stack(samples.coordinates)
    for group in np.unique(code):
        own = code == group
        if own.all():
            continue
        dist, _ = cKDTree(points[~own]).query(points[own], distance_upper_bound=within_m)
        test = np.zeros(len(samples), bool)
        test[np.flatnonzero(own)[np.isfinite(dist)]] = True
        if test.sum() >= min_test:
            yield ~own, test


def fit_gridder(gridder: BaseGridder, samples: Samples) -> BaseGridder:
    """Fit, passing serving cells and drives to gridders that use them."""
    wanted = inspect.signature(gridder.fit).parameters
    extra: dict[str, np.ndarray] = {}
    if "cells" in wanted and samples.cell is not None:
        extra["cells"] = samples.cell
    if "drive" in wanted and samples.drive is not None:
        extra["drive"] = samples.drive
    return gridder.fit(samples.coordinates, samples.value, **extra)


def _validate(
    gridder: BaseGridder,
    samples: Samples,
    splits: Iterator[tuple[np.ndarray, np.ndarray]],
    name: str,
    scheme: str,
) -> CVResult:
    from scipy.spatial import cKDTree

    predicted = np.full(len(samples), np.nan)
    distance = np.full(len(samples), np.nan)
    for train, test in splits:
        part = samples.subset(train)
        model = fit_gridder(gridder.clone(), part)
        target = (samples.easting[test], samples.northing[test])
        predicted[test] = model.predict(target)
        tree = cKDTree(np.column_stack(part.coordinates))
        distance[test] = tree.query(np.column_stack(target))[0]
    return CVResult(name, predicted - samples.value, distance, scheme)


def cross_validate(
    gridder: BaseGridder,
    samples: Samples,
    block_m: float = 500.0,
    folds: int = 5,
    seed: int = 0,
    name: str | None = None,
) -> CVResult:
    """Blocked k-fold errors of ``gridder`` on ``samples``."""
    splits = blocked_folds(samples, block_m, folds, seed)
    return _validate(gridder, samples, splits, name or type(gridder).__name__, "blocked")


def leave_one_drive_out(
    gridder: BaseGridder,
    samples: Samples,
    within_m: float = 250.0,
    name: str | None = None,
    max_folds: int = 40,
) -> CVResult:
    """Leave-one-drive-out errors of ``gridder``; NaN at points that are not held out.

    With more than ``max_folds`` drives, drives are left out in that many groups."""
    splits = drive_folds(samples, within_m, max_folds=max_folds)
    return _validate(gridder, samples, splits, name or type(gridder).__name__, "lodo")


def lodo_possible(samples: Samples, within_m: float = 250.0) -> bool:
    """Whether the samples have enough drives, with points near other drives, for LODO."""
    if samples.drive is None or len(np.unique(samples.drive)) < MIN_DRIVES:
        return False
    return sum(1 for _ in drive_folds(samples, within_m, min_test=5)) >= MIN_DRIVES


def _common_best(results: list[CVResult]) -> tuple[CVResult, np.ndarray]:
    common = np.logical_and.reduce([r.predicted for r in results])
    return min(results, key=lambda r: r.rmse_on(common)), common


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
    return _common_best(results)[0].method, results


def paired_difference(
    residual: np.ndarray,
    baseline: np.ndarray,
    drive: np.ndarray,
    draws: int = 2_000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """RMSE(method) - RMSE(baseline) in dB on the points both predicted, and a 95 % interval
    from resampling whole drives with replacement (``draws`` bootstrap draws)."""
    both = np.isfinite(residual) & np.isfinite(baseline)
    codes, which = np.unique(drive[both], return_inverse=True)
    which = which.ravel()
    sq_a = np.bincount(which, residual[both] ** 2, len(codes))
    sq_b = np.bincount(which, baseline[both] ** 2, len(codes))
    count = np.bincount(which, minlength=len(codes)).astype(float)
    diff = float(np.sqrt(sq_a.sum() / count.sum()) - np.sqrt(sq_b.sum() / count.sum()))
    pick = np.random.default_rng(seed).integers(0, len(codes), (draws, len(codes)))
    weight = np.zeros((draws, len(codes)))
    np.add.at(weight, (np.arange(draws)[:, None], pick), 1.0)
    n = np.maximum(weight @ count, 1.0)
    boot = np.sqrt(weight @ sq_a / n) - np.sqrt(weight @ sq_b / n)
    low, high = np.quantile(boot, [0.025, 0.975])
    return diff, float(low), float(high)


@dataclass(frozen=True, slots=True)
class Selection:
    """The chosen method, why, and the errors of every candidate under both schemes."""

    method: str
    blocked: list[CVResult]
    lodo: list[CVResult]
    reason: str


def select_method(
    gridders: Mapping[str, BaseGridder],
    samples: Samples,
    block_m: float = 500.0,
    folds: int = 5,
    seed: int = 0,
    within_m: float = 250.0,
    guard_db: float = BLOCKED_GUARD_DB,
    lodo_folds: int = 40,
) -> Selection:
    """Blocked CV and (with enough drives) LODO of every gridder; choose on both.

    With LODO: the candidates are taken in order of their LODO RMSE, and the first whose
    blocked-CV RMSE is within ``guard_db`` of the best blocked one is chosen, so a method that
    is better along driven roads but worse away from them does not win. A method that needs
    drives (road kriging) must also beat the best of the others on LODO with a 95 % interval
    below zero (:func:`paired_difference`), or it is passed over. Without: the lowest
    blocked-CV RMSE, as :func:`select_best`, among the methods that do not need drives
    (``analysis.methods.NEEDS_DRIVES``) unless only those were asked for.
    """
    from analysis.methods import NEEDS_DRIVES

    if not lodo_possible(samples, within_m):
        usable = {n: g for n, g in gridders.items() if n not in NEEDS_DRIVES} or dict(gridders)
        best, blocked = select_best(usable, samples, block_m, folds, seed)
        return Selection(best, blocked, [], "blocked CV (too few drives for leave-one-drive-out)")
    best, blocked = select_best(gridders, samples, block_m, folds, seed)
    lodo = [
        leave_one_drive_out(g, samples, within_m, name, lodo_folds) for name, g in gridders.items()
    ]
    _, b_common = _common_best(blocked)
    _, l_common = _common_best(lodo)
    floor = min(r.rmse_on(b_common) for r in blocked)
    by_name = {r.method: r for r in blocked}
    others = [r for r in lodo if r.method not in NEEDS_DRIVES]
    for result in sorted(lodo, key=lambda r: r.rmse_on(l_common)):
        if by_name[result.method].rmse_on(b_common) > floor + guard_db:
            continue
        if result.method in NEEDS_DRIVES and others:
            # Only on evidence: better than every other method on left-out drives, with a
            # 95 % interval (whole drives resampled) that stays below zero.
            assert samples.drive is not None
            rival = min(others, key=lambda r: r.rmse_on(l_common))
            high = paired_difference(
                np.where(l_common, result.residuals, np.nan),
                np.where(l_common, rival.residuals, np.nan),
                samples.drive,
            )[2]
            if high >= 0:
                continue
        return Selection(result.method, blocked, lodo, "leave-one-drive-out, guarded by blocked CV")
    # No candidate passed both: the best on blocked CV, but never a method that needs drives
    # without the evidence above.
    plain = [r for r in blocked if r.method not in NEEDS_DRIVES]
    if plain and best in NEEDS_DRIVES:
        best = min(plain, key=lambda r: r.rmse_on(b_common)).method
    return Selection(best, blocked, lodo, "blocked CV")
