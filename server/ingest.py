"""The one ingest path for phone uploads and imported files: validate, flag, store once.

Exactly-once: the upload is keyed by the phone's batch UUID and each reading by its own
UUID; both are inserted with ``ON CONFLICT DO NOTHING`` in one transaction, so a retried
batch, or a reading sent again inside another batch, is answered as a duplicate and stored
once. A crash before the commit stores nothing, and the phone's retry then stores it all.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from analysis.schema import FIELDS, check, text_problem
from server.errors import ApiError
from server.flags import CampaignArea, FlagRules, PreviousFix, compute_flags, fix_key
from server.models import (
    Campaign,
    Device,
    Measurement,
    Network,
    Upload,
    UploadVillage,
    campaign_officers,
    utcnow,
)
from server.regions import RegionIndex

__all__ = [
    "IngestResult",
    "PreparedBatch",
    "flag_batch",
    "ingest_batch",
    "prepare_batch",
    "store_batch",
]

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


@dataclass(slots=True)
class PreparedBatch:
    """A batch checked without the database: clean records and the rejected ones."""

    batch_id: str
    records: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    repeated: list[str]  # ids sent twice within the batch
    flags: list[list[str]] | None = None


def prepare_batch(batch_id: str, items: list[Any], now: datetime) -> PreparedBatch:
    """Validate every reading (no database access, so no lock is held meanwhile)."""
    try:
        batch_id = str(uuid.UUID(str(batch_id)))
    except ValueError as exc:
        raise ApiError(422, "batch_id must be a UUID") from exc
    prepared = PreparedBatch(batch_id, [], [], [])
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems = [{"field": "record", "reason": "expected a JSON object"}]
            prepared.rejected.append({"index": index, "id": None, "problems": problems})
            continue
        clean, found = check(item, now)
        if found:
            prepared.rejected.append(
                {
                    "index": index,
                    "id": _shown_id(item.get("id")),
                    "problems": [{"field": p.field, "reason": p.reason} for p in found],
                }
            )
        elif clean["id"] in seen:
            prepared.repeated.append(clean["id"])
        else:
            seen.add(clean["id"])
            prepared.records.append(clean)
    return prepared


def _shown_id(value: Any) -> str | None:
    """A rejected reading's id as the answer and the upload row can hold it."""
    if value is None:
        return None
    text = value[:40] if isinstance(value, str) else repr(value)[:40]
    return (repr(text)[1:-1] if text_problem(text) else text) or None


def ingest_batch(
    session: Session,
    device: Device,
    batch_id: str,
    items: list[Any],
    rules: FlagRules,
    now: datetime | None = None,
    regions: RegionIndex | None = None,
) -> IngestResult:
    """Validate, flag and store one batch in one session (imports and tests)."""
    now = now or utcnow()
    prepared = prepare_batch(batch_id, items, now)
    flag_batch(session, device.id, prepared, rules, now)
    return store_batch(session, device, prepared, now, regions)


def flag_batch(
    session: Session, device_id: int, prepared: PreparedBatch, rules: FlagRules, now: datetime
) -> None:
    """Compute the quality flags of a prepared batch (reads the device's earlier fixes).

    The API runs this in its own short transaction before the storing one, so that the
    write lock is held for the writes only; flags are advice, so a concurrent batch of the
    same device slipping in between costs at most a missed flag.
    """
    rules = dataclasses.replace(rules, campaigns=_campaigns(session, device_id))
    prepared.flags = _flags(session, device_id, prepared.records, rules, now)


def _campaigns(session: Session, device_id: int) -> tuple[CampaignArea, ...]:
    """The campaigns of the device's officer that have an area or dates."""
    from shapely.geometry import shape

    device = session.get(Device, device_id)
    if device is None:
        return ()
    rows = session.scalars(
        select(Campaign)
        .join(campaign_officers)
        .where(campaign_officers.c.user_id == device.officer_id)
    ).all()
    return tuple(
        CampaignArea(shape(c.area) if c.area else None, c.starts_on, c.ends_on)
        for c in rows
        if c.area or c.starts_on or c.ends_on
    )


def store_batch(
    session: Session,
    device: Device,
    prepared: PreparedBatch,
    now: datetime,
    regions: RegionIndex | None = None,
) -> IngestResult:
    """Store the valid readings of a flagged batch exactly once; report every fate.

    With ``regions``, each reading gets the code of the village it lies in, and the upload's
    readings per village are counted for the overview maps.
    """
    upload = _upload(session, device, prepared.batch_id, now)
    result = IngestResult(upload, rejected=prepared.rejected, duplicates=list(prepared.repeated))
    records = prepared.records
    flags = prepared.flags or [[] for _ in records]
    codes = (
        regions.locate([r["lon"] for r in records], [r["lat"] for r in records])
        if regions
        else [None] * len(records)
    )
    for record, code in zip(records, codes, strict=True):
        record["village_code"] = code
    inserted = _insert_readings(session, records, flags, upload.id, device.id, now)
    stored = [r for r in records if r["id"] in inserted]
    _count_villages(session, upload.id, stored)
    _note_networks(session, stored)
    for clean, found in zip(records, flags, strict=True):
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
    upload.rejections = (list(upload.rejections or []) + result.rejected)[:_MAX_STORED_REJECTIONS]
    device.last_seen_at = now
    return result


