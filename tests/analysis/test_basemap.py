"""The offline basemap: boundaries dissolved from villages, in map.html, the KMZ and the preview."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from analysis.basemap import LABEL_ZOOM, basemap_for, label_levels
from analysis.boundaries import read_boundaries
from analysis.products import build_products
from analysis.simulate import SurveyConfig, simulate_survey, simulate_villages
from tests.conftest import SHARED_DATA

KML = "{http://www.opengis.net/kml/2.2}"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
BOX = (100.0, -0.55, 100.6, -0.08)


@pytest.fixture(scope="module")
def products(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("basemap")
    frame = simulate_survey(SurveyConfig(points=4_000, seed=4))
    build_products(
        frame,
        "510-10",
        "LTE",
        out,
        simulate_villages(),
        method="idw",
        spacing=100.0,
        executor="serial",
    )
    return out


def test_kecamatan_and_kabupaten_are_dissolved_from_villages_and_cached() -> None:
    villages = simulate_villages()
    basemap = basemap_for(villages, BOX)
    assert len(basemap.level("desa")) == 160
    assert len(basemap.level("kecamatan")) == 8  # 20 simulated villages per kecamatan
    assert [p.name for p in basemap.level("kabkota")] == ["Kabupaten Simulasi"]
    assert basemap.area_name() == "Kabupaten Simulasi"
    box = shapely.box(*BOX).buffer(1e-9)
    for place in basemap.places:
        assert box.covers(place.outline)  # lines clipped to the map's box
    # a kecamatan outline runs along its villages' outer edges, not through them
    kec = basemap.level("kecamatan")[0]
    members = [v.geometry for v in villages if v.kec_code == kec.code]
    assert shapely.union_all(members).boundary.buffer(1e-6).covers(kec.outline)
    assert basemap_for(villages, BOX) is basemap  # one dissolve per process


def test_basemap_geojson_has_one_line_feature_per_level_and_named_points() -> None:
    data = basemap_for(simulate_villages(), BOX).geojson()
    lines = [f for f in data["features"] if f["geometry"]["type"] != "Point"]
    assert [f["properties"]["level"] for f in lines] == ["kabkota", "kecamatan", "desa"]
    points = [f for f in data["features"] if f["geometry"]["type"] == "Point"]
    assert len(points) == 1 + 8 + 160
    assert {"level", "name", "code"} <= set(points[0]["properties"])
    coordinates = json.dumps([f["geometry"]["coordinates"] for f in data["features"]])
    assert max(len(d) for d in re.findall(r"\.(\d+)", coordinates)) <= 4  # ~10 m
    assert len(json.dumps(data)) < 250_000


@pytest.mark.parametrize(
    ("span_km", "levels"),
    [(400, ("kabkota",)), (60, ("kabkota", "kecamatan")), (20, ("kabkota", "kecamatan", "desa"))],
)
def test_fewer_names_on_wider_maps(span_km: float, levels: tuple[str, ...]) -> None:
    assert label_levels(span_km) == levels


def test_no_regions_give_an_empty_basemap() -> None:
    assert basemap_for(None, BOX).places == ()
    assert basemap_for(None, BOX).geojson()["features"] == []


@pytest.mark.realdata
def test_real_kecamatan_dissolved_from_desa_match_the_official_outlines() -> None:
    desa = SHARED_DATA / "boundaries" / "sumbar_desa.geojson"
    official = SHARED_DATA / "boundaries" / "sumbar_kecamatan.geojson"
    if not (desa.exists() and official.exists()):
        pytest.skip(f"real boundaries not found in {SHARED_DATA / 'boundaries'}")
    basemap = basemap_for(read_boundaries(desa), (100.3, -0.45, 100.45, -0.3))
    truth = {
        f["properties"]["kode"]: (f["properties"]["nama"], shape(f["geometry"]))
        for f in json.loads(official.read_text(encoding="utf-8"))["features"]
    }
    kecamatan = basemap.level("kecamatan")
    assert len(kecamatan) >= 3
    close = []
    for place in kecamatan:
        name, polygon = truth[place.code]
        assert place.name == name
        near = polygon.boundary.buffer(0.005)  # ~500 m: the official file is generalised
        close.append(place.outline.intersection(near).length / place.outline.length)
    # most dissolved outlines follow the official ones (sources differ in a few places)
    assert np.median(close) > 0.9 and np.mean(np.array(close) > 0.8) >= 0.8
    assert all(p.name.startswith(("Kabupaten", "Kota")) for p in basemap.level("kabkota"))


def test_kmz_has_a_boundary_folder_with_names_and_indonesian_words(products: Path) -> None:
    with zipfile.ZipFile(products / "products.kmz") as kmz:
        text = kmz.read("doc.kml").decode("utf-8")
    root = ElementTree.fromstring(text)
    folders = {f.findtext(f"{KML}name"): f for f in root.iter(f"{KML}Folder")}
    assert {"Batas wilayah", "Kabupaten/kota", "Kecamatan", "Desa/nagari", "Titik ukur"} <= set(
        folders
    )
    names = [p.findtext(f"{KML}name") for p in folders["Kecamatan"].iter(f"{KML}Placemark")]
    assert "Kecamatan Simulasi 01" in names
    assert root.find(f".//{KML}ScreenOverlay").findtext(f"{KML}name") == "Legenda"
    for raw in ("area_km2", "no_signal_samples", ">Legend<", "no service"):
        assert raw not in text


def test_preview_has_tight_margins_and_the_legend_beside_the_map(products: Path) -> None:
    from PIL import Image

    with Image.open(products / "preview.png") as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    height, width, _ = pixels.shape
    assert width > height  # the legend sits to the right of the map, not on it
    ink = (pixels < 200).any(axis=2)  # anything darker than the light background
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    assert rows[0] < 0.03 * height and rows[-1] > 0.97 * height
    assert cols[0] < 0.03 * width and cols[-1] > 0.97 * width
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "preview.png").write_bytes((products / "preview.png").read_bytes())


def test_server_static_basemap_is_the_analysis_one() -> None:
    served = ROOT / "server" / "static" / "basemap.js"
    assert (
        served.read_bytes() == (ROOT / "analysis" / "export" / "static" / "basemap.js").read_bytes()
    )


@pytest.mark.browser
def test_map_html_has_a_title_metric_scale_and_named_boundaries(products: Path) -> None:
    from tests.browser import chromium_page

    with chromium_page(1366, 800) as (page, problems):
        page.goto((products / "map.html").as_uri())
        page.wait_for_selector(".leaflet-image-layer")
        title = page.locator("#petasinyal-title").inner_text()
        assert "Telkomsel" in title and "4G (LTE)" in title and "Kabupaten Simulasi" in title
        assert "Okt 2026" in title and "Telkomsel" in page.title()
        scale = page.locator(".leaflet-control-scale").inner_text()
        assert "km" in scale or " m" in scale
        assert "mi" not in scale and "ft" not in scale
        zoom = page.evaluate("() => Object.values(window).find(v => v instanceof L.Map).getZoom()")
        assert zoom < LABEL_ZOOM["desa"]
        assert page.locator(".pb-label.kabkota").count() == 1
        assert page.locator(".pb-label.desa").count() == 0  # names come with the zoom
        overlaps = page.evaluate("""() => {
            const boxes = [...document.querySelectorAll(".pb-label")]
                .filter((e) => e.style.opacity !== "0")
                .map((e) => e.firstElementChild.getBoundingClientRect());
            let n = 0;
            boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
                if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) n++;
            }));
            return n;
        }""")
        assert overlaps == 0  # names that would overlap are hidden, larger areas win
        page.screenshot(path=str(ARTIFACTS / "webmap-basemap.png"))
        page.evaluate(
            "() => Object.values(window).find(v => v instanceof L.Map)"
            ".setView([-0.33, 100.3], 13, {animate: false})"
        )
        page.wait_for_selector(".pb-label.desa")
        assert page.locator(".pb-label.kecamatan").count() > 0
        page.screenshot(path=str(ARTIFACTS / "webmap-basemap-z13.png"))
    assert problems == []


_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="{leaflet}/leaflet.css"><script src="{leaflet}/leaflet.js"></script>
<script src="{script}"></script></head>
<body style="margin:0"><div id="map" style="width:800px;height:600px"></div><script>
const map = L.map("map", {{ preferCanvas: true }}).setView([-0.3, 100.07], 12);
const data = {data};
window.basemap = PetaBasemap.attach(map, {{ data }});
</script></body></html>"""


