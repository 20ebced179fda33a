"""Change between releases for scripts: the summary, the villages whose verdict changed and
links to the CSV, GeoJSON and GeoTIFF (every download audited).

A release the token may not see, by id or by ``against``, answers 404, as does a release
with no earlier one of the product.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flask import abort, g, request, send_file, url_for
from werkzeug.wrappers import Response

from server.api import api
from server.api.auth import token_required
from server.audit import record
from server.changes import Comparison, comparison, query_arguments
from server.db import session_scope
from server.models import Release
from server.releases import Scope

__all__: list[str] = []

VILLAGE_FIELDS = (
    "kode",
    "nama",
    "nama_kec",
    "nama_kabkota",
    "old_verdict",
    "new_verdict",
    "change",
    "old_readings",
    "new_readings",
)


def _scope() -> Scope:
    return None if g.api_user.role == "admin" else tuple(g.api_user.operators)


def _comparison(release_id: int) -> Comparison:
    found = query_arguments(request.args.get("against"), request.args.get("product"))
    if found is None:
        abort(404)
    against, product = found
    c = comparison(release_id, _scope(), against, product)
    if c is None:
        abort(404)
    return c


def _release(release: Release) -> dict[str, Any]:
    return {
        "id": release.id,
        "title": release.title,
        "state": release.state,
        "published_at": release.published_at.isoformat(),
        "url": url_for("api.get_release", release_id=release.id, _external=True),
    }


def _village(row: dict[Hashable, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: row[k] for k in VILLAGE_FIELDS}
    out["old_verdict"] = out["old_verdict"] or None
    out["new_verdict"] = out["new_verdict"] or None
    out["old_readings"], out["new_readings"] = int(row["old_readings"]), int(row["new_readings"])
    return out


@api.get("/releases/<int:release_id>/changes")
@token_required
def get_changes(release_id: int) -> dict[str, Any]:
    """The change of one product between a release and the previous (or a chosen) one."""
    c = _comparison(release_id)
    query: dict[str, Any] = {"against": c.against.id, "product": c.product.product}
    summary = c.changes.summary()

    def link(endpoint: str, kind: str) -> str | None:
        if c.changes.path(kind) is None:
            return None
        return url_for(endpoint, release_id=release_id, **query, _external=True)

    return {
        "release": release_id,
        "against": c.against.id,
        "product": c.product.product,
        "operator": c.product.operator,
        "tech": c.product.tech,
        "old": _release(c.old),
        "new": _release(c.new),
        "villages": summary["villages"],
        "blankspot_km2": summary["blankspot_km2"],
        "signal": summary["signal"],
        "changed_villages": [_village(r) for r in c.changes.changed.to_dict("records")],
        "files": {
            "csv": link("api.changes_csv", "csv"),
            "geojson": link("api.changes_geojson", "geojson"),
            "geotiff": link("api.changes_geotiff", "tif"),
        },
    }


def _download(release_id: int, kind: str, suffix: str) -> Response:
    c = _comparison(release_id)
    path = c.changes.path(kind)
    if path is None:
        abort(404)
    name = f"changes-{c.old.id}-{c.new.id}-{c.product.product}.{suffix}"
    with session_scope() as session:
        actor = f"token:{g.api_user.username}"
        record(session, actor, "download", f"release:{release_id}/{name}", None, None)
    return send_file(path, as_attachment=True, download_name=name, max_age=0)


@api.get("/releases/<int:release_id>/changes/villages.csv")
@token_required
def changes_csv(release_id: int) -> Response:
    """Every village with its old and new verdict and the kind of change."""
    return _download(release_id, "csv", "csv")


@api.get("/releases/<int:release_id>/changes/blankspots.geojson")
@token_required
def changes_geojson(release_id: int) -> Response:
    """Blankspot area gained and lost between the two releases."""
    return _download(release_id, "geojson", "geojson")


@api.get("/releases/<int:release_id>/changes/signal.tif")
@token_required
def changes_geotiff(release_id: int) -> Response:
    """The signal difference in dB where both releases are surveyed (COG GeoTIFF)."""
    return _download(release_id, "tif", "tif")
