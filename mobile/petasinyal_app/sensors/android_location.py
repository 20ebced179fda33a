"""GPS on Android through pyjnius: our own ``LocationListener`` on the GPS provider only.

Android 12 (API 31) delivers fixes through ``onLocationChanged(List)``; a pyjnius proxy
receives that call itself (the interface's default method never runs), so both forms are
implemented, as are the provider callbacks every API level may call. The fix time is
``Location.getTime()`` (UTC ms), accuracy only when ``hasAccuracy()``, and the mock flag
``isMock()`` (API 31+) or ``isFromMockProvider()`` (API 18-30).
"""

from __future__ import annotations

from typing import Any

from mobile.petasinyal_app.sensors.android_context import autoclass, context, jnius, sdk_int
from mobile.petasinyal_app.sensors.facades import Fix, Location

__all__ = ["AndroidLocation", "fix_from"]


def fix_from(location: Any, api: int) -> Fix:
    """A :class:`Fix` from an ``android.location.Location``."""
    mock = location.isMock() if api >= 31 else location.isFromMockProvider()
    return Fix(
        float(location.getLatitude()),
        float(location.getLongitude()),
        float(location.getAccuracy()) if location.hasAccuracy() else None,
        int(location.getTime()) / 1000.0,
        float(location.getAltitude()) if location.hasAltitude() else None,
        float(location.getSpeed()) if location.hasSpeed() else None,
        bool(mock),
    )


def _listener(owner: AndroidLocation) -> Any:
    java = jnius()

    class GpsListener(java.PythonJavaClass):  # type: ignore[misc,name-defined]
        __javainterfaces__ = ["android/location/LocationListener"]  # noqa: RUF012
        __javacontext__ = "app"

        @java.java_method("(Landroid/location/Location;)V")
        def onLocationChanged(self, location: Any) -> None:
            owner.on_location(location)

        @java.java_method("(Ljava/util/List;)V", name="onLocationChanged")
        def onLocationChangedList(self, locations: Any) -> None:
            for i in range(locations.size()):
                owner.on_location(locations.get(i))

        @java.java_method("(Ljava/lang/String;)V")
        def onProviderEnabled(self, provider: str) -> None:
            owner.enabled = True

        @java.java_method("(Ljava/lang/String;)V")
        def onProviderDisabled(self, provider: str) -> None:
            owner.enabled = False

        @java.java_method("(Ljava/lang/String;ILandroid/os/Bundle;)V")
        def onStatusChanged(self, provider: str, status: int, extras: Any) -> None:
            return None

        @java.java_method("(I)V")
        def onFlushComplete(self, request_code: int) -> None:
            return None

    return GpsListener()


class AndroidLocation(Location):
    """GPS fixes every ``min_time_ms``; ``problem`` is ``"no_permission"`` if Android refused."""

    def __init__(self, min_time_ms: int = 1000):
        super().__init__()
        self.min_time_ms = min_time_ms
        self.problem: str | None = None
        self._api = 0
        self._manager: Any = None
        self._gps: Any = None  # keep the proxy referenced, or the JVM calls a freed object

    def _start(self) -> None:
        if self._gps is not None:
            return
        self._api = sdk_int()
        ctx = context()
        self._manager = ctx.getSystemService(autoclass("android.content.Context").LOCATION_SERVICE)
        provider = autoclass("android.location.LocationManager").GPS_PROVIDER
        looper = autoclass("android.os.Looper").getMainLooper()
        listener = _listener(self)
        try:
            self._manager.requestLocationUpdates(provider, self.min_time_ms, 0.0, listener, looper)
        except jnius().JavaException:
            self.problem = "no_permission"
            return
        self._gps, self.problem = listener, None

    def _stop(self) -> None:
        if self._gps is not None:
            self._manager.removeUpdates(self._gps)
            self._gps = None

    def on_location(self, location: Any) -> None:
        """Called from Java with one ``Location`` of the GPS provider."""
        if str(location.getProvider()) == "gps":
            self._deliver(fix_from(location, self._api))
