"""Sensors behind facades (after plyer): location, the radio per SIM, the network and the
run-time permissions, each with an Android implementation (pyjnius) and a replay
implementation for desktops, demos and tests."""

from __future__ import annotations

from pathlib import Path

from mobile.petasinyal_app.sensors.facades import (
    CellReading,
    Cellular,
    Fix,
    Location,
    Permissions,
    Sensors,
)

__all__ = [
    "CellReading",
    "Cellular",
    "Fix",
    "Location",
    "Sensors",
    "android_permissions",
    "android_sensors",
    "cellular",
    "location",
    "on_android",
]


def on_android() -> bool:
    """True inside python-for-android (its ``android`` module is importable)."""
    try:
        import android  # type: ignore[import-not-found]  # noqa: F401  (python-for-android)
    except ImportError:
        return False
    return True


def android_sensors(data_dir: Path | None = None) -> Sensors:
    """All four Android sensors for the survey engine (raises off Android)."""
    if not on_android():
        raise RuntimeError("no Android sensors on this platform: use sensors.replay")
    from mobile.petasinyal_app.sensors.android import android_sensors as build

    return build(data_dir)


def android_permissions(data_dir: Path | None = None) -> Permissions:
    """The run-time permission flow for the UI process (raises off Android)."""
    if not on_android():
        raise RuntimeError("no Android permissions on this platform")
    from mobile.petasinyal_app.sensors.android_grants import AndroidPermissions

    return AndroidPermissions(data_dir / "permissions-asked" if data_dir is not None else None)


def location() -> Location:
    """The platform's location facade (Android), chosen lazily."""
    return android_sensors().location


def cellular() -> Cellular:
    """The platform's cellular-signal facade (Android), chosen lazily."""
    return android_sensors().radio
