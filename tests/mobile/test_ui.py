"""The Kivy app, rendered offscreen at a phone's size, driven by hand: record a point,
auto-log, see the pending count, sync to a live server; screenshots of every screen."""

from __future__ import annotations

import ctypes.util
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
    """The controller's clock, advanced by the test instead of by sleeping."""

    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now


class TestSurveyApp(kivy_tests.GraphicUnitTest):
    def setUp(self) -> None:
        super().setUp()
        from kivy.core.window import Window

        Window.size = (540, 1170)  # 1080 x 2340 at half scale

    def test_record_auto_log_sync_and_every_screen(self) -> None:
        import tempfile

        from kivy.app import App

        from mobile.petasinyal_app.app import PetaSinyalApp
        from mobile.petasinyal_app.controller import Settings, SurveyController
        from mobile.petasinyal_app.sensors.replay import ReplayCellular, ReplayLocation, Trace

        tmp = Path(tempfile.mkdtemp())
        frame = simulate_survey(SurveyConfig(points=900, seed=5))
        trace = Trace(write_csv(frame[frame["mnc"] == "10"], tmp / "tsel.csv"))
        clock = FakeClock(trace.start_t)
        location, radio = ReplayLocation(trace), ReplayCellular(trace)
        controller = SurveyController(
            tmp / "phone", location, radio, "hp-ani", clock, Settings(interval_s=5.0)
        )
        app = PetaSinyalApp(controller, tick_s=3600)
        App._running_app = app
        app.root = app.build()
        self.render(app.root)
        ARTIFACTS.mkdir(exist_ok=True)

        def step(seconds: float) -> None:
            clock.now += seconds
            location.advance(clock.now - trace.start_t, clock.now)
            app.tick()
            self.advance_frames(3)

        survey = app.root.get_screen("survey").ids
        assert survey.record.disabled  # no GPS fix yet: readings refused
        step(1)
        assert not survey.record.disabled
        survey.note.text = "depan kantor wali nagari"
        app.record_point()
        assert controller.view()["pending"] == 1 and survey.note.text == ""
        app.toggle_auto()
        for _ in range(6):
            step(5)
        app.toggle_auto()
        assert controller.view()["pending"] == 7
        assert "Hentikan" not in survey.auto.text
        self.advance_frames(3)
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
            settings = app.root.get_screen("settings").ids
            settings.server.text = base
            settings.code.text = code
            app.enroll()
            app.show("settings")
            self.advance_frames(3)
            app.root.export_to_png(str(ARTIFACTS / "app-settings.png"))
            app.show("sync")
            self.advance_frames(3)
            assert "7" in app.root.get_screen("sync").ids.pending.text
            controller.sync_now(wait=True)
            app.refresh()
            self.advance_frames(3)
        server.extensions["petasinyal.engine"].dispose()
        assert controller.view()["pending"] == 0 and controller.view()["synced"] == 7
        app.root.export_to_png(str(ARTIFACTS / "app-sync.png"))
        app.show("points")
        self.advance_frames(3)
        app.root.export_to_png(str(ARTIFACTS / "app-points.png"))
        app.set_language("en")
        app.show("survey")
        self.advance_frames(3)
        assert survey.record.text == "RECORD POINT"
        app.root.export_to_png(str(ARTIFACTS / "app-survey-en.png"))
        controller.outbox.close()