@pytest.mark.browser
def test_basemap_js_draws_server_outlines_and_keeps_the_choice(tmp_path: Path) -> None:
    """Plain village polygons (``/map/villages.geojson``: code and name only) get names at
    their centre from zoom 13; switching the layer off is remembered."""
    from tests.browser import chromium_page

    villages = [
        {
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(v.geometry)),
            "properties": {"code": v.code, "name": v.name},
        }
        for v in simulate_villages()[:40]
    ]
    html = _PAGE.format(
        leaflet=(ROOT / "analysis" / "export" / "static" / "vendor" / "leaflet").as_uri(),
        script=(ROOT / "server" / "static" / "basemap.js").as_uri(),
        data=json.dumps({"type": "FeatureCollection", "features": villages}),
    )
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    with chromium_page() as (page, problems):
        page.goto((tmp_path / "page.html").as_uri())
        page.wait_for_selector(".leaflet-container")
        assert page.locator(".pb-label.desa").count() == 0  # zoom 12: no village names
        page.evaluate("() => map.setZoom(13, {animate: false})")
        page.wait_for_selector(".pb-label.desa")
        page.screenshot(path=str(ARTIFACTS / "basemap-js.png"))
        assert page.locator(".leaflet-pane.leaflet-basemap-pane canvas").count() == 1
        page.locator(".leaflet-control-layers").hover()
        page.locator(".leaflet-control-layers-overlays input").first.uncheck()
        assert page.locator(".pb-label").count() == 0
        page.reload()
        page.wait_for_selector(".leaflet-container")
        page.evaluate("() => map.setZoom(13, {animate: false})")
        assert page.locator(".pb-label").count() == 0  # still off after a reload
        assert not page.evaluate("() => map.hasLayer(window.basemap.outlines)")
    assert problems == []


