"""The gridder contract (after verde): parameters in ``__init__``, ``fit``, ``predict``, ``grid``.

Coordinates are ``(easting, northing)`` arrays in metres; values are dB(m). Fitted state ends
in ``_``. ``grid`` returns a :class:`~analysis.grid.Surface` on a regular grid.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Self

import numpy as np

from analysis.grid import GridSpec, Surface

__all__ = ["BaseGridder", "check_fit_data"]

Coordinates = tuple[np.ndarray, np.ndarray]


def check_fit_data(coordinates: Coordinates, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validated (n, 2) points and (n,) values; NaN or mismatched input is refused."""
    east, north = (np.asarray(c, dtype=float).ravel() for c in coordinates)
    values = np.asarray(values, dtype=float).ravel()
    if not (len(east) == len(north) == len(values)):
        raise ValueError(
            f"coordinates and values differ in length ({len(east)}, {len(north)}, {len(values)})"
        )
    if len(values) == 0:
        raise ValueError("no samples to fit")
    if not (np.isfinite(east).all() and np.isfinite(north).all() and np.isfinite(values).all()):
        raise ValueError("coordinates and values must be finite")
    return np.column_stack([east, north]), values


class BaseGridder(ABC):
    """Base class: subclasses implement ``fit`` and ``_predict``; ``std`` is optional."""

    #: True when the gridder reproduces the samples exactly at their positions.
    exact: bool = False

    def get_params(self) -> dict[str, Any]:
        """The parameters given to ``__init__`` (for cloning in cross-validation)."""
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}

    def clone(self) -> Self:
        """An unfitted copy with the same parameters."""
        return type(self)(**self.get_params())

    def frozen(self) -> BaseGridder:
        """An unfitted copy that keeps what was learnt from all the data (e.g. a variogram).

        Tiles fit such a copy to their own samples, so that a tile's result does not depend on
        which samples fell into it, only on the neighbourhood of each cell.
        """
        return self.clone()

    @abstractmethod
    def fit(self, coordinates: Coordinates, values: np.ndarray) -> Self:
        """Fit to samples; return ``self``."""

    @abstractmethod
    def _predict(self, points: np.ndarray) -> np.ndarray:
        """Values at (m, 2) points."""

    def _std(self, points: np.ndarray) -> np.ndarray | None:
        """Standard error in dB at (m, 2) points, when the method has its own (kriging)."""
        return None

    def _check_fitted(self) -> None:
        if not hasattr(self, "points_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit() first")

    def predict(self, coordinates: Coordinates) -> np.ndarray:
        """Predicted values at ``(easting, northing)``."""
        self._check_fitted()
        east, north = (np.asarray(c, dtype=float) for c in coordinates)
        shape = np.broadcast(east, north).shape
        points = np.column_stack([np.ravel(east), np.ravel(north)])
        return self._predict(points).reshape(shape)

    def predict_std(self, coordinates: Coordinates) -> np.ndarray | None:
        """Method's own standard error at the points (None when it has none)."""
        self._check_fitted()
        east, north = (np.asarray(c, dtype=float) for c in coordinates)
        points = np.column_stack([np.ravel(east), np.ravel(north)])
        std = self._std(points)
        return None if std is None else std.reshape(np.broadcast(east, north).shape)

    def predict_cells(
        self, points: np.ndarray, spacing: float
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Values and the method's own std (or None) at grid-cell centres ``points`` (m, 2).

        Gridders may exploit the regular layout (kriging shares neighbourhoods in blocks).
        """
        self._check_fitted()
        del spacing
        return self._predict(points), self._std(points)

    def grid(self, spec: GridSpec) -> Surface:
        """Predict on every cell of ``spec`` (no support mask: see ``analysis.coverage``)."""
        east, north = spec.cell_centres()
        values, std = self.predict_cells(
            np.column_stack([east.ravel(), north.ravel()]), spec.spacing
        )
        return Surface(
            spec, values.reshape(spec.shape), None if std is None else std.reshape(spec.shape)
        )
