"""The dashboard: readings and uploads, villages per verdict per operator, and a map of
where the province has been surveyed. Every number is aggregated in the database."""

from __future__ import annotations

import math
from typing import Any

from flask import (
    Blueprint,
    Response,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select

from server.db import session_scope
from server.models import Upload, UploadVillage
from server.office_dashboard import office_summary, region_verdicts
from server.offices import code_in_region, current_scope, in_region
from server.products import latest_products
from server.regions import current_regions
from server.web.access import roles_required

__all__ = ["bp"]

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@roles_required("admin", "officer", "provider")
def index() -> Any:
    """Counts, verdicts per operator and the survey map."""
    if current_user.role == "provider":
        return redirect(url_for("provider.portal"))
    office = current_scope()
    products = latest_products(None)
    with session_scope() as db:
        summary = office_summary(db, office)
        region_verdicts(db, office, products)
    regions = current_regions()
    villages = len(regions.regions) if regions else 0
    if regions and not office.province:
        villages = sum(1 for r in regions.regions if code_in_region(r.code, office))
    return render_template(
        "dashboard.html",
        office=office,
        summary=summary,
        by_state=summary.by_state,
        readings=sum(r for _, r in summary.by_state.values()),
        devices=summary.devices,
        officers=summary.officers,
        products=products,
        villages=villages,
    )


@bp.get("/map/villages.geojson")
@roles_required("admin", "officer", "provider")
def village_outlines() -> Response:
    """Every village (or those touching ``bbox=west,south,east,north``), simplified for the
    zoom ``z``: the same for everyone, with a weak ETag (the same outlines whether compressed
    or not), answered with 304 when the browser has them."""
    regions = current_regions()
    zoom = request.args.get("z", type=float)
    box = _box(request.args.get("bbox", ""))
    if regions is None:
        body, etag = '{"type":"FeatureCollection","features":[]}', "none"
    elif box is not None:
        body, etag = regions.outlines(zoom).within(box)
    else:
        outlines = regions.outlines(zoom)
        body, etag = outlines.text, outlines.etag
    response = make_response(body)
    response.mimetype = "application/geo+json"
    response.set_etag(etag, weak=True)
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    response.make_conditional(request)  # 304 without the body when the ETag matches
    return response


def _box(text: str) -> tuple[float, float, float, float] | None:
    """``west,south,east,north`` as four finite numbers, else None (the whole province)."""
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        return None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        return None
    return west, south, east, north


@bp.get("/map/surveyed.json")
@roles_required("admin", "officer")
def surveyed() -> Response:
    """Readings per village code in uploads that were not rejected."""
    with session_scope() as db:
        rows = db.execute(
            select(UploadVillage.village_code, func.sum(UploadVillage.readings))
            .join(Upload, Upload.id == UploadVillage.upload_id)
            .where(Upload.state != "rejected")
            .where(in_region(UploadVillage.village_code, current_scope()))
            .group_by(UploadVillage.village_code)
        ).all()
    return jsonify({code: int(n) for code, n in rows})
