"""Quality flags computed on ingest. Flags never reject a reading: a reviewer decides."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from analysis.schema import METRIC_FIELDS, NUMERIC_RANGES

__all__ = [
    "FLAGS",
    "FLAG_NAMES",
    "CampaignArea",
    "Fix",
    "FlagRules",
    "PreviousFix",
    "compute_flags",
    "fix_key",
    "flag_help",
    "flag_name",
]

# what each flag means, in the page's language (lazy: evaluated when a page shows it)
FLAGS = {
    "poor_accuracy": _l("GPS accuracy worse than the threshold"),
    "mock_location": _l("the phone reported a mock (fake) location"),
    "impossible_jump": _l("the position jumped faster than possible since the previous reading"),
    "duplicate_fix": _l("same device, network, time and place as another reading"),
    "outside_region": _l("outside the configured region"),
    "outside_campaign": _l("outside the officer's campaign areas or dates"),
    "clock_ahead": _l("observed after the server received it (phone clock ahead)"),
    "stale": _l("observed long before the upload"),
    "edge_value": _l("a value at the edge of its 3GPP reporting range"),
}
# a flag's short name, shown where the code was
FLAG_NAMES = {
    "poor_accuracy": _l("poor GPS accuracy"),
    "mock_location": _l("fake location"),
    "impossible_jump": _l("impossible jump"),
    "duplicate_fix": _l("duplicate reading"),
    "outside_region": _l("outside the region"),
    "outside_campaign": _l("outside the campaign"),
    "clock_ahead": _l("phone clock ahead"),
    "stale": _l("old reading"),
    "edge_value": _l("value at the edge of its range"),
}


def flag_name(code: str) -> str:
    """A flag's short name in the page's language; an unknown code as it is."""
    return str(FLAG_NAMES.get(code, code))


def flag_help(code: str) -> str:
    """What a flag means, in the page's language; empty for an unknown code."""
    return str(FLAGS.get(code, ""))


@dataclass(frozen=True, slots=True)
class FlagRules:
    accuracy_m: float = 50.0
    speed_kmh: float = 250.0
    stale_days: float = 30.0
    region_bbox: tuple[float, float, float, float] | None = None
    campaigns: Sequence[Any] = ()  # objects with .contains(lon, lat, when) -> bool


@dataclass(frozen=True, slots=True)
class PreviousFix:
    observed_at: datetime
    lat: float
    lon: float


Fix = tuple[datetime, float, float, str | None, str | None, str]


def fix_key(reading: Any) -> Fix:
    """What makes two readings of one device the same reading: time, place and network."""
    return (
        reading["observed_at"],
        reading["lat"],
        reading["lon"],
        reading.get("mcc"),
        reading.get("mnc"),
        reading["tech"],
    )


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(min(1.0, a)))


_EDGES = {name: NUMERIC_RANGES[name] for name in METRIC_FIELDS}


def compute_flags(
    records: list[dict[str, Any]],
    rules: FlagRules,
    received_at: datetime,
    previous: PreviousFix | None,
    stored_fixes: set[Fix],
) -> list[list[str]]:
    """Flags for each clean record (same order); ``previous`` is the device's last stored
    reading before this batch, ``stored_fixes`` its stored fixes in this window.

    A dual-SIM phone reads both networks at the same moment and place: only a second reading
    of the same network (and technology) there and then is a duplicate.
    """
    flags: list[list[str]] = [[] for _ in records]
    order = sorted(range(len(records)), key=lambda i: records[i]["observed_at"])
    last = (previous.observed_at, previous.lat, previous.lon) if previous else None
    seen = set(stored_fixes)
    ahead = received_at + timedelta(minutes=1)
    stale = timedelta(days=rules.stale_days)
    edges = tuple(_EDGES.items())
    accuracy_m, speed_kmh, bbox, campaigns = (
        rules.accuracy_m,
        rules.speed_kmh,
        rules.region_bbox,
        rules.campaigns,
    )
    for i in order:
        rec, out = records[i], flags[i]
        when, lat, lon = rec["observed_at"], rec["lat"], rec["lon"]
        accuracy = rec.get("accuracy_m")
        if accuracy is not None and accuracy > accuracy_m:
            out.append("poor_accuracy")
        if rec.get("mock_location"):
            out.append("mock_location")
        fix = fix_key(rec)
        if fix in seen:
            out.append("duplicate_fix")
        seen.add(fix)
        if last is not None:
            seconds = (when - last[0]).total_seconds()
            if seconds > 0 and _metres(last[1], last[2], lat, lon) / seconds * 3.6 > speed_kmh:
                out.append("impossible_jump")
        last = (when, lat, lon)
        if bbox is not None:
            lon0, lat0, lon1, lat1 = bbox
            if not (lon0 <= lon <= lon1 and lat0 <= lat <= lat1):
                out.append("outside_region")
        if campaigns and not any(c.contains(lon, lat, when) for c in campaigns):
            out.append("outside_campaign")
        if when > ahead:
            out.append("clock_ahead")
        elif received_at - when > stale:
            out.append("stale")
        for name, ends in edges:
            if rec.get(name) in ends:  # None is in no range
                out.append("edge_value")
                break
    return flags


@dataclass(frozen=True, slots=True)
class CampaignArea:
    """A campaign's area (shapely geometry, WGS84) and dates, for the outside-campaign flag."""

    area: Any
    starts_on: datetime | None
    ends_on: datetime | None

    def contains(self, lon: float, lat: float, when: datetime) -> bool:
        import shapely

        if self.starts_on is not None and when < self.starts_on:
            return False
        if self.ends_on is not None and when >= self.ends_on:  # the first instant after
            return False
        return self.area is None or bool(shapely.contains_xy(self.area, lon, lat))
