"""Review of uploads (approve / has issues / reject, audited) and the approved readings that
feed the maps. The review pages of the web interface call these; so does the CLI."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select

from analysis.frame import canonical_frame
from analysis.schema import FIELDS
from server.audit import record
from server.db import session_scope
from server.models import Measurement, Upload, utcnow

__all__ = ["REVIEW_STATES", "approved_frame", "review_upload"]

REVIEW_STATES = ("approved", "has_issues", "rejected")


def review_upload(
    upload_id: str, state: str, reviewer: str, comment: str | None = None
) -> dict[str, Any]:
    """Set an upload's review state; ``has_issues`` and ``rejected`` need a comment, which
    the officer's phone shows."""
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
        upload.reviewed_at = utcnow()
        after = {"state": upload.state, "comment": upload.comment}
        record(session, reviewer, "upload.review", f"upload:{upload_id}", before, after)
        return after


def approved_frame(operators: list[str] | None = None) -> pd.DataFrame:
    """Approved, not excluded readings as a canonical frame (optionally of some MCC-MNCs)."""
    columns = [getattr(Measurement, name) for name in FIELDS]
    query = (
        select(*columns)
        .join(Upload, Upload.id == Measurement.upload_id)
        .where(Upload.state == "approved", Measurement.excluded.is_(False))
    )
    if operators:
        pairs = [op.split("-", 1) for op in operators]
        from sqlalchemy import and_, or_

        query = query.where(
            or_(*(and_(Measurement.mcc == mcc, Measurement.mnc == mnc) for mcc, mnc in pairs))
        )
    with session_scope() as session:
        rows = session.execute(query.order_by(Measurement.observed_at)).all()
    return canonical_frame([dict(zip(FIELDS, row, strict=True)) for row in rows])
