"""Large grids in tiles with an overlapping halo, computed in parallel.

Each tile fits a *frozen* copy of the gridder (what was learnt from all data, such as the
variogram, is kept) to the samples inside the tile plus a halo, and predicts only its own
cells that are surveyed. With a halo wider than a cell's neighbourhood, a cell's value does
not depend on the tiling. Tiles run in local processes by default, or on a Dask distributed
cluster when a scheduler address (or a ``distributed.Client``) is given.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.grid import GridSpec
from analysis.gridders.base import BaseGridder
from analysis.prepare import Samples

__all__ = ["Tile", "predict_tiled", "tiles"]

_SERIAL_BELOW = 300_000


@dataclass(frozen=True, slots=True)
class Tile:
    """A window of the grid: rows ``row0:row0+height``, columns ``col0:col0+width``."""

    row0: int
    col0: int
    height: int
    width: int


def tiles(spec: GridSpec, size: int) -> Iterator[Tile]:
    """Windows of at most ``size`` x ``size`` cells covering ``spec``."""
    for row0 in range(0, spec.height, size):
        for col0 in range(0, spec.width, size):
            yield Tile(row0, col0, min(size, spec.height - row0), min(size, spec.width - col0))


def _tile_job(
    model: BaseGridder,
    east: np.ndarray,
    north: np.ndarray,
    value: np.ndarray,
    cell: np.ndarray | None,
    x: np.ndarray,
    y: np.ndarray,
    spacing: float,
    drive: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Fit a frozen gridder to one tile's samples (with their drives, in their order) and
    predict its cells."""
    from analysis.crossval import fit_gridder

    ones = np.ones(len(value), np.int64)
    samples = Samples(east, north, value, ones, np.zeros(len(value), bool), None, cell, drive)
    fitted = fit_gridder(model, samples)
    return fitted.predict_cells(np.column_stack([x, y]), spacing)


def predict_tiled(
    model: BaseGridder,
    samples: Samples,
    spec: GridSpec,
    wanted: np.ndarray,
    tile_size: int = 512,
    halo: float = 5_000.0,
    executor: str | Any | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Values (and the method's std) on the cells where ``wanted`` is true; NaN elsewhere.

    Parameters
    ----------
    model : a gridder fitted to all samples (its ``frozen()`` copy is fitted per tile).
    wanted : boolean grid of cells to predict (the surveyed ones).
    executor : None or ``"processes"`` for local processes, ``"serial"`` for none, a Dask
        scheduler address (``"tcp://..."``) or a ``distributed.Client``.
    """
    values = np.full(spec.shape, np.nan, dtype=np.float32)
    std: np.ndarray | None = None
    frozen = model.frozen()
    jobs = []
    for tile in tiles(spec, tile_size):
        rows, cols = np.nonzero(
            wanted[tile.row0 : tile.row0 + tile.height, tile.col0 : tile.col0 + tile.width]
        )
        if len(rows) == 0:
            continue
        sub = spec.window(tile.row0, tile.col0, tile.height, tile.width)
        west, south, east, north = sub.bounds
        near = (
            (samples.easting >= west - halo)
            & (samples.easting <= east + halo)
            & (samples.northing >= south - halo)
            & (samples.northing <= north + halo)
        )
        if not near.any():
            continue
        x = sub.west + (cols + 0.5) * spec.spacing
        y = sub.north - (rows + 0.5) * spec.spacing
        cell = None if samples.cell is None else samples.cell[near]
        drive = None if samples.drive is None else samples.drive[near]
        args = (
            frozen,
            samples.easting[near],
            samples.northing[near],
            samples.value[near],
            cell,
            x,
            y,
            spec.spacing,
            drive,
        )
        jobs.append(((rows + tile.row0, cols + tile.col0), args))
    if executor is None and int(wanted.sum()) < _SERIAL_BELOW:
        executor = "serial"  # starting processes costs more than these few cells
    results = _run([j[1] for j in jobs], executor)
    for ((rows, cols), _), (est, sd) in zip(jobs, results, strict=True):
        values[rows, cols] = est
        if sd is not None:
            if std is None:
                std = np.full(spec.shape, np.nan, dtype=np.float32)
            std[rows, cols] = sd
    return values, std


def _run(arguments: list[tuple], executor: str | Any | None) -> list[tuple]:
    if not arguments:
        return []
    if executor == "serial" or len(arguments) == 1:
        return [_tile_job(*a) for a in arguments]
    if executor in (None, "processes"):
        # Not "fork": the server runs jobs in a thread, and forking a process that has other
        # threads (web requests, heartbeats) can copy a lock that is held and never freed.
        context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
        with ProcessPoolExecutor(max_workers=None, mp_context=context) as pool:
            return list(pool.map(_tile_job, *zip(*arguments, strict=True)))
    from distributed import Client

    client = executor if isinstance(executor, Client) else Client(executor)
    try:
        futures = [client.submit(_tile_job, *a, pure=False) for a in arguments]
        return client.gather(futures)
    finally:
        if client is not executor:
            client.close()
