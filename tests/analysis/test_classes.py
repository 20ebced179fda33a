"""Signal classes: the defaults of SIGNAL_CLASSES.md, overrides, and no-service readings."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.classes import DEFAULT_THRESHOLDS, Thresholds, classify, is_very_strong
from analysis.classify import classify_frame


@pytest.mark.parametrize(
    ("tech", "metric", "value", "expected"),
    [
        ("LTE", "rsrp_dbm", -100.0, "strong"),
        ("LTE", "rsrp_dbm", -100.5, "weak"),
        ("LTE", "rsrp_dbm", -115.0, "weak"),
        ("LTE", "rsrp_dbm", -115.5, "none"),
        ("NR", "rsrp_dbm", -105.0, "strong"),
        ("NR", "rsrp_dbm", -120.0, "weak"),
        ("NR", "rsrp_dbm", -121.0, "none"),
        ("WCDMA", "rscp_dbm", -85.0, "strong"),
        ("WCDMA", "rscp_dbm", -100.0, "weak"),
        ("WCDMA", "rscp_dbm", -101.0, "none"),
        ("GSM", "rssi_dbm", -100.0, "strong"),
        ("GSM", "rssi_dbm", -110.0, "weak"),
        ("GSM", "rssi_dbm", -111.0, "none"),
    ],
)
def test_default_thresholds(tech: str, metric: str, value: float, expected: str) -> None:
    reading = {"tech": tech, metric: value}
    assert classify(reading) == expected
    assert (
        classify_frame(
            pd.DataFrame([{"rsrp_dbm": None, "rscp_dbm": None, "rssi_dbm": None, **reading}])
        )[0]
        == expected
    )


def test_no_service_is_none_for_every_technology() -> None:
    assert classify({"tech": "NONE"}) == "none"
    frame = pd.DataFrame(
        {"tech": ["NONE"], "rsrp_dbm": [None], "rscp_dbm": [None], "rssi_dbm": [None]}
    )
    assert classify_frame(frame).tolist() == ["none"]


def test_missing_class_metric_gives_no_class() -> None:
    assert classify({"tech": "WCDMA", "rssi_dbm": -70.0}) is None
    frame = pd.DataFrame(
        {"tech": ["WCDMA"], "rsrp_dbm": [None], "rscp_dbm": [None], "rssi_dbm": [-70.0]}
    )
    assert classify_frame(frame).isna().all()


def test_overrides_change_one_boundary_and_keep_the_rest() -> None:
    custom = Thresholds.from_mapping({"LTE": {"strong": -95}})
    assert custom.classify({"tech": "LTE", "rsrp_dbm": -97.0}) == "weak"
    assert custom.by_tech["LTE"].weak == DEFAULT_THRESHOLDS.by_tech["LTE"].weak
    assert custom.by_tech["GSM"] == DEFAULT_THRESHOLDS.by_tech["GSM"]


@pytest.mark.parametrize(
    "overrides",
    [{"LTE": {"strong": -120}}, {"CDMA": {"strong": -90}}, {"LTE": {"good": -90}}],
)
def test_bad_overrides_are_refused(overrides: dict) -> None:
    with pytest.raises(ValueError):
        Thresholds.from_mapping(overrides)


@pytest.mark.parametrize(
    ("tech", "at", "below"),
    [("LTE", -80.0, -80.5), ("NR", -85.0, -85.5), ("WCDMA", -70.0, -70.5), ("GSM", -80.0, -81.0)],
)
def test_very_strong_limit_per_technology(tech: str, at: float, below: float) -> None:
    assert is_very_strong(tech, at)
    assert not is_very_strong(tech, below)
    # the three classes stay as they were: very strong is a part of strong
    metric = {"LTE": "rsrp_dbm", "NR": "rsrp_dbm", "WCDMA": "rscp_dbm", "GSM": "rssi_dbm"}[tech]
    assert classify({"tech": tech, metric: at}) == "strong"
    assert classify({"tech": tech, metric: below}) == "strong"


def test_very_strong_is_never_missing_or_unknown() -> None:
    assert not is_very_strong("LTE", None)
    assert not is_very_strong("LTE", float("nan"))
    assert not is_very_strong("NONE", -50.0)


def test_very_strong_overrides_and_their_bounds() -> None:
    custom = Thresholds.from_mapping({"LTE": {"very_strong": -85}})
    assert custom.is_very_strong("LTE", -84.0)
    assert custom.by_tech == DEFAULT_THRESHOLDS.by_tech
    assert custom.very_strong["GSM"] == DEFAULT_THRESHOLDS.very_strong["GSM"]
    with pytest.raises(ValueError, match="very_strong"):
        Thresholds.from_mapping({"LTE": {"very_strong": -100}})
    # raising strong alone keeps older configurations valid: very strong is never below it
    raised = Thresholds.from_mapping({"LTE": {"strong": -75}})
    assert raised.very_strong_limit("LTE") == -75.0
    assert not raised.is_very_strong("LTE", -78.0)
