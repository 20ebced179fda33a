"""The admin's QR code opens the app: the manifest's intent filter, the launching intent and
later ones read through the pyjnius stand-in (``getData()`` is a ``Uri`` or null, new
intents come through python-for-android's ``android.activity``), and the Settings screen
filled for the officer to confirm; a hostile link is one line and fills nothing."""

from __future__ import annotations

import configparser
import ctypes.util
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from mobile.petasinyal_app.opened_links import AndroidLinks, GivenLink
from tests.conftest import require_part
from tests.mobile.screens_support import Phone
from tests.mobile.standin import android

MOBILE = Path(__file__).resolve().parents[2] / "mobile"
ANDROID_NS = "http://schemas.android.com/apk/res/android"
LINK = "petasinyal://enrol?server=https%3A%2F%2Fpeta.sumbarprov.go.id&code=K7Q2-M9XD"
HOSTILE = [
    "petasinyal://settings?server=https%3A%2F%2Fx.id&code=K7Q2",  # wrong host
    "petasinyal://enrol?server=https%3A%2F%2Fx.id",  # no code
    "petasinyal://enrol?server=javascript:alert(1)&code=K7Q2",
    "javascript:alert(document.cookie)",  # an explicit intent needs no filter
    "petasinyal://enrol?server=file%3A%2F%2F%2Fdata&code=K7Q2",  # not http(s)
    "petasinyal://enrol?code=K7Q2&server=https://x.id/" + "a" * 600,  # far too long
    "petasinyal://enrol?server=https%3A%2F%2Fx.id&code=K7%0AQ2%00",  # control characters
    "petasinyal://[enrol?code=K7Q2",  # not even an address
]


def _spec() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(MOBILE / "buildozer.spec")
    return parser["app"]


def test_the_manifest_sends_petasinyal_enrol_links_to_the_app() -> None:
    """python-for-android pastes the file into the <activity> element: it must be a
    well-formed fragment (no XML declaration) using the manifest's android: namespace."""
    spec = _spec()
    text = (MOBILE / spec["android.manifest.intent_filters"]).read_text(encoding="utf-8")
    assert "<?xml" not in text
    activity = ET.fromstring(f'<activity xmlns:android="{ANDROID_NS}">{text}</activity>')
    [intent_filter] = activity.findall("intent-filter")

    def names(tag: str) -> set[str]:
        return {e.get(f"{{{ANDROID_NS}}}name", "") for e in intent_filter.findall(tag)}

    assert names("action") == {"android.intent.action.VIEW"}
    assert names("category") == {
        "android.intent.category.DEFAULT",
        "android.intent.category.BROWSABLE",
    }
    [data] = intent_filter.findall("data")
    assert data.get(f"{{{ANDROID_NS}}}scheme") == "petasinyal"
    assert data.get(f"{{{ANDROID_NS}}}host") == "enrol"
    assert spec["android.manifest.launch_mode"] == "singleTask"  # new links: onNewIntent


def test_the_launching_intent_and_later_ones_as_android_gives_them() -> None:
    with android() as device:
        links = AndroidLinks()
        assert links.first() is None  # the launcher's MAIN intent has no data
        device.launched_by(LINK)
        assert links.first() == LINK
        heard: list[str] = []
        unwatch = links.watch(heard.append)
        device.open_link("petasinyal://enrol?code=A1")
        device.open_link("petasinyal://enrol?code=B2", action="android.intent.action.MAIN")
        assert heard == ["petasinyal://enrol?code=A1"]  # only VIEW intents carry a link
        unwatch()
        assert device.intent_listeners == []
        device.open_link("petasinyal://enrol?code=C3")
        assert heard == ["petasinyal://enrol?code=A1"]


def test_the_stand_in_gives_a_uri_not_a_string() -> None:
    """``getData()`` is declared ``android.net.Uri``: text only through ``toString()``."""
    with android() as device:
        from jnius import autoclass

        device.launched_by(LINK)
        intent = autoclass("org.kivy.android.PythonActivity").mActivity.getIntent()
        uri = intent.getData()
        assert not isinstance(uri, str) and str(uri) != LINK
        assert uri.toString() == LINK and intent.getDataString() == LINK
        with pytest.raises(AttributeError):
            uri.getQueryParameter("code")  # not in the stand-in's table: not used


require_part(
    ctypes.util.find_library("GL") is not None,
    "OpenGL for Kivy's offscreen window (apt-get install libgl1-mesa-dri)",
)
kivy_tests = pytest.importorskip("kivy.tests.common")


