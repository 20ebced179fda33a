"""The background survey: notification text, its updates, the foreground service on the
Android stand-in at API 26, 29, 33, 34 and 35, and the packaging in buildozer.spec."""

from __future__ import annotations

import configparser
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from mobile.petasinyal_app import android_service as svc
from mobile.petasinyal_app.android_service import (
    NotificationText,
    NotificationUpdater,
    notification_text,
    run_android_service,
    service_running,
    start_survey_service,
    stop_survey_service,
)
from mobile.petasinyal_app.engine import STATUS_FILE, SurveyEngine
from mobile.petasinyal_app.sensors.facades import Cellular, Location, Sensors, SimState
from tests.mobile.standin.jnius import JavaException
from tests.mobile.standin.service_models import (
    FLAG_IMMUTABLE,
    PACKAGE,
    RECEIVER_NOT_EXPORTED,
    TYPE_LOCATION,
    TYPE_MANIFEST,
    ServiceDevice,
    service_android,
)

MOBILE = Path(__file__).resolve().parents[2] / "mobile"


def _status(**changes: Any) -> dict[str, Any]:
    status: dict[str, Any] = {
        "time": 1_000.0,
        "service": True,
        "auto": True,
        "gps_problem": None,
        "last_reading": {"observed_at": "2026-11-30T01:00:00Z", "tech": "LTE", "cls": "strong"},
        "counts": {"pending": 7, "synced": 30, "rejected": 0, "flagged": 1},
        "today": 37,
        "settings": {"language": "id"},
    }
    status.update(changes)
    return status


# -- the words (pure) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "language", "title", "text"),
    [
        (
            {},
            "id",
            "Survei otomatis berjalan",
            "37 bacaan hari ini · 7 belum terkirim · terakhir: kuat",
        ),
        ({}, "en", "Auto survey running", "37 readings today · 7 not sent · last: strong"),
        (
            {"auto": False, "last_reading": {"cls": "none"}},
            "id",
            "Survei otomatis mati",
            "37 bacaan hari ini · 7 belum terkirim · terakhir: tanpa sinyal",
        ),
        (
            {"gps_problem": {"text": "Akurasi GPS {m} m", "args": {"m": 80}}, "last_reading": None},
            "en",
            "Auto survey: waiting for GPS",
            "37 readings today · 7 not sent · last: none yet",
        ),
        (
            {"gps_off": True, "gps_problem": {"text": "Posisi GPS lama", "args": {}}},
            "id",
            "Survei otomatis: lokasi ponsel mati",
            "37 bacaan hari ini · 7 belum terkirim · terakhir: kuat",
        ),
        (
            {"last_reading": {"cls": "weak"}, "today": 0, "counts": {}},
            "en",
            "Auto survey running",
            "0 readings today · 0 not sent · last: weak",
        ),
    ],
)
def test_notification_words_follow_the_snapshot_and_language(
    changes: dict[str, Any], language: str, title: str, text: str
) -> None:
    words = notification_text(_status(**changes), language)
    assert (words.title, words.text) == (title, text)
    assert words.stop == {"id": "HENTIKAN", "en": "STOP"}[language]


def test_before_the_first_step_the_notification_says_starting() -> None:
    assert notification_text(None, "en") == NotificationText(
        "PetaSinyal", "Starting the survey…", "STOP"
    )


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_notification_is_shown_again_only_when_changed_and_not_too_often() -> None:
    shown: list[NotificationText] = []
    clock = _Clock()
    updater = NotificationUpdater(shown.append, min_interval_s=5.0, clock=clock)
    updater.on_step(_status())
    clock.now = 2.0
    updater.on_step(_status(today=38))  # changed, but 2 s after the last one shown
    assert len(shown) == 1
    clock.now = 5.0
    updater.on_step(_status(today=38))
    clock.now = 60.0
    updater.on_step(_status(today=38))  # same words: nothing
    assert [w.text.split(" ")[0] for w in shown] == ["37", "38"]


def test_the_language_comes_from_the_snapshot_settings() -> None:
    shown: list[NotificationText] = []
    NotificationUpdater(shown.append).on_step(_status(settings={"language": "en"}))
    assert shown[0].title == "Auto survey running"


@pytest.mark.parametrize(
    ("status", "running"),
    [
        ({"time": 995.0, "service": True}, True),
        ({"time": 980.0, "service": True}, False),  # stale: the service died
        ({"time": 999.0, "service": False}, False),  # the engine closed
        (None, False),
    ],
)
def test_service_running_reads_the_published_snapshot(
    tmp_path: Path, status: dict[str, Any] | None, running: bool
) -> None:
    if status is not None:
        (tmp_path / STATUS_FILE).write_text(json.dumps(status), encoding="utf-8")
    assert service_running(tmp_path, now=1_000.0) is running


# -- the service on the Android stand-in ----------------------------------------------------


