"""The OpenAPI document matches what the server does: every answer, for generated input
too, has a documented status and validates against the documented schema."""

from __future__ import annotations

import uuid
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.api.docs import openapi_document
from tests.server.conftest import auth, reading


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    return served.json  # type: ignore[no-any-return]


def check_answer(document: dict[str, Any], path: str, method: str, response: Any) -> None:
    """The status is documented for the operation and the body matches its schema."""
    operation = document["paths"][path][method]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {path} answered undocumented {status}"
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    jsonschema.validate(response.json, {**schema, "components": document["components"]})


def test_served_document_is_the_documented_one(document: dict[str, Any]) -> None:
    expected = openapi_document()
    assert document["openapi"].startswith("3.") and set(document["paths"]) == set(expected["paths"])
    for methods in document["paths"].values():
        for op in methods.values():
            assert op["summary"] and op["responses"]


def test_docs_page_lists_every_path(client: FlaskClient) -> None:
    page = client.get("/api/v1/docs").get_data(as_text=True)
    for path in openapi_document()["paths"]:
        assert path in page


def test_every_endpoint_answers_as_documented(
    app: Flask, client: FlaskClient, token: str, document: dict[str, Any]
) -> None:
    from server.accounts import create_user, issue_enrol_code

    with app.app_context():
        create_user("eka", "rahasia-123", "officer")
        code, _ = issue_enrol_code("eka", 30)
    check_answer(
        document,
        "/api/v1/devices/enroll",
        "post",
        client.post("/api/v1/devices/enroll", json={"code": code, "name": "hp"}),
    )
    check_answer(
        document,
        "/api/v1/devices/enroll",
        "post",
        client.post("/api/v1/devices/enroll", json={"code": code, "name": "hp"}),
    )
    check_answer(
        document,
        "/api/v1/devices/enroll",
        "post",
        client.post("/api/v1/devices/enroll", json={"name": "hp"}),
    )
    body = {"batch_id": str(uuid.uuid4()), "measurements": [reading(), reading(lat=100)]}
    created = client.post("/api/v1/uploads", json=body, headers=auth(token))
    check_answer(document, "/api/v1/uploads", "post", created)
    check_answer(
        document,
        "/api/v1/uploads",
        "post",
        client.post("/api/v1/uploads", json=body, headers=auth(token)),
    )
    check_answer(document, "/api/v1/uploads", "post", client.post("/api/v1/uploads", json=body))
    upload_path = "/api/v1/uploads/{upload_id}"
    check_answer(
        document,
        upload_path,
        "get",
        client.get(f"/api/v1/uploads/{created.json['upload_id']}", headers=auth(token)),
    )
    check_answer(
        document, upload_path, "get", client.get("/api/v1/uploads/nope", headers=auth(token))
    )
    check_answer(
        document, "/api/v1/devices/me", "get", client.get("/api/v1/devices/me", headers=auth(token))
    )


_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
)
_field = st.sampled_from(
    [
        "id",
        "lat",
        "lon",
        "tech",
        "rsrp_dbm",
        "observed_at",
        "mcc",
        "mnc",
        "cell_id",
        "mode",
        "note",
        "mock_location",
        "colour",
    ]
)
_record = st.one_of(
    st.builds(
        lambda changes: {**reading(), **changes}, st.dictionaries(_field, _value, max_size=4)
    ),
    st.dictionaries(st.text(max_size=8), _value, max_size=5),
    _value,
)
_body = st.one_of(
    st.fixed_dictionaries(
        {
            "batch_id": st.one_of(st.uuids().map(str), _value),
            "measurements": st.lists(_record, max_size=6),
        }
    ),
    st.fixed_dictionaries({"measurements": _value}),
    st.lists(_value, max_size=3),
    _value,
)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=_body)
def test_generated_uploads_never_break_the_contract(
    client: FlaskClient, token: str, document: dict[str, Any], body: Any
) -> None:
    answer = client.post("/api/v1/uploads", json=body, headers=auth(token))
    assert answer.status_code < 500
    check_answer(document, "/api/v1/uploads", "post", answer)


def test_every_api_route_is_documented(app: Flask) -> None:
    import re

    documented = set(openapi_document()["paths"])
    served = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and rule.endpoint not in ("api.openapi_json", "api.docs_page")
    }
    assert served == documented
