"""Web pages with 1,000,000 readings in the store: each page's time against the same page
with 10,000 readings, measured in the same run, on SQLite and (when installed) PostgreSQL.
Target: no page takes more than a fraction of a second (we hold ourselves to 0.3 s).

The store is filled through the real ingest path (validation, flags, village of each
reading, per-village counts) by 20 phones in batches of 5,000; two thirds of the uploads are
approved. Pages are timed through the app's test client as a logged-in admin (median of 5).
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._common import table
from server import create_app
from server.accounts import create_user, issue_enrol_code, redeem_enrol_code
from server.api.uploads import flag_rules
from server.campaigns import create_campaign
from server.db import session_scope
from server.demo import simulated_village_file
from server.ingest import ingest_batch
from server.migrate import upgrade
from server.models import Device
from server.regions import current_regions
from server.review import review_upload
from tests.server.pg import PostgresCluster, find_bin

SIZES = (10_000, 1_000_000)
PHONES = 20
BATCH = 5_000
TARGET_S = 0.3
OPERATORS = (("510", "10"), ("510", "01"), ("510", "11"))


def _readings(n: int, phone: int, start: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    """``n`` LTE readings (and some no-service) along a phone's random track near Agam."""
    t0 = datetime.now(UTC) - timedelta(days=5)
    lat = -0.3 + np.cumsum(rng.normal(0, 0.0004, n)) + rng.uniform(-0.15, 0.15)
    lon = 100.3 + np.cumsum(rng.normal(0, 0.0004, n)) + rng.uniform(-0.2, 0.2)
    rsrp = rng.normal(-100, 12, n).round()
    mcc, mnc = OPERATORS[phone % len(OPERATORS)]
    out = []
    for i in range(n):
        none = rsrp[i] < -125
        out.append(
            {
                "id": str(uuid.UUID(int=(phone << 96) | (start + i))),
                "device_id": f"phone-{phone}",
                "session_id": f"s{phone}",
                "observed_at": (t0 + timedelta(seconds=2 * (start + i))).isoformat(),
                "lat": float(np.clip(lat[i], -0.52, -0.11)),
                "lon": float(np.clip(lon[i], 100.03, 100.57)),
                "accuracy_m": float(rng.gamma(2.0, 4.0) + 2),
                "tech": "NONE" if none else "LTE",
                "mcc": mcc,
                "mnc": mnc,
                **({} if none else {"rsrp_dbm": float(rsrp[i]), "rsrq_db": -11.0}),
            }
        )
    return out


def _fill(app: Any, total: int) -> str:
    """Users, a campaign, ``total`` readings from 20 phones; an upload id with 5,000 readings."""
    rng = np.random.default_rng(1)
    with app.app_context():
        create_user("admin", "bench-secret-1", "admin")
        for n in range(4):
            create_user(f"officer{n}", "bench-secret-1", "officer")
        regions = current_regions()
        create_campaign(
            "bench", "Agam", regions, [r.code for r in regions.regions[:40]], None, [2], None, None
        )
        devices = []
        for phone in range(PHONES):
            code, _ = issue_enrol_code(f"officer{phone % 4}", 30, "bench")
            devices.append(redeem_enrol_code(code, f"hp {phone}")[0])
        rules, uploads = flag_rules(), []
        per_phone = total // PHONES
        for phone, device_id in enumerate(devices):
            for start in range(0, per_phone, BATCH):
                items = _readings(min(BATCH, per_phone - start), phone, start, rng)
                with session_scope() as session:
                    device = session.get(Device, device_id)
                    result = ingest_batch(
                        session, device, str(uuid.uuid4()), items, rules, regions=regions
                    )
                    uploads.append(result.upload.id)
        for number, upload_id in enumerate(uploads):
            if number % 3:
                review_upload(upload_id, "approved", "admin:bench")
    return uploads[0]


def _login(client: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login", data={"username": "admin", "password": "bench-secret-1", "csrf_token": token}
    )


def _pages(upload_id: str) -> dict[str, str]:
    return {
        "dashboard": "/",
        "survey map counts": "/map/surveyed.json",
        "review queue": "/uploads",
        "queue, flagged only": "/uploads?flagged=yes&state=all",
        "queue, one officer": "/uploads?officer=3&state=all",
        "queue, one campaign": "/uploads?campaign=1&state=all",
        "queue, page 10": "/uploads?state=all&page=10",
        "upload (5,000 readings)": f"/uploads/{upload_id}",
        "upload readings map": f"/uploads/{upload_id}/readings.geojson",
        "campaign progress": "/campaigns/1",
        "jobs": "/jobs",
        "devices": "/devices",
        "audit log": "/audit",
        "provider portal": "/provider",
    }


def _time(client: Any, path: str) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        answer = client.get(path)
        answer.get_data()
        times.append(time.perf_counter() - start)
        assert answer.status_code == 200, (path, answer.status_code)
    return statistics.median(times)


def _measure(name: str, url_for_size: Any, folder: Path) -> list[dict[str, Any]]:
    villages = simulated_village_file(folder / "villages.geojson")
    timings: dict[int, dict[str, float]] = {}
    for size in SIZES:
        url = url_for_size(size)
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "BOUNDARIES": str(villages)})
        app.instance_path = str(folder / "instance")
        clock = time.perf_counter()
        upload_id = _fill(app, size)
        print(f"{name}: {size:,} readings stored in {time.perf_counter() - clock:.0f} s")
        client = app.test_client()
        _login(client)
        timings[size] = {page: _time(client, path) for page, path in _pages(upload_id).items()}
        app.extensions["petasinyal.engine"].dispose()
    small, large = timings[SIZES[0]], timings[SIZES[1]]
    return [
        {
            "store": name,
            "page": page,
            "ms, 10k readings": round(small[page] * 1000),
            "ms, 1M readings": round(large[page] * 1000),
            "ratio": round(large[page] / small[page], 2),
            "<= 0.3 s": "yes" if large[page] <= TARGET_S else "NO",
        }
        for page in small
    ]


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = _measure("SQLite", lambda size: f"sqlite:///{folder / f'p{size}.sqlite3'}", folder)
        bindir = find_bin()
        if bindir is None:
            print("PostgreSQL is not installed: SQLite only")
        else:
            cluster = PostgresCluster(bindir)
            cluster.start()
            try:
                rows += _measure(
                    "PostgreSQL", lambda size: cluster.create_database(f"pages_{size}"), folder
                )
            finally:
                cluster.stop()
    columns = ["store", "page", "ms, 10k readings", "ms, 1M readings", "ratio", "<= 0.3 s"]
    print(table(rows, columns))
