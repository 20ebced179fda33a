"""Verification tasks: when an admin accepts an operator's dispute or resolved claim, the
village is surveyed again. The task is a campaign (purpose "verification") for that village,
its officers those who surveyed the village before (else every active officer), for 30 days;
the next release's verdict closes the response (``server.releases``).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from shapely.geometry import mapping
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import record
from server.campaigns import WIB
from server.models import Campaign, Device, OperatorResponse, Upload, UploadVillage, User
from server.offices import offices_covering
from server.regions import current_regions

__all__ = ["VERIFICATION_DAYS", "open_verification", "village_officers"]

VERIFICATION_DAYS = 30


def village_officers(session: Session, village_code: str) -> list[User]:
    """Active officers who surveyed the village (uploads not rejected), else every active
    officer."""
    active = (User.role == "officer", User.active.is_(True))
    # ids first: DISTINCT over whole users fails on PostgreSQL (no equality for JSON)
    ids = (
        select(Device.officer_id)
        .join(Upload, Upload.device_id == Device.id)
        .join(UploadVillage, UploadVillage.upload_id == Upload.id)
        .where(UploadVillage.village_code == village_code, Upload.state != "rejected")
    )
    surveyed = session.scalars(
        select(User).where(User.id.in_(ids), *active).order_by(User.username)
    ).all()
    if surveyed:
        return list(surveyed)
    return list(session.scalars(select(User).where(*active).order_by(User.username)).all())


def _outline(village_code: str) -> dict[str, Any] | None:
    regions = current_regions()
    region = regions.by_code.get(village_code) if regions else None
    if region is None or region.geometry is None:
        return None
    return dict(mapping(region.geometry.simplify(0.0002)))


def _village_name(village_code: str) -> str:
    regions = current_regions()
    region = regions.by_code.get(village_code) if regions else None
    return region.name if region and region.name else village_code


def open_verification(session: Session, response: OperatorResponse, actor: str) -> int:
    """A verification campaign for the response's village in ``session``; its id."""
    # the campaign's days are WIB days, like those an admin types (server.campaigns)
    start = datetime.combine(datetime.now(WIB).date(), time(), WIB).astimezone(UTC)
    officers = village_officers(session, response.village_code)
    name = f"Verifikasi {response.operator} {response.tech} {_village_name(response.village_code)}"
    campaign = Campaign(
        name=name[:120],
        village_codes=[response.village_code],
        area=_outline(response.village_code),
        starts_on=start,
        ends_on=start + timedelta(days=VERIFICATION_DAYS),
        purpose="verification",
        officers=officers,
        office_id=offices_covering(session, response.village_code)[0],
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
            "purpose": "verification",
            "response": response.id,
            "villages": 1,
            "officers": [o.username for o in officers],
        },
    )
    return campaign.id
