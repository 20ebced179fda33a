"""Campaigns on the phone: each village's state and a point inside it in ``/devices/me``, and
progress counted only from readings inside the campaign's villages and (WIB, inclusive) dates."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import Point
from sqlalchemy import select, text, update

from server.models import Campaign, Measurement, OperatorResponse, Upload, User
from tests.server.conftest import auth, enrol, reading

WIB = ZoneInfo("Asia/Jakarta")
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def _villages(app: Flask, n: int) -> list[Any]:
    from server.regions import current_regions

    with app.app_context():
        regions = current_regions()
        assert regions is not None
        return [r for r in regions.regions if r.geometry is not None][:n]


def _send(
    client: FlaskClient, token: str, region: Any, count: int, when: datetime | None = None
) -> str:
    """``count`` readings inside ``region`` (a minute apart from ``when``); the upload id."""
    point = region.geometry.point_on_surface()
    start = when or datetime.now(UTC) - timedelta(hours=2)
    items = [
        reading(lat=point.y, lon=point.x, observed_at=(start + timedelta(seconds=i)).isoformat())
        for i in range(count)
    ]
    answer = client.post(
        "/api/v1/uploads",
        json={"batch_id": str(uuid.uuid4()), "measurements": items},
        headers=auth(token),
    )
    assert answer.status_code == 201 and len(answer.json["accepted"]) == count, answer.json
    return str(answer.json["upload_id"])


def _campaign(app: Flask, officer: str, codes: list[str], **fields: Any) -> int:
    from server.db import session_scope

    with app.app_context(), session_scope() as db:
        user = db.scalars(select(User).where(User.username == officer)).one()
        campaign = Campaign(
            name=fields.pop("name", "Agam 2026"), village_codes=codes, officers=[user], **fields
        )
        db.add(campaign)
        db.flush()
        return campaign.id


def _set_state(app: Flask, upload_id: str, state: str) -> None:
    from server.db import session_scope

    with app.app_context(), session_scope() as db:
        db.execute(update(Upload).where(Upload.id == upload_id).values(state=state))


def _me(client: FlaskClient, token: str) -> dict[str, Any]:
    answer = client.get("/api/v1/devices/me", headers=auth(token))
    assert answer.status_code == 200
    return dict(answer.json)


def test_each_village_has_a_point_inside_and_its_state(app: Flask, client: FlaskClient) -> None:
    token = enrol(app, client, "ani")
    a, b, c, d, e = _villages(app, 5)
    _campaign(app, "ani", [a.code, b.code, c.code, d.code, e.code], starts_on=LONG_AGO)
    _send(client, token, a, 12)  # received: counts
    _send(client, token, b, 3)  # too few
    _set_state(app, _send(client, token, c, 12), "rejected")
    _set_state(app, _send(client, token, e, 12), "has_issues")
    [campaign] = _me(client, token)["campaigns"]
    got = {v["code"]: (v["state"], v["readings"], v["sent_back"]) for v in campaign["villages"]}
    assert got == {
        a.code: ("surveyed", 12, 0),
        b.code: ("needs_resurvey", 3, 0),
        c.code: ("needs_resurvey", 0, 12),
        d.code: ("not_surveyed", 0, 0),
        e.code: ("needs_resurvey", 0, 12),
    }
    for village, region in zip(campaign["villages"], (a, b, c, d, e), strict=True):
        assert region.geometry.contains(Point(village["lon"], village["lat"]))
        assert (village["name"], village["kecamatan"]) == (region.name, region.kec_name)
    assert campaign["purpose"] == "survey" and campaign["first_day"] == "2026-01-01"
    assert campaign["last_day"] is None


def test_excluded_readings_and_other_villages_do_not_count(app: Flask, client: FlaskClient) -> None:
    from server.campaigns import campaign_progress
    from server.db import session_scope

    token = enrol(app, client, "ani")
    a, outside = _villages(app, 2)
    campaign_id = _campaign(app, "ani", [a.code])
    _send(client, token, outside, 20)
    upload_id = _send(client, token, a, 11)
    with app.app_context(), session_scope() as db:
        first = db.scalars(select(Measurement.id).where(Measurement.upload_id == upload_id)).first()
        db.execute(update(Measurement).where(Measurement.id == first).values(excluded=True))
    with app.app_context(), session_scope() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        db.expunge(campaign)
    with app.app_context():
        [row] = campaign_progress(campaign, None)
    assert (row["code"], row["readings"], row["state"]) == (a.code, 10, "surveyed")


def test_dates_are_whole_days_in_wib(app: Flask, client: FlaskClient) -> None:
    """A campaign from 10 to 14 Nov (as the admin form stores it) counts a reading at
    14 Nov 23:59 WIB and one at 10 Nov 00:00 WIB, not those a minute outside."""
    from server.campaigns import create_campaign
    from server.db import session_scope
    from server.regions import current_regions

    token = enrol(app, client, "ani")
    [a] = _villages(app, 1)
    with app.app_context(), session_scope() as db:
        ani = db.scalars(select(User.id).where(User.username == "ani")).one()
    first = datetime(2026, 11, 10, tzinfo=WIB)
    after_last = datetime(2026, 11, 15, tzinfo=WIB)
    with app.app_context():
        campaign_id = create_campaign(
            "admin:admin", "Nov", current_regions(), [a.code], None, [ani], first, after_last
        )
    inside = [first, after_last - timedelta(seconds=1), datetime(2026, 11, 12, 9, tzinfo=WIB)]
    outside = [first - timedelta(seconds=1), after_last, after_last + timedelta(hours=3)]
    for when in inside + outside:
        _send(client, token, a, 1, when)
    [campaign] = [c for c in _me(client, token)["campaigns"] if c["id"] == campaign_id]
    assert (campaign["first_day"], campaign["last_day"]) == ("2026-11-10", "2026-11-14")
    [village] = campaign["villages"]
    assert (village["readings"], village["state"]) == (3, "needs_resurvey")


def test_another_officers_campaign_is_not_shown(app: Flask, client: FlaskClient) -> None:
    mine, theirs = enrol(app, client, "ani"), enrol(app, client, "budi")
    a, b = _villages(app, 2)
    _campaign(app, "ani", [a.code], name="Ani")
    _campaign(app, "budi", [b.code], name="Budi")
    assert [c["name"] for c in _me(client, mine)["campaigns"]] == ["Ani"]
    assert [[v["code"] for v in c["villages"]] for c in _me(client, theirs)["campaigns"]] == [
        [b.code]
    ]


def test_a_verification_names_the_response_to_check(app: Flask, client: FlaskClient) -> None:
    from server.db import session_scope
    from server.models import Job, Release

    token = enrol(app, client, "ani")
    [a] = _villages(app, 1)
    campaign_id = _campaign(app, "ani", [a.code], name="Verifikasi", purpose="verification")
    _send(client, token, a, 15)
    with app.app_context(), session_scope() as db:
        ani = db.scalars(select(User.id).where(User.username == "ani")).one()
        job = Job(created_by=ani, state="done", params={}, operators=["510-10"])
        db.add(job)
        db.flush()
        release = Release(
            job_id=job.id,
            title="R1",
            period_from=date(2026, 1, 1),
            period_to=date(2026, 1, 31),
            area={"kind": "all"},
            tech="LTE",
            operators=["510-10"],
            published_by=ani,
            respond_by=date(2026, 3, 1),
            fingerprint="0" * 64,
        )
        db.add(release)
        db.flush()
        db.add(
            OperatorResponse(
                release_id=release.id,
                village_code=a.code,
                operator="510-10",
                tech="LTE",
                kind="disputed",
                created_by=ani,
                decision="accepted",
                verification_campaign_id=campaign_id,
            )
        )
    [campaign] = _me(client, token)["campaigns"]
    assert campaign["purpose"] == "verification"
    assert campaign["response"] == {"operator": "510-10", "tech": "LTE", "kind": "disputed"}
    assert [(v["state"], v["readings"]) for v in campaign["villages"]] == [("verification", 15)]


def test_the_count_reads_the_village_index(app: Flask, client: FlaskClient) -> None:
    """The per-village count starts from the index on the readings' village code."""
    from server.db import session_scope

    enrol(app, client, "ani")
    [a] = _villages(app, 1)
    campaign_id = _campaign(app, "ani", [a.code], starts_on=LONG_AGO)
    with app.app_context(), session_scope() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        query = _count_query(campaign)
        compiled = query.compile(db.get_bind(), compile_kwargs={"literal_binds": True})
        if db.get_bind().dialect.name == "sqlite":
            plan = " ".join(str(r) for r in db.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        else:
            db.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(r) for r in db.execute(text(f"EXPLAIN {compiled}")))
    assert "ix_measurements_village_code" in plan, plan


def _count_query(campaign: Campaign) -> Any:
    """The query :func:`server.campaigns.village_counts` runs, caught instead of run."""
    from server.campaigns import village_counts

    seen: list[Any] = []

    class _Catch:
        def execute(self, query: Any) -> list[Any]:
            seen.append(query)
            return []

    village_counts(_Catch(), campaign)  # type: ignore[arg-type]
    return seen[0]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_schema_describes_the_villages(app: Flask) -> None:
    from server.api.docs import openapi_document

    with app.app_context():
        doc = openapi_document()
    answer = doc["paths"]["/api/v1/devices/me"]["get"]["responses"]["200"]
    campaign = answer["content"]["application/json"]["schema"]["properties"]["campaigns"]["items"]
    village = campaign["properties"]["villages"]["items"]
    assert village["properties"]["state"]["enum"] == [
        "not_surveyed",
        "surveyed",
        "needs_resurvey",
        "verification",
    ]
    assert {"lat", "lon", "readings"} <= set(village["required"])
