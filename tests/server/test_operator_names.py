"""Operators by name with their code beside them (issue 15, item 3): one MCC-MNC table
(``analysis.operators``), the ``OPERATOR_NAMES`` setting over it, the Jinja filters, the
pages of each role, and the job form's operator checkboxes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from analysis import operators as table
from server import create_app
from server.db import session_scope
from server.models import Job, User
from server.operators import known_operators, operator_label, operator_name, product_label
from server.releases import publish
from tests.server.releases_support import build_site
from tests.server.web import csrf_token, login

TSEL, XL = "Telkomsel (510-10)", "XL Axiata (510-11)"


def _bare_app(**config: Any) -> Flask:
    return create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "t", **config})


def test_the_table_names_indonesian_operators() -> None:
    assert table.operator_name("510-10") == "Telkomsel"
    assert table.operator_name("510-21") == table.operator_name("510-01")
    assert table.operator_name("510-89").startswith("Indosat Ooredoo Hutchison")
    assert table.operator_name("510-28") == table.operator_name("510-09") == "Smartfren"
    assert table.operator_label("510-11") == XL
    assert table.operator_name(" 510-10 ") == "Telkomsel"
    assert table.operator_name("999-99") == table.operator_label("999-99") == "999-99"
    assert table.operator_label(None) == ""
    assert table.operator_name("510-10", {"510-10": "Tsel"}) == "Tsel"
    # outside an app the server's functions use the table alone
    assert operator_label("510-10") == TSEL
    assert product_label("510-10-LTE") == f"{TSEL} LTE"


def test_the_setting_renames_and_adds_operators() -> None:
    app = _bare_app(OPERATOR_NAMES={"510-10": "Tsel Uji", "510-99": "Operator Baru"})
    with app.app_context():
        assert operator_name("510-10") == "Tsel Uji"
        assert operator_label("510-99") == "Operator Baru (510-99)"
        assert operator_name("510-11") == "XL Axiata"  # the rest of the table stays
        assert known_operators()["510-99"] == "Operator Baru"
        page = app.jinja_env.from_string(
            "{{ '510-99'|operator_label }}|{{ '510-10'|operator_name }}|{{ '510-11-NR'|product_label }}"
        ).render()
    assert page == f"Operator Baru (510-99)|Tsel Uji|{XL} NR"
    with _bare_app().app_context():  # the default: the table
        assert operator_name("510-10") == "Telkomsel"


@pytest.fixture(scope="module", params=["sqlite"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, villages_file: Path
) -> Iterator[dict[str, Any]]:
    """A finished job for 510-10 and 510-11, published."""
    for found in build_site(request, tmp_path_factory, villages_file):
        with found["app"].app_context():
            release = publish(
                found["job_id"],
                "admin:admin",
                found["ids"]["admin"],
                "Survei Bukittinggi",
                None,
                date(2026, 1, 1),
                date(2026, 1, 31),
                override_reason="test",
            )
        yield {**found, "release": release}


def _text(html: str) -> str:
    """The page's words: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _client(site: dict[str, Any], who: str) -> FlaskClient:
    """A client logged in as ``who``, one per user (logins are rate-limited)."""
    clients = site.setdefault("clients", {})
    if who not in clients:
        clients[who] = site["app"].test_client()
        login(clients[who], who)
    return clients[who]


def _page(site: dict[str, Any], who: str, path: str) -> str:
    answer = _client(site, who).get(path)
    assert answer.status_code == 200, path
    return answer.get_data(as_text=True)


def _a_village(site: dict[str, Any]) -> str:
    page = _page(site, "admin", "/villages")
    found = re.search(r'href="/villages/([^"?]+)"', page)
    assert found
    return found.group(1)


@pytest.mark.parametrize(
    "path", ["/", "/villages", "/releases", "/release", "/survey-next", "/users", "/jobs"]
)
def test_admin_pages_show_operators_by_name(site: dict[str, Any], path: str) -> None:
    if path == "/release":
        path = f"/releases/{site['release']}"
    text = _text(_page(site, "admin", path))
    assert TSEL in text and XL in text, path


