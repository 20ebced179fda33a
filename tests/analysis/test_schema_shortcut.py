"""The fast path of ``check`` (a reading written the way the phone writes it) accepts only
what the full check accepts, with the same clean values of the same types."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.schema import FIELDS, NUMERIC_RANGES, _check_all, _check_plain

NOW = datetime(2026, 11, 30, tzinfo=UTC)
NUMBER = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.booleans(),
    st.just(""),
    st.text(max_size=3),
    st.sampled_from([-140.0, -44.0, -90.5, 5.0, 0.0]),
)
TEXT = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=70),
    st.sampled_from(["bench", "Telkomsel", "a\tb", "\ud800", "x" * 64, "x" * 65]),
    st.integers(),
    st.lists(st.integers(), max_size=1),
)
IDS = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.uuids().map(lambda u: u.hex),
    TEXT,
)
TIMES = st.one_of(
    st.datetimes(timezones=st.sampled_from([UTC, None])).map(lambda d: d.isoformat()),
    st.datetimes(
        min_value=datetime(1999, 12, 31), max_value=datetime(2026, 12, 1), timezones=st.just(UTC)
    ).map(lambda d: d.isoformat().replace("+00:00", "Z")),
    st.datetimes(timezones=st.just(UTC)),
    TEXT,
)
DIGITS = st.one_of(
    st.none(),
    st.just(""),
    st.from_regex(r"\A[0-9]{1,4}\Z"),
    st.sampled_from(["510", "10", " 10", "\u0661\u0660", "01"]),
    st.integers(),
)
FIELD = {
    "id": IDS,
    "observed_at": TIMES,
    "device_id": TEXT,
    "session_id": TEXT,
    "operator": TEXT,
    "note": TEXT,
    "mcc": DIGITS,
    "mnc": DIGITS,
    "mode": st.one_of(st.none(), st.sampled_from(["walking", "car", ""])),
    "tech": st.one_of(
        st.none(),
        st.sampled_from(["LTE", "NR", "GSM", "WCDMA", "NONE", "lte", ""]),
        st.lists(st.text(), max_size=1),
    ),
    "mock_location": st.one_of(st.none(), st.booleans(), st.sampled_from(["true", "0", "", 1])),
    "cell_id": NUMBER,
    "tac_lac": NUMBER,
    "pci_psc": NUMBER,
    "arfcn": NUMBER,
    **{name: NUMBER for name in NUMERIC_RANGES},
}
GOOD = {
    "id": "0b1e1a3c-1f7a-4a55-9d51-4f1d1c2b3a4e",
    "observed_at": "2026-11-29T10:00:00.000Z",
    "device_id": "d",
    "session_id": "s",
    "lat": -0.3,
    "lon": 100.3,
    "tech": "LTE",
    "rsrp_dbm": -90.0,
}


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """A phone-shaped reading with up to six fields made hostile and up to two left out."""
    record: dict[str, Any] = dict(GOOD)
    for name in draw(st.lists(st.sampled_from(sorted(FIELD)), max_size=6)):
        record[name] = draw(FIELD[name])
    for name in draw(st.lists(st.sampled_from(sorted(GOOD)), max_size=2)):
        record.pop(name, None)
    if draw(st.booleans()) and draw(st.booleans()):
        record["extra"] = 1
    return record


@settings(
    max_examples=2_000, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(records())
def test_the_shortcut_takes_only_what_the_full_check_takes(record: dict[str, Any]) -> None:
    fast = _check_plain(record, NOW)
    full, problems = _check_all(record, NOW)
    if fast is not None:
        assert problems == [], (record, problems)
        assert fast == full
        for name in FIELDS:
            assert type(fast[name]) is type(full[name]), name


def test_the_shortcut_takes_a_plain_phone_reading() -> None:
    assert _check_plain(dict(GOOD), NOW) is not None
