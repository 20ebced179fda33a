"""The village register and a village's page: history, latest verdicts, filters, provider
isolation, evidence on the map and withdrawn releases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert

from server.db import session_scope
from server.models import (
    EvidenceFile,
    EvidenceReading,
    Job,
    OperatorResponse,
    Release,
    ReleaseProduct,
    VillageVerdict,
)
from server.regions import current_regions
from server.register import register_rows, village_history
from tests.server.web import login, make_cast

START = datetime(2026, 1, 1, 3, tzinfo=UTC)


def _release(
    db: Any,
    job_id: int,
    admin: int,
    n: int,
    verdicts: dict[tuple[str, str], str],
    withdrawn: bool = False,
) -> int:
    """A release ``n`` days after START with a verdict per (village code, operator)."""
    published = START + timedelta(days=n)
    operators = sorted({op for _code, op in verdicts})
    release = Release(
        job_id=job_id,
        title=f"Release {n}",
        period_from=date(2026, 1, 1),
        period_to=published.date(),
        area={"kind": "all"},
        tech="LTE",
        operators=operators,
        state="withdrawn" if withdrawn else "published",
        published_by=admin,
        published_at=published,
        respond_by=published.date() + timedelta(days=60),
        fingerprint="f" * 64,
        withdrawn_by=admin if withdrawn else None,
        withdrawn_at=published + timedelta(hours=5) if withdrawn else None,
        withdraw_reason="wrong period" if withdrawn else None,
    )
    db.add(release)
    db.flush()
    for op in operators:
        db.add(ReleaseProduct(release_id=release.id, product=f"{op}-LTE", operator=op, tech="LTE"))
    regions = current_regions()
    assert regions is not None
    for (code, op), verdict in verdicts.items():
        region = regions.by_code[code]
        db.add(
            VillageVerdict(
                release_id=release.id,
                village_code=code,
                operator=op,
                tech="LTE",
                village=region.name,
                kecamatan=region.kec_name,
                kabkota=region.kab_name,
                verdict=verdict,
                reason=f"{verdict} in release {n}",
                readings=100 * n,
                no_service=n,
                fixes=10 * n,
                officers=n,
                first_day=date(2026, 1, n),
                last_day=date(2026, 1, n + 1),
                surveyed_share=0.1 * n,
                rmse_db=7.0 + n / 10,
            )
        )
    db.flush()
    return int(release.id)


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """Three villages A, B, C and a fourth D no release judged:

    - release 1: A, B for 510-10; A, C for 510-11
    - release 2 (withdrawn): A, B for 510-10
    - release 3: A for 510-10 only
    Open responses on A (510-10 with 3 evidence readings, 510-11 with 1), a closed one on A.
    """
    ids = make_cast(app)
    admin = ids["admin"]
    with app.app_context():
        regions = current_regions()
        assert regions is not None
        a, b, c, d = (r.code for r in regions.regions[:4])
        with session_scope() as db:
            job = Job(created_by=admin, state="done", params={}, operators=["510-10", "510-11"])
            db.add(job)
            db.flush()
            r1 = _release(
                db,
                job.id,
                admin,
                1,
                {
                    (a, "510-10"): "none",
                    (b, "510-10"): "weak",
                    (a, "510-11"): "strong",
                    (c, "510-11"): "none",
                },
            )
            r2 = _release(
                db,
                job.id,
                admin,
                2,
                {(a, "510-10"): "weak", (b, "510-10"): "strong"},
                withdrawn=True,
            )
            r3 = _release(db, job.id, admin, 3, {(a, "510-10"): "strong"})
            responses = {}
            for key, operator, user, closed in (
                ("tsel", "510-10", ids["tsel"], False),
                ("xl", "510-11", ids["xlaxiata"], False),
                ("closed", "510-10", ids["tsel"], True),
            ):
                item = OperatorResponse(
                    release_id=r1,
                    village_code=a,
                    operator=operator,
                    tech="LTE",
                    kind="disputed",
                    created_by=user,
                    closed_at=START if closed else None,
                    outcome="confirmed" if closed else None,
                )
                db.add(item)
                db.flush()
                responses[key] = item.id
            for key, source, values in (
                ("tsel", "510-10", (-80.0, -108.0, -130.0)),
                ("xl", "510-11", (-90.0,)),
            ):
                evidence = EvidenceFile(
                    response_id=responses[key],
                    filename=f"{source}.txt",
                    sha256="0" * 64,
                    bytes=10,
                    format="gnettrack",
                    readings=len(values),
                    uploaded_by=admin,
                )
                db.add(evidence)
                db.flush()
                db.execute(
                    insert(EvidenceReading),
                    [
                        {
                            "file_id": evidence.id,
                            "response_id": responses[key],
                            "source": source,
                            "observed_at": START,
                            "lat": -0.3 - i / 1000,
                            "lon": 100.37,
                            "tech": "LTE",
                            "mcc": "510",
                            "mnc": source[-2:],
                            "rsrp_dbm": value,
                        }
                        for i, value in enumerate(values)
                    ],
                )
        job_id = job.id
    return {
        "job": job_id,
        "admin": admin,
        "a": a,
        "b": b,
        "c": c,
        "d": d,
        "r1": r1,
        "r2": r2,
        "r3": r3,
        "responses": responses,
    }


def test_history_is_newest_first_with_evidence_withdrawn_marked(
    app: Flask, world: dict[str, Any]
) -> None:
    with app.app_context():
        history = village_history(world["a"], None)
    assert [g["product"] for g in history] == ["510-10-LTE", "510-11-LTE"]
    tsel = history[0]
    assert [e["release_id"] for e in tsel["entries"]] == [world["r3"], world["r2"], world["r1"]]
    assert [e["verdict"] for e in tsel["entries"]] == ["strong", "weak", "none"]
    assert [e["release_state"] for e in tsel["entries"]] == ["published", "withdrawn", "published"]
    withdrawn = tsel["entries"][1]
    assert withdrawn["withdraw_reason"] == "wrong period" and withdrawn["withdrawn_at"] is not None
    newest = tsel["entries"][0]
    assert (newest["readings"], newest["no_service"], newest["fixes"], newest["officers"]) == (
        300,
        3,
        30,
        3,
    )
    assert (newest["first_day"], newest["last_day"]) == (date(2026, 1, 3), date(2026, 1, 4))
    assert newest["rmse_db"] == pytest.approx(7.3)
    assert newest["surveyed_share"] == pytest.approx(0.3)
    assert newest["reason"] == "strong in release 3"
    assert newest["release_title"] == "Release 3"
    assert tsel["total"] == 3 and tsel["latest_release_id"] == world["r3"]
    # open responses only (the closed one is not listed), each with its state
    assert [(r["id"], r["kind"], r["decision"]) for r in tsel["responses"]] == [
        (world["responses"]["tsel"], "disputed", "pending")
    ]
    assert [e["verdict"] for e in history[1]["entries"]] == ["strong"]
    with app.app_context():
        limited = village_history(world["a"], None, limit=1)
    assert [len(g["entries"]) for g in limited] == [1, 1]
    assert limited[0]["total"] == 3


def test_history_is_limited_to_the_scope(app: Flask, world: dict[str, Any]) -> None:
    with app.app_context():
        history = village_history(world["a"], ("510-10",))
        assert village_history(world["c"], ("510-10",)) == []
    assert [g["product"] for g in history] == ["510-10-LTE"]
    assert all(r["operator"] == "510-10" for g in history for r in g["responses"])


def _keys(page: Any) -> list[tuple[str, str, int]]:
    return [(r["village_code"], r["operator"], r["release_id"]) for r in page.rows]


def test_register_shows_the_latest_published_verdict(app: Flask, world: dict[str, Any]) -> None:
    a, b, c, r1, r3 = (world[k] for k in ("a", "b", "c", "r1", "r3"))
    with app.test_request_context():
        page = register_rows(None)
        # B's newest verdict is in the withdrawn release 2: the register keeps release 1's
        assert sorted(_keys(page)) == sorted(
            [(a, "510-10", r3), (a, "510-11", r1), (b, "510-10", r1), (c, "510-11", r1)]
        )
        assert page.total == 4
        row = next(r for r in page.rows if (r["village_code"], r["operator"]) == (a, "510-10"))
        assert (row["verdict"], row["release_title"], row["open_responses"]) == (
            "strong",
            "Release 3",
            1,
        )
        assert _keys(register_rows(None, verdict="none")) == [(c, "510-11", r1)]
        assert _keys(register_rows(None, operator="510-11", verdict="strong")) == [
            (a, "510-11", r1)
        ]
        assert register_rows(None, tech="NR").total == 0
        # search by code and by name (any case)
        assert {r["village_code"] for r in register_rows(None, query=b.lower()).rows} == {b}
        name = current_regions().by_code[c].name  # type: ignore[union-attr]
        assert {r["village_code"] for r in register_rows(None, query=name.upper()).rows} == {c}
        # one release's verdicts, withdrawn ones too
        assert sorted(_keys(register_rows(None, release_id=world["r2"]))) == [
            (a, "510-10", world["r2"]),
            (b, "510-10", world["r2"]),
        ]
        assert register_rows(None, release_id=world["r2"], query=a, verdict="weak").total == 1
        # pages
        second = register_rows(None, page=2, size=3)
        assert (second.number, second.pages, second.total, len(second.rows)) == (2, 2, 4, 1)
        assert register_rows(None, page=99, size=3).number == 2


def test_register_finds_villages_missing_from_many_newer_releases(
    app: Flask, world: dict[str, Any]
) -> None:
    """Twenty newer releases judge only A: B's latest verdict is still release 1's."""
    with app.app_context(), session_scope() as db:
        for n in range(4, 24):
            _release(db, world["job"], world["admin"], n, {(world["a"], "510-10"): "weak"})
    with app.test_request_context():
        rows = {r["village_code"]: r for r in register_rows(("510-10",)).rows}
    assert rows[world["b"]]["release_id"] == world["r1"]
    assert rows[world["a"]]["release_title"] == "Release 23"


def test_provider_sees_its_own_operators_only(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    login(client, "tsel")
    register = client.get("/villages").get_data(as_text=True)
    assert "510-10" in register and "510-11" not in register
    assert client.get("/villages?operator=510-11").status_code == 200
    assert "XL Axiata" not in client.get("/villages?operator=510-11").get_data(as_text=True)
    page = client.get(f"/villages/{world['a']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "510-11" not in text
    assert f"/responses/{world['responses']['tsel']}" in text
    assert f"/responses/{world['responses']['xl']}" not in text
    # C is judged for 510-11 only, D by no release, the last code is no village at all
    for code in (world["c"], world["d"], "13.99.99.9999", "x" * 40):
        assert client.get(f"/villages/{code}").status_code == 404
        assert client.get(f"/villages/{code}/map.json").status_code == 404
    features = client.get(f"/villages/{world['a']}/map.json").json["evidence"]["features"]
    assert {f["properties"]["operator"] for f in features} == {"510-10"}


def test_provider_answers_the_latest_release(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    login(client, "tsel")
    text = client.get(f"/villages/{world['b']}").get_data(as_text=True)
    # B's newest published verdict is release 1's (release 2 was withdrawn)
    assert (
        f"/responses/new?release={world['r1']}&amp;village={world['b']}&amp;product=510-10-LTE"
        in text
    )
    admin = app.test_client()
    login(admin, "admin")
    assert "/responses/new?" not in admin.get(f"/villages/{world['b']}").get_data(as_text=True)


def test_release_filter_of_another_operator_is_not_found(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    with app.app_context(), session_scope() as db:
        other = _release(db, world["job"], world["admin"], 30, {(world["c"], "510-11"): "weak"})
    login(client, "tsel")
    assert client.get(f"/villages?release={other}").status_code == 404
    assert client.get(f"/villages?release={world['r1']}").status_code == 200
    admin = app.test_client()
    login(admin, "admin")
    assert world["c"] in admin.get(f"/villages?release={other}").get_data(as_text=True)


def test_admin_page_shows_every_operator_and_withdrawn_releases(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    login(client, "admin")
    text = client.get(f"/villages/{world['a']}").get_data(as_text=True)
    assert "Telkomsel (510-10) LTE" in text and "XL Axiata (510-11) LTE" in text
    assert 'class="withdrawn"' in text and "wrong period" in text
    assert f"/responses/{world['responses']['xl']}" in text
    assert f"/responses/{world['responses']['closed']}" not in text
    region = current_regions_of(app).by_code[world["a"]]
    for part in (region.name, region.kec_name, region.kab_name, world["a"]):
        assert part in text
    empty = client.get(f"/villages/{world['d']}")
    assert empty.status_code == 200
    assert "belum ada di rilis mana pun" in empty.get_data(as_text=True)  # not in any release yet
    assert client.get("/villages/13.99.99.9999").status_code == 404


def test_map_shows_the_outline_and_the_evidence_readings(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    login(client, "admin")
    data = client.get(f"/villages/{world['a']}/map.json").json
    assert data["outline"]["features"][0]["properties"]["code"] == world["a"]
    evidence = data["evidence"]["features"]
    classes = sorted(
        (f["properties"]["operator"], f["properties"]["class"], f["properties"]["rsrp_dbm"])
        for f in evidence
    )
    assert classes == [
        ("510-10", "none", -130.0),
        ("510-10", "strong", -80.0),
        ("510-10", "weak", -108.0),
        ("510-11", "strong", -90.0),
    ]
    assert client.get(f"/villages/{world['b']}/map.json").json["evidence"]["features"] == []


def test_officers_read_the_register_without_the_operators_answers(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    login(client, "ani")
    assert client.get("/villages").status_code == 200
    text = client.get(f"/villages/{world['a']}").get_data(as_text=True)
    assert "XL Axiata (510-11) LTE" in text and "/responses/" not in text
    assert client.get(f"/villages/{world['a']}/map.json").json["evidence"]["features"] == []


def test_register_page_filters_and_search(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    login(client, "admin")
    text = client.get("/villages?verdict=none").get_data(as_text=True)
    assert f"/villages/{world['c']}" in text and f"/villages/{world['b']}" not in text
    text = client.get(f"/villages?q={world['b']}").get_data(as_text=True)
    assert f"/villages/{world['b']}" in text and f"/villages/{world['a']}" not in text
    # odd query strings give a page, never an error
    for query in ("page=99999999999999999999", "verdict=bogus", "release=abc", "q=%25_%25"):
        assert client.get(f"/villages?{query}").status_code == 200, query
    assert client.get("/villages?release=99999").status_code == 404


def current_regions_of(app: Flask) -> Any:
    with app.app_context():
        return current_regions()


def test_one_products_whole_history_in_pages(
    app: Flask, client: FlaskClient, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("server.web.villages.PAGE", 2)
    login(client, "tsel")
    first = client.get(f"/villages/{world['a']}?product=510-10-LTE").get_data(as_text=True)
    assert "Release 3" in first and "Release 2" in first and "Release 1" not in first
    assert "/responses/new?" in first
    second = client.get(f"/villages/{world['a']}?product=510-10-LTE&page=2").get_data(as_text=True)
    assert "Release 1" in second and "Release 3" not in second
    assert "/responses/new?" not in second
    assert client.get(f"/villages/{world['a']}?product=510-11-LTE").status_code == 404
