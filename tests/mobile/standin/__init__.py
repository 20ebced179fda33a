"""A faithful stand-in for pyjnius, the Android SDK classes the app uses and
python-for-android's ``android.permissions``, over a simulated :class:`Device`.

``with android(api=31, sims=[...]) as device:`` installs ``jnius``, ``android``,
``android.permissions`` and ``android.activity`` in ``sys.modules`` for the block and yields
the device to change.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from tests.mobile.standin.device import UNAVAILABLE, Cell, Device, Sim
from tests.mobile.standin.jnius import JavaException, make_module

__all__ = ["UNAVAILABLE", "Cell", "Device", "JavaException", "Sim", "android"]

_NAMES = ("jnius", "android", "android.permissions", "android.activity")


def _p4a_modules(device: Device) -> tuple[types.ModuleType, types.ModuleType]:
    """python-for-android's ``android`` package and its ``android.permissions`` module."""
    package = types.ModuleType("android")
    package.__path__ = []
    permissions = types.ModuleType("android.permissions")

    class Permission:
        ACCESS_FINE_LOCATION = "android.permission.ACCESS_FINE_LOCATION"
        ACCESS_COARSE_LOCATION = "android.permission.ACCESS_COARSE_LOCATION"
        READ_PHONE_STATE = "android.permission.READ_PHONE_STATE"
        ACCESS_NETWORK_STATE = "android.permission.ACCESS_NETWORK_STATE"

    def request_permissions(perms: list[str], callback: Any = None) -> None:
        if device.activity is None:  # the service process: no activity to ask from
            raise AttributeError("'NoneType' object has no attribute 'requestPermissions'")
        results = device.request_permissions(list(perms))
        if callback is not None:
            callback(list(perms), results)

    def check_permission(permission: str) -> bool:
        if device.activity is None:
            raise AttributeError("'NoneType' object has no attribute 'checkCurrentPermission'")
        return permission in device.granted

    permissions.__dict__.update(
        Permission=Permission,
        request_permissions=request_permissions,
        request_permission=lambda p, callback=None: request_permissions([p], callback),
        check_permission=check_permission,
    )
    package.permissions = permissions  # type: ignore[attr-defined]
    return package, permissions


def _activity_module(jnius: types.ModuleType) -> types.ModuleType:
    """python-for-android's ``android.activity`` as it is written: a NewIntentListener proxy
    registered with ``PythonActivity.mActivity`` (read when the module is imported: ``None``
    in the service process, where ``bind`` then fails as on the phone)."""
    module = types.ModuleType("android.activity")
    activity = jnius.autoclass("org.kivy.android.PythonActivity").mActivity
    listeners: list[Any] = []

    class NewIntentListener(jnius.PythonJavaClass):  # type: ignore[name-defined,misc]
        __javainterfaces__: ClassVar[list[str]] = [
            "org/kivy/android/PythonActivity$NewIntentListener"
        ]
        __javacontext__ = "app"

        def __init__(self, callback: Any) -> None:
            super().__init__()
            self.callback = callback

        @jnius.java_method("(Landroid/content/Intent;)V")
        def onNewIntent(self, intent: Any) -> None:
            self.callback(intent)

    def bind(**kwargs: Any) -> None:
        for event, callback in kwargs.items():
            if event != "on_new_intent":  # on_activity_result: not modelled
                raise Exception(f"Unknown {event!r} event")
            listener = NewIntentListener(callback)
            activity.registerNewIntentListener(listener)
            listeners.append(listener)

    def unbind(**kwargs: Any) -> None:
        for event, callback in kwargs.items():
            if event != "on_new_intent":
                raise Exception(f"Unknown {event!r} event")
            for listener in listeners[:]:
                if listener.callback == callback:
                    listeners.remove(listener)
                    activity.unregisterNewIntentListener(listener)

    module.__dict__.update(bind=bind, unbind=unbind, NewIntentListener=NewIntentListener)
    return module


@contextmanager
def installed(device: Device) -> Iterator[Device]:
    """``device`` behind ``jnius``, ``android``, ``android.permissions`` and
    ``android.activity`` for the block; the modules that were there before come back."""
    package, permissions = _p4a_modules(device)
    jnius = make_module(device)
    activity = _activity_module(jnius)
    package.activity = activity  # type: ignore[attr-defined]
    saved = {name: sys.modules.get(name) for name in _NAMES}
    sys.modules.update(
        {
            "jnius": jnius,
            "android": package,
            "android.permissions": permissions,
            "android.activity": activity,
        }
    )
    try:
        yield device
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


@contextmanager
def android(
    api: int = 34,
    sims: list[Sim] | None = None,
    granted: tuple[str, ...] = ("FINE", "COARSE", "PHONE", "NOTIFICATIONS"),
) -> Iterator[Device]:
    """Install the stand-in for the block; ``granted`` lists short permission names."""
    device = Device(api, sims)
    device.grant(*granted)
    with installed(device):
        yield device
