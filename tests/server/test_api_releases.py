"""The releases API: a 510-10 token sees its own operator's releases, products, files and
villages only (by list, by id, by guessed id); drafts stay invisible; downloads are audited."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import select

from server.api.docs import openapi_document
from server.db import session_scope
from server.models import AuditEntry
from server.releases import publish
from tests.server.releases_support import build_site, clone_job, fetch, token_for


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, villages_file: Path
) -> Iterator[dict[str, Any]]:
    """The finished job published (both operators), an XL-only release and a draft."""
    for built in build_site(request, tmp_path_factory, villages_file):
        app, admin = built["app"], built["ids"]["admin"]
        xl_job = clone_job(app, built["job_id"], ["510-11"])
        draft = clone_job(app, built["job_id"])
        with app.app_context():
            both = publish(
                built["job_id"],
                "admin:admin",
                admin,
                "Dua operator",
                None,
                date(2026, 1, 1),
                date(2026, 1, 31),
            )
            xl = publish(
                xl_job, "admin:admin", admin, "Khusus XL", None, date(2026, 1, 1), date(2026, 1, 31)
            )
        yield {
            **built,
            "both": both,
            "xl": xl,
            "draft": draft,
            "tsel": token_for(app, "tsel"),
            "admin": token_for(app, "admin"),
        }


def _validate(answer: Any, path: str) -> None:
    document = openapi_document()
    schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    jsonschema.validate(answer.json, {**schema["schema"], "components": document["components"]})


def test_a_token_lists_its_own_operators_releases_newest_first(site: dict[str, Any]) -> None:
    api = site["app"].test_client()
    answer = api.get("/api/v1/releases", headers=site["tsel"])
    assert answer.status_code == 200
    _validate(answer, "/api/v1/releases")
    assert [r["id"] for r in answer.json["releases"]] == [site["both"]]
    assert answer.json["releases"][0]["operators"] == ["510-10"]
    admin = api.get("/api/v1/releases", headers=site["admin"]).json["releases"]
    assert [r["id"] for r in admin] == [site["xl"], site["both"]]  # newest first


def test_a_release_with_files_and_villages(site: dict[str, Any]) -> None:
    api, release_id = site["app"].test_client(), site["both"]
    answer = api.get(f"/api/v1/releases/{release_id}", headers=site["tsel"])
    assert answer.status_code == 200, answer.json
    _validate(answer, "/api/v1/releases/{release_id}")
    body = answer.json
    assert body["state"] == "published" and [p["product"] for p in body["products"]] == [
        "510-10-LTE"
    ]
    product = body["products"][0]
    villages = product["villages"]
    assert villages and all(v["village_code"].startswith("SIMULASI.") for v in villages)
    assert {"readings", "fixes", "officers", "first_day", "rmse_db"} <= set(villages[0])
    files = {f["name"]: f for f in product["files"]}
    path = files["villages.csv"]["url"].split("localhost", 1)[1]
    status, data = fetch(api, path, headers=site["tsel"])
    assert status == 200 and len(data) == files["villages.csv"]["bytes"]
    status, archive = fetch(api, product["archive"].split("localhost", 1)[1], headers=site["tsel"])
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        assert "510-10-LTE/villages.csv" in zipped.namelist()
    # saved under a name that says whose, what and which release: two never overwrite
    stem = f"petasinyal_telkomsel_510-10_LTE_rilis-{release_id}"
    for url, saved_as in ((path, f"{stem}_villages.csv"), (product["archive"], f"{stem}.zip")):
        answer = api.get(url.split("localhost", 1)[-1], headers=site["tsel"])
        assert saved_as in answer.headers["Content-Disposition"]
        answer.close()
    with site["app"].app_context(), session_scope() as db:
        targets = set(db.scalars(select(AuditEntry.target).where(AuditEntry.actor == "token:tsel")))
    assert {
        f"release:{release_id}/510-10-LTE/villages.csv",
        f"release:{release_id}/510-10-LTE.zip",
    } <= targets


def test_another_operators_release_is_never_seen(site: dict[str, Any]) -> None:
    api, both, xl = site["app"].test_client(), site["both"], site["xl"]
    for path in (
        f"/api/v1/releases/{xl}",
        f"/api/v1/releases/{xl}/files/510-11-LTE/villages.csv",
        f"/api/v1/releases/{xl}/files/510-11-LTE.zip",
        f"/api/v1/releases/{both}/files/510-11-LTE/villages.csv",
        f"/api/v1/releases/{both}/files/510-11-LTE.zip",
        f"/api/v1/releases/{both}/files/510-10-LTE/..%2F..%2Fjobs.sqlite3",
        f"/api/v1/releases/{both}/files/510-10-LTE/not-in-manifest.csv",
        f"/api/v1/releases/{xl + 1}",
        f"/api/v1/releases/{xl + 1000}",
        f"/api/v1/releases/{2**31 - 1}",
        f"/api/v1/releases/{2**31}",
        f"/api/v1/releases/{2**64}",
        "/api/v1/releases/0",
    ):
        answer = api.get(path, headers=site["tsel"])
        assert answer.status_code == 404, path
        assert answer.json == {"code": 404, "message": answer.json["message"], "details": {}}
    assert api.get(f"/api/v1/releases/{xl}", headers=site["admin"]).status_code == 200


def test_drafts_are_invisible_through_the_api(site: dict[str, Any]) -> None:
    api, draft = site["app"].test_client(), site["draft"]
    products = api.get("/api/v1/products", headers=site["tsel"]).json["products"]
    assert [(p["product"], p["release_id"], p["job_id"]) for p in products] == [
        ("510-10-LTE", site["both"], site["job_id"])
    ]
    _validate(api.get("/api/v1/products", headers=site["tsel"]), "/api/v1/products")
    for path in (
        f"/api/v1/products/{draft}/510-10-LTE/villages.csv",
        f"/api/v1/products/{draft}/510-10-LTE.zip",
        f"/api/v1/products/{site['job_id']}/510-11-LTE/villages.csv",
    ):
        assert api.get(path, headers=site["tsel"]).status_code == 404, path
        # admins fetch any finished job's files
    assert (
        fetch(api, f"/api/v1/products/{draft}/510-10-LTE/villages.csv", headers=site["admin"])[0]
        == 200
    )
    assert (
        fetch(
            api, f"/api/v1/products/{site['job_id']}/510-10-LTE/villages.csv", headers=site["tsel"]
        )[0]
        == 200
    )


def test_a_withdrawn_release_stays_listed_but_no_longer_feeds_products(
    site: dict[str, Any],
) -> None:
    from server.releases import withdraw

    app = site["app"]
    xl_again = clone_job(app, site["job_id"], ["510-11"])
    with app.app_context():
        newer = publish(
            xl_again,
            "admin:admin",
            site["ids"]["admin"],
            "XL lagi",
            None,
            date(2026, 2, 1),
            date(2026, 2, 2),
        )
        withdraw(newer, "admin:admin", site["ids"]["admin"], "salah hitung")
    xl = token_for(app, "xlaxiata")
    api = app.test_client()
    listed = {r["id"]: r for r in api.get("/api/v1/releases", headers=xl).json["releases"]}
    assert (
        listed[newer]["state"] == "withdrawn" and listed[newer]["withdraw_reason"] == "salah hitung"
    )
    products = api.get("/api/v1/products", headers=xl).json["products"]
    assert [p["release_id"] for p in products] == [site["xl"]]
