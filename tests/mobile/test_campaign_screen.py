"""The campaign's villages on the phone: nearest first from the last fix with the distance,
each state in words, kept from the last sync for days without signal, and the screen
rendered offscreen (screenshots in /tmp/s4/shots/ and tests/artifacts/screens/)."""

from __future__ import annotations

import ctypes.util
import json
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from mobile.petasinyal_app.villages import haversine_km, village_rows
from tests.conftest import require_part
from tests.mobile.screens_support import Phone, in_service

HERE = (-0.3021, 100.3712)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"


def _village(code: str, name: str, lat: float, lon: float, state: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "kecamatan": "Banuhampu",
        "kab": "Agam",
        "lat": lat,
        "lon": lon,
        "readings": 12 if state == "surveyed" else 0,
        "sent_back": 0,
        "state": state,
    }


CAMPAIGNS = [
    {
        "id": 1,
        "name": "Agam Desember",
        "purpose": "survey",
        "first_day": "2026-09-01",
        "last_day": "2026-09-30",
        "villages": [
            _village("13.06.01.2001", "Koto Baru", -0.3521, 100.3712, "not_surveyed"),
            _village("13.06.01.2002", "Padang Lua", -0.3111, 100.3712, "surveyed"),
            _village("13.06.01.2003", "Sungai Tanang", -0.2021, 100.3712, "needs_resurvey"),
            _village("13.06.01.2004", "Tanpa Batas", None, None, "not_surveyed"),  # type: ignore[arg-type]
        ],
    },
    {
        "id": 2,
        "name": "Verifikasi Telkomsel LTE",
        "purpose": "verification",
        "last_day": "2026-10-15",
        "villages": [_village("13.06.02.2001", "Lasi", -0.3021, 100.4012, "verification")],
    },
    {
        "id": 3,
        "name": "Sudah selesai",
        "last_day": "2026-08-31",
        "villages": [_village("13.06.03.2001", "Lama", -0.3021, 100.3713, "not_surveyed")],
    },
]
TODAY = date(2026, 9, 21)


def test_haversine_knows_a_degree_of_latitude() -> None:
    assert haversine_km(0.0, 100.0, 1.0, 100.0) == pytest.approx(111.195, abs=0.001)
    assert haversine_km(-0.3, 100.3, -0.3, 100.3) == 0.0


def test_nearest_first_from_the_fix_and_ended_campaigns_left_out() -> None:
    rows = village_rows(CAMPAIGNS, HERE, TODAY)
    assert [r.name for r in rows] == [
        "Padang Lua",  # 1.0 km south
        "Lasi",  # 3.3 km east
        "Koto Baru",  # 5.6 km south
        "Sungai Tanang",  # 11.1 km north
        "Tanpa Batas",  # no point: last
    ]
    assert [round(r.km, 1) for r in rows if r.km is not None] == [1.0, 3.3, 5.6, 11.1]
    assert rows[1].state == "verification"


def test_without_a_position_what_needs_a_visit_comes_first() -> None:
    rows = village_rows(CAMPAIGNS, None, TODAY)
    assert [r.state for r in rows] == [
        "verification",
        "needs_resurvey",
        "not_surveyed",
        "not_surveyed",
        "surveyed",
    ]
    assert all(r.km is None for r in rows)


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[Phone]:
    phone = Phone(tmp_path / "phone")
    yield phone
    phone.close()


def test_the_view_orders_by_distance_in_the_officers_language(phone: Phone) -> None:
    phone.engine.outbox.set_meta("campaigns", json.dumps(CAMPAIGNS))
    phone.step(1)
    view = phone.controller.villages_view()
    assert view["origin"].startswith("Belum ada posisi GPS")
    assert view["rows"][0]["name"] == "Lasi"  # the verification first without a fix
    phone.radio.sims = [in_service(0, -95)]
    phone.step(1, lat=HERE[0], lon=HERE[1])
    view = phone.controller.villages_view()
    rows = [(r["name"], r["distance"], r["word"]) for r in view["rows"]]
    assert rows[:3] == [
        ("Padang Lua", "1,0 km", "Sudah disurvei"),
        ("Lasi", "3,3 km", "Verifikasi tanggapan operator"),
        ("Koto Baru", "5,6 km", "Belum disurvei"),
    ]
    assert view["bar"] == "Desa kampanye: 4 perlu dikunjungi\nterdekat: Lasi, 3,3 km"
    phone.controller.set_language("en")
    phone.step(1)
    view = phone.controller.villages_view()
    assert [r["word"] for r in view["rows"]][2:4] == ["Not yet surveyed", "Needs re-survey"]
    assert view["rows"][1]["distance"] == "3.3 km"
    # walking north: Sungai Tanang becomes the nearest
    phone.step(1, lat=-0.21, lon=HERE[1])
    assert phone.controller.villages_view()["rows"][0]["name"] == "Sungai Tanang"


