"""Headless Chromium (Debian's) through Playwright, with no network beyond this machine."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import require_part

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium_page(width: int = 1280, height: int = 900) -> Iterator[tuple[Any, list[str]]]:
    """A page, and the list its console errors and failed requests are appended to.

    Every request that is not for a local file or 127.0.0.1 is aborted and recorded, so a
    page that needs the internet fails its test.
    """
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    require_part(executable is not None, "Debian's chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        require_part(False, "the playwright Python package")
        raise
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.on(
            "console",
            lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

        def guard(route: Any) -> None:
            url = route.request.url
            if url.startswith(("file:", "data:", "http://127.0.0.1", "http://localhost")):
                route.continue_()
            else:
                problems.append(f"blocked request to {url}")
                route.abort()

        page.route("**/*", guard)
        try:
            yield page, problems
        finally:
            browser.close()
