"""The open-data export: village verdicts with their census category, H3 hexagon aggregates
(frozen product file, or computed again from the job's readings), metadata and manifest;
nothing that names an officer or a device, and no reading's position."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import h3
import pytest
from flask import Flask
from sqlalchemy import select

from server.db import session_scope
from server.jobs import job_folder
from server.models import Measurement, Release, ReleaseProduct, Upload
from server.opendata import HEXAGON_FIELDS, VILLAGE_FIELDS, write_opendata
from tests.analysis.test_cli_errors import assert_one_error, run
from tests.server.test_reports import EXPECTED, RAW_LAT, RAW_LON_OFFSET, VERDICTS, seed


@pytest.fixture
def seeded(app: Flask, tmp_path: Path) -> dict[str, Any]:
    return seed(app, tmp_path)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_holds_the_verdicts_and_hexagons(
    app: Flask, seeded: dict[str, Any], tmp_path: Path
) -> None:
    release = seeded["releases"][2]
    with app.app_context():
        manifest = write_opendata(release, tmp_path / "open")
    folder = tmp_path / "open"
    names = {"villages.csv", "villages.geojson", "hexagons.csv", "hexagons.geojson"}
    names |= {"metadata.xml", "ckan.json", "manifest.json"}
    assert {p.name for p in folder.iterdir()} == names
    for entry in manifest["files"]:
        data = (folder / entry["name"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    villages = _csv(folder / "villages.csv")
    assert list(villages[0]) == VILLAGE_FIELDS
    assert {(r["village_code"], r["verdict"]) for r in villages} == set(
        VERDICTS[(2, "510-10-LTE")].items()
    )
    assert {r["village_code"]: r["category"] for r in villages} == {
        code: EXPECTED["510-10-LTE"][code] for code in VERDICTS[(2, "510-10-LTE")]
    }
    points = json.loads((folder / "villages.geojson").read_text(encoding="utf-8"))
    assert len(points["features"]) == 5  # the village without an outline has no point
    hexagons = _csv(folder / "hexagons.csv")
    assert list(hexagons[0]) == HEXAGON_FIELDS
    # 510-10 in the job's upload, not excluded: 3 + 3 readings and one without service
    assert sum(int(r["samples"]) for r in hexagons) == 7
    assert all(h3.is_valid_cell(r["h3"]) for r in hexagons)
    shapes = json.loads((folder / "hexagons.geojson").read_text(encoding="utf-8"))
    assert len(shapes["features"]) == len(hexagons)


def test_export_names_no_officer_device_or_position(
    app: Flask, seeded: dict[str, Any], tmp_path: Path
) -> None:
    with app.app_context():
        write_opendata(seeded["releases"][1], tmp_path / "open")
        with session_scope() as session:
            secrets = set(session.scalars(select(Measurement.id)))
            secrets |= set(session.scalars(select(Upload.id)))
    secrets |= {"ani-surveyor", "hp-ani-secret", "hp-secret-device", str(RAW_LAT)[1:]}
    secrets |= {f"{100.30 + RAW_LON_OFFSET:.6f}"[3:]}
    for path in (tmp_path / "open").iterdir():
        text = path.read_text(encoding="utf-8")
        assert not [s for s in secrets if s in text], path.name
        assert "device" not in text.lower() or path.name in ("metadata.xml", "ckan.json")


def test_frozen_hexagons_of_the_product_are_used(
    app: Flask, seeded: dict[str, Any], tmp_path: Path
) -> None:
    release_id = seeded["releases"][2]
    cell = h3.latlng_to_cell(-0.31, 100.35, 8)
    feature = {
        "type": "Feature",
        "geometry": None,
        "properties": {"h3": cell, "samples": 99, "median_dbm": -88.0, "class": "strong"},
    }
    with app.app_context(), session_scope() as session:
        release = session.get(Release, release_id)
        assert release is not None
        product = session.scalars(
            select(ReleaseProduct).where(ReleaseProduct.release_id == release_id)
        ).one()
        folder = job_folder(release.job_id, product.product)
        folder.mkdir(parents=True)
        data = json.dumps({"type": "FeatureCollection", "features": [feature]})
        (folder / "hexagons.geojson").write_text(data, encoding="utf-8")
        product.files = [{"name": "hexagons.geojson", "bytes": len(data), "sha256": "0" * 64}]
    with app.app_context():
        write_opendata(release_id, tmp_path / "open")
    rows = _csv(tmp_path / "open" / "hexagons.csv")
    assert [(r["h3"], r["samples"], r["operator"]) for r in rows] == [(cell, "99", "510-10")]
    ckan = json.loads((tmp_path / "open" / "ckan.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in ckan["resources"]] == ["510-10-LTE hexagons.geojson"]


def test_refusals(app: Flask, seeded: dict[str, Any], tmp_path: Path, db_url: str) -> None:
    with app.app_context():
        with pytest.raises(LookupError, match="withdrawn"):
            write_opendata(seeded["releases"][3], tmp_path / "a")
        (tmp_path / "full").mkdir()
        (tmp_path / "full" / "x").write_text("x")
        with pytest.raises(FileExistsError):
            write_opendata(seeded["releases"][2], tmp_path / "full")
    assert not (tmp_path / "a").exists()
    release = str(seeded["releases"][2])
    result = run(["opendata", release, "--out", str(tmp_path / "cli"), "--db", db_url])
    assert result.code == 0, result
    assert "6 village rows" in result.out
    assert_one_error(run(["opendata", release, "--out", str(tmp_path / "full"), "--db", db_url]))
    withdrawn = str(seeded["releases"][3])
    assert_one_error(
        run(["opendata", withdrawn, "--out", str(tmp_path / "b"), "--db", db_url]), "withdrawn"
    )
    assert_one_error(run(["opendata", "-1", "--out", str(tmp_path / "b"), "--db", db_url]))
