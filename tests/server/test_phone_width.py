"""Every page at a phone's width (390 px): nothing scrolls sideways, tables are cards with
their key field at the top (the verdict of the provider's villages, the officer's revoke
button, the dashboard's map links), and the product map's layer box and legend start folded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.server.phone_site import browser, build_site, logged_in_state, role_pages, serve, visit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAYOUT = """() => {
  const width = window.innerWidth;
  const outside = (el) => { const r = el.getBoundingClientRect();
    return r.width > 0 && (r.left < -1 || r.right > width + 1); };
  const tables = Array.from(document.querySelectorAll("main table.list"))
    .filter((t) => t.tHead && t.dataset.cards !== "off" && t.getBoundingClientRect().width > 0);
  return {
    sideways: Math.max(0, document.scrollingElement.scrollWidth - width),
    notCards: tables.filter((t) => !t.classList.contains("cards")).length,
    wideTables: tables.filter(outside).length,
    keysOutside: Array.from(document.querySelectorAll("td.card-key")).filter(outside).length,
    unlabelled: Array.from(document.querySelectorAll("table.cards td:not([data-label])")).length,
  };
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("phone-site")
    ids = build_site(folder)
    with serve(folder) as base:
        yield {**ids, "base": base}


@pytest.mark.parametrize("user", ["admin", "ani", "tsel"])
def test_no_page_scrolls_sideways_and_tables_are_cards(site: dict[str, Any], user: str) -> None:
    base = site["base"]
    with browser() as chromium:
        state = logged_in_state(chromium, base, user)
        for path in role_pages(site)[user]:
            with visit(chromium, state, f"{base}{path}") as page:
                layout = page.page.evaluate(LAYOUT)
                assert layout == {
                    "sideways": 0,
                    "notCards": 0,
                    "wideTables": 0,
                    "keysOutside": 0,
                    "unlabelled": 0,
                }, path
                assert page.problems == [], (path, page.problems)


def _key_texts(page: Any, table: str) -> list[str]:
    """The key field of each card of ``table``, checking it is on screen at the card's top."""
    cells = page.locator(f"{table} td.card-key")
    assert cells.count() > 0, table
    for n in range(min(cells.count(), 5)):
        cell = cells.nth(n)
        assert cell.is_visible()
        box, row = cell.bounding_box(), cell.locator("xpath=..").bounding_box()
        assert box["x"] + box["width"] <= 390 and box["y"] - row["y"] < 20  # top of its card
    return [cells.nth(n).inner_text() for n in range(cells.count())]


def test_the_key_fields_come_first_on_a_phone(site: dict[str, Any]) -> None:
    base, release = site["base"], site["release"]
    with browser() as chromium:
        provider = logged_in_state(chromium, base, "tsel")
        with visit(chromium, provider, f"{base}/releases/{release}") as page:
            assert all(_key_texts(page.page, "table.villages"))  # the verdict badges
            assert page.page.locator("table.villages td.card-key .badge").count() > 0
        officer = logged_in_state(chromium, base, "ani")
        with visit(chromium, officer, f"{base}/devices") as page:
            _key_texts(page.page, "table.list")
            assert page.page.locator("td.card-key button").first.is_visible()  # revoke
        admin = logged_in_state(chromium, base, "admin")
        with visit(chromium, admin, f"{base}/") as page:
            keys = page.page.locator("td.card-key a[href*='/releases/']")
            assert keys.count() == 2 and keys.first.is_visible()  # the map of each operator
            _key_texts(page.page, "table.list")
        with visit(chromium, admin, f"{base}/devices", width=1366) as page:
            assert page.page.locator("table.list thead th").first.is_visible()  # a table


def test_the_product_map_controls_fold_on_a_phone(site: dict[str, Any]) -> None:
    base, job = site["base"], site["job"]
    folded = """() => {
      const doc = document.querySelector("iframe.productmap").contentDocument;
      const box = doc.querySelector(".leaflet-control-layers");
      const legend = doc.querySelector(".petasinyal-legend, .map-legend, .leaflet-control.legend");
      return {layers: box.classList.contains("leaflet-control-layers-expanded"),
              legend: legend ? legend.classList.contains("folded") : null,
              // one fold arrow: the map's own, none added by the page
              after: legend ? getComputedStyle(legend, "::after").content : null};
    }"""
    with browser() as chromium:
        admin = logged_in_state(chromium, base, "admin")
        for width, expanded in ((390, False), (1366, True)):
            with visit(chromium, admin, f"{base}/jobs/{job}", width=width) as page:
                frame = page.page.locator("iframe.productmap").first
                frame.scroll_into_view_if_needed()
                inner = page.page.frame_locator("iframe.productmap").first
                inner.locator(".leaflet-control-layers").wait_for(state="attached")
                page.page.wait_for_timeout(300)
                state = page.page.evaluate(folded)
                assert state["layers"] is expanded, width
                assert state["legend"] in (None, not expanded), width
                assert state["after"] in (None, "none", "normal"), width
                if width == 390:
                    # a tap: a click without a hover first (a mouse over the box opens it)
                    inner.locator(".leaflet-control-layers-toggle").dispatch_event("click")
                    assert page.page.evaluate(folded)["layers"] is True  # one tap opens it
