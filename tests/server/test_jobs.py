"""Heatmap jobs: built from approved readings only, traceable to them, resumed after a
crash, failed with a reason, and never left "running"."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server import create_app
from server.api.docs import openapi_document
from server.db import session_scope
from server.jobs import claim_job, create_job, recover_stale_jobs, run_job
from server.migrate import upgrade
from server.models import AuditEntry, Job, utcnow
from server.review import approved_frame, approved_uploads, review_upload
from tests.server.live import ServerProcess, wait_until
from tests.server.web import csrf_token, login, make_cast, recent_survey, send_survey


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, villages_file: Path
) -> Iterator[dict[str, Any]]:
    """One survey uploaded by two officers, all but one upload approved, and a finished job
    for Telkomsel and XL, started from the jobs page."""
    folder = tmp_path_factory.mktemp("jobs")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'jobs.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database(f"jobs_{folder.name[-6:]}")
    upgrade(url)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "t",
            "BOUNDARIES": str(villages_file),
            "JOBS_DIR": str(folder / "out"),
        }
    )
    client = app.test_client()
    ids = make_cast(app)
    frame = recent_survey(3_000)
    uploads = send_survey(app, client, "ani", frame, batch=1_000)
    with app.app_context():
        for upload_id in uploads[:-1]:
            review_upload(upload_id, "approved", "admin:admin")
    login(client, "admin")
    answer = client.post(
        "/jobs",
        data={
            "operators": ["510-10", "510-11"],
            "tech": "LTE",
            "area": "all",
            "method": "auto",
            "spacing": "100",
            "csrf_token": csrf_token(client, "/jobs"),
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    job_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        assert claim_job() == job_id
        assert run_job(job_id) == "done"
    yield {"app": app, "client": client, "job_id": job_id, "uploads": uploads, "ids": ids}
    app.extensions["petasinyal.engine"].dispose()


def fetch(client: FlaskClient, url: str, **kwargs: Any) -> tuple[int, bytes]:
    """Status and body of a GET, with the (file) response closed."""
    with client.get(url, **kwargs) as answer:
        return answer.status_code, answer.get_data()


def _job(app: Flask, job_id: int) -> Job:
    with app.app_context(), session_scope() as db:
        job = db.get(Job, job_id)
        assert job is not None
        db.expunge(job)
        return job


def test_a_job_keeps_the_exact_readings_it_used(built: dict[str, Any]) -> None:
    app, job_id = built["app"], built["job_id"]
    job = _job(app, job_id)
    with app.app_context():
        used = approved_frame(["510-10", "510-11"])
    assert job.state == "done" and job.progress == 1.0
    assert job.inputs["readings"] == len(used)
    assert (
        job.inputs["reading_ids_sha256"]
        == hashlib.sha256("\n".join(sorted(used["id"])).encode()).hexdigest()
    )
    with app.app_context():
        assert job.inputs["uploads"] == approved_uploads(["510-10", "510-11"])
    assert built["uploads"][-1] not in job.inputs["uploads"]  # not reviewed: left out
    assert set(job.inputs["uploads"]) < set(built["uploads"])
    assert [r["product"] for r in job.results] == ["510-10-LTE", "510-11-LTE"]


def test_a_job_for_a_campaign_reads_only_the_campaign_villages(built: dict[str, Any]) -> None:
    from server.campaigns import create_campaign
    from server.models import Measurement
    from server.regions import current_regions

    app, ids = built["app"], built["ids"]
    with app.app_context():
        codes = ["SIMULASI.104", "SIMULASI.105", "SIMULASI.108"]
        campaign = create_campaign(
            "admin:admin", "Tiga desa", current_regions(), codes, None, [], None, None
        )
        job_id = create_job(
            "admin:admin",
            ids["admin"],
            ["510-10"],
            "LTE",
            {"kind": "campaign", "value": str(campaign), "label": "Tiga desa"},
            spacing=100.0,
        )
        assert claim_job() == job_id and run_job(job_id) == "done"
        used = approved_frame(["510-10"], codes)
        with session_scope() as db:
            villages = set(
                db.scalars(
                    select(Measurement.village_code).where(Measurement.id.in_(list(used["id"])))
                )
            )
    job = _job(app, job_id)
    assert job.inputs["area"] == "Tiga desa" and job.inputs["readings"] == len(used) > 0
    assert villages <= set(codes)
    assert job.results[0]["villages"] is not None
    assert sum(job.results[0]["villages"].values()) == len(codes)  # verdicts for those only


def test_the_job_page_shows_map_tables_and_downloads(built: dict[str, Any]) -> None:
    client, job_id = built["client"], built["job_id"]
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    for text in (
        "510-10-LTE/map.html",
        "classes_wgs84.tif",
        "products.kmz",
        "villages.csv",
        "Validasi silang",
        "kriging",
    ):
        assert text in page
    # both errors of the map: on surveyed roads (the uploads' sessions are the drives) and
    # between them, and each cross-validation row says which test it is
    status, body = fetch(client, f"/jobs/{job_id}/files/510-10-LTE/report.json")
    errors = json.loads(body)["errors"]
    assert status == 200 and errors["lodo_rmse_db"] is not None
    for text in (
        f"±{errors['lodo_rmse_db']:.1f} dB</b>galat di jalan yang disurvei".replace(".", ","),
        f"±{errors['blocked_cv_rmse_db']:.1f} dB</b>galat di antara jalan survei".replace(".", ","),
        "di jalan yang disurvei (satu perjalanan disisihkan)",
        "di antara jalan (kotak 500 m disisihkan)",
    ):
        assert text in page
    status, tif = fetch(client, f"/jobs/{job_id}/files/510-10-LTE/classes_wgs84.tif?download=1")
    assert status == 200 and tif[:4] == b"II*\x00"
    assert fetch(client, f"/jobs/{job_id}/files/510-10-LTE/products.kmz?download=1")[1][:2] == b"PK"
    assert fetch(client, f"/jobs/{job_id}/files/510-10-LTE/..%2Fsecret")[0] == 404
    with built["app"].app_context(), session_scope() as db:
        targets = db.scalars(select(AuditEntry.target).where(AuditEntry.action == "download")).all()
    assert f"job:{job_id}/510-10-LTE/classes_wgs84.tif" in targets


def _published(built: dict[str, Any]) -> int:
    """The module's job published as a release (once); the release id."""
    from datetime import date

    from server.releases import publish, release_of_job

    with built["app"].app_context():
        found = release_of_job(built["job_id"])
        if found is not None:
            return found
        return publish(
            built["job_id"],
            "admin:admin",
            built["ids"]["admin"],
            "Survei",
            None,
            date(2026, 1, 1),
            date(2026, 1, 31),
        )


