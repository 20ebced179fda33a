"""Offices (issue 14): a kabupaten/kota office sees its own officers, devices, uploads,
campaigns and jobs and the readings of its region; the province sees everything.

Every route is walked as the province admin, two kabupaten/kota admins, their officers and a
provider, with the ids of another office's objects in the URL: those answer 404.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server import create_app
from tests.server.conftest import auth, enrol, reading
from tests.server.web import PASSWORD, csrf_token, login

AGAM, KOTA = "SIMULASI.06", "SIMULASI.75"
IN_KOTA = {"lat": -0.3056, "lon": 100.3692}  # Bukittinggi
IN_AGAM = {"lat": -0.4600, "lon": 100.1000}
# username: (role, office code or None, operators)
PEOPLE: dict[str, tuple[str, str | None, list[str]]] = {
    "admin": ("admin", None, []),
    "ani": ("officer", None, []),
    "agam": ("admin", AGAM, []),
    "pagam": ("officer", AGAM, []),
    "bkt": ("admin", KOTA, []),
    "pbkt": ("officer", KOTA, []),
    "tsel": ("provider", None, ["510-10"]),
}
OFFICE_OF = {"agam": "agam", "pagam": "agam", "bkt": "bkt", "pbkt": "bkt"}
OTHER = {"agam": "bkt", "bkt": "agam"}


@pytest.fixture(scope="module")
def two_region_villages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from server.demo import simulated_village_file

    folder = tmp_path_factory.mktemp("offices")
    return simulated_village_file(folder / "villages.geojson", two_regions=True)


@pytest.fixture
def app(db_url: str, tmp_path: Path, two_region_villages: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "SECRET_KEY": "test-secret",
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_LOGIN": "1000 per minute",
            "RATELIMIT_ENROL": "1000 per minute",
            "BOUNDARIES": str(two_region_villages),
            "JOBS_DIR": str(tmp_path / "jobs"),
        }
    )
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["petasinyal.engine"].dispose()


@dataclass
class World:
    """Everyone's ids and each office's upload, device, campaign and job."""

    users: dict[str, int]
    uploads: dict[str, str]
    devices: dict[str, int]
    campaigns: dict[str, int]
    jobs: dict[str, int]


def _upload(app: Flask, client: FlaskClient, officer: str, where: dict[str, float]) -> str:
    token = enrol(app, client, officer, http=False)
    body = {"batch_id": str(uuid.uuid4()), "measurements": [reading(**where) for _ in range(3)]}
    answer = client.post("/api/v1/uploads", json=body, headers=auth(token))
    assert answer.status_code in (200, 201), answer.json
    return str(answer.json["upload_id"])


def make_world(app: Flask, client: FlaskClient) -> World:
    from server.accounts import create_user
    from server.campaigns import create_campaign
    from server.db import session_scope
    from server.jobs import create_job
    from server.models import Device, Upload, User
    from server.regions import current_regions

    with app.app_context():
        users = {
            name: create_user(name, PASSWORD, role, ops, office=office)
            for name, (role, office, ops) in PEOPLE.items()
        }
        regions = current_regions()
        assert regions is not None
        kota, agam = regions.locate(
            [IN_KOTA["lon"], IN_AGAM["lon"]], [IN_KOTA["lat"], IN_AGAM["lat"]]
        )
        assert kota and kota.startswith(f"{KOTA}.") and agam and agam.startswith(f"{AGAM}.")
    uploads = {
        "agam": _upload(app, client, "pagam", IN_AGAM),
        "bkt": _upload(app, client, "pbkt", IN_KOTA),
        "province": _upload(app, client, "ani", IN_KOTA),
    }
    with app.app_context():
        with session_scope() as db:
            office = {u.username: u.office_id for u in db.scalars(select(User))}
            devices = {
                OFFICE_OF.get(username, "province"): device_id
                for device_id, username in db.execute(
                    select(Device.id, User.username)
                    .join(User, User.id == Device.officer_id)
                    .join(Upload, Upload.device_id == Device.id)
                )
            }
        campaigns = {
            "agam": create_campaign(
                "admin:agam",
                "Agam",
                regions,
                [agam],
                None,
                [users["pagam"]],
                None,
                None,
                office["agam"],
                AGAM,
            ),
            "bkt": create_campaign(
                "admin:bkt",
                "Kota",
                regions,
                [kota],
                None,
                [users["pbkt"]],
                None,
                None,
                office["bkt"],
                KOTA,
            ),
        }
        area = {"kind": "kabupaten", "value": AGAM, "label": AGAM}
        jobs = {
            "agam": create_job("admin:agam", users["agam"], ["510-10"], "LTE", area),
            "bkt": create_job(
                "admin:bkt",
                users["bkt"],
                ["510-10"],
                "LTE",
                {"kind": "kabupaten", "value": KOTA, "label": KOTA},
            ),
        }
    return World(users, uploads, devices, campaigns, jobs)


def _routes(app: Flask) -> list[tuple[str, str, Any, tuple[str, ...]]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "vendor.static"):
            continue
        access = getattr(app.view_functions[rule.endpoint], "access", ())
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, rule, access))
    # pages first, then actions, deleting last and logging out at the very end
    return sorted(routes, key=lambda r: (r[0] == "auth.logout", "delete" in r[0], r[1] != "GET"))


PARAM_OBJECTS = {
    "upload_id": "uploads",
    "user_id": "users",
    "device_id": "devices",
    "campaign_id": "campaigns",
    "job_id": "jobs",
}


def _url(rule: Any, world: World, office: str) -> tuple[str, bool]:
    """The rule's path with ``office``'s objects for the object parameters (made-up values
    for the rest); whether it names an office's object."""
    named = False

    def fill(match: re.Match[str]) -> str:
        nonlocal named
        converter, name = match.group(1), match.group(2)
        if name in PARAM_OBJECTS:
            named = True
            objects = getattr(world, PARAM_OBJECTS[name])
            if name == "user_id":
                return str(world.users["pagam" if office == "agam" else "pbkt"])
            return str(objects[office])
        return "999999" if converter == "int" else "x"

    url = re.sub(r"<(?:(\w+):)?(\w+)>", fill, rule.rule)
    made_up = set(rule.arguments) - set(PARAM_OBJECTS)
    return url, named and not made_up


