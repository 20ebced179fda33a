"""Where to survey next (admins): the villages of a region ranked by what a survey would add,
on a map and as a list, and a campaign made from the top of the list in one step.

The region is a kabupaten/kota or a province of the configured boundaries (a Kemendagri
code prefix); a kabupaten/kota office ranks and plans only inside its own region.
"""

from __future__ import annotations

import json
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
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import DateField, HiddenField, IntegerField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from server.campaigns import create_campaign
from server.db import session_scope
from server.models import Release, ReleaseProduct, User
from server.offices import code_in_region, current_scope, office_users
from server.priorities import MAX_AGE_DAYS, Priority, Reason, rank_villages
from server.regions import current_regions
from server.web.access import roles_required
from server.web.forms import officer_boxes
from server.web.listing import midnight

__all__ = ["bp", "reason_text"]

bp = Blueprint("priorities", __name__)

TECHS = ("LTE", "NR", "WCDMA", "GSM")
LISTED = 200  # villages listed on the page (the map shows them all)
MAX_TOP = 500  # villages one campaign may take from the list


class TopCampaignForm(FlaskForm):
    """A campaign of the top ``count`` villages of the ranking shown."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    count = IntegerField(
        _l("Number of villages from the top"),
        default=10,
        validators=[DataRequired(), NumberRange(min=1, max=MAX_TOP)],
    )
    officers = officer_boxes()
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    region = HiddenField()
    operator = HiddenField()
    tech = HiddenField()


def _regions() -> list[tuple[str, str]]:
    """(prefix, label) of every province, then every kabupaten/kota, of the boundaries."""
    regions = current_regions()
    if regions is None:
        return []
    kabupaten = regions.kabupaten()
    provinces = sorted({code.split(".")[0] for code, _name in kabupaten})
    out = [(p, _("Whole province (%(code)s)", code=p)) for p in provinces]
    out += [(code, f"{name} ({code})") for code, name in kabupaten if code not in provinces]
    office = current_scope()  # a kabupaten/kota office ranks its own region only
    return [(code, label) for code, label in out if code_in_region(code, office)]


def _operators() -> list[str]:
    with session_scope() as db:
        return sorted(
            db.scalars(
                select(ReleaseProduct.operator)
                .join(Release, Release.id == ReleaseProduct.release_id)
                .where(Release.state == "published")
                .distinct()
            ).all()
        )


def _filters(values: Any) -> tuple[str, str, str]:
    """The chosen region (the first one when none), operator and technology; unknown
    values answer 404."""
    regions = [code for code, _label in _regions()]
    region = (values.get("region") or "").strip() or (regions[0] if regions else "")
    operator = (values.get("operator") or "").strip()
    tech = (values.get("tech") or "").strip()
    if (regions and region not in regions) or (tech and tech not in TECHS):
        abort(404)
    if operator and operator not in _operators():
        abort(404)
    return region, operator, tech


def _ranking(region: str, operator: str, tech: str) -> list[Priority]:
    if not region:
        return []
    return rank_villages((region,), [operator] if operator else None, tech or None)


def _officer_choices(form: TopCampaignForm) -> None:
    with session_scope() as db:
        form.officers.choices = [
            SelectChoice(str(uid), name)
            for uid, name in db.execute(
                select(User.id, User.username)
                .where(User.role == "officer", User.active.is_(True))
                .where(office_users(current_scope()))
                .order_by(User.username)
            )
        ]


def reason_text(reason: Reason) -> str:
    """A reason in words, with its figures."""
    d, n = reason.detail, reason.detail.get("responses", 0)
    if reason.kind == "doubtful":
        return _(
            "doubtful: only %(readings)s readings at %(fixes)s distinct fixes",
            readings=d.get("readings", 0),
            fixes=d.get("fixes", 0),
        )
    if reason.kind == "uncertain":
        share = round(d.get("share", 0) * 100)
        text = _("uncertain map: %(share)s %% of the village surveyed", share=share)
        if d.get("rmse_db") is not None:
            text += " · " + _("CV error %(db)s dB", db=f"{d['rmse_db']:.1f}")
        return text
    if reason.kind == "old" and d.get("day"):
        day = format_date(d["day"], "d MMM y")
        return _("evidence older than allowed: newest reading %(day)s", day=day)
    if reason.kind == "verification":
        return _("%(n)s accepted operator response(s) awaiting verification", n=n)
    if reason.kind == "pending":
        return _("%(n)s operator dispute(s) or claim(s) awaiting a decision", n=n)
    return _("no verdict or insufficient data")


def level_text(level: str) -> str:
    """A priority level in words."""
    return {
        "high": _("high"),
        "medium": _("medium"),
        "low": _("low"),
        "none": _("nothing to add"),
    }.get(level, level)


def _page(form: TopCampaignForm, region: str, operator: str, tech: str, status: int = 200) -> Any:
    """The page: filters, legend, map, the ranked list and the campaign form."""
    ranking = _ranking(region, operator, tech)
    counts = {level: 0 for level in ("high", "medium", "low", "none")}
    for item in ranking:
        counts[item.level] += 1
    args = {k: v for k, v in (("region", region), ("operator", operator), ("tech", tech)) if v}
    html = render_template(
        "priorities/index.html",
        form=form,
        ranking=ranking[:LISTED],
        total=len(ranking),
        counts=counts,
        regions=_regions(),
        operators=_operators(),
        techs=TECHS,
        region=region,
        operator=operator,
        tech=tech,
        args=args,
        has_boundaries=current_regions() is not None,
        reason_text=reason_text,
        level_text=level_text,
        max_age=int(current_app.config.get("SURVEY_MAX_AGE_DAYS", MAX_AGE_DAYS)),
    )
    return html, status


@bp.get("/survey-next")
@roles_required("admin")
def index() -> Any:
    """The ranking of a region's villages, its map and the form for a campaign."""
    region, operator, tech = _filters(request.args)
    form = TopCampaignForm(formdata=None, region=region, operator=operator, tech=tech)
    _officer_choices(form)
    return _page(form, region, operator, tech)


