"""Products for scripts: the latest maps and tables of the operators a token may see."""

from __future__ import annotations

from typing import Any

from flask import abort, g, send_file, url_for
from werkzeug.wrappers import Response

from server.api import api
from server.api.auth import token_required
from server.audit import record
from server.db import session_scope
from server.models import Job
from server.products import latest_products, product_files, safe_file, visible_results


def _scope() -> tuple[str, ...] | None:
    return None if g.api_user.role == "admin" else g.api_user.operators


@api.get("/products")
@token_required
def list_products() -> dict[str, Any]:
    """The newest product of each operator and technology this token may see."""
    items = []
    for product in latest_products(_scope()):
        job_id, name = product["job_id"], product["product"]
        items.append(
            {
                "job_id": job_id,
                "product": name,
                "operator": product["operator"],
                "tech": product["tech"],
                "area": product["area"],
                "finished_at": product["finished_at"].isoformat(),
                "method": product["method"],
                "rmse_db": product["rmse_db"],
                "readings": product["readings"],
                "blankspots": product["blankspots"],
                "villages": product["villages"],
                "files": {
                    f: url_for(
                        "api.product_file", job_id=job_id, product=name, name=f, _external=True
                    )
                    for f in product_files(job_id, name)
                },
            }
        )
    return {"products": items}


@api.get("/products/<int:job_id>/<product>/<name>")
@token_required
def product_file(job_id: int, product: str, name: str) -> Response:
    """One file of a product (GeoTIFF, GeoJSON, KMZ, CSV, map)."""
    with session_scope() as session:
        job = session.get(Job, job_id)
        if job is None or job.state != "done":
            abort(404)
        allowed = {r.get("product") for r in visible_results(job, _scope())}
        if product not in allowed:
            abort(404)
        path = safe_file(job_id, product, name)
        if path is None:
            abort(404)
        record(
            session,
            f"token:{g.api_user.username}",
            "download",
            f"job:{job_id}/{product}/{name}",
            None,
            None,
        )
    return send_file(path, as_attachment=True, download_name=name, max_age=0)
