"""Operators' evidence for their responses: drive-test files in any format the importers
read, kept as ``evidence_readings`` with the operator as source, never mixed into the survey
(``measurements``); and the evidence as tables and map points."""

from __future__ import annotations

import csv
import hashlib
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from analysis.classify import classify_frame
from analysis.cli_args import one_line
from analysis.readers import read_survey
from server.audit import record
from server.db import session_scope
from server.models import MAX_ID, EvidenceFile, EvidenceReading, OperatorResponse
from server.regions import current_regions
from server.responses import (
    EVIDENCE_KINDS,
    EVIDENCE_MAX_BYTES,
    FILENAME_MAX,
    ResponseConflict,
    Scope,
    visible_response,
)

__all__ = ["add_evidence", "evidence_files", "evidence_frame"]


def _safe_name(filename: str) -> str:
    name = Path(str(filename).replace("\\", "/")).name.strip()
    name = "".join(c for c in name if c.isprintable())[:FILENAME_MAX]
    return name or "evidence.csv"


def _read_evidence(name: str, data: bytes) -> Any:
    """The import result of the bytes, or ``ValueError`` with one plain line."""
    suffix = Path(name).suffix[:10] if Path(name).suffix.isascii() else ""
    with tempfile.TemporaryDirectory(prefix="evidence-") as folder:
        path = Path(folder) / f"evidence{suffix}"
        path.write_bytes(data)
        try:
            return read_survey(path)
        except (ValueError, csv.Error) as exc:
            raise ValueError(
                _("%(name)s: cannot read: %(why)s", name=name, why=one_line(exc))
            ) from exc


