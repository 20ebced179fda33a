"""The enrolment code page: a POST issues the code and redirects; the page shows it once, with
a QR code of the enrolment link, kept out of caches; a refresh issues nothing and shows nothing."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from server.accounts import redeem_enrol_code
from server.db import session_scope
from server.models import EnrolCode
from tests.server.web import csrf_token, login, make_cast

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _codes(app: Flask) -> int:
    with app.app_context(), session_scope() as db:
        return int(db.scalar(select(func.count()).select_from(EnrolCode)) or 0)


@SQLITE
def test_the_code_is_shown_once_with_its_qr_code_and_refresh_issues_none(
    app: Flask, client: FlaskClient
) -> None:
    app.config["BASE_URL"] = "https://peta.example.id/"
    ids = make_cast(app)
    login(client, "admin")
    token = csrf_token(client, "/users")
    answer = client.post(f"/users/{ids['ani']}/enrol-code", data={"csrf_token": token})
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/users/{ids['ani']}/enrol-code"
    assert _codes(app) == 1
    shown = client.get(answer.headers["Location"])
    page = shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    code = re.search(r'id="enrol-code">([A-Z0-9-]+)<', page).group(1)
    link = re.search(r'class="enrol-link">([^<]+)<', page).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query) == {
        "server": ["https://peta.example.id"],
        "code": [code],
    }
    assert link.startswith("petasinyal://enrol?")
    svg = re.search(r"<svg[^>]*class=\"qr\"[^>]*>.*?</svg>", page, re.S)
    assert svg and 'aria-label="Kode QR untuk mendaftarkan ponsel"' in svg.group(0)
    assert "Kode pendaftaran untuk ani" in page and "https://peta.example.id" in page
    # a refresh: no new code, the old one not shown again
    again = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert code not in again and "<svg" not in again and "sudah ditampilkan" in again
    assert _codes(app) == 1
    with app.app_context():  # the code shown works on a phone
        assert redeem_enrol_code(code, "Redmi - Ani")[0] > 0


@SQLITE
def test_only_officers_get_codes_and_only_with_the_form_token(
    app: Flask, client: FlaskClient
) -> None:
    ids = make_cast(app)
    login(client, "admin")
    token = csrf_token(client, "/users")
    assert client.post(f"/users/{ids['ani']}/enrol-code").status_code == 400
    for user in ("tsel", "admin"):
        answer = client.post(f"/users/{ids[user]}/enrol-code", data={"csrf_token": token})
        assert answer.status_code == 404
    assert client.get(f"/users/{ids['tsel']}/enrol-code").status_code == 404
    assert _codes(app) == 0
    officer = app.test_client()
    login(officer, "ani")
    assert officer.get(f"/users/{ids['ani']}/enrol-code").status_code in (302, 403)


def test_the_qr_svg_draws_exactly_the_qr_codes_modules() -> None:
    """Read the SVG's runs back into modules: the same matrix as the QR code's (so any
    scanner reads what ``qrcode`` encoded), with the label escaped."""
    import qrcode

    from server.web.enrolment import qr_svg

    text = "petasinyal://enrol?server=https%3A%2F%2Fpeta.example.id&code=K7Q2-M9XD"
    svg = str(qr_svg(text, 'Kode "QR" <x>'))
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    expected = qr.get_matrix()
    size = len(expected)
    drawn = [[False] * size for _ in range(size)]
    for x, y, n in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", svg):
        for dx in range(int(n)):
            drawn[int(y)][int(x) + dx] = True
    assert drawn == expected
    assert f'viewBox="0 0 {size} {size}"' in svg
    assert 'aria-label="Kode &#34;QR&#34; &lt;x&gt;"' in svg
