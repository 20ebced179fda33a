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
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from server.audit import record
from server.db import session_scope
from server.job_messages import shown
from server.jobs import cancel_job, create_job
from server.models import MAX_ID, Campaign, Job, Network
from server.offices import code_in_region, current_scope, office_users, owns
from server.operators import operator_label
from server.products import (
    blankspot_rows,
    download_groups,
    download_name,
    product_archive,
    product_file_sizes,
    read_report,
    safe_file,
    village_rows,
    visible_results,
)
from server.regions import current_regions
from server.web.access import roles_required
from server.web.forms import ActionForm, JobForm, options
from server.web.labels import job_state
from server.web.listing import page_of
from server.web.release_forms import publishing

__all__ = ["bp", "job_form"]

bp = Blueprint("jobs", __name__)
# for the job and release pages: a job's message in words, a download list, a file's size
bp.add_app_template_global(shown, "job_message")
bp.add_app_template_global(download_groups, "download_groups")


@bp.app_template_filter("filesize")
def filesize(size: int | None) -> str:
    """``1.3 MB`` / ``45 kB`` (decimal units, as phones and file managers count), the
    number and its unit never on two lines."""
    if size is None:
        return ""
    if size < 1_000_000:
        return f"{format_decimal(max(size / 1000, 0.1), '#,##0.#')}\N{NO-BREAK SPACE}kB"
    return f"{format_decimal(size / 1_000_000, '#,##0.0')}\N{NO-BREAK SPACE}MB"


def _operators() -> list[str]:
    """Operators seen in the readings (noted at ingest, not a scan of every reading)."""
    with session_scope() as db:
        rows = db.execute(select(Network.mcc, Network.mnc)).all()
    return sorted(f"{mcc}-{mnc}" for mcc, mnc in rows)


def job_form() -> JobForm:
    """The job form with today's operators, campaigns and kabupaten as choices."""
    form = JobForm()
    form.operators.choices = options([(op, operator_label(op)) for op in _operators()])
    scope = current_scope()
    areas: list[tuple[str, str]] = [("all", _("Everything"))] if scope.province else []
    with session_scope() as db:
        for cid, name in db.execute(
            select(Campaign.id, Campaign.name)
            .where(office_users(scope, Campaign.office_id))
            .order_by(Campaign.name)
        ):
            areas.append((f"campaign:{cid}", _("Campaign: %(name)s", name=name)))
    regions = current_regions()
    kabupaten = regions.kabupaten() if regions else []
    if not scope.province and scope.code not in dict(kabupaten):
        kabupaten = [(scope.code, scope.name)]  # a kabupaten/kota office: its own region only
    for code, name in kabupaten:
        if code_in_region(code, scope):
            areas.append((f"kabupaten:{code}", f"{name} ({code})"))
    form.area.choices = options(areas)
    return form


def _visible_job(job_id: int) -> tuple[Job, list[dict[str, Any]]]:
    """The job and its results; 404 for an unknown job or another office's."""
    with session_scope() as db:
        job = db.get(Job, job_id) if 0 < job_id <= MAX_ID else None
        if job is None or not owns(job, current_scope()):
            abort(404)
        db.expunge(job)
    return job, visible_results(job, None)


@bp.get("/jobs")
@roles_required("admin")
def index() -> str:
    """All heatmap jobs, newest first; admins start new ones here."""
    with session_scope() as db:
        listing = page_of(
            db,
            select(Job).where(office_users(current_scope(), Job.office_id)).order_by(Job.id.desc()),
        )
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
                "files": product_file_sizes(job_id, name),
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


@bp.get("/jobs/<int:job_id>/cancel")
@roles_required("admin")
def confirm_cancel(job_id: int) -> str | Response:
    """Ask before stopping a job (the page's button leads here when scripts are off)."""
    job, _results = _visible_job(job_id)
    if job.state not in ("queued", "running"):
        return redirect(url_for("jobs.show", job_id=job_id))
    return render_template("jobs/cancel.html", job=job, action=ActionForm())


@bp.post("/jobs/<int:job_id>/cancel")
@roles_required("admin")
def cancel(job_id: int) -> Response:
    """Stop a job that is waiting or running, once the admin confirmed it."""
    if not ActionForm().validate_on_submit():
        abort(400)
    _visible_job(job_id)  # 404 for a job this admin cannot see
    if request.form.get("confirm") != "yes":
        return redirect(url_for("jobs.confirm_cancel", job_id=job_id))
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
    """Progress of a job, for the page's progress bar: the state's code and word, and the
    message in the page's language (``message_code``: as stored)."""
    job, _results = _visible_job(job_id)
    return {
        "state": job.state,
        "state_label": job_state(job.state),
        "progress": job.progress,
        "message": shown(job.message),
        "message_code": job.message,
    }


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
    return send_file(
        path,
        as_attachment=not inline,
        download_name=download_name(product, name, job_id=job_id),
        max_age=0,
    )


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
    return send_file(
        path,
        as_attachment=True,
        download_name=download_name(product, None, job_id=job_id),
        max_age=0,
    )
