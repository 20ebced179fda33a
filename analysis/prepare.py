"""From a measurement frame to samples a gridder can fit: select, project, censor, reduce."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyproj import CRS

from analysis.classes import FLOOR_DBM
from analysis.classify import class_values
from analysis.project import to_metric, utm_crs
from analysis.summary import operator_label

__all__ = ["Samples", "block_reduce", "prepare_samples", "reading_points", "select"]


@dataclass(frozen=True, slots=True)
class Samples:
    """Readings ready for gridding: metric coordinates, a value per point and its support.

    ``count`` is how many readings were reduced into each point; ``censored`` marks points whose
    value is the technology's floor because the readings there had no service. ``drive`` is
    the survey session (our uploads) or drive-test file of each point, an integer code; when it
    is given, the points of one drive come in time order and no point mixes two drives.
    """

    easting: np.ndarray
    northing: np.ndarray
    value: np.ndarray
    count: np.ndarray
    censored: np.ndarray
    crs: CRS | None
    cell: np.ndarray | None = None
    drive: np.ndarray | None = None

    @property
    def coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        return self.easting, self.northing

    def __len__(self) -> int:
        return len(self.value)

    def subset(self, mask: np.ndarray) -> Samples:
        """The samples where ``mask`` is true (a boolean array or indices)."""
        cell = None if self.cell is None else self.cell[mask]
        drive = None if self.drive is None else self.drive[mask]
        return Samples(
            self.easting[mask],
            self.northing[mask],
            self.value[mask],
            self.count[mask],
            self.censored[mask],
            self.crs,
            cell,
            drive,
        )


def select(
    frame: pd.DataFrame,
    operator: str | None = None,
    tech: str | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Readings of one operator (``MCC-MNC`` or name) and technology in a time window.

    No-service readings (tech ``NONE``) of that operator are kept with any technology: they
    are the evidence of a blankspot for every technology.
    """
    keep = pd.Series(True, index=frame.index)
    if operator:
        keep &= (operator_label(frame) == operator) | (frame["operator"] == operator)
    if tech:
        keep &= frame["tech"].isin([tech, "NONE"])
    if start is not None:
        keep &= frame["observed_at"] >= pd.Timestamp(start, tz="UTC")
    if end is not None:
        keep &= frame["observed_at"] < pd.Timestamp(end, tz="UTC")
    return frame[keep.fillna(False).to_numpy()]


def prepare_samples(
    frame: pd.DataFrame,
    tech: str,
    block_m: float | None = 10.0,
    crs: CRS | None = None,
    by_drive: bool = False,
    split_drives: bool = False,
) -> Samples:
    """Project, censor no-service readings at the floor of ``tech``, and block-reduce.

    Parameters
    ----------
    frame : readings of one operator (see :func:`select`).
    tech : the technology whose class metric is mapped (``LTE``, ``NR``, ``WCDMA``, ``GSM``).
    block_m : size of the blocks over which repeated fixes are reduced by median (None: keep
        every reading).
    crs : metric CRS (default: the UTM zone of the data).
    by_drive : keep the survey session (``session_id``) of each point as its drive, the
        points of a drive in time order (for leave-one-drive-out CV and road kriging). The
        blocks stay those of ``by_drive=False`` (the same points); each takes the drive of
        most of its readings. Without sessions, or with ``False``, ``drive`` is None.
    split_drives : with ``by_drive``, reduce each drive's readings in a block apart (more
        points where drives overlap; a held-out drive then shares no point with the others).
    """
    if tech not in FLOOR_DBM:
        raise ValueError(f"cannot map technology {tech!r}; expected one of {sorted(FLOOR_DBM)}")
    frame = frame[frame["tech"].isin([tech, "NONE"]).to_numpy()]
    drive = _drive_codes(frame) if by_drive else None
    if drive is not None:
        # Time order within each drive: the road direction is taken from consecutive fixes.
        order = np.lexsort((frame["observed_at"].to_numpy(), drive))
        frame, drive = frame.iloc[order], drive[order]
    value = class_values(frame).to_numpy(dtype=float, copy=True)
    censored = (frame["tech"] == "NONE").to_numpy()
    value[censored] = FLOOR_DBM[tech]
    ok = np.isfinite(value)
    lon = frame["lon"].to_numpy(dtype=float)[ok]
    lat = frame["lat"].to_numpy(dtype=float)[ok]
    if not ok.any():
        raise ValueError(f"no {tech} or no-service readings to map")
    crs = crs or utm_crs(lon, lat)
    east, north = to_metric(lon, lat, crs)
    cells = frame["cell_id"].to_numpy(dtype="float64", na_value=np.nan)[ok]
    samples = Samples(
        east,
        north,
        value[ok],
        np.ones(ok.sum(), dtype=np.int64),
        censored[ok],
        crs,
        cells,
        None if drive is None else drive[ok],
    )
    return block_reduce(samples, block_m, split_drives) if block_m else samples