class _Engine:
    """Steps through ``statuses`` like SurveyEngine.run; ``during(i)`` runs after step ``i``."""

    def __init__(self, statuses: list[dict[str, Any]], during: Callable[[int], None]):
        self.statuses, self.during = statuses, during
        self.steps = 0
        self.closed = False

    def run(self, stop: threading.Event, on_step: Callable[[dict[str, Any]], None]) -> None:
        try:
            for index, status in enumerate(self.statuses):
                if stop.is_set():
                    break
                on_step(status)
                self.steps += 1
                self.during(index)
        finally:
            self.closed = True


def _argument(data_dir: Path) -> str:
    return json.dumps({"data_dir": str(data_dir)})


@pytest.fixture
def private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "private"
    folder.mkdir()
    monkeypatch.setenv("ANDROID_PRIVATE", str(folder))
    return folder


def _run(device: ServiceDevice, data_dir: Path, engine: _Engine) -> int:
    built: list[Path] = []

    def make(path: Path) -> _Engine:
        built.append(path)
        return engine

    code = run_android_service(_argument(data_dir), make_engine=make, notify_every_s=0.0)
    assert built in ([], [data_dir])
    return code


API_LEVELS = [26, 29, 33, 34, 35]


@pytest.mark.parametrize("api", API_LEVELS)
def test_service_runs_in_the_foreground_until_the_stop_action(
    api: int, tmp_path: Path, private: Path
) -> None:
    with service_android(api=api) as device:
        seen: dict[str, Any] = {}

        def during(index: int) -> None:
            if index == 0:  # running: foreground, receiver, notification
                seen["foreground"] = dict(device.foreground or {})
                seen["receivers"] = list(device.receivers)
            if index == 2:  # the officer taps STOP in the notification
                seen["delivered"] = device.tap(device.notifications.shown[svc.NOTIFICATION_ID])

        engine = _Engine([_status(today=n) for n in (1, 2, 3, 4, 5)], during)
        assert _run(device, tmp_path, engine) == 0

    assert engine.steps == 3 and engine.closed  # stopped after the tap, not at the end
    assert seen["delivered"] == 1
    assert seen["foreground"]["type"] == (TYPE_LOCATION if api >= 29 else TYPE_MANIFEST)
    [(_, action, flags)] = seen["receivers"]
    assert action == f"{PACKAGE}.STOP_SURVEY"
    assert flags == (RECEIVER_NOT_EXPORTED if api >= 33 else 0)
    manager = device.notifications
    assert manager.channel_calls == 1 and list(manager.channels) == [svc.CHANNEL_ID]
    assert manager.channels[svc.CHANNEL_ID].values["importance"] == 2  # IMPORTANCE_LOW
    last = manager.shown[svc.NOTIFICATION_ID].values
    assert last["text"].startswith("3 bacaan hari ini")
    assert last["ongoing"] and last["channel"] == svc.CHANNEL_ID
    assert last["fgs_behaviour" if api >= 31 else "actions"] is not None
    assert ("fgs_behaviour" in last) is (api >= 31)
    for pending in (last["content_intent"], last["actions"][0].values["intent"]):
        assert pending.values["flags"] & FLAG_IMMUTABLE
    assert last["actions"][0].values["intent"].values["intent"].values["package"] == PACKAGE
    assert device.receivers == [] and device.foreground is None and device.stopped_self == 1
    assert json.loads((private / "survey-service.json").read_text()) == {"data_dir": str(tmp_path)}


@pytest.mark.parametrize("api", [33, 34, 35])
def test_without_notification_permission_the_survey_goes_on_unseen(
    api: int, tmp_path: Path, private: Path
) -> None:
    with service_android(api=api, granted=("FINE", "COARSE", "PHONE")) as device:
        seen: dict[str, Any] = {}

        def during(index: int) -> None:
            seen.setdefault("foreground", device.foreground)
            if index == 3:
                stop_survey_service()  # from the app's screen

        engine = _Engine([_status(today=n) for n in range(10)], during)
        assert _run(device, tmp_path, engine) == 0
    assert engine.steps == 4
    assert seen["foreground"] is not None  # still a foreground service (task manager)
    assert device.notifications.shown == {}
    assert len(device.notifications.posted) == 1  # startForeground's; updates are skipped


@pytest.mark.parametrize("api", [34, 35])
def test_without_location_permission_the_service_stops_cleanly(
    api: int, tmp_path: Path, private: Path
) -> None:
    with service_android(api=api, granted=("PHONE", "NOTIFICATIONS")) as device:
        engine = _Engine([_status()], lambda index: None)
        assert _run(device, tmp_path, engine) == 1
    assert engine.steps == 0 and device.stopped_self == 1 and device.receivers == []


