"""Radial basis functions (scipy ``RBFInterpolator``) on scaled, centred coordinates."""

from __future__ import annotations

from typing import Self

import numpy as np
from scipy.interpolate import RBFInterpolator

from analysis.gridders.base import BaseGridder, Coordinates, check_fit_data

__all__ = ["RBF"]


class RBF(BaseGridder):
    """RBF over the ``neighbors`` nearest samples, with ``smoothing`` (linear kernel default:
    thin-plate splines over local neighbourhoods overshoot badly between drive-test roads).

    Coordinates are centred and divided by their spread before fitting: in raw UTM metres
    (values near 10^6) the polynomial part of the system is badly conditioned.
    """

    def __init__(self, neighbors: int = 48, smoothing: float = 0.0, kernel: str = "linear"):
        self.neighbors = neighbors
        self.smoothing = smoothing
        self.kernel = kernel

    @property
    def exact(self) -> bool:  # type: ignore[override]
        return self.smoothing == 0

    def fit(self, coordinates: Coordinates, values: np.ndarray) -> Self:
        self.points_, self.values_ = check_fit_data(coordinates, values)
        self.centre_ = self.points_.mean(axis=0)
        self.scale_ = float(self.points_.std()) or 1.0
        neighbors = min(self.neighbors, len(self.values_))
        self.interpolator_ = RBFInterpolator(
            (self.points_ - self.centre_) / self.scale_,
            self.values_,
            neighbors=neighbors,
            smoothing=self.smoothing,
            kernel=self.kernel,
        )
        return self

    def _predict(self, points: np.ndarray) -> np.ndarray:
        out = np.empty(len(points))
        for start in range(0, len(points), 50_000):  # bounds the memory of the neighbour search
            chunk = points[start : start + 50_000]
            out[start : start + len(chunk)] = self.interpolator_(
                (chunk - self.centre_) / self.scale_
            )
        return out