def _drive_codes(frame: pd.DataFrame) -> np.ndarray | None:
    """Integer code of each reading's survey session; None when no reading names one."""
    if "session_id" not in frame or frame["session_id"].isna().all():
        return None
    codes, _ = pd.factorize(frame["session_id"].fillna(""), sort=True)
    return codes.astype(np.int64)


def block_reduce(samples: Samples, block_m: float, split_drives: bool = False) -> Samples:
    """Median of value and position per square block; ``count`` adds up, ``censored`` if most.

    The serving cell of a block is its most frequent one. With drives, a block takes the
    drive of most of its readings (``split_drives``: each drive's readings in a block are
    reduced apart), and the points come in each drive's time order (that of their first
    reading).
    """
    table = pd.DataFrame(
        {
            "d": 0 if samples.drive is None else samples.drive,
            "bx": np.floor(samples.easting / block_m).astype(np.int64),
            "by": np.floor(samples.northing / block_m).astype(np.int64),
            "e": samples.easting,
            "n": samples.northing,
            "v": samples.value,
            "c": samples.count,
            "z": samples.censored.astype(float),
            "t": np.arange(len(samples)),
        }
    )
    keys = ["d", "bx", "by"] if split_drives and samples.drive is not None else ["bx", "by"]
    if samples.cell is not None:
        table["cell"] = samples.cell
    grouped = table.groupby(keys, sort=True)
    med = grouped[["e", "n", "v", "z"]].median()
    count = grouped["c"].sum()
    cell = None
    if samples.cell is not None:
        cell = _most_frequent(table.dropna(subset=["cell"]), keys, "cell", med.index)
    order: slice | np.ndarray = slice(None)
    drive = None
    if samples.drive is not None:
        if "d" in keys:
            drive = med.index.get_level_values("d").to_numpy(dtype=np.int64)
            start = grouped["t"].min().to_numpy()
        else:
            drive = _most_frequent(table, keys, "d", med.index).astype(np.int64)
            where = pd.MultiIndex.from_arrays(
                [*(med.index.get_level_values(k) for k in keys), drive]
            )
            start = table.groupby([*keys, "d"])["t"].min().reindex(where).to_numpy()
        order = np.lexsort((start, drive))
        drive = drive[order]
    return Samples(
        med["e"].to_numpy()[order],
        med["n"].to_numpy()[order],
        med["v"].to_numpy()[order],
        count.to_numpy(dtype=np.int64)[order],
        (med["z"].to_numpy() > 0.5)[order],
        samples.crs,
        None if cell is None else cell[order],
        drive,
    )


def _most_frequent(
    table: pd.DataFrame, keys: list[str], column: str, index: pd.Index
) -> np.ndarray:
    """The most frequent ``column`` value of each group of ``keys``, in the order of ``index``
    (ties: the smallest value; NaN for a group without values)."""
    sizes = table.groupby([*keys, column]).size()
    top = sizes.reset_index(name="_k").sort_values(
        [*keys, "_k"], ascending=[True] * len(keys) + [False], kind="stable"
    )
    first = top.drop_duplicates(keys).set_index(keys)[column]
    return first.reindex(index).to_numpy(dtype=float)


def reading_points(frame: pd.DataFrame, tech: str, crs: CRS) -> pd.DataFrame:
    """One row per reading of ``tech`` or no service: position in ``crs`` and WGS84, the
    class-metric value (no service at the floor), the no-service flag and the time."""
    frame = frame[frame["tech"].isin([tech, "NONE"]).to_numpy()]
    value = class_values(frame).to_numpy(dtype=float, copy=True)
    no_service = (frame["tech"] == "NONE").to_numpy()
    value[no_service] = FLOOR_DBM[tech]
    lon = frame["lon"].to_numpy(dtype=float)
    lat = frame["lat"].to_numpy(dtype=float)
    east, north = to_metric(lon, lat, crs)
    out = pd.DataFrame(
        {
            "easting": east,
            "northing": north,
            "lon": lon,
            "lat": lat,
            "value": value,
            "no_service": no_service,
            "observed_at": frame["observed_at"].to_numpy(),
        }
    )
    return out[np.isfinite(out["value"]).to_numpy()].reset_index(drop=True)
