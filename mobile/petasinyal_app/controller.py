"""What the screens show and do, without Kivy: sensors, recorder, auto-logging, outbox, sync.

The app calls :meth:`SurveyController.tick` from its clock every second and reads
:meth:`view` to paint the screens; tests do the same with a hand-driven clock.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from mobile.petasinyal_app.i18n import translate
from mobile.petasinyal_app.outbox import Outbox
from mobile.petasinyal_app.recorder import AutoLogger, Recorder, RecordRefused
from mobile.petasinyal_app.sensors.facades import CellReading, Cellular, Location
from mobile.petasinyal_app.sync import SyncClient, SyncError

__all__ = ["Settings", "SurveyController"]

_CLASS_WORDS = {"strong": "Sinyal kuat", "weak": "Sinyal lemah", "none": "Tidak ada sinyal"}


@dataclass(slots=True)
class Settings:
    server_url: str = "http://127.0.0.1:5000"
    interval_s: float = 5.0
    distance_m: float = 50.0
    max_accuracy_m: float = 50.0
    language: str = "id"
    mode: str = "walking"
    auto_sync_s: float = 300.0  # try to sync this often while readings wait (network back?)


@dataclass
class SurveyController:
    """The app's state and actions; sensors are facades (Android or replay)."""

    data_dir: Path
    location: Location
    radio: Cellular
    device_name: str = "ponsel"
    clock: Callable[[], float] = time.time
    settings: Settings = field(default_factory=Settings)
    message: str = ""
    syncing: bool = False
    progress: tuple[int, int] = (0, 0)
    cells: list[CellReading] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.outbox = Outbox(self.data_dir / "outbox.sqlite3")
        self.recorder = Recorder(
            self.outbox,
            self.device_name,
            time.strftime("%Y-%m-%d", time.gmtime(self.clock())),
            max_accuracy_m=self.settings.max_accuracy_m,
        )
        self.auto = AutoLogger(self.settings.interval_s, self.settings.distance_m)
        self._last_auto_sync = self.clock()
        self.location.start()

    def tr(self, text: str) -> str:
        return translate(text, self.settings.language)

    def tick(self) -> None:
        """Read the radio; take an automatic reading when one is due; sync now and then."""
        now = self.clock()
        self._maybe_sync(now)
        self.cells = self.radio.read()
        fix = self.location.last_fix
        if self.auto.due(now, fix):
            assert fix is not None
            try:
                self.recorder.record(fix, self.cells, now, self.settings.mode)
                self.auto.taken(now, fix)
            except RecordRefused as exc:
                self.message = str(exc)

    def _maybe_sync(self, now: float) -> None:
        """Automatic sync: while readings wait, try every ``auto_sync_s``; when the network
        is back, the next try gets through."""
        if self.syncing or now - self._last_auto_sync < self.settings.auto_sync_s:
            return
        if self.outbox.get_meta("token") and self.outbox.counts()["pending"]:
            self._last_auto_sync = now
            self.sync_now()

    def record_point(self, note: str = "") -> bool:
        """The big button: one reading per SIM now, or a message why not."""
        try:
            self.recorder.record(
                self.location.last_fix, self.radio.read(), self.clock(), self.settings.mode, note
            )
        except RecordRefused as exc:
            self.message = str(exc)
            return False
        self.message = self.tr("Tersimpan")
        return True

    def toggle_auto(self) -> None:
        if self.auto.running:
            self.auto.stop()
        else:
            self.auto.interval_s = self.settings.interval_s
            self.auto.distance_m = self.settings.distance_m
            self.auto.start()

    def client(self) -> SyncClient:
        return SyncClient(self.settings.server_url, self.outbox)

    def enroll(self, code: str) -> bool:
        try:
            self.client().enroll(code.strip(), self.device_name)
        except SyncError as exc:
            self.message = str(exc)
            return False
        self.message = self.tr("Ponsel terdaftar")
        return True

    def sync_now(self, done: Callable[[], None] | None = None, wait: bool = False) -> None:
        """Send pending readings in a background thread (the UI stays responsive)."""
        if self.syncing:
            return
        self.syncing = True

        def work() -> None:
            try:
                report = self.client().sync(progress=lambda s, t: setattr(self, "progress", (s, t)))
                self.message = (
                    f"{self.tr('Terkirim')}: {report.accepted + report.duplicates}"
                    f", {self.tr('Ditolak')}: {report.rejected}"
                )
            except SyncError as exc:
                self.message = str(exc)
            finally:
                self.syncing = False
                if done:
                    done()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        if wait:
            thread.join()

    def view(self) -> dict[str, Any]:
        """Everything the screens paint, already in the user's language."""
        now = self.clock()
        fix = self.location.last_fix
        counts = self.outbox.counts()
        gps = self.tr("Menunggu GPS")
        if fix is not None:
            gps = (
                f"{fix.lat:.5f}, {fix.lon:.5f}  {self.tr('akurasi')} "
                f"{fix.accuracy_m or 0:.0f} m, {self.tr('umur')} {now - fix.time:.0f} s"
            )
        cells = []
        for cell in self.cells:
            cls = Recorder.signal_class(cell)
            label = (
                self.tr("Tidak ada layanan")
                if cell.tech == "NONE"
                else self.tr(_CLASS_WORDS.get(cls or "", ""))
            )
            value = (
                cell.rsrp_dbm
                if cell.rsrp_dbm is not None
                else (cell.rscp_dbm if cell.rscp_dbm is not None else cell.rssi_dbm)
            )
            cells.append(
                {
                    "operator": cell.operator or f"{cell.mcc}-{cell.mnc}",
                    "tech": cell.tech,
                    "cls": cls,
                    "label": label,
                    "value": "" if value is None else f"{value:.0f} dBm",
                    "cell": cell.cell_id,
                }
            )
        return {
            "gps": gps,
            "gps_problem": self.recorder.gps_problem(fix, now),
            "cells": cells,
            "auto": self.auto.running,
            "pending": counts["pending"],
            "synced": counts["synced"],
            "rejected": counts["rejected"],
            "message": self.message,
            "last_sync": _wib(self.outbox.get_meta("last_sync")) or self.tr("belum pernah"),
            "syncing": self.syncing,
            "progress": self.progress,
            "enrolled": self.outbox.get_meta("token") is not None,
            "uploads": self.outbox.uploads(),
            "points": self.outbox.readings(limit=2_000),
            "campaigns": json.loads(self.outbox.get_meta("campaigns") or "[]"),
        }


_WIB = timezone(timedelta(hours=7), "WIB")


def _wib(iso: str | None) -> str | None:
    """A stored UTC time as the officer reads it: WIB (UTC+7)."""
    if not iso:
        return None
    return datetime.fromisoformat(iso).astimezone(_WIB).strftime("%d-%m-%Y %H:%M WIB")