@pytest.mark.browser
def test_basemap_js_fetches_the_outlines_of_the_zoom_level(tmp_path: Path) -> None:
    """With ``url`` (the server's ``/map/villages.geojson``) the layer asks for the outlines
    simplified for the zoom (``?z=``) and again when the zoom crosses into another level."""
    from tests.browser import chromium_page

    villages = [
        {
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(v.geometry)),
            "properties": {"code": v.code, "name": v.name},
        }
        for v in simulate_villages()[:40]
    ]
    body = json.dumps({"type": "FeatureCollection", "features": villages})
    html = _PAGE.replace(
        "PetaBasemap.attach(map, {{ data }})", "PetaBasemap.attach(map, {{ url }})"
    )
    html = html.replace("const data = {data};", 'const url = "http://127.0.0.1:9/outlines";')
    html = html.format(
        leaflet=(ROOT / "analysis" / "export" / "static" / "vendor" / "leaflet").as_uri(),
        script=(ROOT / "server" / "static" / "basemap.js").as_uri(),
    )
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    asked: list[str] = []

    def answer(route) -> None:  # type: ignore[no-untyped-def]
        asked.append(route.request.url.split("?")[1])
        route.fulfill(
            body=body,
            content_type="application/geo+json",
            headers={"Access-Control-Allow-Origin": "*"},
        )

    with chromium_page() as (page, problems):
        page.route("http://127.0.0.1:9/outlines*", answer)
        page.goto((tmp_path / "page.html").as_uri())
        page.wait_for_function("() => window.basemap && window.basemap.outlines.getLayers().length")
        page.evaluate("() => map.setZoom(12.5, {animate: false})")  # same level: no request
        page.evaluate("() => map.setZoom(14, {animate: false})")
        page.wait_for_selector(".pb-label.desa")
        assert asked == ["z=12", "z=14"]
    assert problems == []
