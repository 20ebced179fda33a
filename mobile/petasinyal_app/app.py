"""The Kivy app: four screens (survey, points, sync, settings) over the controller.

Layout and look are in ``petasinyal.kv``; everything the screens show comes from
``SurveyController.view()``, refreshed by the Kivy clock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock, mainthread
from kivy.graphics import Color, Ellipse, Rectangle
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager
from kivy.uix.widget import Widget

from mobile.petasinyal_app.controller import SurveyController

__all__ = ["PetaSinyalApp"]

_COLOURS = {
    "strong": (0.10, 0.59, 0.25, 1),
    "weak": (0.99, 0.68, 0.38, 1),
    "none": (0.84, 0.10, 0.11, 1),
    None: (0.55, 0.55, 0.55, 1),
}
_SCREENS = (
    ("survey", "Survei"),
    ("points", "Titik"),
    ("sync", "Sinkron"),
    ("settings", "Pengaturan"),
)


class TrackView(Widget):
    """The officer's track on a plain canvas (no map tiles needed), coloured by class."""

    def __init__(self, **kwargs: Any):
        self.points: list[dict[str, Any]] = []
        super().__init__(**kwargs)

    def on_size(self, *_: Any) -> None:
        self.draw(self.points)

    def on_pos(self, *_: Any) -> None:
        self.draw(self.points)

    def draw(self, points: list[dict[str, Any]]) -> None:
        from analysis.classes import classify

        self.points = points
        self.canvas.clear()
        with self.canvas:
            Color(0.93, 0.95, 0.97, 1)
            Rectangle(pos=self.pos, size=self.size)
        if not points:
            return
        lats = [p["lat"] for p in points]
        lons = [p["lon"] for p in points]
        span = max(max(lats) - min(lats), max(lons) - min(lons), 1e-4)
        scale = 0.9 * min(self.width, self.height) / span
        cx, cy = (max(lons) + min(lons)) / 2, (max(lats) + min(lats)) / 2
        with self.canvas:
            for p in points:
                Color(*_COLOURS[classify(p)])
                x = self.center_x + (p["lon"] - cx) * scale
                y = self.center_y + (p["lat"] - cy) * scale
                Ellipse(pos=(x - 4, y - 4), size=(8, 8))


class SurveyScreen(Screen):
    gps_bad = BooleanProperty(False)


class PointsScreen(Screen):
    pass


class SyncScreen(Screen):
    pass


class SettingsScreen(Screen):
    pass


