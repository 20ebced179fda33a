"""Ordinary kriging in local neighbourhoods, solved in batches with numpy.

Each prediction point uses its ``k`` nearest samples; the kriging systems of hundreds of
points are stacked and solved at once (LAPACK through ``numpy.linalg``), so there is no
Python loop per point. On a grid, the cells of a small square block (``share_cells`` cells a
side) share one neighbourhood: the ``k`` samples nearest the block centre plus a margin of
``extra`` more, so that every cell's own nearest samples are in it. One matrix inversion
then serves all cells of the block, which is where most of the speed on grids comes from.

Neighbours farther than ``radius`` are left out (their weight is zero), so that a cell's value
depends only on samples within a known distance: tiles with a halo wider than that give the
same result as one big grid.
"""

from __future__ import annotations

from typing import Self

import numpy as np
from scipy.spatial import cKDTree

from analysis.gridders.base import BaseGridder, Coordinates, check_fit_data
from analysis.gridders.variogram import Variogram, fit_variogram

__all__ = ["OrdinaryKriging"]

_CHUNK = 512


class OrdinaryKriging(BaseGridder):
    """Ordinary kriging with a variogram fitted to the data (or given) and ``k`` neighbours."""

    def __init__(
        self,
        k: int = 64,
        variogram: Variogram | None = None,
        max_lag: float | None = None,
        share_cells: int = 4,
        extra: int = 8,
        radius: float = 4_000.0,
    ):
        self.k = k
        self.variogram = variogram
        self.max_lag = max_lag
        self.share_cells = share_cells
        self.extra = extra
        self.radius = radius

    @property
    def exact(self) -> bool:  # type: ignore[override]
        return self.variogram is not None and self.variogram.nugget == 0

    def fit(self, coordinates: Coordinates, values: np.ndarray) -> Self:
        self.points_, self.values_ = check_fit_data(coordinates, values)
        self.variogram_ = self.variogram or fit_variogram(self.points_, self.values_, self.max_lag)
        self.tree_ = cKDTree(self.points_)
        return self

    def frozen(self) -> OrdinaryKriging:
        """Unfitted copy that reuses the fitted variogram (for tiles)."""
        return OrdinaryKriging(
            self.k, self.variogram_, self.max_lag, self.share_cells, self.extra, self.radius
        )

    def _predict(self, points: np.ndarray) -> np.ndarray:
        return self._solve(points)[0]

    def _std(self, points: np.ndarray) -> np.ndarray:
        return np.sqrt(self._solve(points)[1])

    def predict_with_std(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Estimate and kriging standard deviation in one pass, for (m, 2) points."""
        self._check_fitted()
        value, variance = self._solve(np.asarray(points, dtype=float))
        return value, np.sqrt(variance)

    def predict_cells(
        self, points: np.ndarray, spacing: float
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Estimate and std at grid-cell centres, blocks of cells sharing a neighbourhood."""
        self._check_fitted()
        if self.share_cells <= 1:
            return self.predict_with_std(points)
        value, variance = self._solve_shared(
            np.asarray(points, dtype=float), spacing * self.share_cells
        )
        return value, np.sqrt(variance)

    def _neighbours(self, points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Distances and indices of the ``k`` nearest samples within the radius (index n
        marks a missing neighbour)."""
        dist, index = self.tree_.query(points, k=k, distance_upper_bound=self.radius)
        return dist.reshape(len(points), k), index.reshape(len(points), k)

    def _solve(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        estimate = np.empty(len(points))
        variance = np.empty(len(points))
        k = self.k
        for start in range(0, len(points), _CHUNK):
            chunk = points[start : start + _CHUNK]
            dist, index = self._neighbours(chunk, k)
            valid = index < len(self.values_)
            index = np.where(valid, index, 0)
            inverse = _inverse_systems(self.points_[index], valid, self.variogram_)
            est, var = _apply(inverse, self.values_[index], dist, valid, self.variogram_)
            estimate[start : start + len(chunk)] = est
            variance[start : start + len(chunk)] = var
        return estimate, variance

    def _solve_shared(self, points: np.ndarray, block: float) -> tuple[np.ndarray, np.ndarray]:
        key = np.floor(points / block).astype(np.int64)
        _, bucket = np.unique(key, axis=0, return_inverse=True)
        bucket = bucket.ravel()
        order = np.argsort(bucket, kind="stable")
        points, bucket = points[order], bucket[order]
        first = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
        centres = (np.floor(points[first] / block) + 0.5) * block
        k = self.k + self.extra
        estimate = np.empty(len(points))
        variance = np.empty(len(points))
        bounds = np.r_[first, len(points)]
        for b0 in range(0, len(first), _CHUNK // 4):
            b1 = min(b0 + _CHUNK // 4, len(first))
            _, index = self._neighbours(centres[b0:b1], k)
            valid = index < len(self.values_)
            index = np.where(valid, index, 0)
            inverse = _inverse_systems(self.points_[index], valid, self.variogram_)
            lo, hi = bounds[b0], bounds[b1]
            which = bucket[lo:hi] - bucket[bounds[b0]]
            near = self.points_[index][which]
            dist = np.hypot(
                near[..., 0] - points[lo:hi, 0, None], near[..., 1] - points[lo:hi, 1, None]
            )
            est, var = _apply(
                inverse[which], self.values_[index][which], dist, valid[which], self.variogram_
            )
            estimate[lo:hi] = est
            variance[lo:hi] = var
        out_e = np.empty_like(estimate)
        out_v = np.empty_like(variance)
        out_e[order], out_v[order] = estimate, variance
        return out_e, out_v


def _inverse_systems(near: np.ndarray, valid: np.ndarray, gamma: Variogram) -> np.ndarray:
    """Inverses of stacked ordinary-kriging matrices for neighbourhoods near (m, k, 2).

    A neighbour that is not ``valid`` (beyond the radius) gets a decoupled row, weight 0.
    """
    m, k = near.shape[:2]
    x, y = near[..., 0], near[..., 1]
    dx = x[:, :, None] - x[:, None, :]
    dy = y[:, :, None] - y[:, None, :]
    system = np.ones((m, k + 1, k + 1))
    system[:, :k, :k] = gamma(np.sqrt(dx * dx + dy * dy))
    idx = np.arange(k)
    # Zero on the diagonal, and a tiny ridge that keeps coincident samples solvable.
    system[:, idx, idx] = -1e-9 * gamma.sill
    system[:, k, k] = 0.0
    if not valid.all():
        pair = valid[:, :, None] & valid[:, None, :]
        block = system[:, :k, :k]
        block[~pair] = 0.0
        block[:, idx, idx] = np.where(valid, block[:, idx, idx], 1.0)
        system[:, :k, k] = valid
        system[:, k, :k] = valid
    lonely = valid.sum(axis=1) == 0
    system[lonely, k, k] = -1.0  # no neighbour at all: keep the system invertible (NaN later)
    try:
        return np.linalg.inv(system)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(system)


def _apply(
    inverse: np.ndarray, values: np.ndarray, dist: np.ndarray, valid: np.ndarray, gamma: Variogram
) -> tuple[np.ndarray, np.ndarray]:
    """Estimate and variance from inverted systems and the point-to-sample distances."""
    m, k = dist.shape
    rhs = np.ones((m, k + 1))
    rhs[:, :k] = np.where(valid, gamma(np.where(np.isfinite(dist), dist, 0.0)), 0.0)
    if gamma.nugget == 0.0:
        rhs[:, :k][dist == 0.0] = 0.0  # on a sample with no nugget: reproduce it
    solution = np.einsum("mij,mj->mi", inverse, rhs)
    estimate = (solution[:, :k] * values).sum(axis=1)
    variance = np.maximum((solution * rhs).sum(axis=1), 0.0)
    lonely = ~valid.any(axis=1)
    estimate[lonely] = np.nan
    variance[lonely] = np.nan
    return estimate, variance
