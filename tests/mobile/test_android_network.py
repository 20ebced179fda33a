"""Network: a validated default network, one that is not validated, none at all."""

from __future__ import annotations

import pytest

from mobile.petasinyal_app.sensors.android_network import AndroidNetwork
from tests.mobile.standin import android


@pytest.mark.parametrize(("network", "online"), [(True, True), (False, False), (None, False)])
@pytest.mark.parametrize("api", [26, 34])
def test_online_only_when_the_network_is_validated(
    api: int, network: bool | None, online: bool
) -> None:
    with android(api=api) as phone:
        phone.network = network
        assert AndroidNetwork().online() is online


def test_network_comes_back() -> None:
    with android(api=35) as phone:
        net = AndroidNetwork()
        phone.network = None
        assert net.online() is False
        phone.network = True
        assert net.online() is True


def test_without_network_state_permission_it_cannot_tell() -> None:
    with android(api=34) as phone:
        phone.granted.discard("android.permission.ACCESS_NETWORK_STATE")
        assert AndroidNetwork().online() is None


def test_android_sensors_builds_the_four_facades(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from mobile.petasinyal_app import sensors

    with pytest.raises(RuntimeError):
        sensors.android_sensors()
    with android(api=34):
        built = sensors.android_sensors(tmp_path)
        assert type(built.radio).__name__ == "AndroidCellular"
        assert type(built.location).__name__ == "AndroidLocation"
        assert type(built.network).__name__ == "AndroidNetwork"
        assert type(built.permissions).__name__ == "AndroidPermissions"
        assert type(sensors.android_permissions()).__name__ == "AndroidPermissions"
