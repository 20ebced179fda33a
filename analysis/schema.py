"""The measurement record: one radio reading at one GPS fix.

Standard library only: the phone app imports this module, and the phone carries no pandas.
The same code validates a reading on the phone, in the importers and on the server, and
encodes it for the wire.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "CLASS_METRIC",
    "FIELDS",
    "FLOAT_FIELDS",
    "INT_FIELDS",
    "METRIC_FIELDS",
    "MODES",
    "NUMERIC_RANGES",
    "TECHS",
    "Measurement",
    "Problem",
    "ValidationError",
    "check",
    "decode_batch",
    "encode_batch",
    "format_time",
    "parse_time",
    "text_problem",
    "validate",
]

TECHS = ("NONE", "GSM", "WCDMA", "LTE", "NR")
"""Access technologies. ``NONE`` is a reading taken with no service at all."""

MODES = ("stationary", "walking", "vehicle")

METRIC_FIELDS = ("rsrp_dbm", "rsrq_db", "sinr_db", "rscp_dbm", "rssi_dbm")

CLASS_METRIC = {"LTE": "rsrp_dbm", "NR": "rsrp_dbm", "WCDMA": "rscp_dbm", "GSM": "rssi_dbm"}
"""The metric that decides a reading's signal class, per technology."""

# Which metrics a technology must carry (at least one of ``required``) and may carry.
_TECH_METRICS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "NONE": ((), frozenset()),
    "GSM": (("rssi_dbm",), frozenset({"rssi_dbm"})),
    # Older Android versions report only a WCDMA RSSI; keep those readings, unclassed.
    "WCDMA": (("rscp_dbm", "rssi_dbm"), frozenset({"rscp_dbm", "rssi_dbm"})),
    "LTE": (("rsrp_dbm",), frozenset({"rsrp_dbm", "rsrq_db", "sinr_db", "rssi_dbm"})),
    "NR": (("rsrp_dbm",), frozenset({"rsrp_dbm", "rsrq_db", "sinr_db"})),
}

NUMERIC_RANGES: dict[str, tuple[float, float]] = {
    "lat": (-90.0, 90.0),
    "lon": (-180.0, 180.0),
    "accuracy_m": (0.0, 100_000.0),
    "altitude_m": (-500.0, 9_000.0),
    "speed_mps": (0.0, 350.0),
    # 3GPP reporting ranges (TS 36.133, 38.133, 25.133, 45.008; RSRQ extended range).
    "rsrp_dbm": (-140.0, -44.0),
    "rsrq_db": (-34.0, 3.0),
    "sinr_db": (-23.0, 40.0),
    "rscp_dbm": (-120.0, -24.0),
    "rssi_dbm": (-113.0, -51.0),
}

_INT_RANGES: dict[str, tuple[int, int]] = {
    "cell_id": (0, 2**36 - 1),  # NR cell identity is 36 bits, the widest
    "tac_lac": (0, 2**24 - 1),
    "pci_psc": (0, 1007),
    "arfcn": (0, 3_279_165),
}

_MAX_TEXT = {"device_id": 64, "session_id": 64, "operator": 64, "note": 500}

FUTURE_TOLERANCE = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
"""No phone that runs the app reports a time before this; older readings are a broken clock."""

# Text that cannot be stored: lone UTF-16 surrogates (not encodable as UTF-8) and control
# characters other than tab and line breaks (PostgreSQL refuses NUL in text).
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A UUID as ``str(uuid.UUID(...))`` writes it: such an id is already clean.
_CANONICAL_UUID = re.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a record: the field it concerns and a readable reason."""

    field: str
    reason: str
    code: str = "invalid"
    """Kind of problem: required, unknown, type, range, future, tech, position or invalid."""

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class ValidationError(ValueError):
    """A record failed validation; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True, slots=True, kw_only=True)
