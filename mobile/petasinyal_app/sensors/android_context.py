"""The few pyjnius look-ups every Android sensor needs: the API level and a Context.

Nothing here imports ``jnius`` at module load, so the package imports on desktops too.
"""

from __future__ import annotations

from typing import Any

__all__ = ["autoclass", "context", "jnius", "sdk_int"]


def jnius() -> Any:
    import jnius as module  # type: ignore[import-not-found]  (pyjnius, on the phone)

    return module


def autoclass(name: str) -> Any:
    return jnius().autoclass(name)


def sdk_int() -> int:
    """``Build.VERSION.SDK_INT``: the device's API level."""
    return int(autoclass("android.os.Build$VERSION").SDK_INT)


def context() -> Any:
    """The activity in the UI process, the service in python-for-android's service process."""
    activity = autoclass("org.kivy.android.PythonActivity").mActivity
    if activity is not None:
        return activity
    return autoclass("org.kivy.android.PythonService").mService
