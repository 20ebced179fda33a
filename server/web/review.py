"""The review queue, an upload's page (map, flags, readings) and the review actions.

Admins review; officers see their own uploads read-only. Lists are filtered, counted and
paginated in the database.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, exists, func, select
from werkzeug.wrappers import Response

from analysis.classify import classify_frame
from analysis.frame import canonical_frame
from analysis.schema import FIELDS
from server.db import session_scope
from server.flags import FLAGS
from server.models import Campaign, Device, Measurement, Upload, UploadVillage, User
from server.review import REVIEW_STATES, review_upload, set_excluded
from server.web.access import roles_required, safe_next
from server.web.forms import ActionForm, ReviewForm
from server.web.labels import state_label
from server.web.listing import day_start, filters, id_arg, page_of

__all__ = ["bp"]

bp = Blueprint("review", __name__)

READINGS_PER_PAGE = 100
QUEUE_FILTERS = ("state", "officer", "campaign", "from", "to", "flagged")


def _queue_query(args: dict[str, str]) -> Select[Any]:
    """Uploads matching the queue's filters (and only the officer's own, for officers)."""
    query = select(Upload.id).join(Device, Device.id == Upload.device_id)
    if current_user.role == "officer":
        query = query.where(Device.officer_id == current_user.user_id)
    state = args.get("state", "received")
    if state in ("received", *REVIEW_STATES):
        query = query.where(Upload.state == state)
    if (officer := id_arg(args.get("officer"))) is not None:
        query = query.where(Device.officer_id == officer)
    if (campaign_id := id_arg(args.get("campaign"))) is not None:
        with session_scope() as db:
            campaign = db.get(Campaign, campaign_id)
            codes = list(campaign.village_codes or []) if campaign else []
        query = query.where(
            exists().where(
                UploadVillage.upload_id == Upload.id, UploadVillage.village_code.in_(codes)
            )
        )
    if first := day_start(args.get("from")):
        query = query.where(Upload.received_at >= first)
    if end := day_start(args.get("to"), 1):
        query = query.where(Upload.received_at < end)
    if args.get("flagged") == "yes":
        query = query.where(Upload.flagged > 0)
    elif args.get("flagged") == "no":
        query = query.where(Upload.flagged == 0)
    return query


@bp.get("/uploads")
@roles_required("admin", "officer")
def queue() -> str:
    """Uploads to review, newest first, with filters and bulk actions."""
    args = filters(*QUEUE_FILTERS)
    args.setdefault("state", "received")
    ids = _queue_query(args).subquery()
    with session_scope() as db:
        listing = page_of(
            db,
            select(Upload, Device.name, User.username)
            .join(Device, Device.id == Upload.device_id)
            .join(User, User.id == Device.officer_id)
            .where(Upload.id.in_(select(ids.c.id)))
            .order_by(Upload.received_at.desc(), Upload.id),
            scalars=False,
        )
        officers = db.execute(
            select(User.id, User.username).where(User.role == "officer").order_by(User.username)
        ).all()
        campaigns = db.execute(select(Campaign.id, Campaign.name).order_by(Campaign.name)).all()
    return render_template(
        "review/queue.html",
        listing=listing,
        args=args,
        officers=officers,
        campaigns=campaigns,
        form=ReviewForm(),
    )


def _own_upload(upload_id: str) -> tuple[Upload, str, str]:
    """The upload, its device name and officer; 404 for officers' other uploads."""
    with session_scope() as db:
        row = db.execute(
            select(Upload, Device.name, User.username, Device.officer_id)
            .join(Device, Device.id == Upload.device_id)
            .join(User, User.id == Device.officer_id)
            .where(Upload.id == upload_id)
        ).first()
    if row is None:
        abort(404)
    if current_user.role == "officer" and row[3] != current_user.user_id:
        abort(404)
    return row[0], row[1], row[2]