class Measurement:
    """A validated reading. Build it with :meth:`from_dict`, which checks everything."""

    id: str
    device_id: str
    session_id: str
    observed_at: datetime
    lat: float
    lon: float
    accuracy_m: float | None = None
    altitude_m: float | None = None
    speed_mps: float | None = None
    mock_location: bool = False
    tech: str
    mcc: str | None = None
    mnc: str | None = None
    operator: str | None = None
    cell_id: int | None = None
    tac_lac: int | None = None
    pci_psc: int | None = None
    arfcn: int | None = None
    rsrp_dbm: float | None = None
    rsrq_db: float | None = None
    sinr_db: float | None = None
    rscp_dbm: float | None = None
    rssi_dbm: float | None = None
    mode: str | None = None
    note: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], now: datetime | None = None) -> Measurement:
        """Validate ``data`` and build a record; raise :class:`ValidationError` listing all."""
        clean, problems = check(data, now)
        if problems:
            raise ValidationError(problems)
        return cls(**clean)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict; the time is an ISO 8601 UTC string."""
        out = asdict(self)
        out["observed_at"] = format_time(self.observed_at)
        return out

    @property
    def plmn(self) -> str | None:
        """Operator code ``MCC-MNC`` (for example ``510-10``), or None when unknown."""
        return f"{self.mcc}-{self.mnc}" if self.mcc and self.mnc else None


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Measurement))
_FIELD_SET = frozenset(FIELDS)
FLOAT_FIELDS: tuple[str, ...] = tuple(NUMERIC_RANGES)
"""Fields that hold real numbers (position, GPS quality, radio metrics)."""
INT_FIELDS: tuple[str, ...] = ("cell_id", "tac_lac", "pci_psc", "arfcn")
"""Fields that hold whole numbers (cell identity and channel)."""
_REQUIRED = ("id", "device_id", "session_id", "observed_at", "lat", "lon", "tech")
_REQUIRED_SET = frozenset(_REQUIRED)


def validate(data: Mapping[str, Any], now: datetime | None = None) -> list[Problem]:
    """Return every problem with ``data`` (empty when it is a valid record)."""
    return check(data, now)[1]


def parse_time(value: Any) -> datetime:
    """Parse an ISO 8601 time with a zone (``Z`` or an offset) into an aware UTC datetime."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value.strip())
    else:
        raise ValueError(f"expected an ISO 8601 string, got {type(value).__name__}")
    if parsed.tzinfo is None:
        raise ValueError("time has no zone; write it in UTC with a 'Z' suffix")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 and 9999-12-31T23:59-01:00
        raise ValueError(f"{_text_of(value)[:40]!r} is outside the calendar in UTC") from None


def format_time(value: datetime) -> str:
    """ISO 8601 in UTC with millisecond precision and a ``Z`` suffix."""
    text = value.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def encode_batch(records: Iterable[Measurement]) -> str:
    """JSON text of a list of records, as the phone sends and the server stores them."""
    return json.dumps([r.to_dict() for r in records], separators=(",", ":"), allow_nan=False)


def decode_batch(
    text: str | bytes, now: datetime | None = None
) -> tuple[list[Measurement], list[tuple[int, list[Problem]]]]:
    """Decode a JSON list of records: the valid ones, and (index, problems) for the others."""
    items = json.loads(text)
    if not isinstance(items, list):
        raise ValueError("expected a JSON list of measurements")
    good: list[Measurement] = []
    bad: list[tuple[int, list[Problem]]] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            bad.append((index, [Problem("record", "expected a JSON object")]))
            continue
        clean, problems = check(item, now)
        if problems:
            bad.append((index, problems))
        else:
            good.append(Measurement(**clean))
    return good, bad


def _is_missing(value: Any) -> bool:
    # ``value != value`` is the NaN test that also works for non-floats.
    if value is None:
        return True
    kind = type(value)
    if kind is str:  # a string always equals itself
        return not value
    if kind is float:  # a float never equals ""
        return value != value
    return value == "" or value != value


