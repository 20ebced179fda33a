"""The responses API: a provider's token answers villages of its own products, sends
evidence as a raw body, and never sees another operator's responses or evidence."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from server.accounts import create_api_token
from server.api.docs import openapi_document
from server.db import session_scope
from server.models import EvidenceReading, Measurement
from tests.server.conftest import auth
from tests.server.test_responses import BLANK, canonical_csv, make_release
from tests.server.web import make_cast


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """The cast, a release, and API tokens of admin, Telkomsel (510-10) and XL (510-11)."""
    ids = make_cast(app)
    release = make_release(app, ids["admin"])
    with app.app_context():
        tokens = {n: create_api_token(ids[n], "t", "cli") for n in ("admin", "tsel", "xlaxiata")}
    return {"ids": ids, "release": release, "tokens": tokens}


def _schema(name: str) -> dict[str, Any]:
    doc = openapi_document()
    return {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}


def _post(client: FlaskClient, token: str, **body: Any) -> Any:
    return client.post("/api/v1/responses", json=body, headers=auth(token))


def _dispute(
    client: FlaskClient, world: dict[str, Any], who: str = "tsel", op: str = "510-10"
) -> int:
    answer = _post(
        client,
        world["tokens"][who],
        release_id=world["release"],
        village_code=BLANK,
        product=f"{op}-LTE",
        kind="disputed",
        message="kami punya sinyal di sini",
    )
    assert answer.status_code == 201, answer.json
    return int(answer.json["id"])


def test_a_provider_answers_and_sends_evidence(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    token = world["tokens"]["tsel"]
    answer = _post(
        client,
        token,
        release_id=world["release"],
        village_code=BLANK,
        operator="510-10",
        tech="LTE",
        kind="planned",
        site_name="AGM-07",
        expected_on="2027-03-01",
    )
    assert answer.status_code == 201, answer.json
    jsonschema.validate(answer.json, _schema("Response"))
    assert (answer.json["kind"], answer.json["site_name"], answer.json["expected_on"]) == (
        "planned",
        "AGM-07",
        "2027-03-01",
    )
    response_id = _dispute(client, world)
    sent = client.post(
        f"/api/v1/responses/{response_id}/evidence?filename=drive.csv",
        data=canonical_csv(12, 3),
        headers={**auth(token), "Content-Type": "text/csv"},
    )
    assert sent.status_code == 201, sent.json
    jsonschema.validate(sent.json, _schema("EvidenceAdded"))
    assert (sent.json["readings"], sent.json["inside"]) == (15, 12)
    one = client.get(f"/api/v1/responses/{response_id}", headers=auth(token))
    assert one.status_code == 200
    jsonschema.validate(one.json, _schema("Response"))
    assert [(f["filename"], f["inside"]) for f in one.json["evidence"]] == [("drive.csv", 12)]
    points = client.get(f"/api/v1/responses/{response_id}/evidence", headers=auth(token))
    assert points.status_code == 200 and len(points.json["features"]) == 15
    listed = client.get("/api/v1/responses?state=pending", headers=auth(token)).json["responses"]
    assert sorted(r["kind"] for r in listed) == ["disputed", "planned"]
    with app.app_context(), session_scope() as db:
        assert db.scalar(select(func.count()).select_from(Measurement)) == 0
        assert db.scalar(select(func.count()).select_from(EvidenceReading)) == 15


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"village_code": BLANK, "product": "510-10-LTE", "kind": "acknowledged"}, 422),
        ({"release_id": "1", "village_code": BLANK, "kind": "acknowledged"}, 422),
        ({"release_id": 1, "village_code": BLANK, "kind": "acknowledged"}, 422),  # no product
        ({"release_id": 1, "village_code": BLANK, "product": "510-10-LTE", "kind": "x"}, 422),
        ({"release_id": 1, "village_code": BLANK, "product": "510-10-LTE", "kind": "planned"}, 422),
        (
            {
                "release_id": 1,
                "village_code": BLANK,
                "product": "510-10-LTE",
                "kind": "planned",
                "site_name": "S",
                "expected_on": "besok",
            },
            422,
        ),
        (
            {
                "release_id": 1,
                "village_code": "X.1",
                "product": "510-10-LTE",
                "kind": "acknowledged",
            },
            422,
        ),
        (
            {
                "release_id": 1,
                "village_code": BLANK,
                "product": "510-11-LTE",
                "kind": "acknowledged",
            },
            404,
        ),
        (
            {
                "release_id": 99,
                "village_code": BLANK,
                "product": "510-10-LTE",
                "kind": "acknowledged",
            },
            404,
        ),
        (
            {
                "release_id": 2**40,
                "village_code": BLANK,
                "product": "510-10-LTE",
                "kind": "acknowledged",
            },
            404,
        ),
        ([1, 2], 400),
    ],
)
def test_bad_responses_are_refused(
    client: FlaskClient, world: dict[str, Any], body: Any, status: int
) -> None:
    answer = client.post("/api/v1/responses", json=body, headers=auth(world["tokens"]["tsel"]))
    assert answer.status_code == status, answer.json
    assert set(answer.json) == {"code", "message", "details"}


def test_bad_evidence_is_refused(client: FlaskClient, world: dict[str, Any]) -> None:
    token = world["tokens"]["tsel"]
    response_id = _dispute(client, world)
    url = f"/api/v1/responses/{response_id}/evidence"
    cases = [
        (url, b"a,b\n1,2\n", 400),  # no filename
        (url + "?filename=x.csv", b"", 422),
        (url + "?filename=x.csv", b"name,value\nx,1\n", 422),
        (url + "?filename=x.csv", b"x" * (20 * 2**20 + 1), 413),
    ]
    for path, data, status in cases:
        answer = client.post(path, data=data, headers=auth(token))
        assert answer.status_code == status, (path, answer.json)
        assert set(answer.json) == {"code", "message", "details"}
    data = canonical_csv(3, 0)
    assert client.post(url + "?filename=a.csv", data=data, headers=auth(token)).status_code == 201
    again = client.post(url + "?filename=a.csv", data=data, headers=auth(token))
    assert again.status_code == 409


def test_a_510_10_token_never_sees_510_11(client: FlaskClient, world: dict[str, Any]) -> None:
    mine = _dispute(client, world, "tsel", "510-10")
    theirs = _dispute(client, world, "xlaxiata", "510-11")
    xl = world["tokens"]["xlaxiata"]
    sent = client.post(
        f"/api/v1/responses/{theirs}/evidence?filename=xl.csv",
        data=canonical_csv(4, 0).replace(b",510,10,", b",510,11,"),
        headers=auth(xl),
    )
    assert sent.status_code == 201, sent.json
    tsel = auth(world["tokens"]["tsel"])
    listed = client.get("/api/v1/responses", headers=tsel).json["responses"]
    assert [r["id"] for r in listed] == [mine]
    assert client.get("/api/v1/responses?operator=510-11", headers=tsel).json == {"responses": []}
    for guess in (theirs, theirs + 1, 0, 2**31, 2**40):
        for path in (f"/api/v1/responses/{guess}", f"/api/v1/responses/{guess}/evidence"):
            answer = client.get(path, headers=tsel)
            assert answer.status_code == 404, path
        posted = client.post(
            f"/api/v1/responses/{guess}/evidence?filename=a.csv", data=b"x", headers=tsel
        )
        assert posted.status_code == 404
    admin = auth(world["tokens"]["admin"])
    assert len(client.get("/api/v1/responses", headers=admin).json["responses"]) == 2
    evidence = client.get(f"/api/v1/responses/{theirs}/evidence", headers=admin).json
    assert len(evidence["features"]) == 4


def test_list_filters(client: FlaskClient, world: dict[str, Any]) -> None:
    _dispute(client, world)
    tsel = auth(world["tokens"]["tsel"])
    assert client.get("/api/v1/responses?state=nope", headers=tsel).status_code == 400
    assert client.get("/api/v1/responses?release_id=abc", headers=tsel).status_code == 400
    assert client.get("/api/v1/responses?release_id=0", headers=tsel).status_code == 400
    ok = client.get(f"/api/v1/responses?release_id={world['release']}&state=pending", headers=tsel)
    assert len(ok.json["responses"]) == 1
    assert client.get("/api/v1/responses?state=closed", headers=tsel).json["responses"] == []
    assert client.get("/api/v1/responses").status_code == 401


def test_the_operations_are_documented() -> None:
    paths = openapi_document()["paths"]
    assert set(paths["/api/v1/responses"]) == {"get", "post"}
    assert set(paths["/api/v1/responses/{response_id}"]) == {"get"}
    assert set(paths["/api/v1/responses/{response_id}/evidence"]) == {"get", "post"}
