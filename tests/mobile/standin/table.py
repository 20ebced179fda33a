"""The Java classes the app may touch, as the Android API reference gives them.

Every class, method and field carries the API level it was added in (checked against
developer.android.com / the API diff reports; see the report of issue 11 for the list).
A method returns its *declared* type; ``java.lang.Object`` returns are resolved to the
runtime class, as pyjnius does. ``perm`` names a rule in :data:`PERMISSION_RULES`. A name
with overloads added at different API levels maps to a tuple of :class:`Method`, each with
its ``arity`` and ``params`` (``Context.registerReceiver``: two arguments from API 1, the
``flags`` form from 26). A field of an object type names its declared ``type``: pyjnius
wraps the value in it (``PythonActivity.mActivity`` is a ``PythonActivity``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

__all__ = ["CLASSES", "PERMISSION_RULES", "ClassSpec", "Field", "Method", "overloads", "spec"]

FINE = "android.permission.ACCESS_FINE_LOCATION"
COARSE = "android.permission.ACCESS_COARSE_LOCATION"
PHONE = "android.permission.READ_PHONE_STATE"
NETWORK_STATE = "android.permission.ACCESS_NETWORK_STATE"
VIBRATE = "android.permission.VIBRATE"


@dataclass(frozen=True)
class Method:
    api: int
    returns: str = "void"
    perm: str | None = None
    static: bool = False
    params: tuple[str, ...] | None = None  # the parameter types, checked as pyjnius converts
    arity: int | None = None  # None: any count (a method without overloads in the table)


@dataclass(frozen=True)
class Field:
    api: int
    value: object  # a constant, or "device:<attribute>" read from the simulated phone
    type: str | None = None  # the declared class of an object field; None: primitive/String


@dataclass(frozen=True)
class ClassSpec:
    name: str
    api: int
    superclass: str | None = "java.lang.Object"
    kind: str = "class"  # "class", "abstract" or "interface"
    interfaces: tuple[str, ...] = ()
    methods: dict[str, Method | tuple[Method, ...]] = field(default_factory=dict)
    fields: dict[str, Field] = field(default_factory=dict)
    constructible: bool = False
    constructors: tuple[Method, ...] = ()  # empty: any arguments (the peer checks them)


def overloads(*methods: Method) -> tuple[Method, ...]:
    """Overloads of one name; each gives ``params`` (its arity is their count)."""
    typed = tuple(replace(m, arity=len(m.params or ())) for m in methods)
    signatures = [m.params for m in typed]
    assert len(set(signatures)) == len(signatures), f"duplicate overloads {signatures}"
    return typed


def _any_of(*perms: str) -> frozenset[str]:
    return frozenset(perms)


# rule -> function(api) -> list of groups; each group needs one of its permissions
PERMISSION_RULES = {
    "phone": lambda api: [_any_of(PHONE)],
    # getAllCellInfo: ACCESS_FINE_LOCATION from API 29 (ACCESS_COARSE_LOCATION before)
    "cells": lambda api: [_any_of(FINE)] if api >= 29 else [_any_of(FINE, COARSE)],
    "fine": lambda api: [_any_of(FINE)],
    # getServiceState: READ_PHONE_STATE, and a location permission from API 29
    "service_state": lambda api: [_any_of(PHONE)] + ([_any_of(FINE, COARSE)] if api >= 29 else []),
    # GPS_PROVIDER needed FINE before Android 12; from 31 COARSE gets coarsened fixes
    "gps": lambda api: [_any_of(FINE)] if api < 31 else [_any_of(FINE, COARSE)],
    "network_state": lambda api: [_any_of(NETWORK_STATE)],
    "vibrate": lambda api: [_any_of(VIBRATE)],
}

M = Method
_OBJ = "java.lang.Object"
_STR = "java.lang.String"
_LIST = "java.util.List"
_TM = "android.telephony.TelephonyManager"
_CTX = "android.content.Context"
_INTENT = "android.content.Intent"
_RECEIVER = "android.content.BroadcastReceiver"
_FILTER = "android.content.IntentFilter"
_FILE = "java.io.File"
_CALLBACK = "android.telephony.TelephonyManager$CellInfoCallback"
_URI = "android.net.Uri"
_LISTENER = "org.kivy.android.PythonActivity$NewIntentListener"


def _c(name: str, api: int, **kw: object) -> ClassSpec:
    return ClassSpec(name, api, **kw)  # type: ignore[arg-type]


_CLASSES = [
    # java.*
    _c(
        _OBJ,
        1,
        superclass=None,
        methods={"getClass": M(1, "java.lang.Class"), "toString": M(1, _STR)},
    ),
    _c("java.lang.Class", 1, methods={"getName": M(1, _STR), "getSimpleName": M(1, _STR)}),
    _c(_STR, 1, interfaces=("java.lang.CharSequence",), constructible=True),
    _c("java.lang.CharSequence", 1, kind="interface", methods={"toString": M(1, _STR)}),
    _c(
        _LIST,
        1,
        kind="interface",
        methods={"size": M(1, "int"), "get": M(1, _OBJ), "isEmpty": M(1, "boolean")},
    ),
    _c("java.util.concurrent.Executor", 1, kind="interface", methods={"execute": M(1)}),
    _c(_FILE, 1, methods={"getAbsolutePath": M(1, _STR), "getPath": M(1, _STR)}),
    # org.kivy.android / org.libsdl.app (python-for-android's sdl2 bootstrap): the static
    # fields are declared PythonActivity / PythonService, so they are wrapped as such
    _c(
        "org.kivy.android.PythonActivity",
        1,
        superclass="org.libsdl.app.SDLActivity",
        methods={  # its onNewIntent passes each new intent to the registered listeners
            "registerNewIntentListener": M(1, params=(_LISTENER,)),
            "unregisterNewIntentListener": M(1, params=(_LISTENER,)),
        },
        fields={"mActivity": Field(1, "device:activity", "org.kivy.android.PythonActivity")},
    ),
    _c(_LISTENER, 1, kind="interface", methods={"onNewIntent": M(1, params=(_INTENT,))}),
    _c("org.libsdl.app.SDLActivity", 1, superclass="android.app.Activity"),
    _c(
        "org.kivy.android.PythonService",
        1,
        superclass="android.app.Service",
        fields={"mService": Field(1, "device:service", "org.kivy.android.PythonService")},
    ),
    # android.content / android.app
    _c(
        _CTX,
        1,
        kind="abstract",
        methods={
            "getSystemService": M(1, _OBJ, params=(_STR,)),  # Object: the runtime class
            "getContentResolver": M(1, "android.content.ContentResolver"),
            "getPackageName": M(1, _STR),
            "checkSelfPermission": M(23, "int", params=(_STR,)),
            "startActivity": M(1, params=(_INTENT,)),
            "registerReceiver": overloads(
                M(1, _INTENT, params=(_RECEIVER, _FILTER)),
                M(26, _INTENT, params=(_RECEIVER, _FILTER, "int")),
            ),
            "unregisterReceiver": M(1, params=(_RECEIVER,)),
            "sendBroadcast": M(1, params=(_INTENT,)),
            "getFilesDir": M(1, _FILE),
            "getExternalFilesDir": M(8, _FILE, params=(_STR,)),
        },
        fields={
            "TELEPHONY_SERVICE": Field(1, "phone"),
            "LOCATION_SERVICE": Field(1, "location"),
            "CONNECTIVITY_SERVICE": Field(1, "connectivity"),
            "VIBRATOR_SERVICE": Field(1, "vibrator"),
            "TELEPHONY_SUBSCRIPTION_SERVICE": Field(22, "telephony_subscription_service"),
        },
    ),
    _c("android.content.ContextWrapper", 1, superclass=_CTX),
    _c("android.view.ContextThemeWrapper", 1, superclass="android.content.ContextWrapper"),
    _c(
        "android.app.Activity",
        1,
        superclass="android.view.ContextThemeWrapper",
        methods={
            "shouldShowRequestPermissionRationale": M(23, "boolean", params=(_STR,)),
            "getIntent": M(1, _INTENT),  # the intent that started the activity
        },
    ),
    _c("android.app.Service", 1, superclass="android.content.ContextWrapper"),
    _c(_RECEIVER, 1, kind="abstract"),
    _c(_FILTER, 1, constructible=True),
    _c("android.content.ContentResolver", 1, kind="abstract"),
    _c(
        "android.content.Intent",
        1,
        constructible=True,
        methods={
            "addFlags": M(1, "android.content.Intent"),
            "getAction": M(1, _STR),
            "getData": M(1, _URI),  # null when the intent has no data
            "getDataString": M(1, _STR),
        },
        fields={
            "FLAG_ACTIVITY_NEW_TASK": Field(1, 0x10000000),
            "ACTION_MAIN": Field(1, "android.intent.action.MAIN"),
            "ACTION_VIEW": Field(1, "android.intent.action.VIEW"),
        },
    ),
    _c(
        "android.content.pm.PackageManager",
        1,
        kind="abstract",
        fields={"PERMISSION_GRANTED": Field(1, 0), "PERMISSION_DENIED": Field(1, -1)},
    ),
    _c(
        _URI,
        1,
        kind="abstract",
        methods={"fromParts": M(1, _URI, static=True), "toString": M(1, _STR)},
    ),
    # what Uri.parse gives and the system puts in a VIEW intent (hidden): seen as a Uri
    _c("android.net.Uri$StringUri", 1, superclass=_URI),
    _c(
        "android.provider.Settings",
        1,
        fields={
            "ACTION_APPLICATION_DETAILS_SETTINGS": Field(
                9, "android.settings.APPLICATION_DETAILS_SETTINGS"
            )
        },
    ),
    _c(
        "android.provider.Settings$Global",
        17,
        methods={"getInt": M(17, "int", static=True)},
        fields={"AIRPLANE_MODE_ON": Field(17, "airplane_mode_on")},
    ),
    # android.os
    _c("android.os.Build", 1, fields={"MODEL": Field(1, "device:model")}),
    _c("android.os.Build$VERSION", 1, fields={"SDK_INT": Field(4, "device:api")}),
    _c(
        "android.os.Vibrator",
        1,
        kind="abstract",
        methods={
            "hasVibrator": M(11, "boolean"),
            "vibrate": overloads(
                M(1, perm="vibrate", params=("long",)),  # deprecated in 26
                M(26, perm="vibrate", params=("android.os.VibrationEffect",)),
            ),
        },
    ),
    # what getSystemService(VIBRATOR_SERVICE) returns (hidden): cast it to Vibrator
    _c("android.os.SystemVibrator", 1, superclass="android.os.Vibrator"),
    _c(
        "android.os.VibrationEffect",
        26,
        kind="abstract",
        methods={"createOneShot": M(26, "android.os.VibrationEffect", static=True)},
        fields={"DEFAULT_AMPLITUDE": Field(26, -1)},
    ),
    # android.media
    _c("android.media.AudioManager", 1, fields={"STREAM_NOTIFICATION": Field(1, 5)}),
    _c(
        "android.media.ToneGenerator",
        1,
        constructible=True,
        constructors=overloads(M(1, params=("int", "int"))),
        methods={
            "startTone": overloads(
                M(1, "boolean", params=("int",)), M(5, "boolean", params=("int", "int"))
            ),
            "release": M(1),
        },
        fields={"TONE_PROP_BEEP2": Field(1, 28), "MAX_VOLUME": Field(1, 100)},
    ),
    _c(
        "android.os.SystemClock",
        1,
        methods={
            "elapsedRealtime": M(1, "long", static=True),
            "elapsedRealtimeNanos": M(17, "long", static=True),
        },
    ),
    _c("android.os.Looper", 1, methods={"getMainLooper": M(1, "android.os.Looper", static=True)}),
    # android.telephony
    _c(
        "android.telephony.SubscriptionManager",
        22,
        methods={"getActiveSubscriptionInfoList": M(22, _LIST, perm="phone")},
    ),
    _c(
        "android.telephony.SubscriptionInfo",
        22,
        methods={
            "getSubscriptionId": M(22, "int"),
            "getSimSlotIndex": M(22, "int"),
            "getCarrierName": M(22, "java.lang.CharSequence"),
            "getDisplayName": M(22, "java.lang.CharSequence"),
            "getMcc": M(22, "int"),
            "getMnc": M(22, "int"),
            "getMccString": M(29, _STR),
            "getMncString": M(29, _STR),
        },
    ),
    _c(
        _TM,
        1,
        methods={
            "createForSubscriptionId": M(24, _TM),
            "getSimState": M(1, "int"),
            "getSimOperator": M(1, _STR),
            "getSimOperatorName": M(1, _STR),
            "getNetworkOperator": M(1, _STR),
            "getServiceState": M(26, "android.telephony.ServiceState", perm="service_state"),
            "getAllCellInfo": M(17, _LIST, perm="cells"),
            "requestCellInfoUpdate": M(
                29, perm="fine", params=("java.util.concurrent.Executor", _CALLBACK)
            ),
            "getSignalStrength": M(28, "android.telephony.SignalStrength"),
        },
        fields={"SIM_STATE_ABSENT": Field(1, 1), "SIM_STATE_READY": Field(1, 5)},
    ),
    _c(
        _CALLBACK,
        29,
        kind="abstract",
        methods={"onCellInfo": M(29), "onError": M(29)},
        fields={"ERROR_TIMEOUT": Field(29, 1), "ERROR_MODEM_ERROR": Field(29, 2)},
    ),
    _c(
        "android.telephony.ServiceState",
        1,
        methods={"getState": M(1, "int")},
        fields={
            "STATE_IN_SERVICE": Field(1, 0),
            "STATE_OUT_OF_SERVICE": Field(1, 1),
            "STATE_EMERGENCY_ONLY": Field(1, 2),
            "STATE_POWER_OFF": Field(1, 3),
        },
    ),
    _c(
        "android.telephony.SignalStrength",
        1,
        methods={"getCellSignalStrengths": M(29, _LIST)},
    ),
    _c(
        "android.telephony.CellInfo",
        17,
        kind="abstract",
        methods={
            "isRegistered": M(17, "boolean"),
            "getTimeStamp": M(17, "long"),  # nanoseconds since boot
            "getTimestampMillis": M(30, "long"),  # milliseconds since boot
            "getCellConnectionStatus": M(28, "int"),
            "getCellIdentity": M(30, "android.telephony.CellIdentity"),
            "getCellSignalStrength": M(30, "android.telephony.CellSignalStrength"),
        },
        fields={"UNAVAILABLE": Field(29, 2_147_483_647)},
    ),
    _c(
        "android.telephony.CellInfoLte",
        17,
        superclass="android.telephony.CellInfo",
        methods={
            "getCellIdentity": M(17, "android.telephony.CellIdentityLte"),
            "getCellSignalStrength": M(17, "android.telephony.CellSignalStrengthLte"),
        },
    ),
    _c(
        "android.telephony.CellInfoWcdma",
        18,
        superclass="android.telephony.CellInfo",
        methods={
            "getCellIdentity": M(18, "android.telephony.CellIdentityWcdma"),
            "getCellSignalStrength": M(18, "android.telephony.CellSignalStrengthWcdma"),
        },
    ),
    _c(
        "android.telephony.CellInfoGsm",
        17,
        superclass="android.telephony.CellInfo",
        methods={
            "getCellIdentity": M(17, "android.telephony.CellIdentityGsm"),
            "getCellSignalStrength": M(17, "android.telephony.CellSignalStrengthGsm"),
        },
    ),
    # CellInfoNr declares the *base* types: getNci()/getSsRsrp() need jnius.cast
    _c(
        "android.telephony.CellInfoNr",
        29,
        superclass="android.telephony.CellInfo",
        methods={
            "getCellIdentity": M(29, "android.telephony.CellIdentity"),
            "getCellSignalStrength": M(29, "android.telephony.CellSignalStrength"),
        },
    ),
    _c(
        "android.telephony.CellIdentity",
        28,
        kind="abstract",
        methods={"getOperatorAlphaLong": M(28, "java.lang.CharSequence")},
    ),
    _c(
        "android.telephony.CellIdentityLte",
        17,
        superclass="android.telephony.CellIdentity",
        methods={
            "getCi": M(17, "int"),
            "getPci": M(17, "int"),
            "getTac": M(17, "int"),
            "getEarfcn": M(24, "int"),
            "getMcc": M(17, "int"),
            "getMnc": M(17, "int"),
            "getMccString": M(28, _STR),
            "getMncString": M(28, _STR),
        },
    ),
    _c(
        "android.telephony.CellIdentityNr",
        29,
        superclass="android.telephony.CellIdentity",
        methods={
            "getNci": M(29, "long"),
            "getPci": M(29, "int"),
            "getTac": M(29, "int"),
            "getNrarfcn": M(29, "int"),
            "getMccString": M(29, _STR),
            "getMncString": M(29, _STR),
        },
    ),
    _c(
        "android.telephony.CellIdentityWcdma",
        18,
        superclass="android.telephony.CellIdentity",
        methods={
            "getCid": M(18, "int"),
            "getLac": M(18, "int"),
            "getPsc": M(18, "int"),
            "getUarfcn": M(24, "int"),
            "getMcc": M(18, "int"),
            "getMnc": M(18, "int"),
            "getMccString": M(28, _STR),
            "getMncString": M(28, _STR),
        },
    ),
    _c(
        "android.telephony.CellIdentityGsm",
        17,
        superclass="android.telephony.CellIdentity",
        methods={
            "getCid": M(17, "int"),
            "getLac": M(17, "int"),
            "getArfcn": M(24, "int"),
            "getMcc": M(17, "int"),
            "getMnc": M(17, "int"),
            "getMccString": M(28, _STR),
            "getMncString": M(28, _STR),
        },
    ),
    _c(
        "android.telephony.CellSignalStrength",
        17,
        kind="abstract",
        methods={"getDbm": M(17, "int"), "getLevel": M(17, "int")},
    ),
    _c(
        "android.telephony.CellSignalStrengthLte",
        17,
        superclass="android.telephony.CellSignalStrength",
        methods={
            "getRsrp": M(26, "int"),
            "getRsrq": M(26, "int"),
            "getRssnr": M(26, "int"),
            "getRssi": M(29, "int"),
        },
    ),
    _c(
        "android.telephony.CellSignalStrengthNr",
        29,
        superclass="android.telephony.CellSignalStrength",
        methods={"getSsRsrp": M(29, "int"), "getSsRsrq": M(29, "int"), "getSsSinr": M(29, "int")},
    ),
    _c(
        "android.telephony.CellSignalStrengthWcdma",
        18,
        superclass="android.telephony.CellSignalStrength",
    ),
    _c(
        "android.telephony.CellSignalStrengthGsm",
        17,
        superclass="android.telephony.CellSignalStrength",
        methods={"getRssi": M(30, "int")},
    ),
    # android.location
    _c(
        "android.location.LocationManager",
        1,
        methods={
            "requestLocationUpdates": M(
                1,
                perm="gps",
                params=(
                    _STR,
                    "long",
                    "float",
                    "android.location.LocationListener",
                    "android.os.Looper",
                ),
            ),
            "removeUpdates": M(1, params=("android.location.LocationListener",)),
        },
        fields={"GPS_PROVIDER": Field(1, "gps"), "NETWORK_PROVIDER": Field(1, "network")},
    ),
    # onLocationChanged(List), onFlushComplete: API 31; the others became default in 30.
    # Android calls these (the device picks the onLocationChanged form that exists).
    _c(
        "android.location.LocationListener",
        1,
        kind="interface",
        methods={
            "onLocationChanged": overloads(
                M(1, params=("android.location.Location",)), M(31, params=(_LIST,))
            ),
            "onProviderEnabled": M(1, params=(_STR,)),
            "onProviderDisabled": M(1, params=(_STR,)),
            "onStatusChanged": M(1),  # deprecated in 29: never called from Android 10
            "onFlushComplete": M(31, params=("int",)),
        },
    ),
    _c(
        "android.location.Location",
        1,
        methods={
            "getLatitude": M(1, "double"),
            "getLongitude": M(1, "double"),
            "getTime": M(1, "long"),  # UTC milliseconds
            "hasAccuracy": M(1, "boolean"),
            "getAccuracy": M(1, "float"),
            "hasAltitude": M(1, "boolean"),
            "getAltitude": M(1, "double"),
            "hasSpeed": M(1, "boolean"),
            "getSpeed": M(1, "float"),
            "getProvider": M(1, _STR),
            "isFromMockProvider": M(18, "boolean"),
            "isMock": M(31, "boolean"),
        },
    ),
    # android.net
    _c(
        "android.net.ConnectivityManager",
        1,
        methods={
            "getActiveNetwork": M(23, "android.net.Network", perm="network_state"),
            "getNetworkCapabilities": M(
                21, "android.net.NetworkCapabilities", perm="network_state"
            ),
        },
    ),
    _c("android.net.ConnectivityManager$NetworkCallback", 21, kind="abstract"),
    _c("android.net.Network", 21),
    _c(
        "android.net.NetworkCapabilities",
        21,
        methods={"hasCapability": M(21, "boolean")},
        fields={
            "NET_CAPABILITY_INTERNET": Field(21, 12),
            "NET_CAPABILITY_VALIDATED": Field(23, 16),
        },
    ),
    # mobile/java/org/petasinyal/CellInfoResult.java, exactly as written (its superclass is API 29)
    _c(
        "org.petasinyal.CellInfoResult",
        29,
        superclass=_CALLBACK,
        interfaces=("java.util.concurrent.Executor",),
        constructible=True,
        methods={
            "isDone": M(29, "boolean"),
            "getErrorCode": M(29, "int"),
            "getCells": M(29, _LIST),
        },
    ),
]

CLASSES: dict[str, ClassSpec] = {c.name: c for c in _CLASSES}


def spec(name: str) -> ClassSpec:
    return CLASSES[name]
