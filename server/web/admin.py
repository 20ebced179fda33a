"""Users, enrolment codes, devices and campaigns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from server.accounts import (
    create_user,
    issue_enrol_code,
    revoke_device,
    set_active,
    set_password,
)
from server.campaign_map import campaign_features, village_choices
from server.campaigns import (
    campaign_days,
    campaign_progress,
    create_campaign,
    delete_campaign,
    parse_codes,
    update_campaign,
    village_counts,
    village_state,
)
from server.db import session_scope
from server.models import MAX_ID, Campaign, Device, Upload, User
from server.office_names import kabupaten_office_name
from server.offices import Scope, current_scope, list_offices, office_users, owns
from server.regions import current_regions
from server.web import enrolment
from server.web.access import roles_required
from server.web.forms import ActionForm, CampaignForm, ResetPasswordForm, UserForm
from server.web.listing import midnight

__all__ = ["bp"]

bp = Blueprint("admin", __name__)


def _user_form(form: UserForm | None = None) -> UserForm:
    """The new-user form with the offices this admin may put a user in: every office and
    kabupaten/kota for the province, only its own office for a kabupaten/kota admin (who
    creates officers only)."""
    form = form or UserForm()
    scope = current_scope()
    if not form.office.data:  # not chosen (a provider, or an older form): the admin's own
        form.office.data = scope.code
    if not scope.province:
        form.role.choices = [c for c in form.role.choices if c.value == "officer"]
        form.office.choices = [(scope.code, f"{scope.name} ({scope.code})")]
        return form
    with session_scope() as db:
        offices = {o.code: o.name for o, _a, _o in list_offices(db)}
    regions = current_regions()
    for code, name in regions.kabupaten() if regions else []:
        offices.setdefault(code, kabupaten_office_name(name))
    form.office.choices = [(code, f"{name} ({code})") for code, name in offices.items()]
    return form


def _owned_user(db: Session, user_id: int) -> User:
    """The user, if this admin's office may manage them; else 404."""
    user = db.get(User, user_id) if 0 < user_id <= MAX_ID else None
    if user is None or not owns(user, current_scope()):
        abort(404)
    return user


def _users_page(form: UserForm) -> str:
    with session_scope() as db:
        users = db.scalars(
            select(User).where(office_users(current_scope())).order_by(User.role, User.username)
        ).all()
        db.expunge_all()
    return render_template(
        "admin/users.html",
        users=users,
        form=form,
        action=ActionForm(),
        reset=ResetPasswordForm(formdata=None),
    )


@bp.get("/users")
@roles_required("admin")
def users() -> str:
    """Every account, with a form to create one."""
    return _users_page(_user_form())


@bp.post("/users")
@roles_required("admin")
def create() -> Any:
    """Create an account."""
    form = _user_form()
    if form.validate_on_submit():
        operators = [op.strip() for op in (form.operators.data or "").split(",") if op.strip()]
        try:
            create_user(
                form.username.data,
                form.password.data,
                form.role.data,
                operators,
                current_user.actor,
                email=form.email.data,
                office=None if form.role.data == "provider" else form.office.data,
            )
        except ValueError as exc:
            flash(str(exc), "error")
            return _users_page(form)
        flash(_("User %(name)s created.", name=form.username.data), "ok")
        return redirect(url_for("admin.users"))
    return _users_page(form)


@bp.post("/users/<int:user_id>/active")
@roles_required("admin")
def toggle_active(user_id: int) -> Response:
    """Disable an account (its sessions end at once) or enable it again."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if user_id == current_user.user_id:
        flash(_("You cannot disable your own account."), "error")
        return redirect(url_for("admin.users"))
    with session_scope() as db:
        active = not _owned_user(db, user_id).active
    set_active(user_id, active, current_user.actor)
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password")
@roles_required("admin")
def reset_password(user_id: int) -> Response:
    """Set a new password for a user who forgot theirs (their sessions end)."""
    with session_scope() as db:
        _owned_user(db, user_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        flash(_("A password needs at least 8 characters."), "error")
        return redirect(url_for("admin.users"))
    try:
        set_password(user_id, form.password.data, current_user.actor)
    except LookupError:
        abort(404)
    flash(_("Password set. Tell the user in person, not by chat."), "ok")
    return redirect(url_for("admin.users"))


def _enrol_officer(user_id: int) -> str:
    """The name of an active officer of this admin's office; 404 for anyone else."""
    with session_scope() as db:
        user = db.get(User, user_id)
        if user is None or user.role != "officer" or not owns(user, current_scope()):
            abort(404)
        return user.username


