"""What the screens show and do, without Kivy: a view model over the survey engine.

The engine (in this process, or the foreground service, reached through a link) is the
only writer of readings. The controller reads its status snapshot once per tick,
reads the outbox for the Points list (a page at a time) and the track (only what is new,
via :meth:`Outbox.since`), and turns actions into engine commands. Every text it hands
the screens is already in the officer's language.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from analysis.classes import classify
from mobile.petasinyal_app.engine import OK_MESSAGE_SECONDS
from mobile.petasinyal_app.enrol_link import (
    EnrolLinkError,
    Enrolment,
    parse_enrolment,
    parse_opened_link,
)
from mobile.petasinyal_app.i18n import say
from mobile.petasinyal_app.outbox import Outbox
from mobile.petasinyal_app.screens.points_list import (
    CLASS_WORDS,
    WIB,
    PointList,
    dbm,
    signal_value,
    wib,
)
from mobile.petasinyal_app.settings import Settings, SettingsError, load_settings
from mobile.petasinyal_app.villages import VillageList, stored_campaigns

__all__ = ["EngineLink", "SurveyController"]

_REASONS = {
    "airplane": "Mode pesawat",
    "radio_off": "Radio seluler mati",
    "no_sim": "Tidak ada SIM",
    "no_permission": "Tanpa izin telepon",
    "no_cells": "Menunggu data sel",
    "stale": "Data sel terlalu lama",
    "error": "Radio tidak terbaca",
}
_NUMBERS = ("interval_s", "distance_m", "max_accuracy_m")
_FIELD_WORDS = {
    "interval_s": "Interval otomatis (detik)",
    "distance_m": "Jarak otomatis (meter)",
    "max_accuracy_m": "Akurasi GPS minimum (meter)",
    "auto_sync_s": "Sinkron otomatis (detik)",
}


class EngineLink(Protocol):
    """What the UI needs from the engine (``link.py``: ``InlineLink`` or ``ServiceLink``)."""

    permissions: Any
    outbox: Outbox
    data_dir: Path

    def status(self) -> dict[str, Any] | None: ...

    def command(self, name: str, **args: Any) -> None: ...

    def step(self) -> None: ...

    def start(self) -> None: ...


class SurveyController:
    """The app's view model: call :meth:`tick` once a second, then paint from
    :meth:`survey`, :meth:`sync_view`, :meth:`permission_view`, :meth:`settings_view`,
    ``points.rows`` and :meth:`track_since`.

    ``link`` reaches the engine (:class:`EngineLink`: ``InlineLink`` steps it here,
    ``ServiceLink`` talks to the foreground service); ``alert`` is called when a SIM enters
    "no service" and the officer wants an alert; ``exporter`` writes the CSV export.
    """

    def __init__(
        self,
        link: EngineLink,
        *,
        alert: Callable[[], None] | None = None,
        exporter: Callable[[Outbox, Path], Path] | None = None,
    ):
        self.link = link
        self.data_dir = Path(link.data_dir)
        self.permissions = link.permissions
        if alert is None:
            from mobile.petasinyal_app.alerts import alert_no_service

            alert = alert_no_service
        self.alert = alert
        self.exporter = exporter
        self.outbox = link.outbox
        self.settings: Settings = load_settings(self.data_dir)
        self.snapshot: dict[str, Any] = {}
        self.data_version = 0  # bumps when stored readings (count or state) change
        # text, values, kind, and when (the engine's clock) it was said
        self.local_message: tuple[str, dict[str, Any], str, float] | None = None
        self.points = PointList(self.outbox)
        self._started = False
        self._data_key: Any = None
        self._origin: tuple[float, float, float] | None = None
        self._survey: tuple[Any, dict[str, Any]] | None = None
        self._snapshots = 0  # snapshots taken: the survey view is made once per snapshot
        self._here: tuple[float, float, str] | None = None  # last position: lat, lon, ISO time
        self.villages = VillageList()
        # the last link that opened the app, numbered so the same link twice fills again
        self.offer: tuple[int, Enrolment] | None = None

    # -- language -----------------------------------------------------------------------
    @property
    def language(self) -> str:
        return self.settings.language

    def tr(self, text: str, **args: Any) -> str:
        """``text`` (Indonesian source) in the officer's language, ``{placeholders}`` filled."""
        return say(text, self.settings.language, args)

    # -- the clock ----------------------------------------------------------------------
    def tick(self) -> bool:
        """Step the engine (when it runs here) and take its snapshot; True when anything
        changed. Before the service's first snapshot the permission facade is asked."""
        self.link.step()
        snapshot = self.link.status() or self._waiting()
        if snapshot == self.snapshot:
            return False
        if snapshot.get("message") != self.snapshot.get("message") or self._local_said_long_ago(
            float(snapshot.get("time") or 0.0)
        ):
            self.local_message = None
        alerts = snapshot.get("no_service_alerts", 0)
        if (
            alerts > self.snapshot.get("no_service_alerts", alerts)
            and self.settings.alert_no_service
        ):
            self.alert()
        if snapshot.get("settings") and snapshot["settings"] != self.snapshot.get("settings"):
            self.settings = Settings(**snapshot["settings"])
        self.snapshot = snapshot
        self._snapshots += 1
        if (snapshot.get("permission") or {}).get("ready") and not self._started:
            self._started = True
            self.link.start()
        key = (tuple(sorted((snapshot.get("counts") or {}).items())), snapshot.get("last_reading"))
        if key != self._data_key:
            self._data_key = key
            self.data_version += 1
        return True

    def _waiting(self) -> dict[str, Any]:
        """A snapshot before the service has published one: the permissions, nothing else."""
        from dataclasses import asdict

        status = self.permissions.status()
        return {"permission": {**asdict(status), "ready": status.ready}, "service": False}

    @property
    def now(self) -> float:
        return float(self.snapshot.get("time") or 0.0)

    # -- what the screens show ------------------------------------------------------------
    def survey(self) -> dict[str, Any]:
        """The Survey screen: GPS banner, one card per SIM, counts, buttons, message."""
        key = (self._snapshots, self.settings.language, self.local_message)
        if self._survey is not None and self._survey[0] == key:
            return self._survey[1]
        s = self.snapshot
        counts = s.get("counts") or {}
        last = s.get("last_reading")
        permission = s.get("permission") or {}
        gps = self._gps()
        view = {
            "gps": gps,
            "sims": [self._sim(sim) for sim in s.get("sims") or []]
            or [
                {
                    "kind": "unknown",
                    "title": self.tr("Radio seluler"),
                    "word": self.tr("Belum terbaca"),
                    "value": "",
                    "detail": self.tr("Menunggu data dari radio"),
                }
            ],
            "pending": self.tr("{n} belum terkirim", n=counts.get("pending", 0)),
            "today": self.tr("{n} titik hari ini", n=s.get("today", 0)),
            "last": self.tr("Titik terakhir {time}", time=wib(last["observed_at"], self.now))
            if last
            else self.tr("Belum ada titik"),
            "record": self.tr("REKAM TITIK"),
            "can_record": bool(s.get("fix"))
            and s.get("gps_problem") is None
            and not s.get("gps_off")
            and bool(permission.get("ready", True)),
            "auto": self.tr("Hentikan otomatis") if s.get("auto") else self.tr("Mulai otomatis"),
            "auto_on": bool(s.get("auto")),
            "mode": s.get("mode") or self.settings.mode,
            "modes": [
                (m, self.tr(w))
                for m, w in (
                    ("stationary", "Diam"),
                    ("walking", "Jalan kaki"),
                    ("vehicle", "Kendaraan"),
                )
            ],
            "note_hint": self.tr("Catatan (opsional)"),
            "service": self._service_line(),
            "message": self.message(),
        }
        self._survey = (key, view)
        return view

    def _service_line(self) -> str:
        """Whether the survey service runs (nothing to say when the engine runs here)."""
        if self.snapshot.get("service", True) or hasattr(self.link, "engine"):
            return ""
        if not self.snapshot.get("time"):  # the service has not published yet
            return self.tr("Memulai survei…")
        return self.tr("Survei latar belakang berhenti")

    def message(self) -> str:
        """The latest message (the controller's own, else the engine's), translated."""
        if self.local_message:
            text, args, _, _ = self.local_message
            return self.tr(text, **args)
        m = self.snapshot.get("message")
        return self.tr(m["text"], **(m.get("args") or {})) if m else ""

    def _gps(self) -> dict[str, Any]:
        fix = self.snapshot.get("fix")
        problem = self.snapshot.get("gps_problem")
        said = self.tr(problem["text"], **(problem.get("args") or {})) if problem else ""
        if self.snapshot.get("gps_off"):  # no fix will come: waiting outdoors would not help
            return {
                "kind": "none",
                "word": self.tr("Lokasi ponsel mati"),
                "detail": self.tr("Nyalakan Lokasi di pengaturan cepat ponsel"),
            }
        if fix is None:
            word = self.tr("Belum ada posisi GPS")
            hint = self.tr("Tunggu di tempat terbuka, jauh dari atap")
            return {"kind": "none", "word": word, "detail": hint if said in ("", word) else said}
        where = self.tr(
            "{lat:.5f}, {lon:.5f} · akurasi {acc:.0f} m",
            lat=fix["lat"],
            lon=fix["lon"],
            acc=fix.get("accuracy_m") or 0,
        )
        if fix.get("mock"):  # recorded, but the server flags it: the officer must know
            return {
                "kind": "weak",
                "word": self.tr("Lokasi palsu (mock)"),
                "detail": said or self.tr("Matikan aplikasi lokasi palsu"),
            }
        if problem is None:
            return {"kind": "ok", "word": self.tr("GPS siap"), "detail": where}
        accuracy = fix.get("accuracy_m")
        if accuracy is not None and accuracy > self.settings.max_accuracy_m:
            word = self.tr("GPS kurang akurat")
        else:
            word = self.tr("Posisi GPS lama")
        return {"kind": "weak", "word": word, "detail": said}

    def _sim(self, sim: dict[str, Any]) -> dict[str, Any]:
        """One SIM card: its kind (strong/weak/none/noservice/unknown), word, value, detail."""
        title = self.tr("SIM {n}", n=sim["slot"] + 1)
        cells = sim.get("cells") or []
        operator = sim.get("operator") or next((c.get("operator") for c in cells), None)
        if operator:
            title = f"{title} · {operator}"
        if sim["state"] == "no_service":
            return {
                "kind": "noservice",
                "title": title,
                "word": self.tr("Tidak ada layanan"),
                "value": "",
                "detail": self.tr("Dicatat sebagai blankspot"),
            }
        if sim["state"] != "in_service" or not cells:
            reason = _REASONS.get(sim.get("reason") or "", "Status tidak diketahui")
            return {
                "kind": "unknown",
                "title": title,
                "word": self.tr(reason),
                "value": "",
                "detail": self.tr("Tidak direkam, bukan blankspot"),
            }
        cell = cells[0]
        cls = classify(cell)
        techs = " + ".join(dict.fromkeys(c["tech"] for c in cells))
        return {
            "kind": cls or "unknown",
            "title": title,
            "word": self.tr(CLASS_WORDS.get(cls or "", "Sinyal tidak terukur")),
            "value": dbm(signal_value(cell)),
            "detail": techs,
        }

    def sync_view(self) -> dict[str, Any]:
        """The Sync screen: what waits, the last sync, its error in plain words, progress."""
        s = self.snapshot
        counts = s.get("counts") or {}
        sync = s.get("sync") or {"state": "idle"}
        sent, total = s.get("progress") or (0, 0)
        if not s.get("enrolled"):
            state, line = "unknown", self.tr("Ponsel belum terdaftar: buka Pengaturan")
        elif s.get("syncing"):
            state, line = "weak", self.tr("Mengirim {sent} dari {total}", sent=sent, total=total)
        elif sync.get("state") == "error":
            state = "none"
            line = self.tr("Gagal mengirim: {reason}", reason=self._text(sync))
        elif sync.get("state") == "ok":
            state, line = "strong", self._text(sync) or self.tr("Terkirim")
        else:
            state, line = "unknown", self.tr("Belum ada pengiriman")
        if s.get("online") is False:
            line += "\n" + self.tr("Tidak ada internet: data aman di ponsel")
        return {
            "pending": str(counts.get("pending", 0)),
            "pending_word": self.tr("belum terkirim"),
            "counts": self.tr(
                "Terkirim {synced} · Ditandai {flagged} · Ditolak {rejected}",
                synced=counts.get("synced", 0),
                flagged=counts.get("flagged", 0),
                rejected=counts.get("rejected", 0),
            ),
            "last": self.tr(
                "Sinkron terakhir: {time}",
                time=wib(sync.get("at"), self.now) or self.tr("belum pernah"),
            ),
            "state": state,
            "line": line,
            "progress": (sent, max(total, 1)),
            "button": self.tr("Sedang mengirim") if s.get("syncing") else self.tr("KIRIM SEKARANG"),
            "can_send": bool(s.get("enrolled")) and not s.get("syncing"),
        }

    def _text(self, item: dict[str, Any]) -> str:
        return self.tr(item["text"], **(item.get("args") or {})) if item.get("text") else ""

    def permission_view(self) -> dict[str, Any] | None:
        """The permission screen, or None when the survey has what it needs."""
        p = self.snapshot.get("permission")
        if not p or p.get("ready"):
            return None
        parts = []
        if p.get("location") == "approximate":
            title = self.tr("Lokasi hanya perkiraan")
            parts.append(
                self.tr(
                    "Anda hanya mengizinkan lokasi perkiraan. Titik survei perlu lokasi "
                    "tepat: pilih \u201cTepat\u201d saat Android bertanya."
                )
            )
        elif p.get("location") != "precise":
            title = self.tr("Izin lokasi diperlukan")
            parts.append(
                self.tr(
                    "PetaSinyal perlu lokasi tepat untuk menaruh setiap titik di peta. "
                    "Tanpa izin ini tidak ada yang direkam."
                )
            )
        else:
            title = self.tr("Izin telepon diperlukan")
        if not p.get("phone"):
            parts.append(
                self.tr(
                    "PetaSinyal perlu membaca status jaringan seluler (operator dan kuat "
                    "sinyal). Panggilan dan SMS tidak dibaca."
                )
            )
        if p.get("asking"):
            button, action, enabled = self.tr("Menunggu jawaban"), "ask", False
        elif p.get("can_ask", True):
            button, action, enabled = self.tr("IZINKAN"), "ask", True
        else:
            parts.append(
                self.tr(
                    "Android tidak akan bertanya lagi. Buka Pengaturan aplikasi > Izin, lalu "
                    "izinkan Lokasi (Tepat) dan Telepon."
                )
            )
            button, action, enabled = self.tr("BUKA PENGATURAN"), "settings", True
        return {
            "title": title,
            "body": "\n\n".join(parts),
            "button": button,
            "action": action,
            "enabled": enabled,
        }

    def settings_view(self) -> dict[str, Any]:
        """The Settings screen: field values and labels, the enrolment button's state."""
        s = self.settings
        enrolled = bool(self.snapshot.get("enrolled"))
        name = self.snapshot.get("device_name") or ""
        campaigns = self.campaigns()
        current = next((c["name"] for c in campaigns if c.get("id") == s.campaign_id), "")
        return {
            "values": {
                "server_url": s.server_url,
                "device_label": s.device_label,
                "interval_s": f"{s.interval_s:g}",
                "distance_m": f"{s.distance_m:g}",
                "max_accuracy_m": f"{s.max_accuracy_m:g}",
            },
            "labels": {
                "server_url": self.tr("Alamat server"),
                "code": self.tr("Kode pendaftaran atau tautan QR dari admin"),
                "device_label": self.tr("Nama petugas (untuk nama ponsel)"),
                "interval_s": self.tr("Interval otomatis (detik)"),
                "distance_m": self.tr("Jarak otomatis (meter)"),
                "max_accuracy_m": self.tr("Akurasi GPS minimum (meter)"),
                "language": self.tr("Bahasa"),
                "mode": self.tr("Mode survei"),
                "campaign": self.tr("Kampanye"),
                "alert": self.tr("Getar dan bunyi saat tidak ada layanan"),
            },
            "enrolled": enrolled,
            "enrol_button": self.tr("Ponsel terdaftar: {name}", name=name)
            if enrolled
            else self.tr("DAFTARKAN PONSEL"),
            "save": self.tr("SIMPAN"),
            "export": self.tr("Ekspor CSV"),
            "language": s.language,
            "mode": s.mode,
            "alert": s.alert_no_service,
            "campaigns": [self.tr("Semua")] + [c["name"] for c in campaigns],
            "campaign": current or self.tr("Semua"),
            "message": self.message(),
            "offer": None if enrolled else self.offer,
        }

    def campaigns(self) -> list[dict[str, Any]]:
        """The officer's campaigns as the last sync brought them (kept in the outbox)."""
        return stored_campaigns(self.outbox.get_meta("campaigns"))

    # -- the Villages screen ----------------------------------------------------------------
    def position(self) -> tuple[float, float, str] | None:
        """The last GPS fix (lat, lon, ISO time), else where the newest reading was taken."""
        fix = self.snapshot.get("fix")
        if fix and fix.get("lat") is not None and fix.get("lon") is not None:
            when = datetime.fromtimestamp(float(fix.get("time") or self.now), WIB).isoformat()
            self._here = (float(fix["lat"]), float(fix["lon"]), when)
        elif self._here is None:
            newest = self.outbox.page(0, 1)
            if newest and newest[0].get("lat") is not None:
                r = newest[0]
                self._here = (float(r["lat"]), float(r["lon"]), str(r.get("observed_at") or ""))
        return self._here

    def villages_view(self) -> dict[str, Any]:
        """The Villages screen (:class:`VillageList`): nearest first from :meth:`position`."""
        today = datetime.fromtimestamp(self.now, WIB).date()
        return self.villages.view(
            self.outbox.get_meta("campaigns"),
            self.outbox.get_meta("campaigns_at"),
            self.position(),
            today,
            self.tr,
            self.now,
            self.language,
        )

    def legend(self) -> list[tuple[str, str]]:
        """The track's legend: (class, word)."""
        return [
            ("strong", self.tr("Kuat")),
            ("weak", self.tr("Lemah")),
            ("none", self.tr("Tidak ada / sangat lemah")),
        ]

    def nav(self) -> list[tuple[str, str]]:
        return [
            ("survey", self.tr("Survei")),
            ("points", self.tr("Titik")),
            ("sync", self.tr("Sinkron")),
            ("settings", self.tr("Pengaturan")),
        ]

    # -- the Points screen ------------------------------------------------------------------
    def points_rows(self, more: bool = False) -> list[dict[str, Any]]:
        """The list's rows: brought up to date, or with one page more."""
        if more:
            return self.points.more(self.tr, self.now)
        counts = self.snapshot.get("counts") or {}
        day = datetime.fromtimestamp(self.now, WIB).date()
        key = (
            self.settings.language,
            day,
            tuple(counts.get(k, 0) for k in ("synced", "rejected", "flagged")),
            (self.snapshot.get("sync") or {}).get("at"),
            self.snapshot.get("enrolled"),
        )
        return self.points.reload(self.tr, self.now, key)

    def track_since(
        self, rowid: int = 0, limit: int = 5_000
    ) -> tuple[int, list[tuple[float, float, str | None]]]:
        """Readings stored after ``rowid`` as (x, y) metres east/north of the first point and
        their class; returns the last rowid seen, to ask from next time."""
        rows = self.outbox.since(rowid, limit)
        out: list[tuple[float, float, str | None]] = []
        for row_id, reading in rows:
            rowid = row_id
            lat, lon = reading.get("lat"), reading.get("lon")
            if lat is None or lon is None:
                continue
            if self._origin is None:
                self._origin = (lat, lon, math.cos(math.radians(lat)))
            lat0, lon0, k = self._origin
            out.append(((lon - lon0) * 111_320.0 * k, (lat - lat0) * 110_574.0, classify(reading)))
        return rowid, out

    # -- actions (each becomes an engine command) -----------------------------------------
    def record(self, note: str = "") -> None:
        self.link.command("record", note=note.strip())

    def toggle_auto(self) -> None:
        self.link.command("auto", on=not self.snapshot.get("auto", False))

    def sync(self) -> None:
        self.link.command("sync")

    def enroll(self, code: str, label: str) -> bool:
        """Enrol with the admin's code, typed or as the link of the admin's QR code (which
        sets the server address too); the device name is the phone model + ``label``."""
        label = " ".join(label.split())
        try:
            server, code = parse_enrolment(code)
        except EnrolLinkError as exc:
            self._say(exc.args[0], kind="error")
            return False
        if not code:
            self._say("Masukkan kode pendaftaran dari admin", kind="error")
            return False
        if not label:
            self._say("Isi nama petugas dulu", kind="error")
            return False
        if server is not None and server != self.settings.server_url:
            try:
                self.settings = self.settings.changed(server_url=server)
            except SettingsError as exc:
                self._say(exc.args[0], kind="error")
                return False
            self.link.command("settings", server_url=self.settings.server_url)
        if label != self.settings.device_label:
            self.settings = self.settings.changed(device_label=label)
            self.link.command("settings", device_label=label)
        self.link.command("enroll", code=code, label=label)
        self._say("Mendaftarkan ponsel")
        return True

    def offer_enrolment(self, link: str) -> bool:
        """A link that opened the app (the admin's QR code scanned with the camera): its
        server and code go into the Settings fields for the officer to check and confirm,
        never enrolled by itself; a bad link, or one for an enrolled phone, gets one line."""
        if self.snapshot.get("enrolled"):
            self._say("Ponsel ini sudah terdaftar: tautan pendaftaran tidak dipakai", kind="error")
            return False
        try:
            enrolment = parse_opened_link(link)
        except EnrolLinkError as exc:
            self._say(exc.args[0], kind="error")
            return False
        self.offer = ((self.offer[0] + 1) if self.offer else 1, enrolment)
        if self.settings.device_label:  # the officer confirms with the button
            self._say(
                "Dari kode QR: daftarkan sebagai {name}? "
                "Periksa server lalu ketuk DAFTARKAN PONSEL",
                {"name": self.settings.device_label},
            )
        else:
            self._say("Dari kode QR: periksa server, isi nama petugas, lalu ketuk DAFTARKAN PONSEL")
        return True

    def save_settings(self, **changes: Any) -> bool:
        """Check and send the officer's changes; a bad value gets a message and nothing
        changes. Numbers may come as typed text."""
        changed = {k: v for k, v in changes.items() if getattr(self.settings, k) != v}
        try:
            for name in _NUMBERS:
                if name in changed:
                    try:
                        changed[name] = float(str(changed[name]).replace(",", "."))
                    except ValueError:
                        raise SettingsError(
                            "{name}: bukan angka", {"name": _FIELD_WORDS[name]}
                        ) from None
                    if changed[name] == getattr(self.settings, name):
                        del changed[name]
            new = self.settings.changed(**changed)
        except SettingsError as exc:
            text, args = exc.args[0], dict(exc.args[1]) if len(exc.args) > 1 else {}
            if args.get("name") in _FIELD_WORDS:
                args["name"] = self.tr(_FIELD_WORDS[args["name"]])
            self._say(text, args, kind="error")
            return False
        if changed:
            self.settings = new
            self.link.command("settings", **changed)
            self._survey = None
            self._say("Pengaturan disimpan", kind="ok")
        return True

    def set_language(self, language: str) -> None:
        self.save_settings(language=language)

    def set_mode(self, mode: str) -> None:
        self.save_settings(mode=mode)

    def set_campaign(self, name: str) -> None:
        match = next((c for c in self.campaigns() if c["name"] == name), None)
        self.save_settings(campaign_id=match["id"] if match else None)

    def ask_permissions(self) -> None:
        """The permission screen's button: Android's dialog again, or the app's settings
        page after "don't ask again"."""
        view = self.permission_view()
        if self.permissions is None or view is None:
            return
        if view["action"] == "settings":
            self.permissions.open_settings()
        else:
            self.permissions.request(lambda _status: self.link.command("permissions_changed"))

    def export_csv(self) -> Path | None:
        """Write every reading as canonical CSV (on Android also to Download and the share
        sheet); None on failure."""
        exporter = self.exporter or _default_exporter()
        folder = self.data_dir / "export"
        try:
            path = exporter(self.outbox, folder)
        except Exception as exc:  # a full disk, a Java error: say so, keep the app open
            self._say("Ekspor gagal: {error}", {"error": str(exc)}, kind="error")
            return None
        self._say("Diekspor ke {path}", {"path": str(path)}, kind="ok")
        return Path(path)

    def _say(self, text: str, args: dict[str, Any] | None = None, kind: str = "info") -> None:
        self.local_message = (text, dict(args or {}), kind, self.now)
        self._survey = None

    def _local_said_long_ago(self, now: float) -> bool:
        """A success message of our own goes after ``OK_MESSAGE_SECONDS``, as the engine's do."""
        said = self.local_message
        return bool(said and said[2] == "ok" and now - said[3] >= OK_MESSAGE_SECONDS)


def _default_exporter() -> Callable[[Outbox, Path], Path]:
    """A file on desktops; on Android also Download/PetaSinyal and the share sheet."""
    from mobile.petasinyal_app.sensors import on_android

    if on_android():
        from mobile.petasinyal_app.android_share import export_and_share

        return export_and_share
    from mobile.petasinyal_app.export import export_csv

    return export_csv