def test_providers_see_only_published_products_of_their_own_operator(
    built: dict[str, Any],
) -> None:
    app, job_id = built["app"], built["job_id"]
    tsel = app.test_client()
    login(tsel, "tsel")
    # a draft: the job's pages and files are the admins'
    assert "510-10-LTE" not in tsel.get("/provider").get_data(as_text=True)
    for url in (
        f"/jobs/{job_id}",
        f"/jobs/{job_id}/status.json",
        f"/jobs/{job_id}/files/510-10-LTE/classes_wgs84.tif",
        f"/jobs/{job_id}/archive/510-10-LTE.zip",
    ):
        assert fetch(tsel, url)[0] == 403, url
    release_id = _published(built)
    portal = tsel.get("/provider").get_data(as_text=True)
    assert "510-10" in portal and "510-11" not in portal
    page = tsel.get(f"/releases/{release_id}").get_data(as_text=True)
    assert "510-10-LTE/map.html" in page and "510-11" not in page
    assert fetch(tsel, f"/releases/{release_id}/files/510-11-LTE/classes_wgs84.tif")[0] == 404
    assert fetch(tsel, f"/releases/{release_id}/files/510-10-LTE/classes_wgs84.tif")[0] == 200
    assert fetch(tsel, f"/jobs/{job_id}")[0] == 403  # still not the job's page


def test_officers_and_providers_cannot_reach_jobs(built: dict[str, Any]) -> None:
    app = built["app"]
    with app.app_context():
        other = create_job("admin:admin", built["ids"]["admin"], ["510-01"], "LTE", {"kind": "all"})
    for name in ("tsel", "ani"):
        user = app.test_client()
        login(user, name)
        assert user.get("/jobs").status_code == 403
        assert user.get(f"/jobs/{other}").status_code == 403
        assert user.get(f"/jobs/{other}/status.json").status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    assert admin.get(f"/jobs/{other}/status.json").json["state"] == "queued"
    assert admin.get(f"/jobs/{2**31}").status_code == 404


