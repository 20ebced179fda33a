"""Change between two releases of one product, computed once and kept on disk.

Releases are frozen, so a comparison never goes stale: it is written once into
``JOBS_DIR/changes/<older id>-<newer id>/<product>/`` (built in a private folder and renamed
into place, so two requests at once never see half a comparison) and read back after that.
Who may compare what is the callers' business: :func:`comparison` answers ``None`` for
anything the scope may not see.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from analysis.changes import (
    FILES,
    Changes,
    ProductFiles,
    compare_products,
    load_changes,
)
from analysis.schema import text_problem
from server.db import session_scope
from server.jobs import jobs_dir
from server.models import Release, ReleaseProduct, VillageVerdict
from server.releases import (
    Scope,
    previous_release,
    release_file,
    release_products_for,
    visible_release,
)

__all__ = [
    "Comparison",
    "chosen_product",
    "comparable_releases",
    "compare",
    "comparison",
    "query_arguments",
    "release_changes",
    "verdict_table",
]


_ID = re.compile(r"[0-9]{1,10}")


def query_arguments(
    against: str | None, product: str | None
) -> tuple[int | None, str | None] | None:
    """``against`` (a release id) and ``product`` as given in a query string, empty meaning
    the default; ``None`` for values no release or product can have."""
    if against and not _ID.fullmatch(against):
        return None
    if product and (len(product) > 32 or text_problem(product)):
        return None
    return (int(against) if against else None), (product or None)


def _ordered(one: Release, other: Release) -> tuple[Release, Release]:
    """(older, newer) by publish time, then id."""
    return (
        (one, other)
        if (one.published_at, one.id) < (other.published_at, other.id)
        else (
            other,
            one,
        )
    )


def _label(release: Release) -> str:
    return f"release {release.id} ({release.title})"


def verdict_table(release_id: int, operator: str, tech: str) -> pd.DataFrame:
    """The frozen village verdicts of one product of a release, in the columns
    :func:`analysis.changes.village_changes` reads."""
    with session_scope() as session:
        rows = session.execute(
            select(
                VillageVerdict.village_code,
                VillageVerdict.village,
                VillageVerdict.kecamatan,
                VillageVerdict.kabkota,
                VillageVerdict.verdict,
                VillageVerdict.readings,
            ).where(
                VillageVerdict.release_id == release_id,
                VillageVerdict.operator == operator,
                VillageVerdict.tech == tech,
            )
        ).all()
    columns = ["kode", "nama", "nama_kec", "nama_kabkota", "verdict", "samples"]
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def _files(release: Release, product: str) -> ProductFiles:
    def frozen(name: str) -> Path | None:
        return release_file(release, product, name)

    return ProductFiles(
        frozen("coverage_wgs84.tif"), frozen("blankspots.geojson"), frozen("villages.geojson")
    )


def release_changes(new: Release, old: Release, product: str) -> Changes:
    """The change of ``product`` from release ``old`` to ``new`` (computed on first use).

    Raises ``LookupError`` when the product is not in both releases.
    """
    items = [next((p for p in r.products if p.product == product), None) for r in (old, new)]
    if items[0] is None or items[1] is None:
        raise LookupError(f"{product} is not in both releases")
    item = items[1]
    folder = jobs_dir() / "changes" / f"{old.id}-{new.id}" / item.product
    if (folder / FILES["summary"]).is_file():
        return load_changes(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = folder.parent / f".{item.product}.{uuid.uuid4().hex}.part"
    try:
        compare_products(
            _files(old, product),
            _files(new, product),
            verdict_table(old.id, item.operator, item.tech),
            verdict_table(new.id, item.operator, item.tech),
            building,
            item.operator,
            item.tech,
            _label(old),
            _label(new),
        )
        try:
            os.rename(building, folder)
        except OSError:
            # another request finished the same comparison first: theirs is as good as ours
            if not (folder / FILES["summary"]).is_file():
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return load_changes(folder)


@dataclass(frozen=True)
class Comparison:
    """A release, the product compared, the release it is compared with, and the changes."""

    release: Release
    product: ReleaseProduct
    against: Release
    old: Release
    new: Release
    changes: Changes
    choices: list[Release]  # the other published releases with the product, newest first,
    # after ``against`` when it is withdrawn


def comparable_releases(release: Release, product: str) -> list[Release]:
    """Other published releases (and ``release`` itself excluded) with ``product``, newest
    first, detached with their products."""
    with session_scope() as session:
        found = list(
            session.scalars(
                select(Release)
                .join(ReleaseProduct, ReleaseProduct.release_id == Release.id)
                .where(
                    ReleaseProduct.product == product,
                    Release.state == "published",
                    Release.id != release.id,
                )
                .order_by(Release.published_at.desc(), Release.id.desc())
                .options(selectinload(Release.products))
            )
        )
        session.expunge_all()
    return found


def chosen_product(
    release_id: int, scope: Scope, product: str | None = None
) -> tuple[Release, ReleaseProduct] | None:
    """The release and its ``product`` (default: the first ``scope`` may see), or ``None``
    when the scope may not see the release or that product of it."""
    release = visible_release(release_id, scope)
    if release is None:
        return None
    mine = release_products_for(release, scope)
    item = next((p for p in mine if product in (None, p.product)), None)
    return None if item is None else (release, item)


def compare(
    release: Release, item: ReleaseProduct, scope: Scope, against: int | None = None
) -> Comparison | None:
    """The change of ``item`` between ``release`` and ``against`` (default: the previous
    published release with the product); ``None`` when there is none, or ``scope`` may not
    see ``against`` or its product. ``item`` must be one :func:`chosen_product` gave."""
    if against is None:
        other = previous_release(release, item.product)
    elif against == release.id:
        other = None
    else:
        other = visible_release(against, scope)
    if other is None or item.product not in {p.product for p in other.products}:
        return None
    old, new = _ordered(release, other)
    changes = release_changes(new, old, item.product)
    choices = comparable_releases(release, item.product)
    if all(r.id != other.id for r in choices):  # a withdrawn one, asked for by id
        choices.insert(0, other)
    return Comparison(release, item, other, old, new, changes, choices)


def comparison(
    release_id: int, scope: Scope, against: int | None = None, product: str | None = None
) -> Comparison | None:
    """:func:`chosen_product` then :func:`compare`: ``None`` for anything out of scope."""
    chosen = chosen_product(release_id, scope, product)
    return None if chosen is None else compare(*chosen, scope, against)
