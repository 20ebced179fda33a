"""The offline PMTiles basemap (``BASEMAP_PMTILES``): the archive goes out in byte ranges to
logged-in users of every role; a missing or unreadable one is left out without an error; in
Chromium a page's map shows it as a third layer, raster or vector, in the page's language, and
keeps the choice. The archives are written by ``test_basemap_pmtiles_writer``."""

from __future__ import annotations

import io
import json
import logging
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image, ImageDraw
from shapely.geometry import shape

from server.web.basemap_files import read_archive
from tests.browser import chromium_page
from tests.server.live import site_app, thread_server
from tests.server.test_basemap_pmtiles_writer import mvt, tile_at, tile_xy, write_pmtiles
from tests.server.web import browser_login, login, make_cast

SHOTS = Path(os.environ.get("H2_SHOTS") or Path(__file__).resolve().parents[1] / "artifacts")
BOX = (100.0, -0.55, 100.6, -0.08)  # the simulated villages (lon_min, lat_min, lon_max, lat_max)
ZOOMS = range(6, 14)
ATTRIBUTION = "Peta uji © PetaSinyal"


def ground(z: int, x: int, y: int) -> tuple[int, int, int]:
    """A tile's colour tells where it belongs (its z/x/y is also written in a corner)."""
    return (224 + x % 16, 214 + y % 16, 180 + z)


def _png(z: int, x: int, y: int) -> bytes:
    image = Image.new("RGB", (256, 256), ground(z, x, y))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 255, 255), outline=(200, 190, 165))
    draw.text((6, 4), f"{z}/{x}/{y}", fill=(120, 110, 90))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def raster_tiles() -> dict[tuple[int, int, int], bytes]:
    """PNG tiles over the simulated villages at zooms 6-13."""
    tiles = {}
    for z in ZOOMS:
        (x0, y0), (x1, y1) = tile_xy(z, BOX[0], BOX[3]), tile_xy(z, BOX[2], BOX[1])
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                tiles[(z, x, y)] = _png(z, x, y)
    return tiles


def vector_tiles(lake: tuple[float, float]) -> dict[tuple[int, int, int], bytes]:
    """Tiles of Protomaps' basemap layers over the simulated villages at zooms 8-13: land, a
    lake around ``lake`` (lon, lat), two roads and the names of three places."""
    ring = [
        (lake[0] + 0.004 * math.cos(a / 6 * math.pi), lake[1] + 0.004 * math.sin(a / 6 * math.pi))
        for a in range(12)
    ]
    roads = {
        "major_road": [(100.0, -0.5), (100.3, -0.3), (100.6, -0.12)],
        "minor_road": [(100.1, -0.1), (100.3, -0.3), (100.45, -0.52)],
    }
    places = {"Lubuk Simulasi": (100.2, -0.2), "Koto Simulasi": (100.45, -0.4)}
    tiles = {}
    for z in range(8, 14):
        (x0, y0), (x1, y1) = tile_xy(z, BOX[0], BOX[3]), tile_xy(z, BOX[2], BOX[1])
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):

                def at(
                    lon: float, lat: float, x: int = x, y: int = y, z: int = z
                ) -> tuple[int, int]:
                    fx, fy = tile_at(z, lon, lat)
                    return round((fx - x) * 4096), round((fy - y) * 4096)

                land = [(-64, -64), (4160, -64), (4160, 4160), (-64, 4160)]
                tiles[(z, x, y)] = mvt(
                    {
                        "earth": [(3, [land], {"kind": "earth"})],
                        "water": [(3, [[at(*p) for p in ring]], {"kind": "lake"})],
                        "roads": [
                            (2, [[at(*p) for p in line]], {"kind": k}) for k, line in roads.items()
                        ],
                        "places": [
                            (1, [[at(*p)]], {"kind": "locality", "name": n})
                            for n, p in places.items()
                        ],
                    }
                )
    return tiles


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("pmtiles") / "sumbar.pmtiles"
    tiles = raster_tiles()
    places = write_pmtiles(path, tiles, 2, {"attribution": ATTRIBUTION, "name": "uji"}, BOX)
    return {"path": path, "tiles": tiles, "places": places}


