"""The survey in the background: the python-for-android foreground service and its notification.

``buildozer.spec`` declares the service ``Survey`` (``service.py``, foreground, sticky,
``foregroundServiceType=location``); python-for-android generates the Java class
``<package>.ServiceSurvey`` with ``start(ctx, smallIconName, contentTitle, contentText,
argument)`` and ``stop(ctx)``. The service process runs :func:`run_android_service`: it puts
itself in the foreground with an ongoing notification (readings today, pending, last class,
in the officer's language), runs the :class:`SurveyEngine` loop, and ends on the
notification's stop action or :func:`stop_survey_service` (a broadcast only this app can
send). The screens use :func:`start_survey_service`, :func:`stop_survey_service` and
:func:`service_running`; nothing else here is for them.

The notification's text is a pure function of the status snapshot and the language
(:func:`notification_text`); :class:`NotificationUpdater` decides when to show it again
(changed text, at most every few seconds). Only :class:`ForegroundNotification` and
:class:`StopReceiver` touch Android, through pyjnius, each call gated by API level:
NotificationChannel (26), ``PendingIntent.FLAG_IMMUTABLE`` (23, required from 31),
``setForegroundServiceBehavior`` (31), ``startForeground`` with
``FOREGROUND_SERVICE_TYPE_LOCATION`` (29), ``RECEIVER_NOT_EXPORTED`` (33, required for a
context-registered receiver of an app's own broadcast when targeting 34).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from mobile.petasinyal_app.i18n import translate
from mobile.petasinyal_app.settings import load_settings

__all__ = [
    "CHANNEL_ID",
    "NOTIFICATION_ID",
    "SERVICE_NAME",
    "ForegroundNotification",
    "NotificationText",
    "NotificationUpdater",
    "StopReceiver",
    "notification_text",
    "run_android_service",
    "service_running",
    "start_survey_service",
    "stop_survey_service",
]

log = logging.getLogger(__name__)

SERVICE_NAME = "Survey"  # buildozer.spec: services = Survey:service.py:...
NOTIFICATION_ID = 1  # python-for-android's id for the first service: ours replaces its text
CHANNEL_ID = "petasinyal.survey"
STOP_ACTION = "STOP_SURVEY"  # prefixed with the package name
_ARGUMENT_FILE = "survey-service.json"  # in ANDROID_PRIVATE: the argument for a sticky restart

_GRANTED = 0  # PackageManager.PERMISSION_GRANTED
_POST_NOTIFICATIONS = "android.permission.POST_NOTIFICATIONS"
_CLASS_WORDS = {
    "strong": "kuat",
    "weak": "lemah",
    "none": "tanpa sinyal",
}


# -- what the notification says (pure) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NotificationText:
    """The words of the ongoing notification, already in the officer's language."""

    title: str
    text: str
    stop: str


def notification_text(status: Mapping[str, Any] | None, language: str) -> NotificationText:
    """The notification for the engine's snapshot ``status`` (None: the service is starting)."""
    stop = translate("HENTIKAN", language)
    if status is None:
        return NotificationText(
            translate("PetaSinyal", language), translate("Memulai survei…", language), stop
        )
    if not status.get("auto"):
        title = translate("Survei otomatis mati", language)
    elif status.get("gps_off"):
        title = translate("Survei otomatis: lokasi ponsel mati", language)
    elif status.get("gps_problem"):
        title = translate("Survei otomatis: menunggu GPS", language)
    else:
        title = translate("Survei otomatis berjalan", language)
    last = status.get("last_reading") or {}
    word = _CLASS_WORDS.get(str(last.get("cls")), "belum ada") if last else "belum ada"
    text = translate(
        "{today} bacaan hari ini · {pending} belum terkirim · terakhir: {last}", language
    ).format(
        today=int(status.get("today") or 0),
        pending=int((status.get("counts") or {}).get("pending") or 0),
        last=translate(word, language),
    )
    return NotificationText(title, text, stop)


