"""The store: users, devices, enrolment codes, campaigns, uploads, measurements, audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = [
    "DECISIONS",
    "JOB_STATES",
    "MAX_ID",
    "RELEASE_STATES",
    "RESPONSE_KINDS",
    "ROLES",
    "UPLOAD_STATES",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Campaign",
    "Device",
    "EnrolCode",
    "EvidenceFile",
    "EvidenceReading",
    "Job",
    "MailOut",
    "Measurement",
    "Network",
    "Notification",
    "Office",
    "OperatorResponse",
    "Release",
    "ReleaseProduct",
    "Upload",
    "UploadVillage",
    "User",
    "VillageVerdict",
    "WebSession",
    "utcnow",
]

ROLES = ("admin", "officer", "provider")
UPLOAD_STATES = ("received", "has_issues", "approved", "rejected")
JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
RELEASE_STATES = ("published", "withdrawn")
RESPONSE_KINDS = ("acknowledged", "planned", "disputed", "resolved")
DECISIONS = ("pending", "accepted", "rejected")
MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds on every backend


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; store aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


campaign_officers = Table(
    "campaign_officers",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Office(Base):
    """The provincial Diskominfotik or a kabupaten/kota Diskominfo: the region it covers is
    its Kemendagri code ("13" the province, "13.06" Kabupaten Agam). Admins and officers
    belong to one office; a kabupaten/kota office sees its own officers and region."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    operators: Mapped[list[str]] = mapped_column(JSON, default=list)  # providers: MCC-MNCs
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    language: Mapped[str] = mapped_column(String(8), default="id")
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    # Bumped on password change or deactivation: every older login session stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)  # notifications
    # admins and officers: their office; providers belong to none
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("offices.id"), nullable=True, index=True
    )

    office: Mapped[Office | None] = relationship(lazy="joined")


