"""The survey engine (the service's loop): settings kept, nothing lost, no false blankspot,
sync when the network comes back, commands from the screens of another process."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from analysis.io_csv import read_csv
from mobile.petasinyal_app.engine import SurveyEngine, read_status, wib_day_start
from mobile.petasinyal_app.export import export_csv
from mobile.petasinyal_app.link import ServiceLink
from mobile.petasinyal_app.outbox import Outbox
from mobile.petasinyal_app.sensors.facades import (
    IN_SERVICE,
    NO_SERVICE,
    UNKNOWN,
    CellReading,
    Permissions,
    PermissionStatus,
    Sensors,
    SimState,
)
from mobile.petasinyal_app.settings import load_settings
from tests.mobile.live_server import code_for
from tests.mobile.screens_support import (
    Clock,
    HandLocation,
    HandNetwork,
    HandPermissions,
    HandRadio,
)
from tests.server.live import thread_server
from tests.server.test_live import count

NOW = 1_790_000_000.0
TSEL = CellReading("LTE", "510", "10", "Telkomsel", 2_560_002, 3000, 1, 1850, -97.0, -11.0, 7.0)
XL_NONE = CellReading("NONE", "510", "11", "XL")


class Gps(HandLocation):
    """Desktop location that also drives: ``move(north_m)`` from the last fix."""

    def move(self, north_m: float = 0.0, accuracy: float = 5.0) -> None:
        last = self.last_fix
        self.put((last.lat if last else -0.3) + north_m / 111_320, 100.37, accuracy)


def radio(sims: list[SimState]) -> HandRadio:
    hand = HandRadio()
    hand.sims = sims
    return hand


def network(online: bool | None) -> HandNetwork:
    hand = HandNetwork()
    hand.up = online
    return hand


def act(engine: SurveyEngine | ServiceLink, name: str, **args: object) -> dict | None:
    """What a screen does: queue a command; the engine's next step carries it out."""
    engine.command(name, **args)
    return engine.step() if isinstance(engine, SurveyEngine) else None


def in_service(*cells: CellReading, slot: int = 0) -> SimState:
    return SimState(slot, IN_SERVICE, cells, cells[0].operator)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make(
    tmp: Path, clock: Clock, sims: list[SimState] | None = None, online: bool | None = None
) -> tuple[SurveyEngine, Gps]:
    gps = Gps(clock)
    sensors = Sensors(gps, radio(sims or [in_service(TSEL)]), network(online))
    return SurveyEngine(tmp, sensors, clock, device_model="Samsung SM-A145F"), gps


def test_settings_and_enrolment_survive_a_restart(tmp_path: Path, clock: Clock) -> None:
    engine, _ = make(tmp_path, clock)
    act(engine, "settings", server_url="https://sinyal.sumbarprov.go.id/", interval_s=10)
    act(engine, "settings", language="en", mode="vehicle", device_label="Ani  Agam")
    engine.outbox.set_meta("token", "t0k3n")
    engine.step()
    engine.close()
    again, _ = make(tmp_path, clock)
    status = again.step()
    assert status["settings"]["server_url"] == "https://sinyal.sumbarprov.go.id"
    assert status["settings"]["interval_s"] == 10 and status["mode"] == "vehicle"
    assert status["settings"]["language"] == "en" and status["enrolled"]
    assert again.device_name() == "Samsung SM-A145F - Ani Agam"


def test_a_success_message_goes_after_ten_seconds_and_an_error_stays(
    tmp_path: Path, clock: Clock
) -> None:
    engine, _ = make(tmp_path, clock)
    said = act(engine, "settings", interval_s=10)
    assert said is not None and said["message"]["text"] == "Pengaturan disimpan"
    clock.now += 9
    assert engine.step()["message"]["text"] == "Pengaturan disimpan"
    clock.now += 1
    assert engine.step()["message"] is None  # not "Settings saved" for the rest of the day
    act(engine, "settings", interval_s="lima")
    clock.now += 3_600
    assert engine.step()["message"]["kind"] == "error"  # an error waits to be read