def add_evidence(
    response_id: int, filename: str, data: bytes, actor: str, user_id: int, scope: Scope
) -> dict[str, Any]:
    """Keep a drive-test file as evidence of a pending dispute or resolved claim.

    Any format ``analysis.readers.read_survey`` reads. Readings of another operator (by
    MCC-MNC) are left out. The answer counts the readings kept, rejected, and those of the
    response's technology inside its village (``inside``).
    """
    item = visible_response(response_id, scope)
    if item is None:
        raise LookupError("no such response")
    if item.kind not in EVIDENCE_KINDS:
        raise ValueError(_("evidence belongs to a disputed or resolved response"))
    if item.decision != "pending":
        raise ResponseConflict(_("this response was decided; evidence can no longer be added"))
    if not data:
        raise ValueError(_("the file is empty"))
    if len(data) > EVIDENCE_MAX_BYTES:
        raise ValueError(
            _("the file is larger than %(n)s MB", n=EVIDENCE_MAX_BYTES // (1024 * 1024))
        )
    name = _safe_name(filename)
    result = _read_evidence(name, data)
    frame = result.frame
    plmn = frame["mcc"].fillna("") + "-" + frame["mnc"].fillna("")
    foreign = frame["mcc"].notna() & frame["mnc"].notna() & (plmn != item.operator)
    frame = frame[~foreign.to_numpy()]
    rejected = len(result.rejected) + int(foreign.sum())
    if frame.empty:
        why = _(" (first problem: %(p)s)", p=result.rejected[0]) if result.rejected else ""
        raise ValueError(
            _(
                "%(name)s: no reading of %(operator)s could be kept%(why)s",
                name=name,
                operator=item.operator,
                why=why,
            )
        )
    regions = current_regions()
    lons, lats = frame["lon"].tolist(), frame["lat"].tolist()
    codes: list[str | None] = regions.locate(lons, lats) if regions else [None] * len(frame)
    digest = hashlib.sha256(data).hexdigest()
    with session_scope() as session:
        if session.scalar(
            select(EvidenceFile.id).where(
                EvidenceFile.response_id == response_id, EvidenceFile.sha256 == digest
            )
        ):
            raise ResponseConflict(f"{name}: this file was already added to the response")
        file = EvidenceFile(
            response_id=response_id,
            filename=name,
            sha256=digest,
            bytes=len(data),
            format=result.format,
            readings=len(frame),
            rejected=rejected,
            uploaded_by=user_id,
        )
        session.add(file)
        session.flush()
        rows = _evidence_rows(frame, codes, file.id, item)
        session.execute(insert(EvidenceReading), rows)
        inside = sum(
            1
            for row in rows
            if row["village_code"] == item.village_code and row["tech"] == item.tech
        )
        summary = {
            "file_id": file.id,
            "filename": name,
            "format": result.format,
            "bytes": len(data),
            "sha256": digest,
            "readings": len(frame),
            "rejected": rejected,
            "inside": inside,
        }
        record(session, actor, "response.evidence", f"response:{response_id}", None, summary)
    return summary


def _evidence_rows(
    frame: pd.DataFrame, codes: list[str | None], file_id: int, item: OperatorResponse
) -> list[dict[str, Any]]:
    columns = ["observed_at", "lat", "lon", "tech", "mcc", "mnc"]
    metrics = ["rsrp_dbm", "rsrq_db", "sinr_db", "rscp_dbm", "rssi_dbm"]
    values = frame[columns + metrics].astype(object).where(frame[columns + metrics].notna(), None)
    rows: list[dict[str, Any]] = []
    for row, code in zip(values.to_dict("records"), codes, strict=True):
        row["observed_at"] = row["observed_at"].to_pydatetime()
        record_ = {str(k): v for k, v in row.items()}
        record_.update(
            file_id=file_id, response_id=item.id, source=item.operator, village_code=code
        )
        rows.append(record_)
    return rows


def evidence_files(response_id: int) -> list[dict[str, Any]]:
    """The response's evidence files, each with the readings inside the response's village."""
    with session_scope() as session:
        item = session.get(OperatorResponse, response_id)
        if item is None:
            return []
        inside = dict(
            session.execute(
                select(EvidenceReading.file_id, func.count())
                .where(
                    EvidenceReading.response_id == response_id,
                    EvidenceReading.village_code == item.village_code,
                    EvidenceReading.tech == item.tech,
                )
                .group_by(EvidenceReading.file_id)
            ).all()
        )
        files = session.scalars(
            select(EvidenceFile)
            .where(EvidenceFile.response_id == response_id)
            .order_by(EvidenceFile.id)
        ).all()
        return [
            {
                "id": f.id,
                "filename": f.filename,
                "sha256": f.sha256,
                "bytes": f.bytes,
                "format": f.format,
                "readings": f.readings,
                "rejected": f.rejected,
                "inside": int(inside.get(f.id, 0)),
                "uploaded_at": f.uploaded_at,
            }
            for f in files
        ]


def evidence_frame(response_ids: list[int]) -> pd.DataFrame:
    """Evidence readings of the responses for maps: position, technology, the values and
    each reading's signal class (``class``: strong / weak / none, missing if unknown)."""
    columns = [
        "response_id",
        "observed_at",
        "lat",
        "lon",
        "tech",
        "mcc",
        "mnc",
        "rsrp_dbm",
        "rsrq_db",
        "sinr_db",
        "rscp_dbm",
        "rssi_dbm",
        "village_code",
    ]
    ids = [i for i in response_ids if 0 < i <= MAX_ID]
    with session_scope() as session:
        rows = session.execute(
            select(*(getattr(EvidenceReading, c) for c in columns))
            .where(EvidenceReading.response_id.in_(ids))
            .order_by(EvidenceReading.id)
        ).all()
    frame = pd.DataFrame.from_records(rows, columns=columns)
    for name in ("lat", "lon", "rsrp_dbm", "rsrq_db", "sinr_db", "rscp_dbm", "rssi_dbm"):
        frame[name] = pd.to_numeric(frame[name]).astype("float64")
    frame["class"] = classify_frame(frame) if len(frame) else pd.Series(dtype="string")
    return frame
