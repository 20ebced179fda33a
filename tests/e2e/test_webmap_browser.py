"""The offline web map, opened in headless Chromium with no internet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analysis.products import build_products
from analysis.simulate import SurveyConfig, simulate_survey
from tests.browser import chromium_page

ARTIFACTS = Path(__file__).resolve().parents[2] / "tests" / "artifacts"


@pytest.mark.browser
def test_web_map_renders_layers_and_legend_offline(tmp_path: Path) -> None:
    frame = simulate_survey(SurveyConfig(points=6_000, seed=4))
    build_products(frame, "510-10", "LTE", tmp_path, method="idw", spacing=100.0, executor="serial")
    alone = tmp_path / "downloaded"  # the page on its own, as a provider saves or mails it
    alone.mkdir()
    (alone / "map.html").write_bytes((tmp_path / "map.html").read_bytes())
    with chromium_page() as (page, problems):
        page.goto((alone / "map.html").as_uri())
        page.wait_for_selector(".leaflet-container")
        page.wait_for_selector(".leaflet-image-layer")
        assert page.locator(".leaflet-control-layers-overlays label").count() >= 3
        assert page.locator(".leaflet-control-layers-overlays").is_visible()  # open on a screen
        assert page.locator("#petasinyal-legend").is_visible()
        assert "Tidak ada sinyal" in page.locator("#petasinyal-legend").inner_text()
        assert "Di jalan yang sudah disurvei" in page.locator("#petasinyal-legend").inner_text()
        polygons = page.evaluate("""() => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            let n = 0;
            map.eachLayer(layer => { if (layer instanceof L.Polygon) n += 1; });
            return n;
        }""")
        assert polygons > 0  # blankspot polygons drawn (on a canvas)
        assert page.locator(".leaflet-overlay-pane canvas").count() == 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "webmap.png"))
    assert problems == []


def _boxes(page: Any) -> list[dict[str, float]]:
    """Screen rectangles of the title, the layer box, the zoom buttons, legend and scale."""
    return page.evaluate("""() => ["#petasinyal-title", ".leaflet-control-layers",
        ".leaflet-control-zoom", "#petasinyal-legend", ".leaflet-control-scale"].map(s => {
          const r = document.querySelector(s).getBoundingClientRect();
          return {name: s, left: r.left, top: r.top, right: r.right, bottom: r.bottom};
        })""")


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and (b["top"] < a["bottom"])
    )


@pytest.mark.browser
def test_on_a_phone_the_map_shows_the_map_and_one_tap_opens_each_box(tmp_path: Path) -> None:
    """At 390 px the layer box and the legend start folded, nothing covers anything else,
    and a tap opens them (the file on its own, as a provider opens it on a phone)."""
    frame = simulate_survey(SurveyConfig(points=3_000, seed=4))
    build_products(frame, "510-10", "LTE", tmp_path, method="idw", spacing=150.0, executor="serial")
    with chromium_page(390, 800) as (page, problems):
        page.goto((tmp_path / "map.html").as_uri())
        page.wait_for_selector(".leaflet-image-layer")
        layers = page.locator(".leaflet-control-layers")
        legend = page.locator("#petasinyal-legend")
        assert "leaflet-control-layers-expanded" not in (layers.get_attribute("class") or "")
        assert not page.locator(".leaflet-control-layers-overlays").is_visible()
        assert legend.get_attribute("aria-expanded") == "false"
        assert legend.inner_text().strip().startswith("Peta sinyal")
        assert "Sinyal kuat" not in legend.inner_text()
        boxes = _boxes(page)
        clashes = [
            (a["name"], b["name"]) for i, a in enumerate(boxes) for b in boxes[i + 1 :]
            if _overlap(a, b)
        ]  # fmt: skip
        assert clashes == []
        assert all(b["left"] >= 0 and b["right"] <= 390 for b in boxes)
        legend.click()
        assert "Sinyal kuat" in legend.inner_text()
        assert legend.get_attribute("aria-expanded") == "true"
        # a tap is a click without a hover first (a mouse over the box opens it by itself)
        page.locator(".leaflet-control-layers-toggle").dispatch_event("click")
        assert page.locator(".leaflet-control-layers-overlays").is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "webmap_phone.png"))
    assert problems == []
