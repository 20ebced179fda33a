"""Users, enrolment codes, devices and campaigns."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from server.accounts import (
    create_user,
    issue_enrol_code,
    revoke_device,
    set_active,
    set_password,
)
from server.campaigns import campaign_progress, create_campaign, parse_codes
from server.db import session_scope
from server.models import Campaign, Device, Upload, User
from server.regions import current_regions
from server.web.access import roles_required
from server.web.forms import ActionForm, CampaignForm, ResetPasswordForm, UserForm

__all__ = ["bp"]

bp = Blueprint("admin", __name__)


def _users_page(form: UserForm, code: tuple[str, str, datetime] | None = None) -> str:
    with session_scope() as db:
        users = db.scalars(select(User).order_by(User.role, User.username)).all()
        db.expunge_all()
    return render_template(
        "admin/users.html",
        users=users,
        form=form,
        code=code,
        action=ActionForm(),
        reset=ResetPasswordForm(formdata=None),
    )


@bp.get("/users")
@roles_required("admin")
def users() -> str:
    """Every account, with a form to create one."""
    return _users_page(UserForm())


@bp.post("/users")
@roles_required("admin")
def create() -> Any:
    """Create an account."""
    form = UserForm()
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
        user = db.get(User, user_id)
        if user is None:
            abort(404)
        active = not user.active
    set_active(user_id, active, current_user.actor)
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password")
@roles_required("admin")
def reset_password(user_id: int) -> Response:
    """Set a new password for a user who forgot theirs (their sessions end)."""
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


@bp.post("/users/<int:user_id>/enrol-code")
@roles_required("admin")
def enrol_code(user_id: int) -> str:
    """Issue a one-time code the officer types into the phone app (shown only now)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    with session_scope() as db:
        user = db.get(User, user_id)
        if user is None or user.role != "officer":
            abort(404)
        username = user.username
    code, expires = issue_enrol_code(
        username, int(current_app.config["ENROL_CODE_MINUTES"]), current_user.actor
    )
    return _users_page(UserForm(), (username, code, expires))


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
        device = db.get(Device, device_id)
        if device is None or (
            current_user.role == "officer" and device.officer_id != current_user.user_id
        ):
            abort(404)
    revoke_device(device_id, current_user.actor)
    flash(_("Device %(id)s revoked: its next upload is refused.", id=device_id), "ok")
    return redirect(url_for("admin.devices"))


@bp.get("/campaigns")
@roles_required("admin")
def campaigns() -> str:
    """Campaigns with their villages and officers."""
    with session_scope() as db:
        items = db.scalars(select(Campaign).order_by(Campaign.id.desc())).unique().all()
        rows = [(c, len(c.village_codes or []), [o.username for o in c.officers]) for c in items]
        db.expunge_all()
    return render_template("admin/campaigns.html", rows=rows)


def _campaign_form() -> CampaignForm:
    form = CampaignForm()
    with session_scope() as db:
        form.officers.choices = [
            SelectChoice(str(uid), name)
            for uid, name in db.execute(
                select(User.id, User.username).where(User.role == "officer").order_by(User.username)
            )
        ]
    return form


def _start_of(day: date | None, days: int = 0) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=days), time(), ZoneInfo(str(get_timezone())))


@bp.route("/campaigns/new", methods=["GET", "POST"])
@roles_required("admin")
def new_campaign() -> Any:
    """Create a campaign from a village list or an area drawn on the map."""
    form = _campaign_form()
    if form.validate_on_submit():
        try:
            campaign_id = create_campaign(
                current_user.actor,
                form.name.data,
                current_regions(),
                parse_codes(form.village_codes.data or ""),
                form.area.data,
                form.officers.data or [],
                _start_of(form.starts_on.data),
                _start_of(form.ends_on.data, 1),  # the whole last day
            )
        except ValueError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Campaign created."), "ok")
            return redirect(url_for("admin.campaign", campaign_id=campaign_id))
    return render_template("admin/campaign_new.html", form=form)


@bp.get("/campaigns/<int:campaign_id>")
@roles_required("admin")
def campaign(campaign_id: int) -> str:
    """A campaign's progress: villages reached and readings per village."""
    with session_scope() as db:
        item = db.get(Campaign, campaign_id)
        if item is None:
            abort(404)
        officers = [o.username for o in item.officers]
        db.expunge_all()
    rows = campaign_progress(item, current_regions())
    reached = sum(1 for r in rows if r["readings"])
    return render_template(
        "admin/campaign.html", campaign=item, officers=officers, rows=rows, reached=reached
    )
