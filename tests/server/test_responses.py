"""Operators' responses per village: kinds and their fields, evidence files kept apart from
the survey, decisions, verification campaigns, the overdue list, isolation and the audit."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from analysis.readers import read_survey
from analysis.simulate import simulate_villages
from server.db import session_scope
from server.evidence import add_evidence, evidence_files, evidence_frame
from server.models import (
    AuditEntry,
    Campaign,
    Device,
    EvidenceFile,
    EvidenceReading,
    Job,
    Measurement,
    Notification,
    OperatorResponse,
    Release,
    ReleaseProduct,
    Upload,
    UploadVillage,
    User,
    VillageVerdict,
)
from server.responses import (
    ResponseConflict,
    create_response,
    decide,
    overdue,
    visible_response,
)
from tests.conftest import SHARED_DATA, require_part
from tests.server.conftest import enrol
from tests.server.web import make_cast

TSEL, XL = ("510-10",), ("510-11",)
BLANK, COVERED = "SIMULASI.001", "SIMULASI.003"  # verdicts "none" and "strong"


def _village(code: str) -> Any:
    return next(v for v in simulate_villages() if v.code == code)


def make_release(
    app: Flask,
    admin_id: int,
    respond_by: date | None = None,
    state: str = "published",
    verdicts: dict[str, str] | None = None,
    title: str = "Rilis uji",
) -> int:
    """A release of both operators' LTE products, with village verdicts, written directly
    (the publishing itself is tested in test_releases.py)."""
    verdicts = verdicts or {BLANK: "none", "SIMULASI.002": "none", COVERED: "strong"}
    with app.app_context(), session_scope() as db:
        job = Job(created_by=admin_id, state="done", params={}, operators=["510-10", "510-11"])
        db.add(job)
        db.flush()
        release = Release(
            job_id=job.id,
            title=title,
            period_from=date(2026, 1, 1),
            period_to=date(2026, 1, 31),
            area={"kind": "all"},
            tech="LTE",
            operators=["510-10", "510-11"],
            state=state,
            published_by=admin_id,
            respond_by=respond_by or datetime.now(UTC).date() + timedelta(days=60),
            fingerprint="0" * 64,
        )
        db.add(release)
        db.flush()
        for operator in ("510-10", "510-11"):
            db.add(
                ReleaseProduct(
                    release_id=release.id,
                    product=f"{operator}-LTE",
                    operator=operator,
                    tech="LTE",
                )
            )
            for code, verdict in verdicts.items():
                db.add(
                    VillageVerdict(
                        release_id=release.id,
                        village_code=code,
                        operator=operator,
                        tech="LTE",
                        village=_village(code).name,
                        kabkota="Kota Simulasi",
                        verdict=verdict,
                        readings=40,
                    )
                )
        return release.id


@pytest.fixture
def cast(app: Flask) -> dict[str, int]:
    return make_cast(app)


@pytest.fixture
def release_id(app: Flask, cast: dict[str, int]) -> int:
    return make_release(app, cast["admin"])


def respond(app: Flask, user_id: int, release: int, kind: str = "disputed", **fields: Any) -> int:
    """A response of Telkomsel (510-10) to the blankspot village."""
    fields.setdefault(
        "message", "Our drive test shows LTE at -90 dBm" if kind == "disputed" else None
    )
    scope = fields.pop("scope", TSEL)
    code = fields.pop("village", BLANK)
    product = fields.pop("product", "510-10-LTE")
    with app.app_context():
        return create_response(
            "provider:tsel", user_id, scope, release, code, product, kind, **fields
        )


def canonical_csv(inside: int, outside: int, foreign: int = 0, rsrp: float = -88.0) -> bytes:
    """A canonical CSV made in code: ``inside`` LTE readings of 510-10 in the blankspot
    village, ``outside`` far from it, ``foreign`` of 510-11 inside it."""
    village = _village(BLANK).geometry
    point = village.representative_point()
    out = io.StringIO()
    fields = [
        "id",
        "device_id",
        "session_id",
        "observed_at",
        "lat",
        "lon",
        "tech",
        "mcc",
        "mnc",
        "rsrp_dbm",
    ]
    writer = csv.writer(out)
    writer.writerow(fields)
    start = datetime.now(UTC) - timedelta(days=2)
    rows = [(point.y, point.x, "10")] * inside + [(-0.95, 100.35, "10")] * outside
    rows += [(point.y, point.x, "11")] * foreign
    for i, (lat, lon, mnc) in enumerate(rows):
        lat += (i % 7) * 1e-5
        when = (start + timedelta(seconds=10 * i)).isoformat()
        writer.writerow([uuid.uuid4(), "dt-1", "s1", when, lat, lon, "LTE", "510", mnc, rsrp])
    return out.getvalue().encode()


def _count(app: Flask, model: Any, *where: Any) -> int:
    with app.app_context(), session_scope() as db:
        return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _audit(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context(), session_scope() as db:
        rows = db.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        db.expunge_all()
        return list(rows)


# -- kinds and their fields ---------------------------------------------------------------

TODAY = datetime.now(UTC).date()


@pytest.mark.parametrize(
    ("kind", "fields", "problem"),
    [
        ("planned", {"expected_on": TODAY + timedelta(days=90)}, "site name is required"),
        ("planned", {"site_name": "AGM-01"}, "expected date is required"),
        ("planned", {"site_name": "  ", "expected_on": TODAY}, "site name is required"),
        ("disputed", {"message": None}, "message is required"),
        ("disputed", {"message": "   "}, "message is required"),
        ("resolved", {}, "on-air date is required"),
        ("resolved", {"on_air_since": TODAY + timedelta(days=3)}, "in the future"),
        ("resolved", {"on_air_since": date(1990, 1, 1)}, "between"),
        ("withdrawn", {}, "kind must be one of"),
        ("acknowledged", {"message": "x" * 4001}, "longer than 4000"),
        ("acknowledged", {"message": "a\x00b"}, "control character"),
    ],
)
def test_each_kind_needs_its_fields(
    app: Flask,
    cast: dict[str, int],
    release_id: int,
    kind: str,
    fields: dict[str, Any],
    problem: str,
) -> None:
    with pytest.raises(ValueError, match=problem):
        respond(app, cast["tsel"], release_id, kind, **fields)
    assert _count(app, OperatorResponse) == 0


def test_each_kind_keeps_only_its_fields(app: Flask, cast: dict[str, int], release_id: int) -> None:
    later = TODAY + timedelta(days=90)
    ids = {
        "acknowledged": respond(app, cast["tsel"], release_id, "acknowledged", site_name="X"),
        "planned": respond(
            app, cast["tsel"], release_id, "planned", site_name=" AGM-01 ", expected_on=later
        ),
        "disputed": respond(app, cast["tsel"], release_id, "disputed", on_air_since=TODAY),
        "resolved": respond(
            app, cast["tsel"], release_id, "resolved", on_air_since=TODAY, expected_on=later
        ),
    }
    with app.app_context():
        items = {kind: visible_response(i, None) for kind, i in ids.items()}
    got = {
        kind: (r.site_name, r.expected_on, r.on_air_since, r.message is not None, r.decision)
        for kind, r in items.items()
        if r is not None
    }
    assert got == {
        "acknowledged": (None, None, None, False, "pending"),
        "planned": ("AGM-01", later, None, False, "pending"),
        "disputed": (None, None, None, True, "pending"),
        "resolved": (None, None, TODAY, False, "pending"),
    }


def test_a_response_needs_a_published_release_and_a_village_in_it(
    app: Flask, cast: dict[str, int], release_id: int
) -> None:
    withdrawn = make_release(app, cast["admin"], state="withdrawn")
    with pytest.raises(LookupError):
        respond(app, cast["tsel"], 999_999)
    with pytest.raises(LookupError):
        respond(app, cast["tsel"], 2**40)  # no column holds it: not an error, just not found
    with pytest.raises(ResponseConflict, match="withdrawn"):
        respond(app, cast["tsel"], withdrawn)
    with pytest.raises(ValueError, match="no verdict"):
        respond(app, cast["tsel"], release_id, village="SIMULASI.150")
    with pytest.raises(LookupError):  # Telkomsel answers for XL
        respond(app, cast["tsel"], release_id, product="510-11-LTE")
    with pytest.raises(LookupError):  # a product the release does not have
        respond(app, cast["tsel"], release_id, product="510-10-NR")
    with pytest.raises(ValueError, match="MCC-MNC-TECH"):
        respond(app, cast["tsel"], release_id, product="510-10")
    assert _count(app, OperatorResponse) == 0


def test_the_same_kind_waits_for_its_decision(
    app: Flask, cast: dict[str, int], release_id: int
) -> None:
    first = respond(app, cast["tsel"], release_id, "acknowledged")
    with pytest.raises(ResponseConflict, match=str(first)):
        respond(app, cast["tsel"], release_id, "acknowledged")
    respond(app, cast["tsel"], release_id, "planned", site_name="S", expected_on=TODAY)
    with app.app_context():
        decide(first, "admin:admin", cast["admin"], "accepted", None)
    respond(app, cast["tsel"], release_id, "acknowledged")
    assert _count(app, OperatorResponse) == 3


def test_a_response_is_audited_and_admins_are_told(
    app: Flask, cast: dict[str, int], release_id: int
) -> None:
    response_id = respond(app, cast["tsel"], release_id)
    [entry] = _audit(app, "response.create")
    assert entry.actor == "provider:tsel" and entry.target == f"response:{response_id}"
    assert entry.after is not None and entry.after["kind"] == "disputed"
    assert entry.after["village"] == BLANK and entry.after["product"] == "510-10-LTE"
    with app.app_context(), session_scope() as db:
        told = db.execute(
            select(Notification.user_id, Notification.kind, Notification.params)
        ).all()
    assert [(uid, kind) for uid, kind, _p in told] == [(cast["admin"], "response.created")]
    assert told[0][2]["response_id"] == response_id and told[0][2]["operator"] == "510-10"


# -- evidence -----------------------------------------------------------------------------


def test_evidence_from_a_canonical_csv_stays_out_of_the_survey(
    app: Flask, cast: dict[str, int], release_id: int
) -> None:
    response_id = respond(app, cast["tsel"], release_id)
    data = canonical_csv(inside=30, outside=5, foreign=4)
    with app.app_context():
        summary = add_evidence(
            response_id, "../dt/drive.csv", data, "provider:tsel", cast["tsel"], TSEL
        )
        files = evidence_files(response_id)
        frame = evidence_frame([response_id])
    assert summary["filename"] == "drive.csv" and summary["format"] == "canonical"
    assert (summary["readings"], summary["inside"], summary["rejected"]) == (35, 30, 4)
    assert [(f["readings"], f["inside"]) for f in files] == [(35, 30)]
    assert _count(app, Measurement) == 0 and _count(app, Upload) == 0
    assert _count(app, EvidenceReading, EvidenceReading.source == "510-10") == 35
    assert _count(app, EvidenceReading, EvidenceReading.village_code == BLANK) == 30
    assert set(frame["class"]) == {"strong"} and len(frame) == 35
    [entry] = _audit(app, "response.evidence")
    assert entry.after is not None and entry.after["inside"] == 30


def test_evidence_from_a_real_gnettrack_file(
    app: Flask, cast: dict[str, int], release_id: int
) -> None:
    files = sorted((SHARED_DATA / "drivetests" / "cork-gnettrack").rglob("*.csv"))
    require_part(bool(files), f"G-NetTrack drive tests in {SHARED_DATA}/drivetests/cork-gnettrack")
    path: Path = files[0]
    response_id = respond(app, cast["tsel"], release_id)
    with app.app_context():
        summary = add_evidence(
            response_id, path.name, path.read_bytes(), "provider:tsel", cast["tsel"], TSEL
        )
    expected = read_survey(path)
    assert summary["format"] == "gnettrack" and summary["readings"] == expected.kept > 500
    assert summary["rejected"] == len(expected.rejected)
    assert summary["inside"] == 0  # Cork is far from the village: shown, and counted as such
    assert _count(app, EvidenceReading) == summary["readings"]
    assert _count(app, Measurement) == 0


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "cannot read: a binary file"),
        (b"name,value\nx,1\n", "cannot read: unrecognised header"),
        (b"id,observed_at,lat,lon,tech\nx,y,z,w,LTE\n", "no reading of 510-10 could be kept"),
    ],
)
def test_an_unreadable_file_is_one_plain_line(
    app: Flask, cast: dict[str, int], release_id: int, data: bytes, problem: str
) -> None:
    response_id = respond(app, cast["tsel"], release_id)
    with app.app_context(), pytest.raises(ValueError, match=problem) as caught:
        add_evidence(response_id, "x.csv", data, "provider:tsel", cast["tsel"], TSEL)
    assert "\n" not in str(caught.value)
    assert _count(app, EvidenceFile) == 0


def test_evidence_rules(app: Flask, cast: dict[str, int], release_id: int) -> None:
    disputed = respond(app, cast["tsel"], release_id)
    acknowledged = respond(app, cast["tsel"], release_id, "acknowledged")
    data = canonical_csv(3, 0)
    with app.app_context():
        with pytest.raises(LookupError):  # XL adds to Telkomsel's response
            add_evidence(disputed, "a.csv", data, "provider:xlaxiata", cast["xlaxiata"], XL)
        with pytest.raises(ValueError, match="disputed or resolved"):
            add_evidence(acknowledged, "a.csv", data, "provider:tsel", cast["tsel"], TSEL)
        with pytest.raises(ValueError, match="larger than 20 MB"):
            add_evidence(disputed, "a.csv", b"x" * (20 * 2**20 + 1), "p", cast["tsel"], TSEL)
        add_evidence(disputed, "a.csv", data, "admin:admin", cast["admin"], None)  # admins may
        with pytest.raises(ResponseConflict, match="already added"):
            add_evidence(disputed, "b.csv", data, "provider:tsel", cast["tsel"], TSEL)
        decide(disputed, "admin:admin", cast["admin"], "rejected", "the drive test is from 2019")
        with pytest.raises(ResponseConflict, match="decided"):
            add_evidence(disputed, "c.csv", canonical_csv(4, 0), "p", cast["tsel"], TSEL)
    assert _count(app, EvidenceFile) == 1


# -- decisions and verification ------------------------------------------------------------


def test_decisions(app: Flask, cast: dict[str, int], release_id: int) -> None:
    response_id = respond(app, cast["tsel"], release_id, "acknowledged")
    with app.app_context():
        with pytest.raises(ValueError, match="reason is required"):
            decide(response_id, "admin:admin", cast["admin"], "rejected", " ")
        with pytest.raises(ValueError, match="accepted or rejected"):
            decide(response_id, "admin:admin", cast["admin"], "maybe", None)
        with pytest.raises(LookupError):
            decide(999_999, "admin:admin", cast["admin"], "accepted", None)
        assert decide(response_id, "admin:admin", cast["admin"], "accepted", None) is None
        with pytest.raises(ResponseConflict, match="already accepted"):
            decide(response_id, "admin:admin", cast["admin"], "rejected", "changed my mind")
        item = visible_response(response_id, None)
    assert item is not None and item.decision == "accepted" and item.decided_by == cast["admin"]
    assert item.verification_campaign_id is None  # an acknowledgement needs no field visit
    [entry] = _audit(app, "response.decide")
    assert entry.before == {"decision": "pending"} and entry.after is not None
    assert entry.after["decision"] == "accepted"
    with app.app_context(), session_scope() as db:
        told = db.execute(
            select(Notification.user_id).where(Notification.kind == "response.decided")
        ).all()
    assert told == [(cast["tsel"],)]  # Telkomsel's provider, not XL's


def _surveyed(app: Flask, officer: str, code: str, state: str = "approved") -> None:
    """An upload of ``officer`` that reached village ``code``."""
    with app.app_context(), session_scope() as db:
        officer_id = db.scalar(select(User.id).where(User.username == officer))
        device = db.scalar(select(Device).where(Device.officer_id == officer_id))
        assert device is not None
        upload = Upload(id=str(uuid.uuid4()), device_id=device.id, state=state, accepted=10)
        db.add(upload)
        db.flush()
        db.add(UploadVillage(upload_id=upload.id, village_code=code, readings=10))


@pytest.mark.parametrize("kind", ["disputed", "resolved"])
def test_an_accepted_claim_opens_a_verification_campaign(
    app: Flask, client: Any, cast: dict[str, int], release_id: int, kind: str
) -> None:
    for officer in ("ani", "budi"):
        enrol(app, client, officer, http=False)
    _surveyed(app, "budi", BLANK)
    _surveyed(app, "ani", BLANK, state="rejected")  # a rejected upload is no survey
    _surveyed(app, "ani", "SIMULASI.002")
    fields = {"on_air_since": TODAY} if kind == "resolved" else {}
    response_id = respond(app, cast["tsel"], release_id, kind, **fields)
    with app.app_context():
        campaign_id = decide(response_id, "admin:admin", cast["admin"], "accepted", "")
        item = visible_response(response_id, None)
    assert campaign_id is not None and item is not None
    assert item.verification_campaign_id == campaign_id
    with app.app_context(), session_scope() as db:
        campaign = db.get(Campaign, campaign_id)
        assert campaign is not None
        officers = [o.username for o in campaign.officers]
        got = (campaign.purpose, campaign.village_codes, campaign.name)
        days = (campaign.starts_on, campaign.ends_on)
        area = campaign.area
    assert got == ("verification", [BLANK], "Verifikasi 510-10 LTE Desa Simulasi 001")
    assert officers == ["budi"]
    wib = ZoneInfo("Asia/Jakarta")  # the campaign starts at midnight WIB of today (WIB)
    start = datetime.combine(datetime.now(wib).date(), datetime.min.time(), wib)
    assert days == (start, start + timedelta(days=30))
    assert days[0].astimezone(wib).hour == 0
    assert area is not None and area["type"] in ("Polygon", "MultiPolygon")
    [entry] = _audit(app, "campaign.create")
    assert entry.target == f"campaign:{campaign_id}" and entry.after is not None
    assert entry.after["response"] == response_id and entry.after["officers"] == ["budi"]


def test_a_village_nobody_surveyed_goes_to_every_active_officer(
    app: Flask, client: Any, cast: dict[str, int], release_id: int
) -> None:
    from server.accounts import create_user

    with app.app_context():
        create_user("citra", "rahasia-123", "officer")
        with session_scope() as db:
            user = db.scalar(select(User).where(User.username == "citra"))
            assert user is not None
            user.active = False
    response_id = respond(app, cast["tsel"], release_id)
    with app.app_context():
        campaign_id = decide(response_id, "admin:admin", cast["admin"], "accepted", None)
        with session_scope() as db:
            campaign = db.get(Campaign, campaign_id)
            assert campaign is not None
            officers = sorted(o.username for o in campaign.officers)
    assert officers == ["ani", "budi"]


def test_a_rejected_dispute_opens_nothing(
    app: Flask, cast: dict[str, int], release_id: int
) -> None:
    response_id = respond(app, cast["tsel"], release_id)
    with app.app_context():
        assert decide(response_id, "admin:admin", cast["admin"], "rejected", "old data") is None
        item = visible_response(response_id, TSEL)
    assert item is not None and item.decision_reason == "old data"
    assert _count(app, Campaign) == 0


# -- overdue -------------------------------------------------------------------------------


def test_overdue_lists_unanswered_blankspots_after_the_deadline(
    app: Flask, cast: dict[str, int]
) -> None:
    past = make_release(app, cast["admin"], respond_by=TODAY - timedelta(days=1), title="lama")
    make_release(app, cast["admin"], title="baru")  # deadline ahead: not overdue
    make_release(app, cast["admin"], respond_by=TODAY - timedelta(days=9), state="withdrawn")
    respond(app, cast["tsel"], past, "acknowledged")  # answers BLANK for Telkomsel
    with app.app_context():
        mine = overdue(TSEL, TODAY)
        theirs = overdue(XL, TODAY)
        everyone = overdue(None, TODAY)
        before = overdue(None, TODAY - timedelta(days=1))
    assert [(r["release_id"], r["village_code"], r["product"]) for r in mine] == [
        (past, "SIMULASI.002", "510-10-LTE")
    ]
    assert [r["village_code"] for r in theirs] == [BLANK, "SIMULASI.002"]
    assert len(everyone) == 3 and before == []
    assert COVERED not in {r["village_code"] for r in everyone}


# -- isolation -----------------------------------------------------------------------------


def test_a_provider_never_sees_another_operators_response(
    app: Flask, cast: dict[str, int], release_id: int
) -> None:
    response_id = respond(app, cast["tsel"], release_id)
    with app.app_context():
        add_evidence(response_id, "a.csv", canonical_csv(5, 0), "p", cast["tsel"], TSEL)
        assert visible_response(response_id, XL) is None
        assert visible_response(response_id, TSEL) is not None
        assert visible_response(response_id, None) is not None
        assert visible_response(response_id + 1, TSEL) is None
        assert visible_response(0, None) is None and visible_response(2**40, None) is None


# -- pages ---------------------------------------------------------------------------------


def test_the_pages_walk_a_dispute(
    app: Flask, client: Any, cast: dict[str, int], release_id: int
) -> None:
    from tests.server.web import csrf_token, login

    new = f"/responses/new?release={release_id}&village={BLANK}&product=510-10-LTE"
    login(client, "tsel")
    todo = client.get("/responses?tab=open").get_data(as_text=True)
    assert new.replace("&", "&amp;") in todo and "SIMULASI.002" in todo
    assert client.get(new.replace("510-10", "510-11")).status_code == 404
    assert client.get(new.replace(BLANK, "SIMULASI.150")).status_code == 404
    form = {
        "release": str(release_id),
        "village": BLANK,
        "product": "510-10-LTE",
        "kind": "disputed",
        "message": "Ada sinyal LTE",
        "csrf_token": csrf_token(client, new),
        "evidence": (io.BytesIO(canonical_csv(8, 2)), "uji.csv"),
    }
    answer = client.post("/responses/new", data=form, content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "uji.csv" in page and "8 pengukuran di dalam desa" in page
    response_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    data = client.get(f"/responses/{response_id}/map.json").json
    assert len(data["evidence"]["features"]) == 10 and len(data["outline"]["features"]) == 1
    assert f'href="/responses/{response_id}"' in client.get("/responses").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/responses")})

    login(client, "xlaxiata")
    for path in (f"/responses/{response_id}", f"/responses/{response_id}/map.json"):
        assert client.get(path).status_code == 404
    assert (
        str(response_id)
        not in client.get("/responses")
        .get_data(as_text=True)
        .split("<tbody>")[1]
        .split("</tbody>")[0]
    )
    client.post("/logout", data={"csrf_token": csrf_token(client, "/responses")})

    login(client, "admin")
    token = csrf_token(client, f"/responses/{response_id}")
    refused = client.post(
        f"/responses/{response_id}/decision",
        data={"decision": "rejected", "reason": "", "csrf_token": token},
        follow_redirects=True,
    )
    assert "alasan wajib diisi" in refused.get_data(as_text=True)  # the domain's error, translated
    client.post(
        f"/responses/{response_id}/decision", data={"decision": "accepted", "csrf_token": token}
    )
    shown = client.get(f"/responses/{response_id}").get_data(as_text=True)
    assert "Verifikasi 510-10 LTE Desa Simulasi 001" in shown
    assert client.get("/verification").status_code == 200
    assert client.get("/responses/999999").status_code == 404
