"""The open-data export of a published release: what a Satu Data portal may publish.

Village verdicts (with the census category) and H3 hexagon aggregates per operator and
technology, the ISO 19139 metadata and the CKAN record, and a manifest with SHA-256 of each
file. Nothing in it names an officer or a device, and no reading's position is in it: a
village is located by a point inside its official outline, a hexagon by its H3 cell.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from analysis.classes import DEFAULT_THRESHOLDS, Thresholds
from analysis.hexagons import hexagon_boundary, hexagon_table
from analysis.prepare import reading_points
from analysis.project import utm_crs
from server.db import session_scope
from server.metadata import ckan_package, iso19139_xml, release_metadata
from server.models import MAX_ID, Measurement, Release, ReleaseProduct, VillageVerdict
from server.regions import current_regions
from server.releases import release_file
from server.reports import Area, category, release_medians

__all__ = ["HEXAGON_FIELDS", "VILLAGE_FIELDS", "write_opendata"]

VILLAGE_FIELDS = [
    "village_code",
    "village",
    "kecamatan",
    "kabkota",
    "operator",
    "tech",
    "verdict",
    "category",
    "median_dbm",
    "readings",
    "no_service",
    "fixes",
    "officers",
    "first_day",
    "last_day",
    "surveyed_share",
    "strong_share",
    "weak_share",
    "none_share",
    "rmse_db",
    "reason",
]
HEXAGON_FIELDS = [
    "h3",
    "operator",
    "tech",
    "samples",
    "median_dbm",
    "p10_dbm",
    "class",
    "no_service_share",
    "days",
]


def write_opendata(
    release_id: int, out: Path, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> dict[str, Any]:
    """Write the export of a published release into the folder ``out`` (created, must be
    empty); its manifest. ``LookupError`` for an unknown or withdrawn release."""
    meta = release_metadata(release_id)  # refuses unknown and withdrawn releases first
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not an empty folder")
    out.mkdir(parents=True, exist_ok=True)
    with session_scope() as session:
        release = session.get(Release, release_id) if 0 < release_id <= MAX_ID else None
        assert release is not None
        products = list(release.products)
        medians = release_medians(session, release, products, Area())
        verdicts = list(
            session.scalars(
                select(VillageVerdict)
                .where(VillageVerdict.release_id == release_id)
                .order_by(VillageVerdict.village_code, VillageVerdict.operator, VillageVerdict.tech)
            )
        )
        hexagons = [_hexagons(session, release, p) for p in products]
        session.expunge_all()
    rows = [_village_row(v, medians, products, thresholds) for v in verdicts]
    _write_csv(out / "villages.csv", VILLAGE_FIELDS, rows)
    _write_json(out / "villages.geojson", _village_points(rows))
    hexagon_rows = [row for table in hexagons for row in table]
    _write_csv(out / "hexagons.csv", HEXAGON_FIELDS, hexagon_rows)
    _write_json(out / "hexagons.geojson", _hexagon_features(hexagon_rows))
    (out / "metadata.xml").write_bytes(iso19139_xml(meta))
    _write_json(out / "ckan.json", ckan_package(meta))
    manifest = {
        "release": release_id,
        "title": meta.title,
        "licence": meta.licence,
        "villages": len({r["village_code"] for r in rows}),
        "village_rows": len(rows),
        "hexagons": len(hexagon_rows),
        "files": [_entry(path) for path in sorted(out.iterdir())],
    }
    _write_json(out / "manifest.json", manifest)
    return manifest


def _village_row(
    verdict: VillageVerdict,
    medians: dict[str, dict[str, float]],
    products: list[ReleaseProduct],
    thresholds: Thresholds,
) -> dict[str, Any]:
    product = next(
        (p.product for p in products if (p.operator, p.tech) == (verdict.operator, verdict.tech)),
        "",
    )
    value = medians.get(product, {}).get(verdict.village_code)
    row: dict[str, Any] = {name: getattr(verdict, name, None) for name in VILLAGE_FIELDS}
    row["category"] = category(verdict.verdict, value, verdict.tech, thresholds)
    row["median_dbm"] = None if value is None else round(value, 1)
    row["first_day"] = verdict.first_day.isoformat() if verdict.first_day else None
    row["last_day"] = verdict.last_day.isoformat() if verdict.last_day else None
    return row


def _hexagons(session: Any, release: Release, product: ReleaseProduct) -> list[dict[str, Any]]:
    """The product's H3 aggregates: its frozen hexagons.geojson, else computed again from
    the job's readings the same way (analysis.hexagons)."""
    path = release_file(release, product.product, "hexagons.geojson")
    if path is not None:
        features = json.loads(path.read_text(encoding="utf-8")).get("features") or []
        rows = [f.get("properties") or {} for f in features]
    else:
        rows = _records(hexagon_table(_points(session, release, product), product.tech))
    return [
        {
            **{name: row.get(name) for name in HEXAGON_FIELDS},
            "operator": product.operator,
            "tech": product.tech,
        }
        for row in rows
        if row.get("h3")
    ]


def _points(session: Any, release: Release, product: ReleaseProduct) -> pd.DataFrame:
    mcc, mnc = product.operator.split("-", 1)
    uploads = [str(u) for u in (release.inputs or {}).get("uploads") or []]
    columns = ["tech", "lat", "lon", "observed_at", "rsrp_dbm", "rscp_dbm", "rssi_dbm"]
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(uploads), 500):
        found += session.execute(
            select(*[getattr(Measurement, c) for c in columns]).where(
                Measurement.upload_id.in_(uploads[start : start + 500]),
                Measurement.excluded.is_(False),
                Measurement.mcc == mcc,
                Measurement.mnc == mnc,
                Measurement.tech.in_([product.tech, "NONE"]),
            )
        ).all()
    frame = pd.DataFrame(found, columns=columns)
    if frame.empty:
        return pd.DataFrame(columns=["lat", "lon", "value", "no_service", "observed_at"])
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True)
    for name in ("rsrp_dbm", "rscp_dbm", "rssi_dbm"):
        frame[name] = frame[name].astype("float64")
    crs = utm_crs(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    return reading_points(frame, product.tech, crs)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        out.append({str(k): (None if _missing(v) else _plain(v)) for k, v in row.items()})
    return out


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _village_points(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One point feature per village (inside its official outline), its rows as
    properties per product; villages without an outline are left out of the GeoJSON."""
    regions = current_regions()
    by_code = {r.code: r for r in regions.regions} if regions else {}
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["village_code"], []).append(row)
    features = []
    for code, found in grouped.items():
        region = by_code.get(code)
        if region is None or region.geometry is None:
            continue
        point = region.geometry.point_on_surface()
        first = found[0]
        properties: dict[str, Any] = {
            "village_code": code,
            "village": first["village"],
            "kecamatan": first["kecamatan"],
            "kabkota": first["kabkota"],
        }
        for row in found:
            key = f"{row['operator']}_{row['tech']}"
            properties[f"{key}_category"] = row["category"]
            properties[f"{key}_readings"] = row["readings"]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(point.x, 6), round(point.y, 6)],
                },
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _hexagon_features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[round(x, 6), round(y, 6)] for x, y in hexagon_boundary(row["h3"])]
                    ],
                },
                "properties": row,
            }
            for row in rows
        ],
    }


def _write_csv(path: Path, fields: list[str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in fields})


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _entry(path: Path) -> dict[str, Any]:
    return {
        "name": path.name,
        "bytes": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
