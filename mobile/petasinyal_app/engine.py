"""The survey engine: the one writer of the phone's outbox.

On Android it runs in the foreground service (``mobile/service.py``) and keeps surveying
with the screen off; on desktops and in tests it runs in the app's process. Either way the
screens never write readings: they queue commands (``Outbox.push_command``) and read the
status snapshot (:meth:`SurveyEngine.status`, also published as ``status.json`` for the
other process). :meth:`step` runs once a second: commands, permissions, radio, automatic
readings, sync when the network comes back or on a timer, and the snapshot. The screens
reach it through a link (``link.py``: ``InlineLink`` here, ``ServiceLink`` on Android).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from analysis.classes import classify
from mobile.petasinyal_app.outbox import Outbox
from mobile.petasinyal_app.recorder import AutoLogger, Recorded, Recorder, RecordRefused
from mobile.petasinyal_app.sensors.facades import NO_SERVICE, Sensors, SimState
from mobile.petasinyal_app.settings import SettingsError, load_settings, save_settings
from mobile.petasinyal_app.sync import SyncClient, SyncError

__all__ = ["STATUS_FILE", "SurveyEngine", "read_status", "wib_day_start"]

STATUS_FILE = "status.json"
WIB = timezone(timedelta(hours=7), "WIB")


def wib_day_start(now: float) -> str:
    """The start of the officer's day (midnight WIB) as the outbox's UTC time text."""
    day = datetime.fromtimestamp(now, WIB).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


#: Seconds a success message stays on the screen; errors and notices stay until replaced.
OK_MESSAGE_SECONDS = 10.0


def _message(text: str, values: dict[str, Any] | None = None, kind: str = "info") -> dict:
    return {"text": text, "args": dict(values or {}), "kind": kind}


def read_status(data_dir: Path) -> dict[str, Any] | None:
    """The snapshot the engine of another process published (None before its first step)."""
    try:
        status = json.loads((Path(data_dir) / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return status if isinstance(status, dict) else None


class SurveyEngine:
    """Sensors → recorder → outbox → sync, stepped once a second.

    ``device_model`` is the phone's model (``Build.MODEL``), used with the officer's label
    to name the phone at enrolment; ``session`` is a ``requests.Session`` for the sync client
    and ``sleep`` its back-off wait (tests pass their own, never sleeping).
    """

    def __init__(
        self,
        data_dir: Path,
        sensors: Sensors,
        clock: Callable[[], float] = time.time,
        device_model: str = "Android",
        publish: bool = False,
        session: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.sensors = sensors
        self.clock = clock
        self.device_model = device_model
        self.publish = publish
        self._http, self._sleep = session, sleep
        self.settings = load_settings(self.data_dir)
        self.outbox = Outbox(self.data_dir / "outbox.sqlite3")
        install = self.outbox.get_meta("install_id")
        if install is None:
            install = f"hp-{uuid.uuid4().hex[:8]}"
            self.outbox.set_meta("install_id", install)
        self.recorder = Recorder(
            self.outbox,
            install,
            self._session_id("manual"),
            max_accuracy_m=self.settings.max_accuracy_m,
        )
        self.auto = AutoLogger(self.settings.interval_s, self.settings.distance_m)
        self.sims: list[SimState] = []
        self.message: dict[str, Any] | None = None
        self._message_seen: tuple[dict[str, Any] | None, float] = (None, 0.0)
        self.sync_state: dict[str, Any] = {"state": "idle", "text": "", "args": {}, "at": None}
        self.progress = (0, 0)
        self.no_service_alerts = 0
        self._worker: threading.Thread | None = None
        self._sensors_on = False
        self._online: bool | None = None
        self._last_sync_try: float | None = None
        self._counts: dict[str, int] | None = None
        self._counts_day = ""
        self._last_reading = self._newest_reading()
        self._permission = sensors.permissions.status()
        self._lock = threading.RLock()

    # -- commands (from the screens, possibly another process) -------------------------
    def command(self, name: str, **args: Any) -> None:
        """Queue a command; it runs at the next :meth:`step`."""
        self.outbox.push_command(name, args)

    def _apply(self, name: str, args: dict[str, Any], now: float) -> None:
        handler = getattr(self, f"_do_{name}", None)
        if handler is None:
            self.message = _message("Perintah tidak dikenal: {name}", {"name": name}, "error")
            return
        try:
            handler(now, **args)
        except TypeError:
            self.message = _message("Perintah tidak dikenal: {name}", {"name": name}, "error")

    def _do_record(self, now: float, note: str = "") -> None:
        if not self._permission.ready:
            self.message = _message("Izin lokasi dan telepon belum diberikan", kind="error")
            return
        try:
            done = self._record(now, str(note)[:500])
        except RecordRefused as exc:
            self.message = _message(exc.text, exc.values, "error")
            return
        count = len(done.stored)
        self.message = _message("Tersimpan: {count} bacaan", {"count": count}, "ok")
        if done.refused:
            self.message = _message(done.refused[0].text, done.refused[0].values, "error")

    def _do_auto(self, now: float, on: bool = True) -> None:
        if on and not self.auto.running:
            self.auto.interval_s = self.settings.interval_s
            self.auto.distance_m = self.settings.distance_m
            self.recorder.session_id = self._session_id(
                datetime.fromtimestamp(now, WIB).strftime("%H%M%S")
            )
            self.auto.start()
        elif not on:
            self.auto.stop()
            self.recorder.session_id = self._session_id("manual")

    def _do_sync(self, now: float) -> None:
        self._start_sync(now, by_officer=True)

    def _do_enroll(self, now: float, code: str = "", label: str = "") -> None:
        if self.outbox.get_meta("token"):
            self.message = _message("Ponsel sudah terdaftar", kind="info")
            return
        if label:
            self._do_settings(now, device_label=label)
        name = self.device_name()
        self._background(lambda: self._enroll(str(code).strip(), name))

    def _do_settings(self, now: float, **changes: Any) -> None:
        try:
            self.settings = self.settings.changed(**changes)
        except SettingsError as exc:
            self.message = _message(exc.args[0], exc.args[1], "error")
            return
        save_settings(self.data_dir, self.settings)
        self.recorder.max_accuracy_m = self.settings.max_accuracy_m
        self.auto.interval_s = self.settings.interval_s
        self.auto.distance_m = self.settings.distance_m
        self.message = _message("Pengaturan disimpan", kind="ok")

    def _do_permissions_changed(self, now: float) -> None:
        self._permission = self.sensors.permissions.status()

    # -- the step ----------------------------------------------------------------------
    def step(self) -> dict[str, Any]:
        """One round: commands, sensors, automatic reading, sync; returns the snapshot."""
        with self._lock:
            now = self.clock()
            self._permission = self.sensors.permissions.status()
            location = self.sensors.location
            if self._permission.ready and (not self._sensors_on or location.problem):
                location.start()  # protected: only once granted; again if Android refused
                self._sensors_on = True
            previous = {s.slot: s.state for s in self.sims}
            self.sims = self.sensors.radio.scan() if self._permission.ready else []
            if any(
                s.state == NO_SERVICE and previous.get(s.slot, NO_SERVICE) != NO_SERVICE
                for s in self.sims
            ):
                self.no_service_alerts += 1
            for name, args in self.outbox.take_commands():
                self._apply(name, args, now)
            self._auto_step(now)
            self._sync_step(now)
            self._expire_message(now)
            status = self.status()
        if self.publish:
            self._publish(status)
        return status

    def _expire_message(self, now: float) -> None:
        """A success message goes after ``OK_MESSAGE_SECONDS`` (it said "Settings saved" on
        the Survey screen for the rest of the day); errors stay until replaced."""
        shown, since = self._message_seen
        if self.message is not shown:
            self._message_seen = (self.message, now)
        elif self.message and self.message["kind"] == "ok" and now - since >= OK_MESSAGE_SECONDS:
            self.message = None

    def run(
        self,
        stop: threading.Event,
        on_step: Callable[[dict[str, Any]], None] | None = None,
        period_s: float = 1.0,
    ) -> None:
        """The service loop: step every ``period_s`` until ``stop`` is set."""
        self.publish = True
        try:
            while not stop.is_set():
                status = self.step()
                if on_step is not None:
                    on_step(status)
                stop.wait(period_s)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the sensors and let a running sync finish its batch."""
        if self._sensors_on:
            self.sensors.location.stop()
            self._sensors_on = False
        if self._worker is not None:
            self._worker.join(timeout=30)
        if self.publish:
            self._publish({**self.status(), "service": False})

    def _auto_step(self, now: float) -> None:
        fix = self.sensors.location.last_fix
        if not self.auto.due(now, fix):
            return
        try:
            done = self._record(now)
        except RecordRefused as exc:
            self.message = _message(exc.text, exc.values, "error")
            return
        assert fix is not None
        self.auto.taken(now, fix)  # one SIM's bad values must not repeat the others
        if done.refused:
            self.message = _message(done.refused[0].text, done.refused[0].values, "error")

    def _record(self, now: float, note: str = "") -> Recorded:
        cells = [cell for sim in self.sims for cell in sim.cells]
        done = self.recorder.record(
            self.sensors.location.last_fix, cells, now, self.settings.mode, note
        )
        last = done.stored[-1]
        self._last_reading = {
            "observed_at": last.to_dict()["observed_at"],
            "tech": last.tech,
            "cls": classify(last),
        }
        self._counts = None
        return done

    # -- sync ----------------------------------------------------------------------------
    def _sync_step(self, now: float) -> None:
        online = self.sensors.network.online()
        came_back = online is True and self._online is not True
        self._online = online
        due = self._last_sync_try is None or now - self._last_sync_try >= self.settings.auto_sync_s
        if online is False or not (came_back or due):
            return
        if self.outbox.get_meta("token") and self._summary()["pending"]:
            self._start_sync(now, by_officer=False)

    def _start_sync(self, now: float, by_officer: bool) -> None:
        if self.syncing:
            return
        if not self.outbox.get_meta("token"):
            self.sync_state = {
                "state": "error",
                "text": "Ponsel belum terdaftar: masukkan kode dari admin",
                "args": {},
                "at": None,
            }
            return
        self._last_sync_try = now
        self._background(self._sync)

    @property
    def syncing(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    def wait(self, timeout: float = 120.0) -> None:
        """Wait for a running sync or enrolment (tests, and closing the service)."""
        if self._worker is not None:
            self._worker.join(timeout)

    def _background(self, work: Callable[[], None]) -> None:
        if self.syncing:
            return
        self._worker = threading.Thread(target=work, name="petasinyal-sync", daemon=True)
        self._worker.start()

    def _client(self) -> SyncClient:
        return SyncClient(
            self.settings.server_url, self.outbox, session=self._http, sleep=self._sleep
        )

    def _sync(self) -> None:
        self.progress = (0, 0)
        at = datetime.fromtimestamp(self.clock(), UTC).isoformat()
        try:
            report = self._client().sync(progress=self._progress)
        except SyncError as exc:
            self.sync_state = {"state": "error", "text": exc.text, "args": exc.values, "at": at}
        else:
            self.sync_state = {
                "state": "ok",
                "text": "Terkirim {sent}, ditolak {rejected}",
                "args": {"sent": report.accepted + report.duplicates, "rejected": report.rejected},
                "at": at,
            }
        self._counts = None

    def _progress(self, sent: int, total: int) -> None:
        self.progress = (sent, total)
        self._counts = None

    def _enroll(self, code: str, name: str) -> None:
        try:
            self._client().enroll(code, name)
        except SyncError as exc:
            self.message = _message(exc.text, exc.values, "error")
            return
        self.outbox.set_meta("device_name", name)
        self.message = _message("Ponsel terdaftar: {name}", {"name": name}, "ok")
        with contextlib.suppress(SyncError):  # else the next sync fetches them
            self._client().fetch_reviews()

    def device_name(self) -> str:
        """The phone's name on the server: its model and the officer's label."""
        label = self.settings.device_label
        name = f"{self.device_model} - {label}" if label else self.device_model
        return name.strip()[:64] or "Android"

    # -- the snapshot ----------------------------------------------------------------------
    def _session_id(self, part: str) -> str:
        return f"{datetime.fromtimestamp(self.clock(), WIB):%Y%m%d}-{part}"

    def _newest_reading(self) -> dict[str, Any] | None:
        page = self.outbox.page(0, 1)
        if not page:
            return None
        reading = page[0]
        return {
            "observed_at": reading["observed_at"],
            "tech": reading["tech"],
            "cls": classify(reading),
        }

    def _summary(self) -> dict[str, int]:
        day = wib_day_start(self.clock())
        if self._counts is None or day != self._counts_day:
            self._counts, self._counts_day = self.outbox.summary(day), day
        return self._counts

    def status(self) -> dict[str, Any]:
        """Everything the screens show, as a JSON-ready dict (see docs/architecture.md)."""
        now = self.clock()
        fix = self.sensors.location.last_fix
        problem = self.recorder.gps_problem(fix, now)
        summary = dict(self._summary())
        today = summary.pop("today")
        permission = asdict(self._permission)
        permission["ready"] = self._permission.ready
        return {
            "time": now,
            "service": self.publish,
            "permission": permission,
            "fix": None if fix is None else asdict(fix),
            "gps_off": self.sensors.location.enabled is False,
            "gps_problem": None
            if problem is None
            else {"text": problem.text, "args": problem.values},
            "sims": [
                {
                    "slot": s.slot,
                    "state": s.state,
                    "operator": s.operator,
                    "reason": s.reason,
                    "cells": [asdict(c) for c in s.cells],
                }
                for s in self.sims
            ],
            "auto": self.auto.running,
            "mode": self.settings.mode,
            "syncing": self.syncing,
            "progress": list(self.progress),
            "sync": dict(self.sync_state),
            "message": self.message,
            "last_reading": self._last_reading,
            "counts": summary,
            "today": today,
            "online": self._online,
            "enrolled": self.outbox.get_meta("token") is not None,
            "device_name": self.outbox.get_meta("device_name"),
            "no_service_alerts": self.no_service_alerts,
            "settings": asdict(self.settings),
        }

    def _publish(self, status: dict[str, Any]) -> None:
        """Write the snapshot for the screens of the other process (atomic rename)."""
        path = self.data_dir / STATUS_FILE
        tmp = path.with_name(f".{STATUS_FILE}.{os.getpid()}")
        tmp.write_text(json.dumps(status), encoding="utf-8")
        tmp.replace(path)
