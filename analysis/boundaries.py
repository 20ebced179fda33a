"""Administrative boundaries with Kemendagri codes: GeoJSON, and the upstream SQL dumps."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import shapely
import shapely.errors
from shapely.geometry import MultiPolygon, Polygon, shape

__all__ = ["Region", "parent_codes", "read_boundaries", "read_sql_boundaries"]


@dataclass(slots=True)
class Region:
    """One village (or district, regency) with its official code, name and WGS84 polygon."""

    code: str
    name: str
    geometry: shapely.Geometry | None
    kec_code: str = ""
    kec_name: str = ""
    kab_code: str = ""
    kab_name: str = ""


def parent_codes(code: str) -> tuple[str, str]:
    """Kecamatan and kabupaten/kota codes of a dotted code ``PP.KK.CC.DDDD``."""
    parts = code.split(".")
    return ".".join(parts[:3]), ".".join(parts[:2])


def _valid(geometry: shapely.Geometry) -> shapely.Geometry:
    """Repair invalid polygons (nested shells in Mentawai) without losing area."""
    return geometry if geometry.is_valid else shapely.make_valid(geometry).buffer(0)


def read_boundaries(path: str | Path, villages_csv: str | Path | None = None) -> list[Region]:
    """Regions from a GeoJSON (``kode``/``nama`` or ``code``/``name`` properties) or SQL dump.

    With ``villages_csv`` (code list with parents), villages that have no polygon yet are
    included with ``geometry=None``, so that every official village gets a row. A file that
    holds no such regions raises ``ValueError`` saying what was expected.
    """
    path = Path(path)
    sql = path.suffix.lower() == ".sql"
    regions = read_sql_boundaries(path) if sql else _read_geojson(path)
    if not regions:
        raise ValueError(f"{path}: no region with a code (kode or code) and a geometry")
    if villages_csv:
        regions = _with_village_list(regions, Path(villages_csv))
    return regions


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a UTF-8 text file") from None


def _read_geojson(path: Path) -> list[Region]:
    try:
        data = json.loads(_text(path))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not GeoJSON ({exc})") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ValueError(f"{path}: not a GeoJSON FeatureCollection")
    regions = []
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        code = str(props.get("kode") or props.get("code") or "").strip()
        if not code or not feature.get("geometry"):
            continue
        try:
            geometry = _valid(shape(feature["geometry"]))
        except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.ShapelyError):
            raise ValueError(f"{path}: feature {number} ({code}) has no valid geometry") from None
        kec, kab = parent_codes(code)
        regions.append(
            Region(
                code,
                str(props.get("nama") or props.get("name") or code),
                geometry,
                str(props.get("kode_kec") or kec),
                str(props.get("nama_kec") or ""),
                str(props.get("kode_kabkota") or kab),
                str(props.get("nama_kabkota") or ""),
            )
        )
    return regions


_LIST_COLUMNS = ("kode", "nama")


def _with_village_list(regions: list[Region], path: Path) -> list[Region]:
    import csv

    known = {r.code for r in regions}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            if not set(_LIST_COLUMNS) <= set(columns):
                shown = ", ".join(columns[:8]) or "none"
                raise ValueError(
                    f"{path}: a village list needs the columns kode and nama (found: {shown})"
                )
            for row in reader:
                if row["kode"] and row["kode"] not in known:
                    regions.append(
                        Region(
                            row["kode"],
                            row["nama"] or "",
                            None,
                            row.get("kode_kec") or "",
                            row.get("nama_kec") or "",
                            row.get("kode_kabkota") or "",
                            row.get("nama_kabkota") or "",
                        )
                    )
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a UTF-8 text file") from None
    except csv.Error as exc:
        raise ValueError(f"{path}: unreadable CSV ({exc})") from None
    return sorted(regions, key=lambda r: r.code)


_ROW = re.compile(
    r"\(\s*'([^']*)'\s*,\s*'((?:[^'\\]|\\.|'')*)'\s*,\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)"
    r"\s*,\s*'(\[.*?\])'\s*\)",
    re.S,
)


def read_sql_boundaries(path: str | Path) -> list[Region]:
    """Regions from the upstream MySQL dumps: ``(kode, nama, lat, lng, path)`` rows where
    ``path`` is JSON of rings of ``[lat, lng]`` pairs (note the order)."""
    path = Path(path)
    regions = []
    for code, name, _lat, _lng, rings_text in _ROW.findall(_text(path)):
        try:
            rings = json.loads(rings_text)
            polygons = [
                Polygon([(lng, lat) for lat, lng in ring]) for ring in rings if len(ring) >= 3
            ]
            geometry = _valid(polygons[0] if len(polygons) == 1 else MultiPolygon(polygons))
        except (IndexError, TypeError, ValueError, shapely.errors.ShapelyError):
            raise ValueError(f"{path}: region {code} has no valid polygon") from None
        kec, kab = parent_codes(code)
        regions.append(
            Region(code, name.replace("''", "'").replace("\\'", "'"), geometry, kec, "", kab, "")
        )
    return regions
