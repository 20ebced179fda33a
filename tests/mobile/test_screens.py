"""Every screen in every state, rendered offscreen at two phone sizes in both languages:
screenshots under tests/artifacts/screens/ (to look at), and no text clipped or outside the
screen. The engine is real; the sensors are desktop ones the test sets by hand."""

from __future__ import annotations

import ctypes.util
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mobile.petasinyal_app.sensors.facades import PermissionStatus
from tests.conftest import require_part
from tests.mobile.screens_support import (
    Phone,
    in_service,
    no_service,
    unknown,
)

require_part(
    ctypes.util.find_library("GL") is not None,
    "OpenGL for Kivy's offscreen window (apt-get install libgl1-mesa-dri)",
)
kivy_tests = pytest.importorskip("kivy.tests.common")

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"
DENSITY = 2
SIZES = {"360x800": (360, 800), "412x915": (412, 915)}
HERE = (-0.3021, 100.3712)  # Agam, West Sumatra


def _strong_weak(phone: Phone) -> str:
    phone.radio.sims = [in_service(0, -88), in_service(1, -108, "Indosat", "01")]
    phone.step(1, lat=HERE[0], lon=HERE[1])
    phone.controller.record("depan kantor wali nagari")
    return "survey"


def _none_and_no_service(phone: Phone) -> str:
    phone.radio.sims = [in_service(0, -119), no_service(1)]
    phone.step(1, lat=HERE[0], lon=HERE[1])
    phone.controller.toggle_auto()
    phone.step(6, lat=HERE[0] + 0.0004, lon=HERE[1])
    return "survey"


def _one_sim_no_service(phone: Phone) -> str:
    phone.radio.sims = [no_service(0, "Telkomsel")]
    phone.step(1, lat=HERE[0], lon=HERE[1])
    return "survey"


def _airplane_no_fix(phone: Phone) -> str:
    phone.radio.sims = [unknown(0, "airplane", "Telkomsel"), unknown(1, "no_sim")]
    phone.step(1)
    return "survey"


def _bad_fix(phone: Phone) -> str:
    phone.radio.sims = [in_service(0, -97)]
    phone.step(1, lat=HERE[0], lon=HERE[1], accuracy=180.0)
    phone.controller.record()
    return "survey"


def _old_fix(phone: Phone) -> str:
    phone.radio.sims = [in_service(0, -97)]
    phone.step(1, lat=HERE[0], lon=HERE[1])
    phone.step(45)
    return "survey"


def _mock_fix(phone: Phone) -> str:
    phone.radio.sims = [in_service(0, -97)]
    phone.step(1, lat=HERE[0], lon=HERE[1], mock=True)
    return "survey"


def _location_off(phone: Phone) -> str:
    phone.radio.sims = [in_service(0, -97)]
    phone.step(1, lat=HERE[0], lon=HERE[1])
    phone.location.enabled = False
    phone.step(1)
    return "survey"


def _permission(status: PermissionStatus) -> Callable[[Phone], str]:
    def setup(phone: Phone) -> str:
        phone.permissions.granted = status
        phone.step(1)
        return "survey"  # the app shows the permission screen in its place

    return setup


def _points(phone: Phone) -> str:
    """Yesterday's readings (one flagged by the reviewer, one rejected), today's pending."""
    phone.radio.sims = [in_service(0, -95), no_service(1)]
    phone.clock.now -= 86_400
    for i in range(4):
        phone.step(6, lat=HERE[0] + 0.001 * i, lon=HERE[1] + 0.0006 * i)
        phone.controller.record()
    outbox = phone.engine.outbox
    batch = outbox.next_batch()
    assert batch is not None
    ids = [r["id"] for r in batch.readings]
    outbox.settle(
        batch.id,
        {
            "accepted": ids[:-1],
            "flagged": {ids[0]: ["poor_accuracy", "impossible_jump"]},
            "rejected": [
                {"id": ids[-1], "problems": [{"field": "rsrp_dbm", "reason": "out of range"}]}
            ],
        },
    )
    outbox.save_uploads(
        [
            {
                "upload_id": batch.id,
                "state": "has_issues",
                "comment": "Titik dekat jembatan perlu diulang, GPS melompat",
                "received_at": "2026-09-20T08:00:00Z",
                "reviewed_at": "2026-09-21T02:30:00Z",
            }
        ]
    )
    phone.clock.now += 86_400
    phone.radio.sims = [in_service(0, -112), in_service(1, -84, "XL", "11")]
    phone.step(6, lat=HERE[0] - 0.0008, lon=HERE[1] + 0.001)
    phone.controller.record("pasar")
    return "points"