@bp.get("/uploads/<upload_id>")
@roles_required("admin", "officer")
def upload(upload_id: str) -> str:
    """One upload: its readings on a map, the quality flags and the review actions."""
    item, device, officer = _own_upload(upload_id)
    only_flagged = request.args.get("flagged") == "yes"
    query = select(Measurement).where(Measurement.upload_id == upload_id)
    if only_flagged:
        query = query.where(Measurement.flags != "")
    with session_scope() as db:
        flag_rows = db.execute(
            select(Measurement.flags, func.count())
            .where(Measurement.upload_id == upload_id, Measurement.flags != "")
            .group_by(Measurement.flags)
        ).all()
        excluded = db.scalar(
            select(func.count()).where(
                Measurement.upload_id == upload_id, Measurement.excluded.is_(True)
            )
        )
        readings = page_of(
            db, query.order_by(Measurement.observed_at, Measurement.id), READINGS_PER_PAGE
        )
    flag_counts: Counter[str] = Counter()
    for flags, count in flag_rows:
        for flag in flags.split(","):
            flag_counts[flag] += count
    return render_template(
        "review/upload.html",
        upload=item,
        device=device,
        officer=officer,
        readings=readings,
        flag_counts=sorted(flag_counts.items(), key=lambda kv: -kv[1]),
        flag_help=FLAGS,
        excluded=excluded,
        only_flagged=only_flagged,
        form=ReviewForm(state=item.state if item.state in REVIEW_STATES else "approved"),
        action=ActionForm(),
    )


@bp.get("/uploads/<upload_id>/readings.geojson")
@roles_required("admin", "officer")
def readings_geojson(upload_id: str) -> Response:
    """The upload's readings as points with their class, flags and exclusion."""
    _own_upload(upload_id)
    with session_scope() as db:
        rows = db.execute(
            select(
                *(getattr(Measurement, f) for f in FIELDS),
                Measurement.flags,
                Measurement.excluded,
            ).where(Measurement.upload_id == upload_id)
        ).all()
    frame = canonical_frame([dict(zip(FIELDS, row[: len(FIELDS)], strict=True)) for row in rows])
    classes = classify_frame(frame).fillna("unknown").tolist() if len(frame) else []
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
            "properties": {
                "id": row.id,
                "class": label,
                "tech": row.tech,
                "operator": f"{row.mcc}-{row.mnc}" if row.mcc else None,
                "flags": row.flags,
                "excluded": bool(row.excluded),
            },
        }
        for row, label in zip(rows, classes, strict=True)
    ]
    return jsonify({"type": "FeatureCollection", "features": features})


@bp.post("/uploads/<upload_id>/review")
@roles_required("admin")
def review(upload_id: str) -> Response:
    """Approve, send back with issues, or reject one upload."""
    form = ReviewForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("review.upload", upload_id=upload_id))
    try:
        review_upload(
            upload_id, form.state.data, current_user.actor, form.comment.data, current_user.user_id
        )
    except LookupError:
        abort(404)
    flash(
        _("Upload %(id)s: %(state)s.", id=upload_id[:8], state=state_label(form.state.data)), "ok"
    )
    return redirect(safe_next(request.form.get("next")) or url_for("review.queue"))


@bp.post("/uploads/bulk")
@roles_required("admin")
def bulk() -> Response:
    """The same decision for every ticked upload."""
    form = ReviewForm()
    ids = request.form.getlist("upload")
    if not ids:
        flash(_("Tick at least one upload."), "error")
    elif not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    else:
        done = 0
        for upload_id in ids:
            try:
                review_upload(
                    upload_id,
                    form.state.data,
                    current_user.actor,
                    form.comment.data,
                    current_user.user_id,
                )
                done += 1
            except LookupError:
                flash(_("No upload %(id)s.", id=upload_id[:8]), "error")
        flash(_("%(n)d uploads: %(state)s.", n=done, state=state_label(form.state.data)), "ok")
    back: dict[str, Any] = filters(*QUEUE_FILTERS)
    return redirect(url_for("review.queue", **back))


@bp.post("/uploads/<upload_id>/readings")
@roles_required("admin")
def exclude(upload_id: str) -> Response:
    """Exclude the ticked readings from the maps, or include them again."""
    _own_upload(upload_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = request.form.getlist("reading")
    excluded = request.form.get("action") == "exclude"
    changed = set_excluded(upload_id, ids, excluded, current_user.actor)
    message = (
        _("%(n)d readings excluded.", n=changed)
        if excluded
        else _("%(n)d readings included again.", n=changed)
    )
    flash(message, "ok")
    return redirect(url_for("review.upload", upload_id=upload_id, page=request.args.get("page")))
