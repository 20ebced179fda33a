"""Responses pages: the list (with the overdue villages), a new response for a village of a
release, one response with its map, evidence and decision; officers' verification tasks.

Providers see and answer for their own operators only; anything else answers 404.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import shapely
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from analysis.classify import classify_frame
from server.api.responses import evidence_features
from server.campaigns import campaign_progress
from server.db import session_scope
from server.evidence import add_evidence, evidence_files, evidence_frame
from server.models import (
    Campaign,
    OperatorResponse,
    Release,
    User,
    VillageVerdict,
    campaign_officers,
)
from server.offices import code_in_region, current_scope, in_region
from server.regions import current_regions
from server.releases import release_products_for, visible_release
from server.responses import (
    EVIDENCE_KINDS,
    EVIDENCE_MAX_BYTES,
    STATES,
    Scope,
    create_response,
    decide,
    overdue_query,
    response_query,
    visible_response,
)
from server.review import approved_frame
from server.web.access import roles_required
from server.web.listing import filters, id_arg, page_of
from server.web.response_forms import DecisionForm, EvidenceForm, ResponseForm

__all__ = ["bp"]

bp = Blueprint("responses", __name__)

SURVEY_POINTS = 5_000  # at most this many survey readings on a response's map
_FORM_SLACK = 1024 * 1024  # the form's other fields beside the file


def _scope() -> Scope:
    return tuple(current_user.operators) if current_user.role == "provider" else None


def _flash_errors(form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")


@bp.get("/responses")
@roles_required("admin", "provider")
def index() -> str:
    """Responses with filters; blankspot villages still to answer, and those whose deadline
    passed unanswered."""
    args = filters("state", "operator", "release", "tab")
    scope, office = _scope(), current_scope()
    today = datetime.now(UTC).date()
    with session_scope() as db:
        if args.get("tab") in ("open", "overdue"):
            passed = args["tab"] == "overdue"
            villages = overdue_query(scope, today, passed)
            villages = villages.where(in_region(VillageVerdict.village_code, office))
            listing = page_of(db, villages, scalars=False)
        else:
            state = args.get("state") if args.get("state") in STATES else None
            answers = response_query(
                scope, state, args.get("operator"), id_arg(args.get("release"))
            )
            answers = answers.where(in_region(OperatorResponse.village_code, office))
            listing = page_of(db, answers, scalars=False)
        operators = db.scalars(
            select(OperatorResponse.operator).distinct().order_by(OperatorResponse.operator)
        ).all()
        releases = db.execute(select(Release.id, Release.title).order_by(Release.id.desc())).all()
        db.expunge_all()
    if scope is not None:
        operators = [op for op in operators if op in scope]
        releases = [r for r in releases if visible_release(r.id, scope) is not None]
    return render_template(
        "responses/index.html",
        listing=listing,
        args=args,
        states=STATES,
        operators=operators,
        releases=releases,
        tab=args.get("tab") if args.get("tab") in ("open", "overdue") else "responses",
    )


def _village(release_id: int, product: str, code: str) -> tuple[Release, VillageVerdict]:
    """The release and the village's verdict for a product the user may answer; else 404."""
    release = visible_release(release_id, _scope())
    if release is None or release.state != "published":
        abort(404)
    if product not in {p.product for p in release_products_for(release, _scope())}:
        abort(404)
    operator, _sep, tech = product.rpartition("-")
    with session_scope() as db:
        verdict = db.scalar(
            select(VillageVerdict).where(
                VillageVerdict.release_id == release_id,
                VillageVerdict.operator == operator,
                VillageVerdict.tech == tech,
                VillageVerdict.village_code == code,
            )
        )
        if verdict is None:
            abort(404)
        db.expunge(verdict)
    return release, verdict


def _evidence_file(form: Any) -> tuple[str, bytes] | None:
    file = form.evidence.data
    if file is None or not getattr(file, "filename", ""):
        return None
    return str(file.filename), file.read(EVIDENCE_MAX_BYTES + 1)


