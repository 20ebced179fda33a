"""Every route, with every role and with no login, answers as its declared access says."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.server.web import ROLE_USER, login, make_cast

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

UNGUARDED = {"static", "vendor.static"}  # the app's own CSS/JS and the vendored Leaflet


def _url(rule: Any) -> str:
    """The rule's path with harmless made-up arguments."""
    return re.sub(
        r"<(?:(\w+):)?(\w+)>",
        lambda m: "999999" if m.group(1) == "int" else "x",
        rule.rule,
    )


def _routes(app: Flask) -> list[tuple[str, str, str, tuple[str, ...]]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNGUARDED:
            continue
        access = getattr(app.view_functions[rule.endpoint], "access", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, _url(rule), access))
    # logging out last, so the walk keeps its session until the end
    return sorted(routes, key=lambda r: r[0] == "auth.logout")


def test_every_route_declares_who_may_open_it(app: Flask) -> None:
    missing = [e for e, _m, _u, access in _routes(app) if not access]
    assert missing == []


@pytest.mark.parametrize("role", [None, "admin", "officer", "provider"])
def test_route_walk(app: Flask, client: FlaskClient, role: str | None) -> None:
    make_cast(app)
    if role:
        assert login(client, ROLE_USER[role]).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = False  # forms are checked on their own; here: access
    wrong = []
    for endpoint, method, url, access in _routes(app):
        answer = client.open(url, method=method)
        code, location = answer.status_code, answer.headers.get("Location", "")
        if access == ("public",):
            ok = code not in (401, 403) and "/login?" not in location
        elif access in (("device",), ("token",)):
            ok = code == 401 and answer.is_json  # a browser session is no API credential
        elif role is None:
            ok = code == 302 and location.startswith("/login")
        elif role in access:
            ok = code not in (401, 403) and "/login?" not in location
        else:
            ok = code == 403
        if not ok:
            wrong.append(f"{method} {url} ({endpoint}, {access}) as {role}: {code} {location}")
    assert wrong == []
