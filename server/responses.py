"""Operators' responses per village of a release: create, decide, overdue (their evidence
files: ``server.evidence``).

A provider answers a village of a published release for one of its own products:
*acknowledged*, *planned* (site name, expected date), *disputed* (a message, then its own
drive-test files as evidence) or *resolved* (on air since a date). Evidence readings are kept
apart from the survey (``evidence_readings``, source = the operator), never in
``measurements``. An admin accepts or rejects each response once; an accepted dispute or
resolved claim opens a verification campaign (``server.verification``).

Errors: ``LookupError`` for anything the caller may not see (answered as 404),
``ValueError`` for bad input (one plain line), ``ResponseConflict`` when the state forbids
the change (decided already, a withdrawn release, the same file twice).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, and_, exists, select
from sqlalchemy.orm import Session

from analysis.schema import text_problem
from server.audit import record
from server.db import session_scope
from server.models import (
    MAX_ID,
    RESPONSE_KINDS,
    OperatorResponse,
    Release,
    VillageVerdict,
    utcnow,
)
from server.notify import admin_ids, notify, provider_ids
from server.releases import release_products_for, visible_release

__all__ = [
    "EVIDENCE_KINDS",
    "EVIDENCE_MAX_BYTES",
    "STATES",
    "ResponseConflict",
    "Scope",
    "create_response",
    "decide",
    "overdue",
    "overdue_query",
    "response_query",
    "split_product",
    "visible_response",
]

Scope = tuple[str, ...] | None
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
EVIDENCE_KINDS = ("disputed", "resolved")  # evidence backs a claim of signal
STATES = ("pending", "accepted", "rejected", "verifying", "closed")  # filters of the lists
MESSAGE_MAX, SITE_MAX, REASON_MAX, FILENAME_MAX = 4000, 120, 2000, 200
_FIRST_DAY, _LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
_EAST = ZoneInfo("Asia/Jayapura")  # the zone of Indonesia whose day starts first


class ResponseConflict(ValueError):
    """The response's state forbids this change."""


def _latest_today() -> date:
    """Today as the easternmost Indonesian zone counts it: no Indonesian date is later."""
    return datetime.now(_EAST).date()


def split_product(product: str) -> tuple[str, str]:
    """``("510-10", "LTE")`` from ``"510-10-LTE"``; ``ValueError`` otherwise."""
    parts = str(product).strip().split("-")
    if len(parts) != 3 or not all(parts):
        raise ValueError(
            _("product must be MCC-MNC-TECH, e.g. 510-10-LTE, not %(product)r", product=product)
        )
    return f"{parts[0]}-{parts[1]}", parts[2]


def _name(field: str) -> str:
    """A field's name in the page's language (English on the command line and the API)."""
    return {
        "message": _("message"),
        "reason": _("reason"),
        "site name": _("site name"),
        "expected date": _("expected date"),
        "on-air date": _("on-air date"),
    }.get(field, field)


def _text(value: str | None, name: str, limit: int, required: bool = False) -> str | None:
    """``value`` stripped, or None when empty; ``ValueError`` when it cannot be kept."""
    text = (value or "").strip()
    if not text:
        if required:
            raise ValueError(_("%(field)s is required", field=_name(name)))
        return None
    if len(text) > limit:
        raise ValueError(_("%(field)s is longer than %(n)s characters", field=_name(name), n=limit))
    if problem := text_problem(text.replace("\n", " ").replace("\r", " ")):
        raise ValueError(f"{_name(name)} {problem}")
    return text


def _day(value: date | None, name: str, required: bool) -> date | None:
    if value is None:
        if required:
            raise ValueError(_("%(field)s is required", field=_name(name)))
        return None
    if not _FIRST_DAY <= value <= _LAST_DAY:
        raise ValueError(
            _(
                "%(field)s must be between %(first)s and %(last)s",
                field=_name(name),
                first=_FIRST_DAY,
                last=_LAST_DAY,
            )
        )
    return value


def _fields(
    kind: str,
    message: str | None,
    site_name: str | None,
    expected_on: date | None,
    on_air_since: date | None,
) -> dict[str, Any]:
    """The fields a response of ``kind`` keeps, checked; the others are dropped."""
    if kind not in RESPONSE_KINDS:
        raise ValueError(_("kind must be one of %(kinds)s", kinds=", ".join(RESPONSE_KINDS)))
    fields: dict[str, Any] = {
        "message": _text(message, "message", MESSAGE_MAX, required=kind == "disputed"),
        "site_name": None,
        "expected_on": None,
        "on_air_since": None,
    }
    if kind == "planned":
        fields["site_name"] = _text(site_name, "site name", SITE_MAX, required=True)
        fields["expected_on"] = _day(expected_on, "expected date", required=True)
    elif kind == "resolved":
        fields["on_air_since"] = _day(on_air_since, "on-air date", required=True)
        if fields["on_air_since"] > _latest_today():
            raise ValueError(_("the on-air date is in the future"))
    return fields


