"""Releases: a finished job's products published for the operators, frozen, never edited.

An admin publishes a done job (title, period, note): its products, their files (with
SHA-256), the village verdicts with their evidence and the job's data fingerprint are
frozen in ``releases``, ``release_products`` and ``village_verdicts``. A release can be
withdrawn once, with a reason; providers see published and withdrawn releases of their own
operators (drafts are jobs, and stay with the admins).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from analysis.schema import text_problem
from server.audit import record
from server.db import session_scope
from server.jobs import job_folder
from server.models import (
    MAX_ID,
    Job,
    OperatorResponse,
    Release,
    ReleaseProduct,
    VillageVerdict,
    utcnow,
)
from server.notify import notify, provider_ids
from server.products import product_files
from server.release_evidence import evidence_of, products_of, shortfalls_of
from server.release_verdicts import verdict_rows

__all__ = [
    "previous_release",
    "publish",
    "release_file",
    "release_of_job",
    "release_products_for",
    "visible_release",
    "withdraw",
]

Scope = tuple[str, ...] | None
WIB = ZoneInfo("Asia/Jakarta")
JUDGED = ("strong", "weak", "none")  # verdicts that close a verification item


def visible_release(release_id: int, scope: Scope) -> Release | None:
    """The release (detached, with its products loaded) if ``scope`` may see it.

    Admins (``scope`` None) see every release; providers see published and withdrawn
    releases with at least one product of their operators. ``None`` otherwise, also for ids
    no database column can hold.
    """
    if not 0 < release_id <= MAX_ID:
        return None
    with session_scope() as session:
        release = session.scalar(
            select(Release).where(Release.id == release_id).options(selectinload(Release.products))
        )
        if release is None:
            return None
        if scope is not None and not {p.operator for p in release.products} & set(scope):
            return None
        session.expunge_all()
    return release


def release_products_for(release: Release, scope: Scope) -> list[ReleaseProduct]:
    """The release's products ``scope`` may see, by product name."""
    return [p for p in release.products if scope is None or p.operator in scope]


def release_file(release: Release, product: str, name: str) -> Path | None:
    """A frozen file of a product of the release: ``None`` unless the product is in the
    release and ``name`` is in its manifest (the job folder never changes once done)."""
    item = next((p for p in release.products if p.product == product), None)
    if item is None or name not in {f.get("name") for f in item.files or []}:
        return None
    folder = job_folder(release.job_id, product).resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        return None
    return path


def previous_release(release: Release, product: str) -> Release | None:
    """The newest published release before ``release`` (by publish time, then id) with the
    same product (MCC-MNC-TECH), detached with its products; ``None`` if there is none."""
    with session_scope() as session:
        earlier = (Release.published_at < release.published_at) | (
            (Release.published_at == release.published_at) & (Release.id < release.id)
        )
        found = session.scalar(
            select(Release)
            .join(ReleaseProduct, ReleaseProduct.release_id == Release.id)
            .where(ReleaseProduct.product == product, Release.state == "published", earlier)
            .order_by(Release.published_at.desc(), Release.id.desc())
            .limit(1)
            .options(selectinload(Release.products))
        )
        if found is None:
            return None
        session.expunge_all()
    return found


# --- publishing ----------------------------------------------------------------------


def release_of_job(job_id: int) -> int | None:
    """The release made of a job, if it was published."""
    with session_scope() as session:
        return session.scalar(select(Release.id).where(Release.job_id == job_id))


def _manifest(job_id: int, product: str) -> list[dict[str, Any]]:
    """Name, size and SHA-256 of every file of a product folder."""
    folder = job_folder(job_id, product)
    files = []
    for name in product_files(job_id, product):
        digest = hashlib.sha256()
        with (folder / name).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        files.append(
            {"name": name, "bytes": (folder / name).stat().st_size, "sha256": digest.hexdigest()}
        )
    return files


def _check_text(label: str, text: str | None, limit: int, required: bool = False) -> str | None:
    """``label`` is the field's name, already in the page's language."""
    text = (text or "").strip()
    if required and not text:
        raise ValueError(_("%(field)s is required", field=label))
    if len(text) > limit:
        raise ValueError(_("%(field)s is longer than %(n)s characters", field=label, n=limit))
    if text and text_problem(text):
        raise ValueError(f"{label}: {text_problem(text)}")
    return text or None


def _job_state(state: str) -> str:
    from server.web.labels import job_state

    return job_state(state)


