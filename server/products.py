"""The products of finished jobs as people and scripts see them: which ones a user may
see (providers: only products of published releases), the files of each, and the tables
shown on the job page. Used by the job and release pages, the provider portal and
``/api/v1/products``."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from server.db import session_scope
from server.jobs import job_folder
from server.models import Job, Release, ReleaseProduct
from server.operators import operator_name

__all__ = [
    "DOWNLOADS",
    "FILE_GROUPS",
    "blankspot_rows",
    "download_groups",
    "download_name",
    "latest_products",
    "product_archive",
    "product_file_sizes",
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
    "peta_A4.pdf",
    "peta_A3.pdf",
    "bukti_desa.pdf",
    "preview.png",
    "products.kmz",
    "blankspots.geojson",
    "blankspots_doubtful.geojson",
    "villages.geojson",
    "hexagons.geojson",
    "classes_wgs84.tif",
    "coverage_wgs84.tif",
    "classes_utm.tif",
    "coverage_utm.tif",
    "villages.csv",
    "villages_kecamatan.csv",
    "villages_kabkota.csv",
    "blankspots.csv",
    "measurements.csv",
    "report.json",
)
VERDICT_ORDER = {"none": 0, "weak": 1, "strong": 2}

# The download list: groups in the order shown, and per file its group, title and what it is.
FILE_GROUPS = {
    "maps": _l("Maps to view and print"),
    "gis": _l("GIS data (QGIS, ArcGIS)"),
    "tables": _l("Tables (Excel, LibreOffice)"),
    "about": _l("How the maps were made"),
}
FILES: dict[str, tuple[str, Any, Any]] = {
    "map.html": (
        "maps",
        _l("Interactive map"),
        _l("Opens in a browser, also offline: coverage, blankspots, villages and readings."),
    ),
    "peta_A4.pdf": (
        "maps",
        _l("Printable map, A4"),
        _l("For printing: title, legend, scale bar, north arrow and sources."),
    ),
    "peta_A3.pdf": (
        "maps",
        _l("Printable map, A3"),
        _l("The same map on a larger sheet, for walls and meetings."),
    ),
    "bukti_desa.pdf": (
        "maps",
        _l("Village evidence sheets"),
        _l("A page per village with weak or no signal, for letters to the operator."),
    ),
    "preview.png": ("maps", _l("Map picture"), _l("One picture of the map for reports and chat.")),
    "products.kmz": (
        "maps",
        _l("Google Earth file"),
        _l("Coverage, blankspots and readings for Google Earth."),
    ),
    "blankspots.geojson": (
        "gis",
        _l("Blankspots"),
        _l("Areas without signal that the readings prove, as polygons."),
    ),
    "blankspots_doubtful.geojson": (
        "gis",
        _l("Doubtful blankspots"),
        _l("Areas that look without signal but have too few readings to be sure."),
    ),
    "villages.geojson": (
        "gis",
        _l("Villages with their verdict"),
        _l("Each village outline with its verdict, share surveyed and readings."),
    ),
    "hexagons.geojson": (
        "gis",
        _l("Readings per hexagon"),
        _l("The readings summed up per hexagon (H3 cells of about 0.1 km²)."),
    ),
    "classes_wgs84.tif": (
        "gis",
        _l("Coverage classes, latitude/longitude"),
        _l("Strong, weak or no signal per cell (GeoTIFF, WGS 84)."),
    ),
    "coverage_wgs84.tif": (
        "gis",
        _l("Signal strength, latitude/longitude"),
        _l("Interpolated signal in dBm per cell (GeoTIFF, WGS 84)."),
    ),
    "classes_utm.tif": (
        "gis",
        _l("Coverage classes, metres"),
        _l("Strong, weak or no signal per cell (GeoTIFF, UTM: for measuring areas)."),
    ),
    "coverage_utm.tif": (
        "gis",
        _l("Signal strength, metres"),
        _l("Interpolated signal in dBm per cell (GeoTIFF, UTM: for measuring areas)."),
    ),
    "villages.csv": (
        "tables",
        _l("Villages"),
        _l("Every village with its verdict, share surveyed and readings."),
    ),
    "villages_kecamatan.csv": (
        "tables",
        _l("Villages per kecamatan"),
        _l("How many villages of each verdict in each kecamatan."),
    ),
    "villages_kabkota.csv": (
        "tables",
        _l("Villages per kabupaten/kota"),
        _l("How many villages of each verdict in each kabupaten or kota."),
    ),
    "blankspots.csv": (
        "tables",
        _l("Blankspot list"),
        _l("Every blankspot and doubtful blankspot with its centre, area and readings."),
    ),
    "measurements.csv": (
        "tables",
        _l("Readings used"),
        _l("Every reading these maps were made from."),
    ),
    "report.json": (
        "about",
        _l("Technical report"),
        _l("Method, cross-validation and inputs, for checking the maps (JSON)."),
    ),
}
_KINDS = {  # a file not in FILES: its group and title by its extension
    ".pdf": ("maps", _l("Printable map")),
    ".png": ("maps", _l("Picture")),
    ".html": ("maps", _l("Web page")),
    ".geojson": ("gis", _l("GIS layer")),
    ".tif": ("gis", _l("Raster")),
    ".csv": ("tables", _l("Table")),
    ".xml": ("about", _l("Metadata")),
}
_FORMATS = {".tif": "GeoTIFF", ".geojson": "GeoJSON", ".json": "JSON", ".kmz": "KMZ"}


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


def product_file_sizes(job_id: int, product: str) -> list[dict[str, Any]]:
    """Name and size of each file of a product folder (as a release manifest lists them)."""
    folder = job_folder(job_id, product)
    return [
        {"name": name, "bytes": (folder / name).stat().st_size}
        for name in product_files(job_id, product)
    ]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def download_name(
    product: str, name: str | None, job_id: int | None = None, release_id: int | None = None
) -> str:
    """The name a downloaded file gets: who, what and from where, so the files of two
    operators or two releases never overwrite each other, e.g.
    ``petasinyal_telkomsel_510-10_LTE_rilis-3_blankspots.geojson`` (``name=None``: the ZIP)."""
    operator, _sep, tech = product.rpartition("-")
    who = _slug(operator_name(operator))
    parts = ["petasinyal", *([who] if who != operator else []), operator, tech]
    parts.append(f"rilis-{release_id}" if release_id is not None else f"tugas-{job_id}")
    stem = "_".join(parts)
    return f"{stem}_{PurePosixPath(name).name}" if name else f"{stem}.zip"


def _describe(name: str, size: int | None) -> dict[str, Any]:
    """A file of the download list: group, title, description, format and size."""
    suffix = PurePosixPath(name).suffix.lower()
    # a file not described (e.g. a new product) is told apart by its name
    group, title, about = FILES.get(name) or (*_KINDS.get(suffix, ("about", name)), name)
    return {
        "name": name,
        "group": group,
        "title": title,
        "about": about,
        "format": _FORMATS.get(suffix, suffix.lstrip(".").upper()),
        "bytes": size,
        "columns": None,
    }


def download_groups(files: list[dict[str, Any]]) -> list[tuple[Any, list[dict[str, Any]]]]:
    """``files`` (dicts with ``name``, ``bytes``, perhaps ``sha256``) as the download list
    shows them: in :data:`FILE_GROUPS` order, the known files in :data:`DOWNLOADS` order; a
    CSV's column descriptions (``x.csv.json``) go with the CSV, not on a line of their own."""
    by_name = {f["name"]: f for f in files}
    rows: dict[str, dict[str, Any]] = {}
    for name, file in by_name.items():
        if name.endswith(".csv.json") and name[:-5] in by_name:
            continue
        rows[name] = {**file, **_describe(name, file.get("bytes"))}
        if f"{name}.json" in by_name:
            rows[name]["columns"] = by_name[f"{name}.json"]
    order = {name: i for i, name in enumerate(DOWNLOADS)}
    listed = sorted(rows.values(), key=lambda r: (order.get(r["name"], len(order)), r["name"]))
    return [
        (title, [r for r in listed if r["group"] == key])
        for key, title in FILE_GROUPS.items()
        if any(r["group"] == key for r in listed)
    ]


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
                "file_list": list(item.files or []),  # names, sizes, digests: described
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