@pytest.fixture
def campaign_server(tmp_path: Path) -> Iterator[Flask]:
    """A live server with village outlines and officer ``ani`` in a campaign of three."""
    from server import create_app
    from server.accounts import create_user
    from server.campaigns import create_campaign
    from server.demo import simulated_village_file
    from server.migrate import upgrade
    from server.regions import current_regions

    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    upgrade(url)
    boundaries = simulated_village_file(tmp_path / "villages.geojson")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "BOUNDARIES": str(boundaries)})
    with app.app_context():
        ani = create_user("ani", "rahasia-123", "officer")
        regions = current_regions()
        assert regions is not None
        codes = [r.code for r in regions.regions[:3]]
        create_campaign("admin:admin", "Bukittinggi", regions, codes, None, [ani], None, None)
    yield app
    app.extensions["petasinyal.engine"].dispose()


def test_the_list_works_offline_for_days_after_a_sync(
    campaign_server: Flask, tmp_path: Path
) -> None:
    from mobile.petasinyal_app.sync import SyncClient
    from tests.mobile.live_server import code_for
    from tests.server.live import thread_server

    first = Phone(tmp_path / "phone")
    try:
        with thread_server(campaign_server) as url:
            sync = SyncClient(url, first.engine.outbox, sleep=lambda s: None)
            sync.enroll(code_for(campaign_server), "hp ani")
            sync.fetch_reviews()
        # the server is gone (no signal); a sync attempt fails and keeps what was fetched
        first.controller.save_settings(server_url="http://127.0.0.1:9")
        first.network.up = True
        first.controller.sync()
        first.engine.wait()
        first.step(1)
        assert (first.controller.snapshot.get("sync") or {}).get("state") == "error"
    finally:
        first.close()
    # days later the app starts again, still without signal
    again = Phone(tmp_path / "phone")
    try:
        again.clock.now += 3 * 86_400
        again.radio.sims = [in_service(0, -95)]
        again.step(1, lat=-0.305, lon=100.37)
        view = again.controller.villages_view()
        [kept] = json.loads(again.engine.outbox.get_meta("campaigns") or "[]")
    finally:
        again.close()
    assert {r["word"] for r in view["rows"]} == {"Belum disurvei"}
    expected = sorted(
        (haversine_km(-0.305, 100.37, v["lat"], v["lon"]), v["name"]) for v in kept["villages"]
    )
    assert len(expected) == 3
    assert [(r["name"], r["distance"]) for r in view["rows"]] == [
        (name, f"{km:.1f} km".replace(".", ",")) for km, name in expected
    ]
    assert "Status desa dari server" in view["origin"]


SHOTS = Path("/tmp/s4/shots")
kivy_tests = pytest.importorskip("kivy.tests.common")


class TestVillagesScreen(kivy_tests.GraphicUnitTest):
    """The screen and the Survey screen's bar, rendered at 360 x 800 dp in both languages."""

    def setUp(self) -> None:
        require_part(
            ctypes.util.find_library("GL") is not None,
            "OpenGL for Kivy's offscreen window (apt-get install libgl1-mesa-dri)",
        )
        super().setUp()
        from kivy.metrics import Metrics

        Metrics.density, Metrics.fontscale = 2, 1.0

    def test_every_state_in_words_in_indonesian(self) -> None:
        self._render("id")

    def test_every_state_in_words_in_english(self) -> None:
        self._render("en")

    def _render(self, language: str) -> None:
        from kivy.app import App
        from kivy.core.window import Window

        from mobile.petasinyal_app.app import PetaSinyalApp
        from tests.mobile.test_screens import problems

        Window.size = (720, 1600)
        phone = Phone(Path(tempfile.mkdtemp(prefix="petasinyal-villages-")))
        try:
            if language == "en":
                phone.controller.set_language("en")
            phone.engine.outbox.set_meta("campaigns", json.dumps(CAMPAIGNS))
            phone.engine.outbox.set_meta("campaigns_at", "2026-09-19T03:00:00+00:00")
            phone.radio.sims = [in_service(0, -95), in_service(1, -108, "Indosat", "01")]
            phone.step(1, lat=HERE[0], lon=HERE[1])
            app = PetaSinyalApp(phone.controller, tick_s=0)
            App._running_app = app
            app.root = app.build()
            self.render(app.root)
            found = []
            SHOTS.mkdir(parents=True, exist_ok=True)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            for screen in ("survey", "villages"):
                app.show(screen)
                self.advance_frames(3)
                app.refresh(force=True)
                self.advance_frames(3)
                app.root.export_to_png(str(SHOTS / f"I-{screen}-{language}.png"))
                app.root.export_to_png(str(ARTIFACTS / f"campaign-{screen}-360x800-{language}.png"))
                found += problems(app.root.current_screen, Window.width)
            texts = " ".join(
                w.text
                for w in app.root.get_screen("survey").walk(restrict=True)
                if isinstance(getattr(w, "text", None), str)
            )
            rows = app.root.get_screen("villages").ids.list.data
            app.detach()
            Window.remove_widget(app.root)
        finally:
            phone.close()
        en = language == "en"
        assert found == []
        assert ("Campaign villages: 4 to visit" if en else "Desa kampanye: 4 perlu") in texts
        assert [r["state"] for r in rows][:4] == [
            "surveyed",
            "verification",
            "not_surveyed",
            "needs_resurvey",
        ]
        assert {r["word"] for r in rows} == (
            {"Surveyed", "Verify an operator's response", "Not yet surveyed", "Needs re-survey"}
            if en
            else {
                "Sudah disurvei",
                "Verifikasi tanggapan operator",
                "Belum disurvei",
                "Perlu survei ulang",
            }
        )
