"""Metadata of a published release for Satu Data Indonesia: ISO 19139 XML and a CKAN record.

The Indonesian geospatial metadata profile (SNI 8843-1) is the ISO 19115 core; this module
writes it as ISO 19139 XML (``gmd``/``gco``) and as a package dict for CKAN's
``package_create``. Everything comes from what the system knows (the release, its products,
its village verdicts, the job's inputs), never typed by hand. The responsible office and the
licence come from the app config: ``METADATA_ORGANISATION``, ``METADATA_EMAIL``,
``METADATA_OWNER_ORG`` (the portal's organisation), ``METADATA_LICENCE`` (an SPDX id).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import current_app
from lxml import etree
from sqlalchemy import select

from analysis.project import utm_crs
from server.db import session_scope
from server.models import MAX_ID, Release, ReleaseProduct, Upload, VillageVerdict
from server.regions import current_regions
from server.releases import release_file

__all__ = [
    "DEFAULT_ORGANISATION",
    "NS",
    "PUBLIC_FILES",
    "ReleaseMetadata",
    "ckan_package",
    "iso19139_xml",
    "release_metadata",
]

DEFAULT_ORGANISATION = "Dinas Komunikasi, Informatika dan Statistik Provinsi Sumatera Barat"
NS = {
    "gmd": "http://www.isotc211.org/2005/gmd",
    "gco": "http://www.isotc211.org/2005/gco",
    "gml": "http://www.opengis.net/gml/3.2",
    "xlink": "http://www.w3.org/1999/xlink",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
_SCHEMA_LOCATION = (
    "http://www.isotc211.org/2005/gmd http://schemas.opengis.net/iso/19139/20070417/gmd/gmd.xsd"
)
_CODELISTS = "http://standards.iso.org/iso/19139/resources/gmxCodelists.xml"
# SPDX id -> (CKAN's licence id, title, URL)
_LICENCES = {
    "CC-BY-4.0": (
        "cc-by",
        "Creative Commons Attribution 4.0 International (CC BY 4.0)",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "CC-BY-SA-4.0": (
        "cc-by-sa",
        "Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "CC0-1.0": (
        "cc-zero",
        "Creative Commons CC0 1.0 Universal",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
    "ODbL-1.0": (
        "odc-odbl",
        "Open Data Commons Open Database License (ODbL) 1.0",
        "https://opendatacommons.org/licenses/odbl/1-0/",
    ),
}
# Product files without raw readings (no positions, device ids or officers): the ones an
# open-data portal may list. measurements.csv, map.html and products.kmz hold readings.
PUBLIC_FILES = (
    "villages.csv",
    "villages.geojson",
    "villages_kecamatan.csv",
    "villages_kabkota.csv",
    "hexagons.geojson",
    "blankspots.geojson",
    "blankspots_doubtful.geojson",
    "blankspots.csv",
    "coverage_wgs84.tif",
    "classes_wgs84.tif",
    "preview.png",
)
_FORMATS = {".csv": "CSV", ".geojson": "GeoJSON", ".tif": "GeoTIFF", ".png": "PNG"}
_TECH_WORDS = {"LTE": "4G", "NR": "5G", "WCDMA": "3G", "GSM": "2G"}


@dataclass(frozen=True)
class ReleaseMetadata:
    """What the metadata of one release says, in both formats."""

    release_id: int
    identifier: str
    title: str
    abstract: str
    published_at: datetime
    period_from: date
    period_to: date
    organisation: str
    email: str | None
    licence: str  # SPDX id
    keywords: tuple[str, ...]
    bbox: tuple[float, float, float, float]  # west, south, east, north
    reference_systems: tuple[str, ...]  # EPSG:4326 and the products' UTM zones
    lineage: str
    readings: int
    devices: int
    villages: int
    products: tuple[dict[str, Any], ...]  # product, operator, tech, method, rmse_db, files
    base_url: str | None

    @property
    def licence_info(self) -> tuple[str, str, str]:
        """CKAN's licence id, the licence's title and URL."""
        return _LICENCES.get(self.licence, (self.licence.lower(), self.licence, ""))


def release_metadata(release_id: int) -> ReleaseMetadata:
    """The metadata of a published release; ``LookupError`` if there is none such (a
    withdrawn release is no longer open data). Needs an app context."""
    config = current_app.config
    with session_scope() as session:
        release = session.get(Release, release_id) if 0 < release_id <= MAX_ID else None
        if release is None:
            raise LookupError(f"no release {release_id}")
        if release.state != "published":
            raise LookupError(f"release {release_id} was withdrawn; it has no open metadata")
        products = list(release.products)
        uploads = [str(u) for u in (release.inputs or {}).get("uploads") or []]
        devices = _devices(session, uploads)
        codes = set(
            session.scalars(
                select(VillageVerdict.village_code)
                .where(VillageVerdict.release_id == release_id)
                .distinct()
            )
        )
        session.expunge_all()
    bbox = _bbox(codes, config.get("REGION_BBOX"))
    systems = ["EPSG:4326", *sorted({_product_crs(release, p, bbox) for p in products})]
    readings = int((release.inputs or {}).get("readings") or 0)
    items = tuple(_product_item(p) for p in products)
    return ReleaseMetadata(
        release_id=release.id,
        identifier=str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"petasinyal:release:{release.id}:{release.fingerprint}")
        ),
        title=release.title,
        abstract=_abstract(release, items, len(codes)),
        published_at=release.published_at,
        period_from=release.period_from,
        period_to=release.period_to,
        organisation=str(config.get("METADATA_ORGANISATION") or DEFAULT_ORGANISATION),
        email=config.get("METADATA_EMAIL") or None,
        licence=str(config.get("METADATA_LICENCE") or "CC-BY-4.0"),
        keywords=_keywords(items),
        bbox=bbox,
        reference_systems=tuple(systems),
        lineage=_lineage(release, items, readings, devices),
        readings=readings,
        devices=devices,
        villages=len(codes),
        products=items,
        base_url=(str(config.get("BASE_URL")).rstrip("/") if config.get("BASE_URL") else None),
    )


def _devices(session: Any, uploads: list[str]) -> int:
    found: set[int] = set()
    for start in range(0, len(uploads), 500):
        chunk = uploads[start : start + 500]
        found.update(session.scalars(select(Upload.device_id).where(Upload.id.in_(chunk))))
    return len(found)


def _bbox(codes: set[str], fallback: Any) -> tuple[float, float, float, float]:
    """The bounding box of the release's villages that have an outline (else the region's)."""
    regions = current_regions()
    shapes = [
        r.geometry for r in (regions.regions if regions else []) if r.code in codes and r.geometry
    ]
    if shapes:
        bounds = [g.bounds for g in shapes]
        west, south = min(b[0] for b in bounds), min(b[1] for b in bounds)
        east, north = max(b[2] for b in bounds), max(b[3] for b in bounds)
        return (round(west, 6), round(south, 6), round(east, 6), round(north, 6))
    west, south, east, north = (float(v) for v in (fallback or (98.5, -3.7, 102.0, 1.0)))
    return (west, south, east, north)


def _product_crs(release: Release, product: ReleaseProduct, bbox: tuple[float, ...]) -> str:
    """The UTM zone the product was gridded in (its report), else that of the extent."""
    path = release_file(release, product.product, "report.json")
    if path is not None:
        try:
            crs = json.loads(path.read_text(encoding="utf-8"))["inputs"]["crs"]
            if isinstance(crs, str) and re.fullmatch(r"EPSG:\d{4,5}", crs):
                return crs
        except (ValueError, KeyError, TypeError, OSError):
            pass
    zone = utm_crs((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2)
    return f"EPSG:{zone.to_epsg()}"


def _product_item(product: ReleaseProduct) -> dict[str, Any]:
    summary = product.summary or {}
    rmse = summary.get("rmse_db")
    return {
        "product": product.product,
        "operator": product.operator,
        "tech": product.tech,
        "method": str(summary.get("method") or "unknown"),
        "rmse_db": None if rmse is None else round(float(rmse), 2),
        "readings": int(summary.get("readings") or 0),
        "files": [f for f in product.files or [] if f.get("name") in PUBLIC_FILES],
    }


def _abstract(release: Release, items: tuple[dict[str, Any], ...], villages: int) -> str:
    products = ", ".join(f"{i['operator']} {i['tech']}" for i in items)
    text = (
        f"Peta kekuatan sinyal seluler dan blankspot ({products}) dari survei lapangan "
        f"petugas dinas, {release.period_from.isoformat()} s.d. "
        f"{release.period_to.isoformat()}: peta cakupan (GeoTIFF), poligon blankspot, "
        f"agregat heksagon H3 dan status sinyal per desa/kelurahan ({villages} desa, kode "
        "Kemendagri) dalam kelas Podes: sinyal kuat, sinyal lemah, tidak ada sinyal."
    )
    return f"{text} {release.note}" if release.note else text


def _keywords(items: tuple[dict[str, Any], ...]) -> tuple[str, ...]:
    words = ["sinyal seluler", "blankspot", "cakupan jaringan", "telekomunikasi", "desa"]
    words += ["Sumatera Barat", "Podes"]
    for item in items:
        words += [item["tech"], _TECH_WORDS.get(item["tech"], item["tech"]), item["operator"]]
    return tuple(dict.fromkeys(words))


def _lineage(
    release: Release, items: tuple[dict[str, Any], ...], readings: int, devices: int
) -> str:
    methods = "; ".join(
        f"{i['operator']} {i['tech']}: metode {i['method']}, galat validasi silang terblok "
        f"(RMSE) {i['rmse_db'] if i['rmse_db'] is not None else '-'} dB, {i['readings']} bacaan"
        for i in items
    )
    return (
        f"Bacaan sinyal dari {devices} perangkat petugas terdaftar, {readings} bacaan yang "
        f"disetujui peninjau, {release.period_from.isoformat()} s.d. "
        f"{release.period_to.isoformat()}. Bacaan tanpa layanan disensor pada batas bawah "
        "teknologi, posisi berulang direduksi dengan median blok 10 m, lalu diinterpolasi; "
        "metode dipilih dengan validasi silang terblok (blok 500 m). Sel lebih dari jarak "
        "maksimum dari bacaan mana pun tidak disurvei. " + methods + ". Sidik data (SHA-256 "
        f"id bacaan): {release.fingerprint}."
    )


# --- ISO 19139 --------------------------------------------------------------------------


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _el(parent: etree._Element, path: str, text: str | None = None) -> etree._Element:
    """Append the chain of elements ``a/b/c`` (creating each) and give the last ``text``."""
    node = parent
    for name in path.split("/"):
        node = etree.SubElement(node, _q(name))
    if text is not None:
        node.text = text
    return node


def _string(parent: etree._Element, path: str, text: str) -> None:
    _el(parent, f"{path}/gco:CharacterString", text)


def _code(parent: etree._Element, path: str, codelist: str, value: str) -> None:
    node = _el(parent, path)
    node.set("codeList", f"{_CODELISTS}#{codelist}")
    node.set("codeListValue", value)
    node.text = value


def _language(parent: etree._Element) -> None:
    node = _el(parent, "gmd:language/gmd:LanguageCode", "ind")
    node.set("codeList", "http://www.loc.gov/standards/iso639-2/")
    node.set("codeListValue", "ind")


def _party(parent: etree._Element, path: str, meta: ReleaseMetadata) -> None:
    party = _el(parent, f"{path}/gmd:CI_ResponsibleParty")
    _string(party, "gmd:organisationName", meta.organisation)
    contact = _el(party, "gmd:contactInfo/gmd:CI_Contact")
    address = _el(contact, "gmd:address/gmd:CI_Address")
    _string(address, "gmd:administrativeArea", "Sumatera Barat")
    _string(address, "gmd:country", "Indonesia")
    if meta.email:
        _string(address, "gmd:electronicMailAddress", meta.email)
    if meta.base_url:
        _el(contact, "gmd:onlineResource/gmd:CI_OnlineResource/gmd:linkage/gmd:URL", meta.base_url)
    _code(party, "gmd:role/gmd:CI_RoleCode", "CI_RoleCode", "pointOfContact")


def iso19139_xml(meta: ReleaseMetadata) -> bytes:
    """The release's metadata as an ISO 19139 ``gmd:MD_Metadata`` document (UTF-8)."""
    root = etree.Element(_q("gmd:MD_Metadata"), nsmap={k: v for k, v in NS.items()})
    root.set(_q("xsi:schemaLocation"), _SCHEMA_LOCATION)
    _string(root, "gmd:fileIdentifier", meta.identifier)
    _language(root)
    _code(root, "gmd:characterSet/gmd:MD_CharacterSetCode", "MD_CharacterSetCode", "utf8")
    _code(root, "gmd:hierarchyLevel/gmd:MD_ScopeCode", "MD_ScopeCode", "dataset")
    _party(root, "gmd:contact", meta)
    _el(root, "gmd:dateStamp/gco:DateTime", _stamp(meta.published_at))
    _string(root, "gmd:metadataStandardName", "ISO 19115:2003/19139 (SNI 8843-1)")
    _string(root, "gmd:metadataStandardVersion", "1.0")
    for code in meta.reference_systems:
        identifier = _el(
            root,
            "gmd:referenceSystemInfo/gmd:MD_ReferenceSystem/gmd:referenceSystemIdentifier"
            "/gmd:RS_Identifier",
        )
        _string(identifier, "gmd:code", code.split(":")[1])
        _string(identifier, "gmd:codeSpace", "EPSG")
    _identification(root, meta)
    _distribution(root, meta)
    quality = _el(root, "gmd:dataQualityInfo/gmd:DQ_DataQuality")
    _code(quality, "gmd:scope/gmd:DQ_Scope/gmd:level/gmd:MD_ScopeCode", "MD_ScopeCode", "dataset")
    lineage = _el(quality, "gmd:lineage/gmd:LI_Lineage")
    _string(lineage, "gmd:statement", meta.lineage)
    for item in meta.products:
        step = _el(lineage, "gmd:processStep/gmd:LI_ProcessStep")
        _string(
            step,
            "gmd:description",
            f"{item['operator']} {item['tech']}: {item['method']}, blocked cross-validation "
            f"RMSE {item['rmse_db'] if item['rmse_db'] is not None else '-'} dB, "
            f"{item['readings']} readings",
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _identification(root: etree._Element, meta: ReleaseMetadata) -> None:
    data = _el(root, "gmd:identificationInfo/gmd:MD_DataIdentification")
    citation = _el(data, "gmd:citation/gmd:CI_Citation")
    _string(citation, "gmd:title", meta.title)
    dated = _el(citation, "gmd:date/gmd:CI_Date")
    _el(dated, "gmd:date/gco:DateTime", _stamp(meta.published_at))
    _code(dated, "gmd:dateType/gmd:CI_DateTypeCode", "CI_DateTypeCode", "publication")
    _string(citation, "gmd:edition", f"rilis {meta.release_id}")
    _string(citation, "gmd:identifier/gmd:MD_Identifier/gmd:code", meta.identifier)
    _string(data, "gmd:abstract", meta.abstract)
    _code(data, "gmd:status/gmd:MD_ProgressCode", "MD_ProgressCode", "completed")
    _party(data, "gmd:pointOfContact", meta)
    keywords = _el(data, "gmd:descriptiveKeywords/gmd:MD_Keywords")
    for word in meta.keywords:
        _string(keywords, "gmd:keyword", word)
    _code(keywords, "gmd:type/gmd:MD_KeywordTypeCode", "MD_KeywordTypeCode", "theme")
    _, title, url = meta.licence_info
    legal = _el(data, "gmd:resourceConstraints/gmd:MD_LegalConstraints")
    _string(legal, "gmd:useLimitation", f"{title} {url}".strip())
    _code(legal, "gmd:useConstraints/gmd:MD_RestrictionCode", "MD_RestrictionCode", "license")
    _string(legal, "gmd:otherConstraints", f"{meta.licence}: {title} {url}".strip())
    _code(
        data,
        "gmd:spatialRepresentationType/gmd:MD_SpatialRepresentationTypeCode",
        "MD_SpatialRepresentationTypeCode",
        "grid",
    )
    _language(data)
    _code(data, "gmd:characterSet/gmd:MD_CharacterSetCode", "MD_CharacterSetCode", "utf8")
    _el(data, "gmd:topicCategory/gmd:MD_TopicCategoryCode", "utilitiesCommunication")
    extent = _el(data, "gmd:extent/gmd:EX_Extent")
    box = _el(extent, "gmd:geographicElement/gmd:EX_GeographicBoundingBox")
    west, south, east, north = meta.bbox
    for name, value in (
        ("westBoundLongitude", west),
        ("eastBoundLongitude", east),
        ("southBoundLatitude", south),
        ("northBoundLatitude", north),
    ):
        _el(box, f"gmd:{name}/gco:Decimal", repr(float(value)))
    period = _el(extent, "gmd:temporalElement/gmd:EX_TemporalExtent/gmd:extent/gml:TimePeriod")
    period.set(_q("gml:id"), f"periode-rilis-{meta.release_id}")
    _el(period, "gml:beginPosition", meta.period_from.isoformat())
    _el(period, "gml:endPosition", meta.period_to.isoformat())


def _distribution(root: etree._Element, meta: ReleaseMetadata) -> None:
    resources = _resources(meta)
    if not resources:
        return
    options = _el(root, "gmd:distributionInfo/gmd:MD_Distribution/gmd:transferOptions")
    digital = _el(options, "gmd:MD_DigitalTransferOptions")
    for resource in resources:
        online = _el(digital, "gmd:onLine/gmd:CI_OnlineResource")
        _el(online, "gmd:linkage/gmd:URL", resource["url"])
        _string(online, "gmd:name", resource["name"])
        _string(online, "gmd:description", resource["description"])


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- CKAN -------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _resources(meta: ReleaseMetadata) -> list[dict[str, Any]]:
    """The release's public files as CKAN resources (URL on this server when BASE_URL is
    set, else the file name for the portal's upload)."""
    out = []
    for item in meta.products:
        for entry in item["files"]:
            name = str(entry["name"])
            path = f"releases/{meta.release_id}/files/{item['product']}/{name}"
            suffix = name[name.rfind(".") :] if "." in name else ""
            out.append(
                {
                    "name": f"{item['product']} {name}",
                    "url": f"{meta.base_url}/{path}" if meta.base_url else name,
                    "format": _FORMATS.get(suffix, suffix.lstrip(".").upper()),
                    "description": f"{item['operator']} {item['tech']}, rilis {meta.release_id}",
                    "size": int(entry.get("bytes") or 0),
                    "hash": f"sha256:{entry.get('sha256', '')}",
                }
            )
    return out


def _extra(key: str, value: Any) -> dict[str, str]:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return {"key": key, "value": text}


def ckan_package(meta: ReleaseMetadata) -> dict[str, Any]:
    """The release as a dict for CKAN's ``package_create``: ``name`` (a unique slug),
    ``owner_org`` and everything a portal shows; extras carry the ISO fields."""
    licence_id, licence_title, licence_url = meta.licence_info
    west, south, east, north = meta.bbox
    polygon = {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }
    name = f"petasinyal-rilis-{meta.release_id}-{_slug(meta.title)}"[:100].rstrip("-")
    owner = current_app.config.get("METADATA_OWNER_ORG") or _slug(meta.organisation)[:100]
    return {
        "name": name,
        "title": meta.title,
        "notes": meta.abstract,
        "owner_org": owner,
        "private": False,
        "license_id": licence_id,
        "version": f"rilis-{meta.release_id}",
        "author": meta.organisation,
        "author_email": meta.email,
        "maintainer": meta.organisation,
        "maintainer_email": meta.email,
        "url": f"{meta.base_url}/releases/{meta.release_id}" if meta.base_url else None,
        "tags": [{"name": _tag(w)} for w in meta.keywords],
        "extras": [
            _extra("identifier", meta.identifier),
            _extra("spatial", polygon),
            _extra("temporal_start", meta.period_from.isoformat()),
            _extra("temporal_end", meta.period_to.isoformat()),
            _extra("issued", _stamp(meta.published_at)),
            _extra("language", "ind"),
            _extra("reference_system", ", ".join(meta.reference_systems)),
            _extra("lineage", meta.lineage),
            _extra("readings", str(meta.readings)),
            _extra("devices", str(meta.devices)),
            _extra("villages", str(meta.villages)),
            _extra("licence", f"{meta.licence} {licence_title} {licence_url}".strip()),
            _extra("metadata_standard", "ISO 19115:2003/19139 (SNI 8843-1)"),
            _extra(
                "methods",
                [{k: i[k] for k in ("product", "method", "rmse_db")} for i in meta.products],
            ),
        ],
        "resources": _resources(meta),
    }


def _tag(word: str) -> str:
    """A CKAN tag: letters, digits, spaces, ``-``, ``_`` and ``.``, 2 to 100 characters."""
    tag = re.sub(r"[^\w \-.]", " ", word).strip()[:100]
    return tag if len(tag) >= 2 else f"{tag}-"
