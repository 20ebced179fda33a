"""Releases in the pages: the list, one release with its products, files and village
verdicts, publishing a finished job and withdrawing a release (admins).

Providers see the releases of their own operators only (published and withdrawn, with the
reason); anything else answers 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, exists, func, select
from werkzeug.wrappers import Response

from analysis.schema import text_problem
from server.audit import record
from server.db import session_scope
from server.models import MAX_ID, Job, Release, ReleaseProduct, User, VillageVerdict
from server.offices import current_scope, owns
from server.products import download_name, product_archive
from server.release_evidence import shortfalls
from server.releases import (
    JUDGED,
    Scope,
    publish,
    release_file,
    release_products_for,
    visible_release,
    withdraw,
)
from server.web.access import roles_required
from server.web.listing import page_of
from server.web.release_forms import PublishForm, WithdrawForm

__all__ = ["bp", "release_query", "village_verdicts", "web_scope"]

bp = Blueprint("releases", __name__)
VILLAGE_LIMIT = 300  # villages listed per product on the page (all of them in villages.csv)


def web_scope() -> Scope:
    """Operators the logged-in user may see: ``None`` (all) for admins."""
    return None if current_user.role == "admin" else tuple(current_user.operators)


def release_query(scope: Scope) -> Any:
    """Releases ``scope`` may see, newest first."""
    query = select(Release).order_by(Release.published_at.desc(), Release.id.desc())
    if scope is not None:
        mine = exists().where(
            ReleaseProduct.release_id == Release.id, ReleaseProduct.operator.in_(list(scope))
        )
        query = query.where(mine)
    return query


_WORST_FIRST = case({"none": 0, "weak": 1, "strong": 2}, value=VillageVerdict.verdict, else_=3)


def village_verdicts(
    release_id: int, operator: str, tech: str, limit: int = VILLAGE_LIMIT
) -> tuple[list[VillageVerdict], int]:
    """Villages with a verdict in a release, the worst first (at most ``limit``), and how
    many have too little data or were not surveyed."""
    mine = (
        VillageVerdict.release_id == release_id,
        VillageVerdict.operator == operator,
        VillageVerdict.tech == tech,
    )
    with session_scope() as db:
        rows = list(
            db.scalars(
                select(VillageVerdict)
                .where(*mine, VillageVerdict.verdict.in_(JUDGED))
                .order_by(_WORST_FIRST, VillageVerdict.village_code)
                .limit(limit)
            )
        )
        rest = db.scalar(select(func.count()).where(*mine, VillageVerdict.verdict.not_in(JUDGED)))
        db.expunge_all()
    return rows, int(rest or 0)


def _names(user_ids: list[int | None]) -> dict[int, str]:
    wanted = [uid for uid in user_ids if uid is not None]
    with session_scope() as db:
        return dict(db.execute(select(User.id, User.username).where(User.id.in_(wanted))).all())


@bp.get("/releases")
@roles_required("admin", "provider")
def index() -> str:
    """Every release the user may see, newest first, with its state."""
    scope = web_scope()
    with session_scope() as db:
        listing = page_of(db, release_query(scope))
        db.expunge_all()
    return render_template("releases/index.html", listing=listing, scope=scope)


@bp.get("/releases/<int:release_id>")
@roles_required("admin", "provider")
def show(release_id: int) -> str:
    """One release: its history, and per product the error, counts, files and villages."""
    scope = web_scope()
    release = visible_release(release_id, scope)
    if release is None:
        abort(404)
    products = []
    for item in release_products_for(release, scope):
        villages, rest = village_verdicts(release.id, item.operator, item.tech)
        products.append({"item": item, "r": item.summary, "villages": villages, "rest": rest})
    names = _names([release.published_by, release.withdrawn_by])
    form = WithdrawForm() if current_user.role == "admin" and release.state == "published" else None
    return render_template(
        "releases/show.html", release=release, products=products, names=names, form=form
    )


def _download(release_id: int, product: str, name: str) -> tuple[Release, str]:
    """The release if the user may see ``product`` of it; 404 otherwise."""
    if text_problem(product) or text_problem(name):
        abort(404)
    release = visible_release(release_id, web_scope())
    if release is None:
        abort(404)
    if product not in {p.product for p in release_products_for(release, web_scope())}:
        abort(404)
    return release, f"release:{release_id}/{product}/{name}"


@bp.get("/releases/<int:release_id>/files/<product>/<path:name>")
@roles_required("admin", "provider")
def download(release_id: int, product: str, name: str) -> Response:
    """One frozen file of a product (downloads are recorded in the audit log)."""
    release, target = _download(release_id, product, name)
    path = release_file(release, product, name)
    if path is None:
        abort(404)
    inline = name.endswith((".html", ".png")) and request.args.get("download") != "1"
    if not inline:
        with session_scope() as db:
            record(db, current_user.actor, "download", target, None, None)
    g.product_file = True  # the folium map runs its own inline scripts
    saved_as = download_name(product, name, release_id=release_id)
    return send_file(path, as_attachment=not inline, download_name=saved_as, max_age=0)


@bp.get("/releases/<int:release_id>/archive/<product>.zip")
@roles_required("admin", "provider")
def archive(release_id: int, product: str) -> Response:
    """Every file of a product in one ZIP."""
    release, _target = _download(release_id, product, "")
    path = product_archive(release.job_id, product)
    if path is None:
        abort(404)
    with session_scope() as db:
        record(
            db, current_user.actor, "download", f"release:{release_id}/{product}.zip", None, None
        )
    saved_as = download_name(product, None, release_id=release_id)
    return send_file(path, as_attachment=True, download_name=saved_as, max_age=0)


@bp.post("/releases/<int:release_id>/withdraw")
@roles_required("admin")
def withdraw_release(release_id: int) -> Response:
    """Withdraw a release with a reason (it stays listed, marked withdrawn)."""
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for withdrawing the release."), "error")
        return redirect(url_for("releases.show", release_id=release_id))
    with session_scope() as db:
        release = db.get(Release, release_id) if 0 < release_id <= MAX_ID else None
        job = db.get(Job, release.job_id) if release else None
        if job is None or not owns(job, current_scope()):
            abort(404 if release is None else 403)  # only the office that published it
    try:
        withdraw(release_id, current_user.actor, current_user.user_id, form.reason.data)
    except LookupError:
        abort(404)
    except ValueError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Release %(id)s withdrawn.", id=release_id), "ok")
    return redirect(url_for("releases.show", release_id=release_id))


@bp.post("/jobs/<int:job_id>/publish")
@roles_required("admin")
def publish_job(job_id: int) -> Response | str:
    """Publish a finished job as a release."""
    form = PublishForm()
    back = redirect(url_for("jobs.show", job_id=job_id) + "#publish")
    with session_scope() as db:
        job = db.get(Job, job_id) if 0 < job_id <= MAX_ID else None
        if job is None or not owns(job, current_scope()):
            abort(404)  # a kabupaten/kota office publishes only its own (regional) jobs
        db.expunge(job)
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            for error in errors:
                label = getattr(form, field).label.text if hasattr(form, field) else field
                flash(f"{label}: {error}", "error")
        return back
    reason = (form.override_reason.data or "").strip() if form.override.data else None
    if (form.override.data and not reason) or (reason is None and shortfalls(job)):
        flash(_("Give the reason for publishing despite too little evidence."), "error")
        return back
    try:
        release_id = publish(
            job_id,
            current_user.actor,
            current_user.user_id,
            form.title.data,
            form.note.data,
            form.period_from.data,
            form.period_to.data,
            override_reason=reason,
            respond_days=form.respond_days.data,
        )
    except LookupError:
        abort(404)
    except ValueError as exc:
        flash(str(exc), "error")
        return back
    flash(_("Release %(id)s published.", id=release_id), "ok")
    return redirect(url_for("releases.show", release_id=release_id))
