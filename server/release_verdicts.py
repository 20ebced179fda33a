"""The village verdicts a release freezes: each village row of a product's villages.csv with
its evidence from the database (approved readings, no-service readings, distinct fixes and
officers, first and last day in WIB)."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.orm import Session

from server.jobs import job_folder
from server.models import Device, Job, Measurement
from server.release_evidence import FIX_DECIMALS

__all__ = ["verdict_rows", "village_evidence"]

WIB = ZoneInfo("Asia/Jakarta")


def _csv_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def _number(text: str | None, kind: type = float) -> Any:
    try:
        return kind(float(text)) if text not in (None, "") else kind(0)
    except ValueError:
        return kind(0)


def village_evidence(
    session: Session, uploads: list[str], operator: str, tech: str
) -> dict[str, dict[str, Any]]:
    """Per village code: the approved readings of ``operator`` (``tech`` or no service) in
    ``uploads``, distinct fixes, distinct officers, first and last day (WIB)."""
    if not uploads:
        return {}
    mcc, mnc = operator.split("-", 1)
    scale = 10**FIX_DECIMALS
    chosen = and_(
        Measurement.upload_id.in_(uploads),
        Measurement.excluded.is_(False),
        Measurement.mcc == mcc,
        Measurement.mnc == mnc,
        Measurement.tech.in_([tech, "NONE"]),
        Measurement.village_code.is_not(None),
    )
    rows = session.execute(
        select(
            Measurement.village_code,
            func.count(),
            func.sum(case((Measurement.tech == "NONE", 1), else_=0)),
            func.count(distinct(Device.officer_id)),
            func.min(Measurement.observed_at),
            func.max(Measurement.observed_at),
        )
        .join(Device, Device.id == Measurement.source_device_id)
        .where(chosen)
        .group_by(Measurement.village_code)
    ).all()
    positions = (
        select(
            Measurement.village_code.label("code"),
            func.round(Measurement.lat * scale).label("y"),
            func.round(Measurement.lon * scale).label("x"),
        )
        .where(chosen)
        .distinct()
        .subquery()
    )
    fixes: dict[str, int] = {
        code: int(n)
        for code, n in session.execute(
            select(positions.c.code, func.count()).group_by(positions.c.code)
        )
    }
    return {
        code: {
            "readings": int(count),
            "no_service": int(none or 0),
            "officers": int(officers),
            "fixes": int(fixes.get(code, 0)),
            "first_day": _wib_day(first),
            "last_day": _wib_day(last),
        }
        for code, count, none, officers, first, last in rows
    }


def _wib_day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(WIB).date()


def verdict_rows(
    session: Session, release_id: int, job: Job, result: dict[str, Any]
) -> list[dict[str, Any]]:
    """The rows of ``village_verdicts`` for one product: villages.csv with its evidence."""
    operator, tech = result["operator"], result["tech"]
    evidence = village_evidence(
        session, list((job.inputs or {}).get("uploads") or []), operator, tech
    )
    rmse = result.get("rmse_db")
    rows = []
    for row in _csv_rows(job_folder(job.id, result["product"]) / "villages.csv"):
        code = row["kode"]
        found = evidence.get(code, {})
        rows.append(
            {
                "release_id": release_id,
                "village_code": code[:32],
                "operator": operator,
                "tech": tech,
                "village": (row.get("nama") or "")[:120],
                "kecamatan": (row.get("nama_kec") or "")[:120],
                "kabkota": (row.get("nama_kabkota") or "")[:120],
                "verdict": row["verdict"],
                "reason": row.get("reason") or None,
                "readings": found.get("readings", _number(row.get("samples"), int)),
                "no_service": found.get("no_service", _number(row.get("no_service_samples"), int)),
                "fixes": found.get("fixes", 0),
                "officers": found.get("officers", 0),
                "first_day": found.get("first_day"),
                "last_day": found.get("last_day"),
                "surveyed_share": _number(row.get("surveyed_share")),
                "strong_share": _number(row.get("strong_share")),
                "weak_share": _number(row.get("weak_share")),
                "none_share": _number(row.get("none_share")),
                "rmse_db": None if rmse is None else float(rmse),
            }
        )
    return rows
