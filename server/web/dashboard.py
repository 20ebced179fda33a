"""The dashboard: readings and uploads, villages per verdict per operator, and a map of
where the province has been surveyed. Every number is aggregated in the database."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, make_response, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from server.db import session_scope
from server.models import Device, Upload, UploadVillage, User
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
    with session_scope() as db:
        by_state = {
            state: (uploads, readings or 0)
            for state, uploads, readings in db.execute(
                select(Upload.state, func.count(Upload.id), func.sum(Upload.accepted)).group_by(
                    Upload.state
                )
            )
        }
        devices = db.scalar(select(func.count(Device.id)).where(Device.revoked_at.is_(None)))
        officers = db.scalar(select(func.count(User.id)).where(User.role == "officer"))
    regions = current_regions()
    return render_template(
        "dashboard.html",
        by_state=by_state,
        readings=sum(r for _, r in by_state.values()),
        devices=devices,
        officers=officers,
        products=latest_products(None),
        villages=len(regions.regions) if regions else 0,
    )


@bp.get("/map/villages.geojson")
@roles_required("admin", "officer")
def village_outlines() -> Response:
    """Every village, simplified (the same for everyone; cached by the browser)."""
    regions = current_regions()
    body = regions.outline_geojson if regions else '{"type":"FeatureCollection","features":[]}'
    response = make_response(body)
    response.mimetype = "application/geo+json"
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/map/surveyed.json")
@roles_required("admin", "officer")
def surveyed() -> Response:
    """Readings per village code in uploads that were not rejected."""
    with session_scope() as db:
        rows = db.execute(
            select(UploadVillage.village_code, func.sum(UploadVillage.readings))
            .join(Upload, Upload.id == UploadVillage.upload_id)
            .where(Upload.state != "rejected")
            .group_by(UploadVillage.village_code)
        ).all()
    return jsonify({code: int(n) for code, n in rows})
