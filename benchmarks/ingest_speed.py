"""Ingest: readings per second through the HTTP API (batches of 5,000, gzip, 20 concurrent
clients, gunicorn with 2 workers x 4 threads) against the same rows inserted directly with the
database driver, on SQLite and on PostgreSQL, measured in the same run. Target: at least half
the direct rate."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import requests
from sqlalchemy import create_engine

from analysis.schema import FIELDS, check
from benchmarks._common import table
from server import create_app
from server.accounts import create_user, issue_enrol_code, redeem_enrol_code
from server.migrate import upgrade
from tests.server.live import wait_until
from tests.server.pg import PostgresCluster, _free_port, find_bin

CLIENTS = 20
BATCH = 5_000
WORKERS, THREADS = 2, 4  # gunicorn


def readings(n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    start = datetime.now(UTC) - timedelta(days=3)
    return [
        {
            "id": str(uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | i)),
            "device_id": "bench",
            "session_id": "bench",
            "observed_at": (start + timedelta(seconds=i)).isoformat(),
            "lat": float(-0.3 + rng.normal(0, 0.05)),
            "lon": float(100.37 + rng.normal(0, 0.05)),
            "accuracy_m": 5.0,
            "tech": "LTE",
            "mcc": "510",
            "mnc": "10",
            "rsrp_dbm": float(rng.integers(-130, -60)),
            "rsrq_db": -11.0,
            "sinr_db": 6.0,
        }
        for i in range(n)
    ]


def _direct(url: str, rows: list[dict[str, Any]]) -> float:
    """Seconds to insert ``rows`` with the driver's executemany, in batches."""
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO users (username, password_hash, role, operators, active, created_at) "
            "VALUES ('d', 'x', 'officer', '[]', true, CURRENT_TIMESTAMP)"
        )
        conn.exec_driver_sql(
            "INSERT INTO devices (name, officer_id, token_hash, enrolled_at) VALUES "
            "('d', 1, 'x', CURRENT_TIMESTAMP)"
        )
    columns = [*FIELDS, "upload_id", "source_device_id", "flags", "excluded", "received_at"]
    marker = "?" if url.startswith("sqlite") else "%s"
    sql = (
        f"INSERT INTO measurements ({', '.join(columns)}) VALUES "
        f"({', '.join([marker] * len(columns))})"
    )
    now = datetime.now(UTC)
    clean = [check(r)[0] for r in rows]

    def stamp(value: datetime) -> Any:  # what SQLAlchemy stores on SQLite; PostgreSQL as is
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if marker == "?" else value

    raw = engine.raw_connection()
    start = time.perf_counter()
    try:
        for n in range(0, len(clean), BATCH):
            batch_id = str(uuid.uuid4())
            cursor = raw.cursor()
            cursor.execute(
                f"INSERT INTO uploads (id, device_id, received_at, accepted, "
                f"duplicates, rejected, flagged, state, rejections) VALUES "
                f"({marker}, 1, {marker}, 0, 0, 0, 0, 'received', '[]')",
                (batch_id, now),
            )
            values = [
                (
                    *(stamp(r[c]) if c == "observed_at" else r[c] for c in FIELDS),
                    batch_id,
                    1,
                    "",
                    False,
                    stamp(now),
                )
                for r in clean[n : n + BATCH]
            ]
            cursor.executemany(sql, values)
            raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return time.perf_counter() - start


def _http(url: str, rows: list[dict[str, Any]], workdir: Path) -> tuple[float, list[float]]:
    """Seconds for 20 clients to upload ``rows`` through gunicorn, and each upload's latency."""
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        create_user("bench", "rahasia-123", "officer")
        tokens = [
            redeem_enrol_code(issue_enrol_code("bench", 30)[0], f"hp{n}")[1] for n in range(CLIENTS)
        ]
    app.extensions["petasinyal.engine"].dispose()
    port = _free_port()
    env = {
        **os.environ,
        "PETASINYAL_DATABASE_URL": url,
        "PETASINYAL_SECRET_KEY": "bench",
        "PETASINYAL_INSTANCE": str(workdir),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "300",
            "server:create_app()",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{base}/healthz", timeout=1).ok
        except requests.RequestException:
            return False

    try:
        wait_until(up, timeout=60)
        bodies = [
            gzip.compress(
                json.dumps(
                    {"batch_id": str(uuid.uuid4()), "measurements": rows[n : n + BATCH]}
                ).encode()
            )
            for n in range(0, len(rows), BATCH)
        ]

        def send(i: int) -> float:
            t0 = time.perf_counter()
            answer = requests.post(
                f"{base}/api/v1/uploads",
                data=bodies[i],
                timeout=300,
                headers={
                    "Authorization": f"Bearer {tokens[i % CLIENTS]}",
                    "Content-Type": "application/json",
                    "Content-Encoding": "gzip",
                },
            )
            assert answer.status_code == 201, answer.text[:200]
            counts = answer.json()["counts"]
            assert counts["accepted"] == BATCH, (counts, answer.json()["rejected"][:2])
            return time.perf_counter() - t0

        start = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            latencies = list(pool.map(send, range(len(bodies))))
        return time.perf_counter() - start, latencies
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(n: int = 100_000) -> list[dict[str, Any]]:
    rows = readings(n)
    results = []
    cluster = None
    backends: list[tuple[str, Any]] = [("sqlite", None)]
    bindir = find_bin()
    if bindir is not None:
        cluster = PostgresCluster(bindir)
        cluster.start()
        backends.append(("postgresql", cluster))
    try:
        for name, pg in backends:
            with tempfile.TemporaryDirectory() as tmp:

                def url(label: str, pg: Any = pg, tmp: str = tmp) -> str:
                    if pg is None:
                        return f"sqlite:///{tmp}/{label}.sqlite3"
                    return pg.create_database(f"bench_{label}_{uuid.uuid4().hex[:6]}")

                direct = _direct(url("direct"), rows)
                http, latencies = _http(url("http"), rows, Path(tmp))
            results.append(
                {
                    "backend": name,
                    "direct_per_s": n / direct,
                    "http_per_s": n / http,
                    "ratio": direct / http,
                    "upload_p50_s": float(np.percentile(latencies, 50)),
                    "upload_p99_s": float(np.percentile(latencies, 99)),
                }
            )
    finally:
        if cluster is not None:
            cluster.stop()
    print(
        f"{n:,} readings, batches of {BATCH:,} (gzip), {CLIENTS} concurrent clients, "
        f"gunicorn {WORKERS} workers x {THREADS} threads"
    )
    print(
        table(
            results,
            ["backend", "direct_per_s", "http_per_s", "ratio", "upload_p50_s", "upload_p99_s"],
        )
    )
    print("ratio = HTTP rate / direct driver rate (target >= 0.5)")
    return results


if __name__ == "__main__":
    run()
