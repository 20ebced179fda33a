"""Android sensors: GPS through plyer, the radio through pyjnius and TelephonyManager.

``getAllCellInfo()`` gives the registered (serving) cell of each SIM: ``CellInfoLte``,
``CellInfoNr``, ``CellInfoWcdma`` and ``CellInfoGsm`` with their identity and signal-strength
classes. ``getServiceState()`` tells when there is no service at all, which is recorded as a
``NONE`` reading for the SIM's operator. Android reports missing values as
``Integer.MAX_VALUE``.
"""

from __future__ import annotations

from typing import Any

from mobile.petasinyal_app.sensors.facades import CellReading, Cellular, Fix, Location

__all__ = ["AndroidCellular", "AndroidLocation", "cell_reading", "request_permissions"]

UNAVAILABLE = 2_147_483_647  # CellInfo.UNAVAILABLE (Integer.MAX_VALUE)
STATE_IN_SERVICE = 0  # ServiceState.STATE_IN_SERVICE
PERMISSIONS = ("ACCESS_FINE_LOCATION", "READ_PHONE_STATE")


def _value(raw: Any) -> int | None:
    if raw is None:
        return None
    number = int(raw)
    return None if number in (UNAVAILABLE, -UNAVAILABLE - 1, 2**63 - 1) else number


def _plmn(identity: Any) -> tuple[str | None, str | None]:
    mcc, mnc = identity.getMccString(), identity.getMncString()
    return (str(mcc) if mcc else None), (str(mnc) if mnc else None)


def cell_reading(info: Any, operator: str | None = None) -> CellReading | None:
    """A reading from one registered ``CellInfo`` (None for kinds we do not map)."""
    kind = info.getClass().getSimpleName()
    identity, signal = info.getCellIdentity(), info.getCellSignalStrength()
    mcc, mnc = _plmn(identity)
    common = {"mcc": mcc, "mnc": mnc, "operator": operator}
    if kind == "CellInfoLte":
        return CellReading(
            "LTE",
            **common,
            cell_id=_value(identity.getCi()),
            tac_lac=_value(identity.getTac()),
            pci_psc=_value(identity.getPci()),
            arfcn=_value(identity.getEarfcn()),
            rsrp_dbm=_value(signal.getRsrp()),
            rsrq_db=_value(signal.getRsrq()),
            sinr_db=_value(signal.getRssnr()),
            rssi_dbm=_value(signal.getRssi()),
        )
    if kind == "CellInfoNr":
        return CellReading(
            "NR",
            **common,
            cell_id=_value(identity.getNci()),
            tac_lac=_value(identity.getTac()),
            pci_psc=_value(identity.getPci()),
            arfcn=_value(identity.getNrarfcn()),
            rsrp_dbm=_value(signal.getSsRsrp()),
            rsrq_db=_value(signal.getSsRsrq()),
            sinr_db=_value(signal.getSsSinr()),
        )
    if kind == "CellInfoWcdma":
        return CellReading(
            "WCDMA",
            **common,
            cell_id=_value(identity.getCid()),
            tac_lac=_value(identity.getLac()),
            pci_psc=_value(identity.getPsc()),
            arfcn=_value(identity.getUarfcn()),
            rscp_dbm=_value(signal.getDbm()),
        )
    if kind == "CellInfoGsm":
        return CellReading(
            "GSM",
            **common,
            cell_id=_value(identity.getCid()),
            tac_lac=_value(identity.getLac()),
            arfcn=_value(identity.getArfcn()),
            rssi_dbm=_value(signal.getDbm()),
        )
    return None


def _clean(reading: CellReading) -> CellReading:
    """Drop values outside the 3GPP reporting ranges (some modems report junk)."""
    from dataclasses import replace

    from analysis.schema import NUMERIC_RANGES

    changes = {}
    for name in ("rsrp_dbm", "rsrq_db", "sinr_db", "rscp_dbm", "rssi_dbm"):
        value = getattr(reading, name)
        low, high = NUMERIC_RANGES[name]
        if value is not None and not low <= value <= high:
            changes[name] = None
    return replace(reading, **changes) if changes else reading


class AndroidCellular(Cellular):
    """The registered cells of every SIM, or a no-service reading."""

    def __init__(self, autoclass: Any = None):
        if autoclass is None:
            from jnius import autoclass  # type: ignore[import-not-found,no-redef]
        activity = autoclass("org.kivy.android.PythonActivity").mActivity
        context = autoclass("android.content.Context")
        self.telephony = activity.getSystemService(context.TELEPHONY_SERVICE)

    def _read(self) -> list[CellReading]:
        tm = self.telephony
        operator = tm.getSimOperatorName() or None
        state = tm.getServiceState()
        if state is not None and state.getState() != STATE_IN_SERVICE:
            plmn = tm.getSimOperator() or ""
            return [
                CellReading("NONE", mcc=plmn[:3] or None, mnc=plmn[3:] or None, operator=operator)
            ]
        infos = tm.getAllCellInfo()
        readings = []
        for i in range(infos.size() if infos is not None else 0):
            info = infos.get(i)
            if info.isRegistered():
                reading = cell_reading(info, operator)
                if reading is not None:
                    readings.append(_clean(reading))
        return readings


class AndroidLocation(Location):
    """GPS through plyer; Android's mock-location flag is kept on every fix."""

    def __init__(self, gps: Any = None):
        super().__init__()
        if gps is None:
            from plyer import gps  # type: ignore[import-not-found,no-redef]
        self.gps = gps

    def _start(self) -> None:
        self.gps.configure(on_location=self._on_location)
        self.gps.start(minTime=1000, minDistance=0)

    def _stop(self) -> None:
        self.gps.stop()

    def _on_location(self, **kwargs: Any) -> None:
        import time

        self._deliver(
            Fix(
                float(kwargs["lat"]),
                float(kwargs["lon"]),
                kwargs.get("accuracy"),
                time.time(),
                kwargs.get("altitude"),
                kwargs.get("speed"),
                bool(kwargs.get("mock", False)),
            )
        )


def request_permissions() -> None:
    """Ask for fine location and phone state at run time (Android 6+)."""
    from android.permissions import Permission  # type: ignore[import-not-found]
    from android.permissions import request_permissions as ask

    ask([getattr(Permission, name) for name in PERMISSIONS])
