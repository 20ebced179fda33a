"""Review of uploads (approve / has issues / reject, audited; an upload sent back is notified
to its officer) and the approved readings that feed the maps. The review pages of the web
interface call these; so does the CLI."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, or_, select, update

from analysis.frame import canonical_frame
from analysis.schema import FIELDS
from server.audit import record
from server.db import session_scope
from server.models import Device, Measurement, Upload, utcnow
from server.notify import notify

__all__ = [
    "REVIEW_STATES",
    "approved_frame",
    "approved_uploads",
    "review_upload",
    "set_excluded",
]

REVIEW_STATES = ("approved", "has_issues", "rejected")


def review_upload(
    upload_id: str,
    state: str,
    reviewer: str,
    comment: str | None = None,
    reviewer_id: int | None = None,
) -> dict[str, Any]:
    """Set an upload's review state; ``has_issues`` and ``rejected`` need a comment, which
    the officer's phone shows and the officer is notified of."""
    if state not in REVIEW_STATES:
        raise ValueError(f"state must be one of {', '.join(REVIEW_STATES)}")
    if state != "approved" and not (comment or "").strip():
        raise ValueError("say what is wrong: the officer sees this comment on the phone")
    with session_scope() as session:
        upload = session.get(Upload, upload_id, with_for_update=True)
        if upload is None:
            raise LookupError(f"no upload {upload_id}")
        before = {"state": upload.state, "comment": upload.comment}
        upload.state, upload.comment = state, (comment or "").strip() or None
        upload.reviewed_at, upload.reviewed_by = utcnow(), reviewer_id
        after = {"state": upload.state, "comment": upload.comment}
        record(session, reviewer, "upload.review", f"upload:{upload_id}", before, after)
        officer = session.scalar(select(Device.officer_id).where(Device.id == upload.device_id))
        if state != "approved" and after != before and officer is not None:
            notify(
                session,
                [officer],
                "upload.sent_back",
                {"upload_id": upload_id, "state": state, "comment": upload.comment},
                f"/uploads/{upload_id}",
            )
        return after


def set_excluded(upload_id: str, reading_ids: list[str], excluded: bool, actor: str) -> int:
    """Exclude readings from the maps (or take them back); how many changed."""
    with session_scope() as session:
        changed = session.execute(
            update(Measurement)
            .where(
                Measurement.upload_id == upload_id,
                Measurement.id.in_(reading_ids),
                Measurement.excluded.is_not(excluded),
            )
            .values(excluded=excluded)
        ).rowcount  # type: ignore[attr-defined]
        if changed:
            record(
                session,
                actor,
                "reading.exclude" if excluded else "reading.include",
                f"upload:{upload_id}",
                {"excluded": not excluded},
                {"excluded": excluded, "readings": sorted(reading_ids)[:200], "count": changed},
            )
        return int(changed)


def _approved(
    columns: list[Any],
    operators: list[str] | None,
    village_codes: list[str] | None,
    kabupaten: str | None,
) -> Select[Any]:
    query = (
        select(*columns)
        .join(Upload, Upload.id == Measurement.upload_id)
        .where(Upload.state == "approved", Measurement.excluded.is_(False))
    )
    if operators:
        pairs = [op.split("-", 1) for op in operators]
        query = query.where(
            or_(*(and_(Measurement.mcc == mcc, Measurement.mnc == mnc) for mcc, mnc in pairs))
        )
    if village_codes is not None:
        query = query.where(Measurement.village_code.in_(village_codes))
    if kabupaten:
        query = query.where(Measurement.village_code.like(f"{kabupaten}.%"))
    return query


def approved_frame(
    operators: list[str] | None = None,
    village_codes: list[str] | None = None,
    kabupaten: str | None = None,
) -> pd.DataFrame:
    """Approved, not excluded readings as a canonical frame.

    Optionally only of some MCC-MNCs, of some villages, or of one kabupaten (code prefix).
    """
    columns = [getattr(Measurement, name) for name in FIELDS]
    query = _approved(columns, operators, village_codes, kabupaten)
    with session_scope() as session:
        rows = session.execute(query.order_by(Measurement.observed_at)).all()
    return canonical_frame([dict(zip(FIELDS, row, strict=True)) for row in rows])


def approved_uploads(
    operators: list[str] | None = None,
    village_codes: list[str] | None = None,
    kabupaten: str | None = None,
) -> list[str]:
    """The uploads whose readings ``approved_frame`` returns with the same arguments."""
    query = _approved([Measurement.upload_id], operators, village_codes, kabupaten).distinct()
    with session_scope() as session:
        return sorted(session.scalars(query).all())
