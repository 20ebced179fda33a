"""The radio on Android, one :class:`SimState` per active SIM (``SubscriptionManager``).

Each SIM is read through its own ``TelephonyManager.createForSubscriptionId`` (API 24): its
operator, service state and cells. "No service" is recorded only when the SIM is ready,
the radio is on, airplane mode is off and the service state says out of service or
emergency only; everything else it cannot vouch for is *unknown* with a reason. Cells
older than ``max_age_s`` (by the cell's own timestamp) are refused: on API 29+
``getAllCellInfo`` returns a cache, so every scan asks ``requestCellInfoUpdate`` for the next
one (answered into ``org.petasinyal.CellInfoResult``, see mobile/java) and uses the newest
answer. A ``SecurityException`` makes the SIM unknown (``no_permission``), never a crash.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mobile.petasinyal_app.sensors.android_cells import cell_reading, clean, nr_leg, stamp_ms
from mobile.petasinyal_app.sensors.android_context import autoclass, context, jnius, sdk_int
from mobile.petasinyal_app.sensors.facades import (
    IN_SERVICE,
    NO_SERVICE,
    UNKNOWN,
    CellReading,
    Cellular,
    SimState,
)

__all__ = ["AndroidCellular"]

SIM_STATE_READY = 5  # TelephonyManager.SIM_STATE_READY
STATE_OUT_OF_SERVICE, STATE_EMERGENCY_ONLY, STATE_POWER_OFF = 1, 2, 3  # ServiceState
_REQUEST_TIMEOUT_MS = 10_000


def _reason(error: Any) -> str:
    return "no_permission" if "SecurityException" in str(error.classname) else "error"


def _items(java_list: Any) -> list[Any]:
    return [java_list.get(i) for i in range(java_list.size())] if java_list is not None else []


class AndroidCellular(Cellular):
    """Every active SIM: its serving cells (plus the NSA NR leg), no service, or unknown."""

    def __init__(self, max_age_s: float = 5.0):
        self.max_age_ms = int(max_age_s * 1000)
        self._requests: dict[int, tuple[Any, int]] = {}  # sub id -> (CellInfoResult, asked at)
        self._answers: dict[int, list[Any]] = {}  # sub id -> newest CellInfo list

    def _scan(self) -> list[SimState]:
        java = jnius()
        try:
            api, ctx = sdk_int(), context()
            subs = self._subscriptions(ctx)
            if not subs:
                return [SimState(0, UNKNOWN, reason="no_sim")]
            if self._airplane(ctx):
                return [
                    SimState(slot, UNKNOWN, operator=name, reason="airplane")
                    for slot, _, name in subs
                ]
            base = ctx.getSystemService(autoclass("android.content.Context").TELEPHONY_SERVICE)
        except java.JavaException as error:
            return [SimState(0, UNKNOWN, reason=_reason(error))]
        states = []
        for slot, sub_id, name in subs:
            try:
                states.append(self._sim(api, base, slot, sub_id, name))
            except java.JavaException as error:
                states.append(SimState(slot, UNKNOWN, operator=name, reason=_reason(error)))
        return states

    @staticmethod
    def _subscriptions(ctx: Any) -> list[tuple[int, int, str | None]]:
        """(slot, subscription id, carrier name) of each active SIM, by slot."""
        name = autoclass("android.content.Context").TELEPHONY_SUBSCRIPTION_SERVICE
        found = []
        for info in _items(ctx.getSystemService(name).getActiveSubscriptionInfoList()):
            carrier = info.getCarrierName()
            text = str(carrier.toString()) if carrier is not None else ""
            found.append((int(info.getSimSlotIndex()), int(info.getSubscriptionId()), text or None))
        return sorted(found)

    @staticmethod
    def _airplane(ctx: Any) -> bool:
        settings = autoclass("android.provider.Settings$Global")
        return settings.getInt(ctx.getContentResolver(), settings.AIRPLANE_MODE_ON, 0) == 1

    def _sim(self, api: int, base: Any, slot: int, sub_id: int, name: str | None) -> SimState:
        tm = base.createForSubscriptionId(sub_id)
        operator = name or tm.getSimOperatorName() or None
        if tm.getSimState() != SIM_STATE_READY:
            return SimState(slot, UNKNOWN, operator=operator, reason="no_sim")
        service = tm.getServiceState()
        if service is None:
            return SimState(slot, UNKNOWN, operator=operator, reason="error")
        state, plmn = service.getState(), str(tm.getSimOperator() or "")
        if state == STATE_POWER_OFF:
            return SimState(slot, UNKNOWN, operator=operator, reason="radio_off")
        if state in (STATE_OUT_OF_SERVICE, STATE_EMERGENCY_ONLY):
            none = CellReading("NONE", plmn[:3] or None, plmn[3:] or None, operator)
            return SimState(slot, NO_SERVICE, (none,), operator)
        network = str(tm.getNetworkOperator() or "") or plmn
        cells, stale = self._cells(api, tm, sub_id, network, operator)
        if not cells:
            return SimState(
                slot, UNKNOWN, operator=operator, reason="stale" if stale else "no_cells"
            )
        if api >= 29 and any(c.tech == "LTE" for c in cells) and all(c.tech != "NR" for c in cells):
            leg = nr_leg(tm.getSignalStrength(), jnius().cast)
            if leg is not None:
                cells.append(clean(_stamp(leg, network, operator)))
        return SimState(slot, IN_SERVICE, tuple(cells), operator)

    def _cells(
        self, api: int, tm: Any, sub_id: int, network: str, operator: str | None
    ) -> tuple[list[CellReading], bool]:
        """This SIM's registered cells that are fresh; and whether any were refused as stale."""
        now = int(autoclass("android.os.SystemClock").elapsedRealtime())
        infos = self._fresh_infos(tm, sub_id, now) if api >= 29 else _items(tm.getAllCellInfo())
        cells, stale = [], False
        for info in infos:
            if not info.isRegistered():
                continue
            found = cell_reading(info, api, jnius().cast)
            if found is None or not _same_network(found[1], found[2], network):
                continue
            if now - stamp_ms(info, api) > self.max_age_ms:
                stale = True
                continue
            reading = found[0]
            cells.append(clean(_stamp(reading, network, operator)))
        return cells, stale

    def _fresh_infos(self, tm: Any, sub_id: int, now: int) -> list[Any]:
        """The newest answer to ``requestCellInfoUpdate`` (else the cache); asks for the next."""
        self._harvest(sub_id, now)
        if sub_id not in self._requests:
            result = autoclass("org.petasinyal.CellInfoResult")()
            tm.requestCellInfoUpdate(result, result)
            self._requests[sub_id] = (result, now)
            self._harvest(sub_id, now)  # a modem may answer at once
        if sub_id in self._answers:
            return self._answers[sub_id]
        return _items(tm.getAllCellInfo())

    def _harvest(self, sub_id: int, now: int) -> None:
        pending = self._requests.get(sub_id)
        if pending is None:
            return
        result, asked = pending
        if result.isDone():
            del self._requests[sub_id]
            if result.getErrorCode() == -1:
                self._answers[sub_id] = _items(result.getCells())
        elif now - asked > _REQUEST_TIMEOUT_MS:  # never answered: ask again
            del self._requests[sub_id]


def _same_network(mcc: int | None, mnc: int | None, network: str) -> bool:
    if mcc is None or mnc is None or len(network) < 5:
        return False
    return mcc == int(network[:3]) and mnc == int(network[3:])


def _stamp(reading: CellReading, network: str, operator: str | None) -> CellReading:
    return replace(reading, mcc=network[:3], mnc=network[3:], operator=operator)