class WebSession(Base):
    """A login session on the server: the cookie names it by a random key (only its hash is
    kept). Logging out ends it, so a copy of the cookie stops working too."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class EnrolCode(Base):
    __tablename__ = "enrol_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    officer: Mapped[User] = relationship()


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    area: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # GeoJSON polygon
    village_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ends_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # "survey", or "verification": made when an operator's dispute or resolved claim is
    # accepted, so that officers check those villages again
    purpose: Mapped[str] = mapped_column(String(16), default="survey")
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("offices.id"), nullable=True, index=True
    )
    officers: Mapped[list[User]] = relationship(secondary=campaign_officers)


class Upload(Base):
    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the phone's batch UUID
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="received", index=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rejections: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    device: Mapped[Device] = relationship()


class UploadVillage(Base):
    """Readings of an upload per village, kept at ingest so that maps of where the province
    was surveyed read a few rows per upload instead of every reading."""

    __tablename__ = "upload_villages"

    upload_id: Mapped[str] = mapped_column(
        ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True
    )
    village_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    readings: Mapped[int] = mapped_column(Integer, default=0)
    no_service: Mapped[int] = mapped_column(Integer, default=0)


class Network(Base):
    """An operator (MCC-MNC) seen in the readings, noted at ingest: the job form lists these
    without scanning every reading."""

    __tablename__ = "networks"

    mcc: Mapped[str] = mapped_column(String(3), primary_key=True)
    mnc: Mapped[str] = mapped_column(String(3), primary_key=True)


class Measurement(Base):
    """A stored reading: every field of the record, keyed by the phone's UUID."""

    __tablename__ = "measurements"
    __table_args__ = (
        Index("ix_measurements_device_time", "source_device_id", "observed_at"),
        Index("ix_measurements_operator", "mcc", "mnc", "tech"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    upload_id: Mapped[str] = mapped_column(ForeignKey("uploads.id"), index=True)
    source_device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    device_id: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[str] = mapped_column(String(64))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    altitude_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    speed_mps: Mapped[float | None] = mapped_column(Float, nullable=True)
    mock_location: Mapped[bool] = mapped_column(Boolean, default=False)
    tech: Mapped[str] = mapped_column(String(8))
    mcc: Mapped[str | None] = mapped_column(String(3), nullable=True)
    mnc: Mapped[str | None] = mapped_column(String(3), nullable=True)
    operator: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cell_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    tac_lac: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pci_psc: Mapped[int | None] = mapped_column(Integer, nullable=True)
    arfcn: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rsrp_dbm: Mapped[float | None] = mapped_column(Float, nullable=True)
    rsrq_db: Mapped[float | None] = mapped_column(Float, nullable=True)
    sinr_db: Mapped[float | None] = mapped_column(Float, nullable=True)
    rscp_dbm: Mapped[float | None] = mapped_column(Float, nullable=True)
    rssi_dbm: Mapped[float | None] = mapped_column(Float, nullable=True)
    mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    village_code: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    flags: Mapped[str] = mapped_column(String(255), default="")
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Who did what, when, with the state before and after. Written, never edited."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(120))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class ApiToken(Base):
    """A revocable token for scripts (providers fetching products); only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class Job(Base):
    """A heatmap job: its exact inputs, its progress, and what it produced.

    ``params`` holds what the admin chose; ``inputs`` what the readings were when the job
    ran (counts, uploads and a digest of the reading ids), so a product traces back to them.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    operators: Mapped[list[str]] = mapped_column(JSON, default=list)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("offices.id"), nullable=True, index=True
    )

    creator: Mapped[User] = relationship()


class Release(Base):
    """A job's products published for the operators: frozen, never edited; it can only be
    withdrawn, with a reason. Providers see published releases only."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    area: Mapped[dict[str, Any]] = mapped_column(JSON)  # the job's area
    tech: Mapped[str] = mapped_column(String(8))
    operators: Mapped[list[str]] = mapped_column(JSON, default=list)  # of its products
    state: Mapped[str] = mapped_column(String(16), default="published", index=True)
    published_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    respond_by: Mapped[date] = mapped_column(Date)  # deadline for the operators' responses
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the job's reading ids
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the job's inputs
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # measured at publish
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdraw_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    products: Mapped[list[ReleaseProduct]] = relationship(
        back_populates="release", order_by="ReleaseProduct.product"
    )


class ReleaseProduct(Base):
    """One operator-and-technology product of a release with the manifest of its files."""

    __tablename__ = "release_products"
    __table_args__ = (UniqueConstraint("release_id", "product"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    product: Mapped[str] = mapped_column(String(32))  # e.g. 510-10-LTE
    operator: Mapped[str] = mapped_column(String(8), index=True)
    tech: Mapped[str] = mapped_column(String(8))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the job's result
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # name, bytes, sha256

    release: Mapped[Release] = relationship(back_populates="products")


class VillageVerdict(Base):
    """The verdict on one village for one operator and technology in one release, with its
    evidence. The village register reads these rows."""

    __tablename__ = "village_verdicts"
    __table_args__ = (
        UniqueConstraint("release_id", "operator", "tech", "village_code"),
        Index("ix_village_verdicts_village", "village_code", "operator", "tech"),
        Index("ix_village_verdicts_release", "release_id", "operator", "verdict"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    village_code: Mapped[str] = mapped_column(String(32))
    operator: Mapped[str] = mapped_column(String(8))
    tech: Mapped[str] = mapped_column(String(8))
    village: Mapped[str] = mapped_column(String(120), default="")
    kecamatan: Mapped[str] = mapped_column(String(120), default="")
    kabkota: Mapped[str] = mapped_column(String(120), default="")
    verdict: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    readings: Mapped[int] = mapped_column(Integer, default=0)
    no_service: Mapped[int] = mapped_column(Integer, default=0)
    fixes: Mapped[int] = mapped_column(Integer, default=0)  # distinct positions (~10 m)
    officers: Mapped[int] = mapped_column(Integer, default=0)
    first_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    surveyed_share: Mapped[float] = mapped_column(Float, default=0.0)
    strong_share: Mapped[float] = mapped_column(Float, default=0.0)
    weak_share: Mapped[float] = mapped_column(Float, default=0.0)
    none_share: Mapped[float] = mapped_column(Float, default=0.0)
    rmse_db: Mapped[float | None] = mapped_column(Float, nullable=True)  # the product's CV error


class OperatorResponse(Base):
    """An operator's answer about one village of a release: acknowledged, planned (site,
    expected date), disputed (with its own drive-test evidence) or resolved (on air since).
    An admin decides it; an accepted dispute or resolved claim is verified in the field and
    closed by the next release's verdict."""

    __tablename__ = "responses"
    __table_args__ = (Index("ix_responses_village", "village_code", "operator", "tech"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    village_code: Mapped[str] = mapped_column(String(32))
    operator: Mapped[str] = mapped_column(String(8), index=True)
    tech: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    site_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    expected_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # planned
    on_air_since: Mapped[date | None] = mapped_column(Date, nullable=True)  # resolved
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decision: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    verification_campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), nullable=True
    )
    # None while open; "confirmed" (the next release no longer finds no signal) or
    # "still_blankspot", set by the release that closed it
    outcome: Mapped[str | None] = mapped_column(String(24), nullable=True)
    closed_by_release_id: Mapped[int | None] = mapped_column(
        ForeignKey("releases.id"), nullable=True
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class EvidenceFile(Base):
    """A drive-test file an operator sent with a response (kept as evidence, never mixed into
    the approved survey data)."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    bytes: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(32))
    readings: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EvidenceReading(Base):
    """One reading of an operator's evidence file; ``source`` is the operator (MCC-MNC)."""

    __tablename__ = "evidence_readings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("evidence_files.id"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), index=True)
    source: Mapped[str] = mapped_column(String(8))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    tech: Mapped[str] = mapped_column(String(8))
    mcc: Mapped[str | None] = mapped_column(String(3), nullable=True)
    mnc: Mapped[str | None] = mapped_column(String(3), nullable=True)
    rsrp_dbm: Mapped[float | None] = mapped_column(Float, nullable=True)
    rsrq_db: Mapped[float | None] = mapped_column(Float, nullable=True)
    sinr_db: Mapped[float | None] = mapped_column(Float, nullable=True)
    rscp_dbm: Mapped[float | None] = mapped_column(Float, nullable=True)
    rssi_dbm: Mapped[float | None] = mapped_column(Float, nullable=True)
    village_code: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Notification(Base):
    """Something a user should know (a new release, a response, a decision, an upload sent
    back, a finished job); shown in the pages, mailed when SMTP is configured."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MailOut(Base):
    """A mail waiting to go out; the worker sends it and retries later when SMTP fails."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL"), nullable=True
    )
    to_addr: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