def _count_villages(session: Session, upload_id: str, stored: list[dict[str, Any]]) -> None:
    """Add the newly stored readings to the upload's per-village counts."""
    counts: dict[str, list[int]] = {}
    for record in stored:
        if record.get("village_code"):
            entry = counts.setdefault(record["village_code"], [0, 0])
            entry[0] += 1
            entry[1] += record["tech"] == "NONE"
    if not counts:
        return
    statement = _insert(session)(UploadVillage).values(
        [
            {"upload_id": upload_id, "village_code": code, "readings": n, "no_service": none}
            for code, (n, none) in counts.items()
        ]
    )
    statement = statement.on_conflict_do_update(
        index_elements=["upload_id", "village_code"],
        set_={
            "readings": UploadVillage.readings + statement.excluded.readings,
            "no_service": UploadVillage.no_service + statement.excluded.no_service,
        },
    )
    session.execute(statement)


def _note_networks(session: Session, stored: list[dict[str, Any]]) -> None:
    """Remember the operators of the newly stored readings (for the job form)."""
    pairs = {(r["mcc"], r["mnc"]) for r in stored if r.get("mcc") and r.get("mnc")}
    if pairs:
        statement = _insert(session)(Network).values(
            [{"mcc": mcc, "mnc": mnc} for mcc, mnc in sorted(pairs)]
        )
        session.execute(statement.on_conflict_do_nothing(index_elements=["mcc", "mnc"]))


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
    session: Session, device_id: int, records: list[dict[str, Any]], rules: FlagRules, now: datetime
) -> list[list[str]]:
    if not records:
        return []
    first = min(r["observed_at"] for r in records)
    last = max(r["observed_at"] for r in records)
    previous_row = session.execute(
        select(Measurement.observed_at, Measurement.lat, Measurement.lon)
        .where(and_(Measurement.source_device_id == device_id, Measurement.observed_at < first))
        .order_by(Measurement.observed_at.desc())
        .limit(1)
    ).first()
    previous = PreviousFix(*previous_row) if previous_row else None
    columns = ("observed_at", "lat", "lon", "mcc", "mnc", "tech")
    stored = {
        fix_key(dict(zip(columns, row, strict=True)))
        for row in session.execute(
            select(*(getattr(Measurement, c) for c in columns)).where(
                and_(
                    Measurement.source_device_id == device_id,
                    Measurement.observed_at >= first - timedelta(seconds=1),
                    Measurement.observed_at <= last + timedelta(seconds=1),
                )
            )
        )
    }
    return compute_flags(records, rules, now, previous, stored)


_COLUMNS = (
    *FIELDS,
    "village_code",
    "upload_id",
    "source_device_id",
    "flags",
    "excluded",
    "received_at",
)
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's own storage format for SQLite


def _insert_readings(
    session: Session,
    records: list[dict[str, Any]],
    flags: list[list[str]],
    upload_id: str,
    device_id: int,
    now: datetime,
) -> set[str]:
    """Insert with the driver's executemany; the ids that were new.

    SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so the ids already there
    are read first and ``INSERT OR IGNORE`` stores the rest. PostgreSQL: ``ON CONFLICT DO
    NOTHING RETURNING id`` tells, even when another transaction inserts the same reading.
    """
    if not records:
        return set()
    connection = session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    columns = ", ".join(_COLUMNS)
    if connection.dialect.name == "sqlite":

        def time(value: datetime) -> str:
            return value.astimezone(UTC).strftime(_SQLITE_TIME)

        existing: set[str] = set()
        ids = [r["id"] for r in records]
        for start in range(0, len(ids), 5_000):  # SQLite >= 3.32 takes 32,766 parameters
            chunk = ids[start : start + 5_000]
            cursor.execute(
                f"SELECT id FROM measurements WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            )
            existing.update(row[0] for row in cursor.fetchall())
        values = [
            (
                *(time(r[c]) if c == "observed_at" else r[c] for c in FIELDS),
                r.get("village_code"),
                upload_id,
                device_id,
                ",".join(f),
                False,
                time(now),
            )
            for r, f in zip(records, flags, strict=True)
            if r["id"] not in existing
        ]
        cursor.executemany(
            f"INSERT OR IGNORE INTO measurements ({columns}) VALUES "
            f"({', '.join('?' * len(_COLUMNS))})",
            values,
        )
        return set(ids) - existing
    # in id order: two batches that share readings lock them in the same order, so one
    # waits for the other instead of both deadlocking
    values = sorted(
        (
            (
                *(r[c] for c in FIELDS),
                r.get("village_code"),
                upload_id,
                device_id,
                ",".join(f),
                False,
                now,
            )
            for r, f in zip(records, flags, strict=True)
        ),
        key=lambda row: str(row[0]),
    )
    cursor.executemany(
        f"INSERT INTO measurements ({columns}) VALUES "
        f"({', '.join(['%s'] * len(_COLUMNS))}) ON CONFLICT (id) DO NOTHING "
        "RETURNING id",
        values,
        returning=True,
    )
    new: set[str] = set()
    while True:
        row = cursor.fetchone()
        if row is not None:
            new.add(row[0])
        if not cursor.nextset():
            break
    return new
