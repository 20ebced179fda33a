"""Metadata of a published release: the ISO 19139 elements the profile requires (checked by
XPath: the ISO schema files are not available offline), the CKAN record with every field
``package_create`` needs, and the ``metadata`` command."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from lxml import etree

from server.metadata import NS, PUBLIC_FILES, ckan_package, iso19139_xml, release_metadata
from tests.analysis.test_cli_errors import assert_one_error, run
from tests.server.test_reports import seed

# (XPath, what it must hold): the ISO 19115 core of SNI 8843-1 the issue lists
REQUIRED = [
    ("/gmd:MD_Metadata/gmd:fileIdentifier/gco:CharacterString", r"[0-9a-f-]{36}"),
    ("/gmd:MD_Metadata/gmd:language/gmd:LanguageCode/@codeListValue", r"ind"),
    ("/gmd:MD_Metadata/gmd:characterSet/gmd:MD_CharacterSetCode/@codeListValue", r"utf8"),
    (
        "/gmd:MD_Metadata/gmd:contact/gmd:CI_ResponsibleParty/gmd:organisationName"
        "/gco:CharacterString",
        r"Dinas Komunikasi.*Sumatera Barat",
    ),
    (
        "/gmd:MD_Metadata/gmd:contact/gmd:CI_ResponsibleParty/gmd:role/gmd:CI_RoleCode"
        "/@codeListValue",
        r"pointOfContact",
    ),
    ("/gmd:MD_Metadata/gmd:dateStamp/gco:DateTime", r"2025-03-03T03:00:00Z"),
    (
        "/gmd:MD_Metadata/gmd:referenceSystemInfo/gmd:MD_ReferenceSystem"
        "/gmd:referenceSystemIdentifier/gmd:RS_Identifier/gmd:code/gco:CharacterString",
        r"4326",
    ),
    (
        "//gmd:MD_DataIdentification/gmd:citation/gmd:CI_Citation/gmd:title/gco:CharacterString",
        r"Survei sinyal Agam dan Bukittinggi 2",
    ),
    (
        "//gmd:CI_Citation/gmd:date/gmd:CI_Date/gmd:dateType/gmd:CI_DateTypeCode/@codeListValue",
        r"publication",
    ),
    ("//gmd:MD_DataIdentification/gmd:abstract/gco:CharacterString", r".*510-10 LTE.*"),
    (
        "//gmd:MD_DataIdentification/gmd:pointOfContact/gmd:CI_ResponsibleParty"
        "/gmd:organisationName/gco:CharacterString",
        r".+",
    ),
    (
        "//gmd:MD_DataIdentification/gmd:descriptiveKeywords/gmd:MD_Keywords/gmd:keyword"
        "/gco:CharacterString",
        r"sinyal seluler",
    ),
    (
        "//gmd:resourceConstraints/gmd:MD_LegalConstraints/gmd:useConstraints"
        "/gmd:MD_RestrictionCode/@codeListValue",
        r"license",
    ),
    (
        "//gmd:resourceConstraints/gmd:MD_LegalConstraints/gmd:otherConstraints"
        "/gco:CharacterString",
        r"CC-BY-4\.0: .*creativecommons\.org/licenses/by/4\.0/",
    ),
    ("//gmd:MD_DataIdentification/gmd:language/gmd:LanguageCode/@codeListValue", r"ind"),
    (
        "//gmd:MD_DataIdentification/gmd:topicCategory/gmd:MD_TopicCategoryCode",
        r"utilitiesCommunication",
    ),
    ("//gmd:EX_GeographicBoundingBox/gmd:westBoundLongitude/gco:Decimal", r"100\.3"),
    ("//gmd:EX_GeographicBoundingBox/gmd:eastBoundLongitude/gco:Decimal", r"100\.395"),
    ("//gmd:EX_GeographicBoundingBox/gmd:southBoundLatitude/gco:Decimal", r"-0\.32"),
    ("//gmd:EX_GeographicBoundingBox/gmd:northBoundLatitude/gco:Decimal", r"-0\.3"),
    ("//gmd:EX_TemporalExtent/gmd:extent/gml:TimePeriod/gml:beginPosition", r"2025-02-01"),
    ("//gmd:EX_TemporalExtent/gmd:extent/gml:TimePeriod/gml:endPosition", r"2025-02-28"),
    (
        "/gmd:MD_Metadata/gmd:dataQualityInfo/gmd:DQ_DataQuality/gmd:scope/gmd:DQ_Scope"
        "/gmd:level/gmd:MD_ScopeCode/@codeListValue",
        r"dataset",
    ),
    (
        "//gmd:DQ_DataQuality/gmd:lineage/gmd:LI_Lineage/gmd:statement/gco:CharacterString",
        r".*1 perangkat.*23 bacaan.*kriging.*6\.25 dB.*",
    ),
]
# children of MD_Metadata and MD_DataIdentification in the order of the ISO 19139 schema
METADATA_ORDER = [
    "fileIdentifier",
    "language",
    "characterSet",
    "hierarchyLevel",
    "contact",
    "dateStamp",
    "metadataStandardName",
    "metadataStandardVersion",
    "referenceSystemInfo",
    "identificationInfo",
    "distributionInfo",
    "dataQualityInfo",
]
IDENTIFICATION_ORDER = [
    "citation",
    "abstract",
    "status",
    "pointOfContact",
    "descriptiveKeywords",
    "resourceConstraints",
    "spatialRepresentationType",
    "language",
    "characterSet",
    "topicCategory",
    "extent",
]


@pytest.fixture
def seeded(app: Flask, tmp_path: Path) -> dict[str, Any]:
    return seed(app, tmp_path)


def _xml(app: Flask, release_id: int) -> etree._Element:
    with app.app_context():
        data = iso19139_xml(release_metadata(release_id))
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return etree.fromstring(data)


def test_iso19139_required_elements(app: Flask, seeded: dict[str, Any]) -> None:
    root = _xml(app, seeded["releases"][2])
    missing = []
    for path, pattern in REQUIRED:
        found = root.xpath(path, namespaces=NS)
        texts = [str(f) if isinstance(f, str) else (f.text or "") for f in found]
        if not any(re.fullmatch(pattern, t, re.DOTALL) for t in texts):
            missing.append((path, pattern, texts))
    assert not missing


def test_iso19139_element_order_and_utm_zone(app: Flask, seeded: dict[str, Any]) -> None:
    root = _xml(app, seeded["releases"][2])
    local = [etree.QName(c).localname for c in root]
    # each element once or repeated side by side, in the schema's order
    runs = [n for i, n in enumerate(local) if i == 0 or local[i - 1] != n]
    assert runs == [n for n in METADATA_ORDER if n in local]
    data = root.find("gmd:identificationInfo/gmd:MD_DataIdentification", NS)
    assert data is not None
    names = [etree.QName(c).localname for c in data]
    assert [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n] == IDENTIFICATION_ORDER
    codes = root.xpath(
        "gmd:referenceSystemInfo//gmd:code/gco:CharacterString/text()", namespaces=NS
    )
    assert codes == ["4326", "32747"]  # Bukittinggi lies in UTM zone 47 south


def test_configured_office_and_licence(app: Flask, seeded: dict[str, Any]) -> None:
    app.config.update(
        METADATA_ORGANISATION="Diskominfo Kabupaten Agam",
        METADATA_EMAIL="data@agamkab.go.id",
        METADATA_LICENCE="CC0-1.0",
        BASE_URL="https://petasinyal.example.id/",
    )
    root = _xml(app, seeded["releases"][2])
    assert root.xpath("//gmd:organisationName/gco:CharacterString/text()", namespaces=NS)[0] == (
        "Diskominfo Kabupaten Agam"
    )
    mails = root.xpath("//gmd:electronicMailAddress/gco:CharacterString/text()", namespaces=NS)
    assert mails == ["data@agamkab.go.id", "data@agamkab.go.id"]
    assert "CC0-1.0" in "".join(root.xpath("//gmd:otherConstraints//text()", namespaces=NS))
    with app.app_context():
        package = ckan_package(release_metadata(seeded["releases"][2]))
    assert package["license_id"] == "cc-zero"
    assert package["url"] == f"https://petasinyal.example.id/releases/{seeded['releases'][2]}"


def test_ckan_record_has_what_package_create_needs(app: Flask, seeded: dict[str, Any]) -> None:
    with app.app_context():
        package = ckan_package(release_metadata(seeded["releases"][2]))
    json.dumps(package)  # plain JSON
    assert re.fullmatch(r"[a-z0-9_-]{2,100}", package["name"])
    assert package["name"].startswith(f"petasinyal-rilis-{seeded['releases'][2]}-")
    assert package["owner_org"] and package["title"] and package["notes"]
    assert package["license_id"] == "cc-by"
    assert package["private"] is False
    for tag in package["tags"]:
        assert re.fullmatch(r"[\w .-]{2,100}", tag["name"])
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert all(isinstance(v, str) for v in extras.values())
    spatial = json.loads(extras["spatial"])
    assert spatial["type"] == "Polygon" and spatial["coordinates"][0][0] == [100.3, -0.32]
    assert (extras["temporal_start"], extras["temporal_end"]) == ("2025-02-01", "2025-02-28")
    assert "kriging" in extras["lineage"] and extras["devices"] == "1"
    assert extras["reference_system"] == "EPSG:4326, EPSG:32747"
    assert package["resources"] == []  # the seeded products have no files


def test_resources_are_only_files_without_readings(app: Flask, seeded: dict[str, Any]) -> None:
    from server.db import session_scope
    from server.models import ReleaseProduct

    names = ["villages.csv", "measurements.csv", "map.html", "products.kmz", "hexagons.geojson"]
    with app.app_context(), session_scope() as session:
        for product in session.query(ReleaseProduct).all():
            product.files = [{"name": n, "bytes": 10, "sha256": "0" * 64} for n in names]
    with app.app_context():
        package = ckan_package(release_metadata(seeded["releases"][2]))
    shown = {r["name"].split(" ", 1)[1] for r in package["resources"]}
    assert shown == {"villages.csv", "hexagons.geojson"} and shown <= set(PUBLIC_FILES)
    assert all(r["url"] and r["format"] in ("CSV", "GeoJSON") for r in package["resources"])


def test_withdrawn_and_unknown_releases_have_no_metadata(
    app: Flask, seeded: dict[str, Any]
) -> None:
    with app.app_context():
        with pytest.raises(LookupError, match="withdrawn"):
            release_metadata(seeded["releases"][3])
        with pytest.raises(LookupError, match="no release"):
            release_metadata(2**40)


def test_metadata_command(app: Flask, seeded: dict[str, Any], tmp_path: Path, db_url: str) -> None:
    release = str(seeded["releases"][2])
    out = tmp_path / "meta.xml"
    result = run(["metadata", release, "--format", "iso19139", "--out", str(out), "--db", db_url])
    assert result.code == 0, result
    assert etree.parse(str(out)).getroot().tag == f"{{{NS['gmd']}}}MD_Metadata"
    out = tmp_path / "ckan.json"
    result = run(["metadata", release, "--format", "ckan", "--out", str(out), "--db", db_url])
    assert result.code == 0, result
    assert json.loads(out.read_text(encoding="utf-8"))["title"].startswith("Survei sinyal")
    withdrawn = str(seeded["releases"][3])
    for argv, words in [
        ([release, "--format", "dcat", "--out", str(out)], ["dcat"]),
        (["x", "--format", "ckan", "--out", str(out)], ["whole number"]),
        ([withdrawn, "--format", "ckan", "--out", str(out)], ["withdrawn"]),
        (["77777", "--format", "ckan", "--out", str(out)], ["no release 77777"]),
        ([release, "--format", "ckan", "--out", str(tmp_path / "no" / "x.json")], []),
    ]:
        assert_one_error(run(["metadata", *argv, "--db", db_url]), *words)