def test_products_api_with_a_revocable_token(built: dict[str, Any]) -> None:
    app, job_id = built["app"], built["job_id"]
    release_id = _published(built)
    tsel = app.test_client()
    login(tsel, "tsel")
    page = tsel.post(
        "/tokens", data={"name": "GIS", "csrf_token": csrf_token(tsel, "/tokens")}
    ).get_data(as_text=True)
    import re

    token = re.search(r'id="new-token">([^<]+)<', page).group(1)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    answer = api.get("/api/v1/products", headers=headers)
    assert answer.status_code == 200, answer.json
    listing = answer.json["products"]
    document = openapi_document()
    schema = document["paths"]["/api/v1/products"]["get"]["responses"]["200"]["content"]
    jsonschema.validate(
        answer.json, {**schema["application/json"]["schema"], "components": document["components"]}
    )
    assert [p["product"] for p in listing] == ["510-10-LTE"]
    assert listing[0]["job_id"] == job_id and listing[0]["release_id"] == release_id
    assert "classes_wgs84.tif" in listing[0]["files"]
    assert listing[0]["lodo_rmse_db"] == _job(app, job_id).results[0]["lodo_rmse_db"] > 0
    status, tif = fetch(
        api, f"/api/v1/products/{job_id}/510-10-LTE/classes_wgs84.tif", headers=headers
    )
    assert status == 200 and tif[:4] == b"II*\x00"
    status, archive = fetch(api, listing[0]["archive"].split("localhost", 1)[1], headers=headers)
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        names = zipped.namelist()
    assert {
        "510-10-LTE/map.html",
        "510-10-LTE/classes_wgs84.tif",
        "510-10-LTE/villages.csv",
    } <= set(names)
    other = api.get(f"/api/v1/products/{job_id}/510-11-LTE/classes_wgs84.tif", headers=headers)
    assert other.status_code == 404 and other.json["code"] == 404
    token_id = re.findall(r"/tokens/(\d+)/revoke", tsel.get("/tokens").get_data(as_text=True))[0]
    tsel.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(tsel, "/tokens")})
    assert api.get("/api/v1/products", headers=headers).status_code == 401


def test_the_dashboard_counts_and_maps_the_survey(built: dict[str, Any]) -> None:
    client = built["client"]
    page = client.get("/").get_data(as_text=True)
    assert "3.000" in page or "2.999" in page  # readings, Indonesian digit grouping
    surveyed = client.get("/map/surveyed.json").json
    assert surveyed and all(code.startswith("SIMULASI.") for code in surveyed)
    assert sum(surveyed.values()) == len(recent_survey(3_000))


def test_a_stale_running_job_is_queued_again_then_failed(app: Flask) -> None:
    ids = make_cast(app)
    with app.app_context():
        job_id = create_job("admin:admin", ids["admin"], ["510-10"], "LTE", {"kind": "all"})
        assert claim_job() == job_id
        with session_scope() as db:
            job = db.get(Job, job_id)
            job.heartbeat_at = utcnow() - timedelta(minutes=10)
        assert recover_stale_jobs() == [job_id]
        assert _job(app, job_id).state == "queued"
        for _ in range(2):  # two more interruptions
            assert claim_job() == job_id
            with session_scope() as db:
                db.get(Job, job_id).heartbeat_at = utcnow() - timedelta(minutes=10)
            recover_stale_jobs()
    job = _job(app, job_id)
    assert job.state == "failed" and "interrupted 3 times" in job.message


def test_a_job_without_readings_fails_with_the_reason(app: Flask) -> None:
    ids = make_cast(app)
    with app.app_context():
        job_id = create_job("admin:admin", ids["admin"], ["510-99"], "LTE", {"kind": "all"})
        claim_job()
        assert run_job(job_id) == "failed"
    job = _job(app, job_id)
    assert "no LTE readings of operator 510-99" in job.message


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_job_interrupted_by_a_crash_is_resumed_after_restart(
    app: Flask, client: FlaskClient, db_url: str, tmp_path: Path, villages_file: Path
) -> None:
    ids = make_cast(app)
    uploads = send_survey(app, client, "ani", recent_survey(2_000), batch=2_000)
    with app.app_context():
        for upload_id in uploads:
            review_upload(upload_id, "approved", "admin:admin")
        job_id = create_job(
            "admin:admin", ids["admin"], ["510-10"], "LTE", {"kind": "all"}, spacing=20.0
        )
    env = {
        "PETASINYAL_JOBS_DIR": str(tmp_path / "jobs"),
        "PETASINYAL_JOB_STALE_SECONDS": "3",
        "PETASINYAL_JOB_HEARTBEAT_SECONDS": "0.5",
        "PETASINYAL_JOB_POLL_SECONDS": "0.2",
        "PETASINYAL_BOUNDARIES": str(villages_file),
    }
    server = ServerProcess(db_url, tmp_path, env)
    try:
        server.start()
        wait_until(lambda: _job(app, job_id).state == "running", timeout=60)
        server.kill()  # SIGKILL in the middle of the job
        assert _job(app, job_id).state == "running"
        server.start()
        wait_until(lambda: _job(app, job_id).state in ("done", "failed"), timeout=240)
    finally:
        server.stop()
    job = _job(app, job_id)
    assert job.state == "done", job.message
    assert job.attempts == 2
    with app.app_context(), session_scope() as db:
        assert db.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "job.recover")
        ).all() == ["job.recover"]
