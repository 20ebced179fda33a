"""Stacked kriging systems of the road model: distances stretched across the road, and a
drive term shared by readings of one drive on the left-hand side only."""

from __future__ import annotations

import numpy as np

from analysis.gridders.variogram import NestedVariogram

__all__ = ["krige_stack", "stretched"]


def stretched(offset: np.ndarray, along: np.ndarray, stretch: np.ndarray) -> np.ndarray:
    """Length of offsets (m, ..., 2) with the across-road part multiplied by ``stretch`` (m,),
    in the road direction ``along`` (m, 2) of their row."""
    shape = (len(along),) + (1,) * (offset.ndim - 2)
    ux, uy, factor = along[:, 0].reshape(shape), along[:, 1].reshape(shape), stretch.reshape(shape)
    a = offset[..., 0] * ux + offset[..., 1] * uy
    c = offset[..., 1] * ux - offset[..., 0] * uy
    return np.sqrt(a * a + (factor * c) ** 2)


def krige_stack(
    near: np.ndarray,
    values: np.ndarray,
    drive: np.ndarray,
    valid: np.ndarray,
    targets: np.ndarray,
    along: np.ndarray,
    stretch: np.ndarray,
    model: NestedVariogram,
) -> tuple[np.ndarray, np.ndarray]:
    """Ordinary kriging of targets (m, t, 2) from neighbourhoods near (m, k, 2) in one stack.

    The drive term joins pairs of one drive on the left-hand side only; the variance is that
    of a new reading by a new drive.
    """
    m, k = values.shape
    h = stretched(near[:, :, None, :] - near[:, None, :, :], along, stretch)
    system = np.ones((m, k + 1, k + 1))
    block = system[:, :k, :k]
    block[:] = model.covariance(h) + model.drive * (drive[:, :, None] == drive[:, None, :])
    idx = np.arange(k)
    block[:, idx, idx] = model.sill * (1.0 + 1e-9)
    system[:, k, k] = 0.0
    if not valid.all():
        both = valid[:, :, None] & valid[:, None, :]
        block[~both] = 0.0
        block[:, idx, idx] = np.where(valid, block[:, idx, idx], 1.0)
        system[:, :k, k] = valid
        system[:, k, :k] = valid
    lonely = ~valid.any(axis=1)
    system[lonely, k, k] = -1.0
    t = targets.shape[1]
    rhs = np.ones((m, k + 1, t))
    reach = stretched(near[:, :, None, :] - targets[:, None, :, :], along, stretch)
    rhs[:, :k, :] = np.where(valid[:, :, None], model.covariance(reach), 0.0)
    try:
        solution = np.linalg.solve(system, rhs)
    except np.linalg.LinAlgError:
        solution = np.linalg.pinv(system) @ rhs
    estimate = np.einsum("mkt,mk->mt", solution[:, :k, :], values)
    variance = np.maximum(model.sill - (solution * rhs).sum(axis=1), 0.0)
    estimate[lonely] = np.nan
    variance[lonely] = np.nan
    return estimate, variance
