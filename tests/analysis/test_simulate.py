"""The survey simulator: seeded, valid, realistic in the ways the maps depend on."""

from __future__ import annotations

import pandas as pd

from analysis.classify import classify_frame
from analysis.schema import validate
from analysis.simulate import SurveyConfig, simulate_survey


def test_same_seed_same_survey_other_seed_other_survey() -> None:
    a = simulate_survey(SurveyConfig(points=900, seed=11))
    b = simulate_survey(SurveyConfig(points=900, seed=11))
    c = simulate_survey(SurveyConfig(points=900, seed=12))
    pd.testing.assert_frame_equal(a, b)
    assert not a["rsrp_dbm"].equals(c["rsrp_dbm"])


def test_every_reading_is_a_valid_record() -> None:
    frame = simulate_survey(SurveyConfig(points=1_500))
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert all(validate(r) == [] for r in records)
    assert frame["id"].is_unique


def test_survey_is_in_agam_with_indonesian_operators_and_real_blankspots() -> None:
    frame = simulate_survey(SurveyConfig(points=6_000))
    assert frame["lat"].between(-0.6, -0.05).all() and frame["lon"].between(99.95, 100.7).all()
    assert set(frame["mcc"] + "-" + frame["mnc"]) == {"510-10", "510-01", "510-11"}
    assert set(frame["mode"]) == {"vehicle", "walking", "stationary"}
    no_service = frame["tech"] == "NONE"
    assert 0.02 < no_service.mean() < 0.3
    classes = classify_frame(frame).value_counts(normalize=True)
    assert all(classes[c] > 0.1 for c in ("strong", "weak", "none"))
    assert frame.loc[no_service, ["rsrp_dbm", "rssi_dbm"]].isna().all().all()


def test_signal_falls_with_distance_from_the_towers() -> None:
    frame = simulate_survey(SurveyConfig(points=6_000))
    lte = frame[frame["tech"] == "LTE"]
    near_town = ((lte["lat"] + 0.3056).abs() < 0.01) & ((lte["lon"] - 100.3692).abs() < 0.01)
    assert lte.loc[near_town, "rsrp_dbm"].median() > lte.loc[~near_town, "rsrp_dbm"].median() + 5


def test_requested_size_is_respected() -> None:
    assert abs(len(simulate_survey(SurveyConfig(points=3_000))) - 3_000) <= 3
