"""What the review pages show about readings and uploads: readings grouped by spot (~5 m)
for the upload map, each reading's time, signal value, class, village and operator, the
page of the table a reading is on, and the operators, campaigns and reading dates of the
uploads in the queue."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import format_datetime
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from analysis.classify import classify_frame
from analysis.frame import canonical_frame
from analysis.schema import CLASS_METRIC, FIELDS
from server.flags import flag_name
from server.models import Campaign, Measurement
from server.operators import operator_label
from server.regions import current_regions
from server.web import when
from server.web.labels import class_label, tech_label, zone_label

__all__ = [
    "SPOT_DEGREES",
    "UploadFacts",
    "classify_rows",
    "reading_page",
    "reading_view",
    "spot_key",
    "spot_readings",
    "spots_geojson",
    "time_span",
    "upload_facts",
    "village_name",
]

SPOT_DEGREES = 0.00005  # readings within ~5 m (5.5 m of latitude) share a spot on the map
_METRIC_NAMES = {"rsrp_dbm": "RSRP", "rscp_dbm": "RSCP", "rssi_dbm": "RSSI"}
_COLUMNS = (*FIELDS, "village_code", "flags", "excluded")


def spot_key(lat: float, lon: float) -> str:
    """The spot a position falls in: latitude and longitude rounded to ``SPOT_DEGREES``."""
    return f"{math.floor(lat / SPOT_DEGREES + 0.5)}_{math.floor(lon / SPOT_DEGREES + 0.5)}"


def village_name(code: str | None) -> str:
    """A village's name (its code when the boundaries do not know it), or an en dash."""
    if not code:
        return "\N{EN DASH}"
    regions = current_regions()
    region = regions.by_code.get(code) if regions else None
    return region.name if region else code


def _signal(row: Any) -> tuple[float | None, str]:
    """The value that decides the reading's class and its metric's name."""
    metric = CLASS_METRIC.get(row.tech)
    if metric == "rscp_dbm" and row.rscp_dbm is None:
        metric = "rssi_dbm"  # older phones report only a WCDMA RSSI
    value = getattr(row, metric) if metric else None
    return value, _METRIC_NAMES.get(metric or "", "")


def classify_rows(rows: list[Any]) -> list[str]:
    """``strong`` / ``weak`` / ``none`` / ``unknown`` of each stored reading."""
    if not rows:
        return []
    records = [{name: getattr(row, name) for name in FIELDS} for row in rows]
    return [str(c) for c in classify_frame(canonical_frame(records)).fillna("unknown")]


def reading_view(row: Any, label: str) -> dict[str, Any]:
    """One reading as the map popup and the table show it."""
    value, metric = _signal(row)
    if row.tech == "NONE":
        signal = ""  # the technology says it: no service
    elif value is None:
        signal = "\N{EN DASH}"
    else:
        signal = f"{value:.0f} dBm {metric}".replace("-", "\N{MINUS SIGN}")
    return {
        "id": row.id,
        "time": when(row.observed_at),
        "signal": signal,
        "class": label,
        "class_label": class_label(label),
        "village": village_name(row.village_code),
        "operator": operator_label(f"{row.mcc}-{row.mnc}") if row.mcc else "\N{EN DASH}",
        "tech": tech_label(row.tech),
        "flags": row.flags,
        "flag_names": ", ".join(flag_name(f) for f in row.flags.split(",") if f),
        "excluded": bool(row.excluded),
        "lat": round(row.lat, 6),
        "lon": round(row.lon, 6),
        "spot": spot_key(row.lat, row.lon),
    }


def time_span(first: datetime | None, last: datetime | None) -> str:
    """The first and last reading's time, e.g. ``1 Des 2026 08.05-14.30 WIB`` (en dashes)."""
    if first is None or last is None:
        return "\N{EN DASH}"
    if format_datetime(first, "y-MM-dd") == format_datetime(last, "y-MM-dd"):
        start = format_datetime(first, "d MMM y HH:mm")
        return f"{start}\N{EN DASH}{format_datetime(last, 'HH:mm')} {zone_label()}"
    start, end = format_datetime(first, "d MMM HH:mm"), format_datetime(last, "d MMM y HH:mm")
    return f"{start} \N{EN DASH} {end} {zone_label()}"


def _readings(db: Session, upload_id: str, *where: Any) -> list[Any]:
    query = select(*(getattr(Measurement, name) for name in _COLUMNS)).where(
        Measurement.upload_id == upload_id, *where
    )
    return list(db.execute(query.order_by(Measurement.observed_at, Measurement.id)).all())