class PetaSinyalApp(App):
    """The survey app; give it a controller (Android sensors or a replayed trace)."""

    language = StringProperty("id")
    title = "PetaSinyal"

    def __init__(self, controller: SurveyController, tick_s: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.controller = controller
        self.tick_s = tick_s
        self.language = controller.settings.language

    def build(self) -> ScreenManager:
        Builder.load_file(str(Path(__file__).with_name("petasinyal.kv")))
        manager = ScreenManager(transition=NoTransition())
        for cls, (name, _) in zip(
            (SurveyScreen, PointsScreen, SyncScreen, SettingsScreen), _SCREENS, strict=True
        ):
            screen = cls(name=name)
            for target, words in _SCREENS:
                button = Button(
                    font_size="16sp",
                    bold=target == name,
                    background_normal="",
                    background_color=(0.12, 0.31, 0.55, 1)
                    if target == name
                    else (0.20, 0.20, 0.22, 1),
                    color=(1, 1, 1, 1),
                    on_release=lambda *_, t=target: self.show(t),
                )
                button.words = words
                screen.ids.nav.add_widget(button)
            manager.add_widget(screen)
        settings = manager.get_screen("settings").ids
        s = self.controller.settings
        settings.server.text = s.server_url
        settings.interval.text = f"{s.interval_s:g}"
        settings.distance.text = f"{s.distance_m:g}"
        settings.accuracy.text = f"{s.max_accuracy_m:g}"
        Clock.schedule_interval(self.tick, self.tick_s)
        Clock.schedule_once(lambda dt: self.refresh(), 0)
        return manager

    def tr(self, text: str) -> str:
        return self.controller.tr(text)

    def show(self, name: str) -> None:
        self.root.current = name
        self.refresh()

    def tick(self, *_: Any) -> None:
        self.controller.tick()
        self.refresh()

    def set_mode(self, mode: str) -> None:
        self.controller.settings.mode = mode

    def set_language(self, language: str) -> None:
        self.controller.settings.language = self.language = language
        self.refresh()

    def record_point(self) -> None:
        note = self.root.get_screen("survey").ids.note
        if self.controller.record_point(note.text):
            note.text = ""
        self.refresh()

    def toggle_auto(self) -> None:
        self._apply_settings()
        self.controller.toggle_auto()
        self.refresh()

    def enroll(self) -> None:
        self._apply_settings()
        self.controller.enroll(self.root.get_screen("settings").ids.code.text)
        self.refresh()

    def sync_now(self) -> None:
        self._apply_settings()
        self.controller.sync_now(done=self._synced)
        self.refresh()

    @mainthread
    def _synced(self) -> None:
        self.refresh()

    def _apply_settings(self) -> None:
        ids = self.root.get_screen("settings").ids
        s = self.controller.settings
        s.server_url = ids.server.text.strip() or s.server_url
        for name, widget in (
            ("interval_s", ids.interval),
            ("distance_m", ids.distance),
            ("max_accuracy_m", ids.accuracy),
        ):
            try:
                setattr(s, name, float(widget.text))
            except ValueError:
                widget.text = f"{getattr(s, name):g}"
        self.controller.recorder.max_accuracy_m = s.max_accuracy_m

    def refresh(self) -> None:
        """Paint every screen from the controller's view."""
        if self.root is None:
            return
        view = self.controller.view()
        tr = self.tr
        for screen in self.root.screens:
            for button in screen.ids.nav.children:
                button.text = tr(button.words)
        survey = self.root.get_screen("survey")
        ids = survey.ids
        survey.gps_bad = view["gps_problem"] is not None
        ids.gps.text = view["gps"] + (f"\n{view['gps_problem']}" if view["gps_problem"] else "")
        ids.mode_stationary.text = tr("Diam")
        ids.mode_walking.text = tr("Jalan kaki")
        ids.mode_vehicle.text = tr("Kendaraan")
        ids.note.hint_text = tr("Catatan (opsional)")
        ids.record.text = tr("REKAM TITIK")
        ids.record.disabled = view["gps_problem"] is not None
        ids.auto.text = tr("Hentikan otomatis") if view["auto"] else tr("Mulai otomatis")
        ids.message.text = view["message"]
        ids.cells.clear_widgets()
        for cell in view["cells"]:
            ids.cells.add_widget(_cell_card(cell))
        points = self.root.get_screen("points").ids
        points.track.draw(view["points"])
        points.summary.text = (
            f"{tr('Belum terkirim')} {view['pending']}  |  "
            f"{tr('Terkirim')} {view['synced']}  |  "
            f"{tr('Ditolak')} {view['rejected']}"
        )
        reviews = [
            f"[b]{tr('Perlu survei ulang')}[/b]: {u['comment'] or ''}"
            for u in view["uploads"]
            if u["state"] in ("has_issues", "rejected")
        ]
        points.reviews.text = "\n".join(reviews)
        sync = self.root.get_screen("sync").ids
        sync.pending.text = f"{view['pending']} {tr('Belum terkirim').lower()}"
        sync.details.text = (
            f"{tr('Terkirim')}: {view['synced']}   {tr('Ditolak')}: "
            f"{view['rejected']}\n{tr('Sinkron terakhir')}: {view['last_sync']}"
        )
        sent, total = view["progress"]
        sync.progress.max = max(total, 1)
        sync.progress.value = sent
        sync.send.text = tr("Sedang mengirim") if view["syncing"] else tr("KIRIM SEKARANG")
        sync.send.disabled = view["syncing"]
        sync.message.text = view["message"]
        settings = self.root.get_screen("settings").ids
        settings.server_label.text = tr("Alamat server")
        settings.code_label.text = tr("Kode pendaftaran dari admin")
        settings.enrol.text = tr("Ponsel terdaftar") if view["enrolled"] else tr("DAFTARKAN PONSEL")
        settings.interval_label.text = tr("Interval otomatis (detik)")
        settings.distance_label.text = tr("Jarak otomatis (meter)")
        settings.accuracy_label.text = tr("Akurasi GPS minimum (meter)")
        settings.language_label.text = tr("Bahasa")
        campaigns = ", ".join(c["name"] for c in view["campaigns"]) or "-"
        settings.message.text = f"{view['message']}\n{tr('Kampanye')}: {campaigns}"


def _point_line(point: dict[str, Any], tr: Any) -> str:
    """One reading in the list: WIB time, technology, value, sent or not, server flags."""
    from datetime import datetime, timedelta, timezone

    when = datetime.fromisoformat(point["observed_at"].replace("Z", "+00:00"))
    wib = when.astimezone(timezone(timedelta(hours=7))).strftime("%d-%m %H:%M:%S")
    value = point.get("rsrp_dbm") or point.get("rscp_dbm") or point.get("rssi_dbm")
    shown = tr("Tidak ada layanan") if point["tech"] == "NONE" else f"{value:.0f} dBm"
    state = {"pending": "Belum terkirim", "synced": "Terkirim", "rejected": "Ditolak"}
    flags = f"  [color=b00020]{point['_flags']}[/color]" if point.get("_flags") else ""
    return (
        f"{wib}  {point.get('operator') or ''} {point['tech']} {shown}  "
        f"({tr(state[point['_state']])}){flags}"
    )


def _cell_card(cell: dict[str, Any]) -> Widget:
    from kivy.factory import Factory

    card = Factory.Card(size_hint_y=None, height="64dp")
    swatch = Widget(size_hint_x=None, width="18dp")
    with swatch.canvas:
        Color(*_COLOURS[cell["cls"]])
        rect = Rectangle(pos=swatch.pos, size=swatch.size)
    swatch.bind(
        pos=lambda w, v: setattr(rect, "pos", v), size=lambda w, v: setattr(rect, "size", v)
    )
    card.add_widget(swatch)
    card.add_widget(
        Label(
            text=f"[b]{cell['operator']}[/b]  {cell['tech']}\n{cell['label']}",
            markup=True,
            font_size="17sp",
            halign="left",
            text_size=(None, None),
        )
    )
    card.add_widget(Label(text=cell["value"], font_size="24sp", bold=True))
    return card
