"""The run-time permission flow: granted, denied, approximate only, don't ask again."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobile.petasinyal_app.sensors.android_grants import AndroidPermissions
from mobile.petasinyal_app.sensors.facades import PermissionStatus
from tests.mobile.android_cases import APIS
from tests.mobile.standin import android

FINE = "android.permission.ACCESS_FINE_LOCATION"
COARSE = "android.permission.ACCESS_COARSE_LOCATION"
PHONE = "android.permission.READ_PHONE_STATE"
NOTIFY = "android.permission.POST_NOTIFICATIONS"


def ask(
    api: int, dialog: str, asked_file: Path | None = None
) -> tuple[list[PermissionStatus], object]:
    answers: list[PermissionStatus] = []
    with android(api=api, granted=()) as phone:
        phone.dialog = dialog
        AndroidPermissions(asked_file).request(answers.append)
    return answers, phone


@pytest.mark.parametrize("api", APIS)
def test_granted_asks_location_both_ways_phone_and_notifications_from_33(api: int) -> None:
    (status,), phone = ask(api, "allow")
    assert status.ready and status.location == "precise" and status.notifications
    assert phone.asked == [[FINE, COARSE, PHONE] + ([NOTIFY] if api >= 33 else [])]  # type: ignore[attr-defined]


@pytest.mark.parametrize("api", APIS)
def test_denied_can_be_asked_again(api: int) -> None:
    (status,), _ = ask(api, "deny")
    assert (status.location, status.phone, status.ready, status.can_ask) == (
        "none",
        False,
        False,
        True,
    )
    assert status.notifications is (api < 33)


@pytest.mark.parametrize("api", [31, 34, 35])
def test_approximate_only_is_not_ready(api: int) -> None:
    (status,), _ = ask(api, "approximate")
    assert (status.location, status.phone, status.ready, status.can_ask) == (
        "approximate",
        True,
        False,
        True,
    )


@pytest.mark.parametrize("api", APIS)
def test_dont_ask_again_leaves_only_the_settings_page(api: int) -> None:
    answers: list[PermissionStatus] = []
    with android(api=api, granted=()) as phone:
        phone.dialog = "never"
        permissions = AndroidPermissions()
        assert permissions.status().can_ask  # never asked yet
        permissions.request(answers.append)
        assert answers[0].can_ask is False
        permissions.open_settings()
    assert phone.started == [
        {
            "action": "android.settings.APPLICATION_DETAILS_SETTINGS",
            "data": "package:org.petasinyal.app",
            "flags": 0x10000000,
        }
    ]


def test_the_asked_mark_survives_a_restart(tmp_path: Path) -> None:
    mark = tmp_path / "asked"
    ask(34, "never", mark)
    assert mark.exists()
    with android(api=34, granted=()) as phone:
        phone.never_ask |= {FINE, COARSE, PHONE}
        assert AndroidPermissions(mark).status().can_ask is False
        assert AndroidPermissions(None).status().can_ask is True  # would ask, Android says no


def test_status_works_in_the_service_process() -> None:
    with android(api=34, granted=("FINE", "COARSE", "PHONE")) as phone:
        phone.activity = None  # python-for-android's service: no PythonActivity.mActivity
        status = AndroidPermissions().status()
    assert status.ready and status.notifications is False
