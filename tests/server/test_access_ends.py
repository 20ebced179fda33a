"""Access that should end does end: a disabled officer's phones, a logged-out cookie, a
cookie replayed from elsewhere; and the login limit holds for every worker and client."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from server import create_app
from server.accounts import issue_enrol_code, redeem_enrol_code, set_active
from server.migrate import upgrade
from tests.conftest import require_part
from tests.server.conftest import auth, enrol, reading
from tests.server.live import wait_until
from tests.server.pg import _free_port
from tests.server.web import csrf_token, login, make_cast

SHAPE = {"code", "message", "details"}


def _upload(client: FlaskClient, token: str) -> object:
    body = {"batch_id": str(uuid.uuid4()), "measurements": [reading()]}
    return client.post("/api/v1/uploads", json=body, headers=auth(token))


def test_disabling_an_officer_ends_their_phones_until_enabled_again(
    app: Flask, client: FlaskClient
) -> None:
    ids = make_cast(app)
    token = enrol(app, client, "ani", http=False)
    assert _upload(client, token).status_code == 201  # type: ignore[attr-defined]
    with app.app_context():
        set_active(ids["ani"], False, "admin:admin")
    for answer in (_upload(client, token), client.get("/api/v1/devices/me", headers=auth(token))):
        assert answer.status_code == 401  # type: ignore[attr-defined]
        assert set(answer.json) == SHAPE and "disabled" in answer.json["message"]  # type: ignore[attr-defined]
    with app.app_context():
        set_active(ids["ani"], True, "admin:admin")
    assert client.get("/api/v1/devices/me", headers=auth(token)).status_code == 200


def test_a_disabled_officer_cannot_enrol_a_phone(app: Flask, client: FlaskClient) -> None:
    ids = make_cast(app)
    with app.app_context():
        code, _ = issue_enrol_code("ani", 30)
        set_active(ids["ani"], False, "admin:admin")
        with pytest.raises(PermissionError, match="disabled"):
            redeem_enrol_code(code, "hp")
    answer = client.post("/api/v1/devices/enroll", json={"code": code, "name": "hp"})
    assert answer.status_code == 401 and set(answer.json) == SHAPE


def test_a_cookie_copied_before_logout_is_void_after_it(app: Flask) -> None:
    make_cast(app)
    browser, thief, other = app.test_client(), app.test_client(), app.test_client()
    login(browser, "admin")
    login(other, "admin")  # the same user on another computer
    cookie = browser.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    assert thief.get("/audit").status_code == 200
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/account")})
    assert thief.get("/audit").status_code == 302  # to the login page
    assert other.get("/audit").status_code == 200  # only the session that logged out ends


def test_a_cookie_replayed_from_another_browser_is_refused(app: Flask) -> None:
    make_cast(app)
    browser, thief = app.test_client(), app.test_client()
    login(browser, "admin")
    cookie = browser.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    assert thief.get("/audit", headers={"User-Agent": "curl/8"}).status_code == 302


def test_disabling_ends_web_sessions(app: Flask) -> None:
    ids = make_cast(app)
    officer = app.test_client()
    login(officer, "ani")
    assert officer.get("/uploads").status_code == 200
    with app.app_context():
        set_active(ids["ani"], False, "admin:admin")
    assert officer.get("/uploads").status_code == 302


@pytest.mark.parametrize("secure", [False, True])
def test_hsts_only_when_cookies_are_secure(app: Flask, client: FlaskClient, secure: bool) -> None:
    app.config["SESSION_COOKIE_SECURE"] = secure
    header = client.get("/login").headers.get("Strict-Transport-Security")
    assert header == ("max-age=31536000" if secure else None)


def _attempts(client: FlaskClient, n: int, address: str | None = None) -> list[int]:
    headers = {"X-Forwarded-For": address} if address else {}
    return [
        client.post("/login", data={"username": "x", "password": "y"}, headers=headers).status_code
        for _ in range(n)
    ]


def test_behind_a_proxy_each_client_has_its_own_login_limit(db_url: str, tmp_path: Path) -> None:
    config = {
        "TESTING": True,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret",
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False,
        "PROXY_HOPS": 1,
    }
    app = create_app(config)
    app.instance_path = str(tmp_path)
    client = app.test_client()
    assert 429 in _attempts(client, 11, "203.0.113.7")
    assert 429 not in _attempts(client, 10, "203.0.113.8")  # another client behind the proxy
    app.extensions["petasinyal.engine"].dispose()


def test_without_proxy_hops_a_forwarded_address_is_not_believed(
    db_url: str, tmp_path: Path
) -> None:
    config = {
        "TESTING": True,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret",
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False,
    }
    app = create_app(config)
    app.instance_path = str(tmp_path)
    client = app.test_client()
    codes = [_attempts(client, 1, f"203.0.113.{i}")[0] for i in range(11)]
    assert codes[-1] == 429  # a client cannot pick a new address per attempt
    app.extensions["petasinyal.engine"].dispose()


@pytest.mark.parametrize("hops", ["-1", "two", "99"])
def test_a_bad_proxy_hop_count_is_a_clear_error(hops: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PETASINYAL_PROXY_HOPS"):
        create_app({"PROXY_HOPS": hops, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A throw-away redis on 127.0.0.1 (Debian's redis-server), for the shared counts."""
    binary = shutil.which("redis-server")
    require_part(binary is not None, "redis-server (apt-get install redis-server)")
    assert binary is not None
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )

    def ready() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_until(ready, timeout=20)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_three_gunicorn_workers_share_one_login_limit(redis_url: str, tmp_path: Path) -> None:
    """The deployment's way: gunicorn with 3 workers, counts in redis (docker-compose).
    The database does not matter here, so SQLite only."""
    url = f"sqlite:///{tmp_path / 'limit.sqlite3'}"
    upgrade(url)
    port = _free_port()
    env = {
        **os.environ,
        "PETASINYAL_DATABASE_URL": url,
        "PETASINYAL_SECRET_KEY": "test-secret",
        "PETASINYAL_INSTANCE": str(tmp_path / "instance"),
        "PETASINYAL_RATELIMIT_STORAGE_URI": redis_url,
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", "3", "--bind", f"127.0.0.1:{port}"]
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen([*command, "server:create_app()"], env=env, stderr=log)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{base}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(up, timeout=60)
        codes = []
        for _ in range(30):  # a new connection each time: the workers take turns
            with requests.Session() as browser:
                page = browser.get(f"{base}/login", timeout=10)
                token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
                data = {"username": "admin", "password": "wrong", "csrf_token": token}
                codes.append(browser.post(f"{base}/login", data=data, timeout=10).status_code)
        assert codes.count(200) == 10 and codes.count(429) == 20, codes
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