def publish(
    job_id: int,
    actor: str,
    user_id: int,
    title: str,
    note: str | None,
    period_from: date,
    period_to: date,
    override_reason: str | None = None,
    respond_days: int | None = None,
) -> int:
    """Publish a done job as a release; its id.

    Freezes the products (the job's result and a manifest of their files with SHA-256), the
    village verdicts with their evidence and the job's data fingerprint; notifies the
    operators' providers and closes the verification items the new verdicts settle, in one
    transaction. Raises ``ValueError`` with the plain reason: not done, already published,
    bad fields, or too little evidence without ``override_reason``. ``LookupError`` for an
    unknown job.
    """
    title_text = _check_text(_("the title"), title, 200, required=True)
    note_text = _check_text(_("the note"), note, 5000)
    override = _check_text(_("the override reason"), override_reason, 2000)
    if period_from > period_to:
        raise ValueError(_("the period ends before it starts"))
    days = int(current_app.config["RESPONSE_DAYS"] if respond_days is None else respond_days)
    if not 1 <= days <= 3650:
        raise ValueError(_("the response deadline must be 1 to 3650 days"))
    if not 0 < job_id <= MAX_ID:
        raise LookupError(f"no job {job_id}")
    with session_scope() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None:
            raise LookupError(f"no job {job_id}")
        if job.state != "done":
            raise ValueError(
                _(
                    "job %(id)s is %(state)s; only a finished job can be published",
                    id=job_id,
                    state=_job_state(job.state),
                )
            )
        existing = session.scalar(select(Release.id).where(Release.job_id == job_id))
        if existing is not None:
            raise ValueError(
                _(
                    "job %(id)s is already published as release %(release)s",
                    id=job_id,
                    release=existing,
                )
            )
        results = products_of(job)
        if not results:
            raise ValueError(_("job %(id)s has no products", id=job_id))
        evidence = evidence_of(job)
        gaps = shortfalls_of(evidence)
        if gaps and not override:
            raise ValueError(
                "too little evidence to publish: "
                + " ".join(g.sentence() for g in gaps)
                + " Give an override reason to publish anyway."
            )
        now = utcnow()
        inputs = dict(job.inputs or {})
        release = Release(
            job_id=job_id,
            title=title_text,
            note=note_text,
            period_from=period_from,
            period_to=period_to,
            area=dict(job.params.get("area") or {"kind": "all"}),
            tech=str(job.params["tech"]),
            operators=sorted({r["operator"] for r in results}),
            state="published",
            published_by=user_id,
            published_at=now,
            respond_by=now.astimezone(WIB).date() + timedelta(days=days),
            fingerprint=str(inputs.get("reading_ids_sha256") or ""),
            inputs=inputs,
            evidence=evidence,
            override_reason=override if gaps else None,
        )
        session.add(release)
        session.flush()
        verdicts: list[dict[str, Any]] = []
        for result in results:
            session.add(
                ReleaseProduct(
                    release_id=release.id,
                    product=result["product"],
                    operator=result["operator"],
                    tech=result["tech"],
                    summary=dict(result),
                    files=_manifest(job_id, result["product"]),
                )
            )
            verdicts.extend(verdict_rows(session, release.id, job, result))
        if verdicts:
            session.execute(insert(VillageVerdict), verdicts)
        record(
            session,
            actor,
            "release.publish",
            f"release:{release.id}",
            None,
            {
                "job_id": job_id,
                "title": title_text,
                "products": [r["product"] for r in results],
                "villages": len(verdicts),
                "fingerprint": release.fingerprint,
                "shortfalls": [g.sentence() for g in gaps],
                "override_reason": release.override_reason,
            },
        )
        notify(
            session,
            provider_ids(session, release.operators),
            "release.published",
            {"release_id": release.id, "title": title_text},
            f"/releases/{release.id}",
        )
        _close_verifications(session, release, verdicts, actor)
        return release.id


def _close_verifications(
    session: Session, release: Release, verdicts: Iterable[dict[str, Any]], actor: str
) -> None:
    """Close the accepted, verified items whose village this release judges."""
    judged = {
        (v["operator"], v["tech"], v["village_code"]): v["verdict"]
        for v in verdicts
        if v["verdict"] in JUDGED
    }
    if not judged:
        return
    items = session.scalars(
        select(OperatorResponse).where(
            OperatorResponse.decision == "accepted",
            OperatorResponse.outcome.is_(None),
            OperatorResponse.verification_campaign_id.is_not(None),
            OperatorResponse.operator.in_(release.operators),
            OperatorResponse.tech == release.tech,
        )
    ).all()
    now = utcnow()
    for item in items:
        verdict = judged.get((item.operator, item.tech, item.village_code))
        if verdict is None:
            continue
        item.outcome = "confirmed" if verdict != "none" else "still_blankspot"
        item.closed_by_release_id, item.closed_at = release.id, now
        record(
            session,
            actor,
            "response.close",
            f"response:{item.id}",
            {"outcome": None},
            {"outcome": item.outcome, "release_id": release.id, "verdict": verdict},
        )


def withdraw(release_id: int, actor: str, user_id: int, reason: str) -> None:
    """Withdraw a published release with a reason (once); ``LookupError`` for an unknown
    release, ``ValueError`` without a reason or when it is already withdrawn."""
    text = _check_text(_("the reason"), reason, 2000, required=True)
    if not 0 < release_id <= MAX_ID:
        raise LookupError(f"no release {release_id}")
    with session_scope() as session:
        release = session.get(Release, release_id, with_for_update=True)
        if release is None:
            raise LookupError(f"no release {release_id}")
        if release.state == "withdrawn":
            raise ValueError(_("release %(id)s is already withdrawn", id=release_id))
        release.state = "withdrawn"
        release.withdrawn_by, release.withdrawn_at, release.withdraw_reason = (
            user_id,
            utcnow(),
            text,
        )
        record(
            session,
            actor,
            "release.withdraw",
            f"release:{release_id}",
            {"state": "published"},
            {"state": "withdrawn", "reason": text},
        )
