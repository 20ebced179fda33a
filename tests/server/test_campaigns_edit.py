"""Campaigns through the admin pages: the inclusive last day shown everywhere, progress from
readings inside the villages and dates only, edit and delete (audited), officers and dates
required, villages picked by kabupaten/kecamatan, and each office seeing only its own."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.db import session_scope
from server.models import AuditEntry, Campaign, User
from tests.server.conftest import auth, enrol, reading
from tests.server.web import PASSWORD, csrf_token, login, post_form

WIB = ZoneInfo("Asia/Jakarta")
# name, kecamatan, kabupaten/kota of the villages (Agam 13.06, Bukittinggi 13.75)
VILLAGES = {
    "13.06.01.2001": ("Nagari Satu", "Tanjung Raya", "Kabupaten Agam"),
    "13.06.01.2002": ("Nagari Dua", "Tanjung Raya", "Kabupaten Agam"),
    "13.06.02.2001": ("Nagari Tiga", "Matur", "Kabupaten Agam"),
    "13.75.01.1001": ("Kelurahan Empat", "Guguk Panjang", "Kota Bukittinggi"),
}
AGAM = ["13.06.01.2001", "13.06.01.2002", "13.06.02.2001"]
CITY = "13.75.01.1001"


def _square(i: int) -> dict[str, Any]:
    x, y = 100.30 + 0.02 * i, -0.32
    ring = [[x, y], [x + 0.02, y], [x + 0.02, y + 0.02], [x, y + 0.02], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture(scope="session")
def villages_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four square villages side by side, west to east, in two kabupaten/kota."""
    features = [
        {
            "type": "Feature",
            "geometry": _square(i),
            "properties": {"kode": code, "nama": name, "nama_kec": kec, "nama_kabkota": kab},
        }
        for i, (code, (name, kec, kab)) in enumerate(VILLAGES.items())
    ]
    path = tmp_path_factory.mktemp("offices") / "villages.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _inside(code: str) -> tuple[float, float]:
    i = list(VILLAGES).index(code)
    return 100.31 + 0.02 * i, -0.31


def _users(app: Flask) -> dict[str, int]:
    """A province admin, Agam's admin and officer, Bukittinggi's officer."""
    from server.accounts import create_user

    cast = {
        "admin": ("admin", None),
        "ani": ("officer", None),
        "agam": ("admin", "13.06"),
        "budi": ("officer", "13.06"),
        "citra": ("officer", "13.75"),
    }
    with app.app_context():
        return {n: create_user(n, PASSWORD, role, office=o) for n, (role, o) in cast.items()}


def _form(ids: dict[str, int], **changes: Any) -> dict[str, Any]:
    form = {
        "name": "Survei Desember",
        "village_codes": "13.06.01.2001\n13.06.01.2002",
        "officers": [str(ids["budi"])],
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-14",
    }
    return {**form, **changes}


def _create(client: FlaskClient, form: dict[str, Any]) -> int:
    answer = post_form(client, "/campaigns/new", form, "/campaigns/new")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def _send(client: FlaskClient, token: str, code: str, when: list[datetime]) -> None:
    lon, lat = _inside(code)
    items = [reading(lat=lat, lon=lon, observed_at=t.isoformat()) for t in when]
    body = {"batch_id": str(uuid.uuid4()), "measurements": items}
    answer = client.post("/api/v1/uploads", json=body, headers=auth(token))
    assert answer.status_code == 201 and len(answer.json["accepted"]) == len(items), answer.json


