"""Province scale: up to 1,000,000 readings over West Sumatra gridded at 100 m.

Readings follow random roads between 400 towns spread over the province's box (lon
98.6..101.9, lat -3.6..0.9), with a spatially structured signal and no-service readings
where it is weakest. The whole default pipeline runs: prepare (project, censor, block
median), ``auto`` method selection by blocked CV on a 20,000-sample subsample, support, and
tiled prediction on local processes. Target: 10^6 readings within 3 minutes and 4 GB.

Road kriging (issue 16): the same pipeline with ``method="road"`` and each road's readings as
one drive, against today's kriging without drives, on 10,000 readings, in CPU seconds (tiles
in process). Target: within 1.5x.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from analysis.coverage import build_coverage
from analysis.frame import canonical_frame
from analysis.prepare import prepare_samples
from benchmarks._common import peak_rss_mib, table, timer

BBOX = (98.6, 101.9, -3.6, 0.9)


def province_readings(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` LTE / no-service readings along roads in West Sumatra's box; each road is one
    drive (survey session), its readings timed in order along it."""
    rng = np.random.default_rng(seed)
    lon0, lon1, lat0, lat1 = BBOX
    towns = np.column_stack([rng.uniform(lon0, lon1, 400), rng.uniform(lat0, lat1, 400)])
    d = np.hypot(*(towns[:, None, :] - towns[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    pairs = np.column_stack([np.repeat(np.arange(400), 2), np.argsort(d, axis=1)[:, :2].ravel()])
    road = rng.integers(0, len(pairs), n)
    t = rng.uniform(0, 1, n)
    a, b = towns[pairs[road, 0]], towns[pairs[road, 1]]
    pos = a + t[:, None] * (b - a) + rng.normal(0, 0.0004, (n, 2))
    lon, lat = pos[:, 0], pos[:, 1]
    signal = (
        -98
        + 14 * np.sin(lon * 9.0) * np.cos(lat * 7.0)
        + 6 * np.sin(lon * 31 + lat * 23)
        + rng.normal(0, 4, n)
    )
    none = signal < -124
    frame = pd.DataFrame(
        {
            "id": [f"{i:08x}-0000-4000-8000-000000000000" for i in range(n)],
            "device_id": "bench",
            # One drive per road, driven from one end to the other.
            "session_id": [f"road-{r:04d}" for r in road],
            "observed_at": pd.Timestamp("2026-10-01", tz="UTC") + pd.to_timedelta(t * 3600, "s"),
            "lat": lat,
            "lon": lon,
            "tech": np.where(none, "NONE", "LTE"),
            "mcc": "510",
            "mnc": "10",
            "rsrp_dbm": np.where(none, np.nan, np.clip(np.round(signal), -140, -44)),
        }
    )
    return canonical_frame(frame)


def run(sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)) -> list[dict[str, object]]:
    rows = []
    for n in sizes:
        frame = province_readings(n)
        with timer() as prep:
            samples = prepare_samples(frame, "LTE")
        with timer() as total:
            coverage = build_coverage(samples, spacing=100.0, clip=(-140.0, -44.0))
        rows.append(
            {
                "readings": n,
                "samples": len(samples),
                "cells_millions": coverage.spec.width * coverage.spec.height / 1e6,
                "surveyed_pct": float(coverage.surveyed.mean() * 100),
                "method": coverage.method,
                "prepare_s": prep["s"],
                "cv_s": coverage.timings["cross_validation_s"],
                "support_s": coverage.timings["support_s"],
                "predict_s": coverage.timings["predict_s"],
                "total_s": prep["s"] + total["s"],
                "peak_mib": peak_rss_mib(),
            }
        )
        del frame, samples, coverage
    print(table(rows, list(rows[0])))
    road_against_kriging()
    last = rows[-1]
    base = rows[0]
    print(
        f"{last['readings']:,} readings: {last['total_s']:.0f} s (target 180 s), peak "
        f"{last['peak_mib']:.0f} MiB (target 4096); time grows "
        f"{float(last['total_s']) / float(base['total_s']):.1f}x for "
        f"{int(last['readings']) // int(base['readings'])}x the readings"
    )
    return rows


def road_against_kriging(n: int = 10_000) -> float:
    """CPU seconds of the whole pipeline with road kriging (drives kept) over those with
    today's kriging (no drives), on the same readings, tiles in this process so that other
    load on the machine does not count."""
    frame = province_readings(n)
    cpu: dict[str, float] = {}
    for method in ("kriging", "road"):
        start = time.process_time()
        road = method == "road"
        samples = prepare_samples(frame, "LTE", by_drive=road)
        # As products do: with drives, cross-validation sees each drive's readings apart.
        per_drive = (
            prepare_samples(frame, "LTE", by_drive=True, split_drives=True) if road else None
        )
        build_coverage(
            samples,
            method=method,
            spacing=100.0,
            clip=(-140.0, -44.0),
            executor="serial",
            cv_samples=per_drive,
        )
        cpu[method] = time.process_time() - start
    ratio = cpu["road"] / cpu["kriging"]
    print(
        f"{n:,} readings, CPU s: kriging {cpu['kriging']:.1f}, road {cpu['road']:.1f}; "
        f"ratio {ratio:.2f} (target 1.5)"
    )
    return ratio


if __name__ == "__main__":
    run()
