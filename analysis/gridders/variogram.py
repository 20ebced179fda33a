"""Semivariograms: the empirical one from samples, and a fitted model with nugget."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import curve_fit
from scipy.spatial.distance import pdist

__all__ = ["MODELS", "Variogram", "empirical_variogram", "fit_variogram"]


def _exponential(h: np.ndarray, nugget: float, psill: float, range_: float) -> np.ndarray:
    return nugget + psill * (1.0 - np.exp(-3.0 * h / range_))


def _spherical(h: np.ndarray, nugget: float, psill: float, range_: float) -> np.ndarray:
    r = np.minimum(h / range_, 1.0)
    return nugget + psill * (1.5 * r - 0.5 * r**3)


def _gaussian(h: np.ndarray, nugget: float, psill: float, range_: float) -> np.ndarray:
    return nugget + psill * (1.0 - np.exp(-3.0 * (h / range_) ** 2))


MODELS = {"exponential": _exponential, "spherical": _spherical, "gaussian": _gaussian}


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
        try:
            params, _ = curve_fit(
                MODELS[name],
                lag,
                gamma,
                p0=[0.2 * variance, 0.8 * variance, max_lag / 3],
                bounds=(
                    [0.0, 1e-6, max(lag.min(), 1.0)],
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
