"""Campaigns: an area (a list of villages or a drawn polygon), officers and dates; and how far
the survey of each has come (villages reached, readings per village, each village's state).

A campaign's dates are whole days in WIB: ``starts_on`` is the first instant of its first day
and ``ends_on`` the first instant after its last day (the admin form and verification tasks
store them so), so a campaign whose last day is 14 Dec counts readings observed until
14 Dec 23:59:59 WIB, and shows 14 Dec as its last day (:func:`campaign_days`). Only readings
inside its villages and dates count toward it. Its area is the union of its villages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from flask_babel import gettext as _
from shapely.geometry import mapping, shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.audit import record
from server.db import session_scope
from server.models import Campaign, Measurement, Upload, User
from server.regions import RegionIndex

__all__ = [
    "MIN_READINGS",
    "VILLAGE_STATES",
    "VillageCounts",
    "campaign_days",
    "campaign_progress",
    "campaign_villages",
    "create_campaign",
    "delete_campaign",
    "parse_codes",
    "resolve_villages",
    "update_campaign",
    "village_counts",
    "village_state",
]

WIB = ZoneInfo("Asia/Jakarta")
# fewer readings than this in a village (from uploads not sent back) ask for another visit
MIN_READINGS = 10
VILLAGE_STATES = ("not_surveyed", "surveyed", "needs_resurvey", "verification")
_COUNTING = ("received", "approved")  # sent back: "has_issues", "rejected"


def parse_codes(text: str) -> list[str]:
    """Village codes from text: one per line, or separated by commas, semicolons or spaces."""
    for separator in ",;\t ":
        text = text.replace(separator, "\n")
    return sorted({code.strip() for code in text.splitlines() if code.strip()})


def _in_region(code: str, prefix: str | None) -> bool:
    return prefix is None or code == prefix or code.startswith(f"{prefix}.")


def _drawn_area(area_text: str | None) -> shapely.Geometry | None:
    """The GeoJSON polygon (or Feature) drawn on the map, ``None`` when none was drawn."""
    if not area_text or not area_text.strip():
        return None
    try:
        data = json.loads(area_text)
        area = shape(data.get("geometry", data) if data.get("type") == "Feature" else data)
    except (ValueError, AttributeError, KeyError, TypeError) as exc:
        raise ValueError(_("The area is not a GeoJSON polygon: %(error)s", error=exc)) from exc
    if area.geom_type not in ("Polygon", "MultiPolygon") or not area.is_valid:
        raise ValueError(_("The area must be a valid polygon."))
    return area


def resolve_villages(
    regions: RegionIndex | None, codes: list[str], area_text: str | None, prefix: str | None
) -> tuple[list[str], dict[str, Any] | None]:
    """The campaign's village codes (typed ones, and those a drawn area touches inside the
    region ``prefix``) and its area: the union of their outlines (GeoJSON), so a reading
    counts toward the campaign exactly where it is inside one of its villages."""
    if regions is None:
        raise ValueError(_("No village boundaries are configured on this server."))
    drawn = _drawn_area(area_text)
    if drawn is not None:
        touched = [c for c in regions.codes_in(drawn) if _in_region(c, prefix)]
        codes = sorted(set(codes) | set(touched))
    unknown = [code for code in codes if code not in regions.by_code]
    if unknown:
        raise ValueError(_("Unknown village codes: %(codes)s", codes=", ".join(unknown[:10])))
    foreign = [code for code in codes if not _in_region(code, prefix)]
    if foreign:
        raise ValueError(
            _("Villages outside your region: %(codes)s", codes=", ".join(foreign[:10]))
        )
    if not codes:
        raise ValueError(_("Give village codes or draw an area that covers villages."))
    shapes = [regions.by_code[c].geometry for c in codes if regions.by_code[c].geometry]
    area = shapely.union_all(shapes).simplify(0.0005) if shapes else None
    return codes, mapping(area) if area is not None else None


def _check_days(starts_on: datetime | None, ends_on: datetime | None) -> None:
    if starts_on and ends_on and ends_on <= starts_on:
        raise ValueError(_("The last day is before the first."))


def _officers(session: Session, officer_ids: list[int]) -> list[User]:
    query = select(User).where(User.id.in_(officer_ids), User.role == "officer")
    return list(session.scalars(query.order_by(User.username)).all())


def _audit_view(campaign: Campaign) -> dict[str, Any]:
    first, last = campaign_days(campaign)
    return {
        "name": campaign.name,
        "villages": len(campaign.village_codes or []),
        "officers": [o.username for o in campaign.officers],
        "first_day": first and first.isoformat(),
        "last_day": last and last.isoformat(),
    }


def create_campaign(
    actor: str,
    name: str,
    regions: RegionIndex | None,
    codes: list[str],
    area_text: str | None,
    officer_ids: list[int],
    starts_on: datetime | None,
    ends_on: datetime | None,
    office_id: int | None = None,
    prefix: str | None = None,
) -> int:
    """Create a campaign of ``office_id`` from village codes or a GeoJSON polygon (one of
    them is needed; villages only inside the region ``prefix``, any when ``None``)."""
    codes, area = resolve_villages(regions, codes, area_text, prefix)
    _check_days(starts_on, ends_on)
    with session_scope() as session:
        campaign = Campaign(
            name=name.strip(),
            village_codes=codes,
            area=area,
            starts_on=starts_on,
            ends_on=ends_on,
            officers=_officers(session, officer_ids),
            office_id=office_id,
        )
        session.add(campaign)
        session.flush()
        after = _audit_view(campaign)
        record(session, actor, "campaign.create", f"campaign:{campaign.id}", None, after)
        return campaign.id


def update_campaign(
    actor: str,
    campaign_id: int,
    name: str,
    regions: RegionIndex | None,
    codes: list[str],
    area_text: str | None,
    officer_ids: list[int],
    starts_on: datetime | None,
    ends_on: datetime | None,
    prefix: str | None = None,
) -> None:
    """Change a campaign's name, villages, officers and dates (audited, before and after)."""
    codes, area = resolve_villages(regions, codes, area_text, prefix)
    _check_days(starts_on, ends_on)
    with session_scope() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise LookupError(f"campaign {campaign_id}")
        before = _audit_view(campaign)
        campaign.name = name.strip()
        campaign.village_codes = codes
        campaign.area = area
        campaign.starts_on, campaign.ends_on = starts_on, ends_on
        campaign.officers = _officers(session, officer_ids)
        session.flush()
        after = _audit_view(campaign)
        record(session, actor, "campaign.update", f"campaign:{campaign_id}", before, after)