@bp.post("/users/<int:user_id>/enrol-code")
@roles_required("admin")
def enrol_code(user_id: int) -> Response:
    """Issue a one-time code for the officer's phone, then show it on its own page (a
    refresh there shows no new code: see :mod:`server.web.enrolment`)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    username = _enrol_officer(user_id)
    code, expires = issue_enrol_code(
        username, int(current_app.config["ENROL_CODE_MINUTES"]), current_user.actor
    )
    enrolment.keep_code(user_id, username, code, expires.isoformat())
    return redirect(url_for("admin.show_enrol_code", user_id=user_id), 303)


@bp.get("/users/<int:user_id>/enrol-code")
@roles_required("admin")
def show_enrol_code(user_id: int) -> Response:
    """The code just issued, as text and QR code, once; afterwards a button for a new one."""
    username = _enrol_officer(user_id)
    kept = enrolment.take_code(user_id)
    link = enrolment.enrol_link(kept["code"]) if kept else None
    page = render_template(
        "admin/enrol_code.html",
        user_id=user_id,
        username=username,
        kept=kept,
        expires=datetime.fromisoformat(kept["expires"]) if kept else None,
        link=link,
        qr=enrolment.qr_svg(link, _("QR code for enrolling a phone")) if link else None,
        server=enrolment.server_address(),
        action=ActionForm(),
    )
    answer = Response(page, mimetype="text/html")
    answer.headers["Cache-Control"] = "no-store"  # the code stays out of every cache
    return answer


@bp.get("/devices")
@roles_required("admin", "officer")
def devices() -> str:
    """Enrolled devices (officers see their own) with their last contact and uploads."""
    query = (
        select(Device, User.username, func.count(Upload.id))
        .join(User, User.id == Device.officer_id)
        .outerjoin(Upload, Upload.device_id == Device.id)
        .group_by(Device.id, User.username)
        .order_by(Device.revoked_at.is_not(None), Device.last_seen_at.desc(), Device.id)
    )
    if current_user.role == "officer":
        query = query.where(Device.officer_id == current_user.user_id)
    else:
        query = query.where(office_users(current_scope()))
    with session_scope() as db:
        rows = db.execute(query).all()
        db.expunge_all()
    return render_template("admin/devices.html", rows=rows, action=ActionForm())


@bp.post("/devices/<int:device_id>/revoke")
@roles_required("admin", "officer")
def revoke(device_id: int) -> Response:
    """Revoke a device's token (a lost phone); its readings stay."""
    if not ActionForm().validate_on_submit():
        abort(400)
    with session_scope() as db:
        device = db.get(Device, device_id) if 0 < device_id <= MAX_ID else None
        if device is None or (
            current_user.role == "officer" and device.officer_id != current_user.user_id
        ):
            abort(404)
        if current_user.role == "admin" and not owns(device.officer, current_scope()):
            abort(404)
    revoke_device(device_id, current_user.actor)
    flash(_("Device %(id)s revoked: its next upload is refused.", id=device_id), "ok")
    return redirect(url_for("admin.devices"))


@bp.app_template_global("campaign_days")
def _campaign_days(item: Campaign, part: str = "both") -> str:
    """A campaign's days as people say them, the last day inclusive ("1 Des 2026 - 14 Des
    2026"); ``part`` "first" or "last" gives one of them."""
    days = campaign_days(item)
    first, last = (format_date(d, "d MMM y") if d else "\N{EN DASH}" for d in days)
    if part == "both" and days == (None, None):
        return _("no dates")
    return {"first": first, "last": last}.get(part, f"{first} \N{EN DASH} {last}")


@bp.get("/campaigns")
@roles_required("admin")
def campaigns() -> str:
    """The office's campaigns (every office's for the province) with their progress."""
    query = select(Campaign).where(office_users(current_scope(), Campaign.office_id))
    with session_scope() as db:
        items = db.scalars(query.order_by(Campaign.id.desc())).unique().all()
        rows = []
        for item in items:
            counts = village_counts(db, item)
            surveyed = sum(
                1 for c in counts.values() if village_state(item.purpose, c) == "surveyed"
            )
            officers = [o.username for o in item.officers]
            rows.append((item, len(item.village_codes or []), surveyed, officers))
        db.expunge_all()
    return render_template("admin/campaigns.html", rows=rows)


def _campaign_form(scope: Scope) -> CampaignForm:
    """The form, its officers limited to the office's (every officer for the province)."""
    form = CampaignForm()
    query = select(User.id, User.username).where(User.role == "officer", office_users(scope))
    with session_scope() as db:
        form.officers.choices = [
            SelectChoice(str(uid), name) for uid, name in db.execute(query.order_by(User.username))
        ]
    return form


