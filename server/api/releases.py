"""Releases for scripts: the published (and withdrawn) releases a token may see, each with
its products, frozen files and village verdicts; every download is audited.

Another operator's release, an unknown id or an id no column can hold answers 404.
"""

from __future__ import annotations

from typing import Any

from flask import abort, g, send_file, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from analysis.schema import text_problem
from server.api import api
from server.api.auth import token_required
from server.audit import record
from server.db import session_scope
from server.models import Release, ReleaseProduct, VillageVerdict
from server.products import download_name, product_archive
from server.releases import Scope, release_file, release_products_for, visible_release
from server.web.releases import release_query

__all__ = ["release_summary", "verdict_row"]


def _scope() -> Scope:
    return None if g.api_user.role == "admin" else tuple(g.api_user.operators)


def _day(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def release_summary(release: Release, scope: Scope) -> dict[str, Any]:
    """The fields of a release a list shows (operators: those in ``scope``)."""
    operators = [op for op in release.operators if scope is None or op in scope]
    return {
        "id": release.id,
        "title": release.title,
        "note": release.note,
        "period_from": _day(release.period_from),
        "period_to": _day(release.period_to),
        "area": release.area.get("label") or release.area.get("kind") or "all",
        "tech": release.tech,
        "operators": operators,
        "state": release.state,
        "published_at": release.published_at.isoformat(),
        "respond_by": _day(release.respond_by),
        "withdrawn_at": _day(release.withdrawn_at),
        "withdraw_reason": release.withdraw_reason,
        "fingerprint": release.fingerprint,
        "url": url_for("api.get_release", release_id=release.id, _external=True),
    }


def verdict_row(v: VillageVerdict) -> dict[str, Any]:
    """One village's verdict with its evidence."""
    return {
        "village_code": v.village_code,
        "village": v.village,
        "kecamatan": v.kecamatan,
        "kabkota": v.kabkota,
        "verdict": v.verdict,
        "reason": v.reason,
        "readings": v.readings,
        "no_service": v.no_service,
        "fixes": v.fixes,
        "officers": v.officers,
        "first_day": _day(v.first_day),
        "last_day": _day(v.last_day),
        "surveyed_share": v.surveyed_share,
        "strong_share": v.strong_share,
        "weak_share": v.weak_share,
        "none_share": v.none_share,
        "rmse_db": v.rmse_db,
    }


@api.get("/releases")
@token_required
def list_releases() -> dict[str, Any]:
    """Every release this token may see, newest first, with its state."""
    scope = _scope()
    with session_scope() as session:
        releases = session.scalars(release_query(scope)).all()
        return {"releases": [release_summary(r, scope) for r in releases]}


def _product(release: Release, item: ReleaseProduct) -> dict[str, Any]:
    with session_scope() as session:
        villages = session.scalars(
            select(VillageVerdict)
            .where(
                VillageVerdict.release_id == release.id,
                VillageVerdict.operator == item.operator,
                VillageVerdict.tech == item.tech,
            )
            .order_by(VillageVerdict.village_code)
        ).all()
        rows = [verdict_row(v) for v in villages]
    return {
        "product": item.product,
        "operator": item.operator,
        "tech": item.tech,
        "summary": item.summary,
        "archive": url_for(
            "api.release_zip", release_id=release.id, product=item.product, _external=True
        ),
        "files": [
            {
                **f,
                "url": url_for(
                    "api.release_download",
                    release_id=release.id,
                    product=item.product,
                    name=f["name"],
                    _external=True,
                ),
            }
            for f in item.files
        ],
        "villages": rows,
    }


@api.get("/releases/<int:release_id>")
@token_required
def get_release(release_id: int) -> dict[str, Any]:
    """One release: its products in scope with their files, summaries and village verdicts."""
    scope = _scope()
    release = visible_release(release_id, scope)
    if release is None:
        abort(404)
    return {
        **release_summary(release, scope),
        "products": [_product(release, p) for p in release_products_for(release, scope)],
    }


def _allowed(release_id: int, product: str, what: str) -> Release:
    """The release if the token may see ``product`` of it; 404 otherwise."""
    if text_problem(product) or text_problem(what):
        abort(404)
    release = visible_release(release_id, _scope())
    if release is None or product not in {
        p.product for p in release_products_for(release, _scope())
    }:
        abort(404)
    return release


def _audited(release_id: int, what: str) -> None:
    with session_scope() as session:
        actor = f"token:{g.api_user.username}"
        record(session, actor, "download", f"release:{release_id}/{what}", None, None)


@api.get("/releases/<int:release_id>/files/<product>/<path:name>")
@token_required
def release_download(release_id: int, product: str, name: str) -> Response:
    """One frozen file of a product of a release."""
    release = _allowed(release_id, product, f"{product}/{name}")
    path = release_file(release, product, name)
    if path is None:
        abort(404)
    _audited(release_id, f"{product}/{name}")
    saved_as = download_name(product, name, release_id=release_id)  # operator, tech, release
    return send_file(path, as_attachment=True, download_name=saved_as, max_age=0)


@api.get("/releases/<int:release_id>/files/<product>.zip")
@token_required
def release_zip(release_id: int, product: str) -> Response:
    """Every file of a product of a release in one ZIP."""
    release = _allowed(release_id, product, f"{product}.zip")
    path = product_archive(release.job_id, product)
    if path is None:
        abort(404)
    _audited(release_id, f"{product}.zip")
    saved_as = download_name(product, None, release_id=release_id)
    return send_file(path, as_attachment=True, download_name=saved_as, max_age=0)