def check(
    data: Mapping[str, Any], now: datetime | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """Coerce and validate: the clean values (ready for :class:`Measurement`) and every problem."""
    fast = _check_plain(data, now)
    if fast is not None:
        return fast, []
    return _check_all(data, now)


def _check_plain(data: Mapping[str, Any], now: datetime | None) -> dict[str, Any] | None:
    """The clean values of a reading written as the phone writes it, or None for any other.

    A shortcut for the bulk of uploads: it accepts only values that :func:`_check_all` would
    take unchanged (floats and ints in range, canonical UUID, printable ASCII text, nothing
    empty) and leaves everything else, valid or not, to it.
    """
    if not data.keys() <= _FIELD_SET:
        return None
    get: Any = data.get
    ident = get("id")
    if type(ident) is not str or not _CANONICAL_UUID.fullmatch(ident):
        return None
    try:
        when = parse_time(get("observed_at"))
    except (ValueError, TypeError):
        return None
    if not EARLIEST <= when <= (now or datetime.now(UTC)) + FUTURE_TOLERANCE:
        return None
    clean: dict[str, Any] = {"id": ident, "observed_at": when}
    for name, (low, high) in NUMERIC_RANGES.items():
        value = get(name)
        kind = type(value)
        if (kind is float or kind is int) and low <= value <= high:
            clean[name] = float(value)
        elif value is None and name not in _REQUIRED_SET:
            clean[name] = None
        else:
            return None
    if clean["lat"] == 0.0 and clean["lon"] == 0.0:
        return None
    mock = get("mock_location")
    if mock is None or type(mock) is bool:
        clean["mock_location"] = bool(mock)
    else:
        return None
    for name, (low, high) in _INT_RANGES.items():
        value = get(name)
        if value is None or (type(value) is int and low <= value <= high):
            clean[name] = value
        else:
            return None
    for name, limit in _MAX_TEXT.items():
        value = get(name)
        if type(value) is str and 0 < len(value) <= limit and value.isascii():
            if not value.isprintable():
                return None
            clean[name] = value
        elif value is None and name not in _REQUIRED_SET:
            clean[name] = None
        else:
            return None
    for name, digits in (("mcc", (3,)), ("mnc", (2, 3))):
        value = get(name)
        if value is None or (
            type(value) is str and len(value) in digits and value.isascii() and value.isdigit()
        ):
            clean[name] = value
        else:
            return None
    mode, tech = get("mode"), get("tech")
    if not (mode is None or (type(mode) is str and mode in MODES)):
        return None
    clean["mode"] = mode
    if type(tech) is not str or tech not in _TECH_METRICS:
        return None
    clean["tech"] = tech
    required, allowed = _TECH_METRICS[tech]
    for name in METRIC_FIELDS:
        if clean[name] is not None and name not in allowed:
            return None
    if required and all(clean[name] is None for name in required):
        return None
    return clean


def _check_all(
    data: Mapping[str, Any], now: datetime | None
) -> tuple[dict[str, Any], list[Problem]]:
    """Every check, one field at a time, with a reason for each problem."""
    problems: list[Problem] = []
    clean: dict[str, Any] = {}
    if not data.keys() <= _FIELD_SET:
        unknown = sorted(_escaped(str(name)) for name in set(data) - _FIELD_SET)
        problems.extend(Problem(name, "unknown field", "unknown") for name in unknown)
    for name in _REQUIRED:
        if _is_missing(data.get(name)):
            problems.append(Problem(name, "is required", "required"))

    _check_ids(data, clean, problems)
    _check_time(data, clean, problems, now)
    _check_numbers(data, clean, problems)
    _check_integers(data, clean, problems)
    _check_text(data, clean, problems)
    _check_position(clean, problems)
    _check_tech(data, clean, problems)
    return clean, problems


def _text_of(value: Any) -> str:
    """``str(value)`` that never raises (an int of thousands of digits does)."""
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except ValueError:
        return f"<{type(value).__name__} too long to show>"


def _escaped(text: str) -> str:
    """``text`` with control characters and surrogates written as escapes (storable)."""
    if _SURROGATE.search(text) or _CONTROL.search(text):
        return repr(text)[1:-1]
    return text


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can.

    Lone UTF-16 surrogates have no UTF-8 form, and PostgreSQL refuses NUL in text; other
    control characters than tab and line breaks have no place in a name or a note.
    """
    if value.isascii() and value.isprintable():  # the common case: no surrogate, no control
        return None
    if _SURROGATE.search(value):
        return "not valid text (a lone UTF-16 surrogate)"
    if _CONTROL.search(value):
        return "contains a control character"
    return None


def _check_ids(data: Mapping[str, Any], clean: dict[str, Any], problems: list[Problem]) -> None:
    value = data.get("id")
    if _is_missing(value):
        return
    if type(value) is str and _CANONICAL_UUID.fullmatch(value):
        clean["id"] = value
        return
    try:
        clean["id"] = str(uuid.UUID(_text_of(value)))
    except ValueError:
        problems.append(Problem("id", f"not a UUID: {_text_of(value)[:40]!r}", "type"))


def _check_time(
    data: Mapping[str, Any], clean: dict[str, Any], problems: list[Problem], now: datetime | None
) -> None:
    value = data.get("observed_at")
    if _is_missing(value):
        return
    try:
        when = parse_time(value)
    except (ValueError, TypeError) as exc:
        problems.append(Problem("observed_at", f"not an ISO 8601 time: {exc}", "type"))
        return
    now = now or datetime.now(UTC)
    if when > now + FUTURE_TOLERANCE:
        problems.append(Problem("observed_at", f"{format_time(when)} is in the future", "future"))
    elif when < EARLIEST:
        problems.append(
            Problem(
                "observed_at",
                f"{format_time(when)} is before 2000: the phone's clock is wrong",
                "range",
            )
        )
    else:
        clean["observed_at"] = when


def _as_float(name: str, value: Any, problems: list[Problem]) -> float | None:
    if type(value) is float:  # the common case, from readers and JSON
        number = value
    elif isinstance(value, bool):
        problems.append(Problem(name, "expected a number, got a boolean", "type"))
        return None
    else:
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float, e.g. 1 and 400 zeros
            problems.append(Problem(name, "must be a finite number", "type"))
            return None
        except (TypeError, ValueError):
            problems.append(Problem(name, f"not a number: {_text_of(value)[:40]!r}", "type"))
            return None
    if not math.isfinite(number):
        problems.append(Problem(name, "must be a finite number", "type"))
        return None
    return number


def _check_numbers(data: Mapping[str, Any], clean: dict[str, Any], problems: list[Problem]) -> None:
    for name, (low, high) in NUMERIC_RANGES.items():
        value = data.get(name)
        if type(value) is float and low <= value <= high:  # the common case (not NaN, finite)
            clean[name] = value
            continue
        if _is_missing(value):
            if name not in _REQUIRED_SET:
                clean[name] = None
            continue
        number = _as_float(name, value, problems)
        if number is None:
            continue
        if not low <= number <= high:
            problems.append(Problem(name, f"{number:g} is outside {low:g}..{high:g}", "range"))
            continue
        clean[name] = number
    mock = data.get("mock_location")
    if _is_missing(mock):
        clean["mock_location"] = False
    elif isinstance(mock, bool):
        clean["mock_location"] = mock
    elif (text := _text_of(mock)).strip().lower() in {"true", "1", "yes"}:
        clean["mock_location"] = True
    elif text.strip().lower() in {"false", "0", "no"}:
        clean["mock_location"] = False
    else:
        problems.append(Problem("mock_location", f"not a boolean: {text[:20]!r}", "type"))


def _check_integers(
    data: Mapping[str, Any], clean: dict[str, Any], problems: list[Problem]
) -> None:
    for name, (low, high) in _INT_RANGES.items():
        value = data.get(name)
        if type(value) is int and low <= value <= high:  # the common case (not a bool)
            clean[name] = value
            continue
        if _is_missing(value):
            clean[name] = None
            continue
        number = _as_float(name, value, problems)
        if number is None:
            continue
        if not number.is_integer():
            problems.append(Problem(name, f"not a whole number: {number:g}", "type"))
        elif not low <= number <= high:
            problems.append(Problem(name, f"{number:.0f} is outside {low}..{high}", "range"))
        else:
            clean[name] = int(number)


def _check_text(data: Mapping[str, Any], clean: dict[str, Any], problems: list[Problem]) -> None:
    for name, limit in _MAX_TEXT.items():
        value = data.get(name)
        if _is_missing(value):
            if name not in _REQUIRED_SET:
                clean[name] = None
            continue
        if not isinstance(value, str):
            problems.append(Problem(name, f"expected text, got {type(value).__name__}", "type"))
        elif len(value) > limit:
            problems.append(Problem(name, f"longer than {limit} characters", "range"))
        elif reason := text_problem(value):
            problems.append(Problem(name, reason, "type"))
        else:
            clean[name] = value
    for name, digits in (("mcc", (3,)), ("mnc", (2, 3))):
        value = data.get(name)
        if _is_missing(value):
            clean[name] = None
            continue
        text = _text_of(value).strip()
        if not (text.isdigit() and text.isascii() and len(text) in digits):
            problems.append(
                Problem(name, f"expected {' or '.join(map(str, digits))} digits", "type")
            )
        else:
            clean[name] = text
    mode = data.get("mode")
    if _is_missing(mode):
        clean["mode"] = None
    elif mode not in MODES:
        problems.append(
            Problem("mode", f"{_text_of(mode)[:20]!r} is not one of {', '.join(MODES)}", "type")
        )
    else:
        clean["mode"] = mode


def _check_position(clean: dict[str, Any], problems: list[Problem]) -> None:
    lat, lon = clean.get("lat"), clean.get("lon")
    if lat == 0.0 and lon == 0.0:
        problems.append(Problem("lat", "position 0, 0 is a missing GPS fix", "position"))
        del clean["lat"], clean["lon"]


def _check_tech(data: Mapping[str, Any], clean: dict[str, Any], problems: list[Problem]) -> None:
    tech = data.get("tech")
    if _is_missing(tech):
        return
    if not isinstance(tech, str) or tech not in _TECH_METRICS:  # a list is unhashable
        problems.append(
            Problem("tech", f"{_text_of(tech)[:20]!r} is not one of {', '.join(TECHS)}", "type")
        )
        return
    clean["tech"] = tech
    required, allowed = _TECH_METRICS[tech]
    for name in METRIC_FIELDS:
        if name not in allowed and not _is_missing(data.get(name)):
            problems.append(Problem(name, f"a {tech} reading does not carry {name}", "tech"))
    present = [name for name in required if not _is_missing(data.get(name))]
    if required and not present:
        problems.append(
            Problem(required[0], f"a {tech} reading must carry {' or '.join(required)}", "tech")
        )
