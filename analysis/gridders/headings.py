"""Which way the road runs at each sample: headings along a drive, or the layout of the
nearest samples when no drives are known. Angles are doubled so that both ways along a road
agree."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

__all__ = ["layout_headings", "road_headings"]


def road_headings(points: np.ndarray, drive: np.ndarray) -> np.ndarray:
    """Doubled-angle unit vectors (n, 2) of each sample's heading along its drive.

    A heading is the direction to the next fix of the same drive (samples are distinct
    fixes); the last fix of a drive, or one that did not move, looks back to the previous
    fix. A drive of one fix has no heading (zero vector).
    """
    n = len(points)
    vec = np.zeros((n, 2))
    if n >= 2:
        step = np.diff(points, axis=0)
        usable = (drive[1:] == drive[:-1]) & np.any(step != 0, axis=1)
        vec[:-1][usable] = step[usable]
        back = ~np.any(vec[1:] != 0, axis=1) & usable
        vec[1:][back] = step[back]
    angle = 2.0 * np.arctan2(vec[:, 1], vec[:, 0])
    ok = np.any(vec != 0, axis=1)
    out = np.zeros((n, 2))
    out[ok] = np.column_stack([np.cos(angle[ok]), np.sin(angle[ok])])
    return out


def layout_headings(points: np.ndarray, k: int) -> np.ndarray:
    """Doubled-angle vectors from the principal axis of each sample's nearest samples (for
    samples without drives): the direction a line of fixes runs, weighted by how line-like."""
    n = len(points)
    if n < 3:
        return np.zeros((n, 2))
    k = min(k + 1, n)
    _, index = cKDTree(points).query(points, k=k, workers=-1)
    offset = points[index] - points[index].mean(axis=1, keepdims=True)
    sxx = (offset[..., 0] ** 2).mean(axis=1)
    syy = (offset[..., 1] ** 2).mean(axis=1)
    sxy = (offset[..., 0] * offset[..., 1]).mean(axis=1)
    doubled = np.column_stack([sxx - syy, 2 * sxy])
    norm = sxx + syy
    return np.where(norm[:, None] > 0, doubled / np.where(norm > 0, norm, 1.0)[:, None], 0.0)
