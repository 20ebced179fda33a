"""The village register: every village's latest verdict per operator and technology
(searchable, filtered, paginated), and a page per village with its outline, the operators'
evidence, a timeline of its verdicts release by release and the open responses.

Admins see every operator; providers their own only (a village none of their releases
judged answers 404); officers read the register and timelines, without the operators'
responses and evidence.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import shapely
from flask import Blueprint, abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from analysis.classes import classify
from analysis.villages import VERDICTS
from server.db import session_scope
from server.models import ReleaseProduct
from server.operators import operator_label
from server.regions import current_regions
from server.register import Scope, evidence_points, register_rows, village_history
from server.releases import visible_release
from server.web.access import roles_required
from server.web.listing import filters, id_arg

__all__ = ["bp", "decision_label", "kind_label"]

bp = Blueprint("villages", __name__)

HISTORY = 10  # releases per operator and technology on a village's page
PAGE = 50  # releases per page of one product's whole history
REGISTER_FILTERS = ("q", "operator", "tech", "verdict", "release")
_CODE = re.compile(r"[0-9A-Za-z._-]{1,32}")


def kind_label(kind: str) -> str:
    """The kind of an operator's response."""
    return {
        "acknowledged": _("acknowledged"),
        "planned": _("planned"),
        "disputed": _("disputed"),
        "resolved": _("resolved"),
    }.get(kind, kind)


def decision_label(decision: str) -> str:
    """An admin's decision on a response."""
    return {
        "pending": _("waiting for a decision"),
        "accepted": _("accepted"),
        "rejected": _("rejected"),
    }.get(decision, decision)


def _scope() -> Scope:
    return tuple(current_user.operators) if current_user.role == "provider" else None


def _operators(scope: Scope) -> list[str]:
    """The operators the filter offers: the provider's own, else every released one."""
    if scope is not None:
        return sorted(scope)
    with session_scope() as db:
        return sorted(db.scalars(select(ReleaseProduct.operator).distinct()).all())


@bp.get("/villages")
@roles_required("admin", "provider", "officer")
def index() -> str:
    """The register: the latest published verdict of every village per operator and
    technology, searchable by code or name."""
    args = filters(*REGISTER_FILTERS)
    scope = _scope()
    release = None
    release_id = id_arg(args.get("release")) if "release" in args else None
    if release_id is not None:
        release = visible_release(release_id, scope)
        if release is None:
            abort(404)
    page = id_arg(request.args.get("page")) or 1
    listing = register_rows(
        scope,
        release_id=release_id,
        operator=args.get("operator"),
        tech=args.get("tech"),
        verdict=args.get("verdict") if args.get("verdict") in VERDICTS else None,
        query=args.get("q", "")[:120] or None,
        page=page,
    )
    return render_template(
        "villages/index.html",
        listing=listing,
        args=args,
        release=release,
        operators=_operators(scope),
        verdicts=VERDICTS,
    )


def _place(code: str, history: list[dict[str, Any]]) -> dict[str, str] | None:
    """Desa, kecamatan and kabupaten/kota of ``code``: from the configured boundaries, else
    from its newest verdict; ``None`` when neither knows it."""
    regions = current_regions()
    region = regions.by_code.get(code) if regions else None
    if region is not None:
        return {"village": region.name, "kecamatan": region.kec_name, "kabkota": region.kab_name}
    if history:
        first = history[0]["entries"][0]
        return {k: first[k] for k in ("village", "kecamatan", "kabkota")}
    return None


def _village(
    code: str, limit: int | None, offset: int = 0, product: str | None = None
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The village's place and history in the user's scope; 404 when the user may not see
    it (providers: no verdict of their operators; anyone: an unknown code)."""
    if not _CODE.fullmatch(code):
        abort(404)
    history = village_history(code, _scope(), limit, offset, product)
    if not history and current_user.role == "provider":
        abort(404)
    place = _place(code, history)
    if place is None:
        abort(404)
    return place, history


def _respond_link(code: str, group: dict[str, Any]) -> str | None:
    if current_user.role != "provider" or group["latest_release_id"] is None:
        return None
    query = urlencode(
        {"release": group["latest_release_id"], "village": code, "product": group["product"]}
    )
    return f"/responses/new?{query}"


@bp.get("/villages/<code>")
@roles_required("admin", "provider", "officer")
def show(code: str) -> str:
    """One village: its outline and the operators' evidence on a map, and per operator and
    technology its verdict release by release with the evidence, and the open responses.
    ``?product=MCC-MNC-TECH&page=N`` pages through one product's whole history."""
    product = request.args.get("product", "").strip()[:32] or None
    number = (id_arg(request.args.get("page")) or 1) if product else 1
    offset = (number - 1) * PAGE if product else 0
    place, history = _village(code, PAGE if product else HISTORY, offset, product)
    if product and not history:
        abort(404)
    for group in history:
        group["respond"] = _respond_link(code, group) if offset == 0 else None
        group["pages"] = max(1, -(-group["total"] // PAGE))
    return render_template(
        "villages/show.html",
        code=code,
        place=place,
        history=history,
        product=product,
        number=number,
        show_responses=current_user.role != "officer",
        kind_label=kind_label,
        decision_label=decision_label,
    )


@bp.get("/villages/<code>/map.json")
@roles_required("admin", "provider", "officer")
def map_data(code: str) -> Response:
    """The village's outline and the evidence readings of responses about it (not for
    officers: the operators' drive tests are theirs and the admins')."""
    _village(code, 1)
    regions = current_regions()
    region = regions.by_code.get(code) if regions else None
    outline = []
    if region is not None and region.geometry is not None:
        shape = shapely.set_precision(region.geometry, 1e-6)
        outline.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(shape),
                "properties": {"code": region.code, "name": region.name},
            }
        )
    points = [] if current_user.role == "officer" else evidence_points(code, _scope())
    evidence = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
            "properties": {
                "class": classify(p) or "unknown",
                "tech": p["tech"],
                "operator": p["source"],
                "operator_label": operator_label(p["source"]),
                "response_id": p["response_id"],
                "rsrp_dbm": p["rsrp_dbm"],
                "rscp_dbm": p["rscp_dbm"],
                "rssi_dbm": p["rssi_dbm"],
            },
        }
        for p in points
    ]
    return jsonify(
        {
            "outline": {"type": "FeatureCollection", "features": outline},
            "evidence": {"type": "FeatureCollection", "features": evidence},
        }
    )
