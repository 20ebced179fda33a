"""The village register: every village's latest verdict per operator and technology
(searchable, filtered, paginated), and a page per village with its outline, the operators'
evidence, a timeline of its verdicts release by release and the open responses, and the
village's one-page evidence sheet (PDF) of each published release, drawn on demand.

Admins see every operator; providers their own only (a village none of their releases
judged answers 404); officers read the register and timelines, without the operators'
responses and evidence.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import shapely
from flask import Blueprint, abort, jsonify, render_template, request, send_file
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from analysis.classes import classify
from analysis.villages import VERDICTS
from server.audit import record
from server.db import session_scope
from server.jobs import job_folder
from server.models import Release, ReleaseProduct, VillageVerdict
from server.offices import survey_office
from server.operators import operator_label, operator_name
from server.products import download_name
from server.regions import current_regions
from server.register import Scope, evidence_points, register_rows, village_history
from server.releases import visible_release
from server.web.access import roles_required
from server.web.labels import village_title
from server.web.listing import filters, id_arg

__all__ = ["bp", "decision_label", "kind_label"]

bp = Blueprint("villages", __name__)

HISTORY = 10  # releases per operator and technology on a village's page
PAGE = 50  # releases per page of one product's whole history
REGISTER_FILTERS = ("q", "operator", "tech", "verdict", "release")
_CODE = re.compile(r"[0-9A-Za-z._-]{1,32}")
_PRODUCT = re.compile(r"[0-9]{3}-[0-9]{2,3}-[A-Z]{2,5}")  # MCC-MNC-TECH
# a name that already says what kind of village it is gets no "Desa" in front


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
        village_title=village_title,
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


@bp.get("/villages/<code>/evidence/<int:release_id>/<product>.pdf")
@roles_required("admin", "provider", "officer")
def evidence_sheet(code: str, release_id: int, product: str) -> Response:
    """The village's one-page evidence sheet (map, verdict, readings, dates) for a product of
    a published release, in the page's language: made once, then kept beside the release's
    files; 404 for what the village page would not show."""
    release = _sheet_release(code, release_id, product)
    language = "en" if str(get_locale()) == "en" else "id"
    path = (
        job_folder(release.job_id)
        / "evidence"
        / f"rilis-{release_id}_{product}_{code}_{language}.pdf"
    )
    if not path.is_file():
        _draw_sheet(path, release, product, code, language)
    with session_scope() as db:
        target = f"release:{release_id}/{product}/village:{code}/evidence.pdf"
        record(db, current_user.actor, "download", target, None, None)
    saved_as = download_name(product, f"bukti-desa_{code}.pdf", release_id=release_id)
    return send_file(path, as_attachment=True, download_name=saved_as, max_age=0)


def _sheet_release(code: str, release_id: int, product: str) -> Release:
    """The release when the user may see ``product`` of it and it judged village ``code``;
    404 otherwise (also for a withdrawn release: its verdicts no longer stand)."""
    if not _CODE.fullmatch(code) or not _PRODUCT.fullmatch(product):
        abort(404)
    scope = _scope()
    release = visible_release(release_id, scope)
    if release is None or release.state != "published":
        abort(404)
    item = next((p for p in release.products if p.product == product), None)
    if item is None or (scope is not None and item.operator not in scope):
        abort(404)
    with session_scope() as db:
        judged = db.scalar(
            select(VillageVerdict.id).where(
                VillageVerdict.release_id == release_id,
                VillageVerdict.village_code == code,
                VillageVerdict.operator == item.operator,
                VillageVerdict.tech == item.tech,
            )
        )
    if judged is None:
        abort(404)
    return release


def _draw_sheet(path: Path, release: Release, product: str, code: str, language: str) -> None:
    from analysis.village_sheet import write_village_sheet  # matplotlib: only when drawn

    operator = product.rpartition("-")[0]
    regions = current_regions()
    made = release.published_at.astimezone(ZoneInfo("Asia/Jakarta")).date()
    try:
        write_village_sheet(
            path,
            job_folder(release.job_id, product),
            code,
            regions.regions if regions else None,
            operator_name(operator),
            survey_office(release.job_id),  # as the job's own maps say it
            made,
            language,
        )
    except (LookupError, FileNotFoundError):  # the product's files do not hold the village
        abort(404)
