"""Review through the pages: the queue and its filters, decisions with CSRF, bulk actions,
excluded readings, officers' read-only view, and the audit trail of each action."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.db import session_scope
from server.models import AuditEntry, Measurement, Upload
from server.review import approved_frame
from tests.server.conftest import auth, enrol, reading
from tests.server.web import csrf_token, login, make_cast, post_form


def _upload(app: Flask, client: FlaskClient, officer: str, *readings: dict) -> tuple[str, str]:
    import uuid

    token = enrol(app, client, officer, http=False)
    body = {"batch_id": str(uuid.uuid4()), "measurements": list(readings)}
    answer = client.post("/api/v1/uploads", json=body, headers=auth(token))
    assert answer.status_code == 201, answer.json
    return answer.json["upload_id"], token


def _state(app: Flask, upload_id: str) -> str:
    with app.app_context(), session_scope() as db:
        upload = db.get(Upload, upload_id)
        assert upload is not None
        return upload.state


def test_queue_lists_waiting_uploads_with_filters(app: Flask, client: FlaskClient) -> None:
    ids = make_cast(app)
    first, _ = _upload(app, client, "ani", reading(), reading(accuracy_m=120.0))
    second, _ = _upload(app, client, "budi", reading())
    login(client, "admin")
    page = client.get("/uploads").get_data(as_text=True)
    assert first in page and second in page
    assert "menunggu pemeriksaan" in page  # Bahasa Indonesia by default
    flagged = client.get("/uploads?flagged=yes").get_data(as_text=True)
    assert first in flagged and second not in flagged
    only_budi = client.get(f"/uploads?officer={ids['budi']}").get_data(as_text=True)
    assert second in only_budi and first not in only_budi
    assert first not in client.get("/uploads?state=approved").get_data(as_text=True)


def test_decisions_need_the_csrf_token(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    upload_id, _ = _upload(app, client, "ani", reading())
    login(client, "admin")
    answer = client.post(f"/uploads/{upload_id}/review", data={"state": "approved"})
    assert answer.status_code == 400
    assert _state(app, upload_id) == "received"


def test_approve_and_send_back_with_a_comment_the_phone_sees(
    app: Flask, client: FlaskClient
) -> None:
    make_cast(app)
    good, _ = _upload(app, client, "ani", reading())
    bad, token = _upload(app, client, "ani", reading())
    login(client, "admin")
    page = f"/uploads/{good}"
    assert (
        post_form(client, f"/uploads/{good}/review", {"state": "approved"}, page).status_code == 302
    )
    assert _state(app, good) == "approved"
    # "has issues" without a comment is refused and changes nothing
    answer = post_form(client, f"/uploads/{bad}/review", {"state": "has_issues"}, page)
    assert answer.status_code == 302 and _state(app, bad) == "received"
    comment = "GPS mati di paruh kedua; ulangi desa ini"
    post_form(client, f"/uploads/{bad}/review", {"state": "has_issues", "comment": comment}, page)
    assert _state(app, bad) == "has_issues"
    seen = client.get(f"/api/v1/uploads/{bad}", headers=auth(token)).json
    assert seen["state"] == "has_issues" and seen["comment"] == comment
    with app.app_context(), session_scope() as db:
        entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "upload.review")).all()
        assert {(e.actor, e.target, e.after["state"]) for e in entries} == {
            ("admin:admin", f"upload:{good}", "approved"),
            ("admin:admin", f"upload:{bad}", "has_issues"),
        }
        assert all(e.before == {"state": "received", "comment": None} for e in entries)


def test_bulk_approval(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    ids = [_upload(app, client, "ani", reading())[0] for _ in range(3)]
    login(client, "admin")
    answer = client.post(
        "/uploads/bulk",
        data={"upload": ids[:2], "state": "approved", "csrf_token": csrf_token(client, "/uploads")},
    )
    assert answer.status_code == 302
    assert [_state(app, i) for i in ids] == ["approved", "approved", "received"]


def test_excluded_readings_stay_out_of_the_maps(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    keep, drop = reading(), reading(rsrp_dbm=-60.0)
    upload_id, _ = _upload(app, client, "ani", keep, drop)
    login(client, "admin")
    page = f"/uploads/{upload_id}"
    post_form(client, f"/uploads/{upload_id}/review", {"state": "approved"}, page)
    answer = client.post(
        f"/uploads/{upload_id}/readings",
        data={"reading": [drop["id"]], "action": "exclude", "csrf_token": csrf_token(client, page)},
    )
    assert answer.status_code == 302
    with app.app_context():
        assert list(approved_frame()["id"]) == [keep["id"]]
    client.post(
        f"/uploads/{upload_id}/readings",
        data={"reading": [drop["id"]], "action": "include", "csrf_token": csrf_token(client, page)},
    )
    with app.app_context():
        assert sorted(approved_frame()["id"]) == sorted([keep["id"], drop["id"]])
        with session_scope() as db:
            actions = db.scalars(
                select(AuditEntry.action).where(AuditEntry.action.like("reading.%"))
            ).all()
    assert actions == ["reading.exclude", "reading.include"]


def test_the_upload_page_shows_readings_flags_and_a_map(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    upload_id, _ = _upload(
        app,
        client,
        "ani",
        reading(),
        reading(
            accuracy_m=120.0,
            tech="NONE",
            mcc=None,
            mnc=None,
            rsrp_dbm=None,
            rsrq_db=None,
            sinr_db=None,
        ),
    )
    login(client, "admin")
    page = client.get(f"/uploads/{upload_id}").get_data(as_text=True)
    assert "poor_accuracy" in page and 'data-spots="' in page
    # both readings were taken at one spot: one point on the map, with their classes
    (spot,) = client.get(f"/uploads/{upload_id}/readings.geojson").json["features"]
    assert spot["properties"]["count"] == 2 and spot["properties"]["flagged"] == 1
    assert spot["properties"]["classes"] == {"none": 1, "strong": 1}  # -97 dBm RSRP is strong
    points = client.get(f"/uploads/{upload_id}/spots/{spot['properties']['spot']}").json
    assert sorted(p["class"] for p in points["readings"]) == ["none", "strong"]
    assert sorted(bool(p["flags"]) for p in points["readings"]) == [False, True]


def test_officers_see_only_their_uploads_and_cannot_review(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    own, _ = _upload(app, client, "ani", reading())
    other, _ = _upload(app, client, "budi", reading())
    login(client, "ani")
    queue = client.get("/uploads").get_data(as_text=True)
    assert own in queue and other not in queue
    assert client.get(f"/uploads/{own}").status_code == 200
    assert client.get(f"/uploads/{other}").status_code == 404
    assert client.get(f"/uploads/{other}/readings.geojson").status_code == 404
    answer = post_form(client, f"/uploads/{own}/review", {"state": "approved"}, "/uploads")
    assert answer.status_code == 403 and _state(app, own) == "received"


def test_the_queue_is_paginated_in_the_database(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    ids = [_upload(app, client, "ani", reading())[0] for _ in range(3)]
    app.config["PAGE_SIZE"] = 2
    login(client, "admin")
    first = client.get("/uploads").get_data(as_text=True)
    second = client.get("/uploads?page=2").get_data(as_text=True)
    assert sum(i in first for i in ids) == 2 and sum(i in second for i in ids) == 1
    assert "Halaman 1 dari 2" in first and "Halaman 2 dari 2" in second
    assert "3 ditemukan" in first


def test_approved_readings_by_village_and_kabupaten(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    inside = reading()  # Bukittinggi: a simulated village of kabupaten SIMULASI
    outside = reading(lat=-0.95, lon=100.35)  # Padang: beyond the simulated villages
    upload_id, _ = _upload(app, client, "ani", inside, outside)
    with app.app_context():
        from server.review import review_upload

        review_upload(upload_id, "approved", "admin:admin")
        assert sorted(approved_frame()["id"]) == sorted([inside["id"], outside["id"]])
        assert list(approved_frame(kabupaten="SIMULASI")["id"]) == [inside["id"]]
        assert approved_frame(kabupaten="13.71").empty
        with session_scope() as db:
            code = db.scalar(select(Measurement.village_code).where(Measurement.id == inside["id"]))
        assert code is not None and code.startswith("SIMULASI.")
        assert list(approved_frame(village_codes=[code])["id"]) == [inside["id"]]