def _owned_campaign(campaign_id: int) -> Campaign:
    """The campaign, detached; 404 when there is none or it is another office's."""
    with session_scope() as db:
        item = db.get(Campaign, campaign_id)
        if item is None or not owns(item, current_scope()):
            abort(404)
        item.officers  # noqa: B018 - loaded before the session closes
        db.expunge_all()
    return item


def _form_page(form: CampaignForm, item: Campaign | None) -> tuple[str, int]:
    status = 400 if form.is_submitted() else 200
    prefix = current_scope().prefix
    page = render_template("admin/campaign_form.html", form=form, campaign=item, prefix=prefix)
    return page, status


def _saved(form: CampaignForm, scope: Scope, campaign_id: int | None) -> int:
    """Create (``campaign_id`` None) or change the campaign from the valid form; its id."""
    # the form's last day is inclusive: the campaign ends at the start of the next day
    fields = (
        form.name.data,
        current_regions(),
        parse_codes(form.village_codes.data or ""),
        form.area.data,
        form.officers.data or [],
        midnight(form.starts_on.data),
        midnight(form.ends_on.data, 1),
    )
    if campaign_id is None:
        return create_campaign(
            current_user.actor, *fields, office_id=scope.office_id, prefix=scope.prefix
        )
    update_campaign(current_user.actor, campaign_id, *fields, prefix=scope.prefix)
    return campaign_id


@bp.route("/campaigns/new", methods=["GET", "POST"])
@roles_required("admin")
def new_campaign() -> Any:
    """Create a campaign from villages picked, typed or covered by an area drawn on the map."""
    scope = current_scope()
    form = _campaign_form(scope)
    if form.validate_on_submit():
        try:
            campaign_id = _saved(form, scope, None)
        except ValueError as exc:
            form.village_codes.errors = [str(exc)]
        else:
            flash(_("Campaign created."), "ok")
            return redirect(url_for("admin.campaign", campaign_id=campaign_id))
    return _form_page(form, None)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_campaign(campaign_id: int) -> Any:
    """Change a campaign's name, villages, officers and dates."""
    item = _owned_campaign(campaign_id)
    scope = current_scope()
    form = _campaign_form(scope)
    if not form.is_submitted():
        form.name.data = item.name
        form.village_codes.data = "\n".join(item.village_codes or [])
        form.officers.data = [o.id for o in item.officers]
        form.starts_on.data, form.ends_on.data = campaign_days(item)
    elif form.validate_on_submit():
        try:
            _saved(form, scope, campaign_id)
        except ValueError as exc:
            form.village_codes.errors = [str(exc)]
        else:
            flash(_("Campaign saved."), "ok")
            return redirect(url_for("admin.campaign", campaign_id=campaign_id))
    return _form_page(form, item)


@bp.post("/campaigns/<int:campaign_id>/delete")
@roles_required("admin")
def delete_campaign_view(campaign_id: int) -> Response:
    """Delete a campaign (its uploads and readings stay)."""
    item = _owned_campaign(campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        delete_campaign(current_user.actor, campaign_id)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.campaign", campaign_id=campaign_id))
    flash(_("Campaign %(name)s deleted.", name=item.name), "ok")
    return redirect(url_for("admin.campaigns"))


@bp.get("/campaigns/villages.json")
@roles_required("admin")
def campaign_village_choices() -> Response:
    """The villages of the admin's region for the picker, by kabupaten/kota and kecamatan."""
    answer = jsonify(village_choices(current_regions(), current_scope().prefix))
    answer.headers["Cache-Control"] = "private, max-age=3600"
    return answer


@bp.get("/campaigns/<int:campaign_id>/villages.geojson")
@roles_required("admin")
def campaign_map(campaign_id: int) -> Response:
    """The campaign's villages as GeoJSON with their readings and state."""
    item = _owned_campaign(campaign_id)
    regions = current_regions()
    return jsonify(campaign_features(campaign_progress(item, regions), regions))


@bp.get("/campaigns/<int:campaign_id>")
@roles_required("admin")
def campaign(campaign_id: int) -> str:
    """A campaign's progress: villages surveyed, readings per village, a map of them."""
    item = _owned_campaign(campaign_id)
    rows = campaign_progress(item, current_regions())
    surveyed = sum(1 for r in rows if r["state"] == "surveyed")
    return render_template(
        "admin/campaign.html",
        campaign=item,
        officers=[o.username for o in item.officers],
        rows=rows,
        reached=surveyed,
        delete_form=ActionForm(),
    )
