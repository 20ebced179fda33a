"""Where to survey next: the ranking on a constructed region whose order is known, the page,
its map, the campaign made from the top of the list and who may open it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.db import session_scope
from server.models import (
    AuditEntry,
    Campaign,
    Job,
    OperatorResponse,
    Release,
    ReleaseProduct,
    VillageVerdict,
)
from server.priorities import rank_villages
from tests.server.web import login, make_cast, post_form

TODAY = date(2026, 6, 1)
OPS = ("510-10", "510-11")
V = {n: f"SIMULASI.{n:03d}" for n in range(1, 161)}  # the simulated villages of conftest


def _release(db: Any, job: int, admin: int, day: int, state: str = "published") -> int:
    published = datetime(2026, 5, day, 3, tzinfo=UTC)
    release = Release(
        job_id=job,
        title=f"Release {day}",
        period_from=date(2026, 1, 1),
        period_to=published.date(),
        area={"kind": "all"},
        tech="LTE",
        operators=list(OPS),
        state=state,
        published_by=admin,
        published_at=published,
        respond_by=published.date() + timedelta(days=60),
        fingerprint="f" * 64,
    )
    db.add(release)
    db.flush()
    for op in OPS:
        db.add(ReleaseProduct(release_id=release.id, product=f"{op}-LTE", operator=op, tech="LTE"))
    return int(release.id)


def _verdict(db: Any, release: int, n: int, op: str, verdict: str = "strong", **evidence: Any):
    values = {
        "readings": 200,
        "fixes": 60,
        "no_service": 10,
        "surveyed_share": 0.9,
        "rmse_db": 6.0,
        "first_day": date(2026, 4, 1),
        "last_day": date(2026, 5, 1),
        **evidence,
    }
    db.add(
        VillageVerdict(
            release_id=release,
            village_code=V[n],
            operator=op,
            tech="LTE",
            verdict=verdict,
            **values,
        )
    )


def _response(db: Any, release: int, n: int, op: str, kind: str, decision: str, **more: Any):
    db.add(
        OperatorResponse(
            release_id=release,
            village_code=V[n],
            operator=op,
            tech="LTE",
            kind=kind,
            decision=decision,
            created_by=more.pop("user"),
            **more,
        )
    )


@pytest.fixture
def world(app: Flask) -> dict[str, int]:
    """Villages 1-8 of the simulated kabupaten judged so that the order is known; 9-160 have
    no verdict at all (unsurveyed for both products: 100 each).

    1: good in the newest release (unsurveyed in the older one)        -> 0
    2: good, an accepted dispute (510-10) awaiting verification        -> 60
    3: 510-10 doubtful in the newest release (12 readings, 4 fixes)    -> 40 * 1/2 = 20
    4: 510-10 insufficient data, 510-11 no verdict; a pending dispute  -> 100 + 25 = 125
    5: both old (2025-01-01), 510-11 only 30 % surveyed               -> 20 + 30 * 1/2 = 35
    6: judged only in a withdrawn release                              -> 100
    7: 510-10 no verdict, 510-11 good                                  -> 100 * 1/2 = 50
    8: CV error 12 dB on both; a closed and a rejected response        -> 30
    """
    ids = make_cast(app)
    admin, tsel = ids["admin"], ids["tsel"]
    with app.app_context(), session_scope() as db:
        job = Job(created_by=admin, state="done", params={}, operators=list(OPS))
        db.add(job)
        db.flush()
        old = _release(db, job.id, admin, 1)
        new = _release(db, job.id, admin, 10)
        gone = _release(db, job.id, admin, 20, state="withdrawn")
        for op in OPS:
            _verdict(db, old, 1, op, "unsurveyed", readings=0, fixes=0)
            _verdict(db, new, 1, op, "none")
            _verdict(db, new, 2, op, "weak")
            _verdict(db, old, 3, op)
            _verdict(db, new, 5, op, last_day=date(2025, 1, 1))
            _verdict(db, gone, 6, op, "strong")
            _verdict(db, gone, 1, op, "insufficient data")
            _verdict(db, new, 8, op, rmse_db=12.0)
        _verdict(db, new, 3, "510-10", readings=12, fixes=4)
        _verdict(db, new, 3, "510-11")
        _verdict(db, new, 4, "510-10", "insufficient data", readings=3, fixes=2)
        _verdict(db, new, 7, "510-11")
        db.query(VillageVerdict).filter(
            VillageVerdict.release_id == new,
            VillageVerdict.village_code == V[5],
            VillageVerdict.operator == "510-11",
        ).update({"surveyed_share": 0.3})
        _response(db, new, 2, "510-10", "disputed", "accepted", user=tsel)
        _response(db, new, 4, "510-10", "disputed", "pending", user=tsel)
        _response(db, new, 8, "510-10", "disputed", "rejected", user=tsel)
        _response(
            db, new, 8, "510-10", "resolved", "accepted", user=tsel, closed_at=datetime.now(UTC)
        )
    return ids


EXPECTED = [4, 6, *range(9, 161), 2, 7, 5, 8, 3, 1]


def test_the_ranking_of_a_constructed_region_is_known(app: Flask, world: dict[str, int]) -> None:
    with app.app_context():
        ranking = rank_villages(("SIMULASI",), today=TODAY)
    assert [p.code for p in ranking] == [V[n] for n in EXPECTED]
    scores = {p.code: p.score for p in ranking}
    assert [scores[V[n]] for n in (4, 6, 9, 2, 7, 5, 8, 3, 1)] == [
        125.0,
        100.0,
        100.0,
        60.0,
        50.0,
        35.0,
        30.0,
        20.0,
        0.0,
    ]
    by = {p.code: p for p in ranking}
    kinds = {n: [r.kind for r in by[V[n]].reasons] for n in (1, 2, 3, 4, 5, 6, 7, 8)}
    assert kinds == {
        1: [],
        2: ["verification"],
        3: ["doubtful"],
        4: ["unsurveyed", "pending"],
        5: ["old", "uncertain"],
        6: ["unsurveyed"],
        7: ["unsurveyed"],
        8: ["uncertain"],
    }
    doubtful = by[V[3]].reasons[0]
    assert doubtful.products == ("510-10-LTE",)
    assert doubtful.detail == {"readings": 12, "fixes": 4}
    assert by[V[5]].reasons[1].detail == {"share": 0.3, "rmse_db": 6.0}
    assert by[V[7]].reasons[0].products == ("510-10-LTE",)
    assert by[V[1]].verdicts == {"510-10-LTE": "none", "510-11-LTE": "none"}
    assert by[V[6]].verdicts == {"510-10-LTE": None, "510-11-LTE": None}
    assert [by[V[n]].level for n in (4, 2, 5, 3, 1)] == ["high", "high", "medium", "low", "none"]


def test_filters_age_and_region(app: Flask, world: dict[str, int]) -> None:
    with app.app_context():
        xl = {p.code: p.score for p in rank_villages(("SIMULASI",), ["510-11"], today=TODAY)}
        # one product: 2's dispute and 3's, 7's gaps belong to 510-10; 5 old and 30 % surveyed
        assert [xl[V[n]] for n in (1, 2, 3, 4, 5, 7, 8)] == [0, 0, 0, 100, 50, 0, 30]
        lenient = rank_villages(("SIMULASI",), max_age_days=1000, today=TODAY)
        assert {p.code: p.score for p in lenient}[V[5]] == 15.0
        app.config["SURVEY_MAX_AGE_DAYS"] = 1000
        assert {p.code: p.score for p in rank_villages(("SIMULASI",), today=TODAY)}[V[5]] == 15
        assert rank_villages(("13.06",), today=TODAY) == []  # no village of Agam configured
        nothing = rank_villages(("SIMULASI",), tech="NR", today=TODAY)
        assert len(nothing) == 160 and {p.score for p in nothing} == {100.0}


def test_page_map_and_campaign_from_the_top(
    app: Flask, client: FlaskClient, world: dict[str, int]
) -> None:
    login(client, "admin")
    page = client.get("/survey-next")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    listed = re.findall(r'href="/villages/(SIMULASI\.\d+)"', html)
    with app.app_context():
        expected = [p.code for p in rank_villages(("SIMULASI",))]
    assert listed == expected[: len(listed)] and listed[0] == V[4]
    assert "accepted operator response(s) awaiting verification" in html or "verifikasi" in html
    assert client.get("/survey-next?region=99").status_code == 404
    assert client.get("/survey-next?tech=XX").status_code == 404
    assert client.get("/survey-next?operator=510-10&tech=LTE").status_code == 200

    geo = client.get("/survey-next/map.json?region=SIMULASI").json
    assert len(geo["features"]) == 160
    first = next(f for f in geo["features"] if f["properties"]["rank"] == 1)
    assert first["properties"]["code"] == V[4] and first["properties"]["level"] == "high"

    ani = str(world["ani"])
    form = {"name": "Top three", "count": "3", "officers": ani, "region": "SIMULASI"}
    # no CSRF token: refused, nothing made
    assert client.post("/survey-next/campaign", data=form).status_code == 400
    for bad in ({"officers": ""}, {"count": "0"}, {"count": "abc"}, {"count": "100000"}):
        answer = post_form(client, "/survey-next/campaign", {**form, **bad}, "/survey-next")
        assert answer.status_code == 400, bad
        assert 'class="flash error"' in answer.get_data(as_text=True)
    late = {"starts_on": "2026-06-10", "ends_on": "2026-06-01"}
    answer = post_form(client, "/survey-next/campaign", {**form, **late}, "/survey-next")
    assert answer.status_code == 400 and "Hari terakhir sebelum hari pertama" in answer.get_data(
        True
    )
    with app.app_context(), session_scope() as db:
        assert db.scalar(select(Campaign.id)) is None

    answer = post_form(client, "/survey-next/campaign", form, "/survey-next")
    assert answer.status_code == 302
    campaign_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    with app.app_context(), session_scope() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        assert campaign.village_codes == sorted(expected[:3]) == [V[4], V[6], V[9]]
        assert [o.username for o in campaign.officers] == ["ani"]
        audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.create")).one()
        assert audit.actor.startswith("admin") and audit.after["villages"] == 3


def test_only_admins_may_open_it(app: Flask, world: dict[str, int]) -> None:
    for user in ("ani", "tsel"):
        client = app.test_client()
        assert login(client, user).status_code == 302
        assert client.get("/survey-next").status_code == 403
        assert client.get("/survey-next/map.json").status_code == 403
        answer = post_form(client, "/survey-next/campaign", {"name": "x"}, "/account")
        assert answer.status_code == 403
    with app.app_context(), session_scope() as db:
        assert db.scalar(select(Campaign.id)) is None
