"""Review that flows, in Debian's headless Chromium with no internet: 247 readings taken at two
spots show as two counted points on a map fitted to them; a spot's popup tells time, signal,
class, village and operator and excludes a reading; the popup leads to the reading's row on
another page of the table, and a row centres the map. Screenshots of the queue and an upload
at desktop and phone width land in ``R_SHOTS`` (default tests/artifacts/review/)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from server.db import session_scope
from server.models import Measurement
from server.review import review_upload
from tests.browser import chromium_page
from tests.server.conftest import auth, enrol, reading
from tests.server.live import site_app, thread_server
from tests.server.web import browser_login, make_cast

pytestmark = pytest.mark.browser
SHOTS = Path(
    os.environ.get("R_SHOTS") or Path(__file__).resolve().parents[1] / "artifacts" / "review"
)
MARKET = {"lat": -0.30560, "lon": 100.36920}  # two spots in Bukittinggi, ~400 m apart
HILL = {"lat": -0.30300, "lon": 100.37200}


def _spot(where: dict[str, float], n: int, start: datetime, rsrp: list[float]) -> list[Any]:
    return [
        reading(
            lat=where["lat"] + (i % 3 - 1) * 0.00001,
            lon=where["lon"] + (i % 2) * 0.00001,
            observed_at=(start + timedelta(seconds=10 * i)).isoformat(),
            rsrp_dbm=rsrp[i % len(rsrp)],
        )
        for i in range(n)
    ]


def _send(app: Any, client: Any, officer: str, readings: list[Any]) -> str:
    token = enrol(app, client, officer, http=False)
    body = {"batch_id": str(uuid.uuid4()), "measurements": readings}
    answer = client.post("/api/v1/uploads", json=body, headers=auth(token))
    assert answer.status_code == 201, answer.json
    return str(answer.json["upload_id"])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A live server (SQLite) with ani's upload of 247 readings at two spots waiting, and
    budi's walk sent back with a comment."""
    app = site_app(tmp_path_factory.mktemp("review"))
    client = app.test_client()
    ids = make_cast(app)
    start = datetime.now(UTC) - timedelta(hours=3)
    readings = _spot(MARKET, 150, start, [-85.0, -92.0, -104.0]) + _spot(
        HILL, 97, start + timedelta(hours=1), [-112.0, -121.0, -125.0]
    )
    spots = _send(app, client, "ani", readings)
    walk = [
        reading(
            lat=MARKET["lat"] + i * 0.0002,
            lon=MARKET["lon"] - i * 0.0002,
            observed_at=(start + timedelta(minutes=i)).isoformat(),
            rsrp_dbm=-90.0 - i,
        )
        for i in range(30)
    ]
    sent_back = _send(app, client, "budi", walk)
    with app.app_context():
        review_upload(
            sent_back,
            "has_issues",
            "admin:admin",
            "GPS lompat di Jl. Sudirman; ulangi",
            ids["admin"],
        )
    SHOTS.mkdir(parents=True, exist_ok=True)
    with thread_server(app) as base:
        yield {
            "app": app,
            "base": base,
            "spots": spots,
            "sent_back": sent_back,
            "hill": readings[150]["id"],
        }


def _excluded(app: Any, upload_id: str) -> int:
    with app.app_context(), session_scope() as db:
        return int(
            db.scalar(
                select(func.count()).where(
                    Measurement.upload_id == upload_id, Measurement.excluded.is_(True)
                )
            )
            or 0
        )


def test_the_map_groups_fits_and_excludes_from_a_popup(site: dict[str, Any]) -> None:
    base, app, upload_id = site["base"], site["app"], site["spots"]
    with chromium_page(1366, 900) as (page, problems):
        browser_login(page, base, "admin")
        page.goto(f"{base}/uploads?state=all")
        row = page.locator("table.queue tbody tr", has_text="budi").inner_text()
        assert "Telkomsel (510-10)" in row and "admin: “GPS lompat" in row
        page.screenshot(path=str(SHOTS / "queue-1366.png"), full_page=True)

        page.goto(f"{base}/uploads/{upload_id}")
        page.wait_for_selector("#map[data-ready]")
        assert page.get_attribute("#map", "data-ready") == "247"
        assert page.get_attribute("#map", "data-spot-count") == "2"
        spots = page.locator(".leaflet-marker-icon.spot")
        assert sorted(spots.all_inner_texts()) == ["150", "97"]
        frame = page.locator("#map").bounding_box()
        boxes = [spots.nth(i).bounding_box() for i in range(2)]
        for box in boxes:  # both in view, well apart: the map is fitted to the readings
            assert frame["x"] < box["x"] < frame["x"] + frame["width"] - box["width"]
            assert frame["y"] < box["y"] < frame["y"] + frame["height"] - box["height"]
        assert abs(boxes[0]["x"] - boxes[1]["x"]) + abs(boxes[0]["y"] - boxes[1]["y"]) > 200
        page.screenshot(path=str(SHOTS / "upload-1366.png"), full_page=True)

        page.locator(".leaflet-marker-icon.spot", has_text="97").click()
        popup = page.locator(".spot-popup")
        popup.locator("li").first.wait_for()
        text = popup.inner_text()
        for words in ("97 pengukuran di titik ini", "WIB", "dBm RSRP", "Telkomsel (510-10)"):
            assert words in text, words
        assert "sinyal lemah" in text or "tanpa sinyal" in text
        page.screenshot(path=str(SHOTS / "upload-popup-1366.png"))
        first = popup.locator("li").first
        first.locator("button[data-toggle]").click()
        page.locator(".spot-popup li").first.locator(
            "button[data-toggle]", has_text="Sertakan"
        ).wait_for()
        assert _excluded(app, upload_id) == 1

        page.locator(".spot-popup li").first.locator("a[data-row]").click()  # on page 2
        page.wait_for_selector(f"#r-{site['hill']}.current")
        assert "page=2" in page.url
        assert "excluded" in (page.get_attribute(f"#r-{site['hill']}", "class") or "")

        page.locator("table.readings tbody tr").nth(10).locator("button.show-on-map").click()
        page.locator(".spot-popup li").first.wait_for()
        assert "150 pengukuran" in page.locator(".spot-popup").inner_text()
    assert problems == []


@pytest.mark.parametrize("width", [390, 1366])
def test_screenshots_of_the_queue_and_an_upload(site: dict[str, Any], width: int) -> None:
    base = site["base"]
    with chromium_page(width, 844 if width < 600 else 900) as (page, problems):
        browser_login(page, base, "admin")
        page.goto(f"{base}/uploads?state=all")
        page.screenshot(path=str(SHOTS / f"queue-all-{width}.png"), full_page=True)
        page.goto(f"{base}/uploads/{site['sent_back']}")
        page.wait_for_selector("#map[data-ready]")
        page.screenshot(path=str(SHOTS / f"upload-walk-{width}.png"), full_page=True)
        page.goto(f"{base}/uploads/{site['spots']}")
        page.wait_for_selector("#map[data-ready]")
        page.locator(".leaflet-marker-icon.spot", has_text="150").click()
        page.locator(".spot-popup li").first.wait_for()
        page.screenshot(path=str(SHOTS / f"upload-spots-{width}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    with chromium_page(width, 844 if width < 600 else 900) as (page, more):
        browser_login(page, base, "budi")
        page.goto(f"{base}/uploads")
        assert site["sent_back"][:8] in page.content()  # sent back: in the default view
        page.screenshot(path=str(SHOTS / f"officer-queue-{width}.png"), full_page=True)
    assert problems == [] and more == []
