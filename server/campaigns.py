"""Campaigns: an area (a list of villages or a drawn polygon), officers and dates; and how far
the survey of each has come (villages reached, readings per village)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from sqlalchemy import func, select

from server.audit import record
from server.db import session_scope
from server.models import Campaign, Upload, UploadVillage, User
from server.regions import RegionIndex

__all__ = ["campaign_progress", "create_campaign", "parse_codes"]


def parse_codes(text: str) -> list[str]:
    """Village codes from text: one per line, or separated by commas, semicolons or spaces."""
    for separator in ",;\t ":
        text = text.replace(separator, "\n")
    return sorted({code.strip() for code in text.splitlines() if code.strip()})


def create_campaign(
    actor: str,
    name: str,
    regions: RegionIndex | None,
    codes: list[str],
    area_text: str | None,
    officer_ids: list[int],
    starts_on: datetime | None,
    ends_on: datetime | None,
) -> int:
    """Create a campaign from village codes or a GeoJSON polygon (one of them is needed)."""
    if regions is None:
        raise ValueError("no village boundaries are configured on this server")
    area: shapely.Geometry | None = None
    if area_text and area_text.strip():
        try:
            data = json.loads(area_text)
            area = shape(data.get("geometry", data) if data.get("type") == "Feature" else data)
        except (ValueError, AttributeError, KeyError, TypeError) as exc:
            raise ValueError(f"the area is not a GeoJSON polygon: {exc}") from exc
        if area.geom_type not in ("Polygon", "MultiPolygon") or not area.is_valid:
            raise ValueError("the area must be a valid polygon")
        codes = sorted(set(codes) | set(regions.codes_in(area)))
    unknown = [code for code in codes if code not in regions.by_code]
    if unknown:
        raise ValueError(f"unknown village codes: {', '.join(unknown[:10])}")
    if not codes:
        raise ValueError("give village codes or draw an area that covers villages")
    if starts_on and ends_on and ends_on < starts_on:
        raise ValueError("the last day is before the first")
    if area is None:
        shapes = [regions.by_code[c].geometry for c in codes if regions.by_code[c].geometry]
        area = shapely.union_all(shapes).simplify(0.0005) if shapes else None
    with session_scope() as session:
        officers = session.scalars(
            select(User).where(User.id.in_(officer_ids), User.role == "officer")
        ).all()
        campaign = Campaign(
            name=name.strip(),
            village_codes=codes,
            area=mapping(area) if area is not None else None,
            starts_on=starts_on,
            ends_on=ends_on,
            officers=list(officers),
        )
        session.add(campaign)
        session.flush()
        record(
            session,
            actor,
            "campaign.create",
            f"campaign:{campaign.id}",
            None,
            {
                "name": campaign.name,
                "villages": len(codes),
                "officers": [o.username for o in officers],
            },
        )
        return campaign.id


def campaign_progress(campaign: Campaign, regions: RegionIndex | None) -> list[dict[str, Any]]:
    """Each village of the campaign with its readings so far (rejected uploads left out)."""
    codes = list(campaign.village_codes or [])
    with session_scope() as session:
        counts = dict(
            session.execute(
                select(UploadVillage.village_code, func.sum(UploadVillage.readings))
                .join(Upload, Upload.id == UploadVillage.upload_id)
                .where(Upload.state != "rejected", UploadVillage.village_code.in_(codes))
                .group_by(UploadVillage.village_code)
            ).all()
        )
    rows = []
    for code in codes:
        region = regions.by_code.get(code) if regions else None
        rows.append(
            {
                "code": code,
                "name": region.name if region else code,
                "kab": region.kab_name if region else "",
                "readings": int(counts.get(code) or 0),
            }
        )
    return rows
