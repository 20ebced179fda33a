"""The sync API: enrolment, idempotent uploads, per-record errors, flags, bad input."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from server.models import Measurement, Upload
from tests.server.conftest import auth, enrol, reading


def upload(client: FlaskClient, token: str, items: list, batch_id: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
    body = {"batch_id": batch_id or str(uuid.uuid4()), "measurements": items}
    return client.post("/api/v1/uploads", json=body, headers=auth(token), **kwargs)


def stored(app: Flask) -> int:
    with app.app_context():
        from server.db import session_scope

        with session_scope() as session:
            return int(session.scalar(select(func.count()).select_from(Measurement)))


def test_enrolment_code_works_once(app: Flask, client: FlaskClient) -> None:
    from server.accounts import create_user, issue_enrol_code

    with app.app_context():
        create_user("budi", "rahasia-123", "officer")
        code, _ = issue_enrol_code("budi", 30)
    first = client.post("/api/v1/devices/enroll", json={"code": code.lower(), "name": "hp"})
    assert first.status_code == 201 and len(first.json["token"]) > 30
    again = client.post("/api/v1/devices/enroll", json={"code": code, "name": "hp2"})
    assert again.status_code == 401 and "used or expired" in again.json["message"]


def test_expired_code_is_refused(app: Flask, client: FlaskClient) -> None:
    from server.accounts import create_user, issue_enrol_code

    with app.app_context():
        create_user("citra", "rahasia-123", "officer")
        code, _ = issue_enrol_code("citra", -1)
    answer = client.post("/api/v1/devices/enroll", json={"code": code, "name": "hp"})
    assert answer.status_code == 401


def test_enrolment_is_rate_limited(client: FlaskClient) -> None:
    codes = [
        client.post("/api/v1/devices/enroll", json={"code": "XXXX-XXXX", "name": "x"}).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10 and codes[-1] == 429


def test_batch_is_stored_once_however_often_it_is_sent(
    app: Flask, client: FlaskClient, token: str
) -> None:
    items = [reading() for _ in range(50)]
    batch = str(uuid.uuid4())
    first = upload(client, token, items, batch)
    assert first.status_code == 201 and first.json["counts"]["accepted"] == 50
    second = upload(client, token, items, batch)
    assert second.status_code == 200
    assert second.json["counts"] == {"accepted": 0, "duplicates": 50, "rejected": 0, "flagged": 0}
    other = upload(client, token, [*items[:10], reading()])  # same readings, new batch
    assert other.json["counts"]["accepted"] == 1 and other.json["counts"]["duplicates"] == 10
    assert stored(app) == 51


def test_valid_readings_are_kept_and_bad_ones_explained(
    app: Flask, client: FlaskClient, token: str
) -> None:
    items = [
        reading(),
        reading(lat=95.0),
        reading(tech="GSM"),
        "nonsense",
        reading(rsrp_dbm=...),
        reading(),
    ]
    answer = upload(client, token, items)
    assert answer.status_code == 201
    assert answer.json["counts"]["accepted"] == 2
    rejected = {r["index"]: r["problems"] for r in answer.json["rejected"]}
    assert set(rejected) == {1, 2, 3, 4}
    assert rejected[1] == [{"field": "lat", "reason": "95 is outside -90..90", "code": "range"}]
    assert any(p["field"] == "rsrp_dbm" for p in rejected[2])
    assert stored(app) == 2


def test_no_service_readings_are_stored(app: Flask, client: FlaskClient, token: str) -> None:
    none = reading(tech="NONE", rsrp_dbm=..., rsrq_db=..., sinr_db=...)
    assert upload(client, token, [none]).json["accepted"] == [none["id"]]


def test_gzip_bodies_are_accepted(client: FlaskClient, token: str) -> None:
    body = json.dumps({"batch_id": str(uuid.uuid4()), "measurements": [reading()]}).encode()
    answer = client.post(
        "/api/v1/uploads",
        data=gzip.compress(body),
        headers={**auth(token), "Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert answer.status_code == 201


def test_flags_mark_doubtful_readings_without_rejecting_them(
    client: FlaskClient, token: str
) -> None:
    t0 = datetime.now(UTC) - timedelta(hours=2)
    items = [
        reading(observed_at=t0.isoformat()),
        reading(observed_at=(t0 + timedelta(seconds=10)).isoformat(), lat=-0.2),  # 11.7 km
        reading(observed_at=(t0 + timedelta(minutes=5)).isoformat(), accuracy_m=120.0),
        reading(observed_at=(t0 + timedelta(minutes=6)).isoformat(), mock_location=True),
        reading(observed_at=(t0 + timedelta(minutes=7)).isoformat(), lat=-0.30561, rsrp_dbm=-140.0),
        reading(observed_at=(t0 - timedelta(days=60)).isoformat(), lat=-0.31),
        reading(observed_at=(t0 + timedelta(minutes=9)).isoformat(), lat=-6.2, lon=106.8),
    ]
    dup = dict(items[4], id=str(uuid.uuid4()))
    answer = upload(client, token, [*items, dup])
    assert answer.json["counts"]["accepted"] == 8
    flags = answer.json["flagged"]
    assert "impossible_jump" in flags[items[1]["id"]]
    assert flags[items[2]["id"]] == ["poor_accuracy"]
    assert flags[items[3]["id"]] == ["mock_location"]
    assert "edge_value" in flags[items[4]["id"]]
    assert "duplicate_fix" in flags[dup["id"]]
    assert "stale" in flags[items[5]["id"]]
    assert "outside_region" in flags[items[6]["id"]]
    assert items[0]["id"] not in flags


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{not json", {"Content-Type": "application/json"}, 400),
        (
            b'{"batch_id": "x", "measurements": [{"lat": NaN}]}',
            {"Content-Type": "application/json"},
            400,
        ),
        (
            b'{"batch_id": "6f1f4d0e-8f59-4a55-9d1c-6e1b3a0f5e21", "measurements": 5}',
            {"Content-Type": "application/json"},
            422,
        ),
        (b"[1, 2]", {"Content-Type": "application/json"}, 400),
        (b'{"batch_id": "x", "measurements": []}', {"Content-Type": "application/json"}, 422),
        (b"hello", {"Content-Type": "text/plain"}, 415),
        (
            b"\x1f\x8b garbage",
            {"Content-Type": "application/json", "Content-Encoding": "gzip"},
            400,
        ),
        (b"{}", {"Content-Type": "application/json", "Content-Encoding": "br"}, 415),
        (b"[" * 100_000 + b"]" * 100_000, {"Content-Type": "application/json"}, 400),
    ],
)
def test_bad_bodies_get_the_error_shape(
    client: FlaskClient, token: str, body: bytes, headers: dict, status: int
) -> None:
    answer = client.post("/api/v1/uploads", data=body, headers={**auth(token), **headers})
    assert answer.status_code == status
    assert set(answer.json) == {"code", "message", "details"} and answer.json["code"] == status
    assert client.get("/healthz").status_code == 200


def test_huge_numbers_and_wrong_types_are_per_record_errors(
    client: FlaskClient, token: str
) -> None:
    body = '{{"batch_id": "{}", "measurements": [{}, {}]}}'.format(
        uuid.uuid4(),
        json.dumps(reading()),
        json.dumps(reading())[:-1] + ', "lat": 1e400}',
    )
    answer = client.post(
        "/api/v1/uploads", data=body, headers={**auth(token), "Content-Type": "application/json"}
    )
    assert answer.status_code == 201
    assert answer.json["rejected"][0]["problems"][0]["field"] == "lat"
    wrong = upload(client, token, [reading(lat="north", tech=5, id=12)])
    fields = {p["field"] for p in wrong.json["rejected"][0]["problems"]}
    assert {"lat", "tech", "id"} <= fields


def test_oversized_bodies_and_batches_get_413(client: FlaskClient, token: str) -> None:
    big = client.post(
        "/api/v1/uploads",
        data=b"x" * (10 * 1024 * 1024),
        headers={**auth(token), "Content-Type": "application/json"},
    )
    assert big.status_code == 413 and big.json["code"] == 413
    bomb = gzip.compress(b"[" + b" " * (80 * 1024 * 1024) + b"]")
    answer = client.post(
        "/api/v1/uploads",
        data=bomb,
        headers={**auth(token), "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 413
    many = upload(client, token, [reading() for _ in range(5_001)])
    assert many.status_code == 413 and "at most 5000" in many.json["message"]


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Basic abc", "Bearer "])
def test_wrong_tokens_get_401(client: FlaskClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    answer = client.post("/api/v1/uploads", json={}, headers=headers)
    assert answer.status_code == 401 and answer.json["code"] == 401


def test_revoked_token_stops_working(app: Flask, client: FlaskClient, token: str) -> None:
    assert upload(client, token, [reading()]).status_code == 201
    with app.app_context():
        from server.db import session_scope

        with session_scope() as session:
            session.execute(text("UPDATE devices SET revoked_at = CURRENT_TIMESTAMP"))
    answer = upload(client, token, [reading()])
    assert answer.status_code == 401 and "revoked" in answer.json["message"]


def test_another_devices_upload_is_invisible(app: Flask, client: FlaskClient, token: str) -> None:
    other = enrol(app, client, "dedi")
    mine = upload(client, token, [reading()]).json["upload_id"]
    assert client.get(f"/api/v1/uploads/{mine}", headers=auth(token)).status_code == 200
    answer = client.get(f"/api/v1/uploads/{mine}", headers=auth(other))
    assert answer.status_code == 404 and answer.json["code"] == 404
    stolen = upload(client, other, [reading()], batch_id=mine)
    assert stolen.status_code == 409


def test_device_sees_review_states_and_comments(
    app: Flask, client: FlaskClient, token: str
) -> None:
    upload_id = upload(client, token, [reading()]).json["upload_id"]
    with app.app_context():
        from server.db import session_scope

        with session_scope() as session:
            row = session.get(Upload, upload_id)
            assert row is not None
            row.state, row.comment = "has_issues", "Ulangi di Jorong Koto Tuo"
    me = client.get("/api/v1/devices/me", headers=auth(token)).json
    assert me["uploads"][0]["state"] == "has_issues"
    assert me["uploads"][0]["comment"] == "Ulangi di Jorong Koto Tuo"
    assert me["campaigns"] == []


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_postgis_keeps_a_point_per_reading(app: Flask, client: FlaskClient, token: str) -> None:
    """On PostgreSQL a PostGIS point column with a GiST index (plain lat/lon on SQLite)."""
    item = reading(lat=-0.5, lon=100.5)
    upload(client, token, [item])
    with app.app_context():
        from server.db import session_scope

        with session_scope() as session:
            x, y = session.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM measurements")).one()
            index = session.scalar(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_measurements_geom'")
            )
    assert (x, y) == (100.5, -0.5) and "gist" in index.lower()


def test_readings_outside_the_officers_campaign_are_flagged(
    app: Flask, client: FlaskClient, token: str
) -> None:
    from server.db import session_scope
    from server.models import Campaign, User

    with app.app_context(), session_scope() as session:
        officer = session.scalars(select(User).where(User.username == "ani")).one()
        area = {
            "type": "Polygon",
            "coordinates": [
                [[100.3, -0.4], [100.45, -0.4], [100.45, -0.2], [100.3, -0.2], [100.3, -0.4]]
            ],
        }
        session.add(Campaign(name="Agam 2026", area=area, village_codes=[], officers=[officer]))
    later = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()  # no impossible jump
    inside, outside = reading(), reading(lat=-0.9, lon=100.6, observed_at=later)
    flags = upload(client, token, [inside, outside]).json["flagged"]
    assert inside["id"] not in flags
    assert flags[outside["id"]] == ["outside_campaign"]
    me = client.get("/api/v1/devices/me", headers=auth(token)).json
    assert [c["name"] for c in me["campaigns"]] == ["Agam 2026"]


def test_revoking_a_device_is_audited(app: Flask, client: FlaskClient, token: str) -> None:
    from server.accounts import revoke_device
    from server.db import session_scope
    from server.models import AuditEntry

    with app.app_context():
        revoke_device(1, actor="admin:1")
        with session_scope() as session:
            entries = [(e.action, e.actor) for e in session.scalars(select(AuditEntry))]
    actions = [action for action, _actor in entries]
    assert actions[-1] == "device.revoke" and "device.enrol" in actions
    assert ("device.enrol", "officer:ani") in entries  # the officer by name, not by id
    assert upload(client, token, [reading()]).status_code == 401


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_hostile_enrolment_bodies_get_4xx(client: FlaskClient) -> None:
    for body in (b"[" * 100_000, b"\xff\xfe", b'{"code": 5, "name": "x"}', b"null"):
        answer = client.post(
            "/api/v1/devices/enroll", data=body, headers={"Content-Type": "application/json"}
        )
        assert 400 <= answer.status_code < 500, body[:20]
        assert set(answer.json) == {"code", "message", "details"}


def test_a_campaign_area_ends_at_the_first_instant_after_its_last_day() -> None:
    from zoneinfo import ZoneInfo

    from server.flags import CampaignArea

    wib = ZoneInfo("Asia/Jakarta")
    first, after = datetime(2026, 12, 1, tzinfo=wib), datetime(2026, 12, 15, tzinfo=wib)
    days = CampaignArea(area=None, starts_on=first, ends_on=after)
    assert days.contains(100.3, -0.3, first)
    assert days.contains(100.3, -0.3, after - timedelta(microseconds=1))  # 14 Dec 23:59:59 WIB
    assert not days.contains(100.3, -0.3, after)  # 15 Dec 00:00 WIB is outside
    assert not days.contains(100.3, -0.3, first - timedelta(microseconds=1))
