"""Road-aligned kriging with a drive effect: sharper maps along the roads that were driven.

Three things set it apart from :class:`~analysis.gridders.kriging.OrdinaryKriging`:

- **A drive effect.** Each drive (survey session, or drive-test file) carries its own offset
  (phone, weather, load). Two readings of one drive share a constant covariance term that the
  right-hand side leaves out, so the map predicts the field a *new* drive will meet instead of
  copying the offset of the drive that passed nearest.
- **Road-aligned neighbours.** The signal is smoother along a road than across it. The local
  road direction at a point is half the angle of the weighted mean of the doubled headings of
  the ``heading_k`` nearest samples (a heading is the direction to the next distinct fix of the
  same drive; doubled, so that both ways along a road agree). Neighbours are the ``k`` closest
  of the ``candidates`` nearest by a distance whose across-road part is stretched by
  ``stretch``, and the same distance enters the covariance.
- **Blend to isotropic away from the tracks.** Within ``near_m`` of the nearest sample the
  road model predicts; beyond ``far_m`` ordinary kriging (its own fitted variogram) does, and
  a linear blend between. Off the roads there is no road to align to, and blocked CV shows
  the anisotropy hurts there.

The road model's covariance is two nested exponential structures with a nugget (see
:class:`~analysis.gridders.variogram.NestedVariogram`), fitted to the semivariances of pairs
of different drives and of pairs of one drive; the drive effect is then tuned on left-out
drives (the fitted one, or 2, 4 or 8 times it: whichever predicts held-out drives best, see
:meth:`RoadKriging._tune_on_lodo`). Systems are solved in stacked batches, each
point near a track with its own neighbourhood (grid cells near a track: 2 x 2 cells share
one, ``share_cells``); grid cells away from tracks go through ordinary kriging's shared block
neighbourhoods, so the cost grows with the cells near tracks only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Self

import numpy as np
from scipy.spatial import cKDTree

from analysis.gridders.base import BaseGridder, Coordinates, check_fit_data
from analysis.gridders.headings import layout_headings, road_headings
from analysis.gridders.kriging import OrdinaryKriging
from analysis.gridders.road_system import krige_stack, stretched
from analysis.gridders.variogram import (
    NestedVariogram,
    Variogram,
    fit_nested_variogram,
)

__all__ = ["RoadKriging"]

_CHUNK = 512


class RoadKriging(BaseGridder):
    """Kriging along roads with a drive random effect; ``fit(..., drive=...)``.

    Parameters
    ----------
    k : neighbours kept per point.
    candidates : nearest samples the neighbours are chosen from (by the stretched distance).
    heading_k : samples whose headings give the road direction at a point.
    stretch : factor on the across-road distance on a track (1: isotropic).
    near_m, far_m : full stretch up to ``near_m`` from the nearest sample, none beyond
        ``far_m``.
    variogram : a fixed :class:`NestedVariogram` (default: fitted to the data).
    iso_variogram : the variogram of the isotropic model away from tracks (default: fitted,
        as :class:`OrdinaryKriging` fits it).
    radius : neighbours farther than this are left out.
    share_cells : on a grid, the cells of a square of this many cells a side near the tracks
        share the road-aligned neighbourhood of its centre (1: each cell its own).
    tune_points, tune_within_m : how the drive effect and nugget are tuned on left-out drives
        (see :meth:`_tune_on_lodo`; only when the variogram is fitted and drives are given).
    """

    def __init__(
        self,
        k: int = 32,
        candidates: int = 96,
        heading_k: int = 12,
        stretch: float = 3.0,
        near_m: float = 20.0,
        far_m: float = 100.0,
        variogram: NestedVariogram | None = None,
        iso_variogram: Variogram | None = None,
        max_lag: float | None = None,
        radius: float = 4_000.0,
        tune_points: int = 600,
        share_cells: int = 2,
        tune_within_m: float = 250.0,
    ):
        self.k = k
        self.candidates = candidates
        self.heading_k = heading_k
        self.stretch = stretch
        self.near_m = near_m
        self.far_m = far_m
        self.variogram = variogram
        self.iso_variogram = iso_variogram
        self.max_lag = max_lag
        self.radius = radius
        self.tune_points = tune_points
        self.share_cells = share_cells
        self.tune_within_m = tune_within_m

    def fit(
        self, coordinates: Coordinates, values: np.ndarray, *, drive: np.ndarray | None = None
    ) -> Self:
        """Fit to samples; ``drive`` gives each sample's drive, samples of a drive in time
        order (without it every sample is its own drive and headings come from the layout
        of the nearest samples)."""
        self.points_, self.values_ = check_fit_data(coordinates, values)
        if drive is not None:
            drive = np.asarray(drive).ravel()
            if len(drive) != len(self.values_):
                raise ValueError("drive must give one drive per sample")
            self.drive_ = np.unique(drive, return_inverse=True)[1].ravel().astype(np.int64)
            self.headings_ = road_headings(self.points_, self.drive_)
        else:
            self.drive_ = np.arange(len(self.values_), dtype=np.int64)
            self.headings_ = layout_headings(self.points_, self.heading_k)
        self.tree_ = cKDTree(self.points_)
        if self.variogram is not None:
            self.variogram_ = self.variogram
        else:
            fitted = fit_nested_variogram(
                self.points_, self.values_, None if drive is None else self.drive_, self.max_lag
            )
            self.variogram_ = fitted if drive is None else self._tune_on_lodo(fitted)
        self.isotropic_ = OrdinaryKriging(
            variogram=self.iso_variogram, max_lag=self.max_lag, radius=self.radius
        ).fit((self.points_[:, 0], self.points_[:, 1]), self.values_)
        return self

    def _tune_on_lodo(self, fitted: NestedVariogram) -> NestedVariogram:
        """The drive effect and nugget that predict left-out drives best.

        The empirical fit sees pairs; what matters is predicting the next drive. Up to
        ``tune_points`` samples are predicted from the other drives (drives dealt into at most
        ten groups, a group left out at a time), at points within ``tune_within_m`` of another
        group, for drive effects of 1, 2, 4 and 8 times the fitted one (at least 2 % of the
        sill) and nuggets of 0.5, 1 and 2 times; the lowest RMSE wins.
        """
        drives = int(self.drive_.max()) + 1 if len(self.drive_) else 0
        if drives < 3 or len(self.values_) < 4 * self.k:
            return fitted
        rng = np.random.default_rng(0)
        group = (rng.permutation(drives) % min(10, drives))[self.drive_]
        pick = rng.choice(len(self.values_), min(len(self.values_), self.tune_points), False)
        parts = []
        for start in range(0, len(pick), _CHUNK):
            at = pick[start : start + _CHUNK]
            index, valid, along, stretch = self._neighbourhoods(self.points_[at], group, group[at])
            gap = self.points_[index] - self.points_[at][:, None, :]
            near = np.where(valid, np.hypot(gap[..., 0], gap[..., 1]), np.inf)
            ok = near.min(axis=1) <= self.tune_within_m
            parts.append((at[ok], index[ok], valid[ok], along[ok], stretch[ok]))
        if sum(len(p[0]) for p in parts) < 30:
            return fitted
        base_drive = max(fitted.drive, 0.02 * fitted.sill)
        best: tuple[float, NestedVariogram] = (np.inf, fitted)
        for scale in (1.0, 2.0, 4.0, 8.0):
            model = replace(fitted, drive=base_drive * scale)
            square, count = 0.0, 0
            for at, index, valid, along, stretch in parts:
                est, _ = krige_stack(
                    self.points_[index],
                    self.values_[index],
                    self.drive_[index],
                    valid,
                    self.points_[at, None, :],
                    along,
                    stretch,
                    model,
                )
                res = est[:, 0] - self.values_[at]
                res = res[np.isfinite(res)]
                square += float(res @ res)
                count += len(res)
            rmse = np.sqrt(square / max(count, 1))
            if rmse < best[0]:
                best = (rmse, model)
        return best[1]

    def frozen(self) -> RoadKriging:
        """Unfitted copy with the fitted covariances (tiles pass each sample's drive)."""
        params = self.get_params()
        params["variogram"] = self.variogram_
        params["iso_variogram"] = self.isotropic_.variogram_
        return RoadKriging(**params)

    def _predict(self, points: np.ndarray) -> np.ndarray:
        return self._blend(points, None)[0]

    def _std(self, points: np.ndarray) -> np.ndarray:
        return np.sqrt(self._blend(points, None)[1])

    def predict_cells(
        self, points: np.ndarray, spacing: float
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Estimate and std at grid cells (cells far from tracks as ordinary kriging does)."""
        self._check_fitted()
        value, variance = self._blend(np.asarray(points, dtype=float), spacing)
        return value, np.sqrt(variance)

    def _blend(self, points: np.ndarray, spacing: float | None) -> tuple[np.ndarray, np.ndarray]:
        """Road model up to ``near_m`` from the nearest sample, isotropic kriging beyond
        ``far_m``, a linear blend of the two between."""
        self._check_fitted()
        weight = self._track_weight(points)
        value = np.zeros(len(points))
        variance = np.zeros(len(points))
        road = weight > 0
        if road.any() and spacing is not None and self.share_cells > 1:
            value[road], variance[road] = self._solve_blocks(
                points[road], spacing * self.share_cells
            )
        elif road.any():
            value[road], variance[road] = self._solve_points(points[road])
        iso = weight < 1
        if iso.any():
            if spacing is None:
                est, sd = self.isotropic_.predict_with_std(points[iso])
            else:
                est, cell_sd = self.isotropic_.predict_cells(points[iso], spacing)
                sd = np.full(len(est), np.nan) if cell_sd is None else cell_sd
            w = weight[iso]
            value[iso] = w * value[iso] + (1 - w) * est
            variance[iso] = w * variance[iso] + (1 - w) * sd**2
        return value, variance

    def _track_weight(self, points: np.ndarray) -> np.ndarray:
        """1 on the tracks (within ``near_m``), 0 beyond ``far_m``, linear between."""
        dist = self.tree_.query(points, workers=-1)[0]
        span = max(self.far_m - self.near_m, 1e-9)
        return np.clip((self.far_m - dist) / span, 0.0, 1.0)

    def road_direction(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit along-road vectors (m, 2) and the stretch (m,) at ``points``."""
        self._check_fitted()
        k = min(self.heading_k, len(self.values_))
        dist, index = self.tree_.query(points, k=k, workers=-1)
        return self._direction(dist.reshape(len(points), k), index.reshape(len(points), k))

    def _direction(self, dist: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Road direction from the doubled headings of the samples at ``index`` (nearest
        first, ``dist`` away; a missing neighbour has an infinite distance)."""
        weight = np.where(np.isfinite(dist), 1.0 / (np.where(np.isfinite(dist), dist, 0) + 10.0), 0)
        safe = np.minimum(index, len(self.values_) - 1)
        total = np.maximum(weight.sum(axis=1), 1e-12)[:, None]
        doubled = (self.headings_[safe] * weight[..., None]).sum(axis=1) / total
        coherence = np.hypot(doubled[:, 0], doubled[:, 1])
        angle = 0.5 * np.arctan2(doubled[:, 1], doubled[:, 0])
        along = np.column_stack([np.cos(angle), np.sin(angle)])
        # Where headings disagree (crossings, bends) the direction is weak: less stretch.
        stretch = 1.0 + (self.stretch - 1.0) * np.clip(coherence, 0.0, 1.0)
        return along, stretch

    def _neighbourhoods(
        self, points: np.ndarray, group: np.ndarray | None = None, own: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Neighbour indices and validity (m, k), along-road vectors and stretch at points.

        One query of the ``candidates`` nearest serves both the road direction (its first
        ``heading_k``) and the choice of the ``k`` nearest by the stretched distance. With
        ``group`` (a group per sample) and ``own`` (a group per point), samples of the
        point's own group are left out (leave-drives-out on the fitted samples).
        """
        n = len(self.values_)
        pool = min(max(self.candidates, self.k, self.heading_k), n)
        k = min(self.k, n)
        dist, index = self.tree_.query(points, k=pool, distance_upper_bound=self.radius, workers=-1)
        dist, index = dist.reshape(len(points), pool), index.reshape(len(points), pool)
        valid = index < n
        safe = np.where(valid, index, 0)
        if group is not None and own is not None:
            valid &= group[safe] != own[:, None]
            dist = np.where(valid, dist, np.inf)
            first = np.argsort(~valid, axis=1, kind="stable")[:, : min(self.heading_k, pool)]
            rows = np.arange(len(points))[:, None]
            along, stretch = self._direction(dist[rows, first], safe[rows, first])
        else:
            h = min(self.heading_k, pool)
            along, stretch = self._direction(dist[:, :h], safe[:, :h])
        offset = self.points_[safe] - points[:, None, :]
        metric = np.where(valid, stretched(offset, along, stretch), np.inf)
        if pool > k:
            keep = np.argpartition(metric, k - 1, axis=1)[:, :k]
        else:
            keep = np.broadcast_to(np.arange(k)[None, :], (len(points), k))
        rows = np.arange(len(points))[:, None]
        return safe[rows, keep], valid[rows, keep], along, stretch

    def _solve_blocks(self, points: np.ndarray, block: float) -> tuple[np.ndarray, np.ndarray]:
        """Grid cells in square blocks of side ``block``: the cells of a block share the
        road-aligned neighbourhood of its centre, and one system solves them all."""
        key = np.floor(points / block).astype(np.int64)
        _, bucket = np.unique(key, axis=0, return_inverse=True)
        bucket = bucket.ravel()
        order = np.argsort(bucket, kind="stable")
        first = np.flatnonzero(np.r_[True, bucket[order][1:] != bucket[order][:-1]])
        size = np.diff(np.r_[first, len(points)])
        slot = np.arange(len(points)) - np.repeat(first, size)
        width = int(size.max())
        targets = np.repeat(points[order[first]][:, None, :], width, axis=1)
        targets[np.repeat(np.arange(len(first)), size), slot] = points[order]
        centres = (np.floor(points[order[first]] / block) + 0.5) * block
        estimate = np.empty((len(first), width))
        variance = np.empty((len(first), width))
        step = max(_CHUNK // width, 1)
        for start in range(0, len(first), step):
            stop = start + step
            index, valid, along, stretch = self._neighbourhoods(centres[start:stop])
            estimate[start:stop], variance[start:stop] = krige_stack(
                self.points_[index],
                self.values_[index],
                self.drive_[index],
                valid,
                targets[start:stop],
                along,
                stretch,
                self.variogram_,
            )
        rows = np.repeat(np.arange(len(first)), size)
        out_e = np.empty(len(points))
        out_v = np.empty(len(points))
        out_e[order], out_v[order] = estimate[rows, slot], variance[rows, slot]
        return out_e, out_v

    def _solve_points(
        self,
        points: np.ndarray,
        model: NestedVariogram | None = None,
        group: np.ndarray | None = None,
        own: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each point with its own road-aligned neighbourhood."""
        model = model or self.variogram_
        estimate = np.empty(len(points))
        variance = np.empty(len(points))
        for start in range(0, len(points), _CHUNK):
            stop = start + _CHUNK
            chunk = points[start:stop]
            index, valid, along, stretch = self._neighbourhoods(
                chunk, group, None if own is None else own[start:stop]
            )
            est, var = krige_stack(
                self.points_[index],
                self.values_[index],
                self.drive_[index],
                valid,
                chunk[:, None, :],
                along,
                stretch,
                model,
            )
            estimate[start:stop] = est[:, 0]
            variance[start:stop] = var[:, 0]
        return estimate, variance
