"""The loop with the operators in Debian's headless Chromium, across roles: an admin
publishes a job as a release; the provider sees the release, its villages and the blankspots
to answer, and disputes one with a real G-NetTrack file; the admin accepts; the officers who
surveyed the village get a verification campaign (in the pages and on the phone); they survey
it again, and the next release closes the item; the provider sees it closed and the change.
Screenshots land in tests/artifacts/operator-loop/ (and /tmp/s4/shots/ when it exists)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import shapely

from server.db import session_scope
from server.jobs import claim_job, create_job, run_job
from server.models import Campaign, OperatorResponse
from server.review import review_upload
from tests.browser import chromium_page
from tests.conftest import SHARED_DATA, require_part
from tests.server.conftest import auth, enrol, reading
from tests.server.live import site_app, thread_server
from tests.server.web import browser_login, make_cast, recent_survey, send_survey

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "operator-loop"
EXTRA_SHOTS = Path("/tmp/s4/shots")


def _job(app: Any, admin: int) -> int:
    """A finished LTE map of Telkomsel and XL from the approved readings."""
    with app.app_context():
        job_id = create_job(
            "admin:admin", admin, ["510-10", "510-11"], "LTE", {"kind": "all", "label": "all"}
        )
        assert claim_job() == job_id
        assert run_job(job_id) == "done"
    return job_id


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A live server (SQLite) with an approved survey by officer ani and a finished job."""
    files = sorted((SHARED_DATA / "drivetests" / "cork-gnettrack").rglob("*.csv"))
    require_part(bool(files), f"G-NetTrack drive tests in {SHARED_DATA}/drivetests")
    app = site_app(tmp_path_factory.mktemp("loop"), "loop-test")
    client = app.test_client()
    ids = make_cast(app)
    with app.app_context():
        for upload_id in send_survey(app, client, "ani", recent_survey(3_000), batch=1_000):
            review_upload(upload_id, "approved", "admin:admin")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with thread_server(app) as base:
        yield {
            "app": app,
            "client": client,
            "base": base,
            "ids": ids,
            "job": _job(app, ids["admin"]),
            "gnettrack": files[0],
        }
    app.extensions["petasinyal.engine"].dispose()


def _shot(page: Any, name: str) -> None:
    path = SHOTS / f"C-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if EXTRA_SHOTS.is_dir():
        shutil.copy(path, EXTRA_SHOTS / path.name)


def _publish(page: Any, base: str, job_id: int, title: str, shot: str) -> int:
    """Publish the job from its page (with the override when the evidence is short)."""
    page.goto(f"{base}/jobs/{job_id}")
    form = page.locator("#publish form")
    form.locator("input[name=title]").fill(title)
    today = datetime.now(UTC).date()
    form.locator("input[name=period_from]").fill((today - timedelta(days=30)).isoformat())
    form.locator("input[name=period_to]").fill(today.isoformat())
    if form.locator("input[name=override]").count():
        form.locator("input[name=override]").check()
        form.locator("textarea[name=override_reason]").fill("uji: data simulasi")
    _shot(page, shot)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "/releases/" in page.url, page.locator(".flash").all_inner_texts()
    return int(page.url.rstrip("/").rsplit("/", 1)[1].split("?")[0])


def _resurvey(site: dict[str, Any], code: str) -> None:
    """Officer ani walks the village again and finds strong LTE of Telkomsel; approved."""
    app, client = site["app"], site["client"]
    with app.app_context():
        from server.regions import current_regions

        regions = current_regions()
        assert regions is not None
        village = regions.by_code[code].geometry
    low_x, low_y, high_x, high_y = village.bounds
    points: list[tuple[float, float]] = []
    step = max(high_x - low_x, high_y - low_y) / 40
    y = low_y
    while y <= high_y:
        x = low_x
        while x <= high_x:
            if village.contains(shapely.Point(x, y)):
                points.append((x, y))
            x += step
        y += step
    start = datetime.now(UTC) - timedelta(hours=3)
    records = [
        reading(
            lat=lat,
            lon=lon,
            rsrp_dbm=-72.0,
            session_id="verifikasi",
            observed_at=(start + timedelta(seconds=5 * i)).isoformat(),
        )
        for i, (lon, lat) in enumerate(points)
    ]
    token = enrol(app, client, "ani", http=False)
    body = {"batch_id": str(uuid.uuid4()), "measurements": records}
    answer = client.post("/api/v1/uploads", json=body, headers=auth(token))
    assert answer.status_code == 201, answer.json
    with app.app_context():
        review_upload(answer.json["upload_id"], "approved", "admin:admin")