def test_bad_settings_are_refused_with_a_reason_and_a_damaged_file_keeps_defaults(
    tmp_path: Path, clock: Clock
) -> None:
    engine, _ = make(tmp_path, clock)
    act(engine, "settings", interval_s="lima")
    status = engine.step()
    assert status["message"]["kind"] == "error" and "bukan angka" in status["message"]["text"]
    act(engine, "settings", server_url="sinyal.go.id")
    assert "http" in engine.step()["message"]["text"]
    (tmp_path / "settings.json").write_text('{"interval_s": "x", "distance_m": 80, "zz": 1')
    assert load_settings(tmp_path).distance_m == 50.0  # not JSON: defaults
    (tmp_path / "settings.json").write_text('{"interval_s": "x", "distance_m": 80, "zz": 1}')
    assert load_settings(tmp_path).distance_m == 80.0  # the good value is kept


def test_a_kill_during_auto_logging_loses_nothing(tmp_path: Path, clock: Clock) -> None:
    engine, gps = make(tmp_path, clock)
    act(engine, "auto", on=True)
    for _ in range(20):
        clock.now += 5
        gps.move(north_m=30)
        engine.step()
    stored = engine.outbox.counts()["pending"]
    assert stored == 20
    # no close(): the service was killed; a new one opens the same folder
    again, _ = make(tmp_path, clock)
    assert again.step()["counts"]["pending"] == 20
    assert again.status()["last_reading"]["tech"] == "LTE"


def test_the_service_loop_logs_with_the_screens_closed(tmp_path: Path, clock: Clock) -> None:
    engine, gps = make(tmp_path, clock)
    link = ServiceLink(tmp_path, Permissions(), lambda: None, lambda: None)
    link.command("auto", on=True)  # the screen asked, then was closed
    stop, steps = threading.Event(), []

    def tick(status: dict) -> None:
        steps.append(status)
        clock.now += 5
        gps.move(north_m=60)
        if len(steps) == 12:
            stop.set()

    thread = threading.Thread(target=engine.run, args=(stop, tick, 0.0))
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert steps[-1]["auto"] and engine.outbox.counts()["pending"] == 11
    published = read_status(tmp_path)
    assert published is not None and published["service"] is False  # it said it stopped
    assert link.status() == published


def test_unknown_radio_states_are_never_recorded(tmp_path: Path, clock: Clock) -> None:
    airplane = SimState(0, UNKNOWN, (), "Telkomsel", "airplane")
    engine, gps = make(tmp_path, clock, sims=[airplane])
    gps.move()
    act(engine, "record", note="")
    status = engine.status()
    assert engine.outbox.counts()["pending"] == 0
    assert status["message"]["kind"] == "error" and status["sims"][0]["reason"] == "airplane"


def test_two_sims_each_with_its_own_operator_and_no_service_alert(
    tmp_path: Path, clock: Clock
) -> None:
    radio_sims = [
        in_service(TSEL),
        in_service(CellReading("LTE", "510", "11", "XL", rsrp_dbm=-100.0), slot=1),
    ]
    engine, gps = make(tmp_path, clock, sims=radio_sims)
    gps.move()
    engine.step()
    hand = engine.sensors.radio
    assert isinstance(hand, HandRadio)
    hand.sims = [in_service(TSEL), SimState(1, NO_SERVICE, (XL_NONE,), "XL")]
    act(engine, "record", note="perbatasan nagari")
    status = engine.status()
    assert status["no_service_alerts"] == 1
    readings = engine.outbox.page(0, 10)
    assert sorted((r["operator"], r["tech"]) for r in readings) == [
        ("Telkomsel", "LTE"),
        ("XL", "NONE"),
    ]


def test_one_bad_sim_does_not_make_auto_logging_repeat_the_other(
    tmp_path: Path, clock: Clock
) -> None:
    bad = in_service(CellReading("LTE", "510", "11", "XL", rsrp_dbm=-20.0), slot=1)
    engine, gps = make(tmp_path, clock, sims=[in_service(TSEL), bad])
    act(engine, "auto", on=True)
    gps.move()
    for _ in range(4):
        clock.now += 1  # interval 5 s: one reading in these four seconds
        engine.step()
    assert engine.outbox.counts()["pending"] == 1
    assert "rsrp_dbm" in engine.status()["message"]["args"]["problem"]


def test_no_sensor_before_permission_and_no_reading_without_it(
    tmp_path: Path, clock: Clock
) -> None:
    gps = Gps(clock)
    asked = HandPermissions(PermissionStatus("approximate", True))
    engine = SurveyEngine(
        tmp_path, Sensors(gps, radio([in_service(TSEL)]), network(None), asked), clock
    )
    status = engine.step()
    assert not gps.running and status["sims"] == [] and not status["permission"]["ready"]
    act(engine, "record", note="")
    assert engine.outbox.counts()["pending"] == 0
    asked.granted = PermissionStatus("precise", True)
    engine.step()
    assert gps.running