class TestOpenedLinks(kivy_tests.GraphicUnitTest):
    @contextmanager
    def _app(self, links: Any, setup: Any = None) -> Iterator[tuple[Any, Phone]]:
        from kivy.app import App
        from kivy.core.window import Window
        from kivy.metrics import Metrics

        from mobile.petasinyal_app.app import PetaSinyalApp

        Metrics.density = 2
        Window.size = (720, 1600)
        phone = Phone(Path(tempfile.mkdtemp(prefix="petasinyal-link-")))
        try:
            phone.step(1)
            if setup is not None:
                setup(phone)
            app = PetaSinyalApp(phone.controller, tick_s=0, links=links)
            App._running_app = app
            app.root = app.build()
            self.render(app.root)
            self.advance_frames(2)
            try:
                yield app, phone
            finally:
                # on_stop detaches the app and clears kv's cached ``app`` (a tap resolved it)
                app.dispatch("on_stop")
                Window.remove_widget(app.root)
        finally:
            phone.close()

    def _settings(self, app: Any) -> Any:
        return app.root.get_screen("settings").ids

    def test_a_link_that_starts_the_app_fills_settings(self) -> None:
        local = "petasinyal://enrol?server=http%3A%2F%2F127.0.0.1%3A9&code=K7Q2-M9XD"
        with android() as device:
            device.launched_by(local)  # 127.0.0.1:9: nothing listens, nothing leaves
            with self._app(AndroidLinks()) as (app, phone):
                ids = self._settings(app)
                assert app.root.current == "settings"
                assert (ids.server_url.text, ids.code.text) == ("http://127.0.0.1:9", "K7Q2-M9XD")
                assert ids.message.text == (
                    "Dari kode QR: periksa server, isi nama petugas, lalu ketuk DAFTARKAN PONSEL"
                )
                assert phone.engine.settings.server_url != "http://127.0.0.1:9"  # not saved
                ids.device_label.text = "Ani"
                ids.enrol.dispatch("on_release")  # the officer's tap enrols
                assert phone.engine.settings.server_url == "http://127.0.0.1:9"
                assert phone.engine.settings.device_label == "Ani"
                phone.engine.wait()

    def test_a_link_while_the_app_runs_fills_settings_and_asks_to_confirm(self) -> None:
        def named(phone: Phone) -> None:
            phone.controller.set_language("en")
            phone.controller.save_settings(device_label="Ani (Agam)")

        with android() as device, self._app(AndroidLinks(), named) as (app, _):
            ids = self._settings(app)
            assert app.root.current == "survey"
            device.open_link(LINK)  # Android's UI thread: the app takes it on its own
            assert ids.code.text == ""
            self.advance_frames(1)
            assert app.root.current == "settings"
            assert (ids.server_url.text, ids.code.text) == (
                "https://peta.sumbarprov.go.id",
                "K7Q2-M9XD",
            )
            assert ids.message.text == (
                "From the QR code: enrol as Ani (Agam)? Check the server, then tap ENROL PHONE"
            )
            ids.code.text = ""  # the officer cleared it; the same QR code again fills it
            device.open_link(LINK)
            self.advance_frames(1)
            assert ids.code.text == "K7Q2-M9XD"
        assert device.intent_listeners == []  # detach unbinds

    def test_a_launch_without_a_link_changes_nothing(self) -> None:
        with android(), self._app(AndroidLinks()) as (app, phone):
            ids = self._settings(app)
            assert app.root.current == "survey"
            assert phone.controller.offer is None and phone.controller.message() == ""
            app.show("settings")
            assert ids.code.text == "" and ids.message.text == ""
            assert ids.server_url.text == phone.controller.settings.server_url

    def test_hostile_links_are_one_line_and_fill_nothing(self) -> None:
        with android() as device, self._app(AndroidLinks()) as (app, phone):
            ids = self._settings(app)
            before = phone.controller.settings.server_url
            for link in HOSTILE:
                device.open_link(link)
                self.advance_frames(1)
                assert app.root.current == "settings"
                assert (ids.server_url.text, ids.code.text) == (before, ""), link
                line = ids.message.text
                assert line and "\n" not in line and len(line) < 90, (link, line)
            assert phone.controller.offer is None
            assert phone.controller.settings.server_url == before

    def test_an_enrolled_phone_hides_the_code_and_refuses_a_link(self) -> None:
        def enrolled(phone: Phone) -> None:
            phone.engine.outbox.set_meta("token", "t0ken")
            phone.engine.outbox.set_meta("device_name", "Redmi Note 12 - Ani")
            phone.step(1)

        with self._app(GivenLink(LINK), enrolled) as (app, phone):
            ids = self._settings(app)
            assert app.root.current == "settings"
            assert ids.code.parent is None and ids.code_label.parent is None
            assert ids.enrol.disabled
            assert ids.message.text == (
                "Ponsel ini sudah terdaftar: tautan pendaftaran tidak dipakai"
            )
            assert ids.server_url.text == phone.controller.settings.server_url
