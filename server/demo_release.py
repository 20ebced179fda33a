"""The demo's last steps: the admin publishes the job as the first release, and Telkomsel
answers one blankspot village through the API with a dispute and its own drive-test file, so
that a new user sees the whole loop with the operators after ``make demo``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import requests
import shapely
from flask import Flask
from sqlalchemy import select

__all__ = ["DemoLoop", "operator_drive", "publish_and_dispute"]

OPERATOR = "510-10"
PRODUCT = f"{OPERATOR}-LTE"


@dataclass(frozen=True)
class DemoLoop:
    """What the demo published and answered."""

    release_id: int
    response_id: int | None
    village: str | None
    evidence_readings: int


def operator_drive(area: shapely.Geometry, operator: str, points: int = 120) -> pd.DataFrame:
    """An operator's own drive test across ``area``: LTE readings of a good new site, one
    every few seconds, as its drive-test tool would export them (canonical CSV columns)."""
    from analysis.frame import canonical_frame

    rng = np.random.default_rng(13)
    inside = shapely.point_on_surface(area)
    minx, miny, maxx, maxy = area.bounds
    lons = np.linspace(minx, maxx, points)
    lats = inside.y + 0.25 * (maxy - miny) * np.sin(np.linspace(0, 3 * np.pi, points))
    start = datetime.now(UTC) - timedelta(days=1)
    mcc, mnc = operator.split("-")
    rows = [
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"petasinyal-demo-drive:{n}")),
            "device_id": f"drive-test-{operator}",
            "session_id": "drive-1",
            "observed_at": (start + timedelta(seconds=3 * n)).isoformat(),
            "lat": round(float(lat), 6),
            "lon": round(float(lon), 6),
            "accuracy_m": 4.0,
            "tech": "LTE",
            "mcc": mcc,
            "mnc": mnc,
            "rsrp_dbm": round(float(rng.normal(-88, 4)), 1),
            "rsrq_db": round(float(rng.normal(-10, 1.5)), 1),
            "sinr_db": round(float(rng.normal(12, 3)), 1),
        }
        for n, (lon, lat) in enumerate(zip(lons, lats, strict=True))
    ]
    return canonical_frame(rows)


def publish_and_dispute(app: Flask, base: str, job_id: int, admin_id: int) -> DemoLoop:
    """Publish ``job_id`` as a release; Telkomsel disputes its first blankspot village."""
    from analysis.io_csv import to_csv_text
    from server.accounts import create_api_token
    from server.db import session_scope
    from server.models import Job, User, VillageVerdict
    from server.regions import current_regions
    from server.releases import publish

    with app.app_context():
        with session_scope() as session:
            job = session.get(Job, job_id)
            assert job is not None and job.inputs is not None
            first, last = job.inputs["first_observed"], job.inputs["last_observed"]
            provider_id = session.scalar(select(User.id).where(User.username == "telkomsel"))
        release_id = publish(
            job_id,
            "admin:admin",
            admin_id,
            "Peta sinyal Agam dan Bukittinggi",
            "Rilis pertama survei lapangan Diskominfotik; mohon tanggapan per desa.",
            pd.Timestamp(first).date(),
            pd.Timestamp(last).date(),
        )
        with session_scope() as session:
            code = session.scalar(
                select(VillageVerdict.village_code)
                .where(
                    VillageVerdict.release_id == release_id,
                    VillageVerdict.operator == OPERATOR,
                    VillageVerdict.verdict == "none",
                )
                .order_by(VillageVerdict.readings.desc(), VillageVerdict.village_code)
                .limit(1)
            )
        regions = current_regions()
        if code is None or regions is None or provider_id is None:
            return DemoLoop(release_id, None, None, 0)
        area = regions.by_code[code].geometry
        token = create_api_token(provider_id, "demo script", "provider:telkomsel")
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    answer = http.post(
        f"{base}/api/v1/responses",
        json={
            "release_id": release_id,
            "village_code": code,
            "product": PRODUCT,
            "kind": "disputed",
            "message": "Site baru kami on air; hasil drive test kami menunjukkan sinyal kuat.",
        },
        timeout=60,
    )
    answer.raise_for_status()
    response_id = int(answer.json()["id"])
    drive = to_csv_text(operator_drive(area, OPERATOR)) if area is not None else ""
    answer = http.post(
        f"{base}/api/v1/responses/{response_id}/evidence",
        params={"filename": "drive-test-telkomsel.csv"},
        data=drive.encode(),
        headers={"Content-Type": "text/csv"},
        timeout=120,
    )
    answer.raise_for_status()
    return DemoLoop(release_id, response_id, code, int(answer.json().get("readings", 0)))