def test_a_sticky_restart_without_argument_uses_the_saved_data_folder(
    tmp_path: Path, private: Path
) -> None:
    (private / "survey-service.json").write_text(_argument(tmp_path / "data"))
    built: list[Path] = []
    with service_android(api=35):

        def make(path: Path) -> _Engine:
            built.append(path)
            return _Engine([], lambda index: None)

        assert run_android_service("", make_engine=make) == 0
    assert built == [tmp_path / "data"]


def test_no_data_folder_at_all_stops_the_service(private: Path) -> None:
    with service_android(api=35) as device:
        assert run_android_service("", make_engine=lambda path: pytest.fail("built")) == 1
    assert device.stopped_self == 1 and device.foreground is None


@pytest.mark.parametrize("api", API_LEVELS)
def test_start_survey_service_passes_the_data_folder(api: int, tmp_path: Path) -> None:
    with service_android(api=api) as device:
        start_survey_service(tmp_path, language="en")
    [start] = device.service_starts
    assert json.loads(start["argument"]) == {"data_dir": str(tmp_path)}
    assert (start["title"], start["text"]) == ("PetaSinyal", "Starting the survey…")


def test_the_stand_in_refuses_an_unflagged_receiver_on_api_34() -> None:
    """What the export flag protects against: Android 14 throws without it."""
    with service_android(api=34) as device:
        from jnius import autoclass

        service = autoclass("org.kivy.android.PythonService").mService
        receiver = svc.StopReceiver(service, 34, lambda: None)
        filter_ = autoclass("android.content.IntentFilter")("x")
        with pytest.raises(JavaException) as error:
            service.registerReceiver(receiver.receiver, filter_, 0)
    assert error.value.classname == "java.lang.SecurityException" and device.receivers == []


# -- packaging ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(MOBILE / "buildozer.spec", encoding="utf-8")
    return parser["app"]


def test_spec_declares_the_location_foreground_service(spec: configparser.SectionProxy) -> None:
    name, entry, *options = spec["services"].split(":")
    assert name == svc.SERVICE_NAME and (MOBILE / entry).is_file()
    assert {"foreground", "sticky", "foregroundServiceType=location"} <= set(options)
    assert f"{spec['package.domain']}.{spec['package.name']}" == PACKAGE


def test_spec_targets_api_35_from_26_without_backup(spec: configparser.SectionProxy) -> None:
    assert (spec["android.api"], spec["android.minapi"]) == ("35", "26")
    assert spec["android.allow_backup"] == "False"
    assert spec["p4a.branch"].startswith("v20")  # a release tag, not a moving branch
    permissions = {p.strip() for p in spec["android.permissions"].split(",")}
    assert permissions == {
        "ACCESS_FINE_LOCATION",
        "ACCESS_COARSE_LOCATION",
        "READ_PHONE_STATE",
        "INTERNET",
        "ACCESS_NETWORK_STATE",
        "WAKE_LOCK",
        "FOREGROUND_SERVICE",
        "FOREGROUND_SERVICE_LOCATION",
        "POST_NOTIFICATIONS",
        "VIBRATE",
    }


@pytest.mark.parametrize(("key", "size"), [("icon.filename", 512), ("presplash.filename", 800)])
def test_icon_and_presplash_are_square_pngs(
    spec: configparser.SectionProxy, key: str, size: int
) -> None:
    path = MOBILE / spec[key].replace("%(source.dir)s/", "")
    with Image.open(path) as image:
        assert (image.format, image.size) == ("PNG", (size, size))


def test_every_app_file_has_an_extension_buildozer_packages(
    spec: configparser.SectionProxy,
) -> None:
    packaged = {ext.strip() for ext in spec["source.include_exts"].split(",")}
    app = MOBILE / "petasinyal_app"
    extensions = {
        path.suffix.lstrip(".")
        for path in app.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert extensions <= packaged


class _OneStep(threading.Event):
    """A stop event whose first wait ends the loop: the engine steps once, never sleeping."""

    def wait(self, timeout: float | None = None) -> bool:
        self.set()
        return True


class _StillGps(Location):
    def _start(self) -> None:
        return None

    def _stop(self) -> None:
        return None


class _NoCells(Cellular):
    def _scan(self) -> list[SimState]:
        return []


def test_the_real_engine_runs_in_the_service_and_says_so(tmp_path: Path, private: Path) -> None:
    def make(path: Path) -> SurveyEngine:
        return SurveyEngine(path, Sensors(_StillGps(), _NoCells()), clock=lambda: 1_790_000_000.0)

    with service_android(api=35) as device:
        code = run_android_service(_argument(tmp_path), make_engine=make, stop=_OneStep())
    assert code == 0
    shown = device.notifications.posted[-1][1].values
    assert shown["text"] == "0 bacaan hari ini · 0 belum terkirim · terakhir: belum ada"
    assert service_running(tmp_path, now=1_790_000_000.0) is False  # closed: service False
    assert json.loads((tmp_path / STATUS_FILE).read_text())["service"] is False
