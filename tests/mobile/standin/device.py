"""A simulated Android phone: API level, permissions, SIMs and their cells, GPS, network.

Tests change it (airplane mode on, SIM removed, cells change, permission granted, a GPS
fix arrives, network validated) and the app's Android code sees it through the strict
``jnius`` stand-in. Peers here are plain Python objects with the Java method names; the
class table decides what the app may call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.mobile.standin.table import COARSE, FINE, NETWORK_STATE, PHONE, VIBRATE

__all__ = ["UNAVAILABLE", "Cell", "Device", "Sim"]

UNAVAILABLE = 2_147_483_647
IN_SERVICE, OUT_OF_SERVICE, EMERGENCY_ONLY, POWER_OFF = 0, 1, 2, 3
NOTIFICATIONS = "android.permission.POST_NOTIFICATIONS"
_KINDS = {"LTE": "Lte", "NR": "Nr", "WCDMA": "Wcdma", "GSM": "Gsm"}


@dataclass
class Cell:
    """One cell the modem reports; ``values`` are keyed by the Java getter (``Ci``, ``Rsrp``)."""

    tech: str
    mcc: str
    mnc: str
    registered: bool = True
    values: dict[str, int] = field(default_factory=dict)


@dataclass
class Sim:
    """One SIM slot with an active subscription."""

    slot: int
    operator: str
    plmn: str  # MCC+MNC of the SIM (and of the network while in service, no roaming)
    service: int = IN_SERVICE
    cells: list[Cell] = field(default_factory=list)
    nr_leg: dict[str, int] | None = None  # NSA: the NR CellSignalStrength next to LTE
    ready: bool = True  # SIM_STATE_READY
    carrier_name: str | None = None  # SubscriptionInfo.getCarrierName

    @property
    def sub_id(self) -> int:
        return self.slot + 1


class _Peer:
    def __init__(self, java_class: str, **values: Any):
        self.java_class = java_class
        self.values = values

    def __getattr__(self, name: str) -> Any:
        if name.startswith(("get", "is", "has")):
            key = name.removeprefix("get").removeprefix("is").removeprefix("has")
            if key in self.values:
                return lambda: self.values[key]
        raise AttributeError(name)

    def getClass(self) -> _Peer:
        simple = self.java_class.rsplit(".", 1)[-1]
        return _Peer("java.lang.Class", Name=self.java_class, SimpleName=simple)

    def toString(self) -> str:
        return str(self.values.get("text", self.java_class))


class JList(_Peer):
    def __init__(self, items: list[Any]):
        super().__init__("java.util.ArrayList")
        self.items = list(items)

    def size(self) -> int:
        return len(self.items)

    def get(self, index: int) -> Any:
        return self.items[index]

    def isEmpty(self) -> bool:
        return not self.items


def _text(value: str | None) -> _Peer | None:
    return None if value is None else _Peer("java.lang.String", text=value)


def _cell_info(cell: Cell, stamp_ms: int) -> _Peer:
    kind = _KINDS[cell.tech]
    ident = {
        "Mcc": int(cell.mcc),
        "Mnc": int(cell.mnc),
        "MccString": cell.mcc,
        "MncString": cell.mnc,
    }
    identity = _Peer(f"android.telephony.CellIdentity{kind}", **ident, **cell.values)
    signal = _Peer(f"android.telephony.CellSignalStrength{kind}", **cell.values)
    return _Peer(
        f"android.telephony.CellInfo{kind}",
        Registered=cell.registered,
        TimeStamp=stamp_ms * 1_000_000,
        TimestampMillis=stamp_ms,
        CellConnectionStatus=1 if cell.registered else 0,
        CellIdentity=identity,
        CellSignalStrength=signal,
    )


class _Telephony(_Peer):
    def __init__(self, device: Device, sim: Sim | None):
        super().__init__("android.telephony.TelephonyManager")
        self.device, self.sim = device, sim

    def _sim(self) -> Sim | None:
        return self.sim or (self.device.sims[0] if self.device.sims else None)

    def createForSubscriptionId(self, sub_id: int) -> _Telephony:
        sims = [s for s in self.device.sims if s.sub_id == sub_id]
        return _Telephony(self.device, sims[0] if sims else None)

    def getSimState(self) -> int:
        sim = self._sim()
        return 5 if sim is not None and sim.ready else 1

    def getSimOperator(self) -> str:
        sim = self._sim()
        return sim.plmn if sim and sim.ready else ""

    def getSimOperatorName(self) -> str:
        sim = self._sim()
        return sim.operator if sim and sim.ready else ""

    def getNetworkOperator(self) -> str:
        sim = self._sim()
        on = sim is not None and self.device.radio_state(sim) == IN_SERVICE
        return sim.plmn if on and sim else ""

    def getServiceState(self) -> _Peer | None:
        sim = self._sim()
        return (
            None
            if sim is None
            else _Peer("android.telephony.ServiceState", State=self.device.radio_state(sim))
        )

    def getAllCellInfo(self) -> JList:
        device = self.device
        if device.api < 29:  # before Q the call itself polled the modem
            device.refresh_cache()
        return JList(
            [_cell_info(c, t) for sim in device.sims for c, t in device.cache.get(sim.slot, [])]
        )

    def requestCellInfoUpdate(self, executor: Any, callback: Any) -> None:
        sim = self._sim()
        self.device.requests += 1

        def answer() -> None:
            if sim is None:
                callback.onError(2, None)
                return
            self.device.refresh_cache(sim)
            cells = [_cell_info(c, t) for c, t in self.device.cache.get(sim.slot, [])]
            executor.execute(lambda: callback.onCellInfo(JList(cells)))

        self.device.pending.append(answer)
        if self.device.auto_answer:
            self.device.answer_requests()

    def getSignalStrength(self) -> _Peer | None:
        sim = self._sim()
        if sim is None or self.device.radio_state(sim) != IN_SERVICE:
            return None
        parts: list[_Peer] = [
            _Peer(f"android.telephony.CellSignalStrength{_KINDS[c.tech]}", **c.values)
            for c in sim.cells
            if c.registered
        ]
        if sim.nr_leg is not None:
            parts.append(_Peer("android.telephony.CellSignalStrengthNr", **sim.nr_leg))
        return _Peer("android.telephony.SignalStrength", CellSignalStrengths=JList(parts))


class _CellInfoResult(_Peer):
    """mobile/java/org/petasinyal/CellInfoResult.java: a CellInfoCallback and a direct Executor."""

    def __init__(self) -> None:
        super().__init__("org.petasinyal.CellInfoResult")
        self.done, self.error, self.cells = False, -1, JList([])

    def execute(self, runnable: Any) -> None:
        runnable()

    def onCellInfo(self, cells: JList | None) -> None:
        self.cells, self.done = cells if cells is not None else JList([]), True

    def onError(self, code: int, detail: Any) -> None:
        self.error, self.done = code, True

    def isDone(self) -> bool:
        return self.done

    def getErrorCode(self) -> int:
        return self.error

    def getCells(self) -> JList:
        return self.cells


ACTION_MAIN = "android.intent.action.MAIN"
ACTION_VIEW = "android.intent.action.VIEW"


class _Intent(_Peer):
    """An intent the system delivers to the activity: its action and data URI (or none)."""

    def __init__(self, action: str, data: str | None = None):
        super().__init__("android.content.Intent", action=action, data=data, flags=0)

    def getAction(self) -> str:
        return self.values["action"]

    def getData(self) -> _Peer | None:
        data = self.values["data"]
        return None if data is None else _Peer("android.net.Uri$StringUri", text=data)

    def getDataString(self) -> str | None:
        return self.values["data"]


class _Context(_Peer):
    def __init__(self, device: Device, java_class: str):
        super().__init__(java_class)
        self.device = device

    def getSystemService(self, name: str) -> Any:
        return self.device.services()[name]

    def getContentResolver(self) -> _Peer:
        return _Peer("android.content.ContentResolver")

    def getPackageName(self) -> str:
        return self.device.package

    def checkSelfPermission(self, permission: str) -> int:
        return 0 if permission in self.device.granted else -1

    def startActivity(self, intent: _Peer) -> None:
        self.device.started.append(intent.values)

    def getIntent(self) -> _Intent:
        return self.device.launch_intent

    def registerNewIntentListener(self, listener: Any) -> None:
        self.device.intent_listeners.append(listener)

    def unregisterNewIntentListener(self, listener: Any) -> None:
        self.device.intent_listeners.remove(listener)

    def shouldShowRequestPermissionRationale(self, permission: str) -> bool:
        return permission in self.device.denied_once and permission not in self.device.never_ask

    def getFilesDir(self) -> _Peer:
        path = f"/data/user/0/{self.device.package}/files"
        return _Peer("java.io.File", AbsolutePath=path, Path=path)

    def getExternalFilesDir(self, kind: str | None) -> _Peer:
        path = f"/storage/emulated/0/Android/data/{self.device.package}/files"
        path += f"/{kind}" if kind else ""
        return _Peer("java.io.File", AbsolutePath=path, Path=path)


class _Vibrator(_Peer):
    def __init__(self, device: Device):
        super().__init__("android.os.SystemVibrator")  # the hidden runtime class
        self.device = device

    def hasVibrator(self) -> bool:
        return True

    def vibrate(self, effect: Any) -> None:
        ms = effect if isinstance(effect, int) else effect.values["ms"]
        self.device.vibrations.append(ms)


class _ToneGenerator(_Peer):
    def __init__(self, device: Device, stream: int, volume: int):
        super().__init__("android.media.ToneGenerator")
        self.device, self.stream, self.volume = device, stream, volume

    def startTone(self, tone: int, duration_ms: int = -1) -> bool:
        self.device.tones.append((self.stream, tone, duration_ms))
        return True

    def release(self) -> None:
        self.device.released_tones += 1


class _Location(_Peer):
    def __init__(self, device: Device):
        super().__init__("android.location.LocationManager")
        self.device = device

    def requestLocationUpdates(self, provider, min_ms, min_m, listener, looper) -> None:  # type: ignore[no-untyped-def]
        self.device.listeners.append((provider, listener))

    def removeUpdates(self, listener: Any) -> None:
        self.device.listeners = [(p, x) for p, x in self.device.listeners if x is not listener]


class _Connectivity(_Peer):
    def __init__(self, device: Device):
        super().__init__("android.net.ConnectivityManager")
        self.device = device

    def getActiveNetwork(self) -> _Peer | None:
        return None if self.device.network is None else _Peer("android.net.Network")

    def getNetworkCapabilities(self, network: Any) -> _Peer:
        return _Capabilities("android.net.NetworkCapabilities", validated=bool(self.device.network))


class _Capabilities(_Peer):
    def hasCapability(self, capability: int) -> bool:
        return {16: bool(self.values.get("validated")), 12: True}.get(capability, False)


class _Statics:
    """Static methods of the classes the app calls, with the device behind them."""

    def __init__(self, device: Device):
        self.device = device

    def getInt(self, resolver: Any, name: str, default: int) -> int:
        return {"airplane_mode_on": int(self.device.airplane)}.get(name, default)

    def elapsedRealtime(self) -> int:
        return self.device.clock_ms

    def elapsedRealtimeNanos(self) -> int:
        return self.device.clock_ms * 1_000_000

    def getMainLooper(self) -> _Peer:
        return _Peer("android.os.Looper")

    def fromParts(self, scheme: str, part: str, fragment: str | None) -> _Peer:
        return _Peer("android.net.Uri", text=f"{scheme}:{part}")

    def createOneShot(self, ms: int, amplitude: int) -> _Peer:
        return _Peer("android.os.VibrationEffect", ms=ms, amplitude=amplitude)


class Device:
    """The phone. ``granted`` holds full permission names (install-time ones included)."""

    def __init__(
        self, api: int = 34, sims: list[Sim] | None = None, package: str = "org.petasinyal.app"
    ):
        self.api = api
        self.sims = list(sims or [])
        self.package = package
        self.model = "Pixel 7"
        # install-time permissions (buildozer.spec)
        self.granted: set[str] = {NETWORK_STATE, "android.permission.INTERNET", VIBRATE}
        self.airplane = False
        self.clock_ms = 3_600_000  # time since boot
        self.cache: dict[int, list[tuple[Cell, int]]] = {}
        self.pending: list[Any] = []
        self.requests = 0
        self.auto_answer = True
        self.listeners: list[tuple[str, Any]] = []
        self.network: bool | None = True  # None: no active network; False: not validated
        self.dialog = "allow"  # "allow", "approximate", "deny", "never"
        self.denied_once: set[str] = set()
        self.never_ask: set[str] = set()
        self.asked: list[list[str]] = []
        self.refused: list[str] = []  # protected calls made without their permission
        self.started: list[dict[str, Any]] = []
        self.vibrations: list[int] = []  # milliseconds of each vibration
        self.tones: list[tuple[int, int, int]] = []  # (stream, tone, milliseconds)
        self.released_tones = 0
        self.runtime: Any = None
        self.launch_intent = _Intent(ACTION_MAIN)  # the launcher's icon: no data
        self.intent_listeners: list[Any] = []  # PythonActivity's NewIntentListeners
        self.activity: _Context | None = _Context(self, "org.kivy.android.PythonActivity")
        self.service: _Context | None = _Context(self, "org.kivy.android.PythonService")
        self._services = {
            "phone": _Telephony(self, None),
            "telephony_subscription_service": _Peer(
                "android.telephony.SubscriptionManager",
                ActiveSubscriptionInfoList=None,
            ),
            "location": _Location(self),
            "connectivity": _Connectivity(self),
            "vibrator": _Vibrator(self),
        }
        self.refresh_cache()

    # --- what tests do to the phone -------------------------------------------------
    def grant(self, *names: str) -> None:
        """Grant permissions by short name: FINE, COARSE, PHONE, NOTIFICATIONS."""
        short = {"FINE": FINE, "COARSE": COARSE, "PHONE": PHONE, "NOTIFICATIONS": NOTIFICATIONS}
        self.granted |= {short.get(n, n) for n in names}

    def advance(self, seconds: float) -> None:
        self.clock_ms += int(seconds * 1000)

    def refresh_cache(self, sim: Sim | None = None) -> None:
        """The modem measured again: the cached cells of ``sim`` (or all) are now fresh."""
        for s in [sim] if sim else self.sims:
            on = self.radio_state(s) != POWER_OFF and s.ready
            self.cache[s.slot] = [(c, self.clock_ms) for c in s.cells] if on else []

    def answer_requests(self) -> None:
        pending, self.pending = self.pending, []
        for answer in pending:
            answer()

    def radio_state(self, sim: Sim) -> int:
        return POWER_OFF if self.airplane else sim.service

    def gps_fix(
        self,
        lat: float,
        lon: float,
        time_ms: int,
        accuracy: float | None = 5.0,
        mock: bool = False,
        provider: str = "gps",
    ) -> None:
        """Deliver a fix as Android does: the List form from API 31, the single form before."""
        location = _Peer(
            "android.location.Location",
            Latitude=lat,
            Longitude=lon,
            Time=time_ms,
            Accuracy=accuracy if accuracy is not None else 0.0,
            Altitude=0.0,
            Speed=0.0,
            Provider=provider,
            Mock=mock,
            FromMockProvider=mock,
        )
        location.values.update(hasAccuracy=accuracy is not None)
        location.hasAccuracy = lambda: accuracy is not None  # type: ignore[attr-defined]
        location.hasAltitude = lambda: False  # type: ignore[attr-defined]
        location.hasSpeed = lambda: False  # type: ignore[attr-defined]
        for wanted, listener in list(self.listeners):
            if wanted != provider:
                continue
            wrap = self.runtime.wrap
            batched = self.runtime.has_overload(  # API 31: the List form, as Android calls it
                "android.location.LocationListener", "onLocationChanged", ("java.util.List",)
            )
            if batched:
                listener.invoke(
                    "onLocationChanged",
                    "(Ljava/util/List;)V",
                    wrap(JList([location]), "java.util.List"),
                )
            else:
                listener.invoke(
                    "onLocationChanged",
                    "(Landroid/location/Location;)V",
                    wrap(location, "android.location.Location"),
                )

    def launched_by(self, link: str) -> None:
        """The app is started by a VIEW intent for ``link`` (a scanned QR code)."""
        self.launch_intent = _Intent(ACTION_VIEW, link)

    def open_link(self, link: str, action: str = ACTION_VIEW) -> None:
        """A link opened while the app runs: the singleTask activity's onNewIntent hands the
        intent to each listener, as Java calls a proxy (the argument typed ``Intent``).
        Filters do not guard this: any app may send an explicit intent to the activity."""
        intent = self.runtime.wrap(_Intent(action, link), "android.content.Intent")
        for listener in list(self.intent_listeners):
            listener.invoke("onNewIntent", "(Landroid/content/Intent;)V", intent)

    def provider_disabled(self) -> None:
        for provider, listener in list(self.listeners):
            listener.invoke("onProviderDisabled", "(Ljava/lang/String;)V", provider)

    # --- what the stand-in needs --------------------------------------------------------
    def services(self) -> dict[str, Any]:
        subs = [
            _Peer(
                "android.telephony.SubscriptionInfo",
                SubscriptionId=s.sub_id,
                SimSlotIndex=s.slot,
                CarrierName=_text(s.carrier_name or s.operator),
                DisplayName=_text(s.operator),
                Mcc=int(s.plmn[:3]),
                Mnc=int(s.plmn[3:]),
                MccString=s.plmn[:3],
                MncString=s.plmn[3:],
            )
            for s in self.sims
            if s.ready
        ]
        self._services["telephony_subscription_service"].values["ActiveSubscriptionInfoList"] = (
            JList(subs) if subs else None
        )
        return self._services

    def statics(self, class_name: str) -> _Statics:
        return _Statics(self)

    def construct(self, class_name: str, *args: Any) -> Any:
        if class_name == "java.lang.String":  # a Java String made from a Python str
            return _Peer("java.lang.String", text=str(args[0]) if args else "")
        if class_name == "org.petasinyal.CellInfoResult":
            return _CellInfoResult()
        if class_name == "android.media.ToneGenerator":
            return _ToneGenerator(self, *args)
        if class_name == "android.content.Intent":
            intent = _Peer(
                "android.content.Intent",
                action=args[0],
                data=args[1].peer.values["text"] if len(args) > 1 else None,
                flags=0,
            )
            intent.addFlags = lambda flags: (
                intent.values.__setitem__("flags", intent.values["flags"] | flags),
                intent,
            )[1]  # type: ignore[attr-defined]
            intent.getAction = lambda: intent.values["action"]  # type: ignore[attr-defined]
            return intent
        raise AssertionError(f"stand-in cannot construct {class_name}")

    def request_permissions(self, permissions: list[str]) -> list[bool]:
        """The system dialog, answered as ``self.dialog`` says."""
        self.asked.append(list(permissions))
        results = []
        for name in permissions:
            if name in self.granted:
                results.append(True)
                continue
            if name in self.never_ask:
                results.append(False)
                continue
            allow = self.dialog == "allow" or (self.dialog == "approximate" and name != FINE)
            if allow:
                self.granted.add(name)
            else:  # "never": the officer ticked "don't ask again"
                self.denied_once.add(name)
                if self.dialog == "never":
                    self.never_ask.add(name)
            results.append(allow)
        return results
