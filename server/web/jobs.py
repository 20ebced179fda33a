"""Heatmap jobs: start one, follow its progress, see and download its products, publish it.

A job's products are a draft: every page here is for admins. Providers see products only
once they are published as a release (``server.web.releases``).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from server.audit import record
from server.db import session_scope
from server.jobs import cancel_job, create_job
from server.models import MAX_ID, Campaign, Job, Network
from server.products import (
    blankspot_rows,
    product_archive,
    product_files,
    read_report,
    safe_file,
    village_rows,
    visible_results,
)
from server.regions import current_regions
from server.web.access import roles_required
from server.web.forms import ActionForm, JobForm, options
from server.web.listing import page_of
from server.web.release_forms import publishing

__all__ = ["bp", "job_form"]

bp = Blueprint("jobs", __name__)


def _operators() -> list[str]:
    """Operators seen in the readings (noted at ingest, not a scan of every reading)."""
    with session_scope() as db:
        rows = db.execute(select(Network.mcc, Network.mnc)).all()
    return sorted(f"{mcc}-{mnc}" for mcc, mnc in rows)


def job_form() -> JobForm:
    """The job form with today's operators, campaigns and kabupaten as choices."""
    form = JobForm()
    form.operators.choices = options([(op, op) for op in _operators()])
    areas: list[tuple[str, str]] = [("all", _("Everything"))]
    with session_scope() as db:
        for cid, name in db.execute(select(Campaign.id, Campaign.name).order_by(Campaign.name)):
            areas.append((f"campaign:{cid}", _("Campaign: %(name)s", name=name)))
    regions = current_regions()
    for code, name in regions.kabupaten() if regions else []:
        areas.append((f"kabupaten:{code}", f"{name} ({code})"))
    form.area.choices = options(areas)
    return form


def _visible_job(job_id: int) -> tuple[Job, list[dict[str, Any]]]:
    """The job and its results; 404 for an unknown job."""
    with session_scope() as db:
        job = db.get(Job, job_id) if 0 < job_id <= MAX_ID else None
        if job is None:
            abort(404)
        db.expunge(job)
    return job, visible_results(job, None)


@bp.get("/jobs")
@roles_required("admin")
def index() -> str:
    """All heatmap jobs, newest first; admins start new ones here."""
    with session_scope() as db:
        listing = page_of(db, select(Job).order_by(Job.id.desc()))
        db.expunge_all()
    return render_template("jobs/index.html", listing=listing, form=job_form())


@bp.post("/jobs")
@roles_required("admin")
def create() -> Response:
    """Queue a heatmap job."""
    form = job_form()
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            for error in errors:
                flash(f"{getattr(form, field).label.text}: {error}", "error")
        return redirect(url_for("jobs.index"))
    kind, _sep, value = form.area.data.partition(":")
    labels = {choice.value: str(choice.label) for choice in form.area.choices or []}
    area = {"kind": kind, "value": value, "label": labels[form.area.data]}
    try:
        job_id = create_job(
            current_user.actor,
            current_user.user_id,
            form.operators.data,
            form.tech.data,
            area,
            form.method.data,
            form.spacing.data,
        )
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("jobs.index"))
    worker = current_app.extensions.get("petasinyal.worker")
    if worker is not None:
        worker.wake.set()
    flash(_("Job %(id)s queued.", id=job_id), "ok")
    return redirect(url_for("jobs.show", job_id=job_id))


@bp.get("/jobs/<int:job_id>")
@roles_required("admin")
def show(job_id: int) -> str:
    """A job: its inputs and progress, then the map, tables and downloads of each product."""
    job, results = _visible_job(job_id)
    products: list[dict[str, Any]] = []
    for result in results:
        if "product" not in result:
            products.append({"result": result})
            continue
        name = result["product"]
        villages, village_rest = village_rows(job_id, name)
        products.append(
            {
                "result": result,
                "files": product_files(job_id, name),
                "report": read_report(job_id, name),
                "blankspots": blankspot_rows(job_id, name),
                "villages": villages,
                "village_rest": village_rest,
            }
        )
    return render_template(
        "jobs/show.html",
        job=job,
        products=products,
        operators=job.operators,
        action=ActionForm(),
        **publishing(job),
    )


@bp.post("/jobs/<int:job_id>/cancel")
@roles_required("admin")
def cancel(job_id: int) -> Response:
    """Stop a job that is waiting or running."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        stopped = cancel_job(job_id, current_user.actor)
    except LookupError:
        abort(404)
    if stopped:
        flash(_("Job %(id)s cancelled.", id=job_id), "ok")
    return redirect(url_for("jobs.show", job_id=job_id))


@bp.get("/jobs/<int:job_id>/status.json")
@roles_required("admin")
def status(job_id: int) -> dict[str, Any]:
    """Progress of a job, for the page's progress bar."""
    job, _results = _visible_job(job_id)
    return {"state": job.state, "progress": job.progress, "message": job.message}


@bp.get("/jobs/<int:job_id>/files/<product>/<path:name>")
@roles_required("admin")
def download(job_id: int, product: str, name: str) -> Response:
    """One file of a product (downloads are recorded in the audit log)."""
    _job, results = _visible_job(job_id)
    if product not in {r.get("product") for r in results}:
        abort(404)
    path = safe_file(job_id, product, name)
    if path is None:
        abort(404)
    inline = name.endswith((".html", ".png")) and request.args.get("download") != "1"
    if not inline:
        with session_scope() as db:
            record(db, current_user.actor, "download", f"job:{job_id}/{product}/{name}", None, None)
    g.product_file = True  # the folium map runs its own inline scripts
    return send_file(path, as_attachment=not inline, download_name=path.name, max_age=0)


@bp.get("/jobs/<int:job_id>/archive/<product>.zip")
@roles_required("admin")
def archive(job_id: int, product: str) -> Response:
    """Every file of a product in one ZIP."""
    _job, results = _visible_job(job_id)
    if product not in {r.get("product") for r in results}:
        abort(404)
    path = product_archive(job_id, product)
    if path is None:
        abort(404)
    with session_scope() as db:
        record(db, current_user.actor, "download", f"job:{job_id}/{product}.zip", None, None)
    return send_file(path, as_attachment=True, download_name=f"{product}.zip", max_age=0)