def _make_app(folder: Path, pmtiles: Path | None) -> Flask:
    app = site_app(
        folder,
        "basemap-test",
        TESTING=True,
        RATELIMIT_STORAGE_URI="memory://",
        **({"BASEMAP_PMTILES": str(pmtiles)} if pmtiles else {}),
    )
    make_cast(app)
    return app


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, archive: dict[str, Any]) -> Iterator[Flask]:
    app = _make_app(tmp_path_factory.mktemp("site"), archive["path"])
    yield app
    app.extensions["petasinyal.engine"].dispose()


@pytest.fixture(scope="module")
def vector_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A server whose basemap is a vector archive with a lake in the middle of village 41."""
    from server.demo import simulated_village_file

    folder = tmp_path_factory.mktemp("vector")
    villages = json.loads(simulated_village_file(folder / "villages.geojson").read_text())
    path = folder / "sumatra.pmtiles"
    tiles = vector_tiles(_middle(villages["features"][40]))
    write_pmtiles(path, tiles, 1, {"name": "uji"}, BOX)
    app = _make_app(folder, path)
    yield app
    app.extensions["petasinyal.engine"].dispose()


def _village(app: Flask) -> dict[str, Any]:
    path = Path(app.config["BOUNDARIES"])
    found: dict[str, Any] = json.loads(path.read_text())["features"][40]
    return found


def _village_code(app: Flask) -> str:
    return str(_village(app)["properties"]["kode"])


def test_the_header_names_the_kind_of_archive_and_its_zooms(
    archive: dict[str, Any], vector_site: Flask
) -> None:
    found = read_archive(archive["path"])
    assert (found.kind, found.min_zoom, found.max_zoom) == ("raster", 6, 13)
    found = read_archive(vector_site.config["BASEMAP_PMTILES"])
    assert (found.kind, found.min_zoom, found.max_zoom) == ("vector", 8, 13)


@pytest.mark.parametrize("user", ["admin", "ani", "tsel"])
def test_every_role_gets_a_tile_s_bytes_in_a_range(
    site: Flask, archive: dict[str, Any], user: str
) -> None:
    client = site.test_client()
    assert login(client, user).status_code == 302
    zxy = (12, *tile_xy(12, 100.3, -0.3))
    offset, length = archive["places"][zxy]
    size = archive["path"].stat().st_size
    last = offset + length - 1
    with client.get("/map/basemap.pmtiles", headers={"Range": f"bytes={offset}-{last}"}) as part:
        assert part.status_code == 206
        assert part.headers["Content-Range"] == f"bytes {offset}-{last}/{size}"
        assert part.data == archive["tiles"][zxy]
        assert part.headers["Accept-Ranges"] == "bytes"
        assert set(part.headers["Cache-Control"].split(", ")) == {"private", "max-age=3600"}
    with client.get("/map/basemap.pmtiles") as whole:
        assert whole.status_code == 200 and whole.data == archive["path"].read_bytes()


def test_a_visitor_not_logged_in_gets_no_archive(site: Flask) -> None:
    with site.test_client().get("/map/basemap.pmtiles", headers={"Range": "bytes=0-9"}) as answer:
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


@pytest.mark.parametrize("kind", ["missing", "text", "folder", "mlt"])
def test_a_missing_or_unreadable_archive_is_left_out_with_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    path = tmp_path / "basemap.pmtiles"
    if kind == "text":
        path.write_text("not tiles\n" * 40)
    elif kind == "folder":
        path.mkdir()
    elif kind == "mlt":  # MapLibre tiles: no vendored library draws them
        write_pmtiles(path, {(0, 0, 0): b"\x00" * 10}, 6, {})
    with caplog.at_level(logging.WARNING):
        app = _make_app(tmp_path, path)
    lines = [r.getMessage() for r in caplog.records if "offline basemap" in r.getMessage()]
    assert len(lines) == 1 and str(path) in lines[0], lines
    client = app.test_client()
    login(client, "admin")
    page = client.get(f"/villages/{_village_code(app)}")
    assert page.status_code == 200
    assert b"petasinyal-basemap-pmtiles" not in page.data
    assert b"PMTiles" in page.data  # the layer's name is still among the map's words
    assert client.get("/map/basemap.pmtiles").status_code == 404
    app.extensions["petasinyal.engine"].dispose()


def test_the_environment_names_the_archive(
    tmp_path: Path, archive: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PETASINYAL_BASEMAP_PMTILES", str(archive["path"]))
    monkeypatch.setenv("PETASINYAL_BASEMAP_PMTILES_ATTRIBUTION", "© Peta <b>uji</b>")
    app = _make_app(tmp_path, None)
    client = app.test_client()
    login(client, "tsel")
    page = client.get("/provider").get_data(as_text=True)
    assert '<meta name="petasinyal-basemap-pmtiles" content="/map/basemap.pmtiles"' in page
    assert 'data-kind="raster" data-min-zoom="6" data-max-zoom="13"' in page
    assert 'data-attribution="© Peta &lt;b&gt;uji&lt;/b&gt;"' in page
    assert "/static/vendor/pmtiles/pmtiles.js?v=" in page
    app.extensions["petasinyal.engine"].dispose()


def test_a_deleted_archive_answers_404_not_500(tmp_path: Path, archive: dict[str, Any]) -> None:
    path = tmp_path / "gone.pmtiles"
    path.write_bytes(archive["path"].read_bytes())
    app = _make_app(tmp_path, path)
    path.unlink()
    client = app.test_client()
    login(client, "ani")
    assert client.get("/map/basemap.pmtiles", headers={"Range": "bytes=0-126"}).status_code == 404
    app.extensions["petasinyal.engine"].dispose()


def _middle(village: dict[str, Any]) -> tuple[float, float]:
    """Where a map fitted to the village has its centre: the middle in Web Mercator."""
    west, south, east, north = shape(village["geometry"]).bounds
    y = math.asinh(math.tan(math.radians(south))) + math.asinh(math.tan(math.radians(north)))
    return (west + east) / 2, math.degrees(math.atan(math.sinh(y / 2)))


TILES_JS = """() => [...document.querySelectorAll('.leaflet-tile-pane canvas.leaflet-tile-loaded')]
  .map((c) => { const r = c.getBoundingClientRect();
    const p = c.getContext('2d').getImageData(c.width / 2, c.height / 2, 1, 1).data;
    return { x: r.x, y: r.y, w: r.width, rgb: [p[0], p[1], p[2]] }; })"""


def _check_tiles(tiles: list[dict[str, Any]], centre: tuple[float, float], lonlat: Any) -> None:
    """Every tile drawn shows the archive's tile for its place: one zoom, x growing to the
    east and y to the south, and the tile under the map's centre is the village's."""
    zs = {t["rgb"][2] - 180 for t in tiles}
    assert len(zs) == 1 and all(t["rgb"][0] >= 224 and t["rgb"][1] >= 214 for t in tiles), tiles
    z = zs.pop()
    for a in tiles:
        for b in tiles:
            right = abs(b["x"] - a["x"] - a["w"]) < 2 and abs(b["y"] - a["y"]) < 2
            below = abs(b["y"] - a["y"] - a["w"]) < 2 and abs(b["x"] - a["x"]) < 2
            assert not right or (b["rgb"][0] - a["rgb"][0]) % 16 == 1, (a, b)
            assert not below or (b["rgb"][1] - a["rgb"][1]) % 16 == 1, (a, b)
    middle = [
        t for t in tiles if 0 <= centre[0] - t["x"] < t["w"] and 0 <= centre[1] - t["y"] < t["w"]
    ]
    fx, fy = tile_at(z, *lonlat)
    assert len(middle) == 1
    for k, f in ((0, fx), (1, fy)):
        if 0.05 < f % 1 < 0.95:  # not on the edge between two tiles
            assert middle[0]["rgb"][k] - (224, 214)[k] == int(f) % 16, (middle, f)


@pytest.mark.browser
def test_a_page_map_draws_the_archive_in_chromium_and_keeps_the_choice(
    site: Flask, archive: dict[str, Any]
) -> None:
    code = _village_code(site)
    with thread_server(site) as base, chromium_page(1366, 900) as (page, problems):
        ranges: list[tuple[str, int]] = []
        page.on(
            "response",
            lambda r: (
                ranges.append((r.request.headers.get("range", ""), r.status))
                if "/map/basemap.pmtiles" in r.url
                else None
            ),
        )
        frame = _village_map(page, base, code)
        centre = (frame["x"] + frame["width"] / 2, frame["y"] + frame["height"] / 2)
        _check_tiles(page.evaluate(TILES_JS), centre, _middle(_village(site)))
        assert ranges and all(r.startswith("bytes=") and s == 206 for r, s in ranges), ranges
        control = page.locator(".leaflet-control-layers")
        assert "Peta luring (PMTiles)" in control.text_content()
        assert ATTRIBUTION in page.locator(".leaflet-control-attribution").inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "basemap-pmtiles-1366.png"), full_page=True)

        control.hover()  # off, and still off on the next page
        control.locator("label", has_text="PMTiles").locator("input").uncheck()
        assert page.locator("canvas.leaflet-tile").count() == 0
        page.reload()
        page.wait_for_selector("#village-map[data-ready]")
        page.wait_for_load_state("networkidle")
        assert page.locator("canvas.leaflet-tile").count() == 0
        assert not control.locator("label", has_text="PMTiles").locator("input").is_checked()
        stored = page.evaluate("localStorage.getItem('petasinyal.basemap')")
        assert json.loads(stored)["pmtiles"] is False
    assert problems == []


def _village_map(page: Any, base: str, code: str) -> dict[str, float]:
    """Log in as the admin, open the village's page and wait for its basemap tiles; the
    map's box on the page."""
    browser_login(page, base, "admin")
    page.goto(f"{base}/villages/{code}")
    page.wait_for_selector("#village-map[data-ready]")
    page.wait_for_function(
        "() => document.querySelectorAll('canvas.leaflet-tile-loaded').length >= 4"
    )
    page.wait_for_load_state("networkidle")
    box: dict[str, float] = page.locator("#village-map").bounding_box()
    return box


