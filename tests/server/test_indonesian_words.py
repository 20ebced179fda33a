"""Stored codes and English texts in words of the page's language: flags, verdict reasons,
audit entries, labels; English on the command line and the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from server import create_app


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "words"})
    yield app
    app.extensions["petasinyal.engine"].dispose()


@pytest.mark.parametrize(
    ("reason", "indonesian"),
    [
        (
            "outside the survey: the nearest reading is 16.0 km away",
            "di luar survei: pengukuran terdekat berjarak 16,0 km",
        ),
        (
            "3 readings inside (needs 20); 40 % of its area surveyed (needs 50 %)",
            "3 pengukuran di dalamnya (perlu 20); 40 % luasnya disurvei (perlu 50 %)",
        ),
        (
            "72 % of its surveyed area weak or without signal",
            "72 % area yang disurvei bersinyal lemah atau tanpa sinyal",
        ),
        ("something new", "something new"),  # unknown: as it is
    ],
)
def test_verdict_reasons_in_indonesian(app: Flask, reason: str, indonesian: str) -> None:
    from server.web.reason_words import verdict_reason

    with app.test_request_context("/"):
        assert verdict_reason(reason) == indonesian


def test_audit_entries_in_words(app: Flask) -> None:
    from server.web.audit_words import action_words, actor_words, audit_details, target_words

    with app.test_request_context("/"):
        assert action_words("upload.review") == "unggahan diperiksa"
        assert action_words("something.new") == "something.new"
        assert actor_words("admin:budi") == "budi (Admin)" and actor_words("system") == "sistem"
        assert target_words("upload:1a2b3c4d-5e6f") == "unggahan 1a2b3c4d"
        details = audit_details({"state": "has_issues", "comment": "GPS buruk", "active": False})
        assert details == "status: bermasalah; komentar: GPS buruk; aktif: tidak"
        assert audit_details({"spacing": 50.0, "method": "auto"}).startswith("ukuran sel: 50 m")


def test_flags_and_labels_in_indonesian(app: Flask) -> None:
    from server.flags import flag_help, flag_name
    from server.web.labels import class_label, metres, tech_label

    with app.test_request_context("/"):
        assert flag_name("outside_campaign") == "di luar kampanye"
        assert flag_help("stale") == "diamati jauh sebelum diunggah"
        assert flag_name("new_flag") == "new_flag" and flag_help("new_flag") == ""
        assert class_label("none") == "tanpa sinyal" and tech_label("NONE") == "tanpa layanan"
        assert metres(1000.0) == "1.000 m"


def test_domain_errors_are_english_on_the_command_line_and_the_api(app: Flask) -> None:
    from server.responses import split_product

    with app.app_context(), pytest.raises(ValueError, match="product must be MCC-MNC-TECH"):
        split_product("x")
    api = app.test_request_context("/api/v1/responses")
    with api, pytest.raises(ValueError, match="product must be MCC-MNC-TECH"):
        split_product("x")
    with app.test_request_context("/responses/new"), pytest.raises(ValueError, match="produk"):
        split_product("x")
