"""Semivariograms: the empirical one from samples, and a fitted model with nugget."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import curve_fit, nnls
from scipy.spatial.distance import pdist

__all__ = [
    "MODELS",
    "NestedVariogram",
    "Variogram",
    "empirical_variogram",
    "fit_nested_variogram",
    "fit_variogram",
]


def _exponential(h: np.ndarray, nugget: float, psill: float, range_: float) -> np.ndarray:
    return nugget + psill * (1.0 - np.exp(-3.0 * h / range_))


def _spherical(h: np.ndarray, nugget: float, psill: float, range_: float) -> np.ndarray:
    r = np.minimum(h / range_, 1.0)
    return nugget + psill * (1.5 * r - 0.5 * r**3)


def _gaussian(h: np.ndarray, nugget: float, psill: float, range_: float) -> np.ndarray:
    return nugget + psill * (1.0 - np.exp(-3.0 * (h / range_) ** 2))


MODELS = {"exponential": _exponential, "spherical": _spherical, "gaussian": _gaussian}
#: Least nugget of a fitted Gaussian model, as a share of the data's variance.
GAUSSIAN_MIN_NUGGET = 0.01


@dataclass(frozen=True, slots=True)
class Variogram:
    """A fitted model: ``gamma(h) = nugget + psill * f(h / range)`` for h > 0, and 0 at h = 0.

    ``range_m`` is the practical range (95 % of the sill for exponential and gaussian).
    """

    model: str
    nugget: float
    psill: float
    range_m: float

    @property
    def sill(self) -> float:
        return self.nugget + self.psill

    def __call__(self, h: np.ndarray) -> np.ndarray:
        """Semivariance between distinct points at distance ``h`` (the nugget applies at 0+)."""
        return MODELS[self.model](np.asarray(h, dtype=float), self.nugget, self.psill, self.range_m)


def empirical_variogram(
    points: np.ndarray,
    values: np.ndarray,
    max_lag: float,
    bins: int = 20,
    max_points: int = 3_000,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean lag, semivariance and pair count per distance bin (on a seeded subsample)."""
    if len(values) > max_points:
        pick = np.random.default_rng(seed).choice(len(values), max_points, replace=False)
        points, values = points[pick], values[pick]
    dist = pdist(points)
    semi = 0.5 * pdist(values[:, None], "sqeuclidean")
    keep = dist <= max_lag
    dist, semi = dist[keep], semi[keep]
    first = max(max_lag / 200.0, 1.0)
    edges = np.concatenate([[0.0], np.geomspace(first, max_lag, bins)])
    which = np.digitize(dist, edges) - 1
    count = np.bincount(which, minlength=bins + 1)[:bins]
    lag = np.bincount(which, weights=dist, minlength=bins + 1)[:bins]
    gamma = np.bincount(which, weights=semi, minlength=bins + 1)[:bins]
    ok = count > 0
    return lag[ok] / count[ok], gamma[ok] / count[ok], count[ok]


def fit_variogram(
    points: np.ndarray,
    values: np.ndarray,
    max_lag: float | None = None,
    models: tuple[str, ...] = ("exponential", "spherical", "gaussian"),
) -> Variogram:
    """Fit each model to the empirical variogram (weighted by pairs); keep the best."""
    if len(values) < 3:
        return Variogram("exponential", 0.0, max(float(np.var(values)), 1.0), 1_000.0)
    if max_lag is None:
        span = np.ptp(points, axis=0)
        max_lag = max(float(np.hypot(*span)) * 0.35, 1.0)
    lag, gamma, count = empirical_variogram(points, values, max_lag)
    variance = max(float(np.var(values)), 1e-6)
    best: tuple[float, Variogram] | None = None
    for name in models:
        # A Gaussian model without a nugget makes the kriging system near-singular for
        # samples closer than its range (as along a road): predictions thousands of dB off.
        least_nugget = GAUSSIAN_MIN_NUGGET * variance if name == "gaussian" else 0.0
        try:
            params, _ = curve_fit(
                MODELS[name],
                lag,
                gamma,
                p0=[0.2 * variance, 0.8 * variance, max_lag / 3],
                bounds=(
                    [least_nugget, 1e-6, max(lag.min(), 1.0)],
                    [3 * variance, 3 * variance, 3 * max_lag],
                ),
                sigma=1.0 / np.sqrt(count),
                maxfev=5_000,
            )
        except (RuntimeError, ValueError):
            continue
        error = float(np.sum(count * (MODELS[name](lag, *params) - gamma) ** 2))
        if best is None or error < best[0]:
            best = (error, Variogram(name, float(params[0]), float(params[1]), float(params[2])))
    if best is None:
        return Variogram("exponential", 0.1 * variance, 0.9 * variance, max_lag / 3)
    return best[1]


