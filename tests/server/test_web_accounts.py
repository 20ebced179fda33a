"""Accounts, language and time, users, devices, campaigns and the audit log, through the pages."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from server.db import session_scope
from server.models import AuditEntry, Campaign, Device, Upload
from tests.server.conftest import auth, enrol, reading
from tests.server.web import PASSWORD, csrf_token, login, make_cast, post_form

INSIDE = "2026-11-20T03:00:00+00:00"  # a reading on 20 Nov 2026, 10:00 WIB

ROOT = Path(__file__).resolve().parents[2]


def test_login_needs_the_right_password_and_an_active_account(
    app: Flask, client: FlaskClient
) -> None:
    make_cast(app)
    answer = login(client, "admin", "wrong-password")
    assert answer.status_code == 200 and "Nama pengguna atau kata sandi salah" in answer.get_data(
        as_text=True
    )
    assert client.get("/").status_code == 302
    assert login(client, "admin").headers["Location"] == "/"
    with app.app_context(), session_scope() as db:
        failed = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.login_failed")
        ).all()
        assert [(e.actor, e.after["username"]) for e in failed] == [("anonymous", "admin")]


def test_login_goes_back_only_to_pages_of_this_site(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    token = csrf_token(client)
    data = {"username": "admin", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login?next=//evil.example/x", data=data).headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    data["csrf_token"] = csrf_token(client)
    assert client.post("/login?next=/audit", data=data).headers["Location"] == "/audit"


def test_providers_land_on_their_portal(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    assert login(client, "tsel").headers["Location"] == "/provider"


def test_login_is_rate_limited(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    codes = [login(client, "admin", "wrong-password").status_code for _ in range(12)]
    assert codes[:10] == [200] * 10 and codes[-1] == 429


def test_a_password_change_ends_every_other_session(app: Flask) -> None:
    make_cast(app)
    office, field = app.test_client(), app.test_client()
    login(office, "ani")
    login(field, "ani")
    answer = post_form(
        office,
        "/account",
        {"pw-current": PASSWORD, "pw-new": "baru-rahasia-456", "pw-repeat": "baru-rahasia-456"},
    )
    assert answer.status_code == 302
    assert office.get("/account").status_code == 200  # this session goes on
    assert field.get("/account").status_code == 302  # the other one must log in again
    assert login(field, "ani", "baru-rahasia-456").status_code == 302


def test_disabling_an_account_ends_its_session(app: Flask) -> None:
    ids = make_cast(app)
    admin, officer = app.test_client(), app.test_client()
    login(admin, "admin")
    login(officer, "ani")
    assert post_form(admin, f"/users/{ids['ani']}/active", {}, "/users").status_code == 302
    assert officer.get("/uploads").status_code == 302
    assert login(officer, "ani").status_code == 200  # refused


def test_pages_speak_indonesian_then_english_and_show_wib(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    token = enrol(app, client, "ani", http=False)
    import uuid

    client.post(
        "/api/v1/uploads",
        json={"batch_id": str(uuid.uuid4()), "measurements": [reading()]},
        headers=auth(token),
    )
    with app.app_context(), session_scope() as db:
        db.execute(update(Upload).values(received_at=datetime(2026, 11, 29, 21, 5, tzinfo=UTC)))
    login(client, "admin")
    page = client.get("/uploads").get_data(as_text=True)
    assert "Unggahan" in page and "30 Nov 2026 04:05 WIB" in page
    client.get("/lang/en")
    page = client.get("/uploads").get_data(as_text=True)
    assert "Uploads" in page and "waiting for review" in page and "04:05 WIB" in page
    post_form(client, "/account", {"pref-language": "en", "pref-timezone": "Asia/Makassar"})
    assert "30 Nov 2026 05:05 WITA" in client.get("/uploads").get_data(as_text=True)


def test_every_page_text_has_an_indonesian_translation(tmp_path: Path) -> None:
    """The catalogue covers every message of the code and templates (run `make setup`
    after adding text: it extracts nothing, so update the .po file by hand)."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    from babel.messages.pofile import read_po

    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with (ROOT / "server/translations/id/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    assert sorted(wanted - translated) == []
    mo = ROOT / "server/translations/id/LC_MESSAGES/messages.mo"
    assert mo.exists(), "compile the catalogue: make setup"


def test_admins_create_users_and_enrolment_codes_that_phones_redeem(
    app: Flask, client: FlaskClient
) -> None:
    make_cast(app)
    login(client, "admin")
    answer = post_form(
        client,
        "/users",
        {"username": "citra", "role": "officer", "password": "rahasia-789", "operators": ""},
        "/users",
    )
    assert answer.status_code == 302
    bad = post_form(
        client,
        "/users",
        {"username": "penyedia", "role": "provider", "password": "rahasia-789", "operators": ""},
        "/users",
    )
    assert "a provider needs at least one operator" in bad.get_data(as_text=True)
    page = client.get("/users").get_data(as_text=True)
    user_id = re.search(r'/users/(\d+)/enrol-code"[^>]*>', page.split("citra")[1]).group(1)
    issued = post_form(client, f"/users/{user_id}/enrol-code", {}, "/users")
    assert issued.status_code == 303  # then the code is shown once on its own page
    shown = client.get(issued.headers["Location"]).get_data(as_text=True)
    code = re.search(r'id="enrol-code">([A-Z0-9-]+)<', shown).group(1)
    phone = app.test_client()
    answer = phone.post("/api/v1/devices/enroll", json={"code": code, "name": "hp citra"})
    assert answer.status_code == 201
    devices = client.get("/devices").get_data(as_text=True)
    assert "hp citra" in devices


def test_a_device_revoked_on_the_page_can_no_longer_upload(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    token = enrol(app, client, "ani", http=False)
    with app.app_context(), session_scope() as db:
        device_id = db.scalar(select(Device.id).where(Device.name == "hp ani"))
    officer = app.test_client()
    login(officer, "ani")
    assert post_form(officer, f"/devices/{device_id}/revoke", {}, "/devices").status_code == 302
    import uuid

    answer = client.post(
        "/api/v1/uploads",
        json={"batch_id": str(uuid.uuid4()), "measurements": [reading()]},
        headers=auth(token),
    )
    assert answer.status_code == 401


def test_campaigns_from_codes_or_a_drawn_area_with_progress(
    app: Flask, client: FlaskClient
) -> None:
    ids = make_cast(app)
    login(client, "admin")
    form = {
        "name": "Agam utara",
        "village_codes": "SIMULASI.104, SIMULASI.105",
        "officers": [str(ids["ani"])],
        "starts_on": "2026-11-01",
        "ends_on": "2026-11-30",
    }
    answer = post_form(client, "/campaigns/new", form, "/campaigns/new")
    assert answer.status_code == 302
    unknown = post_form(
        client, "/campaigns/new", {**form, "village_codes": "13.06.99.9999"}, "/campaigns/new"
    )
    assert "Kode desa tidak dikenal: 13.06.99.9999" in unknown.get_data(as_text=True)
    square = '{"type":"Polygon","coordinates":[[[100.36,-0.31],[100.38,-0.31],[100.38,-0.30],[100.36,-0.30],[100.36,-0.31]]]}'
    assert (
        post_form(
            client,
            "/campaigns/new",
            {**form, "name": "Bukittinggi", "village_codes": "", "area": square},
            "/campaigns/new",
        ).status_code
        == 302
    )
    token = enrol(app, client, "ani", http=False)
    import uuid

    client.post(
        "/api/v1/uploads",
        json={
            "batch_id": str(uuid.uuid4()),
            # inside the campaign's dates whatever day the test runs on
            "measurements": [reading(observed_at=INSIDE), reading(observed_at=INSIDE)],
        },
        headers=auth(token),
    )
    with app.app_context(), session_scope() as db:
        first, second = db.scalars(select(Campaign).order_by(Campaign.id)).all()
        assert first.village_codes == ["SIMULASI.104", "SIMULASI.105"]
        assert first.starts_on == datetime(2026, 10, 31, 17, tzinfo=UTC)  # midnight WIB
        assert first.ends_on == datetime(2026, 11, 30, 17, tzinfo=UTC)  # end of the last day
        assert "SIMULASI.104" in second.village_codes
        first_id = first.id
    page = client.get(f"/campaigns/{first_id}").get_data(as_text=True)
    # two readings in Bukittinggi's village: it needs more (10), the other none yet
    assert "0 / 2" in page
    assert page.count('<span class="badge state-needs_resurvey">Perlu survei ulang') == 1
    queue = client.get(f"/uploads?campaign={first_id}&state=all").get_data(as_text=True)
    assert "hp ani" in queue


def test_the_audit_log_is_browsable_and_cannot_be_changed(app: Flask, client: FlaskClient) -> None:
    make_cast(app)
    login(client, "admin")
    page = client.get("/audit?action=user.create").get_data(as_text=True)
    assert page.count("user.create") >= 5 and "user.login" not in page.split("</select>")[1]
    with app.app_context(), session_scope() as db:
        entry_id = db.scalar(select(AuditEntry.id).limit(1))
    with app.app_context(), pytest.raises(sqlalchemy.exc.DatabaseError), session_scope() as db:
        db.execute(update(AuditEntry).where(AuditEntry.id == entry_id).values(actor="someone else"))
    with app.app_context(), pytest.raises(sqlalchemy.exc.DatabaseError), session_scope() as db:
        db.execute(sqlalchemy.delete(AuditEntry))


def test_an_admin_sets_a_new_password_for_a_user_who_forgot(app: Flask) -> None:
    ids = make_cast(app)
    admin, officer = app.test_client(), app.test_client()
    login(admin, "admin")
    login(officer, "ani")
    short = post_form(admin, f"/users/{ids['ani']}/password", {"password": "short"}, "/users")
    assert short.status_code == 302 and officer.get("/account").status_code == 200
    post_form(admin, f"/users/{ids['ani']}/password", {"password": "lupa-sandi-789"}, "/users")
    assert officer.get("/account").status_code == 302  # logged out everywhere
    assert login(officer, "ani").status_code == 200  # the old password no longer works
    assert login(officer, "ani", "lupa-sandi-789").status_code == 302


def test_a_form_sent_after_the_session_ended_returns_to_its_page(
    app: Flask, client: FlaskClient
) -> None:
    make_cast(app)
    page = {"Referer": "http://localhost/uploads/x?page=2"}
    answer = client.post("/uploads/x/review", data={"state": "approved"}, headers=page)
    assert answer.status_code == 302 and answer.headers["Location"] == "/login?next=/uploads/x"
    assert "Sesi Anda sudah berakhir" in client.get("/login").get_data(as_text=True)
    elsewhere = client.post("/uploads/x/review", headers={"Referer": "https://evil.example/a"})
    assert elsewhere.headers["Location"] == "/login?next=/"
    assert client.get("/audit?action=x").headers["Location"] == "/login?next=/audit?action%3Dx"
    login(client, "admin")  # logged in, a form without its token is refused
    assert client.post("/uploads/x/review", data={"state": "approved"}).status_code == 400


def test_the_language_chosen_on_the_login_page_stays_after_logging_in(
    app: Flask, client: FlaskClient
) -> None:
    make_cast(app)
    client.get("/lang/en")
    assert "Log in" in client.get("/login").get_data(as_text=True)
    login(client, "admin")
    assert "Review" in client.get("/uploads").get_data(as_text=True)  # not "Pemeriksaan"
    other = app.test_client()  # the account remembers it on another browser
    login(other, "admin")
    assert "Review" in other.get("/uploads").get_data(as_text=True)


def test_audit_details_name_offices_formats_and_times(app: Flask) -> None:
    from server.web.audit_words import audit_details

    with app.test_request_context("/"):
        with session_scope() as db:
            from server.models import Office

            code = db.scalars(select(Office.code)).first()
            name = db.scalars(select(Office.name)).first()
        shown = audit_details({"office": code, "format": "canonical", "email": "a@b.id"})
        assert shown == f"kantor: {name} ({code}); format: CSV PetaSinyal; surel: a@b.id"
        assert audit_details({"office": "99.99"}) == "kantor: 99.99"  # unknown: the code
        valid = audit_details({"expires_at": "2026-11-30T19:30:54.466161+00:00"})
        assert valid == "berlaku sampai: 1 Des 2026 02:30 WIB", valid  # WIB
        assert audit_details({"expires_at": "soon"}) == "berlaku sampai: soon"


def test_an_error_page_leads_back(client: FlaskClient) -> None:
    page = client.get("/no-such-page").get_data(as_text=True)
    assert 'href="/login"' in page and "Kembali ke halaman awal" in page