def _village_label(verdict: VillageVerdict) -> str:
    return (
        f"{verdict.village} ({verdict.village_code})" if verdict.village else verdict.village_code
    )


def create_response(
    actor: str,
    user_id: int,
    scope: Scope,
    release_id: int,
    village_code: str,
    product: str,
    kind: str,
    message: str | None = None,
    site_name: str | None = None,
    expected_on: date | None = None,
    on_air_since: date | None = None,
) -> int:
    """Record an operator's response to one village of a release; its id.

    ``product`` is MCC-MNC-TECH. The release must be published and visible to ``scope``,
    the product in it and in ``scope``, and the village must have a verdict for it.
    """
    operator, tech = split_product(product)
    fields = _fields(kind, message, site_name, expected_on, on_air_since)
    release = visible_release(release_id, scope)
    if release is None or not any(
        p.operator == operator and p.tech == tech for p in release_products_for(release, scope)
    ):
        raise LookupError("no such release or product")
    if release.state != "published":
        raise ResponseConflict(_("this release was withdrawn; answer its successor"))
    code = str(village_code).strip()
    with session_scope() as session:
        verdict = session.scalar(
            select(VillageVerdict).where(
                VillageVerdict.release_id == release_id,
                VillageVerdict.operator == operator,
                VillageVerdict.tech == tech,
                VillageVerdict.village_code == code,
            )
        )
        if verdict is None:
            raise ValueError(
                _(
                    "village %(code)r has no verdict for %(product)s in this release",
                    code=code[:40],
                    product=product,
                )
            )
        pending = session.scalar(
            select(OperatorResponse.id).where(
                OperatorResponse.release_id == release_id,
                OperatorResponse.village_code == code,
                OperatorResponse.operator == operator,
                OperatorResponse.tech == tech,
                OperatorResponse.kind == kind,
                OperatorResponse.decision == "pending",
            )
        )
        if pending is not None:
            raise ResponseConflict(
                _("response %(id)s of this kind is still waiting for a decision", id=pending)
            )
        item = OperatorResponse(
            release_id=release_id,
            village_code=code,
            operator=operator,
            tech=tech,
            kind=kind,
            created_by=user_id,
            **fields,
        )
        session.add(item)
        session.flush()
        after = {
            "release": release_id,
            "village": code,
            "product": f"{operator}-{tech}",
            "kind": kind,
            **{k: str(v) if isinstance(v, date) else v for k, v in fields.items() if v},
        }
        record(session, actor, "response.create", f"response:{item.id}", None, after)
        params = {
            "response_id": item.id,
            "village": _village_label(verdict),
            "village_code": code,
            "operator": operator,
            "tech": tech,
            "kind": kind,
        }
        notify(
            session,
            admin_ids(session, item.village_code),
            "response.created",
            params,
            f"/responses/{item.id}",
        )
        return item.id


def visible_response(response_id: int, scope: Scope) -> OperatorResponse | None:
    """The response (detached) if ``scope`` may see it: its operator is in scope."""
    if not 0 < response_id <= MAX_ID:
        return None
    with session_scope() as session:
        item = session.get(OperatorResponse, response_id)
        if item is None or (scope is not None and item.operator not in scope):
            return None
        session.expunge(item)
    return item


def decide(
    response_id: int, actor: str, user_id: int, decision: str, reason: str | None
) -> int | None:
    """Accept or reject a pending response (once; a rejection needs a reason).

    Accepting a dispute or a resolved claim opens a verification campaign: its id, else
    None. The providers of the operator are told.
    """
    from server.verification import open_verification

    if decision not in ("accepted", "rejected"):
        raise ValueError(_("decision must be accepted or rejected"))
    why = _text(reason, "reason", REASON_MAX, required=decision == "rejected")
    if not 0 < response_id <= MAX_ID:
        raise LookupError("no such response")
    with session_scope() as session:
        item = session.get(OperatorResponse, response_id, with_for_update=True)
        if item is None:
            raise LookupError("no such response")
        if item.decision != "pending":
            raise ResponseConflict(
                _("this response was already %(decision)s", decision=_decision(item.decision))
            )
        item.decision, item.decision_reason = decision, why
        item.decided_by, item.decided_at = user_id, utcnow()
        campaign_id = None
        if decision == "accepted" and item.kind in EVIDENCE_KINDS:
            campaign_id = open_verification(session, item, actor)
            item.verification_campaign_id = campaign_id
        record(
            session,
            actor,
            "response.decide",
            f"response:{response_id}",
            {"decision": "pending"},
            {"decision": decision, "reason": why, "verification_campaign": campaign_id},
        )
        village = _village_name(session, item)
        notify(
            session,
            provider_ids(session, [item.operator]),
            "response.decided",
            {
                "response_id": item.id,
                "village": village,
                "village_code": item.village_code,
                "decision": decision,
                "reason": why or "",
            },
            f"/responses/{item.id}",
        )
        return campaign_id


