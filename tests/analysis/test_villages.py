"""Village verdicts tell the truth: unsurveyed is not blankspot, and "smaller than one grid
cell" only when it is. Known answers on a seeded synthetic survey, and properties."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.boundaries import Region, read_boundaries
from analysis.simulate import SurveyConfig, simulate_survey
from analysis.villages import VERDICTS, rollup, village_verdicts
from tests.analysis.maptruth import Analysis, analyse, covered_block, offset, survey


@pytest.fixture(scope="module")
def block() -> Analysis:
    """Strong signal measured on a 1 km square (50 m lattice) east/north of the origin."""
    return analyse(survey(covered_block()))


def _village(code: str, west: float, south: float, east: float, north: float) -> Region:
    """A rectangular village, corners in metres from the survey's origin."""
    (lat0, lon0), (lat1, lon1) = offset(west, south), offset(east, north)
    return Region(
        code, f"Desa {code}", shapely.box(lon0, lat0, lon1, lat1), "13.06.01", "K", "13.06", "KK"
    )


def _verdicts(result: Analysis, regions: list[Region]) -> pd.DataFrame:
    table = village_verdicts(
        regions, result.classes, result.coverage.spec, result.readings, "510-10", "LTE"
    )
    return table.set_index("kode")


def test_a_village_far_from_every_reading_is_unsurveyed_and_says_why(block: Analysis) -> None:
    row = _verdicts(block, [_village("13.06.01.2001", 30_000, 0, 32_000, 1_000)]).iloc[0]
    assert row["verdict"] == "unsurveyed"
    assert row["reason"] == "outside the survey: the nearest reading is 29.0 km away"
    assert row["nearest_reading_km"] == pytest.approx(29.0, abs=0.01)
    assert row["note"] == ""  # 2 km2: not "smaller than one grid cell"
    assert (row["samples"], row["surveyed_share"]) == (0, 0.0)


def test_a_tiny_village_inside_the_survey_is_smaller_than_one_cell(block: Analysis) -> None:
    row = _verdicts(block, [_village("13.06.01.2002", 490, 490, 510, 510)]).iloc[0]
    assert re.fullmatch(
        r"smaller than one grid cell \(0\.0004 km2, a cell is 0\.0025 km2\); "
        r"judged on the (1 cell|[2-4] cells) it touches",
        row["note"],
    )
    assert row["surveyed_share"] == 1.0 and row["strong_share"] == 1.0
    assert row["samples"] == 1  # the lattice reading at (500 m, 500 m)
    assert row["verdict"] == "insufficient data"
    assert row["reason"] == "1 reading inside (needs 10)"


def test_a_surveyed_village_gets_its_verdict_and_reason(block: Analysis) -> None:
    row = _verdicts(block, [_village("13.06.01.2003", 75, 75, 925, 925)]).iloc[0]
    assert row["verdict"] == "strong" and row["note"] == ""
    assert row["reason"] == "0 % of its surveyed area weak or without signal (under half)"
    assert row["samples"] == 17 * 17 and row["nearest_reading_km"] == 0.0


def test_a_village_reached_only_from_outside_is_unsurveyed(block: Analysis) -> None:
    row = _verdicts(block, [_village("13.06.01.2004", 1_100, 0, 1_600, 1_000)]).iloc[0]
    assert row["verdict"] == "unsurveyed" and row["samples"] == 0
    assert row["surveyed_share"] > 0.5
    assert row["reason"].startswith("no reading inside; the map reaches ")
    assert row["reason"].endswith("(the nearest reading is 0.1 km away)")


def test_the_part_of_a_village_beyond_the_grid_counts_as_unsurveyed(block: Analysis) -> None:
    # 1 km wide, 8 km long: the map reaches about 1.75 km of it; the grid ends there too
    row = _verdicts(block, [_village("13.06.01.2005", 0, 0, 1_000, 8_000)]).iloc[0]
    assert row["surveyed_share"] == pytest.approx(1.7 / 8, abs=0.03)
    assert row["verdict"] == "strong"