def _audit(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context(), session_scope() as db:
        entries = db.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        db.expunge_all()
    return list(entries)


def test_the_last_day_is_inclusive_and_shown_as_chosen(app: Flask, client: FlaskClient) -> None:
    """1-14 Dec is stored as ending at 15 Dec 00:00 WIB and shown as 14 Des everywhere."""
    ids = _users(app)
    login(client, "admin")
    campaign_id = _create(client, _form(ids))
    with app.app_context(), session_scope() as db:
        item = db.get(Campaign, campaign_id)
        assert item is not None
        assert item.starts_on == datetime(2026, 12, 1, tzinfo=WIB)
        assert item.ends_on == datetime(2026, 12, 15, tzinfo=WIB)  # start of the next day
    shown = "1 Des 2026 \N{EN DASH} 14 Des 2026"
    for path in ("/campaigns", f"/campaigns/{campaign_id}"):
        page = client.get(path).get_data(as_text=True)
        assert shown in page and "15 Des" not in page, path
    edit = client.get(f"/campaigns/{campaign_id}/edit").get_data(as_text=True)
    assert 'value="2026-12-14"' in edit and 'value="2026-12-01"' in edit
    token = enrol(app, client, "budi")
    [mine] = client.get("/api/v1/devices/me", headers=auth(token)).json["campaigns"]
    assert (mine["first_day"], mine["last_day"]) == ("2026-12-01", "2026-12-14")
    [created] = _audit(app, "campaign.create")
    assert created.after["last_day"] == "2026-12-14"


def test_progress_counts_only_readings_inside_the_villages_and_dates(
    app: Flask, client: FlaskClient
) -> None:
    ids = _users(app)
    login(client, "admin")
    form = _form(ids, starts_on="2026-11-10", ends_on="2026-11-14")
    campaign_id = _create(client, form)
    token = enrol(app, client, "budi")
    first, after_last = datetime(2026, 11, 10, tzinfo=WIB), datetime(2026, 11, 15, tzinfo=WIB)
    inside = [first + timedelta(minutes=i) for i in range(5)]
    inside += [after_last - timedelta(minutes=i + 1) for i in range(5)]
    _send(client, token, "13.06.01.2001", inside)  # 10: surveyed
    outside = [first - timedelta(seconds=1), after_last, after_last + timedelta(days=2)]
    _send(client, token, "13.06.01.2002", outside * 4)  # 12 outside the dates
    _send(client, token, "13.06.02.2001", inside)  # not a village of the campaign
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "1 / 2" in page
    features = client.get(f"/campaigns/{campaign_id}/villages.geojson").json["features"]
    got = {
        f["properties"]["code"]: (f["properties"]["readings"], f["properties"]["state"])
        for f in features
    }
    assert got == {"13.06.01.2001": (10, "surveyed"), "13.06.01.2002": (0, "not_surveyed")}
    assert all(f["geometry"]["type"] == "Polygon" for f in features)


def test_officers_and_dates_are_required(app: Flask, client: FlaskClient) -> None:
    ids = _users(app)
    login(client, "admin")
    cases = {
        "officers": (_form(ids, officers=[]), "Pilih paling sedikit satu petugas."),
        "first day": (_form(ids, starts_on=""), "Isi hari pertama."),
        "last day": (_form(ids, ends_on=""), "Isi hari terakhir."),
        "order": (_form(ids, ends_on="2026-11-30"), "Hari terakhir sebelum hari pertama."),
        "villages": (_form(ids, village_codes=""), "Isi kode desa atau gambar wilayah"),
    }
    for case, (form, message) in cases.items():
        answer = post_form(client, "/campaigns/new", form, "/campaigns/new")
        assert answer.status_code == 400, case
        assert message in answer.get_data(as_text=True), case
    with app.app_context(), session_scope() as db:
        assert db.scalars(select(Campaign)).all() == []


def test_an_admin_edits_and_deletes_a_campaign_audited(app: Flask, client: FlaskClient) -> None:
    ids = _users(app)
    login(client, "admin")
    campaign_id = _create(client, _form(ids))
    x, y = _inside("13.06.02.2001")  # a small square drawn inside Nagari Tiga
    ring = [[x - 0.005, y - 0.005], [x + 0.005, y - 0.005], [x, y + 0.005], [x - 0.005, y - 0.005]]
    square = json.dumps({"type": "Polygon", "coordinates": [ring]})
    changed = _form(
        ids,
        name="Survei Desember (diperpanjang)",
        village_codes="13.06.01.2001",
        area=square,
        officers=[str(ids["budi"]), str(ids["ani"])],
        ends_on="2026-12-20",
    )
    path = f"/campaigns/{campaign_id}/edit"
    assert post_form(client, path, changed, path).status_code == 302
    with app.app_context(), session_scope() as db:
        item = db.get(Campaign, campaign_id)
        assert item is not None
        assert item.name == "Survei Desember (diperpanjang)"
        assert item.village_codes == ["13.06.01.2001", "13.06.02.2001"]
        assert sorted(o.username for o in item.officers) == ["ani", "budi"]
        assert item.ends_on == datetime(2026, 12, 21, tzinfo=WIB)
        assert item.area is not None and item.area["type"] == "MultiPolygon"  # its villages
    [update] = _audit(app, "campaign.update")
    assert (update.target, update.actor) == (f"campaign:{campaign_id}", "admin:admin")
    assert (update.before["villages"], update.after["villages"]) == (2, 2)
    assert (update.before["last_day"], update.after["last_day"]) == ("2026-12-14", "2026-12-20")
    assert update.after["officers"] == ["ani", "budi"]
    bad = post_form(client, path, {**changed, "village_codes": "13.06.99.9999", "area": ""}, path)
    assert bad.status_code == 400 and "Kode desa tidak dikenal: 13.06.99.9999" in bad.get_data(
        as_text=True
    )

    answer = post_form(client, f"/campaigns/{campaign_id}/delete", {}, path)
    assert answer.status_code == 302 and answer.headers["Location"] == "/campaigns"
    assert client.get(f"/campaigns/{campaign_id}").status_code == 404
    [deleted] = _audit(app, "campaign.delete")
    assert deleted.before["name"] == "Survei Desember (diperpanjang)" and deleted.after is None
    assert client.post(f"/campaigns/{campaign_id}/delete").status_code in (400, 404)


def test_a_verification_campaign_is_not_deleted_from_the_page(
    app: Flask, client: FlaskClient
) -> None:
    ids = _users(app)
    login(client, "admin")
    campaign_id = _create(client, _form(ids))
    with app.app_context(), session_scope() as db:
        item = db.get(Campaign, campaign_id)
        assert item is not None
        item.purpose = "verification"
    path = f"/campaigns/{campaign_id}/edit"
    assert "Hapus kampanye" not in client.get(path).get_data(as_text=True)
    answer = post_form(client, f"/campaigns/{campaign_id}/delete", {}, path)
    assert answer.status_code == 302
    assert client.get(f"/campaigns/{campaign_id}").status_code == 200
    assert _audit(app, "campaign.delete") == []


def test_villages_are_listed_by_kabupaten_and_kecamatan(app: Flask, client: FlaskClient) -> None:
    _users(app)
    login(client, "admin")
    data = client.get("/campaigns/villages.json").json
    assert data["kab"] == {"13.06": "Kabupaten Agam", "13.75": "Kota Bukittinggi"}
    assert data["kec"]["13.06.02"] == ["Matur", "13.06"]
    assert ["13.06.02.2001", "Nagari Tiga", "13.06.02"] in data["villages"]
    page = client.get("/campaigns/new").get_data(as_text=True)
    assert 'id="village-picker"' in page and "leaflet-geoman/leaflet-geoman.js" in page
    assert 'type="checkbox"' in page  # the officers: no Ctrl-click
    agam = app.test_client()
    login(agam, "agam")
    assert agam.get("/campaigns/villages.json").json["kab"] == {"13.06": "Kabupaten Agam"}


def test_a_kabupaten_admin_sees_and_makes_only_its_offices_campaigns(
    app: Flask, client: FlaskClient
) -> None:
    ids = _users(app)
    province = app.test_client()
    login(province, "admin")
    theirs = _create(
        province, _form(ids, name="Kota", village_codes=CITY, officers=[str(ids["citra"])])
    )
    login(client, "agam")
    ours = _create(client, _form(ids, name="Agam"))
    with app.app_context(), session_scope() as db:
        agam_office = db.scalars(select(User.office_id).where(User.username == "agam")).one()
        province_office = db.scalars(select(User.office_id).where(User.username == "admin")).one()
        offices = dict(db.execute(select(Campaign.id, Campaign.office_id)).all())
    assert offices == {theirs: province_office, ours: agam_office}
    listing = client.get("/campaigns").get_data(as_text=True)
    assert "Agam" in listing and ">Kota<" not in listing
    for path in ("", "/edit", "/villages.geojson"):
        assert client.get(f"/campaigns/{theirs}{path}").status_code == 404, path
    deleting = post_form(client, f"/campaigns/{theirs}/delete", {}, "/campaigns/new")
    assert deleting.status_code == 404
    form = client.get("/campaigns/new").get_data(as_text=True)
    assert "budi" in form and "citra" not in form and ">ani<" not in form
    foreign_officer = post_form(
        client, "/campaigns/new", _form(ids, officers=[str(ids["citra"])]), "/campaigns/new"
    )
    assert foreign_officer.status_code == 400
    foreign_village = post_form(
        client, "/campaigns/new", _form(ids, village_codes=CITY), "/campaigns/new"
    )
    assert foreign_village.status_code == 400
    assert f"Desa di luar wilayah Anda: {CITY}" in foreign_village.get_data(as_text=True)
    # a drawn area across the border takes only the villages of the region
    across = json.dumps(
        {
            "type": "Polygon",
            "coordinates": [
                [
                    [100.355, -0.31],
                    [100.375, -0.31],
                    [100.375, -0.305],
                    [100.355, -0.305],
                    [100.355, -0.31],
                ]
            ],
        }
    )
    drawn = _create(client, _form(ids, name="Batas", village_codes="", area=across))
    with app.app_context(), session_scope() as db:
        item = db.get(Campaign, drawn)
        assert item is not None and item.village_codes == ["13.06.02.2001"]
    assert client.get(f"/campaigns/{ours}").status_code == 200
    everything = province.get("/campaigns").get_data(as_text=True)
    assert ">Kota<" in everything and ">Agam<" in everything
    assert province.get(f"/campaigns/{ours}/edit").status_code == 200


def test_the_campaign_page_has_a_map_of_its_villages(app: Flask, client: FlaskClient) -> None:
    ids = _users(app)
    login(client, "admin")
    campaign_id = _create(client, _form(ids))
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert f'data-campaign-map="/campaigns/{campaign_id}/villages.geojson"' in page
    assert "Belum disurvei" in page and "Nagari Satu" in page
    collection = client.get(f"/campaigns/{campaign_id}/villages.geojson").json
    assert [f["properties"]["name"] for f in collection["features"]] == [
        "Nagari Satu",
        "Nagari Dua",
    ]
    assert csrf_token(client, f"/campaigns/{campaign_id}/edit")


@pytest.mark.browser
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_drawing_with_edit_and_undo_in_chromium(app: Flask) -> None:
    """An Agam admin picks a village by search, draws an area with Geoman, moves a corner,
    undoes both steps, draws again and saves; the campaign page maps the villages."""
    from tests.browser import chromium_page
    from tests.server.live import thread_server

    ids = _users(app)
    with thread_server(app) as base, chromium_page(1280, 900) as (page, problems):
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "agam")
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.goto(f"{base}/campaigns/new")
        page.wait_for_selector("#draw-map[data-ready]")
        page.wait_for_selector("#village-picker[data-ready]")
        page.fill("input[name=name]", "Survei Matur")
        page.fill("input[name=starts_on]", "2026-12-01")
        page.fill("input[name=ends_on]", "2026-12-14")
        page.check(f"input[name=officers][value='{ids['budi']}']")
        page.fill("#village-picker input[type=search]", "tiga")
        page.check("#village-picker .picker-village input[value='13.06.02.2001']")
        assert page.input_value("textarea[name=village_codes]") == "13.06.02.2001"

        area = page.locator("#draw-map")

        def draw() -> None:
            """A square of 80 px around the map's centre (Nagari Dua), closed on its first
            corner."""
            area.scroll_into_view_if_needed()
            box = area.bounding_box()
            assert box is not None
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.click("#draw-map .leaflet-pm-icon-polygon")
            for dx, dy in ((-40, -40), (40, -40), (40, 40), (-40, 40), (-40, -40)):
                page.mouse.click(x + dx, y + dy)

        draw()
        drawn = page.input_value("textarea[name=area]")
        assert json.loads(drawn)["type"] == "Polygon"
        assert (area.get_attribute("data-shapes"), area.get_attribute("data-steps")) == ("1", "1")
        page.click("#draw-map .leaflet-pm-icon-edit")
        corner = page.locator("#draw-map .marker-icon:not(.marker-icon-middle)").first
        handle = corner.bounding_box()
        assert handle is not None
        hx, hy = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
        page.mouse.move(hx, hy)
        page.mouse.down()
        page.mouse.move(hx - 30, hy - 30, steps=5)
        page.mouse.up()
        moved = page.input_value("textarea[name=area]")
        assert moved != drawn and area.get_attribute("data-steps") == "2"
        page.click("#draw-map .leaflet-pm-icon-edit")  # done editing
        page.click("#undo-area")
        assert page.input_value("textarea[name=area]") == drawn
        page.click("#undo-area")
        assert page.input_value("textarea[name=area]") == ""
        assert area.get_attribute("data-shapes") == "0" and page.is_disabled("#undo-area")
        draw()
        page.click("#campaign-form button[type=submit]")
        page.wait_for_selector("#campaign-map[data-ready='2']")
        assert page.locator("h1").inner_text() == "Survei Matur"
        assert "1 Des 2026 \N{EN DASH} 14 Des 2026" in page.locator(".facts").inner_text()
    with app.app_context(), session_scope() as db:
        [item] = db.scalars(select(Campaign)).all()
        assert item.village_codes == ["13.06.01.2002", "13.06.02.2001"]
    assert problems == []