@dataclass(frozen=True, slots=True)
class NestedVariogram:
    """Two nested exponential structures, a nugget and a drive effect, as a covariance.

    Between readings of *different* drives at distance ``h > 0`` the semivariance is
    ``nugget + drive + psill1 * (1 - exp(-3h / range1)) + psill2 * (1 - exp(-3h / range2))``;
    between readings of the *same* drive the ``drive`` term is absent: each drive carries its
    own offset (phone, weather, load), of variance ``drive``, shared by all its readings.
    """

    nugget: float
    psill1: float
    range1: float
    psill2: float
    range2: float
    drive: float = 0.0

    @property
    def sill(self) -> float:
        """Variance of one reading: field, noise and drive offset."""
        return self.nugget + self.psill1 + self.psill2 + self.drive

    def covariance(self, h: np.ndarray) -> np.ndarray:
        """Covariance of the field (no nugget, no drive effect) at distance ``h``."""
        h = np.asarray(h, dtype=float)
        return self.psill1 * np.exp(-3.0 * h / self.range1) + self.psill2 * np.exp(
            -3.0 * h / self.range2
        )

    def __call__(self, h: np.ndarray, same_drive: bool = False) -> np.ndarray:
        """Semivariance between distinct readings at distance ``h``."""
        extra = self.nugget + (0.0 if same_drive else self.drive)
        return extra + self.psill1 + self.psill2 - self.covariance(h)


def fit_nested_variogram(
    points: np.ndarray,
    values: np.ndarray,
    drive: np.ndarray | None = None,
    max_lag: float | None = None,
    bins: int = 20,
    max_points: int = 2_000,
    seed: int = 0,
) -> NestedVariogram:
    """Fit the nested model to the empirical semivariances of pairs of different drives and
    (with ``drive``) of pairs of one drive, weighted by their pair counts.

    The two curves differ by the drive effect; pairs of different drives are the ones that
    matter for predicting a new drive, so they set the shape.
    """
    variance = max(float(np.var(values)), 1e-6)
    if max_lag is None:
        span = np.ptp(points, axis=0) if len(points) else np.zeros(2)
        max_lag = max(float(np.hypot(*span)) * 0.35, 1.0)
    fallback = NestedVariogram(
        0.1 * variance, 0.45 * variance, max_lag / 6, 0.45 * variance, max_lag / 2
    )
    if len(values) < 10:
        return fallback
    if len(values) > max_points:
        pick = np.random.default_rng(seed).choice(len(values), max_points, replace=False)
        points, values = points[pick], values[pick]
        drive = None if drive is None else drive[pick]
    dist = pdist(points)
    semi = 0.5 * pdist(values[:, None], "sqeuclidean")
    same = np.zeros(len(dist), bool) if drive is None else pdist(drive[:, None]) == 0
    keep = dist <= max_lag
    first = max(max_lag / 200.0, 1.0)
    edges = np.concatenate([[0.0], np.geomspace(first, max_lag, bins)])
    lags, gammas, counts, sames = [], [], [], []
    for flag in (False, True):
        pick = keep & (same == flag)
        which = np.digitize(dist[pick], edges) - 1
        count = np.bincount(which, minlength=bins + 1)[:bins]
        lag = np.bincount(which, weights=dist[pick], minlength=bins + 1)[:bins]
        gamma = np.bincount(which, weights=semi[pick], minlength=bins + 1)[:bins]
        ok = count > 0
        lags.append(lag[ok] / count[ok])
        gammas.append(gamma[ok] / count[ok])
        counts.append(count[ok])
        sames.append(np.full(ok.sum(), flag))
    lag, gamma, count, is_same = (np.concatenate(x) for x in (lags, gammas, counts, sames))
    if len(lag) < 6:
        return fallback
    # Linear in (nugget, psill1, psill2, drive) once the ranges are fixed: non-negative least
    # squares on a grid of ranges. Weights after Cressie (pairs / semivariance), so that the
    # short lags, which decide the kriging weights, count as much as the many long ones.
    weight = np.sqrt(count) / np.maximum(gamma, 1e-9 * variance)
    not_same = (~is_same).astype(float)
    best: tuple[float, NestedVariogram] | None = None
    for range1 in np.geomspace(max(float(lag.min()), 1.0) * 2, 2 * max_lag, 16):
        for ratio in (1.0, 1.5, 2.0, 3.0, 5.0, 10.0):
            design = np.column_stack(
                [
                    np.ones_like(lag),
                    1 - np.exp(-3 * lag / range1),
                    1 - np.exp(-3 * lag / (range1 * ratio)),
                    not_same if drive is not None else np.zeros_like(lag),
                ]
            )
            coef, norm = nnls(design * weight[:, None], gamma * weight)
            if best is None or norm < best[0]:
                n, c1, c2, d = (float(x) for x in coef)
                best = (norm, NestedVariogram(n, c1, float(range1), c2, float(range1 * ratio), d))
    assert best is not None
    model = best[1]
    if model.psill1 + model.psill2 <= 0:
        return fallback
    return model
