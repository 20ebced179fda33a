"""Accuracy: blocked cross-validation RMSE on the Cork drive tests, ours against peers.

Samples: LTE and 5G-NSA rows (RSRP of the LTE anchor), RSRP in -140..-44 dBm, one value per
distinct GPS fix (median), blocks of 500 m, 5 folds; every method sees the same folds.
Peers: PyKrige ordinary kriging (32 nearest points; the better of its exponential and
spherical models), scipy ``griddata`` linear (nearest outside the hull, so every test point
is scored), IDW (k=16, power 2), nearest neighbour, the global mean. ``auto`` is nested: in
each outer fold it picks a method by blocked CV on the training part alone.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.interpolate import griddata
from scipy.spatial import cKDTree

from analysis.coverage import DEFAULT_CANDIDATES, make_gridder
from analysis.crossval import blocked_folds, fit_gridder, select_best
from analysis.prepare import Samples, prepare_samples
from analysis.readers import read_surveys
from benchmarks._common import SHARED_DATA, table

OURS = ("nearest", "linear", "idw", "rbf", "kriging", "trend")
AUTO_CANDIDATES = DEFAULT_CANDIDATES


def cork_samples() -> Samples:
    files = sorted((SHARED_DATA / "drivetests" / "cork-gnettrack").rglob("*.csv"))
    if not files:
        raise SystemExit(f"accuracy benchmark needs the Cork drive tests in {SHARED_DATA}")
    frame, _ = read_surveys(files, tz="Europe/Dublin")
    lte = frame[(frame["tech"] == "LTE") & frame["rsrp_dbm"].between(-140, -44)]
    s = prepare_samples(lte, "LTE", block_m=None)
    fixes = pd.DataFrame({"e": s.easting, "n": s.northing, "v": s.value, "c": s.cell})
    grouped = fixes.groupby(["e", "n"], sort=True)
    value = grouped["v"].median()
    cell = grouped["c"].agg(lambda c: c.mode().iloc[0] if c.notna().any() else np.nan)
    east = value.index.get_level_values(0).to_numpy()
    north = value.index.get_level_values(1).to_numpy()
    return Samples(
        east,
        north,
        value.to_numpy(),
        np.ones(len(value), np.int64),
        np.zeros(len(value), bool),
        s.crs,
        cell.to_numpy(dtype=float),
    )


def _peer_predictions(name: str, train: Samples, test: Samples) -> np.ndarray:
    pts = np.column_stack(train.coordinates)
    target = np.column_stack(test.coordinates)
    if name == "global mean":
        return np.full(len(test), train.value.mean())
    if name == "nearest (scipy)":
        return griddata(pts, train.value, target, method="nearest")
    if name == "linear (scipy griddata)":
        out = griddata(pts, train.value, target, method="linear")
        hole = np.isnan(out)
        out[hole] = griddata(pts, train.value, target[hole], method="nearest")
        return out
    if name == "idw k=16 p=2":
        dist, idx = cKDTree(pts).query(target, k=16)
        w = 1.0 / np.maximum(dist, 1e-9) ** 2
        return (w * train.value[idx]).sum(axis=1) / w.sum(axis=1)
    from pykrige.ok import OrdinaryKriging

    model = name.split()[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ok = OrdinaryKriging(pts[:, 0], pts[:, 1], train.value, variogram_model=model)
        z, _ = ok.execute("points", target[:, 0], target[:, 1], backend="loop", n_closest_points=32)
    return np.asarray(z)


PEERS = (
    "global mean",
    "nearest (scipy)",
    "idw k=16 p=2",
    "linear (scipy griddata)",
    "pykrige OK n=32 exponential",
    "pykrige OK n=32 spherical",
)


def run(seeds: tuple[int, ...] = (0, 1, 2)) -> dict[str, object]:
    samples = cork_samples()
    print(
        f"Cork LTE/5G-NSA RSRP: {len(samples)} distinct GPS fixes, blocks 500 m, 5 folds, "
        f"fold seeds {list(seeds)}"
    )
    errors: dict[str, list[np.ndarray]] = {}
    picks: list[str] = []
    for seed in seeds:
        for train_mask, test_mask in blocked_folds(samples, 500.0, 5, seed):
            train, test = samples.subset(train_mask), samples.subset(test_mask)
            for name in PEERS:
                errors.setdefault(name, []).append(
                    _peer_predictions(name, train, test) - test.value
                )
            for name in OURS:
                model = fit_gridder(make_gridder(name), train)
                errors.setdefault(f"ours: {name}", []).append(
                    model.predict(test.coordinates) - test.value
                )
            best, _ = select_best(
                {n: make_gridder(n) for n in AUTO_CANDIDATES}, train, 500.0, 5, seed
            )
            picks.append(best)
            model = fit_gridder(make_gridder(best), train)
            errors.setdefault("ours: auto (nested)", []).append(
                model.predict(test.coordinates) - test.value
            )
    rows = []
    for name, parts in errors.items():
        res = np.concatenate(parts)
        rows.append(
            {
                "method": name,
                "rmse_db": float(np.sqrt(np.mean(res**2))),
                "mae_db": float(np.mean(np.abs(res))),
                "bias_db": float(np.mean(res)),
                "p95_db": float(np.quantile(np.abs(res), 0.95)),
            }
        )
    peers = [r for r in rows if not r["method"].startswith("ours")]
    ours = [r for r in rows if r["method"].startswith("ours") and "auto" not in r["method"]]
    best_peer = min(peers, key=lambda r: r["rmse_db"])
    best_ours = min(ours, key=lambda r: r["rmse_db"])
    auto = next(r for r in rows if "auto" in r["method"])
    for r in rows:
        r["vs_best_peer"] = r["rmse_db"] / best_peer["rmse_db"]
    print(
        table(
            sorted(rows, key=lambda r: r["rmse_db"]),
            ["method", "rmse_db", "mae_db", "bias_db", "p95_db", "vs_best_peer"],
        )
    )
    gain = 1 - best_ours["rmse_db"] / best_peer["rmse_db"]
    print(
        f"best peer {best_peer['method']} {best_peer['rmse_db']:.2f} dB; best of ours "
        f"{best_ours['method']} {best_ours['rmse_db']:.2f} dB: {gain:.1%} better "
        f"(target 10%); auto {auto['rmse_db']:.2f} dB, "
        f"{auto['rmse_db'] - best_ours['rmse_db']:+.2f} dB from our best (target <= 0.1); "
        f"auto picked {pd.Series(picks).value_counts().to_dict()}"
    )
    return {"rows": rows, "gain": gain, "auto_gap_db": auto["rmse_db"] - best_ours["rmse_db"]}


if __name__ == "__main__":
    run()
