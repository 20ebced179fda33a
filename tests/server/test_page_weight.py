"""Page weight on rural mobile data: each page's first load (empty cache, phone width) is
under 500 kB on the wire; village outlines are simplified per zoom, compressed, and answered
with 304 when the browser has them."""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient

from analysis.boundaries import Region
from server.regions import OUTLINE_ZOOMS, RegionIndex
from tests.server.phone_site import browser, build_site, logged_in_state, role_pages, serve, visit
from tests.server.web import login, make_cast

LIMIT = 500_000  # bytes on the wire for a page and everything it loads


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("phone-site")
    ids = build_site(folder)
    with serve(folder) as base:
        yield {**ids, "base": base}


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("user", ["admin", "ani", "tsel"])
def test_first_load_of_every_page_is_under_500_kb_on_a_phone(
    site: dict[str, Any], user: str
) -> None:
    base = site["base"]
    weights = {}
    with browser() as chromium:
        state = logged_in_state(chromium, base, user)
        for path in role_pages(site)[user]:
            with visit(chromium, state, f"{base}{path}") as page:
                page.page.wait_for_timeout(200)  # maps that refine after their first draw
                page.page.wait_for_load_state("networkidle")
                weights[path] = page.total
                assert page.problems == [], (path, page.problems)
                assert any(u.startswith(f"{base}{path}") for u in page.sizes), path
    heavy = {path: n for path, n in weights.items() if n >= LIMIT}
    assert heavy == {}, f"pages over {LIMIT} bytes: {heavy}"


def _province(villages: int = 900, corners: int = 300) -> list[Region]:
    """A province-sized coverage: ``villages`` wiggly polygons of ``corners`` corners each."""
    side = math.ceil(math.sqrt(villages))
    regions = []
    for n in range(villages):
        x0, y0 = 100.0 + (n % side) * 0.03, -1.5 + (n // side) * 0.03
        ring = []
        for k in range(corners):
            angle = 2 * math.pi * k / corners
            radius = 0.014 * (1 + 0.06 * math.sin(17 * angle) + 0.03 * math.sin(61 * angle))
            ring.append((x0 + radius * math.cos(angle), y0 + radius * math.sin(angle)))
        polygon = shapely.Polygon(ring)
        regions.append(Region(f"13.01.01.{n:04d}", f"Desa {n}", polygon))
    return regions


def test_outlines_are_simplified_per_zoom_and_small_for_a_province() -> None:
    index = RegionIndex(_province())
    sizes = {z: len(gzip.compress(index.outlines(z).text.encode())) for z in OUTLINE_ZOOMS}
    assert list(sizes.values()) == sorted(sizes.values())  # coarser is smaller
    assert sizes[8] < 120_000, sizes  # a province overview on a phone
    assert index.outlines(9).zoom == 10 and index.outlines(30).zoom == 14
    assert index.outlines(None).zoom == 10 and index.outline_geojson == index.outlines(10).text
    assert index.outlines(8) is index.outlines(7.5)  # built once per level
    outlines = json.loads(index.outlines(8).text)
    assert len(outlines["features"]) == 900  # even the smallest village stays on the map
    assert all(f["geometry"]["coordinates"] for f in outlines["features"])


@pytest.fixture
def officer(app: Flask, client: FlaskClient) -> FlaskClient:
    make_cast(app)
    login(client, "ani")
    return client


def test_outlines_answer_304_when_the_browser_has_them(officer: FlaskClient) -> None:
    first = officer.get("/map/villages.geojson?z=8")
    assert first.status_code == 200 and first.headers["ETag"].startswith('W/"z8-')
    assert "max-age=3600" in first.headers["Cache-Control"]
    again = officer.get(
        "/map/villages.geojson?z=8", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    finer = officer.get(
        "/map/villages.geojson?z=14", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert finer.status_code == 200 and finer.headers["ETag"] != first.headers["ETag"]
    assert len(first.data) < len(finer.data)
    assert officer.get("/map/villages.geojson").headers["ETag"].startswith('W/"z10-')


def test_text_answers_are_compressed_for_browsers_that_accept_it(officer: FlaskClient) -> None:
    plain = officer.get("/map/villages.geojson?z=14")
    packed = officer.get("/map/villages.geojson?z=14", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) * 3 < len(plain.data)
    page = officer.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and b"<html" in gzip.decompress(page.data)
    assert "Content-Encoding" not in officer.get("/").headers  # only when asked for
    part = officer.get(
        "/static/app.css", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-99"}
    )
    assert part.status_code == 206 and "Content-Encoding" not in part.headers  # resumable
    assert len(part.data) == 100
    part.close()
    whole = officer.get("/static/app.css", headers={"Accept-Encoding": "gzip"})
    assert whole.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(whole.data).startswith(b"/*")
    whole.close()


def test_static_files_carry_their_version_and_are_kept_a_year(
    app: Flask, officer: FlaskClient
) -> None:
    import hashlib
    import re
    from pathlib import Path

    page = officer.get("/").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]{12})"', page)
    assert any(path == "/static/app.css" for path, _ in links)
    assert any(path.startswith("/static/vendor/leaflet/") for path, _ in links)
    for path, version in links:
        if path.startswith("/static/vendor/"):
            continue
        assert app.static_folder is not None
        content = (Path(app.static_folder) / path.removeprefix("/static/")).read_bytes()
        assert version == hashlib.sha256(content).hexdigest()[:12]  # a new file, a new URL
    path, version = links[0]
    kept = officer.get(f"{path}?v={version}")
    assert kept.status_code == 200
    assert "max-age=31536000" in kept.headers["Cache-Control"]
    assert "immutable" in kept.headers["Cache-Control"]
    kept.close()
    plain = officer.get(path)  # without a version: asked again as before
    assert "immutable" not in plain.headers.get("Cache-Control", "")
    plain.close()