def test_the_loop_with_the_operators(site: dict[str, Any]) -> None:
    base, app = site["base"], site["app"]
    with chromium_page() as (page, problems):
        # 1. the admin publishes the job as a release
        browser_login(page, base, "admin")
        first = _publish(page, base, site["job"], "Rilis uji pertama", "1-publish")
        _shot(page, "2-release-admin")

        # 2. the provider sees the release, its villages, and the blankspots to answer
        browser_login(page, base, "tsel")
        page.goto(f"{base}/releases")
        assert page.locator(f"a[href='/releases/{first}']").count() >= 1
        _shot(page, "3-provider-releases")
        page.goto(f"{base}/releases/{first}")
        assert page.locator("table.villages tbody tr").count() > 0
        assert "510-11" not in page.locator("main").inner_text()  # XL's product is not shown
        _shot(page, "4-provider-release")
        page.goto(f"{base}/responses?tab=open")
        answers = page.locator("#open a.answer")
        assert answers.count() > 0, "no village without signal to answer"
        _shot(page, "5-to-answer")

        # 3. ... and disputes the first with a real G-NetTrack drive test
        answers.first.click()
        page.wait_for_load_state("networkidle")
        code = page.locator("input[name=village]").input_value()
        page.check("input[name=kind][value=disputed]")
        assert page.locator("input[name=site_name]").is_hidden()  # a planned site's field
        page.fill("textarea[name=message]", "Drive test kami menunjukkan sinyal LTE di desa ini.")
        page.set_input_files("input[name=evidence]", str(site["gnettrack"]))
        _shot(page, "6-dispute-form")
        page.click("form.response-form button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.wait_for_selector("#response-map[data-ready]")
        assert "/responses/" in page.url
        response_id = int(page.url.rsplit("/", 1)[1])
        assert int(page.get_attribute("#response-map", "data-evidence") or 0) > 500
        assert int(page.get_attribute("#response-map", "data-survey") or 0) > 0
        assert "0 pengukuran di dalam desa" in page.locator("#timeline").inner_text()
        _shot(page, "7-disputed")

        # 4. the admin accepts; a verification campaign is opened
        browser_login(page, base, "admin")
        page.goto(f"{base}/responses?state=pending")
        page.click(f"a[href='/responses/{response_id}']")
        page.wait_for_selector("#response-map[data-ready]")
        page.check("#decide input[value=accepted]")
        page.click("#decide button[type=submit]")
        page.wait_for_load_state("networkidle")
        with app.app_context(), session_scope() as db:
            item = db.get(OperatorResponse, response_id)
            assert item is not None and item.decision == "accepted"
            campaign = db.get(Campaign, item.verification_campaign_id)
            assert campaign is not None and campaign.village_codes == [code]
            assert [o.username for o in campaign.officers] == ["ani"]
            campaign_name = campaign.name
        assert campaign_name in page.locator("#timeline").inner_text()
        _shot(page, "8-accepted")

        # 5. the officer sees the campaign: in the pages and on the phone
        browser_login(page, base, "ani")
        page.goto(f"{base}/verification")
        assert campaign_name in page.locator("main").inner_text()
        _shot(page, "9-officer-verification")
        token = enrol(app, site["client"], "ani", http=False)
        phone = requests.get(f"{base}/api/v1/devices/me", headers=auth(token), timeout=30).json()
        assert [c["name"] for c in phone["campaigns"]] == [campaign_name]

        # 6. the officer surveys the village again; the next release closes the item
        _resurvey(site, code)
        second_job = _job(app, site["ids"]["admin"])
        browser_login(page, base, "admin")
        second = _publish(page, base, second_job, "Rilis uji kedua", "10-publish-second")
        with app.app_context(), session_scope() as db:
            item = db.get(OperatorResponse, response_id)
            assert item is not None and item.closed_by_release_id == second
            outcome = item.outcome
        assert outcome in ("confirmed", "still_blankspot")

        browser_login(page, base, "tsel")
        page.goto(f"{base}/responses/{response_id}")
        page.wait_for_selector("#response-map[data-ready]")
        assert "Rilis uji kedua" in page.locator("#timeline").inner_text()
        _shot(page, "11-closed")
        page.goto(f"{base}/releases/{second}/changes")
        page.wait_for_load_state("networkidle")
        assert page.locator("main").inner_text().strip()
        _shot(page, "12-changes")
        assert problems == []
    print(f"village {code}: outcome {outcome}")
