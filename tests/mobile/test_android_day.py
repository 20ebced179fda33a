"""A field day on the Android stand-in: the survey engine with the real Android sensor code,
from the first launch (nothing granted) through two SIMs, a blankspot and airplane mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobile.petasinyal_app.engine import SurveyEngine
from mobile.petasinyal_app.sensors import android_sensors
from tests.mobile.android_cases import telkomsel, xl
from tests.mobile.standin import android

START = 1_790_000_000.0
OUT_OF_SERVICE = 1


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("api", [26, 28, 29, 31, 34, 35])
def test_a_day_with_two_sims_a_blankspot_and_airplane_mode(api: int, tmp_path: Path) -> None:
    clock = Clock()
    sims = [telkomsel(), xl()]
    with android(api=api, sims=sims, granted=()) as phone:
        engine = SurveyEngine(tmp_path, android_sensors(tmp_path), clock)

        def drive(steps: int) -> dict:
            status: dict = {}
            for _ in range(steps):
                clock.now += 5
                phone.advance(5)
                phone.refresh_cache()
                phone.gps_fix(-0.30 + clock.now % 1000 * 1e-5, 100.37, int(clock.now * 1000))
                status = engine.step()
                phone.answer_requests()
            return status

        # first launch: nothing granted, so nothing protected is touched and nothing recorded
        status = engine.step()
        assert not status["permission"]["ready"] and status["sims"] == []
        assert phone.listeners == [] and phone.refused == []

        # the officer allows the dialog; the screen tells the engine
        engine.sensors.permissions.request(lambda _: engine.command("permissions_changed"))
        engine.command("auto", on=True)
        status = drive(6)
        assert status["permission"]["ready"] and phone.listeners
        operators = {sim["slot"]: sim["operator"] for sim in status["sims"]}
        assert operators == {0: "Telkomsel", 1: "XL Axiata"}
        taken = engine.outbox.counts()["pending"]
        assert taken >= 8  # both SIMs, every 5 s (the first scans on 29+ may still be stale)

        # into a blankspot for Telkomsel: its "no service" readings, and one alert
        sims[0].service = OUT_OF_SERVICE
        status = drive(4)
        assert status["sims"][0]["state"] == "no_service" and status["no_service_alerts"] == 1
        readings = engine.outbox.page(0, 8)
        assert {(r["operator"], r["tech"]) for r in readings} == {
            ("Telkomsel", "NONE"),
            ("XL Axiata", "WCDMA"),
        }

        # airplane mode: both SIMs unknown, nothing recorded (never a false blankspot)
        phone.airplane = True
        before = engine.outbox.counts()["pending"]
        status = drive(4)
        assert {sim["reason"] for sim in status["sims"]} == {"airplane"}
        assert engine.outbox.counts()["pending"] == before
        assert status["message"]["text"].startswith("Status sinyal belum diketahui")
        assert phone.refused == []  # no protected call was ever made without its permission
        engine.close()
        assert phone.listeners == []
