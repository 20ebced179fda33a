"""Device enrolment and the device's own view of its uploads and campaigns."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.schema import format_time, text_problem
from server.accounts import redeem_enrol_code
from server.api import api
from server.api.auth import device_required
from server.api.body import json_body
from server.campaigns import campaign_days, campaign_villages
from server.db import session_scope
from server.errors import ApiError
from server.extensions import limiter
from server.models import Campaign, Device, OperatorResponse, Upload, campaign_officers
from server.regions import RegionIndex, current_regions
from server.web.access import public


@api.post("/devices/enroll")
@public
@limiter.limit(lambda: current_app.config["RATELIMIT_ENROL"])
def enroll() -> tuple[dict[str, Any], int]:
    """Exchange a one-time enrolment code for a device token."""
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "send a JSON object with code and name")
    code, name = body.get("code"), body.get("name", "")
    if not isinstance(code, str) or not code.strip():
        raise ApiError(422, "code is required", {"code": "missing"})
    # codes are short printable ASCII; anything else cannot be one (nor be hashed or stored)
    if len(code) > 64 or not code.isascii() or not code.isprintable():
        raise ApiError(422, "code is not an enrolment code", {"code": "invalid"})
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 64:
        raise ApiError(422, "name must be 1 to 64 characters", {"name": "invalid"})
    if reason := text_problem(name):
        raise ApiError(422, f"name: {reason}", {"name": "invalid"})
    try:
        device_id, token = redeem_enrol_code(code, name.strip())
    except PermissionError as exc:
        raise ApiError(401, str(exc)) from exc
    return {"device_id": device_id, "token": token}, 201


@api.get("/devices/me")
@device_required
def me() -> dict[str, Any]:
    """The device, its officer's uploads with review states and comments, and campaigns."""
    device: Device = g.device
    with session_scope() as session:
        # the officer's uploads from every phone: a re-enrolled phone (new device) still
        # gets the review comments on what it sent before
        uploads = session.scalars(
            select(Upload)
            .join(Device, Device.id == Upload.device_id)
            .where(Device.officer_id == device.officer_id)
            .order_by(Upload.received_at.desc())
            .limit(500)
        ).all()
        campaigns = session.scalars(
            select(Campaign)
            .join(campaign_officers)
            .where(campaign_officers.c.user_id == device.officer_id)
            .order_by(Campaign.id)
        ).all()
        regions = current_regions()
        return {
            "device_id": device.id,
            "name": device.name,
            "officer_id": device.officer_id,
            "uploads": [upload_summary(u) for u in uploads],
            "campaigns": [campaign_view(session, c, regions) for c in campaigns],
        }


def campaign_view(
    session: Session, campaign: Campaign, regions: RegionIndex | None
) -> dict[str, Any]:
    """A campaign as the phone sees it: dates (instants and inclusive WIB days), its
    villages with a point inside each and their state, and for a verification the claim."""
    first, last = campaign_days(campaign)
    claim = None
    if campaign.purpose == "verification":
        response = session.scalars(
            select(OperatorResponse).where(OperatorResponse.verification_campaign_id == campaign.id)
        ).first()
        if response is not None:
            claim = {"operator": response.operator, "tech": response.tech, "kind": response.kind}
    return {
        "id": campaign.id,
        "name": campaign.name,
        "purpose": campaign.purpose or "survey",
        "village_codes": campaign.village_codes,
        "area": campaign.area,
        "starts_on": campaign.starts_on and format_time(campaign.starts_on),
        "ends_on": campaign.ends_on and format_time(campaign.ends_on),
        "first_day": first and first.isoformat(),
        "last_day": last and last.isoformat(),
        "response": claim,
        "villages": campaign_villages(session, campaign, regions),
    }


def upload_summary(upload: Upload) -> dict[str, Any]:
    return {
        "upload_id": upload.id,
        "state": upload.state,
        "comment": upload.comment,
        "received_at": format_time(upload.received_at),
        "reviewed_at": upload.reviewed_at and format_time(upload.reviewed_at),
        "counts": {
            "accepted": upload.accepted,
            "duplicates": upload.duplicates,
            "rejected": upload.rejected,
            "flagged": upload.flagged,
        },
    }
