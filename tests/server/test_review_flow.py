"""Review that flows (issue 15 item 6): readings grouped by spot with what a reviewer needs in
the popup, excluding from the popup, the table that follows the map, queue rows with
operators, campaign, dates, comment and reviewer, the officer's default view with uploads
sent back, and a kabupaten/kota office that sees and reviews only its own officers' uploads.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server import create_app
from server.db import session_scope
from server.models import Campaign, Measurement, Upload
from server.review import review_upload
from tests.server.conftest import auth, enrol, reading
from tests.server.web import PASSWORD, csrf_token, login, make_cast

SPOT = {"lat": -0.30560, "lon": 100.36920}  # Bukittinggi, on the ~5 m grid
AWAY = {"lat": -0.30300, "lon": 100.37200}  # ~400 m away


def _send(app: Flask, client: FlaskClient, officer: str, readings: list[dict[str, Any]]) -> str:
    token = enrol(app, client, officer, http=False)
    body = {"batch_id": str(uuid.uuid4()), "measurements": readings}
    answer = client.post("/api/v1/uploads", json=body, headers=auth(token))
    assert answer.status_code == 201, answer.json
    return str(answer.json["upload_id"])


def _at(where: dict[str, float], minutes_ago: float, jitter: float = 0.0, **changes: Any) -> Any:
    when = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return reading(
        lat=where["lat"] + jitter,
        lon=where["lon"] - jitter,
        observed_at=when.isoformat(),
        **changes,
    )


def _village(app: Flask, reading_id: str) -> tuple[str, str]:
    from server.regions import current_regions

    with app.app_context(), session_scope() as db:
        code = db.scalar(select(Measurement.village_code).where(Measurement.id == reading_id))
        regions = current_regions()
    assert code and regions
    return code, regions.by_code[code].name


def test_readings_at_one_spot_are_one_point_with_a_count(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    here = [_at(SPOT, 60 - i, jitter=(i % 3 - 1) * 0.00001) for i in range(5)]
    there = _at(AWAY, 30, rsrp_dbm=-112.0)  # weak
    upload_id = _send(app, client, "ani", [*here, there])
    login(client, "admin")
    data = client.get(f"/uploads/{upload_id}/readings.geojson").json
    assert data["readings"] == 6
    spots = sorted(data["features"], key=lambda f: -f["properties"]["count"])
    assert [f["properties"]["count"] for f in spots] == [5, 1]
    assert spots[0]["properties"]["classes"] == {"strong": 5}
    assert spots[1]["properties"]["classes"] == {"weak": 1}
    lon, lat = spots[0]["geometry"]["coordinates"]
    assert abs(lat - SPOT["lat"]) < 2e-5 and abs(lon - SPOT["lon"]) < 2e-5


def test_a_spot_gives_time_value_class_village_and_operator(
    app: Flask, client: FlaskClient
) -> None:
    make_cast(app)
    first = _at(SPOT, 61)
    upload_id = _send(app, client, "ani", [first, _at(SPOT, 60, tech="NONE", **_no_signal())])
    _code, village = _village(app, first["id"])
    login(client, "admin")
    (spot,) = client.get(f"/uploads/{upload_id}/readings.geojson").json["features"]
    answer = client.get(f"/uploads/{upload_id}/spots/{spot['properties']['spot']}").json
    lte, none = answer["readings"]  # oldest first
    assert lte["id"] == first["id"]
    assert lte["time"].endswith(" WIB")
    assert lte["signal"] == "\N{MINUS SIGN}97 dBm RSRP"
    assert lte["class_label"] == "sinyal kuat"  # the page's language: Indonesian
    assert lte["village"] == village
    assert lte["operator"] == "Telkomsel (510-10)"
    assert lte["tech"] == "4G (LTE)"
    assert (none["class"], none["class_label"], none["tech"]) == (
        "none",
        "tanpa sinyal",
        "tanpa layanan",
    )
    assert client.get(f"/uploads/{upload_id}/spots/nonsense").json["readings"] == []


def _no_signal() -> dict[str, Any]:
    return {"mcc": None, "mnc": None, "rsrp_dbm": None, "rsrq_db": None, "sinr_db": None}


def test_the_popup_excludes_a_reading_with_the_csrf_token(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    bad = _at(SPOT, 60)
    upload_id = _send(app, client, "ani", [bad, _at(SPOT, 59)])
    login(client, "admin")
    page = f"/uploads/{upload_id}"
    url = f"/uploads/{upload_id}/readings"
    json_headers = {"Accept": "application/json"}
    form = {"reading": [bad["id"]], "action": "exclude"}
    assert client.post(url, data=form, headers=json_headers).status_code == 400  # no token
    answer = client.post(
        url, data={**form, "csrf_token": csrf_token(client, page)}, headers=json_headers
    )
    assert answer.status_code == 200
    assert answer.json["changed"] == 1 and answer.json["excluded"] is True
    (spot,) = client.get(f"/uploads/{upload_id}/readings.geojson").json["features"]
    assert spot["properties"]["excluded"] == 1 and spot["properties"]["classes"] == {"strong": 1}
    officer = app.test_client()
    login(officer, "ani")
    refused = officer.post(url, data={**form, "csrf_token": csrf_token(officer, page)})
    assert refused.status_code == 403  # officers see, never exclude


def test_the_table_has_class_village_and_position(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    one = _at(SPOT, 60)
    upload_id = _send(app, client, "ani", [one])
    _code, village = _village(app, one["id"])
    login(client, "admin")
    page = client.get(f"/uploads/{upload_id}").get_data(as_text=True)
    for heading in ("Kelas", "Sinyal", "Desa/Nagari", "Posisi"):
        assert f">{heading}</th>" in page
    assert "sinyal kuat" in page and village in page and "-0.30560, 100.36920" in page
    assert f'id="r-{one["id"]}"' in page and 'data-spot="' in page


def test_a_reading_opens_the_page_of_the_table_that_shows_it(
    app: Flask, client: FlaskClient
) -> None:
    make_cast(app)
    readings = [_at(SPOT, 60 - i) for i in range(5)]
    upload_id = _send(app, client, "ani", readings)
    app.config["REVIEW_READINGS_PER_PAGE"] = 2
    login(client, "admin")
    fourth = readings[3]["id"]
    answer = client.get(f"/uploads/{upload_id}?reading={fourth}")
    assert answer.status_code == 302
    assert answer.location.endswith(f"/uploads/{upload_id}?page=2#r-{fourth}")
    first = client.get(f"/uploads/{upload_id}?reading={readings[0]['id']}")
    assert first.location.endswith(f"/uploads/{upload_id}#r-{readings[0]['id']}")
    assert f'id="r-{fourth}"' in client.get(f"/uploads/{upload_id}?page=2").get_data(as_text=True)
    assert client.get(f"/uploads/{upload_id}?reading=nothing").status_code == 404


def test_queue_rows_show_operators_campaign_dates_comment_and_reviewer(
    app: Flask, client: FlaskClient
) -> None:
    ids = make_cast(app)
    first = _at(SPOT, 180)
    upload_id = _send(
        app, client, "ani", [first, _at(SPOT, 120, mcc="510", mnc="11"), _at(SPOT, 90)]
    )
    code, _name = _village(app, first["id"])
    with app.app_context(), session_scope() as db:
        start = datetime.now(UTC) - timedelta(days=1)
        db.add(
            Campaign(name="Survei Bukittinggi", village_codes=[code], starts_on=start, ends_on=None)
        )
        db.add(Campaign(name="Survei lama", village_codes=[code], ends_on=start))
    with app.app_context():
        review_upload(upload_id, "has_issues", "admin:admin", "GPS mati di Guguk", ids["admin"])
    login(client, "admin")
    page = client.get("/uploads?state=all").get_data(as_text=True).split("<tbody>")[1]
    assert "Telkomsel (510-10)" in page and "XL Axiata (510-11)" in page
    assert "Survei Bukittinggi" in page and "Survei lama" not in page  # by its dates
    assert 'admin: <span class="comment">“GPS mati di Guguk”' in page
    assert "\N{EN DASH}" in page and " WIB" in page
    upload = client.get(f"/uploads/{upload_id}").get_data(as_text=True)
    assert "oleh admin" in upload  # the upload page names the reviewer too


def test_the_officers_default_view_includes_uploads_sent_back(
    app: Flask, client: FlaskClient
) -> None:
    make_cast(app)
    waiting, sent_back, approved = (_send(app, client, "ani", [_at(SPOT, 60)]) for _ in range(3))
    with app.app_context():
        review_upload(sent_back, "has_issues", "admin:admin", "ulangi desa ini")
        review_upload(approved, "approved", "admin:admin")
    login(client, "ani")
    page = client.get("/uploads").get_data(as_text=True)
    assert waiting in page and sent_back in page and approved not in page
    assert "menunggu atau dikembalikan" in page
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/uploads").get_data(as_text=True)  # admins: what waits for them
    assert waiting in page and sent_back not in page


# --- offices (issue 14) ---------------------------------------------------------------

AGAM, KOTA = "SIMULASI.06", "SIMULASI.75"
IN_AGAM = {"lat": -0.4600, "lon": 100.1000}
IN_KOTA = {"lat": -0.3056, "lon": 100.3692}


@pytest.fixture
def offices_app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    from server.demo import simulated_village_file

    villages = simulated_village_file(tmp_path / "villages.geojson", two_regions=True)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "SECRET_KEY": "test-secret",
            "RATELIMIT_STORAGE_URI": "memory://",
            "BOUNDARIES": str(villages),
            "JOBS_DIR": str(tmp_path / "jobs"),
        }
    )
    yield app
    app.extensions["petasinyal.engine"].dispose()


def _offices(app: Flask, client: FlaskClient) -> dict[str, Any]:
    from server.accounts import create_user

    with app.app_context():
        users = {
            name: create_user(name, PASSWORD, role, office=office)
            for name, role, office in (
                ("admin", "admin", None),
                ("agam", "admin", AGAM),
                ("pagam", "officer", AGAM),
                ("pbkt", "officer", KOTA),
            )
        }
    uploads = {
        "agam": _send(app, client, "pagam", [reading(**IN_AGAM)]),
        "kota": _send(app, client, "pbkt", [reading(**IN_KOTA)]),
    }
    with app.app_context(), session_scope() as db:
        offices = {name: db.get(Upload, u).device.officer.office_id for name, u in uploads.items()}
        for name, office_id in offices.items():
            db.add(Campaign(name=f"Kampanye {name}", village_codes=[], office_id=office_id))
    return {"users": users, "uploads": uploads}


def test_a_kabupaten_admin_sees_and_reviews_only_its_officers_uploads(
    offices_app: Flask,
) -> None:
    app, client = offices_app, offices_app.test_client()
    world = _offices(app, client)
    own, other = world["uploads"]["agam"], world["uploads"]["kota"]
    login(client, "agam")
    page = client.get("/uploads?state=all").get_data(as_text=True)
    assert own in page and other not in page
    assert "pagam" in page and "pbkt" not in page  # the officer filter: the office's only
    assert "Kampanye agam" in page and "Kampanye kota" not in page
    for path in ("", "/readings.geojson", "/spots/0_0", "?reading=x"):
        assert client.get(f"/uploads/{other}{path}").status_code == 404, path
    token = csrf_token(client, "/uploads")
    answer = client.post(
        f"/uploads/{other}/review", data={"state": "approved", "csrf_token": token}
    )
    assert answer.status_code == 404
    bulk = client.post(
        "/uploads/bulk",
        data={"upload": [own, other], "state": "approved", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert f"Tidak ada unggahan {other[:8]}: dilewati." in bulk
    with app.app_context(), session_scope() as db:
        assert db.get(Upload, own).state == "approved"
        assert db.get(Upload, other).state == "received"
    province = app.test_client()
    login(province, "admin")  # the province sees every office's uploads
    page = province.get("/uploads?state=all").get_data(as_text=True)
    assert own in page and other in page and "Kampanye kota" in page
    assert province.get(f"/uploads/{other}").status_code == 200
