"""All Indonesian on the maps (#15 item 4), in headless Chromium: the text of every popup,
tooltip and legend of the main map pages, read from the Leaflet maps after they are drawn
(including the popups of layers not shown yet)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser import chromium_page
from tests.server.indonesian_text import english_in, visible_text
from tests.server.live import thread_server
from tests.server.web import PASSWORD

__all__ = ["PENDING", "english_on_maps", "map_pages", "read_maps"]
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "indonesian"

# every Leaflet map made on the page is kept in window.__maps (Leaflet sets window.L last)
KEEP_MAPS = """
Object.defineProperty(window, "L", {
  configurable: true,
  get() { return this.__leaflet; },
  set(value) {
    this.__leaflet = value;
    if (!value || !value.Map) return;
    value.Map.addInitHook(function () { (window.__maps ||= []).push(this); });
    ["bindPopup", "bindTooltip"].forEach((name) => {  // also those of layers not shown yet
      const bind = value.Layer.prototype[name];
      value.Layer.prototype[name] = function (content, options) {
        (window.__bound ||= []).push([content, this]);
        return bind.call(this, content, options);
      };
    });
  },
});
"""
# the HTML of each popup and tooltip bound to a layer, and the text of the map controls
READ_MAPS = """
() => {
  const html = [];
  const content = (x) => { const c = x && x.getContent(); if (typeof c === "string") html.push(c); };
  const visit = (layer) => {
    if (layer.getPopup) content(layer.getPopup());
    if (layer.getTooltip) content(layer.getTooltip());
    if (layer.eachLayer) layer.eachLayer(visit);
  };
  (window.__maps || []).forEach((map) => map.eachLayer(visit));
  const keep = (shown) => {
    if (typeof shown === "string") html.push(shown);
    else if (shown && shown.outerHTML) html.push(shown.outerHTML);
  };
  (window.__bound || []).slice(0, 3000).forEach(([c, layer]) => {
    if (typeof c !== "function") return keep(c);
    const layers = layer.eachLayer ? layer.getLayers() : [layer];  // a group: each member
    layers.slice(0, 300).forEach((l) => { try { keep(c(l)); } catch (e) { /* not for it */ } });
  });
  document.querySelectorAll(".leaflet-control, .legend").forEach((c) => html.push(c.outerHTML));
  return html;
}
"""


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _map_texts(page: Any, url: str, shot: str) -> list[str]:
    """The popup, tooltip and legend texts of the page's maps, once they are drawn."""
    page.goto(url)
    page.wait_for_function(
        "() => (window.__maps || []).length > 0 && [...document.querySelectorAll('.map')]"
        ".every((e) => e.dataset.ready)",
        timeout=30_000,
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{shot}.png"))
    return [text for html in page.evaluate(READ_MAPS) for text in visible_text(html)]


def map_pages(site: dict[str, Any]) -> dict[str, str]:
    return {
        "village": f"/villages/{site['villages'][0]}",
        "response": f"/responses/{site['responses'][0]}",
        "survey-next": "/survey-next",
        "upload": f"/uploads/{site['flagged']}",
        "dashboard": "/",
        "product map": f"/jobs/{site['jobs']['done']}/files/510-10-LTE/map.html",
    }


def read_maps(app: Any, pages: dict[str, str]) -> dict[str, list[str]]:
    """The map texts of each page, as an admin sees them (console errors fail)."""
    with thread_server(app) as base, chromium_page() as (page, problems):
        page.add_init_script(KEEP_MAPS)
        _login(page, base, "admin")
        read = {name: _map_texts(page, base + path, name) for name, path in pages.items()}
        assert problems == []
    return read


# English left on maps drawn by other sessions' scripts (pattern -> where it comes from);
# remove a line once its owner has translated it
PENDING: dict[str, str] = {
    "Layers": "analysis/export/static/basemap.js attach(): the pages' layer switch keeps"
    " Leaflet's title (village, response, survey-next); map.html's is translated",
}


def english_on_maps(read: dict[str, list[str]]) -> list[str]:
    found: dict[str, set[str]] = {}
    for name, texts in read.items():
        for text in texts:
            if any(re.fullmatch(pattern, text) for pattern in PENDING):
                continue
            if english_in(text):
                found.setdefault(text, set()).add(name)
    return sorted(f"{t!r} ({english_in(t)}) on {sorted(p)}" for t, p in found.items())
