"""The store: users, devices, enrolment codes, campaigns, uploads, measurements, audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = [
    "JOB_STATES",
    "MAX_ID",
    "ROLES",
    "UPLOAD_STATES",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Campaign",
    "Device",
    "EnrolCode",
    "Job",
    "Measurement",
    "Network",
    "Upload",
    "UploadVillage",
    "User",
    "WebSession",
    "utcnow",
]

ROLES = ("admin", "officer", "provider")
UPLOAD_STATES = ("received", "has_issues", "approved", "rejected")
JOB_STATES = ("queued", "running", "done", "failed")
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

    creator: Mapped[User] = relationship()
