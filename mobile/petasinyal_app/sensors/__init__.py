"""Sensors behind facades (after plyer): a location facade and a cellular-signal facade, each
with an Android implementation and a replay implementation for desktops, demos and tests."""

from mobile.petasinyal_app.sensors.facades import CellReading, Cellular, Fix, Location

__all__ = ["CellReading", "Cellular", "Fix", "Location", "cellular", "location"]


def _on_android() -> bool:
    try:
        import android  # type: ignore[import-not-found]  # noqa: F401  (python-for-android)
    except ImportError:
        return False
    return True


def location() -> Location:
    """The platform's location facade (Android), chosen lazily."""
    if _on_android():
        from mobile.petasinyal_app.sensors.android import AndroidLocation

        return AndroidLocation()
    raise RuntimeError("no location sensor on this platform: use sensors.replay")


def cellular() -> Cellular:
    """The platform's cellular-signal facade (Android), chosen lazily."""
    if _on_android():
        from mobile.petasinyal_app.sensors.android import AndroidCellular

        return AndroidCellular()
    raise RuntimeError("no cellular modem on this platform: use sensors.replay")