@bp.get("/survey-next/map.json")
@roles_required("admin")
def map_data() -> Response:
    """The region's village outlines with their rank, score and level, as GeoJSON."""
    region, operator, tech = _filters(request.args)
    ranked = {p.code: (n, p) for n, p in enumerate(_ranking(region, operator, tech), 1)}
    regions = current_regions()
    features = []
    if regions is not None:
        for feature in json.loads(regions.outline_geojson)["features"]:
            found = ranked.get(feature["properties"]["code"])
            if found is None:
                continue
            rank, item = found
            feature["properties"].update(
                rank=rank, score=item.score, level=item.level, label=level_text(item.level)
            )
            features.append(feature)
    return jsonify({"type": "FeatureCollection", "features": features})


@bp.post("/survey-next/campaign")
@roles_required("admin")
def campaign() -> Any:
    """Make a campaign of the top villages of the ranking (those with something to add)."""
    form = TopCampaignForm()
    _officer_choices(form)
    region, operator, tech = _filters(form.data)
    if not form.validate_on_submit():
        return _page(form, region, operator, tech, 400)
    top = [p.code for p in _ranking(region, operator, tech) if p.score > 0][: form.count.data]
    if not top:
        form.count.errors = [_("No village of this region has anything a survey would add.")]
        return _page(form, region, operator, tech, 400)
    try:
        campaign_id = create_campaign(
            current_user.actor,
            form.name.data,
            current_regions(),
            top,
            None,
            form.officers.data or [],
            midnight(form.starts_on.data),
            midnight(form.ends_on.data, 1),  # the whole last day
            current_user.office_id,
            current_scope().prefix,
        )
    except ValueError as exc:
        form.ends_on.errors = [str(exc)]
        return _page(form, region, operator, tech, 400)
    flash(_("Campaign created with %(n)s villages.", n=len(top)), "ok")
    return redirect(url_for("admin.campaign", campaign_id=campaign_id))
