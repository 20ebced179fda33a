"""Models of what the survey service calls: notifications, the foreground service, broadcasts.

Registered the way ``table.py`` and ``device.py`` hold the radio classes: class specs (each
with the API level it was added in, from the Android API reference) are added to
:data:`~tests.mobile.standin.table.CLASSES`, and :class:`ServiceDevice` (a :class:`Device`)
gives the peers. ``with service_android(api=34) as device:`` installs the strict ``jnius``
for the block, as :func:`tests.mobile.standin.android` does.

Overloads added at different API levels are table entries of their own (``startForeground
(int, Notification, int)`` 29, ``Notification.Builder(Context, String)`` 26): below that
level pyjnius finds no matching overload. What Android
enforces is enforced here: a ``PendingIntent`` without FLAG_IMMUTABLE/FLAG_MUTABLE from API
31, a receiver without RECEIVER_EXPORTED/NOT_EXPORTED for an app broadcast from 34, a
location foreground service without FOREGROUND_SERVICE_LOCATION and a location permission
from 34, and notifications dropped without POST_NOTIFICATIONS from 33.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from tests.mobile.standin import installed
from tests.mobile.standin.device import Device, _Context, _Peer, _Statics
from tests.mobile.standin.jnius import JavaException, JavaObject
from tests.mobile.standin.table import CLASSES, COARSE, FINE, ClassSpec, Field, overloads
from tests.mobile.standin.table import Method as M

__all__ = ["PACKAGE", "ServiceDevice", "service_android"]

PACKAGE = "id.go.sumbarprov.diskominfotik.petasinyal"  # buildozer.spec domain + name
FGS_LOCATION = "android.permission.FOREGROUND_SERVICE_LOCATION"
FGS = "android.permission.FOREGROUND_SERVICE"
NOTIFICATIONS = "android.permission.POST_NOTIFICATIONS"
FLAG_IMMUTABLE, FLAG_MUTABLE, FLAG_UPDATE_CURRENT = 0x04000000, 0x02000000, 0x08000000
RECEIVER_EXPORTED, RECEIVER_NOT_EXPORTED = 2, 4
TYPE_LOCATION, TYPE_MANIFEST = 8, -1
APP_ICON = 0x7F0D0001

_NB = "android.app.Notification$Builder"
_INTENT = "android.content.Intent"
_PI = "android.app.PendingIntent"
_CTX = "android.content.Context"


def _c(name: str, api: int, **kw: Any) -> ClassSpec:
    return ClassSpec(name, api, **kw)


def _extend(
    name: str,
    methods: dict[str, M | tuple[M, ...]] | None = None,
    fields: dict[str, Field] | None = None,
) -> None:
    spec = CLASSES[name]
    CLASSES[name] = replace(
        spec, methods={**spec.methods, **(methods or {})}, fields={**spec.fields, **(fields or {})}
    )


def _register() -> None:
    _extend(
        _CTX,
        methods={
            "getApplicationContext": M(1, _CTX),
            "getApplicationInfo": M(4, "android.content.pm.ApplicationInfo"),
            "getPackageManager": M(1, "android.content.pm.PackageManager"),
        },
        fields={
            "NOTIFICATION_SERVICE": Field(1, "notification"),
            "RECEIVER_EXPORTED": Field(33, RECEIVER_EXPORTED),
            "RECEIVER_NOT_EXPORTED": Field(33, RECEIVER_NOT_EXPORTED),
        },
    )
    _extend(
        "android.app.Service",
        methods={
            "startForeground": overloads(
                M(5, params=("int", "android.app.Notification")),
                M(29, params=("int", "android.app.Notification", "int")),  # the type
            ),
            "stopForeground": overloads(M(5, params=("boolean",)), M(24, params=("int",))),
            "stopSelf": M(1),
        },
        fields={"STOP_FOREGROUND_REMOVE": Field(24, 1)},
    )
    _extend(_INTENT, methods={"setPackage": M(4, _INTENT), "getPackage": M(4, "java.lang.String")})
    _extend(
        "android.content.pm.PackageManager",
        methods={"getLaunchIntentForPackage": M(3, _INTENT)},
    )
    for spec in [
        _c("android.app.Application", 1, superclass="android.content.ContextWrapper"),
        _c("android.content.pm.ApplicationInfo", 1, fields={"icon": Field(1, APP_ICON)}),
        _c(
            "android.content.pm.ServiceInfo",
            1,
            fields={"FOREGROUND_SERVICE_TYPE_LOCATION": Field(29, TYPE_LOCATION)},
        ),
        _c(
            _PI,
            1,
            methods={
                "getActivity": M(1, _PI, static=True),
                "getBroadcast": M(1, _PI, static=True),
            },
            fields={
                "FLAG_UPDATE_CURRENT": Field(3, FLAG_UPDATE_CURRENT),
                "FLAG_IMMUTABLE": Field(23, FLAG_IMMUTABLE),
                "FLAG_MUTABLE": Field(31, FLAG_MUTABLE),
            },
        ),
        _c(
            "android.app.NotificationManager",
            1,
            methods={
                "createNotificationChannel": M(26, params=("android.app.NotificationChannel",)),
                "notify": M(1, params=("int", "android.app.Notification")),
                "areNotificationsEnabled": M(24, "boolean"),
            },
            fields={"IMPORTANCE_LOW": Field(24, 2), "IMPORTANCE_DEFAULT": Field(24, 3)},
        ),
        _c(
            "android.app.NotificationChannel",
            26,
            constructible=True,
            methods={"setShowBadge": M(26)},
        ),
        _c(
            "android.app.Notification",
            1,
            fields={
                "CATEGORY_SERVICE": Field(21, "service"),
                "FOREGROUND_SERVICE_IMMEDIATE": Field(31, 1),
            },
        ),
        _c(
            _NB,
            11,
            constructible=True,
            constructors=overloads(
                M(11, params=(_CTX,)),  # deprecated in 26
                M(26, params=(_CTX, "java.lang.String")),  # with the channel id
            ),
            methods={
                "setContentTitle": M(11, _NB, params=("java.lang.CharSequence",)),
                "setContentText": M(11, _NB, params=("java.lang.CharSequence",)),
                "setSmallIcon": M(11, _NB),
                "setOngoing": M(11, _NB),
                "setOnlyAlertOnce": M(11, _NB),
                "setShowWhen": M(17, _NB),
                "setCategory": M(21, _NB),
                "setContentIntent": M(11, _NB, params=(_PI,)),
                "addAction": M(20, _NB, params=("android.app.Notification$Action",)),
                "setForegroundServiceBehavior": M(31, _NB),
                "build": M(16, "android.app.Notification"),
            },
        ),
        _c("android.app.Notification$Action", 19),
        _c(
            "android.app.Notification$Action$Builder",
            20,
            constructible=True,
            constructors=overloads(
                M(20, params=("int", "java.lang.CharSequence", _PI)),  # deprecated in 23
                M(23, params=("android.graphics.drawable.Icon", "java.lang.CharSequence", _PI)),
            ),
            methods={"build": M(20, "android.app.Notification$Action")},
        ),
        _c(
            "android.graphics.drawable.Icon",
            23,
            methods={"createWithResource": M(23, "android.graphics.drawable.Icon", static=True)},
        ),
        # python-for-android's classes (bootstraps/common/build/src/main/java/org/kivy/android)
        _c(
            "org.kivy.android.GenericBroadcastReceiver",
            1,
            superclass="android.content.BroadcastReceiver",
            constructible=True,
        ),
        _c("org.kivy.android.GenericBroadcastReceiverCallback", 1, kind="interface"),
        # generated from Service.tmpl.java for `services = Survey:...`
        _c(
            f"{PACKAGE}.ServiceSurvey",
            1,
            superclass="org.kivy.android.PythonService",
            methods={"start": M(1, static=True), "stop": M(1, static=True)},
        ),
    ]:
        CLASSES[spec.name] = spec


_register()


class _Builder(_Peer):
    def __init__(self, device: ServiceDevice, args: tuple[Any, ...]):
        super().__init__(_NB)
        self.values = {"channel": args[1] if len(args) == 2 else None, "actions": []}

    def _set(self, key: str, value: Any) -> _Builder:
        self.values[key] = value
        return self

    def setContentTitle(self, text: str) -> _Builder:
        return self._set("title", text)

    def setContentText(self, text: str) -> _Builder:
        return self._set("text", text)

    def setSmallIcon(self, icon: int) -> _Builder:
        return self._set("icon", icon)

    def setOngoing(self, on: bool) -> _Builder:
        return self._set("ongoing", on)

    def setOnlyAlertOnce(self, on: bool) -> _Builder:
        return self._set("only_alert_once", on)

    def setShowWhen(self, on: bool) -> _Builder:
        return self._set("show_when", on)

    def setCategory(self, category: str) -> _Builder:
        return self._set("category", category)

    def setContentIntent(self, intent: _Peer) -> _Builder:
        return self._set("content_intent", intent)

    def addAction(self, action: _Peer) -> _Builder:
        self.values["actions"].append(action)
        return self

    def setForegroundServiceBehavior(self, behaviour: int) -> _Builder:
        return self._set("fgs_behaviour", behaviour)

    def build(self) -> _Peer:
        values = {**self.values, "actions": list(self.values["actions"])}
        return _Peer("android.app.Notification", **values)


class _NotificationManager(_Peer):
    def __init__(self, device: ServiceDevice):
        super().__init__("android.app.NotificationManager")
        self.device = device
        self.channels: dict[str, _Peer] = {}
        self.channel_calls = 0
        self.posted: list[tuple[int, _Peer]] = []  # what notify() was given
        self.shown: dict[int, _Peer] = {}  # what the officer sees in the drawer

    def createNotificationChannel(self, channel: _Peer) -> None:
        self.channel_calls += 1
        self.channels[channel.values["id"]] = channel

    def visible(self, notification: _Peer) -> bool:
        """Posted to an existing channel and allowed (POST_NOTIFICATIONS from 33)."""
        if notification.values.get("channel") not in self.channels:
            return False  # Android 8+ drops a notification of an unknown channel
        return self.device.api < 33 or NOTIFICATIONS in self.device.granted

    def notify(self, ident: int, notification: _Peer) -> None:
        self.posted.append((ident, notification))
        if self.visible(notification):  # silently dropped otherwise, as Android does
            self.shown[ident] = notification

    def areNotificationsEnabled(self) -> bool:
        return self.device.api < 33 or NOTIFICATIONS in self.device.granted


class _Receiver(_Peer):
    def __init__(self, callback: Any):
        super().__init__("org.kivy.android.GenericBroadcastReceiver")
        self.callback = callback


class _AppContext(_Context):
    """The service (or activity, or application) as a Context: receivers, broadcasts."""

    def getApplicationContext(self) -> _AppContext:
        return self.device.application

    def getApplicationInfo(self) -> _Peer:
        return _Peer("android.content.pm.ApplicationInfo")

    def getPackageManager(self) -> _Peer:
        device = self.device
        manager = _Peer("android.content.pm.PackageManager")
        manager.getLaunchIntentForPackage = lambda package: (  # type: ignore[attr-defined]
            device.construct(_INTENT, "android.intent.action.MAIN")
            if package == device.package
            else None
        )
        return manager

    def registerReceiver(self, receiver: _Receiver, intent_filter: _Peer, *rest: Any) -> None:
        device = self.device
        flags = rest[0] if len(rest) == 1 else 0
        if device.api >= 34 and not flags & (RECEIVER_EXPORTED | RECEIVER_NOT_EXPORTED):
            raise JavaException(
                "One of RECEIVER_EXPORTED or RECEIVER_NOT_EXPORTED should be specified",
                "java.lang.SecurityException",
            )
        device.receivers.append((receiver, intent_filter.values["action"], flags))

    def unregisterReceiver(self, receiver: _Receiver) -> None:
        before = len(self.device.receivers)
        self.device.receivers = [r for r in self.device.receivers if r[0] is not receiver]
        if len(self.device.receivers) == before:
            raise JavaException("Receiver not registered", "java.lang.IllegalArgumentException")

    def sendBroadcast(self, intent: _Peer) -> None:
        self.device.deliver(intent, sender=self.device.package)

    # android.app.Service (only the service peer is declared a Service)
    def startForeground(self, ident: int, notification: _Peer, *rest: Any) -> None:
        self.device.start_foreground(ident, notification, *rest)

    def stopForeground(self, flags: Any) -> None:
        self.device.foreground = None

    def stopSelf(self) -> None:
        self.device.stopped_self += 1


class _ServiceStatics(_Statics):
    device: ServiceDevice

    def _pending(self, kind: str, context: Any, code: int, intent: _Peer, flags: int) -> _Peer:
        if self.device.api >= 31 and not flags & (FLAG_IMMUTABLE | FLAG_MUTABLE):
            raise JavaException(
                "Targeting S+ requires FLAG_IMMUTABLE or FLAG_MUTABLE",
                "java.lang.IllegalArgumentException",
            )
        return _Peer(_PI, kind=kind, code=code, intent=intent, flags=flags)

    def getActivity(self, context: Any, code: int, intent: _Peer, flags: int) -> _Peer:
        return self._pending("activity", context, code, intent, flags)

    def getBroadcast(self, context: Any, code: int, intent: _Peer, flags: int) -> _Peer:
        return self._pending("broadcast", context, code, intent, flags)

    def createWithResource(self, context: Any, resource: int) -> _Peer:
        return _Peer("android.graphics.drawable.Icon", resource=resource)

    def start(self, context: Any, icon: str, title: str, text: str, argument: str) -> None:
        self.device.service_starts.append(
            {"icon": icon, "title": title, "text": text, "argument": argument}
        )

    def stop(self, context: Any) -> None:
        self.device.service_stops += 1


class ServiceDevice(Device):
    """A :class:`Device` with the notification manager, foreground state and broadcasts.

    ``activity`` and ``service`` are the peers behind ``PythonActivity.mActivity`` and
    ``PythonService.mService`` (the stand-in wraps them in the fields' declared classes).
    """

    def __init__(self, api: int = 34, package: str = PACKAGE):
        super().__init__(api, [], package)
        self.granted |= {FGS, FGS_LOCATION, NOTIFICATIONS}  # FGS ones: install-time
        self.application = _AppContext(self, "android.app.Application")
        self.activity = _AppContext(self, "org.kivy.android.PythonActivity")
        self.service = _AppContext(self, "org.kivy.android.PythonService")
        self.notifications = _NotificationManager(self)
        self._services["notification"] = self.notifications
        self.receivers: list[tuple[_Receiver, str, int]] = []
        self.foreground: dict[str, Any] | None = None
        self.stopped_self = 0
        self.service_starts: list[dict[str, str]] = []
        self.service_stops = 0

    def statics(self, class_name: str) -> _ServiceStatics:
        return _ServiceStatics(self)

    def construct(self, class_name: str, *args: Any) -> Any:
        if class_name == _INTENT:  # the base model unwraps its Uri argument itself
            intent = super().construct(class_name, *args)
            intent.values["package"] = None
            intent.setPackage = lambda package: (  # type: ignore[attr-defined]
                intent.values.__setitem__("package", package),
                intent,
            )[1]
            intent.getPackage = lambda: intent.values["package"]  # type: ignore[attr-defined]
            return intent
        args = tuple(a.peer if isinstance(a, JavaObject) else a for a in args)
        if class_name == "android.content.IntentFilter":
            return _Peer(class_name, action=args[0])
        if class_name == "android.app.NotificationChannel":
            channel = _Peer(class_name, id=args[0], name=args[1], importance=args[2], badge=True)
            channel.setShowBadge = lambda on: channel.values.__setitem__("badge", on)  # type: ignore[attr-defined]
            return channel
        if class_name == _NB:
            return _Builder(self, args)
        if class_name == "android.app.Notification$Action$Builder":
            action = _Peer(
                "android.app.Notification$Action", icon=args[0], title=args[1], intent=args[2]
            )
            builder = _Peer(class_name)
            builder.build = lambda: action  # type: ignore[attr-defined]
            return builder
        if class_name == "org.kivy.android.GenericBroadcastReceiver":
            return _Receiver(args[0])
        return super().construct(class_name, *args)

    def start_foreground(self, ident: int, notification: _Peer, *rest: Any) -> None:
        if ident == 0:
            raise JavaException("id must not be 0", "java.lang.IllegalArgumentException")
        kind = rest[0] if rest else TYPE_MANIFEST  # the manifest says location
        allowed = FGS_LOCATION in self.granted and bool({FINE, COARSE} & self.granted)
        if self.api >= 34 and kind in (TYPE_LOCATION, TYPE_MANIFEST) and not allowed:
            raise JavaException(
                "Starting FGS with type location requires FOREGROUND_SERVICE_LOCATION and "
                "ACCESS_COARSE_LOCATION or ACCESS_FINE_LOCATION",
                "java.lang.SecurityException",
            )
        if self.api >= 28 and FGS not in self.granted:
            raise JavaException("requires FOREGROUND_SERVICE", "java.lang.SecurityException")
        self.foreground = {"id": ident, "type": kind, "notification": notification}
        self.notifications.notify(ident, notification)

    def deliver(self, intent: _Peer, sender: str) -> int:
        """Send ``intent`` to the registered receivers that may get it; how many got it."""
        got = 0
        for receiver, action, flags in list(self.receivers):
            if action != intent.values["action"]:
                continue
            if intent.values.get("package") not in (None, self.package):
                continue
            if flags & RECEIVER_NOT_EXPORTED and sender != self.package:
                continue
            context = self.runtime.wrap(self.service, _CTX)
            wrapped = self.runtime.wrap(intent, _INTENT)
            receiver.callback.invoke(
                "onReceive",
                "(Landroid/content/Context;Landroid/content/Intent;)V",
                context,
                wrapped,
            )
            got += 1
        return got

    def tap(self, notification: _Peer, action: int = 0) -> int:
        """The officer taps the notification's action: its PendingIntent is sent as the app."""
        pending = notification.values["actions"][action].values["intent"]
        return self.deliver(pending.values["intent"], sender=self.package)


@contextmanager
def service_android(
    api: int = 34, granted: tuple[str, ...] = ("FINE", "COARSE", "PHONE", "NOTIFICATIONS")
) -> Iterator[ServiceDevice]:
    """Install the stand-in over a :class:`ServiceDevice` for the block."""
    device = ServiceDevice(api)
    device.granted.discard(NOTIFICATIONS)
    device.grant(*granted)
    with installed(device):
        yield device
