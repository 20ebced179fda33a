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


# -- fields of an object type, overloads by API level -----------------------------------------


def _statics() -> tuple[object, object]:
    import jnius

    return (
        jnius.autoclass("org.kivy.android.PythonActivity").mActivity,
        jnius.autoclass("org.kivy.android.PythonService").mService,
    )


def test_m_activity_and_m_service_are_wrapped_in_their_declared_types() -> None:
    from tests.mobile.standin.jnius import JavaObject
    from tests.mobile.standin.service_models import PACKAGE, service_android

    with service_android(api=34) as device:
        import jnius

        # the runtime class is the generated ServiceSurvey; the field declares PythonService
        device.service.java_class = f"{PACKAGE}.ServiceSurvey"
        activity, service = _statics()
        assert isinstance(activity, JavaObject) and isinstance(service, JavaObject)
        assert service.getClass().getName() == f"{PACKAGE}.ServiceSurvey"
        assert not hasattr(service, "start")  # ServiceSurvey's, not PythonService's
        assert jnius.cast(f"{PACKAGE}.ServiceSurvey", service).getPackageName() == PACKAGE
        assert not hasattr(service, "shouldShowRequestPermissionRationale")  # Activity's
        assert activity.shouldShowRequestPermissionRationale(FINE_NAME) is False
        device.activity = None  # the service process: no activity
        assert _statics()[0] is None


FINE_NAME = "android.permission.ACCESS_FINE_LOCATION"


def test_a_call_through_m_activity_or_m_service_checks_the_api_level() -> None:
    with android(api=22) as device:
        for context in _statics():
            assert context.getPackageName() == device.package
            with pytest.raises(AttributeError):
                context.checkSelfPermission(FINE_NAME)  # API 23
    with android(api=7):
        for context in _statics():
            with pytest.raises(AttributeError):
                context.getExternalFilesDir(None)  # API 8
            assert context.getFilesDir().getAbsolutePath().endswith("/files")


def test_a_call_through_m_activity_or_m_service_checks_permissions() -> None:
    from tests.mobile.standin.service_models import service_android

    with android(api=34, sims=[telkomsel()], granted=()) as device:
        import jnius

        context = jnius.autoclass("android.content.Context")
        for owner in _statics():
            with pytest.raises(JavaException) as error:
                owner.getSystemService(context.TELEPHONY_SERVICE).getAllCellInfo()
            assert error.value.classname == "java.lang.SecurityException"
        assert device.refused == ["getAllCellInfo", "getAllCellInfo"]
    with service_android(api=34, granted=()) as device:
        import jnius

        from mobile.petasinyal_app.android_service import ForegroundNotification, notification_text

        (_, service) = _statics()
        device.granted.discard("android.permission.VIBRATE")
        vibrator = jnius.cast(
            "android.os.Vibrator",
            service.getSystemService(jnius.autoclass("android.content.Context").VIBRATOR_SERVICE),
        )
        with pytest.raises(JavaException) as error:
            vibrator.vibrate(jnius.autoclass("android.os.VibrationEffect").createOneShot(10, -1))
        assert error.value.classname == "java.lang.SecurityException"
        # startForeground of a location service without a location permission (API 34)
        notification = ForegroundNotification(service, 34)
        with pytest.raises(JavaException) as error:
            notification.start(notification_text(None, "en"), "Survey")
        assert error.value.classname == "java.lang.SecurityException"
        assert device.foreground is None and device.vibrations == []


def test_an_overload_newer_than_the_device_is_absent() -> None:
    from tests.mobile.standin.service_models import RECEIVER_NOT_EXPORTED, service_android

    def receiver_and_filter() -> tuple[object, object]:
        import jnius

        callback = type(
            "Callback",
            (jnius.PythonJavaClass,),
            {"__javainterfaces__": ["org/kivy/android/GenericBroadcastReceiverCallback"]},
        )()
        receiver = jnius.autoclass("org.kivy.android.GenericBroadcastReceiver")(callback)
        return receiver, jnius.autoclass("android.content.IntentFilter")("x")

    for api, flags_form in ((25, False), (26, True)):
        with service_android(api=api) as device:
            (_, service) = _statics()
            receiver, filter_ = receiver_and_filter()
            if flags_form:
                service.registerReceiver(receiver, filter_, RECEIVER_NOT_EXPORTED)
            else:
                with pytest.raises(JavaException, match="argument"):  # as pyjnius words it
                    service.registerReceiver(receiver, filter_, RECEIVER_NOT_EXPORTED)
                service.registerReceiver(receiver, filter_)  # the API 1 form
            assert len(device.receivers) == 1
    with service_android(api=25):
        import jnius

        builder_class = jnius.autoclass("android.app.Notification$Builder")
        with pytest.raises(JavaException, match="argument"):
            builder_class(_statics()[1], "channel")  # (Context, String): API 26
    with service_android(api=28) as device:
        import jnius

        (_, service) = _statics()
        builder_class = jnius.autoclass("android.app.Notification$Builder")
        notification = builder_class(service, "channel").build()
        with pytest.raises(JavaException, match="argument"):
            service.startForeground(7, notification, 8)  # with the type: API 29
        service.startForeground(7, notification)
        assert device.foreground is not None
        service.stopForeground(1)  # (int flags): API 24
        assert device.foreground is None
    with service_android(api=23) as device:
        (_, service) = _statics()
        with pytest.raises(JavaException, match="argument"):
            service.stopForeground(1)  # only (boolean) before 24, and it takes no int
        service.stopForeground(True)


def _both_forms_listener(got: list[str]) -> object:
    import jnius

    class Listener(jnius.PythonJavaClass):
        __javainterfaces__ = ["android/location/LocationListener"]  # noqa: RUF012

        @jnius.java_method("(Landroid/location/Location;)V")
        def onLocationChanged(self, location):  # type: ignore[no-untyped-def]
            got.append("single")

        @jnius.java_method("(Ljava/util/List;)V", name="onLocationChanged")
        def onLocationChangedList(self, locations):  # type: ignore[no-untyped-def]
            got.append("list")

    return Listener()


def test_android_calls_the_location_listener_form_of_its_api_level() -> None:
    for api, form in ((30, "single"), (31, "list")):
        with android(api=api) as device:
            got: list[str] = []
            device.listeners.append(("gps", _both_forms_listener(got)))
            device.gps_fix(-0.3, 100.4, time_ms=1_700_000_000_000)
            assert got == [form]


def test_the_no_service_alert_vibrates_and_beeps_from_the_service() -> None:
    from mobile.petasinyal_app.alerts import alert_no_service
    from tests.mobile.standin.service_models import service_android

    with service_android(api=26) as device:
        alert_no_service()
        assert device.vibrations == [600] and device.tones == [(5, 28, 400)]
        device.service = None  # the UI process alerts through the activity
        alert_no_service()
        assert device.vibrations == [600, 600]
