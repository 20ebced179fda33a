"""Blankspot products: every export read back with the library users would open it with."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.features import rasterize
from shapely.geometry import shape

from analysis.blankspots import find_blankspots
from analysis.boundaries import read_boundaries, read_sql_boundaries
from analysis.classmap import CLASS_CODES, CLASS_COLOURS, ClassMap, classify_coverage
from analysis.coverage import Coverage
from analysis.grid import GridSpec
from analysis.hexagons import hexagon_table
from analysis.products import build_products
from analysis.project import utm_crs
from analysis.simulate import SurveyConfig, simulate_survey, simulate_villages
from analysis.villages import VERDICTS

KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def products(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("products")
    frame = simulate_survey(SurveyConfig(points=9_000, seed=8))
    report = build_products(
        frame, "510-11", "LTE", out, simulate_villages(), spacing=100.0, executor="serial"
    )
    return out, report


def test_report_says_what_was_built(products) -> None:
    out, report = products
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(report))
    assert report["method"] in {"nearest", "linear", "idw", "kriging"}
    assert {r["method"] for r in report["cross_validation"]} >= {"linear", "kriging"}
    assert report["blankspots"]["count"] > 0 and report["blankspots"]["area_km2"] > 0
    assert sum(report["villages"].values()) == 160
    assert report["inputs"]["no_service_readings"] > 0
    assert set(report["timings_s"]) >= {"coverage_s", "maps_s", "total_s"}
    # Both errors, and in words: between surveyed roads (blocked CV) and on them (LODO).
    errors = report["errors"]
    assert errors["blocked_cv_rmse_db"] > 0 and errors["lodo_rmse_db"] > 0
    lodo_id = f"±{errors['lodo_rmse_db']:.1f} dB".replace(".", ",")  # Indonesian: 5,2
    assert lodo_id in errors["in_words"]["id"]
    assert f"±{errors['lodo_rmse_db']:.1f} dB" in errors["in_words"]["en"]
    assert f"±{errors['blocked_cv_rmse_db']:.1f} dB" in errors["in_words"]["en"]


def test_geotiffs_are_cogs_with_tags_and_a_colour_table(products) -> None:
    out, report = products
    with rasterio.open(out / "coverage_utm.tif") as tif:
        assert tif.count == 4 and tif.crs.to_epsg() == 32747 and tif.dtypes[0] == "float32"
        assert tif.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        tags = tif.tags()
        assert tags["operator"] == "510-11" and tags["technology"] == "LTE"
        assert tags["method"] == report["method"] and float(tags["cv_rmse_db"]) > 0
        assert tags["first_day"] == "2026-10-05"
        assert float(tags["lodo_rmse_db"]) == report["errors"]["lodo_rmse_db"]
        assert float(tags["blocked_cv_rmse_db"]) == report["errors"]["blocked_cv_rmse_db"]
        assert tags["accuracy_id"] == report["errors"]["in_words"]["id"]
        signal = tif.read(1)
        assert np.nanmin(signal) >= -140 and np.nanmax(signal) <= -44
    with rasterio.open(out / "classes_wgs84.tif") as tif:
        assert tif.crs.to_epsg() == 4326 and tif.dtypes[0] == "uint8" and tif.nodata == 0
        colours = tif.colormap(1)
        for name, code in CLASS_CODES.items():
            if code:
                assert colours[code] == CLASS_COLOURS[name]
        assert set(np.unique(tif.read(1))) <= {0, 1, 2, 3, 4}
        assert json.loads(tif.tags()["classes"])["3"] == "none"


def test_blankspot_geojson_is_valid_and_matches_the_raster(products) -> None:
    out, _ = products
    data = json.loads((out / "blankspots.geojson").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and data["features"]
    polygons = [shape(f["geometry"]) for f in data["features"]]
    assert all(p.is_valid for p in polygons)
    for polygon in polygons:  # RFC 7946: exterior rings counter-clockwise
        for part in getattr(polygon, "geoms", [polygon]):
            assert part.exterior.is_ccw
    props = data["features"][0]["properties"]
    assert set(props) >= {
        "id",
        "status",
        "reason",
        "area_km2",
        "samples",
        "no_signal_samples",
        "no_service_samples",
        "fixes",
        "days",
        "median_dbm",
        "no_service_share",
        "first_seen",
        "last_seen",
        "operator",
        "technology",
    }
    with rasterio.open(out / "classes_utm.tif") as tif:
        classes, transform, crs = tif.read(1), tif.transform, tif.crs
    from pyproj import Transformer

    from analysis.export.geojson import to_wgs84  # noqa: F401  (same transform, reversed)

    back = Transformer.from_crs(4326, crs.to_epsg(), always_xy=True)
    metric = [
        shapely.transform(p, lambda xy: np.column_stack(back.transform(*xy.T))) for p in polygons
    ]
    burned = rasterize(((p, 1) for p in metric), out_shape=classes.shape, transform=transform)
    cell_km2 = transform.a * -transform.e / 1e6
    raster_km2 = float(((burned == 1) & (classes == 3)).sum()) * cell_km2
    total = sum(f["properties"]["area_km2"] for f in data["features"])
    assert total == pytest.approx(raster_km2, rel=0.02)


def test_kmz_holds_overlay_legend_blankspots_and_daily_points(products) -> None:
    out, report = products
    with zipfile.ZipFile(out / "products.kmz") as kmz:
        names = kmz.namelist()
        root = ElementTree.fromstring(kmz.read("doc.kml"))
    assert sum(n.endswith(".png") for n in names) == 2
    assert root.find(f".//{KML}GroundOverlay/{KML}LatLonBox/{KML}north") is not None
    assert root.find(f".//{KML}ScreenOverlay") is not None
    folders = {f.findtext(f"{KML}name"): f for f in root.iter(f"{KML}Folder")}
    blank = folders["Blankspot"].findall(f"{KML}Placemark")
    assert len(blank) >= report["blankspots"]["count"]
    balloon = blank[0].findtext(f"{KML}description")
    assert "Luas (km²)" in balloon and "area_km2" not in balloon  # words, not raw keys
    days = [f.findtext(f"{KML}name") for f in folders["Titik ukur"].findall(f"{KML}Folder")]
    assert days == ["2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08", "2026-10-09"]


def test_csv_sidecars_describe_every_column(products) -> None:
    out, _ = products
    for name in (
        "villages.csv",
        "measurements.csv",
        "villages_kecamatan.csv",
        "villages_kabkota.csv",
        "blankspots.csv",
    ):
        with (out / name).open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        meta = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        assert [c["name"] for c in meta["columns"]] == header
        assert all(c["description"] and c["description"] != c["name"] for c in meta["columns"])
        assert meta["licence"] and meta["source"]
    described = {
        c["name"]: c["description"]
        for c in json.loads((out / "measurements.csv.json").read_text(encoding="utf-8"))["columns"]
    }
    assert described["operator"] == "operator name" and described["note"] == "officer's note"
    assert described["rsrp_dbm"] == "RSRP / SS-RSRP"
    villages = pd.read_csv(out / "villages.csv", dtype={"kode": str})
    assert villages["kode"].is_unique and len(villages) == 160
    districts = pd.read_csv(out / "villages_kecamatan.csv")
    assert len(districts) == 8  # 160 simulated villages, 20 per kecamatan
    counted = districts.filter(like="villages_").sum().sum()
    assert counted == 160
    assert districts["surveyed_km2"].sum() == pytest.approx(
        (villages["area_km2"] * villages["surveyed_share"]).sum(), rel=1e-3
    )
    assert set(villages["verdict"]) <= set(VERDICTS)
    assert villages["reason"].notna().all()


def test_every_blankspot_states_its_evidence_in_geojson_csv_and_kmz(products) -> None:
    out, report = products
    rule = report["blankspots"]["evidence_rule"]
    assert rule == {"min_no_signal_samples": 5, "min_fixes": 3, "fix_grid_m": 10.0}
    sure = json.loads((out / "blankspots.geojson").read_text(encoding="utf-8"))["features"]
    unsure = json.loads((out / "blankspots_doubtful.geojson").read_text(encoding="utf-8"))[
        "features"
    ]
    assert len(sure) == report["blankspots"]["count"] > 0
    assert len(unsure) == report["blankspots"]["doubtful_count"] > 0
    for feature in sure:
        props = feature["properties"]
        assert props["status"] == "blankspot" and props["id"].startswith("B")
        assert props["no_signal_samples"] >= 5 and props["fixes"] >= 3
        assert props["first_seen"] <= props["last_seen"] and props["days"] >= 1
    for feature in unsure:
        props = feature["properties"]
        assert props["status"] == "doubtful" and props["id"].startswith("D")
        assert props["no_signal_samples"] < 5 or props["fixes"] < 3
        assert props["reason"].startswith("too little evidence: ")
    table = pd.read_csv(out / "blankspots.csv")
    assert list(table["id"]) == [f["properties"]["id"] for f in sure + unsure]
    assert table["area_km2"].sum() == pytest.approx(
        report["blankspots"]["area_km2"] + report["blankspots"]["doubtful_area_km2"], abs=0.01
    )
    for feature, row in zip(sure + unsure, table.to_dict("records"), strict=True):
        assert shape(feature["geometry"]).contains(shapely.Point(row["lon"], row["lat"]))
    # the class map shows doubtful areas grey: no cell of a doubtful area is "none"
    with rasterio.open(out / "classes_wgs84.tif") as tif:
        classes, transform = tif.read(1), tif.transform
    burned = rasterize(
        ((shape(f["geometry"]), 1) for f in unsure), out_shape=classes.shape, transform=transform
    )
    assert not ((burned == 1) & (classes == CLASS_CODES["none"])).any()
    with zipfile.ZipFile(out / "products.kmz") as kmz:
        root = ElementTree.fromstring(kmz.read("doc.kml"))
    folders = {f.findtext(f"{KML}name"): f for f in root.iter(f"{KML}Folder")}
    balloon = folders["Blankspot belum pasti"].find(f"{KML}Placemark").findtext(f"{KML}description")
    assert "belum pasti" in balloon and "Titik ukur tanpa sinyal" in balloon


def test_hexagons_leave_sparse_cells_uncoloured(products) -> None:
    out, _ = products
    data = json.loads((out / "hexagons.geojson").read_text(encoding="utf-8"))
    props = pd.DataFrame([f["properties"] for f in data["features"]])
    assert (props.loc[props["samples"] < 5, "class"] == "insufficient").all()
    assert set(props.loc[props["samples"] >= 5, "class"]) <= {"strong", "weak", "none"}
    assert (props["days"] >= 1).all() and props["no_service_share"].between(0, 1).all()


def test_preview_png_is_an_image(products) -> None:
    from PIL import Image

    out, _ = products
    with Image.open(out / "preview.png") as image:
        assert image.size[0] >= 800 and image.size[1] >= 700


def _coverage(values: np.ndarray, sigma: float) -> Coverage:
    spec = GridSpec(
        0.0,
        1_000.0 * values.shape[0],
        1_000.0,
        values.shape[1],
        values.shape[0],
        utm_crs(100.0, -0.3),
    )
    return Coverage(
        spec,
        values.astype(np.float32),
        np.full(values.shape, sigma, np.float32),
        np.zeros(values.shape, np.float32),
        np.ones(values.shape, np.int32),
        "test",
        [],
        750.0,
    )


def test_classes_follow_thresholds_and_doubt_near_boundaries() -> None:
    values = np.array([[-80.0, -101.0, -130.0, np.nan]])
    # with 6 dB of uncertainty, -101 dBm is "weak" with only 56 % probability: doubtful
    unsure = classify_coverage(_coverage(values, 6.0), "LTE")
    assert unsure.codes.tolist() == [[1, 4, 3, 0]]
    assert unsure.confidence[0, 1] == pytest.approx(0.556, abs=0.001)
    assert np.isnan(unsure.confidence[0, 3])
    sure = classify_coverage(_coverage(values, 1.0), "LTE")
    assert sure.codes.tolist() == [[1, 2, 3, 0]]


def test_blankspot_polygons_keep_holes_and_drop_slivers() -> None:
    codes = np.zeros((11, 11), np.uint8)
    codes[1:8, 1:8] = 3
    codes[4, 4] = 1  # a covered cell inside the blankspot: a hole
    codes[10, 10] = 3  # a one-cell sliver
    spec = GridSpec(0.0, 1_100.0, 100.0, 11, 11, utm_crs(100.0, -0.3))
    readings = pd.DataFrame(
        {
            "easting": [150.0, 450.0],
            "northing": [950.0, 650.0],
            "value": [-140.0, -90.0],
            "no_service": [True, False],
            "observed_at": pd.to_datetime(["2026-10-05", "2026-10-06"], utc=True),
        }
    )
    found, _ = find_blankspots(
        ClassMap(codes, np.ones((11, 11), np.float32), "LTE"), spec, readings, min_area_km2=0.05
    )
    assert len(found) == 1
    spot = found[0]
    assert len(spot.geometry.interiors) == 1
    assert spot.area_km2 == pytest.approx(0.48)
    assert spot.samples == 1 and spot.no_service_share == 1.0 and spot.first_seen == "2026-10-05"
    assert spot.status == "doubtful"  # one no-service reading is not evidence enough


def test_hexagon_table_counts_and_classes() -> None:
    readings = pd.DataFrame(
        {
            "lat": [-0.3] * 6 + [-0.35],
            "lon": [100.37] * 6 + [100.4],
            "value": [-90, -95, -100, -140, -92, -91, -80.0],
            "no_service": [False, False, False, True, False, False, False],
            "observed_at": pd.to_datetime(["2026-10-05"] * 3 + ["2026-10-06"] * 4, utc=True),
        }
    )
    table = hexagon_table(readings, "LTE").set_index("samples")
    assert table.loc[6, "class"] == "strong" and table.loc[6, "median_dbm"] == -93.5
    assert table.loc[6, "no_service_share"] == pytest.approx(1 / 6, abs=1e-4)
    assert table.loc[6, "days"] == 2
    assert table.loc[1, "class"] == "insufficient"


@pytest.mark.realdata
def test_sql_dump_reader_matches_the_geojson(shared_data: Path) -> None:
    regions = read_sql_boundaries(
        shared_data / "boundaries" / "source-sql" / "wilayah_boundaries_kel_13.75.sql"
    )
    assert len(regions) > 0 and all(r.code.startswith("13.75.") for r in regions)
    assert all(r.geometry.is_valid for r in regions)
    geojson = {
        r.code: r for r in read_boundaries(shared_data / "boundaries" / "sumbar_desa.geojson")
    }
    same = [r for r in regions if r.code in geojson]
    assert len(same) >= len(regions) * 0.9
    for region in same:
        other = geojson[region.code].geometry
        assert region.geometry.intersection(other).area / other.area > 0.95
        assert region.name == geojson[region.code].name


@pytest.mark.slow
@pytest.mark.realdata
def test_real_boundaries_give_one_row_per_village_with_official_codes(
    shared_data: Path, cork_files: list[Path], tmp_path: Path
) -> None:
    from analysis.readers import read_surveys

    boundaries = shared_data / "boundaries"
    regions = read_boundaries(
        boundaries / "sumbar_desa.geojson", boundaries / "sumbar_villages.csv"
    )
    frame, _ = read_surveys(cork_files[:6], tz="Europe/Dublin")
    build_products(
        frame,
        "B",
        "LTE",
        tmp_path / "cork",
        regions,
        method="idw",
        spacing=100.0,
        executor="serial",
    )
    verdicts = pd.read_csv(tmp_path / "cork" / "villages.csv", dtype=str)
    official = pd.read_csv(boundaries / "sumbar_villages.csv", dtype=str)
    assert len(verdicts) == len(official) == 1_265
    assert sorted(verdicts["kode"]) == sorted(official["kode"])
    merged = verdicts.merge(official, on="kode", suffixes=("", "_official"))
    assert (merged["nama"] == merged["nama_official"]).all()
    assert set(verdicts["operator"]) == {"B"}
    # Cork is not in West Sumatra: every village with a polygon is unsurveyed, and says why
    no_polygon = verdicts["note"] == "no boundary polygon yet"
    assert no_polygon.sum() == 106
    assert set(verdicts.loc[no_polygon, "verdict"]) == {"insufficient data"}
    assert set(verdicts.loc[~no_polygon, "verdict"]) == {"unsurveyed"}
    assert (
        verdicts.loc[~no_polygon, "reason"]
        .str.match(r"outside the survey: the nearest reading is \d+\.\d km away")
        .all()
    )
    assert not verdicts["note"].fillna("").str.startswith("smaller").any()
