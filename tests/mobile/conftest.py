"""Kivy renders offscreen in tests (no Xvfb): set before anything imports Kivy."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="petasinyal-kivy-"))


@pytest.fixture
def server_app(tmp_path: Path) -> Iterator[Flask]:
    """A live server's app with officer ``ani`` (see ``tests.mobile.live_server``)."""
    from tests.mobile.live_server import officer_server

    yield from officer_server(tmp_path)
