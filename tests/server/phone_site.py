"""A demo-like live site for the phone tests (page weight, phone width): two officers'
uploads, a finished job published as a release, a campaign; and the pages of each role."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from server.db import session_scope
from server.jobs import claim_job, create_job, run_job
from server.models import Campaign
from server.releases import publish
from server.review import review_upload
from tests.browser import ARGS, CHROMIUM
from tests.conftest import require_part
from tests.server.live import site_app as live_site_app
from tests.server.live import thread_server
from tests.server.web import browser_login, make_cast, recent_survey, send_survey

__all__ = [
    "Visit",
    "browser",
    "build_site",
    "logged_in_state",
    "role_pages",
    "serve",
    "site_app",
    "visit",
]


def site_app(folder: Path) -> Flask:
    """The app of a site kept in ``folder`` (its database, boundaries and job files)."""
    return live_site_app(folder, "phone-test")


def build_site(folder: Path) -> dict[str, Any]:
    """Fill a new site in ``folder``: uploads, a job published as a release, a campaign;
    the ids the pages need."""
    from server.campaigns import create_campaign
    from server.regions import current_regions

    app = site_app(folder)
    client = app.test_client()
    ids = make_cast(app)
    ani = send_survey(app, client, "ani", recent_survey(3_000), batch=1_000)
    with app.app_context():
        for upload_id in ani[:-1]:
            review_upload(upload_id, "approved", "admin:admin")
        job = create_job(
            "admin:admin",
            ids["admin"],
            ["510-10", "510-11"],
            "LTE",
            {"kind": "all", "label": "all"},
            spacing=100.0,
        )
        claim_job()
        assert run_job(job) == "done"
        day = date.today()
        release = publish(job, "admin:admin", ids["admin"], "Rilis uji", None, day, day, "uji")
        regions = current_regions()
        assert regions is not None
        codes = [r.code for r in regions.regions[:6]]
        create_campaign("admin:admin", "Survei uji", regions, codes, None, [ids["ani"]], None, None)
        with session_scope() as db:
            campaign = db.scalars(select(Campaign.id)).one()
    return {
        "upload": ani[-1],
        "job": job,
        "release": release,
        "campaign": campaign,
        "village": codes[0],
    }


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve the site of ``folder`` on a free port; its base URL."""
    with thread_server(site_app(folder)) as base:
        yield base


def role_pages(site: dict[str, Any]) -> dict[str, list[str]]:
    """The main pages of each role (user name: paths)."""
    upload, job, release = site["upload"], site["job"], site["release"]
    village, campaign = site["village"], site["campaign"]
    return {
        "admin": [
            "/",
            "/uploads",
            f"/uploads/{upload}",
            "/jobs",
            f"/jobs/{job}",
            "/campaigns",
            "/campaigns/new",
            f"/campaigns/{campaign}",
            "/survey-next",
            "/users",
            "/devices",
            "/audit",
            "/releases",
            f"/releases/{release}",
            f"/releases/{release}/changes",
            "/villages",
            f"/villages/{village}",
            "/responses",
            "/verification",
            "/notifications",
        ],
        "ani": ["/", "/uploads?state=all", f"/uploads/{upload}", "/devices", "/verification"],
        "tsel": [
            "/provider",
            "/releases",
            f"/releases/{release}",
            "/villages",
            f"/villages/{village}",
            "/responses",
            "/tokens",
        ],
    }


@contextmanager
def browser() -> Iterator[Any]:
    """Debian's headless Chromium (skips the test where it or Playwright is missing)."""
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    require_part(executable is not None, "Debian's chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        require_part(False, "the playwright Python package")
        raise
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def logged_in_state(chromium: Any, base: str, username: str) -> dict[str, Any]:
    """The cookies of a logged-in session, so each page can then start with an empty cache."""
    context = chromium.new_context()
    browser_login(context.new_page(), base, username)
    state: dict[str, Any] = context.storage_state()
    context.close()
    return state


@dataclass
class Visit:
    """A page opened in a fresh context: bytes on the wire per URL, and its problems."""

    page: Any
    context: Any
    problems: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.sizes.values())


@contextmanager
def visit(chromium: Any, state: dict[str, Any], url: str, width: int = 390) -> Iterator[Visit]:
    """Open ``url`` with an empty cache at ``width`` and wait until the network is quiet.

    Sizes are Chromium's own count of the bytes received for each response (headers and
    the body as sent, so compressed where the server compressed it).
    """
    height = 844 if width < 600 else 900
    context = chromium.new_context(storage_state=state, viewport={"width": width, "height": height})
    page = context.new_page()
    found = Visit(page, context)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )

    def finished(event: dict[str, Any]) -> None:
        name = urls.get(event["requestId"], event["requestId"])
        found.sizes[name] = found.sizes.get(name, 0) + int(event["encodedDataLength"])

    cdp.on("Network.loadingFinished", finished)
    page.on("pageerror", lambda e: found.problems.append(f"page error: {e}"))
    page.on(
        "console",
        lambda m: found.problems.append(f"console: {m.text}") if m.type == "error" else None,
    )

    def guard(route: Any) -> None:
        if route.request.url.startswith(("data:", "http://127.0.0.1")):
            route.continue_()
        else:
            found.problems.append(f"blocked request to {route.request.url}")
            route.abort()

    page.route("**/*", guard)
    try:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        yield found
    finally:
        context.close()
