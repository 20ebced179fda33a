"""Responses for scripts: an operator's answers per village of a release, and its evidence.

A provider's token sees and answers for its own operators only; anything else is 404.
Evidence is sent as the raw body of the file (``?filename=`` names it).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import g, request
from sqlalchemy import select

from server.api import api
from server.api.auth import token_required
from server.api.body import json_body
from server.db import session_scope
from server.errors import ApiError
from server.evidence import add_evidence, evidence_files, evidence_frame
from server.models import MAX_ID, OperatorResponse, VillageVerdict
from server.offices import code_in_region, current_scope, in_region
from server.responses import (
    EVIDENCE_MAX_BYTES,
    STATES,
    ResponseConflict,
    Scope,
    create_response,
    response_query,
    visible_response,
)

LIST_LIMIT = 500
_FIELDS = ("message", "site_name", "expected_on", "on_air_since")


def _scope() -> Scope:
    return None if g.api_user.role == "admin" else tuple(g.api_user.operators)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def response_item(item: OperatorResponse, village: str | None) -> dict[str, Any]:
    """A response as the API answers it (without its evidence files)."""
    return {
        "id": item.id,
        "release_id": item.release_id,
        "village_code": item.village_code,
        "village": village or "",
        "product": f"{item.operator}-{item.tech}",
        "operator": item.operator,
        "tech": item.tech,
        "kind": item.kind,
        "message": item.message,
        "site_name": item.site_name,
        "expected_on": _day(item.expected_on),
        "on_air_since": _day(item.on_air_since),
        "created_at": item.created_at.isoformat(),
        "decision": item.decision,
        "decided_at": item.decided_at.isoformat() if item.decided_at else None,
        "decision_reason": item.decision_reason,
        "verification_campaign_id": item.verification_campaign_id,
        "outcome": item.outcome,
        "closed_by_release_id": item.closed_by_release_id,
        "closed_at": item.closed_at.isoformat() if item.closed_at else None,
    }


def _int_arg(name: str) -> int | None:
    text = request.args.get(name)
    if text is None or text == "":
        return None
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise ApiError(400, f"{name} must be a positive integer")
    return int(text)


@api.get("/responses")
@token_required
def list_responses() -> dict[str, Any]:
    """The responses this token may see, newest first (at most 500)."""
    state = request.args.get("state") or None
    if state is not None and state not in STATES:
        raise ApiError(400, f"state must be one of {', '.join(STATES)}")
    operator = request.args.get("operator") or None
    query = response_query(_scope(), state, operator, _int_arg("release_id"))
    query = query.where(in_region(OperatorResponse.village_code, current_scope()))
    with session_scope() as session:
        rows = session.execute(query.limit(LIST_LIMIT)).all()
        return {"responses": [response_item(item, village) for item, village in rows]}


def _found(response_id: int) -> OperatorResponse:
    item = visible_response(response_id, _scope())
    if item is None or not code_in_region(item.village_code, current_scope()):
        raise ApiError(404, "no such response")
    return item


def _detail(item: OperatorResponse) -> dict[str, Any]:
    with session_scope() as session:
        village = session.scalar(
            select(VillageVerdict.village).where(
                VillageVerdict.release_id == item.release_id,
                VillageVerdict.village_code == item.village_code,
                VillageVerdict.operator == item.operator,
                VillageVerdict.tech == item.tech,
            )
        )
    files = [{**f, "uploaded_at": f["uploaded_at"].isoformat()} for f in evidence_files(item.id)]
    return {**response_item(item, village), "evidence": files}


@api.get("/responses/<int:response_id>")
@token_required
def get_response(response_id: int) -> dict[str, Any]:
    """One response with every status and its evidence files."""
    return _detail(_found(response_id))


def _product(body: dict[str, Any]) -> str:
    product = body.get("product")
    if product is None and body.get("operator") is not None and body.get("tech") is not None:
        product = f"{body['operator']}-{body['tech']}"
    if not isinstance(product, str):
        raise ApiError(
            422, "give product (MCC-MNC-TECH) or operator and tech", {"product": "missing"}
        )
    return product


def _date_field(body: dict[str, Any], name: str) -> date | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ApiError(422, f"{name} must be a date (YYYY-MM-DD)", {name: "not a date"})


@api.post("/responses")
@token_required
def post_response() -> tuple[dict[str, Any], int]:
    """Answer one village of a release: acknowledged, planned, disputed or resolved."""
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "send a JSON object")
    release_id, code = body.get("release_id"), body.get("village_code")
    if not isinstance(release_id, int) or isinstance(release_id, bool):
        raise ApiError(422, "release_id must be an integer", {"release_id": "not an integer"})
    if not isinstance(code, str) or not code.strip():
        raise ApiError(422, "village_code must be a code", {"village_code": "missing"})
    kind = body.get("kind")
    texts = {}
    for name in ("message", "site_name"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise ApiError(422, f"{name} must be text", {name: "not text"})
        texts[name] = value
    try:
        response_id = create_response(
            g.api_user.actor,
            g.api_user.user_id,
            _scope(),
            release_id,
            code,
            _product(body),
            str(kind),
            message=texts["message"],
            site_name=texts["site_name"],
            expected_on=_date_field(body, "expected_on"),
            on_air_since=_date_field(body, "on_air_since"),
        )
    except LookupError as exc:
        raise ApiError(404, "no such release or product") from exc
    except ResponseConflict as exc:
        raise ApiError(409, str(exc)) from exc
    except ValueError as exc:
        raise ApiError(422, str(exc)) from exc
    return _detail(_found(response_id)), 201


# One rule for both methods: with two, a number past any id answers 405 instead of 404
# (the id converter refuses it for one rule, and the router reports the other's method).
@api.route("/responses/<int:response_id>/evidence", methods=["GET", "POST"])
@token_required
def evidence(response_id: int) -> Any:
    """The response's evidence readings (GET), or a new evidence file (POST)."""
    item = _found(response_id)
    if request.method == "GET":
        return _evidence_points(item)
    return _post_evidence(item)