@bp.route("/responses/new", methods=["GET", "POST"])
@roles_required("provider", "admin")
def new() -> Any:
    """Answer one village of a release (and, for a dispute, send the drive-test file)."""
    request.max_content_length = EVIDENCE_MAX_BYTES + _FORM_SLACK
    source = request.form if request.method == "POST" else request.args
    release_id = id_arg(source.get("release")) or id_arg(source.get("release_id"))
    code = (source.get("village") or "").strip()[:32]
    product = (source.get("product") or "").strip()[:32]
    if not release_id or not code or not product:
        abort(404)
    release, verdict = _village(release_id, product, code)
    form = ResponseForm(
        data={"release": str(release_id), "village": code, "product": product}
        if request.method == "GET"
        else None
    )
    if request.method == "POST" and form.validate_on_submit():
        try:
            response_id = create_response(
                current_user.actor,
                current_user.user_id,
                _scope(),
                release_id,
                code,
                product,
                form.kind.data,
                message=form.message.data,
                site_name=form.site_name.data,
                expected_on=form.expected_on.data,
                on_air_since=form.on_air_since.data,
            )
        except LookupError:
            abort(404)
        except ValueError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Response saved."), "ok")
            upload = _evidence_file(form) if form.kind.data in EVIDENCE_KINDS else None
            if upload:
                _keep_evidence(response_id, *upload)
            return redirect(url_for("responses.show", response_id=response_id))
    elif request.method == "POST":
        _flash_errors(form)
    return render_template("responses/new.html", form=form, release=release, verdict=verdict)


def _keep_evidence(response_id: int, name: str, data: bytes) -> None:
    try:
        summary = add_evidence(
            response_id, name, data, current_user.actor, current_user.user_id, _scope()
        )
    except LookupError:
        abort(404)
    except ValueError as exc:
        flash(_("The file was not kept: %(reason)s", reason=str(exc)), "error")
    else:
        flash(
            _(
                "%(name)s: %(n)s readings kept, %(inside)s inside the village, %(bad)s rejected.",
                name=summary["filename"],
                n=summary["readings"],
                inside=summary["inside"],
                bad=summary["rejected"],
            ),
            "ok",
        )


def _found(response_id: int) -> OperatorResponse:
    item = visible_response(response_id, _scope())
    if item is None or not code_in_region(item.village_code, current_scope()):
        abort(404)  # another operator's, or a village outside this office's region
    return item


def _facts(item: OperatorResponse) -> dict[str, Any]:
    """What the response page shows beside the response: names, release, campaign."""
    with session_scope() as db:
        names = dict(
            db.execute(
                select(User.id, User.username).where(
                    User.id.in_([i for i in (item.created_by, item.decided_by) if i])
                )
            ).all()
        )
        verdict = db.scalar(
            select(VillageVerdict).where(
                VillageVerdict.release_id == item.release_id,
                VillageVerdict.village_code == item.village_code,
                VillageVerdict.operator == item.operator,
                VillageVerdict.tech == item.tech,
            )
        )
        release = db.get(Release, item.release_id)
        closer = db.get(Release, item.closed_by_release_id) if item.closed_by_release_id else None
        campaign = (
            db.get(Campaign, item.verification_campaign_id)
            if item.verification_campaign_id
            else None
        )
        officers = [o.username for o in campaign.officers] if campaign else []
        db.expunge_all()
    return {
        "author": names.get(item.created_by, "?"),
        "decider": names.get(item.decided_by or 0),
        "verdict": verdict,
        "release": release,
        "closer": closer,
        "campaign": campaign,
        "campaign_officers": officers,
    }