def test_a_village_without_polygon_has_insufficient_data(block: Analysis) -> None:
    region = Region("13.06.01.2006", "Nagari Baru", None, "13.06.01", "K", "13.06", "KK")
    row = _verdicts(block, [region]).iloc[0]
    assert (row["verdict"], row["reason"], row["note"]) == (
        "insufficient data",
        "no boundary polygon yet",
        "no boundary polygon yet",
    )


def test_rollup_counts_unsurveyed_villages(block: Analysis) -> None:
    regions = [
        _village("13.06.01.2001", 30_000, 0, 32_000, 1_000),
        _village("13.06.01.2003", 100, 100, 900, 900),
    ]
    table = village_verdicts(
        regions, block.classes, block.coverage.spec, block.readings, "510-10", "LTE"
    )
    (row,) = rollup(table, "kecamatan").to_dict("records")
    assert row["villages_unsurveyed"] == 1 and row["villages_strong"] == 1
    assert sum(row[f"villages_{v.replace(' ', '_')}"] for v in VERDICTS) == 2


# --- properties ---------------------------------------------------------------------------

_EDGE = st.floats(-40_000.0, 40_000.0, allow_nan=False)
_SIZE = st.sampled_from([5.0, 20.0, 45.0, 80.0, 300.0, 2_000.0, 9_000.0])


@st.composite
def _villages(draw: st.DrawFn) -> list[Region]:
    count = draw(st.integers(1, 8))
    regions = []
    for n in range(count):
        west, south = draw(_EDGE), draw(_EDGE)
        width, height = draw(_SIZE), draw(_SIZE)
        regions.append(_village(f"13.06.01.{2001 + n}", west, south, west + width, south + height))
    return regions


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regions=_villages())
def test_every_village_gets_a_true_verdict(block: Analysis, regions: list[Region]) -> None:
    table = _verdicts(block, regions)
    cell_km2 = block.coverage.spec.spacing**2 / 1e6
    assert len(table) == len(regions)
    assert set(table["verdict"]) <= set(VERDICTS)
    assert (table["reason"].str.len() > 0).all()
    assert ((table["samples"] == 0) == (table["verdict"] == "unsurveyed")).all()
    outside = table["reason"].str.startswith("outside the survey")
    assert (outside == ((table["samples"] == 0) & (table["surveyed_share"] == 0))).all()
    small = table["note"].str.startswith("smaller than one grid cell")
    assert (small == (table["area_km2"] < cell_km2 - 1e-9)).all()
    assert table["surveyed_share"].between(0, 1).all()
    shares = table[["strong_share", "weak_share", "none_share", "doubtful_share"]].sum(axis=1)
    assert np.allclose(shares[table["surveyed_share"] > 0], 1.0, atol=1e-3)
    assert (table.loc[table["samples"] > 0, "nearest_reading_km"] == 0).all()
    assert table["nearest_reading_km"].notna().all()  # there are readings


@pytest.mark.slow
@pytest.mark.realdata
def test_west_sumatra_villages_outside_a_demo_survey_are_unsurveyed(shared_data: Path) -> None:
    boundaries = shared_data / "boundaries"
    regions = read_boundaries(
        boundaries / "sumbar_desa.geojson", boundaries / "sumbar_villages.csv"
    )
    result = analyse(simulate_survey(SurveyConfig(points=6_000, seed=7)))
    table = _verdicts(result, regions)
    assert len(table) == 1_265
    counts = table["verdict"].value_counts().to_dict()
    assert counts["unsurveyed"] > 900  # the survey covers Agam and Bukittinggi only
    assert counts["insufficient data"] >= 106  # at least the villages without a polygon
    assert sum(counts.get(v, 0) for v in ("strong", "weak", "none")) > 10
    # every real village is larger than a 50 m cell (the smallest is 0.07 km2)
    assert not table["note"].str.startswith("smaller than one grid cell").any()
    with_polygon = table["note"] != "no boundary polygon yet"
    unsurveyed = table["verdict"] == "unsurveyed"
    assert (unsurveyed == (with_polygon & (table["samples"] == 0))).all()
    outside = table.loc[unsurveyed, "reason"].str.startswith("outside the survey: the nearest")
    assert outside.sum() > 900
    judged = table["verdict"].isin(["strong", "weak", "none"])
    assert (table.loc[judged, "samples"] >= 10).all()