@pytest.mark.parametrize(
    ("db_url", "who"),
    [
        *(("sqlite", who) for who in ("admin", "agam", "bkt", "pagam", "pbkt", "tsel")),
        ("postgres", "admin"),
        ("postgres", "agam"),
    ],
    indirect=["db_url"],
)
def test_route_role_office_walk(app: Flask, client: FlaskClient, who: str) -> None:
    """Every route as ``who``, naming another office's objects: kabupaten/kota admins and
    officers get 404, the province admin gets the page, nobody gets a 500."""
    world = make_world(app, client)
    role = PEOPLE[who][0]
    assert login(client, who).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = False  # forms are tested on their own; here: access
    foreign = OTHER.get(OFFICE_OF.get(who, ""), "agam")  # the province looks at Agam's
    wrong = []
    for endpoint, method, rule, access in _routes(app):
        url, named = _url(rule, world, foreign)
        answer = client.open(url, method=method)
        code = answer.status_code
        if access == ("public",) or access in (("device",), ("token",)):
            ok = code < 500
        elif role not in access:
            ok = code == 403
        elif named and who in OFFICE_OF and role == "admin":
            ok = code == 404
        elif named and role == "officer" and "upload_id" in rule.rule:
            ok = code == 404  # another officer's upload
        elif named and who == "admin":
            ok = code not in (403, 404, 500)
        elif role == "admin" and who in OFFICE_OF and set(rule.arguments) & set(PARAM_OBJECTS):
            ok = code in (403, 404)  # another office's object with a made-up file name
        else:
            ok = code < 500 and code != 401
        if not ok:
            wrong.append(f"{method} {url} ({endpoint}) as {who}: {code}")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_lists_show_only_the_office(app: Flask, client: FlaskClient) -> None:
    """Agam's admin sees Agam's people, phones, uploads, campaigns, jobs and audit entries,
    nothing of Bukittinggi's; the province admin sees both."""
    world = make_world(app, client)
    login(client, "agam")
    pages = {
        path: client.get(path).get_data(as_text=True)
        for path in ("/users", "/devices", "/uploads?state=all", "/campaigns", "/jobs", "/audit")
    }
    assert ">pagam<" in pages["/users"] and ">pbkt<" not in pages["/users"]
    assert ">bkt<" not in pages["/users"] and ">admin<" not in pages["/users"]
    assert world.uploads["agam"][:8] in pages["/uploads?state=all"]
    assert world.uploads["bkt"][:8] not in pages["/uploads?state=all"]
    assert world.uploads["province"][:8] not in pages["/uploads?state=all"]
    assert f"/campaigns/{world.campaigns['agam']}" in pages["/campaigns"]
    assert f"/campaigns/{world.campaigns['bkt']}" not in pages["/campaigns"]
    assert f"/jobs/{world.jobs['agam']}" in pages["/jobs"]
    assert f"/jobs/{world.jobs['bkt']}" not in pages["/jobs"]
    audit = pages["/audit"]
    assert f'data-target="campaign:{world.campaigns["agam"]}"' in audit
    assert f'data-target="campaign:{world.campaigns["bkt"]}"' not in audit
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "admin")
    everything = client.get("/uploads?state=all").get_data(as_text=True)
    assert all(upload[:8] in everything for upload in world.uploads.values())
    users = client.get("/users").get_data(as_text=True)
    assert ">pagam<" in users and ">pbkt<" in users


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_bulk_review_with_a_foreign_upload_changes_nothing_of_it(
    app: Flask, client: FlaskClient
) -> None:
    from server.db import session_scope
    from server.models import Upload

    world = make_world(app, client)
    login(client, "agam")
    client.post(
        "/uploads/bulk",
        data={
            "upload": [world.uploads["bkt"], world.uploads["province"]],
            "state": "rejected",
            "comment": "bukan milik kita",
            "csrf_token": csrf_token(client, "/uploads"),
        },
    )
    with app.app_context(), session_scope() as db:
        states = {u.id: u.state for u in db.scalars(select(Upload))}
    assert states[world.uploads["bkt"]] == "received"
    assert states[world.uploads["province"]] == "received"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_kabupaten_admin_makes_officers_and_jobs_of_its_own_region_only(
    app: Flask, client: FlaskClient
) -> None:
    from server.db import session_scope
    from server.models import Job, User

    make_world(app, client)
    login(client, "agam")
    token = csrf_token(client, "/users")
    base = {"password": "rahasia-456", "csrf_token": token, "email": ""}
    made = client.post(
        "/users", data={**base, "username": "pagam2", "role": "officer", "office": AGAM}
    )
    assert made.status_code == 302
    for role, office in (("admin", AGAM), ("officer", KOTA), ("officer", "13")):
        refused = client.post(
            "/users",
            data={**base, "username": f"x{role}{len(office)}", "role": role, "office": office},
        )
        assert refused.status_code == 200  # the form again, with the error
    page = client.get("/jobs").get_data(as_text=True)
    assert f"kabupaten:{AGAM}" in page
    assert f"kabupaten:{KOTA}" not in page and 'value="all"' not in page
    token = csrf_token(client, "/jobs")
    for area in ("all", f"kabupaten:{KOTA}"):
        client.post(
            "/jobs",
            data={
                "operators": "510-10",
                "tech": "LTE",
                "area": area,
                "method": "auto",
                "spacing": "50",
                "csrf_token": token,
            },
        )
    with app.app_context(), session_scope() as db:
        office = {u.username: u.office_id for u in db.scalars(select(User))}
        assert office["pagam2"] == office["agam"]
        assert not db.scalars(select(User).where(User.username.like("x%"))).all()
        areas = [
            j.params["area"]["value"]
            for j in db.scalars(select(Job))
            if j.office_id == office["agam"]
        ]
    assert areas == [AGAM]  # only the one made in the world


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_dashboard_counts_the_office(app: Flask, client: FlaskClient) -> None:
    make_world(app, client)
    login(client, "bkt")
    page = client.get("/").get_data(as_text=True)
    waiting = re.search(r"<b>(\d+)</b>[^<]*(?:menunggu|waiting)", page)
    assert waiting and waiting.group(1) == "1"  # Bukittinggi's one upload, not all three
    assert "Kota Simulasi Bukittinggi" in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "admin")
    page = client.get("/").get_data(as_text=True)
    waiting = re.search(r"<b>(\d+)</b>[^<]*(?:menunggu|waiting)", page)
    assert waiting and waiting.group(1) == "3"


def test_office_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``create-user --office CODE`` and ``petasinyal offices``; a bad code is one line."""
    from analysis.cli import main

    db = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env = {"PETASINYAL_PASSWORD": "rahasia-123"}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        assert main(["db", "upgrade", "--db", db]) == 0
        assert (
            main(["create-user", "agam", "--role", "admin", "--office", "13.06", "--db", db]) == 0
        )
        assert main(["create-user", "ani", "--role", "officer", "--db", db]) == 0
        for bad in ("14", "agam", "13.6", "13.06.01"):
            assert (
                main(["create-user", f"x{bad}", "--role", "admin", "--office", bad, "--db", db])
                == 2
            )
        provider = ["create-user", "tsel", "--role", "provider", "--operators", "510-10"]
        assert main([*provider, "--office", "13", "--db", db]) == 2
        capsys.readouterr()
        assert main(["offices", "--db", db]) == 0
    printed = capsys.readouterr()
    lines = [line.split() for line in printed.out.splitlines()]
    assert lines[0] == ["code", "office", "admins", "officers"]
    assert lines[1][0] == "13" and lines[1][-2:] == ["0", "1"]  # the province: ani
    assert lines[2][0] == "13.06" and lines[2][-2:] == ["1", "0"]  # agam