def _decision(decision: str) -> str:
    return {"accepted": _("accepted"), "rejected": _("rejected")}.get(decision, decision)


def _village_name(session: Session, item: OperatorResponse) -> str:
    name = session.scalar(
        select(VillageVerdict.village).where(
            VillageVerdict.release_id == item.release_id,
            VillageVerdict.village_code == item.village_code,
            VillageVerdict.operator == item.operator,
            VillageVerdict.tech == item.tech,
        )
    )
    return f"{name} ({item.village_code})" if name else item.village_code


def overdue_query(
    scope: Scope, today: date, passed: bool = True
) -> Select[VillageVerdict, Release]:
    """Villages with no signal in a published release whose deadline has passed (or, with
    ``passed`` false, has not), for an operator in ``scope``, with no response in that
    release: (verdict, release)."""
    answered = exists().where(
        and_(
            OperatorResponse.release_id == VillageVerdict.release_id,
            OperatorResponse.village_code == VillageVerdict.village_code,
            OperatorResponse.operator == VillageVerdict.operator,
            OperatorResponse.tech == VillageVerdict.tech,
        )
    )
    query = (
        select(VillageVerdict, Release)
        .join(Release, Release.id == VillageVerdict.release_id)
        .where(
            Release.state == "published",
            Release.respond_by < today if passed else Release.respond_by >= today,
            VillageVerdict.verdict == "none",
            ~answered,
        )
    )
    if scope is not None:
        query = query.where(VillageVerdict.operator.in_(list(scope)))
    return query.order_by(
        Release.respond_by, Release.id, VillageVerdict.operator, VillageVerdict.village_code
    )


def overdue(scope: Scope, today: date) -> list[dict[str, Any]]:
    """The rows of ``overdue_query`` as dicts (release, deadline, village, product)."""
    with session_scope() as session:
        return [
            {
                "release_id": release.id,
                "release": release.title,
                "respond_by": release.respond_by,
                "village_code": verdict.village_code,
                "village": verdict.village,
                "kecamatan": verdict.kecamatan,
                "kabkota": verdict.kabkota,
                "operator": verdict.operator,
                "tech": verdict.tech,
                "product": f"{verdict.operator}-{verdict.tech}",
            }
            for verdict, release in session.execute(overdue_query(scope, today)).all()
        ]


def response_query(
    scope: Scope,
    state: str | None = None,
    operator: str | None = None,
    release_id: int | None = None,
) -> Select[OperatorResponse, str]:
    """Responses ``scope`` may see with their village's name, newest first; ``state`` is a
    decision, ``verifying`` (accepted, verification open) or ``closed`` (outcome known)."""
    verdict = and_(
        VillageVerdict.release_id == OperatorResponse.release_id,
        VillageVerdict.village_code == OperatorResponse.village_code,
        VillageVerdict.operator == OperatorResponse.operator,
        VillageVerdict.tech == OperatorResponse.tech,
    )
    query = select(OperatorResponse, VillageVerdict.village).outerjoin(VillageVerdict, verdict)
    if scope is not None:
        query = query.where(OperatorResponse.operator.in_(list(scope)))
    if state in ("pending", "accepted", "rejected"):
        query = query.where(OperatorResponse.decision == state)
    elif state == "verifying":
        query = query.where(
            OperatorResponse.verification_campaign_id.is_not(None),
            OperatorResponse.outcome.is_(None),
        )
    elif state == "closed":
        query = query.where(OperatorResponse.outcome.is_not(None))
    if operator:
        query = query.where(OperatorResponse.operator == operator)
    if release_id is not None:
        query = query.where(OperatorResponse.release_id == release_id)
    return query.order_by(OperatorResponse.created_at.desc(), OperatorResponse.id.desc())