@pytest.fixture
def enrolled(
    server_app: Flask, tmp_path: Path, clock: Clock
) -> Iterator[tuple[SurveyEngine, Gps, str]]:
    with thread_server(server_app) as url:
        engine, gps = make(tmp_path / "phone", clock, online=False)
        act(engine, "settings", server_url=url)
        act(engine, "enroll", code=code_for(server_app), label="Ani")
        engine.wait()
        assert engine.step()["enrolled"]
        yield engine, gps, url


def test_sync_starts_when_the_network_comes_back(
    enrolled: tuple[SurveyEngine, Gps, str],
    server_app: Flask,
    clock: Clock,
) -> None:
    engine, gps, _ = enrolled
    gps.move()
    for _ in range(3):
        act(engine, "record", note="")
    clock.now += 3600  # long past the timer, but the phone is offline
    engine.step()
    assert not engine.syncing and engine.status()["counts"]["pending"] == 3
    net = engine.sensors.network
    assert isinstance(net, HandNetwork)
    net.up = True  # a validated network appeared
    engine.step()
    engine.wait()
    status = engine.step()
    assert (status["counts"]["pending"], status["counts"]["synced"]) == (0, 3)
    assert status["counts"]["flagged"] == 3  # the server's flags come back with them
    assert status["sync"]["state"] == "ok" and status["device_name"] == "Samsung SM-A145F - Ani"
    assert count(server_app.config["DB_URL"]) == (3, 3)


def test_readings_taken_during_a_sync_wait_for_the_next_batch(
    enrolled: tuple[SurveyEngine, Gps, str],
    server_app: Flask,
) -> None:
    engine, gps, _ = enrolled
    gps.move()
    for _ in range(5):
        act(engine, "record", note="")
    upto = engine.outbox.last_rowid()
    act(engine, "record", note="")  # taken after the sync began
    first = engine.outbox.next_batch(100, upto)
    assert first is not None and len(first.readings) == 5


def test_reviews_of_uploads_before_a_re_enrolment_reach_the_officer(
    enrolled: tuple[SurveyEngine, Gps, str],
    server_app: Flask,
) -> None:
    from server.db import session_scope
    from server.models import Upload

    engine, gps, _ = enrolled
    gps.move()
    act(engine, "record", note="")
    act(engine, "sync")
    engine.wait()
    with server_app.app_context(), session_scope() as session:
        upload = session.query(Upload).one()
        upload.state, upload.comment = "has_issues", "Ulangi di Nagari Koto Tangah"
    engine.outbox.set_meta("token", "")  # the phone was reset and enrolled again
    engine.outbox._db.execute("DELETE FROM meta WHERE key = 'token'")
    engine.outbox._db.execute("DELETE FROM uploads")
    act(engine, "enroll", code=code_for(server_app), label="Ani")
    engine.wait()
    assert [u["comment"] for u in engine.outbox.uploads()] == ["Ulangi di Nagari Koto Tangah"]


def test_export_is_the_canonical_csv(tmp_path: Path, clock: Clock) -> None:
    engine, gps = make(
        tmp_path / "phone",
        clock,
        sims=[in_service(TSEL), SimState(1, NO_SERVICE, (XL_NONE,), "XL")],
    )
    gps.move()
    for _ in range(3):
        act(engine, "record", note='koma, dan "kutip"')
    path = export_csv(engine.outbox, tmp_path / "out")
    result = read_csv(path)
    assert len(result.frame) == 6 and set(result.frame["tech"]) == {"LTE", "NONE"}
    assert result.frame["note"].iloc[0] == 'koma, dan "kutip"'


def test_today_counts_from_midnight_wib(tmp_path: Path) -> None:
    # 2026-11-30 16:59:59 UTC is 23:59:59 WIB: the day started at 2026-11-29 17:00 UTC
    assert wib_day_start(1_796_057_999.0) == "2026-11-29T17:00:00.000Z"
    outbox = Outbox(tmp_path / "o.sqlite3")
    assert outbox.summary("2026-11-29T17:00:00.000Z")["today"] == 0
