"""Uploads: a batch of up to 5,000 readings, idempotent on the batch and on each reading."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, g

from server.api import api
from server.api.auth import device_required
from server.api.body import json_body
from server.api.devices import upload_summary
from server.db import engine, session_scope
from server.errors import ApiError
from server.flags import FlagRules
from server.ingest import apply_flags, prepare_batch, prepare_rows, read_flag_context, store_batch
from server.models import Device, Upload, utcnow
from server.regions import current_regions


def flag_rules() -> FlagRules:
    config = current_app.config
    return FlagRules(
        config["FLAG_ACCURACY_M"],
        config["FLAG_SPEED_KMH"],
        config["FLAG_STALE_DAYS"],
        tuple(config["REGION_BBOX"]),
    )


@api.post("/uploads")
@device_required
def create_upload() -> tuple[dict[str, Any], int]:
    """Send a batch of readings; answers accepted, duplicate and rejected ones."""
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "send a JSON object with batch_id and measurements")
    items = body.get("measurements")
    if not isinstance(items, list):
        raise ApiError(422, "measurements must be a list", {"measurements": "not a list"})
    limit = current_app.config["MAX_BATCH"]
    if len(items) > limit:
        raise ApiError(413, f"at most {limit} measurements per batch; split the batch")
    now = utcnow()
    device_id = g.device.id
    # Everything but the database work happens outside the transactions: on SQLite each one
    # holds the write lock that every upload waits for.
    prepared = prepare_batch(str(body.get("batch_id", "")), items, now)
    with session_scope() as session:
        context = read_flag_context(session, device_id, prepared)
    apply_flags(prepared, context, flag_rules(), now)
    prepare_rows(prepared, engine().dialect.name, device_id, now, current_regions())
    with session_scope() as session:
        device = session.get(Device, device_id)
        assert device is not None
        result = store_batch(session, device, prepared, now)
    answer = result.answer()
    status = 201 if answer["counts"]["accepted"] else 200
    return answer, status


@api.get("/uploads/<upload_id>")
@device_required
def get_upload(upload_id: str) -> dict[str, Any]:
    """One of this device's uploads: counts, review state and the reviewer's comment."""
    try:  # batch ids are UUIDs; anything else (a NUL byte, say) is no upload
        upload_id = str(uuid.UUID(upload_id))
    except ValueError:
        raise ApiError(404, "no such upload for this device") from None
    with session_scope() as session:
        upload = session.get(Upload, upload_id)
        if upload is None or upload.device_id != g.device.id:
            raise ApiError(404, "no such upload for this device")
        return {**upload_summary(upload), "rejections": upload.rejections}
