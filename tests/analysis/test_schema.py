"""The measurement record: validation as a table of cases, JSON for the wire."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.schema import (
    FIELDS,
    Measurement,
    ValidationError,
    check,
    decode_batch,
    encode_batch,
    validate,
)

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
GOOD = {
    "id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    "device_id": "hp-officer-7",
    "session_id": "s-2026-10-31",
    "observed_at": "2026-10-31T03:15:00.250Z",
    "lat": -0.3056,
    "lon": 100.3692,
    "accuracy_m": 6.5,
    "tech": "LTE",
    "mcc": "510",
    "mnc": "10",
    "cell_id": 2560002,
    "rsrp_dbm": -97.0,
    "rsrq_db": -11.0,
    "sinr_db": 8.5,
    "mode": "walking",
}


def with_(**changes: object) -> dict:
    data = dict(GOOD)
    for key, value in changes.items():
        if value is ...:
            data.pop(key, None)
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    "data",
    [
        GOOD,
        with_(tech="NONE", rsrp_dbm=..., rsrq_db=..., sinr_db=..., cell_id=...),
        with_(tech="GSM", rsrp_dbm=..., rsrq_db=..., sinr_db=..., rssi_dbm=-105),
        with_(tech="WCDMA", rsrp_dbm=..., rsrq_db=..., sinr_db=..., rscp_dbm=-95, rssi_dbm=-80),
        with_(tech="WCDMA", rsrp_dbm=..., rsrq_db=..., sinr_db=..., rssi_dbm=-80),
        with_(tech="NR", rsrp_dbm=-110, cell_id=2**36 - 1),
        with_(observed_at="2026-11-01T19:04:00+07:00"),  # WIB offset, 4 min ahead: tolerated
        with_(mnc="001", mcc="310"),
        with_(rsrp_dbm=-140, rsrq_db=-34, sinr_db=40),  # edges of the 3GPP ranges
        with_(mock_location="true", note="dekat masjid"),
        with_(accuracy_m=..., mode=..., mcc=..., mnc=...),
    ],
)
def test_valid_records_pass(data: dict) -> None:
    assert validate(data, NOW) == []
    assert Measurement.from_dict(data, NOW).id == data["id"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"lat": 91.0}, "lat", "outside"),
        ({"lon": -181.0}, "lon", "outside"),
        ({"lat": 0.0, "lon": 0.0}, "lat", "0, 0"),
        ({"lat": ...}, "lat", "required"),
        ({"rsrp_dbm": -150.0}, "rsrp_dbm", "outside"),
        ({"rsrp_dbm": -20.0}, "rsrp_dbm", "outside"),
        ({"rsrq_db": 5.0}, "rsrq_db", "outside"),
        ({"sinr_db": 41.0}, "sinr_db", "outside"),
        ({"rsrp_dbm": math.nan}, "rsrp_dbm", "must carry"),
        ({"sinr_db": math.inf}, "sinr_db", "finite"),
        ({"lat": "abc"}, "lat", "not a number"),
        ({"rsrp_dbm": True}, "rsrp_dbm", "boolean"),
        ({"tech": "LTE", "rscp_dbm": -90}, "rscp_dbm", "does not carry"),
        ({"tech": "GSM"}, "rsrp_dbm", "does not carry"),
        ({"tech": "NONE"}, "rsrp_dbm", "does not carry"),
        ({"tech": "5G"}, "tech", "not one of"),
        ({"observed_at": "2026-11-01T12:06:00Z"}, "observed_at", "future"),
        ({"observed_at": "2026-10-31 03:15:00"}, "observed_at", "no zone"),
        ({"observed_at": "yesterday"}, "observed_at", "ISO 8601"),
        ({"id": "not-a-uuid"}, "id", "UUID"),
        ({"mcc": "51"}, "mcc", "3 digits"),
        ({"mnc": "1"}, "mnc", "digits"),
        ({"note": "x" * 501}, "note", "longer"),
        ({"device_id": "d" * 65}, "device_id", "longer"),
        ({"cell_id": 1.5}, "cell_id", "whole number"),
        ({"pci_psc": 1008}, "pci_psc", "outside"),
        ({"mode": "flying"}, "mode", "not one of"),
        ({"accuracy_m": -1}, "accuracy_m", "outside"),
        ({"mock_location": "maybe"}, "mock_location", "boolean"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_invalid_records_name_the_field_and_reason(changes: dict, field: str, words: str) -> None:
    problems = validate(with_(**changes), NOW)
    assert any(p.field == field and words in p.reason for p in problems), problems


def test_every_problem_is_reported_not_just_the_first() -> None:
    data = with_(lat=95.0, lon=200.0, rsrp_dbm=-10.0, mcc="5", id="x", observed_at=...)
    with pytest.raises(ValidationError) as caught:
        Measurement.from_dict(data, NOW)
    fields = {p.field for p in caught.value.problems}
    assert fields == {"lat", "lon", "rsrp_dbm", "mcc", "id", "observed_at"}


def test_times_are_stored_in_utc() -> None:
    record = Measurement.from_dict(with_(observed_at="2026-10-31T10:15:00+07:00"), NOW)
    assert record.observed_at == datetime(2026, 10, 31, 3, 15, tzinfo=UTC)
    assert record.to_dict()["observed_at"] == "2026-10-31T03:15:00.000Z"


def test_plmn_joins_mcc_and_mnc() -> None:
    assert Measurement.from_dict(GOOD, NOW).plmn == "510-10"
    assert Measurement.from_dict(with_(mcc=..., mnc=...), NOW).plmn is None


def test_json_round_trip_keeps_every_field() -> None:
    records = [
        Measurement.from_dict(GOOD, NOW),
        Measurement.from_dict(
            with_(
                id="2b4e28ba-2fa1-11d2-883f-0016d3cca427",
                tech="NONE",
                rsrp_dbm=...,
                rsrq_db=...,
                sinr_db=...,
                mock_location=True,
            ),
            NOW,
        ),
    ]
    text = encode_batch(records)
    decoded, bad = decode_batch(text, NOW)
    assert bad == []
    assert decoded == records
    assert set(json.loads(text)[0]) == set(FIELDS)


def test_decode_batch_keeps_the_valid_and_reports_the_rest() -> None:
    items = [GOOD, with_(id="x"), "not an object", with_(id="3b4e28ba-2fa1-11d2-883f-0016d3cca427")]
    good, bad = decode_batch(json.dumps(items), NOW)
    assert [r.id for r in good] == [GOOD["id"], "3b4e28ba-2fa1-11d2-883f-0016d3cca427"]
    assert [index for index, _ in bad] == [1, 2]


def test_decode_batch_refuses_a_non_list() -> None:
    with pytest.raises(ValueError, match="list"):
        decode_batch('{"id": 1}', NOW)


def test_encode_refuses_nan() -> None:
    broken = dataclasses.replace(Measurement.from_dict(GOOD, NOW), rsrq_db=math.nan)
    with pytest.raises(ValueError):
        encode_batch([broken])


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"lat": 10**400}, "lat", "finite"),  # JSON `1` followed by 400 zeros
        ({"rsrp_dbm": 10**400}, "rsrp_dbm", "finite"),
        ({"cell_id": 10**400}, "cell_id", "finite"),
        ({"rsrp_dbm": math.inf}, "rsrp_dbm", "finite"),  # JSON 1e309
        ({"cell_id": math.inf}, "cell_id", "finite"),
        ({"observed_at": "0001-01-01T00:00:00+01:00"}, "observed_at", "ISO 8601"),
        ({"observed_at": "9999-12-31T23:59:59-01:00"}, "observed_at", "ISO 8601"),
        ({"observed_at": "0999-01-01T00:00:00Z"}, "observed_at", "before 2000"),
        ({"observed_at": "1999-12-31T23:59:59Z"}, "observed_at", "before 2000"),
        ({"note": "\ud800"}, "note", "not valid text"),
        ({"operator": "Tel\udfffkomsel"}, "operator", "not valid text"),
        ({"device_id": "hp\x00"}, "device_id", "control character"),
        ({"session_id": "s\x00"}, "session_id", "control character"),
        ({"note": "a\x00b"}, "note", "control character"),
        ({"tech": ["LTE"]}, "tech", "not one of"),
        ({"tech": {"LTE": 1}}, "tech", "not one of"),
        ({"mode": ["walking"]}, "mode", "not one of"),
        ({"mode": {"a": 1}}, "mode", "not one of"),
        ({"mcc": ["510"]}, "mcc", "digits"),
        ({"id": {"a": 1}}, "id", "UUID"),
        ({"colour\x00\ud800": 1}, "colour\\x00\\ud800", "unknown field"),
    ],
)
def test_hostile_values_are_problems_not_crashes(changes: dict, field: str, words: str) -> None:
    problems = validate(with_(**changes), NOW)
    assert any(p.field == field and words in p.reason for p in problems), problems
    for problem in problems:  # every reason can be stored as UTF-8 text
        assert "\x00" not in problem.reason + problem.field
        (problem.reason + problem.field).encode()


def test_text_with_tabs_and_any_script_is_kept() -> None:
    data = with_(note="dekat masjid\t日本 🏠\nbaris dua", operator="Telkomsel")
    assert validate(data, NOW) == []


_json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**500), 10**500)
    | st.floats()
    | st.text(alphabet=st.characters(codec=None), max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    changes=st.dictionaries(st.sampled_from([*FIELDS, "extra", "\x00"]), _json_value, max_size=6)
)
def test_check_never_raises_and_clean_records_are_storable(changes: dict) -> None:
    """Whatever the values, ``check`` answers problems; what it lets through is plain data."""
    clean, problems = check(with_(**changes), NOW)
    for problem in problems:
        (problem.field + problem.reason).encode()
    if not problems:
        record = Measurement(**clean)
        assert datetime(2000, 1, 1, tzinfo=UTC) <= record.observed_at
        for name in ("device_id", "session_id", "operator", "note", "mcc", "mnc", "mode", "tech"):
            value = getattr(record, name)
            assert value is None or (isinstance(value, str) and "\x00" not in value)
            if value is not None:
                value.encode()
        json.dumps(record.to_dict(), allow_nan=False)
