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
    value is the technology's floor because the readings there had no service.
    """

    easting: np.ndarray
    northing: np.ndarray
    value: np.ndarray
    count: np.ndarray
    censored: np.ndarray
    crs: CRS | None
    cell: np.ndarray | None = None

    @property
    def coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        return self.easting, self.northing

    def __len__(self) -> int:
        return len(self.value)

    def subset(self, mask: np.ndarray) -> Samples:
        """The samples where ``mask`` is true (a boolean array or indices)."""
        cell = None if self.cell is None else self.cell[mask]
        return Samples(
            self.easting[mask],
            self.northing[mask],
            self.value[mask],
            self.count[mask],
            self.censored[mask],
            self.crs,
            cell,
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
) -> Samples:
    """Project, censor no-service readings at the floor of ``tech``, and block-reduce.

    Parameters
    ----------
    frame : readings of one operator (see :func:`select`).
    tech : the technology whose class metric is mapped (``LTE``, ``NR``, ``WCDMA``, ``GSM``).
    block_m : size of the blocks over which repeated fixes are reduced by median (None: keep
        every reading).
    crs : metric CRS (default: the UTM zone of the data).
    """
    if tech not in FLOOR_DBM:
        raise ValueError(f"cannot map technology {tech!r}; expected one of {sorted(FLOOR_DBM)}")
    frame = frame[frame["tech"].isin([tech, "NONE"]).to_numpy()]
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
        east, north, value[ok], np.ones(ok.sum(), dtype=np.int64), censored[ok], crs, cells
    )
    return block_reduce(samples, block_m) if block_m else samples


def block_reduce(samples: Samples, block_m: float) -> Samples:
    """Median of value and position per square block; ``count`` adds up, ``censored`` if most.

    The serving cell of a block is its most frequent one.
    """
    bx = np.floor(samples.easting / block_m).astype(np.int64)
    by = np.floor(samples.northing / block_m).astype(np.int64)
    table = pd.DataFrame(
        {
            "bx": bx,
            "by": by,
            "e": samples.easting,
            "n": samples.northing,
            "v": samples.value,
            "c": samples.count,
            "z": samples.censored.astype(float),
        }
    )
    if samples.cell is not None:
        table["cell"] = samples.cell
    grouped = table.groupby(["bx", "by"], sort=True)
    med = grouped[["e", "n", "v", "z"]].median()
    count = grouped["c"].sum()
    cell = None
    if samples.cell is not None:
        sizes = table.dropna(subset=["cell"]).groupby(["bx", "by", "cell"]).size()
        top = sizes.reset_index(name="k").sort_values(
            ["bx", "by", "k"], ascending=[True, True, False], kind="stable"
        )
        first = top.drop_duplicates(["bx", "by"]).set_index(["bx", "by"])["cell"]
        cell = first.reindex(med.index).to_numpy(dtype=float)
    return Samples(
        med["e"].to_numpy(),
        med["n"].to_numpy(),
        med["v"].to_numpy(),
        count.to_numpy(dtype=np.int64),
        med["z"].to_numpy() > 0.5,
        samples.crs,
        cell,
    )


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
