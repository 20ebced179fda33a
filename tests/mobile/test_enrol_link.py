"""The code field takes the admin's code as typed, or the link of the QR code on the admin's
enrolment page, which also sets the server's address; a broken link is refused in words."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask import Flask

from mobile.petasinyal_app.enrol_link import (
    EnrolLinkError,
    Enrolment,
    parse_enrolment,
    parse_opened_link,
)
from tests.mobile.screens_support import Phone
from tests.server.live import thread_server


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("K7Q2-M9XD", Enrolment(None, "K7Q2-M9XD")),
        ("  k7q2-m9xd \n", Enrolment(None, "k7q2-m9xd")),
        (
            "petasinyal://enrol?server=https%3A%2F%2Fpeta.example.id&code=K7Q2-M9XD",
            Enrolment("https://peta.example.id", "K7Q2-M9XD"),
        ),
        (  # the server's path kept, its trailing slash dropped; parameters in any order
            "petasinyal://enrol?code=K7Q2-M9XD&server=http://10.0.0.5:8000/petasinyal/",
            Enrolment("http://10.0.0.5:8000/petasinyal", "K7Q2-M9XD"),
        ),
        (  # pasted from a chat: broken over two lines, scheme in capitals, "enroll"
            "PetaSinyal://enroll?server=https%3A%2F%2Fpeta.example.id\n&code=K7Q2-M9XD",
            Enrolment("https://peta.example.id", "K7Q2-M9XD"),
        ),
        (  # a link to the server's own page tells the server by itself
            "https://peta.example.id/enrol?code=K7Q2-M9XD",
            Enrolment("https://peta.example.id", "K7Q2-M9XD"),
        ),
        ("petasinyal://enrol?code=K7Q2-M9XD", Enrolment(None, "K7Q2-M9XD")),
    ],
)
def test_a_code_or_an_enrolment_link(text: str, expected: Enrolment) -> None:
    assert parse_enrolment(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("petasinyal://enrol?server=https%3A%2F%2Fpeta.example.id", "tanpa kode"),
        ("petasinyal://enrol?server=https%3A%2F%2Fpeta.example.id&code=", "tanpa kode"),
        ("petasinyal://settings?code=K7Q2-M9XD", "bukan tautan pendaftaran"),
        ("petasinyal://enrol?server=ftp%3A%2F%2Fpeta.example.id&code=K", "http://"),
        ("petasinyal://enrol?server=javascript:alert(1)&code=K", "http://"),
    ],
)
def test_a_broken_link_is_refused_in_words(text: str, message: str) -> None:
    with pytest.raises(EnrolLinkError, match=message):
        parse_enrolment(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("javascript:alert(document.cookie)", "bukan tautan pendaftaran"),
        ("https://peta.example.id/enrol?code=K7Q2", "bukan tautan pendaftaran"),  # only when pasted
        ("K7Q2-M9XD", "bukan tautan pendaftaran"),  # a bare code does not open the app
        ("petasinyal://enrol?server=https://x.id/" + "a" * 600 + "&code=K", "terlalu panjang"),
        ("petasinyal://enrol?server=https%3A%2F%2Fx.id&code=K7%00Q2", "bukan tautan"),
        ("petasinyal://[enrol?code=K7Q2", "bukan tautan pendaftaran"),
        ("petasinyal://enrol?server=javascript:alert(1)&code=K", "http://"),
    ],
)
def test_a_link_that_opens_the_app_must_be_a_whole_enrolment_link(text: str, message: str) -> None:
    with pytest.raises(EnrolLinkError, match=message):
        parse_opened_link(text)


def test_the_admins_link_opens_the_app() -> None:
    link = "petasinyal://enrol?server=https%3A%2F%2Fpeta.example.id&code=K7Q2-M9XD"
    assert parse_opened_link(link) == Enrolment("https://peta.example.id", "K7Q2-M9XD")


@pytest.fixture
def phone(tmp_path: Path):
    p = Phone(tmp_path / "phone")
    yield p
    p.close()


def test_a_broken_link_says_why_and_changes_nothing(phone: Phone) -> None:
    phone.step(1)
    before = phone.controller.settings.server_url
    assert not phone.controller.enroll("petasinyal://enrol?server=https%3A%2F%2Fx.id", "Ani")
    assert phone.controller.message() == (
        "Tautan pendaftaran tanpa kode: pindai lagi kode QR dari admin"
    )
    phone.controller.set_language("en")
    assert phone.controller.message() == "Settings saved"  # the language change said so
    assert not phone.controller.enroll("petasinyal://enrol?server=https%3A%2F%2Fx.id", "Ani")
    assert phone.controller.message() == (
        "The enrolment link has no code: scan the admin's QR code again"
    )
    assert phone.controller.settings.server_url == before


def test_the_link_from_the_admins_page_enrols_the_phone(server_app: Flask, tmp_path: Path) -> None:
    """End to end: the admin issues a code on the web page; the link its QR code holds,
    pasted into a phone set to another server, enrols the phone with this server."""
    from sqlalchemy import select

    from server.accounts import create_user
    from server.db import session_scope
    from server.models import User
    from tests.server.web import csrf_token, login

    with server_app.app_context():
        create_user("admin", "rahasia-123", "admin")
        with session_scope() as db:
            ani = db.scalar(select(User.id).where(User.username == "ani"))
    with thread_server(server_app) as url:
        server_app.config["BASE_URL"] = url
        admin = server_app.test_client()
        login(admin, "admin")
        answer = admin.post(
            f"/users/{ani}/enrol-code",
            data={"csrf_token": csrf_token(admin, "/users")},
            follow_redirects=True,
        )
        page = answer.get_data(as_text=True)
        link = html.unescape(re.search(r'class="enrol-link">([^<]+)<', page).group(1))
        assert link.startswith("petasinyal://enrol?server=http")
        phone = Phone(tmp_path / "phone")
        try:
            phone.step(1)
            assert phone.controller.settings.server_url != url
            assert phone.controller.enroll(link, "Ani")
            phone.engine.wait()
            phone.step(1)
            assert phone.controller.snapshot["enrolled"]
            assert phone.controller.settings.server_url == url
            assert phone.engine.settings.server_url == url  # kept for the next start
        finally:
            phone.close()
