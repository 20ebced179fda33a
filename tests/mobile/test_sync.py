"""The sync client against the real server, over an unreliable link."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from mobile.petasinyal_app.outbox import Outbox
from mobile.petasinyal_app.recorder import Recorder
from mobile.petasinyal_app.sensors.facades import CellReading, Fix
from mobile.petasinyal_app.sync import SyncClient, SyncError
from tests.mobile.live_server import code_for
from tests.mobile.proxy import flaky_proxy
from tests.server.live import thread_server
from tests.server.test_live import count

NOW = 1_790_000_000.0


class FailFirst:
    """WSGI wrapper: the first ``n`` uploads answer 500, as a failing server would."""

    def __init__(self, app: Callable[..., Any], n: int):
        self.app, self.left = app, n

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ["PATH_INFO"] == "/api/v1/uploads" and self.left > 0:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            if len(environ["wsgi.input"].read(length)) < length:
                raise ConnectionError("request cut off")  # the proxy dropped it
            self.left -= 1
            start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "application/json")])
            return [b'{"code": 500, "message": "database restarting", "details": {}}']
        return self.app(environ, start_response)


def filled_outbox(tmp_path: Path, n: int, name: str = "phone.sqlite3") -> Outbox:
    outbox = Outbox(tmp_path / name)
    recorder = Recorder(outbox, "hp-ani", "s1")
    for i in range(n):
        fix = Fix(-0.3 + i * 1e-5, 100.37, 5.0, NOW + i)
        recorder.record(
            fix, [CellReading("LTE", "510", "10", rsrp_dbm=-90.0 - i % 30)], NOW + i, "vehicle"
        )
    return outbox


def client(url: str, outbox: Outbox, sleeps: list[float]) -> SyncClient:
    return SyncClient(
        url,
        outbox,
        batch_size=300,
        base_delay=0.5,
        sleep=sleeps.append,
        jitter=lambda: 1.0,
        timeout=10,
    )


def test_sync_survives_dropped_connections_and_a_failing_server(
    server_app: Flask, tmp_path: Path
) -> None:
    outbox = filled_outbox(tmp_path, 1_000)
    sleeps: list[float] = []
    wrapped = FailFirst(server_app.wsgi_app, 2)
    server_app.wsgi_app = wrapped  # type: ignore[method-assign]
    with thread_server(server_app) as url:
        port = int(url.rsplit(":", 1)[1])
        direct = client(url, outbox, sleeps)
        direct.enroll(code_for(server_app), "hp ani")
        with flaky_proxy(port, drop_first=3, cut_after=2_000) as (proxy_url, stats):
            report = client(proxy_url, outbox, sleeps).sync()
    assert stats["dropped"] == 3 and wrapped.left == 0
    assert report.accepted == 1_000 and report.rejected == 0
    assert report.batches == 4  # 300 + 300 + 300 + 100
    assert len(report.errors) == 5  # three cut connections, two 500s, each retried
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0]  # exponential backoff (jitter fixed at 1)
    assert outbox.counts() == {"pending": 0, "synced": 1_000, "rejected": 0}
    assert count(server_app.config["DB_URL"]) == (1_000, 1_000)


def test_a_resumed_sync_counts_duplicates_as_success(server_app: Flask, tmp_path: Path) -> None:
    outbox = filled_outbox(tmp_path, 200)
    with thread_server(server_app) as url:
        sync = client(url, outbox, [])
        sync.enroll(code_for(server_app), "hp ani")
        batch = outbox.next_batch(300)
        assert batch is not None
        # the phone sent this batch, the server stored it, the answer was lost:
        import gzip
        import json

        import requests

        requests.post(
            f"{url}/api/v1/uploads",
            data=gzip.compress(
                json.dumps({"batch_id": batch.id, "measurements": batch.readings}).encode()
            ),
            headers={
                "Authorization": f"Bearer {sync.token}",
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
            },
            timeout=10,
        )
        report = sync.sync()
    assert report.accepted == 0 and report.duplicates == 200
    assert outbox.counts()["synced"] == 200
    assert count(server_app.config["DB_URL"]) == (200, 200)


def test_batches_too_large_for_the_server_are_split(server_app: Flask, tmp_path: Path) -> None:
    outbox = filled_outbox(tmp_path, 900)
    with thread_server(server_app) as url:
        sync = SyncClient(url, outbox, batch_size=900, sleep=lambda s: None)
        sync.enroll(code_for(server_app), "hp ani")
        report = sync.sync()
    assert report.accepted == 900 and outbox.counts()["synced"] == 900


def test_review_states_come_back_to_the_phone(server_app: Flask, tmp_path: Path) -> None:
    from server.db import session_scope
    from server.models import Upload

    outbox = filled_outbox(tmp_path, 10)
    with thread_server(server_app) as url:
        sync = client(url, outbox, [])
        sync.enroll(code_for(server_app), "hp ani")
        sync.sync()
        with server_app.app_context(), session_scope() as session:
            upload = session.query(Upload).one()
            upload.state, upload.comment = "has_issues", "Ulangi survei di Nagari Koto Tangah"
        sync.fetch_reviews()
    assert outbox.uploads()[0]["comment"] == "Ulangi survei di Nagari Koto Tangah"


def test_errors_are_in_plain_words(server_app: Flask, tmp_path: Path) -> None:
    outbox = filled_outbox(tmp_path, 5)
    with thread_server(server_app) as url:
        sync = client(url, outbox, [])
        with pytest.raises(SyncError, match="belum terdaftar"):
            sync.sync()
        outbox.set_meta("token", "revoked-or-wrong")
        with pytest.raises(SyncError, match="menolak ponsel"):
            sync.sync()
    unreachable = SyncClient("http://127.0.0.1:9", outbox, max_attempts=3, sleep=lambda s: None)
    with pytest.raises(SyncError, match="aman di ponsel"):
        unreachable.sync()
    assert outbox.counts()["pending"] == 5


class CaptivePortal:
    """WSGI wrapper: the first ``n`` requests get a hotspot's login page with status 200."""

    def __init__(self, app: Callable[..., Any], n: int):
        self.app, self.left = app, n

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.left > 0:
            self.left -= 1
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            start_response("200 OK", [("Content-Type", "text/html")])
            return [b"<html><body>Login WiFi.id</body></html>"]
        return self.app(environ, start_response)


def test_a_captive_portal_is_a_retryable_error_then_one_upload(
    server_app: Flask, tmp_path: Path
) -> None:
    outbox = filled_outbox(tmp_path, 50)
    with thread_server(server_app) as url:
        client(url, outbox, []).enroll(code_for(server_app), "hp ani")
        portal = CaptivePortal(server_app.wsgi_app, 3)
        server_app.wsgi_app = portal  # type: ignore[method-assign]
        short = SyncClient(url, outbox, max_attempts=2, sleep=lambda s: None)
        with pytest.raises(SyncError, match="login") as caught:
            short.sync()
        assert caught.value.retry and outbox.counts()["pending"] == 50
        report = client(url, outbox, []).sync()  # the officer logged in to the hotspot
    assert report.accepted == 50 and portal.left == 0
    assert count(server_app.config["DB_URL"]) == (50, 50)
