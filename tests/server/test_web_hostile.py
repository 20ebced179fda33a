"""Hostile query strings and paths on the pages: a sane page or a plain 4xx, never a 500.

Each case of issue 12 has its own test; a hypothesis suite then throws generated query
strings at every list page. Both run on SQLite and PostgreSQL (the ``app`` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.db import session_scope
from server.jobs import create_job
from server.models import Job
from tests.server.conftest import auth, enrol, reading
from tests.server.web import login, make_cast

HUGE = "99999999999999999999"
LIST_PAGES = ["/uploads", "/jobs", "/audit"]
HOSTILE = [
    f"page={HUGE}",
    "page=-3",
    "page=%C2%B2",  # superscript two: str.isdigit() says yes, int() says no
    f"officer={HUGE}",
    f"campaign={HUGE}",
    "officer=%C2%B2",
    "campaign=%D9%A3",  # Arabic-Indic three
    "from=0001-01-01",
    "to=9999-12-31",
    "from=0001-01-01&to=9999-12-31",
    "from=9999-12-31&to=0001-01-01",
    "actor=%00&target=%00&action=%00",
    "state=%00&flagged=%00",
    "endpoint=x&listing=y&_scheme=javascript&_external=1&_anchor=z&_method=POST",
]


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> FlaskClient:
    """A logged-in admin, with one upload and one job so that every list has a row."""
    ids = make_cast(app)
    token = enrol(app, client, "ani", http=False)
    answer = client.post(
        "/api/v1/uploads",
        json={"batch_id": "00000000-0000-4000-8000-000000000001", "measurements": [reading()]},
        headers=auth(token),
    )
    assert answer.status_code == 201, answer.json
    with app.app_context():
        create_job("admin:admin", ids["admin"], ["510-10"], "LTE", {"kind": "all", "label": "-"})
    login(client, "admin")
    return client


def _check(answer: Any, path: str) -> None:
    assert answer.status_code in (200, 400, 404), (path, answer.status_code)
    body = answer.get_data(as_text=True)
    assert "Traceback" not in body and "javascript:" not in body


@pytest.mark.parametrize("page", LIST_PAGES)
def test_hostile_query_strings_get_a_page_not_a_500(admin: FlaskClient, page: str) -> None:
    """Each case of the table on each list page (one app per page: logging in is slow)."""
    answers = {query: admin.get(f"{page}?{query}") for query in HOSTILE}
    broken = {q: a.status_code for q, a in answers.items() if a.status_code not in (200, 400)}
    assert not broken
    for query, answer in answers.items():
        _check(answer, f"{page}?{query}")


def test_a_page_past_the_end_shows_the_last_page(admin: FlaskClient) -> None:
    answer = admin.get(f"/uploads?state=all&page={HUGE}")
    assert answer.status_code == 200
    assert "00000000" in answer.get_data(as_text=True)  # the one upload, on page 1 of 1


def test_a_huge_officer_id_matches_nobody(admin: FlaskClient) -> None:
    answer = admin.get(f"/uploads?state=all&officer={HUGE}")
    assert answer.status_code == 200
    assert "00000000" not in answer.get_data(as_text=True)


def test_open_ended_days_keep_every_row(admin: FlaskClient) -> None:
    answer = admin.get("/uploads?state=all&from=0001-01-01&to=9999-12-31")
    assert answer.status_code == 200 and "00000000" in answer.get_data(as_text=True)
    answer = admin.get("/uploads?state=all&to=0001-01-01")
    assert answer.status_code == 200 and "00000000" not in answer.get_data(as_text=True)


def test_only_known_filters_reach_the_links(admin: FlaskClient) -> None:
    answer = admin.get("/uploads?state=all&_external=1&_scheme=javascript&officer=1")
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "_scheme=" not in body and "_external=" not in body and "http://localhost" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/jobs/1/files/p/a%00b.csv",
        "/jobs/1/files/p%00/a.csv",
        "/jobs/1/archive/p%00.zip",
        "/uploads/%00",
        "/uploads/%00/readings.geojson",
        f"/jobs/{HUGE}",
        f"/jobs/{HUGE}/status.json",
        f"/campaigns/{HUGE}",
    ],
)
def test_a_nul_byte_or_a_huge_id_in_a_path_is_not_found(
    admin: FlaskClient, app: Flask, path: str
) -> None:
    with app.app_context(), session_scope() as db:
        job = db.get(Job, 1)
        assert job is not None
        job.state, job.results = "done", [{"product": "p"}]
    answer = admin.get(path)
    assert answer.status_code in (400, 404), answer.status_code


# Query strings as a hostile client writes them: known filter names and others, numbers of
# any size, days at the ends of the calendar, NUL and other control characters.
_names = st.sampled_from(
    [
        "page",
        "officer",
        "campaign",
        "from",
        "to",
        "state",
        "flagged",
        "actor",
        "action",
        "target",
        "endpoint",
        "listing",
        "_external",
        "_scheme",
        "_anchor",
    ]
) | st.text(max_size=8)
_values = st.one_of(
    st.integers().map(str),
    st.integers(min_value=10**15, max_value=10**40).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-30", "", "yes", "no", "all"]),
    st.text(max_size=20),
)
_queries = st.lists(st.tuples(_names, _values), max_size=6)
PAGES = ["/uploads", "/jobs", "/audit", "/devices", "/users", "/campaigns", "/tokens", "/"]
EXAMPLES = 60


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(path=st.sampled_from(PAGES), query=_queries)
def test_generated_query_strings_never_get_a_5xx(
    admin: FlaskClient, path: str, query: list[tuple[str, str]]
) -> None:
    answer = admin.get(path, query_string=query)
    _check(answer, f"{path} {query!r}")


def test_the_upload_page_survives_generated_query_strings(admin: FlaskClient) -> None:
    """The readings of one upload are paginated too."""
    for query in ([("page", HUGE)], [("page", "-1"), ("flagged", "\x00")], [("page", "²")]):
        _check(admin.get("/uploads/00000000-0000-4000-8000-000000000001", query_string=query), "")