def _post_evidence(item: OperatorResponse) -> tuple[dict[str, Any], int]:
    """Add a drive-test file (the raw body; ``?filename=``) as evidence of a pending
    dispute or resolved claim."""
    name = request.args.get("filename", "").strip()
    if not name:
        raise ApiError(400, "name the file: ?filename=drive.csv")
    request.max_content_length = EVIDENCE_MAX_BYTES
    if request.content_length is not None and request.content_length > EVIDENCE_MAX_BYTES:
        raise ApiError(413, f"files up to {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB")
    data = request.get_data(cache=False)
    try:
        summary = add_evidence(item.id, name, data, g.api_user.actor, g.api_user.user_id, _scope())
    except LookupError as exc:
        raise ApiError(404, "no such response") from exc
    except ResponseConflict as exc:
        raise ApiError(409, str(exc)) from exc
    except ValueError as exc:
        status = 413 if len(data) > EVIDENCE_MAX_BYTES else 422
        raise ApiError(status, str(exc)) from exc
    return summary, 201


def _evidence_points(item: OperatorResponse) -> dict[str, Any]:
    """The response's evidence readings as GeoJSON points with their signal class."""
    frame = evidence_frame([item.id])
    return {"type": "FeatureCollection", "features": evidence_features(frame)}


def evidence_features(frame: Any) -> list[dict[str, Any]]:
    """GeoJSON point features of an ``evidence_frame``."""
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
            "properties": {
                "response_id": int(row["response_id"]),
                "observed_at": row["observed_at"].isoformat(),
                "tech": row["tech"],
                "class": row["class"] or "unknown",
                "source": "evidence",
                "rsrp_dbm": row["rsrp_dbm"],
                "rscp_dbm": row["rscp_dbm"],
                "rssi_dbm": row["rssi_dbm"],
                "village_code": row["village_code"],
            },
        }
        for row in rows
    ]
