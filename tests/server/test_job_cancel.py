"""Cancelling a job: asked first (a page without scripts), "cancelled" is a state of its own
(page, list, status JSON, notification), never "failed"; messages are shown in words in the
page's language, old rows included."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.db import session_scope
from server.jobs import cancel_job, claim_job, create_job, run_job
from server.models import Job
from tests.server.web import csrf_token, login, make_cast

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _job(app: Flask, job_id: int) -> Job:
    with app.app_context(), session_scope() as db:
        job = db.get(Job, job_id)
        assert job is not None
        db.expunge(job)
        return job


def _new_job(app: Flask, admin: int) -> int:
    with app.app_context():
        return create_job("admin:admin", admin, ["510-10"], "LTE", {"kind": "all"})


def _text(page: str) -> str:
    """What a reader sees of a page: its text without tags."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_cancel_asks_first_and_a_confirmed_cancel_is_its_own_state(
    app: Flask, client: FlaskClient
) -> None:
    job_id = _new_job(app, make_cast(app)["admin"])
    login(client, "admin")
    token = csrf_token(client, f"/jobs/{job_id}")
    # the page's button (no script to ask): answered with the question, nothing stopped
    answer = client.post(f"/jobs/{job_id}/cancel", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"] == f"/jobs/{job_id}/cancel"
    assert _job(app, job_id).state == "queued"
    question = client.get(f"/jobs/{job_id}/cancel").get_data(as_text=True)
    assert f"Batalkan tugas {job_id}?" in question
    assert 'name="confirm" value="yes"' in question and "Ya, batalkan tugas" in question
    assert "Telkomsel (510-10)" in question
    answer = client.post(f"/jobs/{job_id}/cancel", data={"csrf_token": token, "confirm": "yes"})
    assert answer.status_code == 302 and answer.headers["Location"] == f"/jobs/{job_id}"
    job = _job(app, job_id)
    assert job.state == "cancelled" and job.message == "cancelled by admin:admin"
    page = _text(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert "dibatalkan" in page and "Dibatalkan oleh admin" in page
    assert "gagal" not in page and "cancelled by" not in page
    listing = client.get("/jobs").get_data(as_text=True)
    assert 'state-cancelled">dibatalkan<' in listing and "state-failed" not in listing
    # nothing left to cancel: the question page sends back to the job
    assert client.get(f"/jobs/{job_id}/cancel").headers["Location"] == f"/jobs/{job_id}"


def test_a_cancel_without_the_form_token_or_of_no_job_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    job_id = _new_job(app, make_cast(app)["admin"])
    login(client, "admin")
    assert client.post(f"/jobs/{job_id}/cancel", data={"confirm": "yes"}).status_code == 400
    token = csrf_token(client, f"/jobs/{job_id}")
    gone = client.post("/jobs/999999/cancel", data={"csrf_token": token, "confirm": "yes"})
    assert gone.status_code == 404
    assert client.get("/jobs/999999/cancel").status_code == 404
    assert _job(app, job_id).state == "queued"


def test_a_running_job_cancelled_stops_and_stays_cancelled(app: Flask) -> None:
    ids = make_cast(app)
    queued, running = _new_job(app, ids["admin"]), _new_job(app, ids["admin"])
    with app.app_context():
        assert cancel_job(queued, "admin:admin")
        assert claim_job() == running  # the cancelled one is never taken
        assert cancel_job(running, "admin:budi")
        assert run_job(running) == "cancelled"  # stops at its first step
        assert not cancel_job(running, "admin:admin")  # nothing left to stop
    for job_id in (queued, running):
        job = _job(app, job_id)
        assert job.state == "cancelled" and job.results == []


def test_status_json_gives_the_state_and_message_in_words(app: Flask, client: FlaskClient) -> None:
    job_id = _new_job(app, make_cast(app)["admin"])
    with app.app_context():
        claim_job()
        with session_scope() as db:
            db.get(Job, job_id).message = "510-10 LTE: coverage done"  # as the worker writes
    login(client, "admin")
    status = client.get(f"/jobs/{job_id}/status.json").get_json()
    assert status["state"] == "running" and status["state_label"] == "berjalan"
    assert status["message"] == "Telkomsel (510-10) LTE: cakupan diinterpolasi"
    assert status["message_code"] == "510-10 LTE: coverage done"
    page = _text(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert "Telkomsel (510-10) LTE: cakupan diinterpolasi" in page
    with app.app_context():
        cancel_job(job_id, "admin:admin")
    status = client.get(f"/jobs/{job_id}/status.json").get_json()
    assert (status["state"], status["state_label"]) == ("cancelled", "dibatalkan")
    assert status["message"] == "Dibatalkan oleh admin"


def test_an_old_row_cancelled_as_failed_reads_as_cancelled(app: Flask, client: FlaskClient) -> None:
    """Jobs cancelled before "cancelled" was a state were stored failed, "cancelled by ..."."""
    job_id = _new_job(app, make_cast(app)["admin"])
    with app.app_context(), session_scope() as db:
        job = db.get(Job, job_id)
        job.state, job.message = "failed", "cancelled by admin:admin"
    login(client, "admin")
    page = _text(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert "dibatalkan" in page and "Dibatalkan oleh admin" in page and "gagal" not in page


def test_the_creator_is_told_in_words_when_another_admin_cancels(
    app: Flask, client: FlaskClient
) -> None:
    from server.accounts import create_user

    ids = make_cast(app)
    with app.app_context():
        create_user("rina", "rahasia-123", "admin")
    job_id = _new_job(app, ids["admin"])
    login(client, "rina")
    token = csrf_token(client, f"/jobs/{job_id}")
    client.post(f"/jobs/{job_id}/cancel", data={"csrf_token": token, "confirm": "yes"})
    creator = app.test_client()
    login(creator, "admin")
    page = _text(creator.get("/notifications").get_data(as_text=True))
    assert f"Tugas peta {job_id}: dibatalkan" in page
    assert "Dibatalkan oleh rina" in page and "cancelled by" not in page


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("reading the approved readings", "Membaca pengukuran yang disetujui"),
        ("510-11 LTE: maps done", "XL Axiata (510-11) LTE: peta digambar"),
        ("cancelled by admin:budi", "Dibatalkan oleh budi"),
        (
            "no products: no LTE readings of operator 510-99; no LTE readings of operator 510-11",
            "Tidak ada produk: Tidak ada pengukuran LTE dari 510-99 di wilayah ini; "
            "Tidak ada pengukuran LTE dari XL Axiata (510-11) di wilayah ini",
        ),
        (
            "interrupted 3 times (the server stopped while it ran); "
            "start it again, or with fewer operators",
            "Terputus 3 kali (server berhenti saat tugas berjalan); "
            "jalankan lagi, atau dengan lebih sedikit operator.",
        ),
        ("ValueError: something new", "ValueError: something new"),  # as it is
    ],
)
def test_stored_messages_are_shown_in_indonesian(app: Flask, stored: str, shown: str) -> None:
    from server.job_messages import shown as show

    with app.test_request_context():
        assert show(stored) == shown


@pytest.mark.browser
def test_in_chromium_the_button_asks_and_only_yes_cancels(app: Flask) -> None:
    """With scripts the job page asks in a dialog: "no" keeps the job, "yes" cancels it at
    once (without the question page)."""
    from tests.browser import chromium_page
    from tests.server.live import thread_server
    from tests.server.web import PASSWORD

    job_id = _new_job(app, make_cast(app)["admin"])
    asked: list[str] = []
    with thread_server(app) as base, chromium_page(1280, 900) as (page, problems):
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.goto(f"{base}/jobs/{job_id}")
        page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
        page.click("form[data-confirm] button")
        assert asked == [f"Batalkan tugas {job_id}? {_ASKED}"]
        assert page.url == f"{base}/jobs/{job_id}" and _job(app, job_id).state == "queued"
        page.once("dialog", lambda d: d.accept())
        with page.expect_navigation():
            page.click("form[data-confirm] button")
        assert page.url == f"{base}/jobs/{job_id}"
        assert _job(app, job_id).state == "cancelled"
        assert "dibatalkan" in page.inner_text("h1")
        assert problems == []


_ASKED = "Tugas tidak akan membuat peta dan pekerjaan yang sudah dilakukan hilang."
