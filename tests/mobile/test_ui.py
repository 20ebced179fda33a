"""The Kivy app over the real engine and a replayed trace, rendered offscreen at a phone's
size and driven by hand: record a point, auto-log, see the pending count, enrol and sync to
a live server, see the points list and track; the language switch."""

from __future__ import annotations

import ctypes.util
import tempfile
from pathlib import Path

import pytest

from analysis.io_csv import write_csv
from analysis.simulate import SurveyConfig, simulate_survey
from tests.conftest import require_part

require_part(
    ctypes.util.find_library("GL") is not None,
    "OpenGL for Kivy's offscreen window (apt-get install libgl1-mesa-dri)",
)
kivy_tests = pytest.importorskip("kivy.tests.common")

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


class FakeClock:
    """The engine's clock, advanced by the test instead of by sleeping."""

    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now


class TestSurveyApp(kivy_tests.GraphicUnitTest):
    def setUp(self) -> None:
        super().setUp()
        from kivy.core.window import Window
        from kivy.metrics import Metrics

        Metrics.density = 2
        Window.size = (720, 1600)  # 360 x 800 dp

    def test_record_auto_log_enrol_sync_and_points(self) -> None:
        from kivy.app import App

        from mobile.petasinyal_app.app import PetaSinyalApp
        from mobile.petasinyal_app.controller import SurveyController
        from mobile.petasinyal_app.engine import SurveyEngine
        from mobile.petasinyal_app.link import InlineLink
        from mobile.petasinyal_app.sensors.facades import Sensors
        from mobile.petasinyal_app.sensors.replay import ReplayCellular, ReplayLocation, Trace

        tmp = Path(tempfile.mkdtemp())
        frame = simulate_survey(SurveyConfig(points=900, seed=5))
        trace = Trace(write_csv(frame[frame["mnc"] == "10"], tmp / "tsel.csv"))
        clock = FakeClock(trace.start_t)
        location, radio = ReplayLocation(trace), ReplayCellular(trace)
        engine = SurveyEngine(
            tmp / "phone",
            Sensors(location, radio),
            clock=clock,
            device_model="Pixel 7",
            sleep=lambda s: None,
        )
        controller = SurveyController(InlineLink(engine), alert=lambda: None)
        app = PetaSinyalApp(controller, tick_s=0)
        App._running_app = app
        app.root = app.build()
        self.render(app.root)
        ARTIFACTS.mkdir(exist_ok=True)

        def step(seconds: float) -> None:
            clock.now += seconds
            location.advance(clock.now - trace.start_t, clock.now)
            app.tick()
            self.advance_frames(2)

        survey = app.root.get_screen("survey").ids
        app.refresh(force=True)
        assert survey.record.disabled  # no GPS fix yet: readings refused
        assert survey.gps.word == "Belum ada posisi GPS"
        step(1)
        assert not survey.record.disabled
        survey.note.text = "depan kantor wali nagari"
        app.record_point()
        assert controller.snapshot["counts"]["pending"] == 1 and survey.note.text == ""
        assert survey.pending.text == "1 belum terkirim"
        app.toggle_auto()
        assert survey.auto.text == "Hentikan otomatis"
        for _ in range(6):
            step(5)
        app.toggle_auto()
        assert controller.snapshot["counts"]["pending"] == 8  # 1 by hand, 7 automatic
        assert survey.auto.text == "Mulai otomatis"
        assert "WIB" in survey.last.text
        app.root.export_to_png(str(ARTIFACTS / "app-survey.png"))

        from server import create_app
        from server.accounts import create_user, issue_enrol_code
        from server.migrate import upgrade
        from tests.server.live import thread_server

        url = f"sqlite:///{tmp / 'server.sqlite3'}"
        upgrade(url)
        server = create_app({"DATABASE_URL": url, "SECRET_KEY": "t"})
        with server.app_context():
            create_user("ani", "rahasia-123", "officer")
            code = issue_enrol_code("ani", 30)[0]
        with thread_server(server) as base:
            app.show("settings")
            settings = app.root.get_screen("settings").ids
            settings.server_url.text = base
            settings.code.text = code
            settings.device_label.text = "Ani"
            app.enroll()
            engine.wait()
            step(1)
            app.refresh(force=True)
            self.advance_frames(2)
            assert settings.enrol.disabled
            assert settings.enrol.text == "Ponsel terdaftar: Pixel 7 - Ani"
            app.root.export_to_png(str(ARTIFACTS / "app-settings.png"))
            app.show("sync")
            sync = app.root.get_screen("sync").ids
            assert sync.pending.text == "8"
            app.sync_now()
            engine.wait()
            step(1)
        server.extensions["petasinyal.engine"].dispose()
        assert controller.snapshot["counts"]["pending"] == 0
        assert controller.snapshot["counts"]["synced"] == 8
        assert sync.pending.text == "0"
        app.root.export_to_png(str(ARTIFACTS / "app-sync.png"))
        app.show("points")
        self.advance_frames(2)
        points = app.root.get_screen("points").ids
        assert points.track.count == 8
        rows = [r for r in points.list.data if r["viewclass"] == "PointRow"]
        assert len(rows) == 8
        # the simulated trace is old: the server flags its readings "stale"
        assert {r["state_text"] for r in rows} <= {"Terkirim", "Ditandai"}
        assert all("data terlalu lama" in r["detail"] for r in rows if r["state"] == "flagged")
        assert any("depan kantor" in r["detail"] for r in rows)
        app.root.export_to_png(str(ARTIFACTS / "app-points.png"))
        app.set_language("en")
        app.show("survey")
        self.advance_frames(2)
        assert survey.record.text == "RECORD POINT"
        assert app.root.get_screen("survey").ids.nav.children[-1].text == "Survey"
        app.root.export_to_png(str(ARTIFACTS / "app-survey-en.png"))
        app.detach()
        engine.close()
        engine.outbox.close()
