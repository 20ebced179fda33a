"""Releases: publishing freezes a finished job's files, village verdicts and fingerprint;
too little evidence needs an audited override; a release is withdrawn once, with a reason;
one release per job; providers see their own operators' releases only, never a draft."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from server.db import session_scope
from server.jobs import job_folder
from server.models import (
    AuditEntry,
    Campaign,
    Job,
    Measurement,
    Notification,
    OperatorResponse,
    Release,
    ReleaseProduct,
    VillageVerdict,
)
from server.products import product_files
from server.release_evidence import evidence_shortfalls
from server.releases import previous_release, publish, withdraw
from tests.analysis.test_cli_errors import assert_one_error, run
from tests.server.releases_support import build_site, clone_job, fetch
from tests.server.web import csrf_token, login

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, villages_file: Path
) -> Iterator[dict[str, Any]]:
    yield from build_site(request, tmp_path_factory, villages_file)


@pytest.fixture(scope="module")
def published(site: dict[str, Any]) -> dict[str, Any]:
    """The job published through its page by the admin."""
    client, job_id = site["client"], site["job_id"]
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'id="publish"' in page
    answer = client.post(
        f"/jobs/{job_id}/publish",
        data={
            "title": "Survei Bukittinggi",
            "note": "Putaran pertama",
            "period_from": "2026-01-01",
            "period_to": "2026-01-31",
            "respond_days": "60",
            "csrf_token": csrf_token(client, f"/jobs/{job_id}"),
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    release_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    return {**site, "release_id": release_id}


def _one(site: dict[str, Any], model: Any, *where: Any) -> list[Any]:
    with site["app"].app_context(), session_scope() as db:
        rows = list(db.scalars(select(model).where(*where)))
        db.expunge_all()
    return rows


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_publishing_freezes_files_verdicts_and_fingerprint(published: dict[str, Any]) -> None:
    app, job_id, release_id = published["app"], published["job_id"], published["release_id"]
    (release,) = _one(published, Release, Release.id == release_id)
    (job,) = _one(published, Job, Job.id == job_id)
    assert release.job_id == job_id and release.state == "published"
    assert release.title == "Survei Bukittinggi" and release.note == "Putaran pertama"
    assert (release.period_from, release.period_to) == (date(2026, 1, 1), date(2026, 1, 31))
    assert release.fingerprint == job.inputs["reading_ids_sha256"]
    assert release.inputs == job.inputs and release.operators == ["510-10", "510-11"]
    today = datetime.now(WIB).date()
    assert release.respond_by in (today + timedelta(days=60), today + timedelta(days=61))
    products = _one(published, ReleaseProduct, ReleaseProduct.release_id == release_id)
    assert [p.product for p in products] == ["510-10-LTE", "510-11-LTE"]
    with app.app_context():
        for item in products:
            assert item.summary == next(r for r in job.results if r["product"] == item.product)
            folder = job_folder(job_id, item.product)
            assert [f["name"] for f in item.files] == product_files(job_id, item.product)
            for f in item.files:
                data = (folder / f["name"]).read_bytes()
                assert f["bytes"] == len(data) and f["sha256"] == hashlib.sha256(data).hexdigest()
            rows = _csv(folder / "villages.csv")
            stored = _one(
                published,
                VillageVerdict,
                VillageVerdict.release_id == release_id,
                VillageVerdict.operator == item.operator,
            )
            by_code = {v.village_code: v for v in stored}
            assert sorted(by_code) == sorted(r["kode"] for r in rows) and len(stored) == len(rows)
            for row in rows:
                v = by_code[row["kode"]]
                assert (v.verdict, v.village, v.kabkota) == (
                    row["verdict"],
                    row["nama"],
                    row["nama_kabkota"],
                )
                assert v.reason == (row["reason"] or None)
                for share in ("surveyed_share", "strong_share", "weak_share", "none_share"):
                    assert getattr(v, share) == pytest.approx(float(row[share]))
                assert v.rmse_db == pytest.approx(item.summary["rmse_db"])


def test_village_evidence_counts_the_approved_readings(published: dict[str, Any]) -> None:
    app, release_id = published["app"], published["release_id"]
    uploads = published["uploads"][:-1]
    verdicts = _one(
        published,
        VillageVerdict,
        VillageVerdict.release_id == release_id,
        VillageVerdict.operator == "510-10",
    )
    with app.app_context(), session_scope() as db:
        counted = dict(
            db.execute(
                select(Measurement.village_code, func.count())
                .where(
                    Measurement.upload_id.in_(uploads),
                    Measurement.mcc == "510",
                    Measurement.mnc == "10",
                    Measurement.tech.in_(["LTE", "NONE"]),
                )
                .group_by(Measurement.village_code)
            ).all()
        )
    surveyed = [v for v in verdicts if v.readings]
    assert surveyed and {v.village_code: v.readings for v in surveyed} == {
        code: n for code, n in counted.items() if code in {v.village_code for v in verdicts}
    }
    for v in surveyed:
        assert 1 <= v.fixes <= v.readings and v.officers == 1  # only ani surveyed
        assert v.first_day is not None and v.first_day <= v.last_day
    assert all(v.fixes == 0 and v.first_day is None for v in verdicts if not v.readings)


def test_publishing_is_audited_and_told_to_the_operators(published: dict[str, Any]) -> None:
    release_id, ids = published["release_id"], published["ids"]
    (entry,) = _one(published, AuditEntry, AuditEntry.action == "release.publish")
    assert entry.target == f"release:{release_id}" and entry.actor == "admin:admin"
    assert entry.after["products"] == ["510-10-LTE", "510-11-LTE"]
    told = _one(published, Notification, Notification.kind == "release.published")
    assert {n.user_id for n in told} == {ids["tsel"], ids["xlaxiata"]}
    assert all(n.params == {"release_id": release_id, "title": "Survei Bukittinggi"} for n in told)
    assert all(n.link == f"/releases/{release_id}" for n in told)


def test_one_release_per_job(published: dict[str, Any]) -> None:
    app, job_id, client = published["app"], published["job_id"], published["client"]
    with app.app_context(), pytest.raises(ValueError, match="already published as release"):
        publish(
            job_id,
            "admin:admin",
            published["ids"]["admin"],
            "Lagi",
            None,
            date(2026, 1, 1),
            date(2026, 1, 2),
        )
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f"/releases/{published['release_id']}" in page and 'id="publish"' not in page
    answer = client.post(
        f"/jobs/{job_id}/publish",
        data={
            "title": "Lagi",
            "period_from": "2026-01-01",
            "period_to": "2026-01-02",
            "respond_days": "60",
            "csrf_token": csrf_token(client, "/releases"),
        },
        follow_redirects=True,
    )
    assert "sudah diterbitkan sebagai rilis" in answer.get_data(as_text=True)
    assert len(_one(published, Release, Release.job_id == job_id)) == 1


@pytest.mark.parametrize(
    ("title", "start", "end", "days", "words"),
    [
        ("", date(2026, 1, 1), date(2026, 1, 2), None, "title is required"),
        ("T" * 201, date(2026, 1, 1), date(2026, 1, 2), None, "longer than 200"),
        ("A\x00B", date(2026, 1, 1), date(2026, 1, 2), None, "control character"),
        ("T", date(2026, 2, 1), date(2026, 1, 2), None, "ends before it starts"),
        ("T", date(2026, 1, 1), date(2026, 1, 2), 0, "deadline"),
    ],
)
def test_bad_fields_are_refused_with_the_reason(
    published: dict[str, Any], title: str, start: date, end: date, days: int | None, words: str
) -> None:
    app = published["app"]
    draft = clone_job(app, published["job_id"])
    with app.app_context(), pytest.raises(ValueError, match=words):
        publish(
            draft,
            "admin:admin",
            published["ids"]["admin"],
            title,
            None,
            start,
            end,
            respond_days=days,
        )


def test_too_little_evidence_needs_an_audited_override(published: dict[str, Any]) -> None:
    app, client, admin = published["app"], published["client"], published["ids"]["admin"]
    draft = clone_job(app, published["job_id"], ["510-10"])
    app.config.update(RELEASE_MIN_READINGS=10**7, RELEASE_MIN_FIXES=10**6)
    try:
        with app.app_context(), session_scope() as db:
            job = db.get(Job, draft)
            gaps = evidence_shortfalls(job)
        assert len(gaps) == 2 and all(g.startswith("510-10-LTE: ") for g in gaps)
        assert "the minimum is 10000000" in gaps[0] and "distinct fixes" in gaps[1]
        page = client.get(f"/jobs/{draft}").get_data(as_text=True)
        assert "Too little evidence" in page or "Bukti terlalu sedikit" in page
        assert 'name="override_reason"' in page
        form = {
            "title": "Sedikit bukti",
            "period_from": "2026-01-01",
            "period_to": "2026-01-31",
            "respond_days": "30",
        }
        refused = client.post(
            f"/jobs/{draft}/publish", data={**form, "csrf_token": csrf_token(client, "/releases")}
        )
        assert refused.status_code == 302 and not _one(published, Release, Release.job_id == draft)
        with app.app_context(), pytest.raises(ValueError, match="too little evidence"):
            publish(draft, "admin:admin", admin, "T", None, date(2026, 1, 1), date(2026, 1, 2))
        answer = client.post(
            f"/jobs/{draft}/publish",
            data={
                **form,
                "override": "y",
                "override_reason": "Bupati needs it for the budget meeting",
                "csrf_token": csrf_token(client, "/releases"),
            },
        )
        assert answer.status_code == 302 and "/releases/" in answer.headers["Location"]
    finally:
        app.config.update(RELEASE_MIN_READINGS=200, RELEASE_MIN_FIXES=50)
    (release,) = _one(published, Release, Release.job_id == draft)
    assert release.override_reason == "Bupati needs it for the budget meeting"
    entries = _one(published, AuditEntry, AuditEntry.target == f"release:{release.id}")
    assert entries[0].after["override_reason"] == release.override_reason
    assert len(entries[0].after["shortfalls"]) == 2
    # the newer release of 510-10-LTE follows the first one
    with app.app_context():
        earlier = previous_release(release, "510-10-LTE")
        assert earlier is not None and earlier.id == published["release_id"]
        assert previous_release(release, "510-09-LTE") is None
        assert previous_release(earlier, "510-10-LTE") is None


def test_withdraw_once_with_a_reason(published: dict[str, Any]) -> None:
    app, client, admin = published["app"], published["client"], published["ids"]["admin"]
    draft = clone_job(app, published["job_id"], ["510-11"])
    with app.app_context():
        release_id = publish(
            draft, "admin:admin", admin, "Salah", None, date(2026, 1, 1), date(2026, 1, 2)
        )
        with pytest.raises(ValueError, match="reason is required"):
            withdraw(release_id, "admin:admin", admin, "  ")
    no_reason = client.post(
        f"/releases/{release_id}/withdraw",
        data={"reason": "", "csrf_token": csrf_token(client, f"/releases/{release_id}")},
    )
    assert no_reason.status_code == 302
    assert _one(published, Release, Release.id == release_id)[0].state == "published"
    client.post(
        f"/releases/{release_id}/withdraw",
        data={"reason": "wrong area", "csrf_token": csrf_token(client, f"/releases/{release_id}")},
    )
    (release,) = _one(published, Release, Release.id == release_id)
    assert (release.state, release.withdraw_reason) == ("withdrawn", "wrong area")
    assert release.withdrawn_by == admin and release.withdrawn_at is not None
    with app.app_context(), pytest.raises(ValueError, match="already withdrawn"):
        withdraw(release_id, "admin:admin", admin, "again")
    (entry,) = _one(published, AuditEntry, AuditEntry.action == "release.withdraw")
    assert entry.after == {"state": "withdrawn", "reason": "wrong area"}
    # still listed for its provider, with the reason; no longer its newest product
    xl = published["app"].test_client()
    login(xl, "xlaxiata")
    listing = xl.get("/releases").get_data(as_text=True)
    assert f"/releases/{release_id}" in listing and "wrong area" in listing
    portal = xl.get("/provider").get_data(as_text=True)
    assert f"/releases/{published['release_id']}" in portal
    assert f"/releases/{release_id}#" not in portal


def test_a_new_release_closes_verification_items(published: dict[str, Any]) -> None:
    app, admin = published["app"], published["ids"]["admin"]
    verdicts = {
        v.village_code: v.verdict
        for v in _one(
            published,
            VillageVerdict,
            VillageVerdict.release_id == published["release_id"],
            VillageVerdict.operator == "510-10",
        )
    }
    judged = sorted(c for c, v in verdicts.items() if v in ("strong", "weak", "none"))
    unjudged = sorted(c for c, v in verdicts.items() if v not in ("strong", "weak", "none"))
    assert judged and unjudged
    with app.app_context(), session_scope() as db:
        campaign = Campaign(name="Verifikasi", village_codes=judged[:1], purpose="verification")
        db.add(campaign)
        db.flush()

        def item(code: str, **changes: Any) -> OperatorResponse:
            fields: dict[str, Any] = {
                "release_id": published["release_id"],
                "village_code": code,
                "operator": "510-10",
                "tech": "LTE",
                "kind": "disputed",
                "created_by": published["ids"]["tsel"],
                "decision": "accepted",
                "verification_campaign_id": campaign.id,
            }
            made = OperatorResponse(**{**fields, **changes})
            db.add(made)
            return made

        items = [
            item(judged[0]),
            item(unjudged[0]),
            item(judged[0], decision="pending"),
            item(judged[0], verification_campaign_id=None),
            item(judged[0], operator="510-11"),
        ]
        db.flush()
        ids = [i.id for i in items]
    draft = clone_job(app, published["job_id"], ["510-10"])
    with app.app_context():
        release_id = publish(
            draft,
            "admin:admin",
            admin,
            "Ulang",
            None,
            date(2026, 2, 1),
            date(2026, 2, 2),
            override_reason="test",
        )
    closed = {r.id: r for r in _one(published, OperatorResponse, OperatorResponse.id.in_(ids))}
    expected = "still_blankspot" if verdicts[judged[0]] == "none" else "confirmed"
    assert closed[ids[0]].outcome == expected and closed[ids[0]].closed_by_release_id == release_id
    assert all(closed[i].outcome is None for i in ids[1:])
    (entry,) = _one(published, AuditEntry, AuditEntry.action == "response.close")
    assert entry.target == f"response:{ids[0]}" and entry.after["outcome"] == expected


def test_the_release_pages(published: dict[str, Any]) -> None:
    client, release_id = published["client"], published["release_id"]
    listing = client.get("/releases").get_data(as_text=True)
    assert "Survei Bukittinggi" in listing and f"/releases/{release_id}" in listing
    page = client.get(f"/releases/{release_id}").get_data(as_text=True)
    for text in (
        f"/releases/{release_id}/files/510-10-LTE/classes_wgs84.tif",
        f"/releases/{release_id}/archive/510-11-LTE.zip",
        f"/releases/{release_id}/changes",
        "/villages/SIMULASI.",
        "Putaran pertama",
        'name="reason"',
    ):
        assert text in page, text
    # worst first: no villages without signal after one with strong signal
    badges = re.findall(
        r"badge verdict-(\w+)", page.split('id="510-10-LTE"')[1].split("</section>")[0]
    )
    order = {"no_signal": 0, "weak": 1, "strong": 2}
    assert badges == sorted(badges, key=order.__getitem__)
    status, tif = fetch(
        client, f"/releases/{release_id}/files/510-10-LTE/classes_wgs84.tif?download=1"
    )
    assert status == 200 and tif[:4] == b"II*\x00"
    assert fetch(client, f"/releases/{release_id}/archive/510-10-LTE.zip")[1][:2] == b"PK"
    assert fetch(client, f"/releases/{release_id}/files/510-10-LTE/..%2Freport.json")[0] == 404
    assert fetch(client, f"/releases/{release_id}/files/510-10-LTE/nothing.csv")[0] == 404
    targets = [e.target for e in _one(published, AuditEntry, AuditEntry.action == "download")]
    assert f"release:{release_id}/510-10-LTE/classes_wgs84.tif" in targets
    assert f"release:{release_id}/510-10-LTE.zip" in targets


def test_providers_see_their_own_releases_only(published: dict[str, Any]) -> None:
    app, release_id = published["app"], published["release_id"]
    xl_only = clone_job(app, published["job_id"], ["510-11"])
    with app.app_context():
        other = publish(
            xl_only,
            "admin:admin",
            published["ids"]["admin"],
            "Khusus XL",
            None,
            date(2026, 1, 1),
            date(2026, 1, 2),
        )
    tsel = app.test_client()
    login(tsel, "tsel")
    listing = tsel.get("/releases").get_data(as_text=True)
    assert "Survei Bukittinggi" in listing and "Khusus XL" not in listing
    page = tsel.get(f"/releases/{release_id}").get_data(as_text=True)
    assert 'id="510-10-LTE"' in page and "510-11" not in page and 'name="reason"' not in page
    # each village of the release can be answered from its row, for the provider's product
    assert f"/responses/new?release={release_id}&amp;village=" in page
    assert "product=510-10-LTE" in page and "product=510-11" not in page
    admin = app.test_client()
    login(admin, "admin")
    assert "/responses/new?" not in admin.get(f"/releases/{release_id}").get_data(as_text=True)
    for url in (
        f"/releases/{other}",
        f"/releases/{other}/files/510-11-LTE/villages.csv",
        f"/releases/{other}/archive/510-11-LTE.zip",
        f"/releases/{release_id}/files/510-11-LTE/villages.csv",
        f"/releases/{release_id}/archive/510-11-LTE.zip",
        f"/releases/{other + 1000}",
        f"/releases/{2**31 - 1}",
        f"/releases/{2**31}",
        f"/releases/{2**63}",
    ):
        assert fetch(tsel, url)[0] == 404, url
    assert fetch(tsel, f"/releases/{release_id}/files/510-10-LTE/villages.csv")[0] == 200
    assert tsel.post(f"/releases/{release_id}/withdraw", data={"reason": "x"}).status_code in (
        400,
        403,
    )
    portal = tsel.get("/provider").get_data(as_text=True)
    assert "510-10" in portal and "510-11" not in portal and "Khusus XL" not in portal


def test_drafts_are_invisible_to_providers(published: dict[str, Any]) -> None:
    app = published["app"]
    draft = clone_job(app, published["job_id"])
    tsel = app.test_client()
    login(tsel, "tsel")
    for url in (
        f"/jobs/{draft}",
        f"/jobs/{draft}/status.json",
        f"/jobs/{draft}/files/510-10-LTE/villages.csv",
        f"/jobs/{draft}/archive/510-10-LTE.zip",
        "/jobs",
    ):
        assert fetch(tsel, url)[0] in (403, 404), url
    assert f"/jobs/{draft}" not in tsel.get("/provider").get_data(as_text=True)
    officer = app.test_client()
    login(officer, "ani")
    assert fetch(officer, f"/jobs/{draft}")[0] == 403
    assert "/jobs" not in officer.get("/").get_data(as_text=True).split("<main>")[0]


def test_cli_publish_and_list(published: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    app = published["app"]
    url = app.config["DATABASE_URL"]
    monkeypatch.setenv("PETASINYAL_JOBS_DIR", app.config["JOBS_DIR"])
    draft = clone_job(app, published["job_id"], ["510-10"])
    done = run(
        [
            "publish",
            str(draft),
            "--title",
            "Dari CLI",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--override",
            "script test",
            "--db",
            url,
        ]
    )
    assert done.code == 0, done
    release_id = int(done.out.split()[-1])
    (release,) = _one(published, Release, Release.id == release_id)
    # enough evidence: the override is not needed, so not kept
    assert (release.title, release.period_from, release.override_reason) == (
        "Dari CLI",
        date(2026, 3, 1),
        None,
    )
    listed = run(["releases", "--db", url])
    assert (
        listed.code == 0 and "Dari CLI" in listed.out and "2026-03-01 to 2026-03-31" in listed.out
    )
    assert listed.out.splitlines()[1].split()[0] == str(release_id)  # newest first
    again = run(["publish", str(draft), "--title", "Lagi", "--db", url])
    assert_one_error(again, "already published")
    thin = clone_job(app, published["job_id"], ["510-11"])
    monkeypatch.setenv("PETASINYAL_RELEASE_MIN_FIXES", "1000000")
    refused = run(["publish", str(thin), "--title", "Tipis", "--db", url])
    assert_one_error(refused, "too little evidence", "510-11-LTE", "the minimum is 1000000")
    forced = run(["publish", str(thin), "--title", "Tipis", "--override", "uji", "--db", url])
    assert forced.code == 0, forced
    (thin_release,) = _one(published, Release, Release.job_id == thin)
    assert thin_release.override_reason == "uji"
    # the period defaults to the days of the job's readings (WIB)
    with app.app_context(), session_scope() as db:
        inputs = db.get(Job, thin).inputs
    first, last = (
        datetime.fromisoformat(inputs[k]).astimezone(WIB).date()
        for k in ("first_observed", "last_observed")
    )
    assert (thin_release.period_from, thin_release.period_to) == (first, last) and first < last


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["publish", "abc", "--title", "T"], "not a whole number"),
        (["publish", "0", "--title", "T"], "must be from 1"),
        (["publish", str(2**31), "--title", "T"], "must be from 1"),
        (["publish", "1"], "--title"),
        (["publish", "1", "--title", "T", "--from", "2026-02-30"], "2026-02-30"),
        (["publish", "1", "--title", "T", "--days", "0"], "must be from 1"),
        (["publish", "999999", "--title", "T"], "no job 999999"),
        (["publish", "1", "--title", "T", "--by", "nobody"], "no user 'nobody'"),
        (["publish", "1", "--title", "T", "--by", "tsel"], "not an admin"),
        (["releases", "--limit", "0"], "must be from 1"),
        (["api-token", "nobody", "--name", "GIS"], "no user 'nobody'"),
        (["api-token", "ani", "--name", "GIS"], "API tokens are for admins and providers"),
        (["api-token", "tsel", "--name", ""], "--name"),
        (["api-token", "tsel"], "--name"),
    ],
)
def test_cli_bad_arguments_are_one_line(
    published: dict[str, Any], argv: list[str], words: str
) -> None:
    url = published["app"].config["DATABASE_URL"]
    assert_one_error(run([*argv, "--db", url]), words)


def test_cli_api_token_prints_a_working_token_once(published: dict[str, Any]) -> None:
    app = published["app"]
    made = run(["api-token", "tsel", "--name", "GIS kantor", "--db", app.config["DATABASE_URL"]])
    assert made.code == 0 and made.err == ""
    token = made.out.strip()
    assert len(token) > 30 and "\n" not in token
    answer = app.test_client().get("/api/v1/releases", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert {op for r in answer.json["releases"] for op in r["operators"]} == {"510-10"}
