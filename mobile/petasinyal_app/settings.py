"""The app's settings, kept in the data folder as JSON so a restarted phone syncs where it did.

Written atomically (a temporary file, fsync, rename): a phone switched off mid-write keeps
the old settings, never half a file. Unknown keys and values of the wrong type in the file
are ignored one by one (the rest is kept), so a file from another version never stops the app.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

__all__ = ["MODES", "SETTINGS_FILE", "Settings", "SettingsError", "load_settings", "save_settings"]

SETTINGS_FILE = "settings.json"
MODES = ("stationary", "walking", "vehicle")
_LANGUAGES = ("id", "en")


class SettingsError(ValueError):
    """A setting the officer typed cannot be used; ``args[0]`` is an Indonesian source
    string with ``{placeholders}`` and ``args[1]`` their values."""


@dataclass(slots=True)
class Settings:
    """What the officer sets once and expects to find again after a restart."""

    server_url: str = "http://127.0.0.1:5000"
    interval_s: float = 5.0
    distance_m: float = 50.0
    max_accuracy_m: float = 50.0
    language: str = "id"
    mode: str = "walking"
    campaign_id: int | None = None
    auto_sync_s: float = 120.0
    alert_no_service: bool = True
    device_label: str = ""

    def changed(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied, each checked; raise :class:`SettingsError`."""
        values = asdict(self)
        for name, value in changes.items():
            values[name] = _checked(name, value)
        return Settings(**values)


_LIMITS = {
    "interval_s": (1.0, 3600.0),
    "distance_m": (5.0, 10_000.0),
    "max_accuracy_m": (3.0, 500.0),
    "auto_sync_s": (30.0, 86_400.0),
}


def _checked(name: str, value: Any) -> Any:
    if name in _LIMITS:
        low, high = _LIMITS[name]
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise SettingsError("{name}: bukan angka", {"name": name}) from None
        if not low <= number <= high:
            raise SettingsError(
                "{name}: harus antara {low:g} dan {high:g}",
                {"name": name, "low": low, "high": high},
            )
        return number
    if name == "server_url":
        url = str(value).strip().rstrip("/")
        if not url.startswith(("http://", "https://")) or len(url) < 10:
            raise SettingsError("Alamat server harus diawali http:// atau https://", {})
        return url
    if name == "language":
        if value not in _LANGUAGES:
            raise SettingsError("Bahasa tidak dikenal: {value}", {"value": value})
        return value
    if name == "mode":
        if value not in MODES:
            raise SettingsError("Mode tidak dikenal: {value}", {"value": value})
        return value
    if name == "campaign_id":
        return None if value in (None, "") else int(value)
    if name == "alert_no_service":
        return bool(value)
    if name == "device_label":
        return " ".join(str(value).split())[:60]
    raise SettingsError("Pengaturan tidak dikenal: {name}", {"name": name})


def load_settings(data_dir: Path) -> Settings:
    """The saved settings, or the defaults; a damaged file or value keeps the default."""
    path = Path(data_dir) / SETTINGS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    settings = Settings()
    if not isinstance(raw, dict):
        return settings
    names = {f.name for f in fields(Settings)}
    for name, value in raw.items():
        if name in names:
            try:
                settings = settings.changed(**{name: value})
            except (SettingsError, TypeError, ValueError):
                continue
    return settings


def save_settings(data_dir: Path, settings: Settings) -> None:
    """Write the settings atomically (fsync'd temporary file renamed over the old one)."""
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(settings), handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, folder / SETTINGS_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
