"""Products for scripts: the latest published maps and tables of the operators a token may
see (admins: any finished job's files)."""

from __future__ import annotations

from typing import Any

from flask import abort, g, send_file, url_for
from werkzeug.wrappers import Response

from analysis.schema import text_problem
from server.api import api
from server.api.auth import token_required
from server.audit import record
from server.db import session_scope
from server.models import Job
from server.products import (
    latest_products,
    product_archive,
    published_product,
    safe_file,
    visible_results,
)


def _scope() -> tuple[str, ...] | None:
    return None if g.api_user.role == "admin" else g.api_user.operators


@api.get("/products")
@token_required
def list_products() -> dict[str, Any]:
    """The newest published product of each operator and technology this token may see."""
    items = []
    for product in latest_products(_scope()):
        job_id, name = product["job_id"], product["product"]
        items.append(
            {
                "job_id": job_id,
                "release_id": product["release_id"],
                "product": name,
                "operator": product["operator"],
                "tech": product["tech"],
                "area": product["area"].get("label") or product["area"].get("kind"),
                "finished_at": product["finished_at"].isoformat(),
                "method": product["method"],
                "rmse_db": product["rmse_db"],
                "lodo_rmse_db": product.get("lodo_rmse_db"),
                "readings": product["readings"],
                "blankspots": product["blankspots"],
                "villages": product["villages"],
                "archive": url_for("api.product_zip", job_id=job_id, product=name, _external=True),
                "files": {
                    f: url_for(
                        "api.product_file", job_id=job_id, product=name, name=f, _external=True
                    )
                    for f in product["files"]
                },
            }
        )
    return {"products": items}


_MAX_JOB_ID = 2**31 - 1  # the widest id both databases hold in an INTEGER column


def _allowed(job_id: int, product: str, what: str) -> None:
    """404 unless the token may see ``product`` of a job: admins any finished job's, others
    only a product of a published release of their operators. The download is audited."""
    # ``what`` goes into the audit log and onto the disk: no NUL (PostgreSQL and the file
    # system refuse it), and a job id the database can hold
    if not 0 < job_id <= _MAX_JOB_ID or text_problem(what):
        abort(404)
    if _scope() is not None and not published_product(job_id, product, _scope()):
        abort(404)
    with session_scope() as session:
        job = session.get(Job, job_id)
        if job is None or job.state != "done":
            abort(404)
        if product not in {r.get("product") for r in visible_results(job, _scope())}:
            abort(404)
        actor = f"token:{g.api_user.username}"
        record(session, actor, "download", f"job:{job_id}/{what}", None, None)


@api.get("/products/<int:job_id>/<product>/<path:name>")
@token_required
def product_file(job_id: int, product: str, name: str) -> Response:
    """One file of a product (GeoTIFF, GeoJSON, KMZ, CSV, map)."""
    _allowed(job_id, product, f"{product}/{name}")
    path = safe_file(job_id, product, name)
    if path is None:
        abort(404)
    return send_file(path, as_attachment=True, download_name=path.name, max_age=0)


@api.get("/products/<int:job_id>/<product>.zip")
@token_required
def product_zip(job_id: int, product: str) -> Response:
    """Every file of a product in one ZIP."""
    _allowed(job_id, product, f"{product}.zip")
    path = product_archive(job_id, product)
    if path is None:
        abort(404)
    return send_file(path, as_attachment=True, download_name=f"{product}.zip", max_age=0)