def test_village_and_changes_pages_show_names(site: dict[str, Any]) -> None:
    code = _a_village(site)
    village = _text(_page(site, "admin", f"/villages/{code}"))
    assert f"{TSEL} LTE" in village and f"{XL} LTE" in village
    register = _page(site, "admin", "/villages")
    assert f'<option value="510-10" >{TSEL}</option>' in register
    assert 'Telkomsel <small class="muted" style="white-space:nowrap">510-10</small>' in register
    changes = _page(site, "admin", f"/releases/{site['release']}/changes")
    assert f"{TSEL} LTE" in _text(changes)


def test_provider_pages_show_their_operator_by_name(site: dict[str, Any]) -> None:
    for path in ("/provider", "/tokens", "/villages", "/releases"):
        text = _text(_page(site, "tsel", path))
        assert TSEL in text and "XL Axiata" not in text, path
    assert f"Operator Anda: {TSEL}" in _text(_page(site, "tsel", "/tokens"))


def test_officer_pages_show_names(site: dict[str, Any]) -> None:
    for path in ("/", "/villages"):
        text = _text(_page(site, "ani", path))
        assert TSEL in text and XL in text, path


def test_the_setting_reaches_the_pages(site: dict[str, Any]) -> None:
    app = site["app"]
    app.config["OPERATOR_NAMES"] = {"510-11": "XL Nama Baru"}
    try:
        text = _text(_page(site, "admin", "/"))
    finally:
        app.config["OPERATOR_NAMES"] = {}
    assert "XL Nama Baru (510-11)" in text and TSEL in text


def test_the_job_form_offers_checkboxes_that_submit(site: dict[str, Any]) -> None:
    app, client = site["app"], _client(site, "admin")
    page = client.get("/jobs").get_data(as_text=True)
    assert "<select" not in page.split('name="operators"')[0].rsplit("<form", 1)[-1]
    # each box inside its label, no "required" on every box (one ticked is enough)
    pattern = (
        r'<label[^>]*><input id="operators-\d+" name="operators" type="checkbox" '
        r'value="([^"]+)"> ([^<]+)</label>'
    )
    boxes = dict(re.findall(pattern, page))
    assert boxes["510-10"] == TSEL and boxes["510-11"] == XL
    token = csrf_token(client, "/jobs")
    form = {"tech": "LTE", "area": "all", "method": "idw", "spacing": "100", "csrf_token": token}
    answer = client.post("/jobs", data={**form, "operators": ["510-10", "510-11"]})
    assert answer.status_code == 302
    newest = select(Job).order_by(Job.id.desc()).limit(1)
    with app.app_context(), session_scope() as db:
        job = db.scalars(newest).one()
        assert job.id > site["job_id"] and job.operators == ["510-10", "510-11"]
    # none ticked, or one that is not offered: no job
    for operators in ([], ["510-99"]):
        assert client.post("/jobs", data={**form, "operators": operators}).status_code == 302
        with app.app_context(), session_scope() as db:
            assert db.scalars(newest).one().id == job.id


def test_the_user_form_ticks_known_operators_and_takes_others(site: dict[str, Any]) -> None:
    app, client = site["app"], _client(site, "admin")
    page = client.get("/users").get_data(as_text=True)
    assert f'type="checkbox" value="510-10"> {TSEL}</label>' in page
    office = re.search(r'name="office"[^>]*>\s*<option[^>]*value="([^"]+)"', page)
    form = {
        "username": "isat",
        "role": "provider",
        "password": "rahasia-123",
        "operators": ["510-01", "510-21", "510-99, 510-01"],
        "office": office.group(1) if office else "",
        "csrf_token": csrf_token(client, "/users"),
    }
    answer = client.post("/users", data=form)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with app.app_context(), session_scope() as db:
        user = db.scalars(select(User).where(User.username == "isat")).one()
        assert user.operators == ["510-01", "510-21", "510-99"]
    page = client.get("/users").get_data(as_text=True)
    assert (
        'Indosat Ooredoo Hutchison (510-21)</span>, <span style="white-space:nowrap">510-99' in page
    )
    # a typed code that is not MCC-MNC is refused, and the ticks stay on the form again
    answer = client.post("/users", data={**form, "username": "salah", "operators": ["510-10", "x"]})
    page = answer.get_data(as_text=True)
    assert (
        answer.status_code == 200
        and 'checked name="operators" type="checkbox" value="510-10"' in page
    )
