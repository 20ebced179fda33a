"""The review queue, an upload's page (map, flags, readings) and the review actions.

Admins review; officers see their own uploads read-only. A kabupaten/kota office's admin
sees only the uploads of its own officers (another office's upload answers 404); the
provincial office sees every upload. Lists are filtered, counted and paginated in the
database.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
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
from sqlalchemy.orm import aliased
from werkzeug.wrappers import Response

from server.db import session_scope
from server.models import Campaign, Device, Measurement, Upload, User
from server.offices import current_scope, office_users, owns
from server.review import REVIEW_STATES, review_upload, set_excluded
from server.web.access import roles_required, safe_next
from server.web.forms import ActionForm, ReviewForm
from server.web.labels import state_label
from server.web.listing import NO_ID, day_start, filters, id_arg, page_of
from server.web.review_data import (
    classify_rows,
    reading_page,
    reading_view,
    spot_readings,
    spots_geojson,
    time_span,
    upload_facts,
)

__all__ = ["bp"]

bp = Blueprint("review", __name__)

READINGS_PER_PAGE = 100
QUEUE_FILTERS = ("state", "officer", "campaign", "from", "to", "flagged")
OPEN_STATES = ("received", "has_issues")  # an officer's default: waiting, or sent back


def readings_per_page() -> int:
    """Rows of the upload page's readings table (the map links to the right page)."""
    return int(current_app.config.get("REVIEW_READINGS_PER_PAGE", READINGS_PER_PAGE))


def _default_state() -> str:
    return "open" if current_user.role == "officer" else "received"


def _campaigns(db: Any) -> list[Campaign]:
    """The campaigns of the user's office (every campaign for the province)."""
    query = select(Campaign).where(office_users(current_scope(), Campaign.office_id))
    return list(db.scalars(query.order_by(Campaign.name)).all())


def _queue_query(args: dict[str, str]) -> Select[Any]:
    """Uploads matching the queue's filters, of the office's officers only (and only the
    officer's own, for officers)."""
    query = (
        select(Upload.id)
        .join(Device, Device.id == Upload.device_id)
        .join(User, User.id == Device.officer_id)
        .where(office_users(current_scope()))
    )
    if current_user.role == "officer":
        query = query.where(Device.officer_id == current_user.user_id)
    state = args.get("state", _default_state())
    if state in ("received", *REVIEW_STATES):
        query = query.where(Upload.state == state)
    elif state == "open":
        query = query.where(Upload.state.in_(OPEN_STATES))
    if (officer := id_arg(args.get("officer"))) is not None:
        query = query.where(Device.officer_id == officer)
    if (campaign_id := id_arg(args.get("campaign"))) is not None:
        query = query.where(_in_campaign(campaign_id))
    if first := day_start(args.get("from")):
        query = query.where(Upload.received_at >= first)
    if end := day_start(args.get("to"), 1):
        query = query.where(Upload.received_at < end)
    if args.get("flagged") == "yes":
        query = query.where(Upload.flagged > 0)
    elif args.get("flagged") == "no":
        query = query.where(Upload.flagged == 0)
    return query


def _in_campaign(campaign_id: int) -> Any:
    """SQL: the upload has readings in the campaign's villages within its dates (nothing
    for another office's campaign)."""
    with session_scope() as db:
        campaign = db.get(Campaign, campaign_id) if campaign_id != NO_ID else None
        if campaign is None or not owns(campaign, current_scope()):
            return Upload.id.is_(None)
        codes = list(campaign.village_codes or [])
        starts, ends = campaign.starts_on, campaign.ends_on
    clause = exists().where(Measurement.upload_id == Upload.id, Measurement.village_code.in_(codes))
    if starts is not None:
        clause = clause.where(Measurement.observed_at >= starts)
    if ends is not None:
        clause = clause.where(Measurement.observed_at < ends)
    return clause


@bp.get("/uploads")
@roles_required("admin", "officer")
def queue() -> str:
    """Uploads to review, newest first, with filters and bulk actions."""
    args = filters(*QUEUE_FILTERS)
    args.setdefault("state", _default_state())
    ids = _queue_query(args).subquery()
    reviewer = aliased(User)
    with session_scope() as db:
        listing = page_of(
            db,
            select(Upload, Device.name, User.username, reviewer.username)
            .join(Device, Device.id == Upload.device_id)
            .join(User, User.id == Device.officer_id)
            .outerjoin(reviewer, reviewer.id == Upload.reviewed_by)
            .where(Upload.id.in_(select(ids.c.id)))
            .order_by(Upload.received_at.desc(), Upload.id),
            scalars=False,
        )
        officers = db.execute(
            select(User.id, User.username)
            .where(User.role == "officer", office_users(current_scope()))
            .order_by(User.username)
        ).all()
        campaigns = _campaigns(db)
        facts = upload_facts(db, [row[0].id for row in listing.rows], campaigns)
        campaign_names = [(c.id, c.name) for c in campaigns]
    return render_template(
        "review/queue.html",
        listing=listing,
        facts=facts,
        args=args,
        officers=officers,
        campaigns=campaign_names,
        time_span=time_span,
        form=ReviewForm(),
    )


