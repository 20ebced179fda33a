"""Helpers for tests of the web pages: the cast of users, logging in with the CSRF token,
and a simulated survey sent through the API."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.server.conftest import auth, enrol

PASSWORD = "rahasia-123"
# username: (role, operators)
CAST: dict[str, tuple[str, list[str]]] = {
    "admin": ("admin", []),
    "ani": ("officer", []),
    "budi": ("officer", []),
    "tsel": ("provider", ["510-10"]),
    "xlaxiata": ("provider", ["510-11"]),
}
ROLE_USER = {"admin": "admin", "officer": "ani", "provider": "tsel"}


def make_cast(app: Flask) -> dict[str, int]:
    """Create every user of the cast; their ids."""
    from server.accounts import create_user

    with app.app_context():
        return {name: create_user(name, PASSWORD, role, ops) for name, (role, ops) in CAST.items()}


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the session, read from a page's form."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client: FlaskClient, name: str, password: str = PASSWORD) -> Any:
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": name, "password": password, "csrf_token": token})


def browser_login(page: Any, base: str, name: str, password: str = PASSWORD) -> None:
    """Log a Playwright ``page`` in through the login form of the server at ``base`` (any
    earlier session's cookies are dropped first)."""
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")


def post_form(client: FlaskClient, path: str, data: dict[str, Any], page: str = "/account") -> Any:
    """POST a form the way the browser does: with the session's CSRF token."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})


def send_survey(
    app: Flask, client: FlaskClient, officer: str, frame: Any, batch: int = 2_000
) -> list[str]:
    """Enrol a device of ``officer`` for each phone of ``frame`` and upload its readings in
    batches; the upload ids, in order."""
    from analysis.frame import wire_records

    uploads = []
    for _phone, readings in frame.groupby("device_id", sort=True):
        token = enrol(app, client, officer, http=False)
        records = wire_records(readings)
        for start in range(0, len(records), batch):
            body = {"batch_id": str(uuid.uuid4()), "measurements": records[start : start + batch]}
            answer = client.post("/api/v1/uploads", json=body, headers=auth(token))
            assert answer.status_code in (200, 201), answer.json
            uploads.append(answer.json["upload_id"])
    return uploads


def recent_survey(points: int = 3_000, seed: int = 7) -> Any:
    """A simulated survey of the last days (so no reading is flagged as stale)."""
    from datetime import UTC, datetime, timedelta

    from analysis.simulate import SurveyConfig, simulate_survey

    start = (datetime.now(UTC) - timedelta(days=6)).strftime("%Y-%m-%dT01:00:00Z")
    return simulate_survey(SurveyConfig(points=points, seed=seed, start=start))
