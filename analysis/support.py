"""Honest support: how far each grid cell is from a sample, and how many samples are near.

Both come from a raster of sample counts: an exact Euclidean distance transform gives a
first distance for every cell, and a k-d tree refines it to the exact distance for the cells
near enough to matter. Counts within a radius come from a disk-shaped moving sum.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import distance_transform_edt
from scipy.signal import oaconvolve
from scipy.spatial import cKDTree

from analysis.grid import GridSpec

__all__ = ["sample_raster", "support"]


def sample_raster(
    spec: GridSpec, easting: np.ndarray, northing: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """Number of samples (or sum of ``weights``) in each cell of ``spec``."""
    col = np.floor((easting - spec.west) / spec.spacing).astype(np.int64)
    row = np.floor((spec.north - northing) / spec.spacing).astype(np.int64)
    inside = (col >= 0) & (col < spec.width) & (row >= 0) & (row < spec.height)
    flat = row[inside] * spec.width + col[inside]
    w = None if weights is None else weights[inside]
    counts = np.bincount(flat, weights=w, minlength=spec.width * spec.height)
    return counts.reshape(spec.shape)


def support(
    spec: GridSpec,
    easting: np.ndarray,
    northing: np.ndarray,
    max_distance: float,
    count_radius: float,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) to the nearest sample and samples within ``count_radius`` of each cell.

    Distances are exact for cells within ``max_distance`` of a sample; elsewhere they are a
    lower bound, which is all that is needed to mark those cells unsurveyed.
    """
    counts = sample_raster(spec, easting, northing, weights)
    occupied = counts > 0
    if not occupied.any():
        return np.full(spec.shape, np.inf, dtype=np.float32), np.zeros(spec.shape, np.int32)
    coarse = distance_transform_edt(~occupied) * spec.spacing
    # A cell's true distance is within one cell diagonal of the raster distance.
    near = coarse <= max_distance + spec.spacing * np.sqrt(2)
    distance = (coarse - spec.spacing / np.sqrt(2)).clip(min=0).astype(np.float32)
    rows, cols = np.nonzero(near)
    if len(rows):
        tree = cKDTree(np.column_stack([easting, northing]))
        x = spec.west + (cols + 0.5) * spec.spacing
        y = spec.north - (rows + 0.5) * spec.spacing
        exact, _ = tree.query(np.column_stack([x, y]), k=1, workers=-1)
        distance[rows, cols] = exact
    radius = max(0, int(count_radius // spec.spacing))
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    disk = ((yy**2 + xx**2) * spec.spacing**2 <= count_radius**2).astype(np.float64)
    nearby = oaconvolve(counts.astype(np.float64), disk, mode="same")
    return distance, np.rint(nearby).astype(np.int32)
