"""Device enrolment and the device's own view of its uploads and campaigns."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request
from sqlalchemy import select

from analysis.schema import format_time
from server.api import api
from server.api.auth import device_required
from server.audit import record
from server.db import session_scope
from server.errors import ApiError
from server.extensions import limiter
from server.models import Campaign, Device, EnrolCode, Upload, campaign_officers, utcnow
from server.security import hash_secret, new_token


@api.post("/devices/enroll")
@limiter.limit(lambda: current_app.config["RATELIMIT_ENROL"])
def enroll() -> tuple[dict[str, Any], int]:
    """Exchange a one-time enrolment code for a device token."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "send a JSON object with code and name")
    code, name = body.get("code"), body.get("name", "")
    if not isinstance(code, str) or not code.strip():
        raise ApiError(422, "code is required", {"code": "missing"})
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 64:
        raise ApiError(422, "name must be 1 to 64 characters", {"name": "invalid"})
    now = utcnow()
    with session_scope() as session:
        enrol = session.scalars(
            select(EnrolCode).where(EnrolCode.code_hash == hash_secret(code)).with_for_update()
        ).first()
        if enrol is None or enrol.used_at is not None or enrol.expires_at < now:
            raise ApiError(
                401, "enrolment code unknown, used or expired; ask the admin for a new one"
            )
        token = new_token()
        device = Device(
            name=name.strip(),
            officer_id=enrol.officer_id,
            token_hash=hash_secret(token),
            enrolled_at=now,
        )
        enrol.used_at = now
        session.add(device)
        session.flush()
        record(
            session,
            f"officer:{enrol.officer_id}",
            "device.enrol",
            f"device:{device.id}",
            None,
            {"name": device.name},
        )
        device_id = device.id
    return {"device_id": device_id, "token": token}, 201


@api.get("/devices/me")
@device_required
def me() -> dict[str, Any]:
    """The device, its uploads with review states and comments, and its campaigns."""
    device: Device = g.device
    with session_scope() as session:
        uploads = session.scalars(
            select(Upload)
            .where(Upload.device_id == device.id)
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
