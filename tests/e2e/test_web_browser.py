"""The web interface in Debian's headless Chromium, with no internet: an admin reviews and
builds maps, a provider sees only its own network, an officer cannot review, and every page
fits a phone's width. Screenshots of each page land in tests/artifacts/web/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from server.cli import start_worker
from server.db import session_scope
from server.jobs import claim_job, create_job, run_job
from server.models import Upload
from server.releases import publish
from server.review import review_upload
from tests.browser import chromium_page
from tests.server.live import site_app, thread_server
from tests.server.web import browser_login, make_cast, recent_survey, send_survey

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A live server (SQLite, job worker running) with two officers' uploads waiting and
    one finished job for Telkomsel and XL."""
    app = site_app(tmp_path_factory.mktemp("site"), JOB_POLL_SECONDS=0.2)
    client = app.test_client()
    ids = make_cast(app)
    ani = send_survey(app, client, "ani", recent_survey(3_000), batch=1_000)
    budi = send_survey(app, client, "budi", recent_survey(600, seed=11), batch=600)
    with app.app_context():
        for upload_id in ani[:-2]:  # the last two are reviewed in the browser
            review_upload(upload_id, "approved", "admin:admin")
        finished = create_job(
            "admin:admin",
            ids["admin"],
            ["510-10", "510-11"],
            "LTE",
            {"kind": "all", "label": "all"},
            spacing=100.0,
        )
        claim_job()
        assert run_job(finished) == "done"
        xl_only = create_job(
            "admin:admin", ids["admin"], ["510-11"], "LTE", {"kind": "all", "label": "all"}
        )
        claim_job()
        run_job(xl_only)
        day = date.today()
        released, xl_release = (
            publish(job, "admin:admin", ids["admin"], f"Rilis {job}", None, day, day, "uji")
            for job in (finished, xl_only)
        )
    start_worker(app)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with thread_server(app) as base:
        yield {
            "app": app,
            "base": base,
            "ani": ani,
            "budi": budi,
            "finished": finished,
            "xl_only": xl_only,
            "released": released,
            "xl_release": xl_release,
        }
    app.extensions["petasinyal.worker"].stop()