def spots_geojson(db: Session, upload_id: str) -> dict[str, Any]:
    """The upload's readings grouped by spot: one point each, at the readings' mean
    position, with how many readings of each class, flagged and excluded."""
    rows = _readings(db, upload_id)
    groups: dict[str, list[tuple[Any, str]]] = defaultdict(list)
    for row, label in zip(rows, classify_rows(rows), strict=True):
        groups[spot_key(row.lat, row.lon)].append((row, label))
    features = []
    for key, members in groups.items():
        classes = Counter(label for row, label in members if not row.excluded)
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(sum(r.lon for r, _l in members) / len(members), 6),
                        round(sum(r.lat for r, _l in members) / len(members), 6),
                    ],
                },
                "properties": {
                    "spot": key,
                    "count": len(members),
                    "classes": dict(classes),
                    "flagged": sum(1 for r, _l in members if r.flags),
                    "excluded": sum(1 for r, _l in members if r.excluded),
                    "first": members[0][0].id,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features, "readings": len(rows)}


def spot_readings(db: Session, upload_id: str, key: str) -> list[dict[str, Any]]:
    """The readings of the upload at one spot, oldest first."""
    try:
        i, j = (int(part) for part in key.split("_"))
    except ValueError:
        return []
    margin = 1.5 * SPOT_DEGREES  # a wider box in SQL, the exact spot in Python
    rows = _readings(
        db,
        upload_id,
        Measurement.lat.between(i * SPOT_DEGREES - margin, i * SPOT_DEGREES + margin),
        Measurement.lon.between(j * SPOT_DEGREES - margin, j * SPOT_DEGREES + margin),
    )
    rows = [row for row in rows if spot_key(row.lat, row.lon) == key]
    return [reading_view(row, label) for row, label in zip(rows, classify_rows(rows), strict=True)]


def reading_page(
    db: Session, upload_id: str, reading_id: str, only_flagged: bool, size: int
) -> int | None:
    """The page of the upload's readings table that shows ``reading_id`` (None: not there)."""
    row = db.execute(
        select(Measurement.observed_at, Measurement.flags).where(
            Measurement.upload_id == upload_id, Measurement.id == reading_id
        )
    ).first()
    if row is None or (only_flagged and not row.flags):
        return None
    before: Select[Any] = select(func.count()).where(
        Measurement.upload_id == upload_id,
        or_(
            Measurement.observed_at < row.observed_at,
            and_(Measurement.observed_at == row.observed_at, Measurement.id < reading_id),
        ),
    )
    if only_flagged:
        before = before.where(Measurement.flags != "")
    return int(db.scalar(before) or 0) // size + 1


@dataclass
class UploadFacts:
    """What a queue row shows besides the upload itself."""

    operators: list[str] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None
    campaigns: list[str] = field(default_factory=list)


def _overlaps(campaign: Campaign, first: datetime, last: datetime) -> bool:
    return (campaign.starts_on is None or last >= campaign.starts_on) and (
        campaign.ends_on is None or first < campaign.ends_on
    )


def upload_facts(
    db: Session, upload_ids: list[str], campaigns: list[Campaign]
) -> dict[str, UploadFacts]:
    """Operators, first and last reading, and the campaigns (readings in their villages
    within their dates) of each upload; two grouped queries for the whole page."""
    facts = {upload_id: UploadFacts() for upload_id in upload_ids}
    if not upload_ids:
        return facts
    operators = db.execute(
        select(Measurement.upload_id, Measurement.mcc, Measurement.mnc)
        .where(Measurement.upload_id.in_(upload_ids), Measurement.mcc.is_not(None))
        .distinct()
    ).all()
    for upload_id, mcc, mnc in operators:
        facts[upload_id].operators.append(f"{mcc}-{mnc}")
    villages = db.execute(
        select(
            Measurement.upload_id,
            Measurement.village_code,
            func.min(Measurement.observed_at),
            func.max(Measurement.observed_at),
        )
        .where(Measurement.upload_id.in_(upload_ids))
        .group_by(Measurement.upload_id, Measurement.village_code)
    ).all()
    for upload_id, code, first, last in villages:
        item = facts[upload_id]
        item.first = first if item.first is None else min(item.first, first)
        item.last = last if item.last is None else max(item.last, last)
        for campaign in campaigns:
            if (
                code in (campaign.village_codes or [])
                and campaign.name not in item.campaigns
                and _overlaps(campaign, first, last)
            ):
                item.campaigns.append(campaign.name)
    for item in facts.values():
        item.operators.sort()
        item.campaigns.sort()
    return facts
