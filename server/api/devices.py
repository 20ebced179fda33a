"""Device enrolment and the device's own view of its uploads and campaigns."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from sqlalchemy import select

from analysis.schema import format_time, text_problem
from server.accounts import redeem_enrol_code
from server.api import api
from server.api.auth import device_required
from server.api.body import json_body
from server.db import session_scope
from server.errors import ApiError
from server.extensions import limiter
from server.models import Campaign, Device, Upload, campaign_officers
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
        ).all()
        return {
            "device_id": device.id,
            "name": device.name,
            "officer_id": device.officer_id,
            "uploads": [upload_summary(u) for u in uploads],
            "campaigns": [
                {
                    "id": c.id,
                    "name": c.name,
                    "village_codes": c.village_codes,
                    "area": c.area,
                    "starts_on": c.starts_on and format_time(c.starts_on),
                    "ends_on": c.ends_on and format_time(c.ends_on),
                }
                for c in campaigns
            ],
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
