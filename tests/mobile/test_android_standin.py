"""The stand-in is strict: what fails on a phone fails here."""

from __future__ import annotations

import pytest

from tests.mobile.android_cases import nr, telkomsel
from tests.mobile.standin import JavaException, Sim, android


def _cell_infos(device_api: int, sims: list[Sim]) -> list:
    import jnius

    activity = jnius.autoclass("org.kivy.android.PythonActivity").mActivity
    tm = activity.getSystemService(jnius.autoclass("android.content.Context").TELEPHONY_SERVICE)
    infos = tm.getAllCellInfo()
    return [infos.get(i) for i in range(infos.size())]


def test_a_misspelt_method_or_class_fails() -> None:
    with android(api=34, sims=[telkomsel()]) as device:
        import jnius

        (info, _) = _cell_infos(device.api, device.sims)
        with pytest.raises(AttributeError):
            info.getCellIdentity().getMccStr()
        with pytest.raises(JavaException) as error:
            jnius.autoclass("android.telephony.CellInfoLTE")
        assert error.value.classname == "java.lang.ClassNotFoundException"
        with pytest.raises(JavaException):  # nested classes are Outer$Inner in pyjnius
            jnius.autoclass("android.provider.Settings.Global")


def test_methods_and_classes_above_the_api_level_are_absent() -> None:
    with android(api=28, sims=[telkomsel()]) as device:
        import jnius

        (info, _) = _cell_infos(device.api, device.sims)
        signal = info.getCellSignalStrength()
        assert signal.getRsrp() == -97  # API 26
        with pytest.raises(AttributeError):
            signal.getRssi()  # API 29
        with pytest.raises(AttributeError):
            info.getTimestampMillis()  # API 30
        for name in ("android.telephony.CellInfoNr", "org.petasinyal.CellInfoResult"):
            with pytest.raises(JavaException):  # API 29
                jnius.autoclass(name)
    with android(api=26, sims=[telkomsel()]) as device:
        (info, _) = _cell_infos(device.api, device.sims)
        with pytest.raises(AttributeError):
            info.getCellIdentity().getMccString()  # API 28


def test_a_subclass_method_needs_cast() -> None:
    with android(api=29, sims=[Sim(0, "Telkomsel", "51010", cells=[nr()])]) as device:
        import jnius

        (info,) = _cell_infos(device.api, device.sims)
        assert (
            info.getClass().getName() == "android.telephony.CellInfoNr"
        )  # List.get: runtime class
        identity = info.getCellIdentity()  # declared CellIdentity
        with pytest.raises(AttributeError):
            identity.getNci()
        assert jnius.cast("android.telephony.CellIdentityNr", identity).getNci() == 68_719_476
        with pytest.raises(JavaException) as error:
            jnius.cast("android.telephony.CellIdentityLte", identity)
        assert error.value.classname == "java.lang.ClassCastException"


def test_a_protected_call_raises_security_exception_until_granted() -> None:
    with android(api=34, sims=[telkomsel()], granted=("PHONE",)) as device:
        with pytest.raises(JavaException) as error:
            _cell_infos(device.api, device.sims)
        assert error.value.classname == "java.lang.SecurityException"
        device.grant("FINE")
        assert len(_cell_infos(device.api, device.sims)) == 2


def test_python_cannot_extend_an_abstract_java_class() -> None:
    with android(api=34):
        import jnius

        class Callback(jnius.PythonJavaClass):
            __javainterfaces__ = ["android/telephony/TelephonyManager$CellInfoCallback"]  # noqa: RUF012

        with pytest.raises(JavaException) as error:
            Callback()
        assert error.value.classname == "java.lang.IllegalArgumentException"


def test_get_all_cell_info_is_a_cache_from_api_29() -> None:
    for api, fresh in ((28, True), (29, False)):
        with android(api=api, sims=[telkomsel()]) as device:
            device.advance(60)
            info = _cell_infos(device.api, device.sims)[0]
            age_ms = device.clock_ms - info.getTimeStamp() // 1_000_000
            assert (age_ms == 0) is fresh


def test_a_listener_without_the_list_form_gets_no_fix_on_api_31() -> None:
    """plyer 2.1.0's listener: Android 12 calls onLocationChanged(List), which it lacks."""
    with android(api=31) as device:
        import jnius

        class PlyerLikeListener(jnius.PythonJavaClass):
            __javainterfaces__ = ["android/location/LocationListener"]  # noqa: RUF012

            @jnius.java_method("(Landroid/location/Location;)V")
            def onLocationChanged(self, location):  # type: ignore[no-untyped-def]
                raise AssertionError("not called on API 31")

        device.listeners.append(("gps", PlyerLikeListener()))
        with pytest.raises(NotImplementedError):
            device.gps_fix(-0.3, 100.4, time_ms=1_700_000_000_000)


def test_the_stand_in_leaves_sys_modules_as_it_was() -> None:
    import sys

    with android():
        assert "jnius" in sys.modules
    assert "jnius" not in sys.modules and "android" not in sys.modules