def _own_upload(upload_id: str) -> tuple[Upload, str, str, str | None]:
    """The upload, its device's name, its officer and its reviewer; 404 for officers'
    other uploads and for uploads of another office's officers."""
    reviewer = aliased(User)
    with session_scope() as db:
        row = db.execute(
            select(Upload, Device.name, User, reviewer.username)
            .join(Device, Device.id == Upload.device_id)
            .join(User, User.id == Device.officer_id)
            .outerjoin(reviewer, reviewer.id == Upload.reviewed_by)
            .where(Upload.id == upload_id)
        ).first()
    if row is None or not owns(row[2], current_scope()):
        abort(404)
    if current_user.role == "officer" and row[2].id != current_user.user_id:
        abort(404)
    return row[0], row[1], row[2].username, row[3]


@bp.get("/uploads/<upload_id>")
@roles_required("admin", "officer")
def upload(upload_id: str) -> Any:
    """One upload: its readings on a map and in a table, the quality flags and the review
    actions. ``?reading=`` opens the table's page that shows that reading."""
    item, device, officer, reviewer = _own_upload(upload_id)
    only_flagged = request.args.get("flagged") == "yes"
    if wanted := request.args.get("reading", "").strip():
        return _to_reading(upload_id, wanted, only_flagged)
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
            db, query.order_by(Measurement.observed_at, Measurement.id), readings_per_page()
        )
        views = [
            {**reading_view(row, label), "accuracy_m": row.accuracy_m}
            for row, label in zip(readings.rows, classify_rows(readings.rows), strict=True)
        ]
    flag_counts: Counter[str] = Counter()
    for flags, count in flag_rows:
        for flag in flags.split(","):
            flag_counts[flag] += count
    return render_template(
        "review/upload.html",
        upload=item,
        device=device,
        officer=officer,
        reviewer=reviewer,
        readings=readings,
        views=views,
        flag_counts=sorted(flag_counts.items(), key=lambda kv: -kv[1]),
        excluded=excluded,
        only_flagged=only_flagged,
        form=ReviewForm(state=item.state if item.state in REVIEW_STATES else "approved"),
        action=ActionForm(),
    )


def _to_reading(upload_id: str, reading_id: str, only_flagged: bool) -> Response:
    """Redirect to the table's page that shows the reading, scrolled to its row."""
    with session_scope() as db:
        page = reading_page(db, upload_id, reading_id, only_flagged, readings_per_page())
        if page is None and only_flagged:
            only_flagged = False
            page = reading_page(db, upload_id, reading_id, False, readings_per_page())
    if page is None:
        abort(404)
    target = url_for(
        "review.upload",
        upload_id=upload_id,
        page=page if page > 1 else None,
        flagged="yes" if only_flagged else None,
        _anchor=f"r-{reading_id}",
    )
    return redirect(target)


@bp.get("/uploads/<upload_id>/readings.geojson")
@roles_required("admin", "officer")
def readings_geojson(upload_id: str) -> Response:
    """The upload's readings grouped by spot (~5 m): how many of each class, flagged and
    excluded at each."""
    _own_upload(upload_id)
    with session_scope() as db:
        return jsonify(spots_geojson(db, upload_id))


@bp.get("/uploads/<upload_id>/spots/<key>")
@roles_required("admin", "officer")
def spot(upload_id: str, key: str) -> Response:
    """The readings of one spot of the map: time, signal, class, village, operator."""
    _own_upload(upload_id)
    with session_scope() as db:
        return jsonify({"spot": key, "readings": spot_readings(db, upload_id, key)})


@bp.post("/uploads/<upload_id>/review")
@roles_required("admin")
def review(upload_id: str) -> Response:
    """Approve, send back with issues, or reject one upload."""
    _own_upload(upload_id)
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


def _visible(upload_ids: list[str]) -> set[str]:
    """Those of ``upload_ids`` that the user's office may review."""
    with session_scope() as db:
        return set(
            db.scalars(
                select(Upload.id)
                .join(Device, Device.id == Upload.device_id)
                .join(User, User.id == Device.officer_id)
                .where(Upload.id.in_(upload_ids), office_users(current_scope()))
            ).all()
        )


@bp.post("/uploads/bulk")
@roles_required("admin")
def bulk() -> Response:
    """The same decision for every ticked upload; another office's uploads are skipped."""
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
        visible = _visible(ids)
        for upload_id in ids:
            try:
                if upload_id not in visible:
                    raise LookupError(upload_id)
                review_upload(
                    upload_id,
                    form.state.data,
                    current_user.actor,
                    form.comment.data,
                    current_user.user_id,
                )
                done += 1
            except LookupError:
                flash(_("No upload %(id)s: skipped.", id=upload_id[:8]), "error")
        flash(_("%(n)d uploads: %(state)s.", n=done, state=state_label(form.state.data)), "ok")
    back: dict[str, Any] = filters(*QUEUE_FILTERS)
    return redirect(url_for("review.queue", **back))


@bp.post("/uploads/<upload_id>/readings")
@roles_required("admin")
def exclude(upload_id: str) -> Response:
    """Exclude the ticked readings from the maps, or include them again. Asked for JSON
    (the map's popup), it answers how many changed instead of going back to the page."""
    _own_upload(upload_id)
    wants_json = request.accept_mimetypes.best == "application/json"
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
    if wants_json:
        return jsonify({"changed": changed, "excluded": excluded, "message": message})
    flash(message, "ok")
    back = url_for(
        "review.upload",
        upload_id=upload_id,
        page=request.args.get("page"),
        flagged=request.args.get("flagged"),
    )
    return redirect(back)
