"""The offline web map, opened in headless Chromium with no internet."""

from __future__ import annotations

from pathlib import Path

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
        assert page.locator("#petasinyal-legend").is_visible()
        assert "Tidak ada sinyal" in page.locator("#petasinyal-legend").inner_text()
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
