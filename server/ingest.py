"""The one ingest path for phone uploads and imported files: validate, flag, store once.

Exactly-once: the upload is keyed by the phone's batch UUID and each reading by its own
UUID; both are inserted with ``ON CONFLICT DO NOTHING`` in one transaction, so a retried
batch, or a reading sent again inside another batch, is answered as a duplicate and stored
once. A crash before the commit stores nothing, and the phone's retry then stores it all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from analysis.schema import FIELDS, check
from server.errors import ApiError
from server.flags import FlagRules, PreviousFix, compute_flags
from server.models import Device, Measurement, Upload, utcnow

__all__ = ["IngestResult", "ingest_batch"]

_MAX_STORED_REJECTIONS = 200


@dataclass(slots=True)
class IngestResult:
    """What happened to each reading of a batch."""

    upload: Upload
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    flagged: dict[str, list[str]] = field(default_factory=dict)

    def answer(self) -> dict[str, Any]:
        return {
            "upload_id": self.upload.id,
            "state": self.upload.state,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "flagged": self.flagged,
            "counts": {
                "accepted": len(self.accepted),
                "duplicates": len(self.duplicates),
                "rejected": len(self.rejected),
                "flagged": len(self.flagged),
            },
        }


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def ingest_batch(
    session: Session,
    device: Device,
    batch_id: str,
    items: list[Any],
    rules: FlagRules,
    now: datetime | None = None,
) -> IngestResult:
    """Store the valid readings of one batch exactly once; report every reading's fate."""
    now = now or utcnow()
    try:
        batch_id = str(uuid.UUID(str(batch_id)))
    except ValueError as exc:
        raise ApiError(422, "batch_id must be a UUID") from exc
    upload = _upload(session, device, batch_id, now)
    result = IngestResult(upload)
    clean_records: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            result.rejected.append(
                {
                    "index": index,
                    "id": None,
                    "problems": [{"field": "record", "reason": "expected a JSON object"}],
                }
            )
            continue
        clean, problems = check(item, now)
        if problems:
            result.rejected.append(
                {
                    "index": index,
                    "id": str(item.get("id"))[:40] or None,
                    "problems": [{"field": p.field, "reason": p.reason} for p in problems],
                }
            )
        elif clean["id"] in seen:
            result.duplicates.append(clean["id"])
        else:
            seen.add(clean["id"])
            clean_records.append(clean)
    flags = _flags(session, device, clean_records, rules, now)
    rows = []
    for clean, found in zip(clean_records, flags, strict=True):
        rows.append(
            {
                **{name: clean[name] for name in FIELDS},
                "upload_id": batch_id,
                "source_device_id": device.id,
                "flags": ",".join(found),
                "excluded": False,
                "received_at": now,
            }
        )
    inserted: set[str] = set()
    if rows:
        statement = (
            _insert(session)(Measurement)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(Measurement.id)
        )
        inserted = set(session.scalars(statement, rows).all())
    for clean, found in zip(clean_records, flags, strict=True):
        if clean["id"] in inserted:
            result.accepted.append(clean["id"])
            if found:
                result.flagged[clean["id"]] = found
        else:
            result.duplicates.append(clean["id"])
    upload.accepted += len(result.accepted)
    upload.duplicates += len(result.duplicates)
    upload.rejected += len(result.rejected)
    upload.flagged += len(result.flagged)
    stored = list(upload.rejections or [])
    upload.rejections = (stored + result.rejected)[:_MAX_STORED_REJECTIONS]
    device.last_seen_at = now
    return result


def _upload(session: Session, device: Device, batch_id: str, now: datetime) -> Upload:
    """The batch's upload row, created once even when two requests race."""
    statement = (
        _insert(session)(Upload)
        .values(
            id=batch_id,
            device_id=device.id,
            received_at=now,
            accepted=0,
            duplicates=0,
            rejected=0,
            flagged=0,
            state="received",
            rejections=[],
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )
    session.execute(statement)
    upload = session.get(Upload, batch_id, with_for_update=True, populate_existing=True)
    assert upload is not None
    if upload.device_id != device.id:
        raise ApiError(409, "this batch_id belongs to another device; make a new one")
    return upload


def _flags(
    session: Session, device: Device, records: list[dict[str, Any]], rules: FlagRules, now: datetime
) -> list[list[str]]:
    if not records:
        return []
    first = min(r["observed_at"] for r in records)
    last = max(r["observed_at"] for r in records)
    previous_row = session.execute(
        select(Measurement.observed_at, Measurement.lat, Measurement.lon)
        .where(and_(Measurement.source_device_id == device.id, Measurement.observed_at < first))
        .order_by(Measurement.observed_at.desc())
        .limit(1)
    ).first()
    previous = PreviousFix(*previous_row) if previous_row else None
    stored = {
        (t, lat, lon)
        for t, lat, lon in session.execute(
            select(Measurement.observed_at, Measurement.lat, Measurement.lon).where(
                and_(
                    Measurement.source_device_id == device.id,
                    Measurement.observed_at >= first - timedelta(seconds=1),
                    Measurement.observed_at <= last + timedelta(seconds=1),
                )
            )
        )
    }
    return compute_flags(records, rules, now, previous, stored)
