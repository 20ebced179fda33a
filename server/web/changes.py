"""Change between releases in the pages: villages whose verdict changed, blankspot area
gained and lost, and the signal difference on a map; CSV, GeoJSON and GeoTIFF downloads.

``/releases/<id>/changes`` compares a release with the previous one of the same product;
``?against=<id>&product=<MCC-MNC-TECH>`` chooses. Providers see their own operators'
products only; a release they may not see, by id or by ``against``, answers 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from server.audit import record
from server.changes import Comparison, chosen_product, compare, query_arguments
from server.db import session_scope
from server.web.access import roles_required
from server.web.releases import web_scope

__all__ = ["bp", "change_label"]

bp = Blueprint("changes", __name__)

TABLE_LIMIT = 500  # changed villages listed on the page (all of them in the CSV)


def change_label(kind: str) -> str:
    """A kind of village change, in words."""
    return {
        "new_blankspot": _("new blankspot"),
        "resolved": _("blankspot resolved"),
        "improved": _("improved"),
        "worse": _("worse"),
        "newly_surveyed": _("newly surveyed"),
        "no_longer_surveyed": _("no longer surveyed"),
        "unchanged": _("unchanged"),
    }.get(kind, kind)


def _arguments() -> tuple[int | None, str | None]:
    """``against`` and ``product`` from the query; 404 for values no release can have."""
    found = query_arguments(request.args.get("against"), request.args.get("product"))
    if found is None:
        abort(404)
    return found


def _comparison(release_id: int) -> Comparison:
    """The comparison the query asks for; 404 when out of scope or nothing to compare."""
    against, product = _arguments()
    scope = web_scope()
    chosen = chosen_product(release_id, scope, product)
    found = None if chosen is None else compare(*chosen, scope, against)
    if found is None:
        abort(404)
    return found


def _query(c: Comparison) -> dict[str, Any]:
    return {"against": c.against.id, "product": c.product.product}


@bp.get("/releases/<int:release_id>/changes")
@roles_required("admin", "provider")
def show(release_id: int) -> str:
    """The change of one product between a release and an earlier (or chosen) one."""
    against, product = _arguments()
    scope = web_scope()
    chosen = chosen_product(release_id, scope, product)
    if chosen is None:
        abort(404)
    release, item = chosen
    found = compare(release, item, scope, against)
    if found is None and against is not None:
        abort(404)
    mine = [p.product for p in release.products if scope is None or p.operator in scope]
    context: dict[str, Any] = {"release": release, "item": item, "products": mine, "c": found}
    if found is not None:
        changed = found.changes.changed
        context.update(
            changed=changed.head(TABLE_LIMIT).to_dict("records"),
            changed_count=len(changed),
            query=_query(found),
        )
    return render_template("changes/show.html", change_label=change_label, **context)


@bp.get("/releases/<int:release_id>/changes/map.json")
@roles_required("admin", "provider")
def map_data(release_id: int) -> dict[str, Any]:
    """What the page's map draws: blankspot area gained and lost, the changed villages and
    the signal difference overlay with its bounds."""
    c = _comparison(release_id)
    bounds = c.changes.overlay_bounds
    overlay = None
    if bounds is not None and c.changes.path("png") is not None:
        west, south, east, north = bounds
        overlay = {
            "url": url_for("changes.overlay", release_id=release_id, **_query(c)),
            "bounds": [[south, west], [north, east]],
        }
    labels = {kind: change_label(kind) for kind in c.changes.kinds}
    return {
        "blankspots": c.changes.blankspots,
        "villages": c.changes.changed_villages,
        "overlay": overlay,
        "labels": {
            **labels,
            "gained": _("area that became blankspot"),
            "lost": _("area no longer blankspot"),
        },
    }


@bp.get("/releases/<int:release_id>/changes.png")
@roles_required("admin", "provider")
def overlay(release_id: int) -> Response:
    """The signal difference as a coloured image for the map."""
    path = _comparison(release_id).changes.path("png")
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png", max_age=0)


def _download(release_id: int, kind: str, suffix: str) -> Response:
    """A stored file of the comparison as a download (recorded in the audit log)."""
    c = _comparison(release_id)
    path = c.changes.path(kind)
    if path is None:
        abort(404)
    name = f"changes-{c.old.id}-{c.new.id}-{c.product.product}.{suffix}"
    with session_scope() as db:
        record(db, current_user.actor, "download", f"release:{release_id}/{name}", None, None)
    return send_file(path, as_attachment=True, download_name=name, max_age=0)


@bp.get("/releases/<int:release_id>/changes.csv")
@roles_required("admin", "provider")
def csv(release_id: int) -> Response:
    """Every village with its old and new verdict and the kind of change."""
    return _download(release_id, "csv", "csv")


@bp.get("/releases/<int:release_id>/changes.geojson")
@roles_required("admin", "provider")
def geojson(release_id: int) -> Response:
    """Blankspot area gained and lost."""
    return _download(release_id, "geojson", "geojson")


@bp.get("/releases/<int:release_id>/changes.tif")
@roles_required("admin", "provider")
def geotiff(release_id: int) -> Response:
    """The signal difference (dB) where both releases are surveyed."""
    return _download(release_id, "tif", "tif")
