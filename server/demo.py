"""The README's demo: a server on SQLite with a simulated survey sent through the API,
reviewed and turned into maps, then left running with demo logins printed.

Everything goes the way it does in the field: an officer's phone is enrolled with a one-time
code, the survey is uploaded in batches over HTTP, an admin reviews the uploads (one is sent
back with a comment), and a heatmap job builds the products of each operator in the
background worker. The admin publishes the job as the first release, and Telkomsel disputes
one blankspot village with its own drive-test file (``server.demo_release``).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import BaseWSGIServer, make_server

__all__ = ["DEMO_USERS", "run_demo", "simulated_village_file"]

# username, password, role, operators, office (a kabupaten/kota by name; "" the province)
DEMO_USERS: tuple[tuple[str, str, str, list[str], str], ...] = (
    ("admin", "admin-demo-123", "admin", [], ""),
    ("petugas", "petugas-demo-123", "officer", [], ""),
    ("agam", "agam-demo-123", "admin", [], "Agam"),
    ("petugas-agam", "petugas-agam-demo-123", "officer", [], "Agam"),
    ("bukittinggi", "bukittinggi-demo-123", "admin", [], "Bukittinggi"),
    ("petugas-bukittinggi", "petugas-bukittinggi-demo-123", "officer", [], "Bukittinggi"),
    ("telkomsel", "telkomsel-demo-123", "provider", ["510-10"], ""),
    ("xlaxiata", "xl-demo-123", "provider", ["510-11"], ""),
)
OPERATORS = ["510-10", "510-01", "510-11"]
BATCH = 1_000


def simulated_village_file(path: Path, two_regions: bool = False) -> Path:
    """The simulated villages of the demo area as GeoJSON with Kemendagri-style fields (with
    ``two_regions``: a kabupaten and a kota, see ``simulate_villages``)."""
    from analysis.export.geojson import feature_collection, write_geojson
    from analysis.simulate import simulate_villages

    items = [
        (
            r.geometry,
            {
                "kode": r.code,
                "nama": r.name,
                "kode_kec": r.kec_code,
                "nama_kec": r.kec_name,
                "kode_kabkota": r.kab_code,
                "nama_kabkota": r.kab_name,
            },
        )
        for r in simulate_villages(two_regions=two_regions)
    ]
    return write_geojson(feature_collection(items, "simulated villages"), path)


def _villages(out: Path) -> tuple[Path, Path | None, str]:
    """Real West Sumatra villages when ``../shared/data`` is there, else simulated ones."""
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "boundaries"
    if (shared / "sumbar_desa.geojson").exists():
        return (
            shared / "sumbar_desa.geojson",
            shared / "sumbar_villages.csv",
            f"West Sumatra villages (Kemendagri codes) from {shared}",
        )
    path = simulated_village_file(out / "villages.geojson", two_regions=True)
    return path, None, "simulated villages (no real boundaries found)"


def _serve(app: Any, host: str, port: int) -> BaseWSGIServer:
    """The app on ``host:port`` (or a free port if that one is taken), in a thread."""
    try:
        server = make_server(host, port, app, threaded=True)
    except OSError:
        server = make_server(host, 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True, name="demo-http").start()
    return server


def _upload_survey(base: str, phone: str, code: str, frame: Any) -> list[str]:
    """Enrol ``phone`` with ``code`` and send its readings in batches, as the app does."""
    from analysis.frame import wire_records

    http = requests.Session()
    answer = http.post(
        f"{base}/api/v1/devices/enroll", json={"code": code, "name": phone}, timeout=30
    )
    answer.raise_for_status()
    http.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    records = wire_records(frame)
    uploads = []
    for start in range(0, len(records), BATCH):
        batch_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"petasinyal-demo:{phone}:{start}"))
        body = {"batch_id": batch_id, "measurements": records[start : start + BATCH]}
        answer = http.post(f"{base}/api/v1/uploads", json=body, timeout=120)
        answer.raise_for_status()
        uploads.append(answer.json()["upload_id"])
    return uploads


def run_demo(out: Path, points: int = 20_000, port: int = 5000, serve: bool = True) -> str:
    """Build the demo under ``out`` and, with ``serve``, keep the server running; its URL."""
    from sqlalchemy import select

    from analysis.io_csv import write_csv
    from analysis.simulate import SurveyConfig, simulate_survey
    from analysis.summary import summarise
    from server import create_app
    from server.accounts import create_user, issue_enrol_code
    from server.campaigns import create_campaign
    from server.cli import start_worker
    from server.db import session_scope
    from server.demo_offices import (
        admin_of,
        demo_office_codes,
        officer_campaigns,
        officer_of_readings,
    )
    from server.jobs import create_job
    from server.migrate import upgrade
    from server.models import Job, User
    from server.regions import current_regions
    from server.review import review_upload

    out.mkdir(parents=True, exist_ok=True)
    instance = out / "instance"
    shutil.rmtree(instance, ignore_errors=True)  # a fresh server each time
    instance.mkdir()
    boundaries, village_list, described = _villages(out)
    start = (datetime.now(UTC) - timedelta(days=6)).strftime("%Y-%m-%dT01:00:00Z")
    frame = simulate_survey(SurveyConfig(points=points, start=start))
    survey = write_csv(frame, out / "survey.csv")  # for the phone app's replay, too
    print(f"Simulated survey around Bukittinggi and Agam: {len(frame)} readings -> {survey}")
    print(summarise(frame).to_string(index=False))
    print(f"Villages: {described}")

    url = f"sqlite:///{(instance / 'petasinyal.sqlite3').resolve()}"
    upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "BOUNDARIES": str(boundaries),
            "VILLAGE_LIST": str(village_list) if village_list else None,
            "JOBS_DIR": str((out / "jobs").resolve()),
            "RATELIMIT_LOGIN": "60 per minute",
            "RATELIMIT_ENROL": "60 per minute",  # the demo enrols every phone at once
        }
    )
    app.instance_path = str(instance.resolve())
    server = _serve(app, "127.0.0.1", port)
    base = f"http://127.0.0.1:{server.server_port}"
    with app.app_context():
        regions = current_regions()
        assert regions is not None
        offices = demo_office_codes(regions)
        ids = {
            username: create_user(
                username, password, role, operators, actor="demo", office=offices.get(office)
            )
            for username, password, role, operators, office in DEMO_USERS
        }
        villages = regions.locate(list(frame["lon"]), list(frame["lat"]))
        # each office's officer surveys its own region, the province's officer the rest;
        # one phone per SIM in each survey car, as in the simulation
        officers = officer_of_readings(villages, offices).tolist()
        frame["device_id"] = [
            phone if officer == "petugas" else phone.replace("sim-officer", f"hp-{officer}")
            for phone, officer in zip(frame["device_id"], officers, strict=True)
        ]
        frame["session_id"] = frame["device_id"] + "-" + frame["observed_at"].dt.strftime("%Y%m%d")
        for officer, name, reached in officer_campaigns(villages, officers):
            admin = admin_of(officer)
            with session_scope() as session:
                office_id = session.scalar(select(User.office_id).where(User.id == ids[admin]))
            create_campaign(
                f"admin:{admin}",
                name,
                regions,
                reached,
                None,
                [ids[officer]],
                None,
                None,
                office_id,
            )
        phones = {
            (officer, phone): issue_enrol_code(officer, 30, actor=f"admin:{admin_of(officer)}")[0]
            for phone, officer in sorted(
                set(zip(frame["device_id"], officers, strict=True)),
                key=lambda p: (p[1] == "petugas", p),
            )
        }
    clock = time.perf_counter()
    requests_log = logging.getLogger("werkzeug")
    requests_log.setLevel(logging.WARNING)  # the demo's own requests would drown the summary
    uploads = [
        (officer, upload_id)
        for (officer, phone), code in phones.items()
        for upload_id in _upload_survey(base, phone, code, frame[frame["device_id"] == phone])
    ]
    print(
        f"Uploaded {len(frame)} readings from {len(phones)} phones of "
        f"{len({o for o, _p in phones})} officers in {len(uploads)} batches "
        f"through {base}/api/v1/ ({time.perf_counter() - clock:.1f} s)"
    )
    with app.app_context():
        # each office's admin reviews its officer's uploads: all but the province's last two
        # approved; one sent back with a comment, one left for you to review
        for officer, upload_id in uploads[:-2]:
            admin = admin_of(officer)
            review_upload(upload_id, "approved", f"admin:{admin}", reviewer_id=ids[admin])
        review_upload(
            uploads[-2][1],
            "has_issues",
            "admin:admin",
            "GPS akurasi buruk di sebagian rute; mohon ulangi jalan ke Matur.",
            reviewer_id=ids["admin"],
        )
        job_id = create_job(
            "admin:admin", ids["admin"], OPERATORS, "LTE", {"kind": "all", "label": "all"}
        )
    print(
        f"Reviewed: {len(uploads) - 2} uploads approved, 1 sent back with a comment, "
        "1 waiting for review"
    )
    start_worker(app)
    clock = time.perf_counter()
    with app.app_context():
        while True:
            with session_scope() as session:
                job = session.get(Job, job_id)
                assert job is not None
                state, message = job.state, job.message
            if state in ("done", "failed", "cancelled"):
                break
            time.sleep(1.0)
    print(f"Heatmap job {job_id}: {state} in {time.perf_counter() - clock:.0f} s {message or ''}")
    if state == "done":
        from server.demo_release import publish_and_dispute

        loop = publish_and_dispute(app, base, job_id, ids["admin"])
        print(f"Published release {loop.release_id}: {base}/releases/{loop.release_id}")
        if loop.response_id is not None:
            print(
                f"Telkomsel disputed village {loop.village} through the API with a drive-test "
                f"file of {loop.evidence_readings} readings: {base}/responses/{loop.response_id}"
            )
    print()
    print(f"PetaSinyal is running at {base}/" if serve else f"PetaSinyal ran at {base}/")
    print("Demo logins (username / password):")
    for username, password, role, operators, office in DEMO_USERS:
        extra = f" for {', '.join(operators)}" if operators else ""
        if role != "provider":
            extra = f"  ({office or 'province'} office)"
        print(f"  {role:9s} {username:20s} / {password:29s}{extra}")
    print(f"API documentation: {base}/api/v1/docs   Products on disk: {out / 'jobs'}")
    if serve:
        print("Press Ctrl-C to stop.")
        requests_log.setLevel(logging.INFO)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    server.shutdown()
    app.extensions["petasinyal.worker"].stop()
    return base
