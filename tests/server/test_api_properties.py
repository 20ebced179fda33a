"""Property-based suite for the phone and product API (issue 12), on SQLite and PostgreSQL.

Invariants: never a 5xx, every error in the one JSON shape (code, message, details), the
valid readings of a batch kept, the server still up afterwards.

- schemathesis generates requests for every operation of the served OpenAPI document,
  valid and invalid (negative) data, and sends them in-process through the WSGI app with a
  device token and an API token, so the authenticated operations are exercised too;
- hypothesis mixes valid and hostile readings in batches.

Both are derandomized (a fixed seed), so a run is reproducible; the number of cases per run
is printed (``pytest -s``) and has a floor.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from analysis.schema import validate
from server.api.docs import openapi_document
from tests.server.conftest import auth, reading
from tests.server.test_api_hostile import api_token
from tests.server.test_uploads import stored

ERROR_SHAPE = {"code", "message", "details"}
FUZZ_EXAMPLES = 25  # per operation and generation mode; the coverage phase adds its own


def assert_error_shape(status: int, body: Any) -> None:
    """Every 4xx of the API is the one JSON error shape, with the status as its code."""
    if status >= 400:
        assert isinstance(body, dict) and set(body) == ERROR_SHAPE, body
        assert body["code"] == status and isinstance(body["message"], str)
        assert isinstance(body["details"], dict)


OPERATIONS = [
    (path, method) for path, methods in openapi_document()["paths"].items() for method in methods
]


@pytest.fixture
def tokens(app: Flask, token: str) -> dict[str, str]:
    """A device token and an API token (admin), by the document's security scheme name."""
    return {"deviceToken": token, "apiToken": api_token(app)}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_no_generated_request_breaks_the_api(
    app: Flask,
    client: FlaskClient,
    tokens: dict[str, str],
    path: str,
    method: str,
    mode: GenerationMode,
) -> None:
    """schemathesis cases for one operation, sent in-process through the WSGI app.

    (Not through schemathesis's own pytest plugin: its ``parametrize`` does not run under
    pytest 9.2.)
    """
    app.config["RATELIMIT_ENROL"] = "100000 per minute"  # generated enrolments, not the limit
    config = SchemathesisConfig.from_dict(
        {"generation": {"with-security-parameters": False}}  # the suite sends right tokens
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    operation = schema[path][method.upper()]
    security = [name for item in operation.definition.raw.get("security", []) for name in item]
    headers = auth(tokens[security[0]]) if security else {}
    statuses: Counter[int] = Counter()

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        case.validate_response(
            response,
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
        )
        is_json = "json" in (response.headers.get("content-type") or [""])[0]
        assert_error_shape(response.status_code, response.json() if is_json else None)

    try:
        check()
    except Unsatisfiable:  # no parameters and no body: nothing can be made invalid
        assert mode is GenerationMode.NEGATIVE and not statuses
    assert client.get("/healthz").status_code == 200
    print(
        f"schemathesis {mode} {method.upper()} {path}: {sum(statuses.values())} cases, {dict(statuses)}"
    )
    assert statuses or mode is GenerationMode.NEGATIVE


# Readings: valid ones (each with a new UUID) and hostile ones, mixed in one batch.
_hostile_value = st.sampled_from(
    [
        10**400,  # "lat": 1 and 400 zeros
        float("inf"),  # 1e309
        -float("inf"),
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "0999-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z",
        "\ud800",
        "a\x00b",
        ["LTE"],
        {"LTE": 1},
        None,
        True,
        "",
        2**63,
        -(2**63) - 1,
        1.5,
    ]
)
_hostile_field = st.sampled_from(
    [
        "lat",
        "lon",
        "rsrp_dbm",
        "cell_id",
        "tac_lac",
        "observed_at",
        "note",
        "operator",
        "device_id",
        "session_id",
        "tech",
        "mode",
        "mcc",
        "id",
        "mock_location",
    ]
)
_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=30)
_valid = st.builds(
    lambda note, operator, lat, rsrp: reading(note=note, operator=operator, lat=lat, rsrp_dbm=rsrp),
    st.none() | _text,
    st.none() | _text,
    st.floats(-1.0, 0.0),
    st.integers(-140, -44).map(float),
)
_broken = st.builds(
    lambda changes: {**reading(), **changes},
    st.dictionaries(_hostile_field, _hostile_value, min_size=1, max_size=3),
)


def _wire(value: Any) -> str:
    """JSON text that Python's json module cannot write: 1 and 400 zeros, 1e309."""
    return json.dumps(value).replace("Infinity", "1e309")


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(_valid | _broken, min_size=1, max_size=8))
def test_valid_readings_of_a_mixed_batch_are_kept(
    app: Flask, client: FlaskClient, token: str, batch: list[dict[str, Any]]
) -> None:
    """Whatever the mix, exactly the readings the schema calls valid are stored."""
    before = stored(app)
    body = '{"batch_id": "%s", "measurements": [%s]}' % (  # noqa: UP031  (JSON braces)
        uuid.uuid4(),
        ", ".join(_wire(item) for item in batch),
    )
    answer = client.post(
        "/api/v1/uploads", data=body, headers={**auth(token), "Content-Type": "application/json"}
    )
    assert answer.status_code in (200, 201), answer.json
    ok = [not validate(item) for item in batch]
    valid = [item["id"] for item, good in zip(batch, ok, strict=True) if good]
    assert sorted(answer.json["accepted"]) == sorted(valid)
    rejected = {r["index"] for r in answer.json["rejected"]}
    assert rejected == {i for i, good in enumerate(ok) if not good}
    assert stored(app) == before + len(valid)
    again = client.get(f"/api/v1/uploads/{answer.json['upload_id']}", headers=auth(token))
    assert again.status_code == 200
    assert client.get("/healthz").status_code == 200


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec=None), max_size=80),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["code", "name", "x"]), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=_json)
def test_no_enrolment_body_breaks_the_api(app: Flask, client: FlaskClient, body: Any) -> None:
    app.config["RATELIMIT_ENROL"] = "100000 per minute"  # the generated bodies, not the limit
    answer = client.post(
        "/api/v1/devices/enroll",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code in (400, 401, 413, 415, 422), answer.json
    assert_error_shape(answer.status_code, answer.json)
