"""Blankspots need evidence: known answers on seeded synthetic surveys, and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.blankspots import EvidenceRule, find_blankspots
from analysis.classmap import CLASS_CODES, ClassMap
from analysis.grid import GridSpec
from analysis.project import utm_crs
from tests.analysis.maptruth import analyse, covered_block, survey

NONE, DOUBTFUL = CLASS_CODES["none"], CLASS_CODES["doubtful"]
FAR = 5_000.0  # metres east of the covered block: beyond the map's 750 m reach


def _codes_near(result, east: float, north: float = 0.0) -> int:
    """Class code of the cell holding the reading nearest (east, north) from the origin."""
    spec = result.coverage.spec
    readings = result.readings
    pick = ((readings["easting"] - readings["easting"].min() - east) ** 2).idxmin()
    col = int((readings.loc[pick, "easting"] - spec.west) // spec.spacing)
    row = int((spec.north - readings.loc[pick, "northing"]) // spec.spacing)
    return int(result.classes.codes[row, col])


def test_one_no_service_reading_is_a_doubtful_disc_not_a_blankspot() -> None:
    result = analyse(survey([*covered_block(), (FAR, 0.0, None, "2026-10-06")]))
    assert len(result.spots) == 1
    spot = result.spots[0]
    assert spot.status == "doubtful"
    assert spot.area_km2 == pytest.approx(math.pi * 0.75**2, rel=0.01)  # the 1.76 km2
    assert (spot.samples, spot.no_service_samples, spot.fixes) == (1, 1, 1)
    assert spot.reason == (
        "too little evidence: 1 reading without usable signal at 1 fix "
        "(a blankspot needs 5 readings at 3 fixes)"
    )
    # the map shows the disc as doubtful (grey), not as no signal (red)
    assert not (result.classes.codes == NONE).any()
    assert _codes_near(result, FAR) == DOUBTFUL


def test_many_readings_at_one_fix_stay_doubtful() -> None:
    stuck = [(FAR, 0.0, None, "2026-10-06")] * 30  # a logger repeating one GPS position
    result = analyse(survey([*covered_block(), *stuck]))
    (spot,) = result.spots
    assert spot.status == "doubtful"
    assert (spot.samples, spot.no_signal_samples, spot.fixes) == (30, 30, 1)


def test_enough_readings_at_distinct_fixes_make_a_blankspot_with_its_evidence() -> None:
    dead_road = [(FAR + 40.0 * k, 0.0, None, f"2026-10-0{6 + k % 2}") for k in range(6)]
    dead_road += [(FAR + 240.0, 0.0, -125.0, "2026-10-08")]  # weak enough to be no signal
    result = analyse(survey([*covered_block(), *dead_road]))
    (spot,) = result.spots
    assert spot.status == "blankspot"
    assert spot.properties() == {
        "status": "blankspot",
        "reason": "7 readings without usable signal at 7 fixes",
        "area_km2": pytest.approx(math.pi * 0.75**2 + 1.5 * 0.24, rel=0.02),  # a stadium
        "samples": 7,
        "no_signal_samples": 7,
        "no_service_samples": 6,
        "fixes": 7,
        "days": 3,
        "first_seen": "2026-10-06",
        "last_seen": "2026-10-08",
        "median_dbm": -140.0,
        "no_service_share": pytest.approx(6 / 7, abs=1e-4),
    }
    assert _codes_near(result, FAR) == NONE


@pytest.mark.parametrize(
    ("rule", "status"),
    [
        (EvidenceRule(), "doubtful"),
        (EvidenceRule(min_samples=1, min_fixes=1), "blankspot"),  # the old behaviour
    ],
)
def test_the_rule_is_configurable(rule: EvidenceRule, status: str) -> None:
    result = analyse(survey([*covered_block(), (FAR, 0.0, None, "2026-10-06")]), rule)
    assert [s.status for s in result.spots] == [status]


def test_fixes_are_counted_on_the_rule_grid() -> None:
    jitter = [(FAR + 3.0 * k, 0.0, None, "2026-10-06") for k in range(6)]  # within 18 m
    fine = analyse(survey([*covered_block(), *jitter]), EvidenceRule(fix_m=1.0))
    coarse = analyse(survey([*covered_block(), *jitter]), EvidenceRule(fix_m=50.0))
    assert fine.spots[0].fixes == 6 and fine.spots[0].status == "blankspot"
    assert coarse.spots[0].fixes == 1 and coarse.spots[0].status == "doubtful"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("min_samples", 0),
        ("min_samples", -3),
        ("min_samples", 2.5),
        ("min_samples", True),
        ("min_fixes", 0),
        ("fix_m", 0.0),
        ("fix_m", -1.0),
        ("fix_m", math.inf),
        ("fix_m", math.nan),
        ("fix_m", "10"),
    ],
)
def test_bad_rules_are_refused_in_one_plain_line(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field) as caught:
        EvidenceRule(**{field: value})  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)


# --- properties ---------------------------------------------------------------------------

SPEC = GridSpec(0.0, 1_000.0, 100.0, 10, 10, utm_crs(100.0, -0.3))


@st.composite
def _maps_and_readings(draw: st.DrawFn) -> tuple[ClassMap, pd.DataFrame]:
    codes = np.array(
        draw(st.lists(st.sampled_from([0, 1, 2, 3, 3, 3, 4]), min_size=100, max_size=100)),
        dtype=np.uint8,
    ).reshape(10, 10)
    count = draw(st.integers(0, 60))
    coords = st.floats(0.0, 999.0, allow_nan=False)
    readings = pd.DataFrame(
        {
            "easting": draw(st.lists(coords, min_size=count, max_size=count)),
            "northing": draw(st.lists(coords, min_size=count, max_size=count)),
            "value": draw(st.lists(st.floats(-140.0, -44.0), min_size=count, max_size=count)),
            "no_service": draw(st.lists(st.booleans(), min_size=count, max_size=count)),
            "observed_at": pd.to_datetime(
                draw(
                    st.lists(
                        st.sampled_from(["2026-10-05", "2026-10-06", "2026-10-07"]),
                        min_size=count,
                        max_size=count,
                    )
                ),
                utc=True,
            ),
        }
    )
    return ClassMap(codes, np.ones((10, 10), np.float32), "LTE"), readings


_RULES = st.builds(
    EvidenceRule,
    min_samples=st.integers(1, 8),
    min_fixes=st.integers(1, 8),
    fix_m=st.sampled_from([1.0, 10.0, 100.0]),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_maps_and_readings(), rule=_RULES)
def test_every_none_area_is_judged_by_its_own_evidence(case, rule: EvidenceRule) -> None:
    classes, readings = case
    spots, judged = find_blankspots(classes, SPEC, readings, min_area_km2=0.0, rule=rule)
    cell_km2 = SPEC.spacing**2 / 1e6
    # every none cell is in exactly one listed area (no minimum area here)
    assert sum(s.area_km2 for s in spots) == pytest.approx((classes.codes == NONE).sum() * cell_km2)
    for spot in spots:
        assert 0 <= spot.no_service_samples <= spot.samples
        assert spot.no_signal_samples <= spot.samples and spot.fixes <= spot.no_signal_samples
        assert (spot.fixes == 0) == (spot.no_signal_samples == 0)
        assert spot.days <= max(spot.no_signal_samples, 0)
        enough = spot.no_signal_samples >= rule.min_samples and spot.fixes >= rule.min_fixes
        assert spot.status == ("blankspot" if enough else "doubtful")
    # only none cells change, and only to doubtful; blankspot cells stay none
    changed = judged.codes != classes.codes
    assert (classes.codes[changed] == NONE).all() and (judged.codes[changed] == DOUBTFUL).all()
    confirmed = sum(s.area_km2 for s in spots if s.status == "blankspot")
    assert (judged.codes == NONE).sum() * cell_km2 == pytest.approx(confirmed)
    listed = [s.status for s in spots]
    assert listed == sorted(listed)  # blankspots first


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_maps_and_readings(), rule=_RULES, more=st.integers(0, 3))
def test_a_stricter_rule_never_finds_more_blankspots(case, rule: EvidenceRule, more: int) -> None:
    classes, readings = case
    strict = EvidenceRule(rule.min_samples + more, rule.min_fixes + more, rule.fix_m)
    loose_spots, _ = find_blankspots(classes, SPEC, readings, 0.0, rule)
    strict_spots, _ = find_blankspots(classes, SPEC, readings, 0.0, strict)
    assert sum(s.status == "blankspot" for s in strict_spots) <= sum(
        s.status == "blankspot" for s in loose_spots
    )


@pytest.mark.slow
@pytest.mark.realdata
def test_repeated_gps_fixes_of_a_real_drive_test_are_not_evidence(cork_files) -> None:
    """Cork (G-NetTrack) repeats a GPS position for several seconds: with a stricter LTE
    threshold (no usable signal under -105 dBm) one none area rests on 11 readings at only
    2 fixes, and is doubtful; without the rule all 5 were blankspots."""
    from analysis.classes import Thresholds
    from analysis.classmap import classify_coverage
    from analysis.coverage import build_coverage
    from analysis.prepare import prepare_samples, reading_points, select
    from analysis.readers import read_surveys

    frame, _ = read_surveys(cork_files, tz="Europe/Dublin")
    chosen = select(frame, "B", "LTE")
    strict = Thresholds.from_mapping({"LTE": {"strong": -90, "weak": -105}})
    samples = prepare_samples(chosen, "LTE")
    assert samples.crs is not None
    readings = reading_points(chosen, "LTE", samples.crs)
    coverage = build_coverage(samples, method="idw", spacing=50.0, executor="serial")
    classes = classify_coverage(coverage, "LTE", strict)

    def statuses(rule: EvidenceRule) -> list[tuple[str, int, int]]:
        spots, _ = find_blankspots(classes, coverage.spec, readings, 0.05, rule, strict)
        return [(s.status, s.no_signal_samples, s.fixes) for s in spots]

    loose = statuses(EvidenceRule(min_samples=1, min_fixes=1))
    assert [s for s, _, _ in loose] == ["blankspot"] * 5
    judged = statuses(EvidenceRule())
    assert [s for s, _, _ in judged] == ["blankspot"] * 4 + ["doubtful"]
    assert judged[-1][1:] == (11, 2)
