"""Run-time permissions on Android, through python-for-android's ``android.permissions``.

Asks for precise and approximate location together (Android 12 ignores FINE alone), the
phone state, and notifications on API 33+, with a callback. The status reads the grants
with ``Context.checkSelfPermission`` (works in the service process too). After the officer
was asked once, a missing permission whose ``shouldShowRequestPermissionRationale`` is
false means Android will not show the dialog again ("don't ask again"): only the app's
page in the system settings is left, which :meth:`open_settings` opens.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mobile.petasinyal_app.sensors.android_context import autoclass, context, sdk_int
from mobile.petasinyal_app.sensors.facades import Permissions, PermissionStatus

__all__ = ["AndroidPermissions", "wanted_permissions"]

FINE = "android.permission.ACCESS_FINE_LOCATION"
COARSE = "android.permission.ACCESS_COARSE_LOCATION"
PHONE = "android.permission.READ_PHONE_STATE"
NOTIFICATIONS = "android.permission.POST_NOTIFICATIONS"  # a run-time permission from API 33
PERMISSION_GRANTED = 0  # PackageManager.PERMISSION_GRANTED


def wanted_permissions(api: int) -> list[str]:
    return [FINE, COARSE, PHONE] + ([NOTIFICATIONS] if api >= 33 else [])


class AndroidPermissions(Permissions):
    """``asked_file`` remembers across restarts that the dialog was shown once."""

    def __init__(self, asked_file: Path | None = None):
        self.asked_file = asked_file
        self._asked = asked_file is not None and asked_file.exists()
        self._asking = False

    def _status(self) -> PermissionStatus:
        ctx, api = context(), sdk_int()
        granted = {
            p for p in wanted_permissions(api) if ctx.checkSelfPermission(p) == PERMISSION_GRANTED
        }
        location = "precise" if FINE in granted else "approximate" if COARSE in granted else "none"
        missing = [p for p in (FINE, COARSE, PHONE) if p not in granted]
        return PermissionStatus(
            location=location,
            phone=PHONE in granted,
            notifications=api < 33 or NOTIFICATIONS in granted,
            can_ask=self._can_ask(missing),
            asking=self._asking,
        )

    def _can_ask(self, missing: list[str]) -> bool:
        if not missing or not self._asked:
            return True
        activity = autoclass("org.kivy.android.PythonActivity").mActivity
        if activity is None:  # the service cannot tell; the UI will
            return True
        return any(activity.shouldShowRequestPermissionRationale(p) for p in missing)

    def _request(self, done: Callable[[PermissionStatus], None]) -> None:
        from android.permissions import request_permissions  # type: ignore[import-not-found]

        def answered(permissions: list[str], grants: list[bool]) -> None:
            self._asking = False
            self._remember_asked()
            done(self.status())

        self._asking = True
        request_permissions(wanted_permissions(sdk_int()), answered)

    def _remember_asked(self) -> None:
        self._asked = True
        if self.asked_file is not None:
            self.asked_file.parent.mkdir(parents=True, exist_ok=True)
            self.asked_file.touch()

    def _open_settings(self) -> None:
        ctx: Any = context()
        intent_class = autoclass("android.content.Intent")
        uri = autoclass("android.net.Uri").fromParts("package", ctx.getPackageName(), None)
        action = autoclass("android.provider.Settings").ACTION_APPLICATION_DETAILS_SETTINGS
        intent = intent_class(action, uri)
        intent.addFlags(intent_class.FLAG_ACTIVITY_NEW_TASK)
        ctx.startActivity(intent)