def _sync_error(phone: Phone) -> str:
    phone.engine.outbox.set_meta("token", "t0ken")  # an enrolled phone
    phone.network.up = True
    phone.radio.sims = [in_service(0, -95)]
    phone.step(1, lat=HERE[0], lon=HERE[1])
    phone.controller.record()
    phone.controller.save_settings(server_url="http://127.0.0.1:9")  # nothing listens
    phone.controller.sync()
    phone.engine.wait()
    phone.step(1)
    return "sync"


def _settings_new(phone: Phone) -> str:
    phone.step(1)
    return "settings"


def _settings_enrolled(phone: Phone) -> str:
    phone.engine.outbox.set_meta("token", "t0ken")
    phone.engine.outbox.set_meta("device_name", "Redmi Note 12 - Ani (Agam)")
    phone.controller.save_settings(device_label="Ani (Agam)")
    phone.step(1)
    return "settings"


STATES: dict[str, Callable[[Phone], str]] = {
    "survey-strong-weak": _strong_weak,
    "survey-none-noservice": _none_and_no_service,
    "survey-one-sim-noservice": _one_sim_no_service,
    "survey-airplane-nofix": _airplane_no_fix,
    "survey-badfix": _bad_fix,
    "survey-oldfix": _old_fix,
    "survey-mock": _mock_fix,
    "survey-location-off": _location_off,
    "permission-denied": _permission(PermissionStatus("none", False, True)),
    "permission-approximate": _permission(PermissionStatus("approximate", True, True)),
    "permission-never": _permission(PermissionStatus("none", False, True, can_ask=False)),
    "points": _points,
    "sync-error": _sync_error,
    "settings": _settings_new,
    "settings-enrolled": _settings_enrolled,
}


def problems(root: object, width: float) -> list[str]:
    """Texts wider or taller than their widget, reaching outside the screen or broken inside
    a word; buttons and fields smaller than a 48 dp finger."""
    from kivy.metrics import dp
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label
    from kivy.uix.textinput import TextInput

    found = []
    for widget in root.walk(restrict=True):  # type: ignore[attr-defined]
        if widget.opacity == 0 or widget.width < 2:
            continue
        if isinstance(widget, ButtonBehavior | TextInput) and min(widget.size) < dp(48) - 1:
            name = getattr(widget, "text", "") or type(widget).__name__
            found.append(f"{name!r}: {widget.width / dp(1):.0f}x{widget.height / dp(1):.0f} dp")
        if not isinstance(widget, Label) or not widget.text:
            continue
        tw, th = widget.texture_size
        if tw > widget.width + 1 or th > widget.height + 1:
            found.append(f"{widget.text!r}: text {tw:.0f}x{th:.0f} in {widget.size}")
        x, _ = widget.to_window(widget.x, widget.y)
        if x < -1 or x + widget.width > width + 1:
            found.append(f"{widget.text!r}: outside the screen at x={x:.0f}")
        found += [f"{widget.text!r}: {word!r} broken" for word in _broken_words(widget)]
    for row in root.walk(restrict=True):  # type: ignore[attr-defined]
        lines = getattr(row, "ids", {}).get("lines")
        if type(row).__name__ == "PointRow" and lines is not None:
            needed = sum(c.height for c in lines.children) + lines.spacing * 3 + row.padding[1] * 2
            if needed > row.height + 1:
                found.append(f"{row.title!r}: row needs {needed:.0f} px, has {row.height:.0f}")
    return found


