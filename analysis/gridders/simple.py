"""Deterministic gridders: nearest neighbour, Delaunay linear, inverse distance weighting."""

from __future__ import annotations

from typing import Self

import numpy as np
from scipy.interpolate import LinearNDInterpolator
from scipy.spatial import cKDTree

from analysis.gridders.base import BaseGridder, Coordinates, check_fit_data

__all__ = ["IDW", "Linear", "Nearest"]


class Nearest(BaseGridder):
    """Value of the nearest sample."""

    exact = True

    def fit(self, coordinates: Coordinates, values: np.ndarray) -> Self:
        self.points_, self.values_ = check_fit_data(coordinates, values)
        self.tree_ = cKDTree(self.points_)
        return self

    def _predict(self, points: np.ndarray) -> np.ndarray:
        _, index = self.tree_.query(points, k=1, workers=-1)
        return self.values_[index]


class Linear(BaseGridder):
    """Linear interpolation on the Delaunay triangulation; nearest sample outside the hull."""

    exact = True

    def fit(self, coordinates: Coordinates, values: np.ndarray) -> Self:
        self.points_, self.values_ = check_fit_data(coordinates, values)
        self.centre_ = self.points_.mean(axis=0)
        self.nearest_ = Nearest().fit(coordinates, values)
        if len(self.values_) >= 3:
            self.interpolator_ = LinearNDInterpolator(self.points_ - self.centre_, self.values_)
        else:
            self.interpolator_ = None
        return self

    def _predict(self, points: np.ndarray) -> np.ndarray:
        if self.interpolator_ is None:
            return self.nearest_._predict(points)
        out = self.interpolator_(points - self.centre_)
        outside = np.isnan(out)
        if outside.any():
            out[outside] = self.nearest_._predict(points[outside])
        return out


class IDW(BaseGridder):
    """Inverse distance weighting over the ``k`` nearest samples within ``radius`` metres."""

    exact = True

    def __init__(self, k: int = 16, power: float = 2.0, radius: float = 4_000.0):
        self.k = k
        self.power = power
        self.radius = radius

    def fit(self, coordinates: Coordinates, values: np.ndarray) -> Self:
        self.points_, self.values_ = check_fit_data(coordinates, values)
        self.tree_ = cKDTree(self.points_)
        return self

    def _predict(self, points: np.ndarray) -> np.ndarray:
        k = self.k
        dist, index = self.tree_.query(points, k=k, workers=-1, distance_upper_bound=self.radius)
        dist, index = dist.reshape(len(points), k), index.reshape(len(points), k)
        valid = index < len(self.values_)
        with np.errstate(divide="ignore"):
            weight = np.where(valid, 1.0 / np.where(valid, dist, 1.0) ** self.power, 0.0)
        hit = valid & (dist == 0.0)
        rows = hit.any(axis=1)
        weight[rows] = hit[rows]  # exactly on a sample: that sample alone
        values = self.values_[np.where(valid, index, 0)]
        with np.errstate(invalid="ignore", divide="ignore"):
            return (weight * values).sum(axis=1) / weight.sum(axis=1)