def _state(app: Any, upload_id: str) -> tuple[str, str | None]:
    with app.app_context(), session_scope() as db:
        upload = db.get(Upload, upload_id)
        return upload.state, upload.comment


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_admin_reviews_builds_maps_and_downloads(site: dict[str, Any], tmp_path: Path) -> None:
    base, app = site["base"], site["app"]
    second, third = site["ani"][-2], site["ani"][-1]
    with chromium_page() as (page, problems):
        page.goto(f"{base}/login")
        _shot(page, "login")
        browser_login(page, base, "admin")
        page.wait_for_selector("#survey-map[data-ready]")
        _shot(page, "dashboard")
        page.click("nav.menu >> text=Pemeriksaan")
        waiting = 2 + len(site["budi"])
        assert page.locator("table.list tbody tr").count() == waiting
        _shot(page, "review-queue")

        page.goto(f"{base}/uploads/{second}")
        page.wait_for_selector("#map[data-ready]")
        with app.app_context(), session_scope() as db:
            readings = db.get(Upload, second).accepted
        assert int(page.get_attribute("#map", "data-ready")) == readings
        _shot(page, "upload")
        page.select_option("select[name=state]", "approved")
        page.click("form.review button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert _state(app, second) == ("approved", None)

        page.goto(f"{base}/uploads/{third}")
        page.select_option("select[name=state]", "has_issues")
        page.fill("textarea[name=comment]", "GPS tidak akurat di Matur; ulangi")
        page.click("form.review button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert _state(app, third) == ("has_issues", "GPS tidak akurat di Matur; ulangi")

        page.goto(f"{base}/jobs")
        page.check("input[name=operators][value='510-10']")
        page.fill("input[name=spacing]", "100")
        _shot(page, "jobs")
        page.click("form[action='/jobs'] button[type=submit]")
        page.wait_for_selector("iframe.productmap", timeout=240_000)  # reloads when done
        assert "selesai" in page.locator("h1 .badge").inner_text()
        page.frame_locator("iframe.productmap").locator(".leaflet-container").wait_for()
        _shot(page, "job")
        for name, magic in (("classes_wgs84.tif", b"II*\x00"), ("products.kmz", b"PK")):
            with page.expect_download() as info:
                page.click(f"a[download][title^='{name}']")
            saved = tmp_path / name
            info.value.save_as(saved)
            assert saved.read_bytes()[: len(magic)] == magic

        page.goto(f"{base}/audit")
        reviews = len(site["ani"])  # those of the fixture, and these two
        assert page.locator("tr[data-action='upload.review']").count() == reviews
        _shot(page, "audit")
        page.goto(f"{base}/campaigns/new")
        page.wait_for_selector("#draw-map[data-ready]")
        _shot(page, "campaign-new")
        page.fill("input[name=name]", "Survei Matur")
        page.fill("input[name=starts_on]", (date.today() - timedelta(days=30)).isoformat())
        page.fill("input[name=ends_on]", (date.today() + timedelta(days=30)).isoformat())
        page.locator("input[name=officers]").first.check()
        page.locator("#draw-map").scroll_into_view_if_needed()  # as the admin would
        box = page.locator("#draw-map").bounding_box()
        page.click("#draw-map .leaflet-pm-icon-polygon")  # Leaflet-Geoman's polygon tool
        for fx, fy in ((0.45, 0.4), (0.6, 0.4), (0.6, 0.6), (0.45, 0.6), (0.45, 0.4)):
            page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        assert '"type":"Polygon"' in page.input_value("textarea[name=area]")
        page.click("#campaign-form button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").inner_text() == "Survei Matur"
        assert "desa disurvei" in page.locator(".stats").inner_text()
        _shot(page, "campaign")
        page.goto(f"{base}/users")
        _shot(page, "users")
    assert problems == []


def test_provider_sees_only_its_own_operator(site: dict[str, Any]) -> None:
    base = site["base"]
    with chromium_page() as (page, problems):
        browser_login(page, base, "tsel")
        assert page.url.endswith("/provider")
        portal = page.locator("main").inner_text()
        assert "510-10" in portal and "510-11" not in portal
        _shot(page, "provider-portal")
        page.goto(f"{base}/releases/{site['released']}")
        assert "510-10" in page.locator("main").inner_text()
        assert "510-11" not in page.locator("main").inner_text()
        assert page.goto(f"{base}/releases/{site['xl_release']}").status == 404
        _shot(page, "provider-other-release")
        assert page.goto(f"{base}/jobs/{site['finished']}").status == 403  # drafts: admins
        page.goto(f"{base}/tokens")
        page.fill("input[name=name]", "GIS kantor")
        page.click("form[action='/tokens'] button[type=submit]")
        assert len(page.locator("#new-token").inner_text()) > 30
        _shot(page, "provider-tokens")
        assert page.goto(f"{base}/uploads").status == 403
    # the refusals above are the only errors
    assert [p for p in problems if "status of 404" not in p and "status of 403" not in p] == []


def test_officer_sees_own_uploads_and_cannot_review(site: dict[str, Any]) -> None:
    base, app = site["base"], site["app"]
    budi_upload = site["budi"][-1]
    with chromium_page() as (page, problems):
        browser_login(page, base, "budi")
        page.goto(f"{base}/uploads?state=all")
        assert page.locator("table.list tbody tr").count() == len(site["budi"])
        _shot(page, "officer-uploads")
        page.goto(f"{base}/uploads/{budi_upload}")
        assert page.locator("form.review").count() == 0
        status = page.evaluate(
            """async (url) => {
                const token = document.querySelector('input[name=csrf_token]').value;
                const body = new URLSearchParams({state: 'approved', csrf_token: token});
                return (await fetch(url, {method: 'POST', body})).status;
            }""",
            f"{base}/uploads/{budi_upload}/review",
        )
        assert status == 403
        assert _state(app, budi_upload)[0] == "received"
    assert [p for p in problems if "status of 403" not in p] == []  # only the refusal


@pytest.mark.parametrize("path", ["/", "/uploads", "upload", "/jobs", "job", "/audit", "/devices"])
def test_pages_fit_a_phone(site: dict[str, Any], path: str) -> None:
    base = site["base"]
    target = {"upload": f"/uploads/{site['ani'][0]}", "job": f"/jobs/{site['finished']}"}.get(
        path, path
    )
    with chromium_page(width=390, height=844) as (page, problems):
        browser_login(page, base, "admin")
        page.goto(f"{base}{target}")
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{target} is {overflow} px wider than the phone"
        assert page.locator(".menu").is_hidden()  # the menu folds behind its button
        page.click("label.menu-button")
        assert page.locator(".menu").is_visible()
        _shot(page, f"phone-{path.strip('/').replace('/', '-') or 'dashboard'}")
    assert problems == []