def _broken_words(label: Any) -> list[str]:
    """Words of a wrapping label wider than its line: Kivy breaks them between letters."""
    from kivy.core.text import Label as CoreLabel

    room = label.text_size[0]
    if not room or label.shorten:
        return []
    text = re.sub(r"\[/?\w+\]", "", label.text) if label.markup else label.text
    probe = CoreLabel(font_size=label.font_size, font_name=label.font_name, bold=label.bold)
    return [w for w in set(text.split()) if probe.get_extents(w)[0] > room + 1]


class TestScreens(kivy_tests.GraphicUnitTest):
    def setUp(self) -> None:
        super().setUp()
        from kivy.metrics import Metrics

        Metrics.density = DENSITY
        Metrics.fontscale = 1.0

    def _shoot(self, size: str, fontscale: float = 1.0) -> list[str]:
        """Every state in both languages; the problems found. With a larger system font
        (Android's "large" is 1.15) the screenshots are not kept, only checked."""
        from kivy.app import App
        from kivy.core.window import Window
        from kivy.metrics import Metrics

        from mobile.petasinyal_app.app import PetaSinyalApp

        w, h = SIZES[size]
        Window.size = (w * DENSITY, h * DENSITY)
        Metrics.fontscale = fontscale
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        found = []
        for name, setup in STATES.items():
            for language in ("id", "en"):
                phone = Phone(Path(tempfile.mkdtemp(prefix="petasinyal-screen-")))
                try:
                    if language == "en":
                        phone.controller.set_language("en")
                    screen = setup(phone)
                    app = PetaSinyalApp(phone.controller, tick_s=0)
                    App._running_app = app
                    app.root = app.build()
                    self.render(app.root)
                    app.show(screen)
                    self.advance_frames(3)
                    app.refresh(force=True)
                    self.advance_frames(3)
                    if fontscale == 1.0:
                        app.root.export_to_png(str(ARTIFACTS / f"{name}-{size}-{language}.png"))
                    found += [
                        f"{name} {size} {language}: {p}"
                        for p in problems(app.root.current_screen, Window.width)
                    ]
                    self._check(name, language, app)
                    app.detach()
                    Window.remove_widget(app.root)
                finally:
                    phone.close()
        return found

    def _check(self, name: str, language: str, app: object) -> None:
        """What each state must show, in words (not only colour)."""
        screen = app.root.current_screen  # type: ignore[attr-defined]
        texts = " ".join(
            w.text for w in screen.walk(restrict=True) if isinstance(getattr(w, "text", None), str)
        )
        if screen.name == "points":  # rows out of view are data, not widgets
            texts += " ".join(f"{r.get('title')} {r.get('detail')}" for r in screen.ids.list.data)
        assert "NONE" not in texts, name
        en = language == "en"
        expected = {
            "survey-none-noservice": "No service" if en else "Tidak ada layanan",
            "survey-airplane-nofix": "Airplane mode" if en else "Mode pesawat",
            "survey-badfix": "GPS not accurate" if en else "GPS kurang akurat",
            "survey-oldfix": "Old GPS position" if en else "Posisi GPS lama",
            "survey-mock": "Fake location" if en else "Lokasi palsu",
            "survey-location-off": "Phone location is off" if en else "Lokasi ponsel mati",
            "permission-denied": "Location permission needed" if en else "Izin lokasi diperlukan",
            "permission-approximate": "approximate" if en else "perkiraan",
            "permission-never": "OPEN SETTINGS" if en else "BUKA PENGATURAN",
            "points": "Reviewer" if en else "Peninjau",
            "sync-error": "Could not send" if en else "Gagal mengirim",
            "settings-enrolled": "Phone enrolled: Redmi Note 12 - Ani (Agam)"
            if en
            else "Ponsel terdaftar: Redmi Note 12 - Ani (Agam)",
        }.get(name)
        if expected:
            assert expected in texts, (name, language, texts[:400])
        if name.startswith("permission"):
            assert screen.name == "permission"
        if name == "settings-enrolled":
            assert screen.ids.enrol.disabled
            assert screen.ids.code.parent is None  # no code field once enrolled
        if name == "survey-location-off":
            assert screen.ids.record.disabled

    def test_every_screen_at_360x800_dp(self) -> None:
        assert self._shoot("360x800") == []

    def test_every_screen_at_412x915_dp(self) -> None:
        assert self._shoot("412x915") == []

    def test_every_screen_at_360x800_dp_with_a_large_system_font(self) -> None:
        assert self._shoot("360x800", fontscale=1.15) == []


