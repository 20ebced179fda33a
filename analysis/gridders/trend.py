"""Radio knowledge as a trend: log-distance path loss from sites estimated from the data.

Readings name their serving cell. Cells of one site (an LTE eNodeB is ``ECI // 256``) share a
position; for each site the position, the power at 100 m and the path-loss exponent are fitted
to its readings (robust least squares). The trend at a point is the best server's predicted
level; kriging of the residuals adds what the model does not know (terrain, buildings).
"""

from __future__ import annotations

from typing import Self

import numpy as np
from scipy.optimize import least_squares

from analysis.gridders.base import BaseGridder, Coordinates, check_fit_data
from analysis.gridders.kriging import OrdinaryKriging
from analysis.gridders.variogram import Variogram

__all__ = ["TrendKriging", "site_of"]

_MIN_READINGS = 15
_D0 = 100.0


def site_of(cell: np.ndarray) -> np.ndarray:
    """Site key of each cell id: the eNodeB (ECI // 256) for LTE-sized ids, else the id."""
    cell = np.asarray(cell, dtype=float)
    return np.where(cell > 65_535, np.floor(cell / 256.0), cell)


class TrendKriging(BaseGridder):
    """Best-server log-distance trend from fitted sites, plus ordinary kriging of residuals.

    The trend enters through a regression ``a + b * level``: where the site model explains
    little, ``b`` shrinks and the method falls back to kriging.
    """

    def __init__(
        self,
        k: int = 64,
        min_readings: int = _MIN_READINGS,
        sites: np.ndarray | None = None,
        variogram: Variogram | None = None,
        coef: tuple[float, float] | None = None,
    ):
        self.k = k
        self.min_readings = min_readings
        self.sites = sites
        self.variogram = variogram
        self.coef = coef

    def fit(
        self, coordinates: Coordinates, values: np.ndarray, cells: np.ndarray | None = None
    ) -> Self:
        self.points_, self.values_ = check_fit_data(coordinates, values)
        if self.sites is not None:
            self.sites_ = self.sites
        else:
            self.sites_ = _fit_sites(self.points_, self.values_, cells, self.min_readings)
        level = self._level(self.points_)
        if self.coef is not None:
            self.coef_ = self.coef
        elif len(self.sites_) and np.ptp(level) > 0:
            design = np.column_stack([np.ones_like(level), level])
            a, b = np.linalg.lstsq(design, self.values_, rcond=None)[0]
            self.coef_ = (float(a), float(b))
        else:
            self.coef_ = (float(np.median(self.values_)), 0.0)
        residual = self.values_ - self._trend(self.points_)
        self.residual_ = OrdinaryKriging(k=self.k, variogram=self.variogram).fit(
            (self.points_[:, 0], self.points_[:, 1]), residual
        )
        return self

    def frozen(self) -> TrendKriging:
        """Unfitted copy that reuses the fitted sites, trend and variogram (for tiles)."""
        return TrendKriging(
            self.k, self.min_readings, self.sites_, self.residual_.variogram_, self.coef_
        )

    def _trend(self, points: np.ndarray) -> np.ndarray:
        a, b = self.coef_
        return a + b * self._level(points) if b else np.full(len(points), a)

    def _level(self, points: np.ndarray) -> np.ndarray:
        if len(self.sites_) == 0:
            return np.zeros(len(points))
        out = np.full(len(points), -np.inf)
        for start in range(0, len(points), 65_536):
            chunk = points[start : start + 65_536]
            d = np.hypot(
                chunk[:, None, 0] - self.sites_[None, :, 0],
                chunk[:, None, 1] - self.sites_[None, :, 1],
            )
            level = self.sites_[None, :, 2] - 10 * self.sites_[None, :, 3] * np.log10(
                np.maximum(d, 10.0) / _D0
            )
            out[start : start + len(chunk)] = level.max(axis=1)
        return out

    def _predict(self, points: np.ndarray) -> np.ndarray:
        return self._trend(points) + self.residual_._predict(points)

    def _std(self, points: np.ndarray) -> np.ndarray:
        return self.residual_._std(points)

    def predict_cells(
        self, points: np.ndarray, spacing: float
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Trend plus kriged residual, and the residual's kriging std, at grid cells."""
        value, std = self.residual_.predict_cells(points, spacing)
        return self._trend(points) + value, std


def _fit_sites(
    points: np.ndarray, values: np.ndarray, cells: np.ndarray | None, min_readings: int
) -> np.ndarray:
    """(n_sites, 4) array of easting, northing, level at 100 m, path-loss exponent."""
    if cells is None:
        return np.empty((0, 4))
    sites = site_of(cells)
    fitted = []
    for key in np.unique(sites[np.isfinite(sites)]):
        mine = sites == key
        if mine.sum() < min_readings:
            continue
        fitted.append(_fit_one(points[mine], values[mine]))
    return np.array(fitted) if fitted else np.empty((0, 4))


def _fit_one(points: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Fit one site to its readings; start from the centroid of the strongest ones."""
    strong = values >= np.quantile(values, 0.9)
    x0, y0 = points[strong].mean(axis=0)
    span = max(float(np.ptp(points, axis=0).max()), 200.0)

    def residual(p: np.ndarray) -> np.ndarray:
        d = np.hypot(points[:, 0] - p[0], points[:, 1] - p[1])
        return p[2] - 10 * p[3] * np.log10(np.maximum(d, 10.0) / _D0) - values

    start = np.array([x0, y0, float(values.max()), 3.0])
    lower = [x0 - 2 * span, y0 - 2 * span, -150.0, 1.5]
    upper = [x0 + 2 * span, y0 + 2 * span, 0.0, 6.0]
    fit = least_squares(
        residual, start, bounds=(lower, upper), loss="soft_l1", f_scale=6.0, max_nfev=200
    )
    return fit.x
