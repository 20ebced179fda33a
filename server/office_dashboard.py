"""What an office's dashboard counts: its uploads by state, its officers and phones, the
progress of its current campaigns, verdicts in its region and the operators' responses that
are open or overdue there. Every number is one aggregate query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from server.campaigns import campaign_days, village_counts, village_state
from server.models import (
    Campaign,
    Device,
    OperatorResponse,
    Upload,
    User,
    VillageVerdict,
)
from server.offices import Scope, in_region, office_users
from server.responses import overdue_query

__all__ = ["CampaignProgress", "OfficeSummary", "office_summary", "region_verdicts"]

CAMPAIGNS_SHOWN = 6


@dataclass
class CampaignProgress:
    """A current campaign: villages surveyed of all, and its days (WIB)."""

    id: int
    name: str
    villages: int
    surveyed: int
    first: date | None
    last: date | None

    @property
    def share(self) -> float:
        return self.surveyed / self.villages if self.villages else 0.0


@dataclass
class OfficeSummary:
    """The numbers of one office's dashboard."""

    by_state: dict[str, tuple[int, int]] = field(default_factory=dict)  # uploads, readings
    devices: int = 0
    officers: int = 0
    campaigns: list[CampaignProgress] = field(default_factory=list)
    open_responses: int = 0  # waiting for an admin's decision
    unanswered: int = 0  # blankspot villages before their deadline, no response yet
    overdue: int = 0  # blankspot villages past their deadline, no response


def _current_campaigns(db: Session, scope: Scope, now: datetime) -> list[CampaignProgress]:
    recent = now - timedelta(days=30)
    campaigns = db.scalars(
        select(Campaign)
        .where(office_users(scope, Campaign.office_id))
        .where(or_(Campaign.ends_on.is_(None), Campaign.ends_on >= recent))
        .order_by(Campaign.id.desc())
        .limit(CAMPAIGNS_SHOWN)
    ).all()
    out = []
    for campaign in campaigns:
        counts = village_counts(db, campaign)
        codes = list(campaign.village_codes or [])
        surveyed = sum(
            1
            for code in codes
            if code in counts and village_state(campaign.purpose, counts[code]) == "surveyed"
        )
        if campaign.purpose == "verification":  # checked once any reading counts
            surveyed = sum(1 for code in codes if code in counts and counts[code].readings)
        first, last = campaign_days(campaign)
        out.append(CampaignProgress(campaign.id, campaign.name, len(codes), surveyed, first, last))
    return out


def _count(db: Session, query: Any) -> int:
    return int(db.scalar(query) or 0)


def office_summary(db: Session, scope: Scope, today: date | None = None) -> OfficeSummary:
    """The dashboard numbers of the office ``scope`` (the province: everything)."""
    today = today or datetime.now(UTC).date()
    people = office_users(scope)
    summary = OfficeSummary()
    summary.by_state = {
        state: (uploads, readings or 0)
        for state, uploads, readings in db.execute(
            select(Upload.state, func.count(Upload.id), func.sum(Upload.accepted))
            .join(Device, Device.id == Upload.device_id)
            .join(User, User.id == Device.officer_id)
            .where(people)
            .group_by(Upload.state)
        )
    }
    summary.devices = _count(
        db,
        select(func.count(Device.id))
        .join(User, User.id == Device.officer_id)
        .where(Device.revoked_at.is_(None), people),
    )
    summary.officers = _count(
        db, select(func.count(User.id)).where(User.role == "officer", User.active.is_(True), people)
    )
    summary.campaigns = _current_campaigns(db, scope, datetime.now(UTC))
    summary.open_responses = _count(
        db,
        select(func.count(OperatorResponse.id)).where(
            OperatorResponse.decision == "pending",
            in_region(OperatorResponse.village_code, scope),
        ),
    )
    for passed in (False, True):
        query = overdue_query(None, today, passed).where(
            in_region(VillageVerdict.village_code, scope)
        )
        count = _count(db, select(func.count()).select_from(query.subquery()))
        if passed:
            summary.overdue = count
        else:
            summary.unanswered = count
    return summary


def region_verdicts(db: Session, scope: Scope, products: list[dict[str, Any]]) -> None:
    """Replace each latest product's village counts by those inside the office's region
    (its blankspot count, of the whole map, is left out)."""
    if scope.province or not products:
        return
    keys = [(p["release_id"], p["operator"], p["tech"]) for p in products]
    counts: dict[tuple[int, str, str], dict[str, int]] = {key: {} for key in keys}
    rows = db.execute(
        select(
            VillageVerdict.release_id,
            VillageVerdict.operator,
            VillageVerdict.tech,
            VillageVerdict.verdict,
            func.count(),
        )
        .where(
            or_(
                *(
                    and_(
                        VillageVerdict.release_id == release_id,
                        VillageVerdict.operator == operator,
                        VillageVerdict.tech == tech,
                    )
                    for release_id, operator, tech in keys
                )
            ),
            in_region(VillageVerdict.village_code, scope),
        )
        .group_by(
            VillageVerdict.release_id,
            VillageVerdict.operator,
            VillageVerdict.tech,
            VillageVerdict.verdict,
        )
    )
    for release_id, operator, tech, verdict, n in rows:
        counts[(release_id, operator, tech)][verdict] = n
    for product, key in zip(products, keys, strict=True):
        product["villages"] = counts[key]
        product["blankspots"] = {"count": None}  # polygons are counted for the whole map