def _language(status: Mapping[str, Any] | None) -> str:
    settings = (status or {}).get("settings") or {}
    language = settings.get("language") if isinstance(settings, Mapping) else None
    return language if language in ("id", "en") else "id"


class NotificationUpdater:
    """Shows the notification again only when its text changed, at most every ``min_interval_s``.

    ``on_step`` is the engine loop's callback; a change that comes too soon is shown by the
    first step after the interval (the engine steps once a second).
    """

    def __init__(
        self,
        show: Callable[[NotificationText], None],
        min_interval_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.show = show
        self.min_interval_s = min_interval_s
        self.clock = clock
        self.shown: NotificationText | None = None
        self._at: float | None = None

    def on_step(self, status: Mapping[str, Any]) -> None:
        text = notification_text(status, _language(status))
        now = self.clock()
        if text == self.shown or (self._at is not None and now - self._at < self.min_interval_s):
            return
        self.show(text)
        self.shown, self._at = text, now


# -- for the screens ------------------------------------------------------------------------


def service_running(data_dir: Path, now: float | None = None, max_age_s: float = 10.0) -> bool:
    """Whether a service engine published a snapshot in the last ``max_age_s`` seconds."""
    from mobile.petasinyal_app.engine import read_status

    status = read_status(Path(data_dir))
    if not status or not status.get("service"):
        return False
    now = time.time() if now is None else now
    try:
        return abs(now - float(status["time"])) <= max_age_s
    except (KeyError, TypeError, ValueError):
        return False


def start_survey_service(data_dir: Path, language: str = "id") -> None:
    """Start the survey service. Call it from the visible activity (Android 12+ refuses a
    location foreground service started from the background) and only once location is
    granted (from API 34 python-for-android's own ``startForeground`` throws without it, in
    the service process). Starting it while it runs does nothing."""
    from jnius import autoclass

    activity = autoclass("org.kivy.android.PythonActivity").mActivity
    service = autoclass(f"{activity.getPackageName()}.Service{SERVICE_NAME}")
    first = notification_text(None, language)
    argument = json.dumps({"data_dir": str(data_dir)})
    service.start(activity, "", first.title, first.text, argument)


def stop_survey_service() -> None:
    """Ask the service to finish its step, close the outbox and stop (the same broadcast as
    the notification's stop action; only this app can send it)."""
    from jnius import autoclass

    activity = autoclass("org.kivy.android.PythonActivity").mActivity
    activity.sendBroadcast(_stop_intent(activity))


# -- the Android side (pyjnius) -------------------------------------------------------------


def _sdk_int() -> int:
    from jnius import autoclass

    return int(autoclass("android.os.Build$VERSION").SDK_INT)


def _stop_intent(context: Any) -> Any:
    from jnius import autoclass

    package = context.getPackageName()
    intent = autoclass("android.content.Intent")(f"{package}.{STOP_ACTION}")
    intent.setPackage(package)  # explicit: no other app receives it
    return intent


class ForegroundNotification:
    """The ongoing notification of ``service`` (a ``PythonService``) on a device at ``api``."""

    def __init__(self, service: Any, api: int):
        from jnius import autoclass, cast

        self.service, self.api = service, api
        self._context = service.getApplicationContext()
        manager = service.getSystemService(
            autoclass("android.content.Context").NOTIFICATION_SERVICE
        )
        self.manager = cast("android.app.NotificationManager", manager)
        self._icon = self._context.getApplicationInfo().icon
        self._open = self._open_app_intent()
        self._stop = self._stop_pending_intent()

    def _flags(self) -> int:
        from jnius import autoclass

        pending = autoclass("android.app.PendingIntent")
        return pending.FLAG_IMMUTABLE | pending.FLAG_UPDATE_CURRENT

    def _open_app_intent(self) -> Any:
        from jnius import autoclass

        package = self._context.getPackageName()
        launch = self._context.getPackageManager().getLaunchIntentForPackage(package)
        if launch is None:
            return None
        # like the launcher icon: brings the running app's task to the front
        launch.addFlags(autoclass("android.content.Intent").FLAG_ACTIVITY_NEW_TASK)
        pending = autoclass("android.app.PendingIntent")
        return pending.getActivity(self._context, 0, launch, self._flags())

    def _stop_pending_intent(self) -> Any:
        from jnius import autoclass

        pending = autoclass("android.app.PendingIntent")
        return pending.getBroadcast(self._context, 1, _stop_intent(self._context), self._flags())

    def channel(self, name: str) -> None:
        """Create the low-importance channel (API 26+; silent, no badge)."""
        from jnius import autoclass

        manager_class = autoclass("android.app.NotificationManager")
        channel = autoclass("android.app.NotificationChannel")(
            CHANNEL_ID, name, manager_class.IMPORTANCE_LOW
        )
        channel.setShowBadge(False)
        self.manager.createNotificationChannel(channel)

    def build(self, words: NotificationText) -> Any:
        from jnius import autoclass

        notification = autoclass("android.app.Notification")
        builder = autoclass("android.app.Notification$Builder")(self._context, CHANNEL_ID)
        builder.setContentTitle(words.title)
        builder.setContentText(words.text)
        builder.setSmallIcon(self._icon)
        builder.setOngoing(True)
        builder.setOnlyAlertOnce(True)
        builder.setShowWhen(False)
        builder.setCategory(notification.CATEGORY_SERVICE)
        if self._open is not None:
            builder.setContentIntent(self._open)
        icon = autoclass("android.graphics.drawable.Icon").createWithResource(
            self._context, self._icon
        )
        # a Java String: with overloads to choose from, pyjnius matches a Python str to
        # String or Object only, never to this constructor's CharSequence
        title = autoclass("java.lang.String")(words.stop)
        action = autoclass("android.app.Notification$Action$Builder")(icon, title, self._stop)
        builder.addAction(action.build())
        if self.api >= 31:  # otherwise Android 12+ may hold it back for 10 seconds
            builder.setForegroundServiceBehavior(notification.FOREGROUND_SERVICE_IMMEDIATE)
        return builder.build()

    def start(self, words: NotificationText, channel_name: str) -> None:
        """Put the service in the foreground, typed ``location`` where the API has types."""
        self.channel(channel_name)
        notification = self.build(words)
        if self.api >= 29:
            from jnius import autoclass

            location = autoclass("android.content.pm.ServiceInfo").FOREGROUND_SERVICE_TYPE_LOCATION
            self.service.startForeground(NOTIFICATION_ID, notification, location)
        else:
            self.service.startForeground(NOTIFICATION_ID, notification)

    def allowed(self) -> bool:
        """Whether a notification can be shown (POST_NOTIFICATIONS is a runtime permission
        from API 33; without it the service runs on, listed in the task manager only)."""
        if self.api < 33:
            return True
        return self._context.checkSelfPermission(_POST_NOTIFICATIONS) == _GRANTED

    def show(self, words: NotificationText) -> None:
        """Replace the ongoing notification's text (same id)."""
        if self.allowed():
            self.manager.notify(NOTIFICATION_ID, self.build(words))

    def stop(self) -> None:
        from jnius import autoclass

        self.service.stopForeground(autoclass("android.app.Service").STOP_FOREGROUND_REMOVE)


class StopReceiver:
    """Calls ``on_stop`` when the stop broadcast arrives (python-for-android's
    ``GenericBroadcastReceiver``, registered not exported: its own ``BroadcastReceiver``
    helper passes no export flag, which Android 14 refuses for an app's own broadcast)."""

    def __init__(self, context: Any, api: int, on_stop: Callable[[], None]):
        from jnius import PythonJavaClass, autoclass, java_method

        class _Callback(PythonJavaClass):
            __javainterfaces__: ClassVar[list[str]] = [
                "org/kivy/android/GenericBroadcastReceiverCallback"
            ]
            __javacontext__ = "app"

            @java_method("(Landroid/content/Context;Landroid/content/Intent;)V")
            def onReceive(self, context: Any, intent: Any) -> None:
                on_stop()

        self.context, self.api = context, api
        self._callback = _Callback()  # keep a reference: Java holds only a weak one
        self.receiver = autoclass("org.kivy.android.GenericBroadcastReceiver")(self._callback)
        self._filter = autoclass("android.content.IntentFilter")(
            f"{context.getPackageName()}.{STOP_ACTION}"
        )
        self.registered = False

    def register(self) -> None:
        from jnius import autoclass

        flags = autoclass("android.content.Context").RECEIVER_NOT_EXPORTED if self.api >= 33 else 0
        self.context.registerReceiver(self.receiver, self._filter, flags)
        self.registered = True

    def unregister(self) -> None:
        if self.registered:
            self.context.unregisterReceiver(self.receiver)
            self.registered = False


# -- the service process --------------------------------------------------------------------


def _data_dir(argument: str, private: Path | None) -> Path | None:
    """The data folder from the start argument; after a sticky restart (empty argument) the
    one saved at the last start."""
    saved = None if private is None else private / _ARGUMENT_FILE
    if not argument and saved is not None and saved.exists():
        argument = saved.read_text(encoding="utf-8")
    try:
        data_dir = json.loads(argument)["data_dir"]
    except (ValueError, KeyError, TypeError):
        return None
    if saved is not None:
        saved.write_text(argument, encoding="utf-8")
    return Path(data_dir)


def _device_model() -> str:
    from jnius import autoclass

    return str(autoclass("android.os.Build").MODEL or "Android")


def run_android_service(
    argument: str,
    make_engine: Callable[[Path], Any] | None = None,
    stop: threading.Event | None = None,
    notify_every_s: float = 5.0,
) -> int:
    """The service process: foreground, engine loop until stopped, then stop the service.

    ``make_engine(data_dir)`` builds the engine (default: :class:`SurveyEngine` over the
    Android sensors); ``stop`` ends the loop (default: a new event set by the stop action);
    the notification changes at most every ``notify_every_s`` seconds.
    """
    from jnius import JavaException, autoclass

    service = autoclass("org.kivy.android.PythonService").mService
    private = os.environ.get("ANDROID_PRIVATE")
    data_dir = _data_dir(argument, Path(private) if private else None)
    if data_dir is None:
        log.error("survey service: no data folder in %r", argument)
        service.stopSelf()
        return 1
    api = _sdk_int()
    stop = stop or threading.Event()
    notification = receiver = None
    try:
        notification = ForegroundNotification(service, api)
        language = load_settings(data_dir).language
        notification.start(
            notification_text(None, language), translate("Survei di latar belakang", language)
        )
        receiver = StopReceiver(service, api, stop.set)
        receiver.register()
        engine = (make_engine or _android_engine)(data_dir)
        updater = NotificationUpdater(notification.show, min_interval_s=notify_every_s)
        engine.run(stop, on_step=_with_alerts(updater.on_step))
        return 0
    except JavaException as error:  # e.g. SecurityException: location not granted (API 34)
        log.error("survey service stopped: %s", getattr(error, "classname", error))
        return 1
    finally:
        if receiver is not None:
            receiver.unregister()
        if notification is not None:
            notification.stop()
        service.stopSelf()  # a stop, not a crash: Android does not restart the sticky service


def _with_alerts(on_step: Callable[[Mapping[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """``on_step`` plus the "no service" alert, felt with the screen off (the service
    alerts, not the screens: they may be closed)."""
    from mobile.petasinyal_app.alerts import alert_no_service

    seen: list[int] = []

    def step(status: dict[str, Any]) -> None:
        on_step(status)
        alerts = int(status.get("no_service_alerts") or 0)
        wanted = (status.get("settings") or {}).get("alert_no_service", True)
        if seen and alerts > seen[0] and wanted:
            alert_no_service()
        seen[:] = [alerts]

    return step


def _android_engine(data_dir: Path) -> Any:
    from mobile.petasinyal_app.engine import SurveyEngine
    from mobile.petasinyal_app.sensors.android import android_sensors

    return SurveyEngine(data_dir, android_sensors(data_dir), device_model=_device_model())
