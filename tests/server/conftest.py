"""Server fixtures: every test runs on SQLite and on a real PostgreSQL with PostGIS."""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import create_app
from server.migrate import upgrade
from tests.conftest import require_part
from tests.server.pg import PostgresCluster, find_bin

_names = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    bindir = find_bin()
    require_part(
        bindir is not None,
        "PostgreSQL with PostGIS (apt-get install postgresql postgresql-15-postgis-3)",
    )
    assert bindir is not None
    cluster = PostgresCluster(bindir)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database for each test, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    else:
        request.node.add_marker(pytest.mark.postgres)
        cluster = request.getfixturevalue("postgres")
        url = cluster.create_database(f"t{next(_names)}_{uuid.uuid4().hex[:8]}")
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def villages_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulated villages around Bukittinggi (codes ``SIMULASI.nnn``) as GeoJSON."""
    from server.demo import simulated_village_file

    return simulated_village_file(tmp_path_factory.mktemp("villages") / "villages.geojson")


@pytest.fixture
def app(db_url: str, tmp_path: Path, villages_file: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "SECRET_KEY": "test-secret",
            "RATELIMIT_STORAGE_URI": "memory://",
            "BOUNDARIES": str(villages_file),
            "JOBS_DIR": str(tmp_path / "jobs"),
        }
    )
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["petasinyal.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def enrol(app: Flask, client: FlaskClient, officer: str = "ani", http: bool = True) -> str:
    """Create the officer if needed, issue a code, enrol a device; its token.

    ``http=False`` redeems the code directly, for tests that enrol more devices than the
    enrolment rate limit lets through.
    """
    from server.accounts import create_user, issue_enrol_code, redeem_enrol_code

    with app.app_context():
        with contextlib.suppress(ValueError):
            create_user(officer, "rahasia-123", "officer")
        code, _ = issue_enrol_code(officer, 30)
        if not http:
            return redeem_enrol_code(code, f"hp {officer}")[1]
    answer = client.post("/api/v1/devices/enroll", json={"code": code, "name": f"hp {officer}"})
    assert answer.status_code == 201, answer.json
    return str(answer.json["token"])


@pytest.fixture
def token(app: Flask, client: FlaskClient) -> str:
    return enrol(app, client)


def reading(**changes: Any) -> dict[str, Any]:
    """A valid LTE reading in Bukittinggi, with a new UUID."""
    base: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "device_id": "hp-ani",
        "session_id": "s1",
        "observed_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "lat": -0.3056,
        "lon": 100.3692,
        "accuracy_m": 5.0,
        "tech": "LTE",
        "mcc": "510",
        "mnc": "10",
        "rsrp_dbm": -97.0,
        "rsrq_db": -11.0,
        "sinr_db": 7.5,
        "mode": "walking",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
