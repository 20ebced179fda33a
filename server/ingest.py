"""The one ingest path for phone uploads and imported files: validate, flag, store once.

Exactly-once: the upload is keyed by the phone's batch UUID and each reading by its own
UUID; both are inserted with ``ON CONFLICT DO NOTHING`` in one transaction, so a retried
batch, or a reading sent again inside another batch, is answered as a duplicate and stored
once. A crash before the commit stores nothing, and the phone's retry then stores it all.
"""

from __future__ import annotations

import dataclasses
import operator
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from analysis.schema import FIELDS, check, text_problem
from server.errors import ApiError
from server.flags import CampaignArea, Fix, FlagRules, PreviousFix, compute_flags, fix_key
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
    "FlagContext",
    "IngestResult",
    "PreparedBatch",
    "apply_flags",
    "flag_batch",
    "ingest_batch",
    "prepare_batch",
    "prepare_rows",
    "read_flag_context",
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
    rows: list[tuple[Any, ...]] | None = None  # the INSERT parameters, see prepare_rows
    rows_for: tuple[str, int, datetime] | None = None  # (dialect, device id, now) of rows


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
            problems = [{"field": "record", "reason": "expected a JSON object", "code": "type"}]
            prepared.rejected.append({"index": index, "id": None, "problems": problems})
            continue
        clean, found = check(item, now)
        if found:
            prepared.rejected.append(
                {
                    "index": index,
                    "id": _shown_id(item.get("id")),
                    # code: the kind of problem, so the phone can say it in its own language
                    "problems": [
                        {"field": p.field, "reason": p.reason, "code": p.code} for p in found
                    ],
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
    """Compute the quality flags of a prepared batch (reads the device's earlier fixes)."""
    apply_flags(prepared, read_flag_context(session, device_id, prepared), rules, now)


@dataclass(frozen=True, slots=True)
class FlagContext:
    """What the flags of a batch need from the database."""

    campaigns: tuple[CampaignArea, ...]
    previous: PreviousFix | None
    stored: set[Fix]


def read_flag_context(session: Session, device_id: int, prepared: PreparedBatch) -> FlagContext:
    """The device's campaigns, last fix before the batch and stored fixes in its window.

    The API reads these in their own short transaction and computes the flags after it (on
    SQLite every transaction holds the write lock); flags are advice, so a concurrent batch
    of the same device slipping in between costs at most a missed flag.
    """
    campaigns = _campaigns(session, device_id)
    previous, stored = _stored_fixes(session, device_id, prepared.records)
    return FlagContext(campaigns, previous, stored)


def apply_flags(
    prepared: PreparedBatch, context: FlagContext, rules: FlagRules, now: datetime
) -> None:
    """Compute the flags of every clean reading (no database access)."""
    rules = dataclasses.replace(rules, campaigns=context.campaigns)
    prepared.flags = compute_flags(prepared.records, rules, now, context.previous, context.stored)


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
    readings per village are counted for the overview maps. The rows are built here unless
    :func:`prepare_rows` already built them for this database, device and time (the API does
    that before the storing transaction, which on SQLite holds the write lock).
    """
    dialect = session.get_bind().dialect.name
    if prepared.rows is None or prepared.rows_for != (dialect, device.id, now):
        prepare_rows(prepared, dialect, device.id, now, regions)
    assert prepared.rows is not None
    upload = _upload(session, device, prepared.batch_id, now)
    result = IngestResult(upload, rejected=prepared.rejected, duplicates=list(prepared.repeated))
    records = prepared.records
    flags = prepared.flags or [[] for _ in records]
    inserted = _insert_readings(session, prepared.rows)
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


def _stored_fixes(
    session: Session, device_id: int, records: list[dict[str, Any]]
) -> tuple[PreviousFix | None, set[Fix]]:
    if not records:
        return None, set()
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
    return previous, stored


_COLUMNS = (
    *FIELDS,
    "village_code",
    "upload_id",
    "source_device_id",
    "flags",
    "excluded",
    "received_at",
)


_FIELDS_OF = operator.itemgetter(*FIELDS)
_TIME_AT = FIELDS.index("observed_at")


def _sqlite_time(value: datetime) -> str:
    """SQLAlchemy's storage format for SQLite, ``%Y-%m-%d %H:%M:%S.%f`` in UTC (years from
    1000 on; readings before 2000 are rejected), written five times faster than strftime."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def prepare_rows(
    prepared: PreparedBatch,
    dialect: str,
    device_id: int,
    now: datetime,
    regions: RegionIndex | None = None,
) -> None:
    """Build the INSERT parameters of every clean reading (no database access).

    Each reading gets its village code here. PostgreSQL rows are sorted by id: two batches
    that share readings then lock them in the same order, so one waits for the other instead
    of both deadlocking.
    """
    records = prepared.records
    flags = prepared.flags or [[] for _ in records]
    codes = (
        regions.locate([r["lon"] for r in records], [r["lat"] for r in records])
        if regions
        else [None] * len(records)
    )
    for record, code in zip(records, codes, strict=True):
        record["village_code"] = code
    upload_id, at = prepared.batch_id, _TIME_AT
    if dialect == "sqlite":
        received = _sqlite_time(now)
        rows = []
        for r, f in zip(records, flags, strict=True):
            values = _FIELDS_OF(r)
            rows.append(
                (
                    *values[:at],
                    _sqlite_time(values[at]),
                    *values[at + 1 :],
                    r["village_code"],
                    upload_id,
                    device_id,
                    ",".join(f),
                    False,
                    received,
                )
            )
    else:
        rows = sorted(
            (
                (*_FIELDS_OF(r), r["village_code"], upload_id, device_id, ",".join(f), False, now)
                for r, f in zip(records, flags, strict=True)
            ),
            key=lambda row: str(row[0]),
        )
    prepared.rows = rows
    prepared.rows_for = (dialect, device_id, now)


def _insert_readings(session: Session, rows: list[tuple[Any, ...]]) -> set[str]:
    """Insert with the driver's executemany; the ids that were new.

    SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so the ids already there
    are read first and ``INSERT OR IGNORE`` stores the rest. PostgreSQL: ``ON CONFLICT DO
    NOTHING RETURNING id`` tells, even when another transaction inserts the same reading.
    """
    if not rows:
        return set()
    connection = session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    columns = ", ".join(_COLUMNS)
    if connection.dialect.name == "sqlite":
        existing: set[str] = set()
        ids = [row[0] for row in rows]
        for start in range(0, len(ids), 5_000):  # SQLite >= 3.32 takes 32,766 parameters
            chunk = ids[start : start + 5_000]
            cursor.execute(
                f"SELECT id FROM measurements WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            )
            existing.update(row[0] for row in cursor.fetchall())
        cursor.executemany(
            f"INSERT OR IGNORE INTO measurements ({columns}) VALUES "
            f"({', '.join('?' * len(_COLUMNS))})",
            [row for row in rows if row[0] not in existing] if existing else rows,
        )
        return set(ids) - existing
    cursor.executemany(
        f"INSERT INTO measurements ({columns}) VALUES "
        f"({', '.join(['%s'] * len(_COLUMNS))}) ON CONFLICT (id) DO NOTHING "
        "RETURNING id",
        rows,
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
