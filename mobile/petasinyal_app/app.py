"""The Kivy app: survey, points, sync and settings screens (and the permission screen) over
the Kivy-free :class:`SurveyController`.

Layout and look are in ``petasinyal.kv``. The clock calls :meth:`PetaSinyalApp.tick` once a
second; only the screen on show is painted, and only when the controller says something
changed; the Points list is read a page at a time and the track grows by the new readings.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock, mainthread
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

from mobile.petasinyal_app.controller import SurveyController
from mobile.petasinyal_app.opened_links import OpenedLinks
from mobile.petasinyal_app.screens import track as _track  # noqa: F401 - kv classes
from mobile.petasinyal_app.screens import villages as _villages  # noqa: F401 - kv classes
from mobile.petasinyal_app.screens import widgets as _widgets  # noqa: F401 - kv classes
from mobile.petasinyal_app.screens.widgets import SimCard

__all__ = ["PetaSinyalApp"]

_KV = Path(__file__).with_name("petasinyal.kv")
_TRACK_CHUNK = 200


class NavScreen(Screen):
    """A screen with the bottom navigation bar."""


class PermissionScreen(NavScreen):
    pass


class SurveyScreen(NavScreen):
    pass


class PointsScreen(NavScreen):
    pass


class SyncScreen(NavScreen):
    pass


class SettingsScreen(NavScreen):
    pass


class VillagesScreen(NavScreen):
    """The campaign's villages, nearest first (reached from the Survey screen's bar)."""


_SCREENS = {
    "permission": PermissionScreen,
    "survey": SurveyScreen,
    "points": PointsScreen,
    "sync": SyncScreen,
    "settings": SettingsScreen,
    "villages": VillagesScreen,
}


class PetaSinyalApp(App):
    """The survey app over a controller (engine inline on desktops, the service on Android)."""

    language = StringProperty("id")
    enrolled = BooleanProperty(False)
    title = "PetaSinyal"

    def __init__(
        self,
        controller: SurveyController,
        tick_s: float = 1.0,
        links: OpenedLinks | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.controller = controller
        self.tick_s = tick_s
        self.links = links or OpenedLinks()
        self._unwatch: Any = None
        self.language = controller.language
        self._points_version = -1
        self._track_rowid = 0
        self._painted: dict[str, Any] = {}
        self._events: list[Any] = []
        self._growing: Any = None
        self._keep: Any = None
        self._painting = False
        self._bar: Any = None

    def build(self) -> ScreenManager:
        if str(_KV) not in Builder.files:
            Builder.load_file(str(_KV))
        manager = ScreenManager(transition=NoTransition())
        for name, cls in _SCREENS.items():
            manager.add_widget(cls(name=name))
        manager.current = "survey"
        points = manager.get_screen("points").ids.list
        points.bind(scroll_y=self._maybe_more, width=self._rewrap)
        campaign = manager.get_screen("settings").ids.campaign
        campaign.bind(text=lambda _w, text: self.set_campaign(text))
        self._events = [Clock.schedule_once(lambda dt: self.refresh(force=True), 0)]
        if self.tick_s:
            self._events.append(Clock.schedule_interval(self.tick, self.tick_s))
        self.controller.tick()
        first = self.links.first()
        if first is not None:
            self._events.append(Clock.schedule_once(lambda dt: self.open_link(first), 0))
        self._unwatch = self.links.watch(self._link_arrived)
        return manager

    def detach(self) -> None:
        """Stop the clock's calls (the app is closing, or a test is done with it)."""
        for event in [*self._events, self._growing, self._keep]:
            if event is not None:
                event.cancel()
        self._events, self._growing, self._keep = [], None, None
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None

    def on_stop(self) -> None:
        self.detach()

    # -- the clock ----------------------------------------------------------------------
    def tick(self, *_: Any) -> None:
        if self.controller.tick():
            self.refresh()

    def show(self, name: str) -> None:
        self.root.current = name
        self._painted.pop("values", None)
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        """Paint the screen on show from the controller's view."""
        if self.root is None:
            return
        c = self.controller
        self.language = c.language
        self.enrolled = bool(c.snapshot.get("enrolled"))
        permission = c.permission_view()
        if permission is not None and self.root.current == "survey":
            self.root.current = "permission"
        elif permission is None and self.root.current == "permission":
            self.root.current = "survey"
        screen = self.root.current_screen
        self._painting = True  # widgets set here must not call back as if tapped
        try:
            if force or self._painted.get("nav") != c.language:
                self._painted["nav"] = c.language
                for s in self.root.screens:
                    self._nav(s)
            getattr(self, f"_paint_{screen.name}")(screen.ids, force)
        finally:
            self._painting = False

    def _nav(self, screen: Screen) -> None:
        for (target, word), button in zip(
            self.controller.nav(), reversed(screen.ids.nav.children), strict=True
        ):
            button.text = word
            button.current = target == screen.name or (
                target == "survey" and screen.name == "permission"
            )

    def _paint_permission(self, ids: Any, force: bool) -> None:
        view = self.controller.permission_view()
        if view is None:
            return
        ids.title.text = view["title"]
        ids.body.text = view["body"]
        ids.ask.text = view["button"]
        ids.ask.disabled = not view["enabled"]

    def _paint_survey(self, ids: Any, force: bool) -> None:
        view = self.controller.survey()
        if not force and self._painted.get("survey") is view:
            return
        self._painted["survey"] = view
        ids.pending.text = view["pending"]
        ids.last.text = f"{view['last']}\n{view['today']}"
        ids.gps.kind, ids.gps.word = view["gps"]["kind"], view["gps"]["word"]
        ids.gps.detail = view["gps"]["detail"]
        cards = ids.cards
        while len(cards.children) < len(view["sims"]):
            cards.add_widget(SimCard())
        while len(cards.children) > len(view["sims"]):
            cards.remove_widget(cards.children[0])
        for card, sim in zip(reversed(cards.children), view["sims"], strict=True):
            card.show(sim)
        for mode, word in view["modes"]:
            button = ids[f"mode_{mode}"]
            button.text = word
            button.state = "down" if mode == view["mode"] else "normal"
        ids.note.hint_text = view["note_hint"]
        ids.record.text = view["record"]
        ids.record.disabled = not view["can_record"]
        ids.auto.text = view["auto"]
        ids.auto.active = view["auto_on"]
        ids.message.text = "\n".join(m for m in (view["service"], view["message"]) if m)
        self._campaign_bar(ids)

    def _campaign_bar(self, ids: Any) -> None:
        """The line about the campaign's villages under the GPS banner (a button to the
        Villages screen); not there at all without campaign villages."""
        text = self.controller.villages_view()["bar"]
        if self._bar is None:
            self._bar = Factory.CampaignBar()
        page = ids.gps.parent
        if text and self._bar.parent is None:
            page.add_widget(self._bar, index=len(page.children) - 2)
        elif not text and self._bar.parent is not None:
            page.remove_widget(self._bar)
        self._bar.text = text

    def _paint_villages(self, ids: Any, force: bool) -> None:
        view = self.controller.villages_view()
        if not force and self._painted.get("villages") is view:
            return
        self._painted["villages"] = view
        ids.title.text = view["title"]
        ids.summary.text = view["summary"]
        ids.origin.text = view["origin"]
        ids.empty.text = view["empty"]
        ids.list.data = view["rows"]

    def _paint_points(self, ids: Any, force: bool) -> None:
        c = self.controller
        if not force and self._points_version == c.data_version:
            return
        self._points_version = c.data_version
        ids.legend_strong.text, ids.legend_weak.text, ids.legend_none.text = (
            w for _, w in c.legend()
        )
        self._set_rows(ids, c.points_rows())
        self._grow_track()
        view = c.sync_view()
        ids.summary.text = f"{view['pending']} {view['pending_word']} · {view['counts']}"

    def _grow_track(self, *_: Any) -> None:
        """Add the readings stored since last time to the track; a long backlog (the first
        opening with days of readings) is drawn a chunk per frame, the screen stays live."""
        if self._growing is not None:
            return
        self._track_rowid, new = self.controller.track_since(self._track_rowid, _TRACK_CHUNK)
        self.root.get_screen("points").ids.track.add(new)
        if len(new) == _TRACK_CHUNK:
            self._growing = Clock.schedule_once(self._grow_more, 0)

    def _grow_more(self, *_: Any) -> None:
        self._growing = None
        self._grow_track()

    def _set_rows(self, ids: Any, rows: list[dict[str, Any]]) -> None:
        """Give the rows to the RecycleView with their heights (wrapped lines estimated from
        the text length: measuring each text would cost more than a tick)."""
        width = max(ids.list.width - dp(64), dp(160))
        per_line = max(int(width / (sp(15) * 0.55)), 10)  # Roboto: about 0.5 em a letter
        data = []
        for row in rows:
            if row["viewclass"] == "PointRow":
                lines = sum(
                    max(1, math.ceil(len(line) / (per_line * 15 / 14)))
                    for line in row["detail"].splitlines()
                )
                title = max(1, math.ceil((len(row["title"]) + len(row["when"]) + 2) / per_line))
                height = dp(18) + sp(19) * (title + 1) + sp(18) * lines
            else:
                height = dp(row["height"])
            data.append({**row, "height": height})
        ids.list.data = data

    def _rewrap(self, rv: Any, width: float) -> None:
        """The list's width is known (or changed): the rows' heights again."""
        if self.controller.points.rows:
            self._set_rows(self.root.get_screen("points").ids, self.controller.points.rows)

    def _maybe_more(self, rv: Any, scroll_y: float) -> None:
        """Near the end of the list: the next page, the view staying on the same rows."""
        if scroll_y > 0.05 or self.controller.points.exhausted or not rv.data or self._keep:
            return
        from_top = (1 - scroll_y) * max(rv.children[0].height - rv.height, 0)
        self._set_rows(self.root.get_screen("points").ids, self.controller.points_rows(more=True))
        self._keep = Clock.schedule_once(lambda dt: self._scroll_back(rv, from_top), 0)

    def _scroll_back(self, rv: Any, from_top: float) -> None:
        self._keep = None
        room = rv.children[0].height - rv.height
        rv.scroll_y = 1 - from_top / room if room > 0 else 1

    def _paint_sync(self, ids: Any, force: bool) -> None:
        view = self.controller.sync_view()
        ids.pending.text = view["pending"]
        ids.pending_word.text = view["pending_word"]
        ids.counts.text = view["counts"]
        ids.state_icon.kind = view["state"]
        ids.line.text = view["line"]
        ids.last.text = view["last"]
        sent, total = view["progress"]
        ids.progress.max, ids.progress.value = total, sent
        ids.send.text = view["button"]
        ids.send.disabled = not view["can_send"]

    def _paint_settings(self, ids: Any, force: bool) -> None:
        view = self.controller.settings_view()
        for key, text in view["labels"].items():
            ids[f"{key}_label"].text = text
        if view["values"] != self._painted.get("values"):  # saved, or shown anew: never
            self._painted["values"] = view["values"]  # overwrite what is being typed
            for key, value in view["values"].items():
                ids[key].text = value
        ids.enrol.text = view["enrol_button"]
        ids.enrol.disabled = ids.device_label.disabled = view["enrolled"]
        self._code_field(ids, shown=not view["enrolled"])
        if view["offer"] is not None and view["offer"] != self._painted.get("offer"):
            self._painted["offer"] = view["offer"]  # a link opened the app: fill it in once
            server, code = view["offer"][1]
            ids.server_url.text = server or ids.server_url.text
            ids.code.text = code
        for mode in ("stationary", "walking", "vehicle"):
            ids[f"set_{mode}"].state = "down" if view["mode"] == mode else "normal"
        for language in ("id", "en"):
            ids[f"set_{language}"].state = "down" if view["language"] == language else "normal"
        ids.set_stationary.text, ids.set_walking.text, ids.set_vehicle.text = (
            w for _, w in self.controller.survey()["modes"]
        )
        ids.alert.text = (
            self.controller.tr("Aktif") if view["alert"] else self.controller.tr("Mati")
        )
        ids.alert.state = "down" if view["alert"] else "normal"
        ids.campaign.values = view["campaigns"]
        ids.campaign.text = view["campaign"]
        ids.save.text = view["save"]
        ids.export.text = view["export"]
        ids.message.text = view["message"]

    def _code_field(self, ids: Any, shown: bool) -> None:
        """The code field and its label above the enrol button only while not enrolled."""
        grid = ids.enrol.parent
        if shown and ids.code.parent is None:
            place = grid.children.index(ids.enrol) + 1  # children run bottom to top
            grid.add_widget(ids.code, index=place)
            grid.add_widget(ids.code_label, index=place + 1)
        elif not shown and ids.code.parent is not None:
            grid.remove_widget(ids.code)
            grid.remove_widget(ids.code_label)

    # -- actions ------------------------------------------------------------------------
    @mainthread  # Android calls from its UI thread
    def _link_arrived(self, link: str) -> None:
        self.open_link(link)

    def open_link(self, link: str) -> None:
        """A link opened the app: its enrolment fills Settings (or one line says why not)."""
        self.controller.offer_enrolment(link)
        self.show("settings")

    def _after(self) -> None:
        self.controller.tick()
        self.refresh(force=True)

    def ask_permissions(self) -> None:
        self.controller.ask_permissions()
        self._after()

    def record_point(self) -> None:
        note = self.root.get_screen("survey").ids.note
        self.controller.record(note.text)
        note.text = ""
        self._after()

    def toggle_auto(self) -> None:
        self.controller.toggle_auto()
        self._after()

    def set_mode(self, mode: str) -> None:
        self.controller.set_mode(mode)
        self._after()

    def set_language(self, language: str) -> None:
        self.controller.set_language(language)
        self._after()

    def set_alert(self, on: bool) -> None:
        self.controller.save_settings(alert_no_service=on)
        self._after()

    def set_campaign(self, name: str) -> None:
        if self._painting:
            return
        self.controller.set_campaign(name)
        self._after()

    def sync_now(self) -> None:
        self.controller.sync()
        self._after()

    def enroll(self) -> None:
        ids = self.root.get_screen("settings").ids
        self.save_settings(quiet=True)
        self.controller.enroll(ids.code.text, ids.device_label.text)
        self._after()

    def save_settings(self, quiet: bool = False) -> None:
        ids = self.root.get_screen("settings").ids
        self.controller.save_settings(
            server_url=ids.server_url.text,
            interval_s=ids.interval_s.text,
            distance_m=ids.distance_m.text,
            max_accuracy_m=ids.max_accuracy_m.text,
        )
        if not quiet:
            self._after()

    def export_csv(self) -> None:
        self.controller.export_csv()
        self._after()
