"""Release pages with 1,000 published releases' worth of village verdicts: 1,265 villages
(West Sumatra's, or simulated ones without the shared data) x 2 operators x LTE per
release, about 2.5 million verdict rows, a few releases withdrawn, open responses with
evidence readings on one village. Target: every page under 0.3 s.

Releases, products and verdicts are inserted directly (bulk), the way publishing leaves
them. Each page is timed through the app's test client (median of 7, after one warm-up),
logged in as an admin and as a provider (510-10), on SQLite and (when installed)
PostgreSQL, and as a ratio to the login page measured in the same run.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert

from benchmarks._common import SHARED_DATA, table
from server import create_app
from server.accounts import create_user
from server.db import engine, session_scope
from server.migrate import upgrade
from server.models import (
    EvidenceFile,
    EvidenceReading,
    Job,
    OperatorResponse,
    Release,
    ReleaseProduct,
    VillageVerdict,
)
from server.regions import current_regions
from tests.server.pg import PostgresCluster, find_bin

RELEASES = 1_000
OPERATORS = ("510-10", "510-11")
TARGET_S = 0.3
RUNS = 7
VERDICTS = ("strong", "weak", "none", "insufficient data", "unsurveyed")
WITHDRAWN_EVERY = 97  # a few releases were withdrawn
PASSWORD = "bench-secret-1"
COLUMNS = ["store", "user", "page", "ms", "x login page", "<= 0.3 s"]


def _boundaries(folder: Path) -> tuple[str, str | None]:
    shared = SHARED_DATA / "boundaries"
    if (shared / "sumbar_desa.geojson").exists():
        return str(shared / "sumbar_desa.geojson"), str(shared / "sumbar_villages.csv")
    from server.demo import simulated_village_file

    return str(simulated_village_file(folder / "villages.geojson")), None


def _verdict_rows(
    release_id: int, villages: list[Any], rng: np.random.Generator
) -> list[dict[str, Any]]:
    picks = rng.choice(
        len(VERDICTS), size=len(villages) * len(OPERATORS), p=[0.4, 0.2, 0.1, 0.2, 0.1]
    )
    readings = rng.integers(0, 3_000, size=len(picks))
    day = date(2024, 1, 1) + timedelta(days=release_id)
    rows = []
    for n, (region, operator) in enumerate((r, o) for r in villages for o in OPERATORS):
        verdict = VERDICTS[picks[n]]
        rows.append(
            {
                "release_id": release_id,
                "village_code": region.code,
                "operator": operator,
                "tech": "LTE",
                "village": region.name,
                "kecamatan": region.kec_name,
                "kabkota": region.kab_name,
                "verdict": verdict,
                "reason": f"{verdict}: {readings[n]} readings",
                "readings": int(readings[n]),
                "no_service": int(readings[n]) // 10,
                "fixes": int(readings[n]) // 3,
                "officers": 2,
                "first_day": day - timedelta(days=20),
                "last_day": day,
                "surveyed_share": 0.3,
                "strong_share": 0.4,
                "weak_share": 0.3,
                "none_share": 0.3,
                "rmse_db": 7.8,
            }
        )
    return rows


def _summary(operator: str) -> dict[str, Any]:
    """A job's result for one product, as publishing freezes it."""
    return {
        "operator": operator,
        "tech": "LTE",
        "product": f"{operator}-LTE",
        "method": "kriging",
        "rmse_db": 7.8,
        "readings": 250_000,
        "blankspots": {"count": 52, "area_km2": 310.5},
        "villages": {"strong": 506, "weak": 253, "none": 127, "insufficient data": 253},
        "surveyed_share": 0.07,
    }


