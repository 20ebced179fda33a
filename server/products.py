"""The products of finished jobs as people and scripts see them: which ones a user may
see (providers: only products of published releases), the files of each, and the tables
shown on the job page. Used by the job and release pages, the provider portal and
``/api/v1/products``."""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select

from server.db import session_scope
from server.jobs import job_folder
from server.models import Job, Release, ReleaseProduct

__all__ = [
    "DOWNLOADS",
    "blankspot_rows",
    "latest_products",
    "product_archive",
    "product_files",
    "published_product",
    "read_report",
    "safe_file",
    "village_rows",
    "visible_results",
]

# The files of a product folder in the order people look for them.
DOWNLOADS = (
    "map.html",
    "classes_wgs84.tif",
    "coverage_wgs84.tif",
    "classes_utm.tif",
    "coverage_utm.tif",
    "products.kmz",
    "blankspots.geojson",
    "villages.geojson",
    "hexagons.geojson",
    "villages.csv",
    "villages_kecamatan.csv",
    "villages_kabkota.csv",
    "measurements.csv",
    "preview.png",
    "report.json",
)
VERDICT_ORDER = {"none": 0, "weak": 1, "strong": 2}


def visible_results(job: Job, operators: tuple[str, ...] | None) -> list[dict[str, Any]]:
    """The job's results a user may see: all of them, or those of ``operators``."""
    return [r for r in job.results or [] if operators is None or r.get("operator") in operators]


def product_files(job_id: int, product: str) -> list[str]:
    """Files of a product folder, the known ones first (with their metadata sidecars)."""
    folder = job_folder(job_id, product)
    if not folder.is_dir():
        return []
    present = {p.name for p in folder.iterdir() if p.is_file()}
    ordered = [name for name in DOWNLOADS if name in present]
    ordered += sorted(present - set(ordered) - {"classes_overlay.png"})
    return ordered


def read_report(job_id: int, product: str) -> dict[str, Any]:
    path = job_folder(job_id, product) / "report.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def village_rows(job_id: int, product: str, limit: int = 300) -> tuple[list[dict[str, str]], int]:
    """Villages with a verdict, the worst first (at most ``limit``), and how many villages
    have too little data for one (they are in the CSV, not on the page)."""
    path = job_folder(job_id, product) / "villages.csv"
    if not path.exists():
        return [], 0
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    judged = [r for r in rows if r["verdict"] in VERDICT_ORDER]  # not unsurveyed or too little
    judged.sort(key=lambda r: (VERDICT_ORDER.get(r["verdict"], 9), r["kode"]))
    return judged[:limit], len(rows) - len(judged)


def blankspot_rows(job_id: int, product: str, limit: int = 100) -> list[dict[str, Any]]:
    """The largest blankspots with their centre, area and readings."""
    path = job_folder(job_id, product) / "blankspots.geojson"
    if not path.exists():
        return []
    import shapely
    from shapely.geometry import shape

    features = json.loads(path.read_text(encoding="utf-8")).get("features", [])
    rows = []
    for feature in features:
        centre = shapely.point_on_surface(shape(feature["geometry"]))
        rows.append({**feature["properties"], "lat": centre.y, "lon": centre.x})
    rows.sort(key=lambda r: -float(r.get("area_km2") or 0))
    return rows[:limit]


def _published(
    scope: tuple[str, ...] | None,
) -> Select[ReleaseProduct, Release, datetime | None]:
    """Products of published (not withdrawn) releases, of ``scope``'s operators."""
    query = (
        select(ReleaseProduct, Release, Job.finished_at)
        .join(Release, Release.id == ReleaseProduct.release_id)
        .join(Job, Job.id == Release.job_id)
        .where(Release.state == "published")
    )
    return query if scope is None else query.where(ReleaseProduct.operator.in_(list(scope)))


def latest_products(operators: tuple[str, ...] | None) -> list[dict[str, Any]]:
    """The newest published product of each operator and technology a user may see: the
    job's result as frozen in the release, with the job and release it comes from."""
    newest = (
        func.row_number()
        .over(
            partition_by=ReleaseProduct.product,
            order_by=(Release.published_at.desc(), Release.id.desc()),
        )
        .label("rank")
    )
    ranked = _published(operators).with_only_columns(ReleaseProduct.id, newest).subquery()
    with session_scope() as session:
        rows = session.execute(
            _published(None)
            .join(ranked, ranked.c.id == ReleaseProduct.id)
            .where(ranked.c.rank == 1)
            .order_by(ReleaseProduct.product)
        ).all()
        return [
            {
                **item.summary,
                "product": item.product,
                "operator": item.operator,
                "tech": item.tech,
                "job_id": release.job_id,
                "release_id": release.id,
                "title": release.title,
                "published_at": release.published_at,
                "finished_at": finished_at,
                "area": release.area or {"kind": "all"},
                "files": [f["name"] for f in item.files or []],
            }
            for item, release, finished_at in rows
        ]


def published_product(job_id: int, product: str, operators: tuple[str, ...] | None) -> bool:
    """Whether ``product`` of job ``job_id`` is in a published release ``operators`` may see."""
    with session_scope() as session:
        found = session.scalar(
            _published(operators)
            .with_only_columns(ReleaseProduct.id)
            .where(Release.job_id == job_id, ReleaseProduct.product == product)
            .limit(1)
        )
    return found is not None


def safe_file(job_id: int, product: str, name: str) -> Path | None:
    """The file ``name`` of a product, or ``None`` if there is no such file inside the
    product's folder (``..`` and links out of it included)."""
    folder = job_folder(job_id, product).resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        return None
    return path


def product_archive(job_id: int, product: str) -> Path | None:
    """Every file of a product in one ZIP (made once; products never change)."""
    folder = job_folder(job_id, product)
    if not folder.is_dir():
        return None
    archive = job_folder(job_id) / f"{product}.zip"
    if not archive.exists():
        part = archive.with_suffix(".zip.part")
        with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zipped:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    zipped.write(path, f"{product}/{path.relative_to(folder)}")
        part.replace(archive)
    return archive