@pytest.mark.browser
def test_the_layer_is_named_in_english(site: Flask) -> None:
    code = _village_code(site)
    with thread_server(site) as base, chromium_page(1366, 900) as (page, problems):
        browser_login(page, base, "ani")
        page.goto(f"{base}/lang/en?next=/villages/{code}")
        page.wait_for_selector("#village-map[data-ready]")
        page.wait_for_selector(".leaflet-control-layers")
        words = page.locator(".leaflet-control-layers").text_content()
        assert "Offline map (PMTiles)" in words and "Peta luring" not in words
    assert problems == []


PIXEL_JS = """([x, y]) => {
  const c = [...document.querySelectorAll('.leaflet-tile-pane canvas.leaflet-tile-loaded')].find((e) => {
    const r = e.getBoundingClientRect(); return r.left <= x && x < r.right && r.top <= y && y < r.bottom; });
  if (!c) return null;
  const r = c.getBoundingClientRect();
  const p = c.getContext('2d').getImageData((x - r.x) * c.width / r.width, (y - r.y) * c.height / r.height, 1, 1).data;
  return [p[0], p[1], p[2]]; }"""
EARTH, WATER = [226, 223, 218], [128, 222, 234]  # protomaps' light flavour


@pytest.mark.browser
def test_a_vector_archive_is_drawn_by_protomaps_leaflet(vector_site: Flask) -> None:
    code = _village_code(vector_site)
    with thread_server(vector_site) as base, chromium_page(1366, 900) as (page, problems):
        frame = _village_map(page, base, code)
        middle = [frame["x"] + frame["width"] / 2, frame["y"] + frame["height"] / 2]
        assert page.evaluate(PIXEL_JS, middle) == WATER  # the lake in the village
        assert page.evaluate(PIXEL_JS, [frame["x"] + 70, frame["y"] + 90]) == EARTH
        assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "basemap-pmtiles-vector-1366.png"), full_page=True)
    assert problems == []
