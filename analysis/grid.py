"""Regular grids in a metric CRS: where the cells are, and what a gridded surface holds."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine
from pyproj import CRS

__all__ = ["MAX_CELLS", "GridSpec", "Surface"]

MAX_CELLS = 100_000_000
"""Largest grid built (about 40 bytes a cell over the coverage layers: 4 GB); a province of
400 x 400 km at 50 m is 64 million cells."""


def _count(value: float) -> str:
    return f"{value:,.0f}" if value < 1e12 else f"{value:.2g}"


@dataclass(frozen=True, slots=True)
class GridSpec:
    """A north-up grid: ``west``/``north`` is the top-left corner, cells are square.

    Row 0 is the northern row, as in a GeoTIFF.
    """

    west: float
    north: float
    spacing: float
    width: int
    height: int
    crs: CRS | None = None

    @classmethod
    def covering(
        cls,
        easting: np.ndarray,
        northing: np.ndarray,
        spacing: float,
        margin: float = 0.0,
        crs: CRS | None = None,
    ) -> GridSpec:
        """The grid snapped to multiples of ``spacing`` that covers the points plus a margin."""
        if not (math.isfinite(spacing) and spacing > 0):
            raise ValueError("spacing must be positive and finite")
        if not (math.isfinite(margin) and margin >= 0):
            raise ValueError("margin must be finite and not negative")
        with np.errstate(all="ignore"):  # huge extents over tiny spacings are refused below
            cols = (float(np.max(easting)) - float(np.min(easting)) + 2 * margin) / spacing + 2
            rows = (float(np.max(northing)) - float(np.min(northing)) + 2 * margin) / spacing + 2
        if not (math.isfinite(cols * rows) and cols * rows <= MAX_CELLS):
            raise ValueError(
                f"a grid of {_count(cols)} x {_count(rows)} cells of {spacing:g} m is too large "
                f"(limit {MAX_CELLS:,} cells); choose a larger spacing"
            )
        west = math.floor((np.min(easting) - margin) / spacing) * spacing
        east = math.ceil((np.max(easting) + margin) / spacing) * spacing
        south = math.floor((np.min(northing) - margin) / spacing) * spacing
        north = math.ceil((np.max(northing) + margin) / spacing) * spacing
        width = max(1, round((east - west) / spacing))
        height = max(1, round((north - south) / spacing))
        return cls(float(west), float(north), float(spacing), width, height, crs)

    @property
    def shape(self) -> tuple[int, int]:
        return self.height, self.width

    @property
    def transform(self) -> Affine:
        """Affine transform from (col, row) to (easting, northing) of cell corners."""
        return Affine(self.spacing, 0.0, self.west, 0.0, -self.spacing, self.north)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in metres."""
        return (
            self.west,
            self.north - self.height * self.spacing,
            self.west + self.width * self.spacing,
            self.north,
        )

    def x(self) -> np.ndarray:
        return self.west + (np.arange(self.width) + 0.5) * self.spacing

    def y(self) -> np.ndarray:
        return self.north - (np.arange(self.height) + 0.5) * self.spacing

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """(easting, northing) of every cell centre, each shaped like the grid."""
        return np.meshgrid(self.x(), self.y())

    def window(self, row0: int, col0: int, height: int, width: int) -> GridSpec:
        """The sub-grid starting at (row0, col0)."""
        return GridSpec(
            self.west + col0 * self.spacing,
            self.north - row0 * self.spacing,
            self.spacing,
            width,
            height,
            self.crs,
        )


@dataclass(slots=True)
class Surface:
    """Predicted values (and the method's own standard error, if any) on a grid."""

    spec: GridSpec
    values: np.ndarray
    std: np.ndarray | None = None
