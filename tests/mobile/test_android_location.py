"""GPS through our own LocationListener, on every API level's delivery form."""

from __future__ import annotations

import pytest

from mobile.petasinyal_app.sensors.android_location import AndroidLocation
from mobile.petasinyal_app.sensors.facades import Fix
from tests.mobile.android_cases import APIS
from tests.mobile.standin import android

T = 1_700_000_000_123  # Location.getTime(): UTC milliseconds


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("mock", [False, True])
def test_fixes_arrive_with_time_accuracy_and_mock_flag(api: int, mock: bool) -> None:
    fixes: list[Fix] = []
    with android(api=api) as phone:
        gps = AndroidLocation()
        gps.start(fixes.append)
        assert [p for p, _ in phone.listeners] == ["gps"]  # the GPS provider only
        phone.gps_fix(-0.3, 100.37, time_ms=T, accuracy=4.0, mock=mock)
    assert fixes == [Fix(-0.3, 100.37, 4.0, T / 1000, None, None, mock)]
    assert gps.last_fix is fixes[0]


@pytest.mark.parametrize("api", [26, 31])
def test_accuracy_only_when_the_fix_has_one(api: int) -> None:
    fixes: list[Fix] = []
    with android(api=api) as phone:
        AndroidLocation().start(fixes.append)
        phone.gps_fix(-0.3, 100.37, time_ms=T, accuracy=None)
    assert fixes[0].accuracy_m is None


@pytest.mark.parametrize("api", [29, 34])
def test_without_location_permission_gps_reports_a_problem_not_a_crash(api: int) -> None:
    with android(api=api, granted=("PHONE",)) as phone:
        gps = AndroidLocation()
        gps.start(lambda fix: None)
        assert gps.problem == "no_permission" and phone.listeners == []
        phone.grant("FINE")
        gps.start(lambda fix: None)
        assert gps.problem is None and len(phone.listeners) == 1


@pytest.mark.parametrize("api", [28, 31])
def test_stop_removes_the_listener_and_provider_callbacks_are_answered(api: int) -> None:
    with android(api=api) as phone:
        gps = AndroidLocation()
        gps.start()
        phone.provider_disabled()
        assert gps.enabled is False
        gps.stop()
        assert phone.listeners == []
