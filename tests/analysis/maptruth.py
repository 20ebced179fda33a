"""Seeded synthetic surveys for the map-truth tests (blankspots and village verdicts)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.blankspots import Blankspot, EvidenceRule, find_blankspots
from analysis.classmap import ClassMap, classify_coverage
from analysis.coverage import Coverage, build_coverage
from analysis.frame import canonical_frame
from analysis.prepare import prepare_samples, reading_points, select

LAT0, LON0 = -0.30, 100.37
M_PER_DEG = 111_320.0


def offset(east_m: float, north_m: float) -> tuple[float, float]:
    """(lat, lon) ``east_m``/``north_m`` metres from the survey's origin."""
    return LAT0 + north_m / M_PER_DEG, LON0 + east_m / (M_PER_DEG * np.cos(np.radians(LAT0)))


def survey(points: list[tuple[float, float, float | None, str]]) -> pd.DataFrame:
    """Canonical frame of LTE readings of 510-10: (east m, north m, RSRP or None for no
    service, ISO day) each."""
    rows = []
    for n, (east, north, rsrp, day) in enumerate(points):
        lat, lon = offset(east, north)
        rows.append(
            {
                "id": f"00000000-0000-4000-8000-{n:012d}",
                "device_id": "test-phone",
                "observed_at": f"{day}T03:00:{n % 60:02d}Z",
                "lat": round(lat, 7),
                "lon": round(lon, 7),
                "accuracy_m": 5.0,
                "mock_location": False,
                "tech": "LTE" if rsrp is not None else "NONE",
                "mcc": "510",
                "mnc": "10",
                "rsrp_dbm": rsrp,
            }
        )
    return canonical_frame(rows)


def covered_block(size_m: float = 1_000.0, step_m: float = 50.0) -> list:
    """Strong readings (-80 dBm) on a lattice over a square east/north of the origin."""
    ticks = np.arange(0.0, size_m + 1, step_m)
    return [(e, n, -80.0, "2026-10-05") for e in ticks for n in ticks]


@dataclass
class Analysis:
    coverage: Coverage
    classes: ClassMap
    spots: list[Blankspot]
    readings: pd.DataFrame


def analyse(frame: pd.DataFrame, rule: EvidenceRule | None = None) -> Analysis:
    """The steps of ``build_products`` up to blankspots, with the nearest-sample gridder."""
    chosen = select(frame, "510-10", "LTE")
    samples = prepare_samples(chosen, "LTE")
    assert samples.crs is not None
    readings = reading_points(chosen, "LTE", samples.crs)
    coverage = build_coverage(samples, method="nearest", spacing=50.0, executor="serial")
    raw = classify_coverage(coverage, "LTE")
    spots, classes = find_blankspots(raw, coverage.spec, readings, 0.05, rule)
    return Analysis(coverage, classes, spots, readings)