def fill(app: Any, releases: int = RELEASES) -> str:
    """Users, one done job, ``releases`` releases with 2 products and a verdict per village
    and operator each, and responses with evidence on one village; that village's code."""
    rng = np.random.default_rng(13)
    with app.app_context():
        admin = create_user("admin", PASSWORD, "admin")
        create_user("tsel", PASSWORD, "provider", ["510-10"])
        villages = current_regions().regions
        start = datetime(2024, 1, 1, 3, tzinfo=UTC)
        with session_scope() as db:
            job = Job(created_by=admin, state="done", params={}, operators=list(OPERATORS))
            db.add(job)
            db.flush()
            job_id = job.id
        with engine().begin() as conn:
            for n in range(1, releases + 1):
                withdrawn = n % WITHDRAWN_EVERY == 0
                published = start + timedelta(days=n)
                release_id = conn.execute(
                    insert(Release).returning(Release.id),
                    {
                        "job_id": job_id,
                        "title": f"Sumatera Barat LTE #{n}",
                        "period_from": published.date() - timedelta(days=30),
                        "period_to": published.date(),
                        "area": {"kind": "all"},
                        "tech": "LTE",
                        "operators": list(OPERATORS),
                        "state": "withdrawn" if withdrawn else "published",
                        "published_by": admin,
                        "published_at": published,
                        "respond_by": published.date() + timedelta(days=60),
                        "fingerprint": f"{n:064x}",
                        "inputs": {},
                        "evidence": {},
                        "withdrawn_by": admin if withdrawn else None,
                        "withdrawn_at": published + timedelta(days=1) if withdrawn else None,
                        "withdraw_reason": "wrong area" if withdrawn else None,
                    },
                ).scalar_one()
                conn.execute(
                    insert(ReleaseProduct),
                    [
                        {
                            "release_id": release_id,
                            "product": f"{op}-LTE",
                            "operator": op,
                            "tech": "LTE",
                            "summary": _summary(op),
                            "files": [],
                        }
                        for op in OPERATORS
                    ],
                )
                conn.execute(insert(VillageVerdict), _verdict_rows(release_id, villages, rng))
        code = villages[len(villages) // 2].code
        _responses(admin, releases, code, rng)
    return code


def _responses(user: int, release_id: int, code: str, rng: np.random.Generator) -> None:
    """Two open responses about village ``code`` (one a dispute with 2,000 readings)."""
    region = current_regions().by_code[code]
    centre = region.geometry.centroid if region.geometry is not None else None
    lat0, lon0 = (centre.y, centre.x) if centre is not None else (-0.3, 100.4)
    with session_scope() as db:
        for kind in ("acknowledged", "disputed"):
            response = OperatorResponse(
                release_id=release_id,
                village_code=code,
                operator="510-10",
                tech="LTE",
                kind=kind,
                created_by=user,
            )
            db.add(response)
            db.flush()
        evidence = EvidenceFile(
            response_id=response.id,
            filename="drive.txt",
            sha256="0" * 64,
            bytes=1,
            format="gnettrack",
            readings=2_000,
            uploaded_by=user,
        )
        db.add(evidence)
        db.flush()
        when = datetime(2026, 11, 1, tzinfo=UTC)
        db.execute(
            insert(EvidenceReading),
            [
                {
                    "file_id": evidence.id,
                    "response_id": response.id,
                    "source": "510-10",
                    "observed_at": when + timedelta(seconds=i),
                    "lat": lat0 + float(rng.normal(0, 0.005)),
                    "lon": lon0 + float(rng.normal(0, 0.005)),
                    "tech": "LTE",
                    "mcc": "510",
                    "mnc": "10",
                    "rsrp_dbm": float(rng.normal(-100, 10)),
                    "village_code": code,
                }
                for i in range(2_000)
            ],
        )


def _login(client: Any, name: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})


def _time(client: Any, path: str) -> float | None:
    client.get(path).get_data()  # warm-up (templates, caches)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        answer = client.get(path)
        answer.get_data()
        times.append(time.perf_counter() - start)
        if answer.status_code != 200:
            print(f"  {path}: {answer.status_code}, not timed")
            return None
    return statistics.median(times)


def _pages(app: Any, code: str) -> dict[str, str]:
    pages = {
        "register": "/villages",
        "register, search": "/villages?q=agam",
        "register, no signal, page 3": "/villages?verdict=none&page=3",
        "register, one release": f"/villages?release={RELEASES - 1}",
        "village page": f"/villages/{code}",
        "village page, one product, page 10": f"/villages/{code}?product=510-10-LTE&page=10",
        "village map data": f"/villages/{code}/map.json",
        "provider portal": "/provider",
    }
    if "releases.index" in app.view_functions:
        pages["releases"] = "/releases"
    else:
        print("  /releases is not there yet (server/web/releases.py): not timed")
    return pages


def _measure(store: str, url: str, folder: Path) -> list[dict[str, Any]]:
    upgrade(url)
    boundaries, village_list = _boundaries(folder)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "BOUNDARIES": boundaries,
            "VILLAGE_LIST": village_list,
            "JOBS_DIR": str(folder / "jobs"),
        }
    )
    app.instance_path = str(folder / "instance")
    clock = time.perf_counter()
    code = fill(app)
    print(f"{store}: {RELEASES:,} releases stored in {time.perf_counter() - clock:.0f} s")
    rows = []
    for user in ("admin", "tsel"):
        client = app.test_client()
        baseline = _time(client, "/login")
        _login(client, user)
        for page, path in _pages(app, code).items():
            seconds = _time(client, path)
            if seconds is None or baseline is None:
                continue
            rows.append(
                {
                    "store": store,
                    "user": user,
                    "page": page,
                    "ms": round(seconds * 1000, 1),
                    "x login page": round(seconds / baseline, 1),
                    "<= 0.3 s": "yes" if seconds <= TARGET_S else "NO",
                }
            )
    app.extensions["petasinyal.engine"].dispose()
    print(table(rows, COLUMNS))
    return rows


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = _measure("SQLite", f"sqlite:///{folder / 'releases.sqlite3'}", folder)
        bindir = find_bin()
        if bindir is None:
            print("PostgreSQL is not installed: SQLite only")
        else:
            cluster = PostgresCluster(bindir)
            cluster.start()
            try:
                rows += _measure("PostgreSQL", cluster.create_database("release_pages"), folder)
            finally:
                cluster.stop()
    print(table(rows, COLUMNS))