class TestSettingsScreen(kivy_tests.GraphicUnitTest):
    def test_typing_survives_taps_and_toggles_follow_the_settings(self) -> None:
        from kivy.app import App
        from kivy.core.window import Window
        from kivy.metrics import Metrics

        from mobile.petasinyal_app.app import PetaSinyalApp

        Metrics.density = DENSITY
        Window.size = (360 * DENSITY, 800 * DENSITY)
        phone = Phone(Path(tempfile.mkdtemp(prefix="petasinyal-screen-")))
        try:
            phone.step(1)
            app = PetaSinyalApp(phone.controller, tick_s=0)
            App._running_app = app
            app.root = app.build()
            self.render(app.root)
            app.show("settings")
            ids = app.root.get_screen("settings").ids
            assert (ids.set_id.state, ids.set_en.state) == ("down", "normal")
            ids.server_url.text = "https://peta.example.id"  # typed, not saved yet
            app.set_mode("vehicle")
            phone.step(1)
            app.tick()
            assert ids.server_url.text == "https://peta.example.id"
            assert ids.set_vehicle.state == "down" and ids.set_walking.state == "normal"
            ids.set_en.dispatch("on_release")
            assert (ids.set_id.state, ids.set_en.state) == ("normal", "down")
            assert ids.mode_label.text == "Survey mode"
            ids.interval_s.text = "0"
            ids.save.dispatch("on_release")
            self.advance_frames(2)
            assert ids.message.text == "Auto interval (seconds): must be between 1 and 3600"
            app.detach()
        finally:
            phone.close()


class TestPointsScreen(kivy_tests.GraphicUnitTest):
    def test_the_list_grows_a_page_at_a_time_at_its_end_and_stays_in_place(self) -> None:
        from kivy.app import App
        from kivy.core.window import Window
        from kivy.metrics import Metrics

        from mobile.petasinyal_app.app import PetaSinyalApp

        Metrics.density = DENSITY
        Window.size = (360 * DENSITY, 800 * DENSITY)
        phone = Phone(Path(tempfile.mkdtemp(prefix="petasinyal-screen-")))
        try:
            phone.radio.sims = [in_service(0, -95), no_service(1)]
            phone.step(1, lat=HERE[0], lon=HERE[1])
            phone.controller.toggle_auto()
            for i in range(120):
                phone.step(5, lat=HERE[0] + 0.0002 * i, lon=HERE[1])
            app = PetaSinyalApp(phone.controller, tick_s=0)
            App._running_app = app
            app.root = app.build()
            self.render(app.root)
            app.show("points")
            self.advance_frames(3)
            ids = app.root.get_screen("points").ids
            assert ids.track.count == 242

            def readings() -> int:
                return sum(r["viewclass"] == "PointRow" for r in ids.list.data)

            assert readings() == 100
            ids.list.scroll_y = 0  # the officer reaches the end of the list
            self.advance_frames(3)
            assert readings() == 200 and 0.3 < ids.list.scroll_y < 0.7
            ids.list.scroll_y = 0
            self.advance_frames(3)
            assert readings() == 242 and phone.controller.points.exhausted
            phone.clock.now += 5  # a new reading arrives
            phone.location.put(HERE[0], HERE[1])
            app.tick()
            self.advance_frames(2)
            assert readings() == 244 and ids.track.count == 244
            app.detach()
        finally:
            phone.close()
