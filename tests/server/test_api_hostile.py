"""Hostile input from issue 12: each bad reading is rejected on its own with a reason, the
rest of the batch is stored, and no request answers 500 (the phone retries 500 forever)."""

from __future__ import annotations

import io
import json
import threading
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.server.conftest import auth, enrol, reading
from tests.server.test_uploads import stored, upload

ERROR_SHAPE = {"code", "message", "details"}


def raw_upload(client: FlaskClient, token: str, records: list[str]) -> Any:
    """Upload records given as JSON text (for numbers no Python float can hold)."""
    body = f'{{"batch_id": "{uuid.uuid4()}", "measurements": [{", ".join(records)}]}}'
    return client.post(
        "/api/v1/uploads", data=body, headers={**auth(token), "Content-Type": "application/json"}
    )


def with_json(field: str, text: str) -> str:
    """A valid reading's JSON with ``field`` set to the raw JSON ``text``."""
    return json.dumps(reading())[:-1] + f', "{field}": {text}}}'


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lat", "1" + "0" * 400),
        ("rsrp_dbm", "1e309"),
        ("cell_id", "1e309"),
        ("cell_id", "1" + "0" * 400),
        ("observed_at", '"0001-01-01T00:00:00+01:00"'),
        ("observed_at", '"9999-12-31T23:59:59-01:00"'),
        ("observed_at", '"0999-01-01T00:00:00Z"'),
        ("observed_at", '"1970-01-01T00:00:00Z"'),
        ("note", '"\\ud800"'),
        ("operator", '"Tel\\udfffkomsel"'),
        ("tech", '["LTE"]'),
        ("tech", '{"LTE": 1}'),
        ("note", '"a\\u0000b"'),
        ("operator", '"\\u0000"'),
        ("device_id", '"hp\\u0000"'),
        ("session_id", '"\\u0000"'),
        ("mode", '{"a": []}'),
        ("mcc", '["510"]'),
        ("id", '"\\u0000\\ud800"'),
        ("colour\\u0000\\ud800", '"x"'),
    ],
)
def test_one_bad_reading_is_rejected_alone(
    app: Flask, client: FlaskClient, token: str, field: str, value: str
) -> None:
    answer = raw_upload(client, token, [json.dumps(reading()), with_json(field, value)])
    assert answer.status_code == 201, answer.json
    assert answer.json["counts"]["accepted"] == 1
    [rejected] = answer.json["rejected"]
    assert rejected["index"] == 1 and rejected["problems"]
    assert stored(app) == 1
    again = client.get(f"/api/v1/uploads/{answer.json['upload_id']}", headers=auth(token))
    assert again.status_code == 200 and again.json["rejections"][0]["index"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"code": "\ud800", "name": "hp"},
        {"code": "ABCD-\x00", "name": "hp"},
        {"code": "\x00" * 20, "name": "hp"},
        {"code": "ABCD-EFGH", "name": "\ud800"},
        {"code": "ABCD-EFGH", "name": "hp\x00"},
        {"code": "x" * 100_000, "name": "hp"},
    ],
)
def test_hostile_enrolment_gets_4xx(client: FlaskClient, body: dict[str, str]) -> None:
    answer = client.post("/api/v1/devices/enroll", json=body)
    assert answer.status_code in (401, 422), answer.json
    assert set(answer.json) == ERROR_SHAPE


def test_a_valid_code_with_a_bad_name_stays_usable(app: Flask, client: FlaskClient) -> None:
    from server.accounts import create_user, issue_enrol_code

    with app.app_context():
        create_user("fitri", "rahasia-123", "officer")
        code, _ = issue_enrol_code("fitri", 30)
    bad = client.post("/api/v1/devices/enroll", json={"code": code, "name": "hp\x00"})
    assert bad.status_code == 422
    good = client.post("/api/v1/devices/enroll", json={"code": code, "name": "hp fitri"})
    assert good.status_code == 201


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/uploads/%00",
        "/api/v1/uploads/abc%00def",
        "/api/v1/uploads/" + "9" * 30,
        "/api/v1/products/1/510-10-LTE/a%00b.tif",
        "/api/v1/products/1/510-10%00-LTE/map.tif",
        "/api/v1/products/1/%00.zip",
        "/api/v1/products/" + "9" * 30 + "/510-10-LTE/map.tif",
        "/api/v1/products/" + "9" * 30 + "/510-10-LTE.zip",
    ],
)
def test_hostile_paths_get_404(app: Flask, client: FlaskClient, token: str, path: str) -> None:
    headers = auth(token) if "/uploads/" in path else auth(api_token(app))
    answer = client.get(path, headers=headers)
    assert answer.status_code == 404
    assert set(answer.json) == ERROR_SHAPE


def api_token(app: Flask) -> str:
    from server.accounts import create_user
    from server.db import session_scope
    from server.models import ApiToken, User
    from server.security import hash_secret, new_token

    with app.app_context():
        create_user("admin-tok", "rahasia-123", "admin")
        token = new_token()
        with session_scope() as session:
            user = session.query(User).filter_by(username="admin-tok").one()
            session.add(ApiToken(user_id=user.id, name="t", token_hash=hash_secret(token)))
    return token


def test_chunked_body_over_the_limit_gets_413(client: FlaskClient, token: str) -> None:
    """Valid JSON padded past 8 MiB, sent without Content-Length (chunked)."""
    body = json.dumps({"batch_id": str(uuid.uuid4()), "measurements": [reading()]}).encode()
    padded = body + b" " * (9 * 1024 * 1024)
    answer = client.post(
        "/api/v1/uploads",
        input_stream=io.BytesIO(padded),
        headers={
            **auth(token),
            "Content-Type": "application/json",
            "Transfer-Encoding": "chunked",
        },
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert answer.status_code == 413 and answer.json["code"] == 413


def test_chunked_body_within_the_limit_is_read(client: FlaskClient, token: str) -> None:
    body = json.dumps({"batch_id": str(uuid.uuid4()), "measurements": [reading()]}).encode()
    answer = client.post(
        "/api/v1/uploads",
        input_stream=io.BytesIO(body + b" " * 1000),
        headers={
            **auth(token),
            "Content-Type": "application/json",
            "Transfer-Encoding": "chunked",
        },
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert answer.status_code == 201


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_batches_sharing_readings_in_reverse_order_do_not_deadlock(
    app: Flask, client: FlaskClient, token: str
) -> None:
    """Two phones send the same readings at once, one forwards and one backwards."""
    other = enrol(app, client, "dedi", http=False)
    for _ in range(3):
        shared = [reading() for _ in range(1500)]
        answers: list[Any] = []
        start = threading.Barrier(2)

        def send(
            key: str,
            items: list[dict[str, Any]],
            start: threading.Barrier = start,
            answers: list[Any] = answers,
        ) -> None:
            start.wait()
            answers.append(upload(app.test_client(), key, items))

        threads = [
            threading.Thread(target=send, args=(token, shared)),
            threading.Thread(target=send, args=(other, shared[::-1])),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(a.status_code for a in answers) in ([200, 201], [201, 201])
        assert sum(a.json["counts"]["accepted"] for a in answers) == len(shared)