def delete_campaign(actor: str, campaign_id: int) -> None:
    """Delete a survey campaign (audited); its readings and uploads stay. A verification
    campaign belongs to an operator's response and is not deleted here."""
    with session_scope() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise LookupError(f"campaign {campaign_id}")
        if campaign.purpose == "verification":
            raise ValueError(_("A verification campaign belongs to an operator's response."))
        before = _audit_view(campaign)
        session.delete(campaign)
        record(session, actor, "campaign.delete", f"campaign:{campaign_id}", before, None)


@dataclass(frozen=True, slots=True)
class VillageCounts:
    """A village's readings inside a campaign's dates: ``readings`` from uploads received or
    approved (they count), ``sent_back`` from uploads marked has-issues or rejected."""

    readings: int = 0
    sent_back: int = 0


def village_counts(session: Session, campaign: Campaign) -> dict[str, VillageCounts]:
    """Readings per village of the campaign inside its dates, excluded readings left out.

    Counted from the readings themselves (their village and time; the index on
    ``measurements.village_code`` picks the rows), not from per-upload totals: an upload can
    span days on both sides of a campaign's last day.
    """
    codes = list(campaign.village_codes or [])
    if not codes:
        return {}
    query = (
        select(Measurement.village_code, Upload.state, func.count())
        .join(Upload, Upload.id == Measurement.upload_id)
        .where(Measurement.village_code.in_(codes), Measurement.excluded.is_(False))
        .group_by(Measurement.village_code, Upload.state)
    )
    if campaign.starts_on is not None:
        query = query.where(Measurement.observed_at >= campaign.starts_on)
    if campaign.ends_on is not None:
        query = query.where(Measurement.observed_at < campaign.ends_on)
    good: dict[str, int] = {}
    bad: dict[str, int] = {}
    for code, state, count in session.execute(query):
        target = good if state in _COUNTING else bad
        target[str(code)] = target.get(str(code), 0) + int(count)
    return {
        code: VillageCounts(good.get(code, 0), bad.get(code, 0))
        for code in codes
        if code in good or code in bad
    }


def village_state(purpose: str, counts: VillageCounts) -> str:
    """``verification`` (an operator's response to check), ``not_surveyed`` (no readings
    at all), ``surveyed`` (at least :data:`MIN_READINGS` that count) or ``needs_resurvey``
    (readings, but too few that count: the rest were sent back)."""
    if purpose == "verification":
        return "verification"
    if counts.readings >= MIN_READINGS:
        return "surveyed"
    if counts.readings == 0 and counts.sent_back == 0:
        return "not_surveyed"
    return "needs_resurvey"


def campaign_days(campaign: Campaign) -> tuple[date | None, date | None]:
    """The campaign's first and last day (inclusive, WIB)."""
    first = campaign.starts_on.astimezone(WIB).date() if campaign.starts_on else None
    last = None
    if campaign.ends_on is not None:
        last = (campaign.ends_on - timedelta(microseconds=1)).astimezone(WIB).date()
    return first, last


def campaign_villages(
    session: Session, campaign: Campaign, regions: RegionIndex | None
) -> list[dict[str, Any]]:
    """Each village of the campaign: code, name, kecamatan, kabupaten/kota, a point inside
    it (``lat``, ``lon``; None without an outline), its readings and its state."""
    counts = village_counts(session, campaign)
    rows = []
    for code in campaign.village_codes or []:
        region = regions.by_code.get(code) if regions else None
        point = None
        if region is not None and region.geometry is not None and not region.geometry.is_empty:
            point = region.geometry.point_on_surface()
        found = counts.get(code, VillageCounts())
        rows.append(
            {
                "code": code,
                "name": region.name if region else code,
                "kecamatan": region.kec_name if region else "",
                "kab": region.kab_name if region else "",
                "lat": round(point.y, 6) if point is not None else None,
                "lon": round(point.x, 6) if point is not None else None,
                "readings": found.readings,
                "sent_back": found.sent_back,
                "state": village_state(campaign.purpose or "survey", found),
            }
        )
    return rows


def campaign_progress(campaign: Campaign, regions: RegionIndex | None) -> list[dict[str, Any]]:
    """Each village of the campaign with its readings inside the campaign's dates (uploads
    received or approved; excluded readings, has-issues and rejected uploads left out), its
    readings sent back and its state (:func:`campaign_villages`)."""
    with session_scope() as session:
        return campaign_villages(session, campaign, regions)