@bp.get("/responses/<int:response_id>")
@roles_required("admin", "provider")
def show(response_id: int) -> str:
    """One response: every status, the evidence files, the map and the forms."""
    item = _found(response_id)
    return render_template(
        "responses/show.html",
        item=item,
        files=evidence_files(item.id),
        decision_form=DecisionForm(),
        evidence_form=EvidenceForm(),
        can_add_evidence=item.decision == "pending" and item.kind in EVIDENCE_KINDS,
        **_facts(item),
    )


@bp.get("/responses/<int:response_id>/map.json")
@roles_required("admin", "provider")
def map_data(response_id: int) -> Response:
    """The village outline, the operator's evidence and the approved survey readings."""
    item = _found(response_id)
    regions = current_regions()
    region = regions.by_code.get(item.village_code) if regions else None
    outline: list[dict[str, Any]] = []
    if region is not None and region.geometry is not None:
        outline.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(region.geometry),
                "properties": {"code": region.code, "name": region.name},
            }
        )
    survey = approved_frame([item.operator], [item.village_code])
    survey = survey[survey["tech"] == item.tech]
    if len(survey) > SURVEY_POINTS:
        survey = survey.iloc[:: -(-len(survey) // SURVEY_POINTS)]
    classes = classify_frame(survey).fillna("unknown").tolist() if len(survey) else []
    survey_features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"class": label, "tech": item.tech, "source": "survey"},
        }
        for lon, lat, label in zip(survey["lon"], survey["lat"], classes, strict=True)
    ]
    return jsonify(
        {
            "outline": {"type": "FeatureCollection", "features": outline},
            "evidence": {
                "type": "FeatureCollection",
                "features": evidence_features(evidence_frame([item.id])),
            },
            "survey": {"type": "FeatureCollection", "features": survey_features},
        }
    )


@bp.post("/responses/<int:response_id>/evidence")
@roles_required("provider", "admin")
def evidence(response_id: int) -> Response:
    """Another drive-test file for a pending dispute or resolved claim."""
    request.max_content_length = EVIDENCE_MAX_BYTES + _FORM_SLACK
    item = _found(response_id)
    form = EvidenceForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    elif upload := _evidence_file(form):
        _keep_evidence(item.id, *upload)
    return redirect(url_for("responses.show", response_id=item.id))


@bp.post("/responses/<int:response_id>/decision")
@roles_required("admin")
def decision(response_id: int) -> Response:
    """Accept or reject a response (a rejection needs a reason)."""
    item = _found(response_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for("responses.show", response_id=item.id))
    try:
        campaign_id = decide(
            item.id, current_user.actor, current_user.user_id, form.decision.data, form.reason.data
        )
    except LookupError:
        abort(404)
    except ValueError as exc:  # also ResponseConflict: decided already
        flash(str(exc), "error")
    else:
        flash(_("Decision saved."), "ok")
        if campaign_id:
            flash(_("A verification campaign was opened for the village."), "ok")
    return redirect(url_for("responses.show", response_id=item.id))


@bp.get("/verification")
@roles_required("officer", "admin")
def verification() -> str:
    """Verification campaigns: villages to survey again after an operator's claim
    (officers: those they are part of)."""
    with session_scope() as db:
        query = select(Campaign).where(Campaign.purpose == "verification")
        if current_user.role == "officer":
            query = query.join(campaign_officers).where(
                campaign_officers.c.user_id == current_user.user_id
            )
        campaigns = db.scalars(query.order_by(Campaign.id.desc())).unique().all()
        claims = dict(
            db.execute(
                select(OperatorResponse.verification_campaign_id, OperatorResponse).where(
                    OperatorResponse.verification_campaign_id.in_([c.id for c in campaigns])
                )
            ).all()
        )
        rows: list[dict[str, Any]] = [
            {
                "campaign": c,
                "response": claims.get(c.id),
                "officers": [o.username for o in c.officers],
            }
            for c in campaigns
        ]
        db.expunge_all()
    regions = current_regions()
    for row in rows:
        row["villages"] = campaign_progress(row["campaign"], regions)
    return render_template("responses/verification.html", rows=rows)
