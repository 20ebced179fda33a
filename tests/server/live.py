"""Live servers for tests: in a thread (werkzeug) or as a separate process that can be
killed with SIGKILL; a client that retries like the phone does."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.server.pg import _free_port

__all__ = ["ServerProcess", "post_batch", "site_app", "thread_server", "wait_until"]


def site_app(folder: Path, secret: str = "browser-test", **config: Any) -> Flask:
    """The app of a site kept in ``folder``: its SQLite database (migrated), simulated
    village boundaries and job files; ``config`` adds to or overrides that."""
    from server import create_app
    from server.demo import simulated_village_file
    from server.migrate import upgrade

    url = f"sqlite:///{folder / 'site.sqlite3'}"
    upgrade(url)
    boundaries = folder / "villages.geojson"
    if not boundaries.exists():
        simulated_village_file(boundaries)
    settings = {
        "DATABASE_URL": url,
        "SECRET_KEY": secret,
        "BOUNDARIES": str(boundaries),
        "JOBS_DIR": str(folder / "jobs"),
    }
    return create_app({**settings, **config})


def wait_until(condition: Any, timeout: float = 30.0, step: float = 0.05) -> None:
    """Wait for ``condition()`` to be true (bounded), without sleeping blindly."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        pause.wait(step)


_BODY = "petasinyal.test.body"


class _ClosingHandler(WSGIRequestHandler):
    """Werkzeug's handler, closing the answer's body when the browser drops the connection
    mid-answer (werkzeug then leaves a static file open: a ResourceWarning in a later test)."""

    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        body = (environ or {}).pop(_BODY, None)
        if body is not None and hasattr(body, "close"):
            body.close()
        super().connection_dropped(error, environ)


def _kept_body(app: Flask) -> Any:
    def serve(environ: dict[str, Any], start_response: Any) -> Any:
        body = app(environ, start_response)
        environ[_BODY] = body
        return body

    return serve


@contextmanager
def thread_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` threaded on 127.0.0.1 and a free port; yields the base URL."""
    server = make_server(
        "127.0.0.1", 0, _kept_body(app), threaded=True, request_handler=_ClosingHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class ServerProcess:
    """``petasinyal serve`` in its own process, to be killed and started again."""

    def __init__(self, db_url: str, instance: Path, env: dict[str, str] | None = None):
        self.db_url = db_url
        self.env = env or {}
        self.port = _free_port()
        self.instance = instance
        self.process: subprocess.Popen[bytes] | None = None
        self.log = (instance / "server.log").open("ab")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "PETASINYAL_SECRET_KEY": "test-secret",
            "PETASINYAL_INSTANCE": str(self.instance),
            **self.env,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "analysis.cli",
                "serve",
                "--port",
                str(self.port),
                "--db",
                self.db_url,
            ],
            env=env,
            cwd=self.instance,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        wait_until(self.healthy, timeout=60)

    def healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.close()


def post_batch(
    url: str,
    token: str,
    batch_id: str,
    items: list[dict[str, Any]],
    attempts: int = 50,
    on_send: threading.Event | None = None,
) -> dict[str, Any]:
    """Send a gzip batch, retrying on dropped connections and 5xx, like the phone."""
    body = gzip.compress(json.dumps({"batch_id": batch_id, "measurements": items}).encode())
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
    }
    pause = threading.Event()
    for attempt in range(attempts):
        if on_send is not None:
            on_send.set()
        try:
            answer = requests.post(f"{url}/api/v1/uploads", data=body, headers=headers, timeout=120)
        except requests.RequestException:
            pause.wait(min(0.1 * 2**attempt, 2.0))
            continue
        if answer.status_code < 500:
            result: dict[str, Any] = answer.json()
            result["status"] = answer.status_code
            result["attempts"] = attempt + 1
            return result
        pause.wait(min(0.1 * 2**attempt, 2.0))
    raise RuntimeError("batch never got through")
