"""One ``CellInfo`` from the modem -> one :class:`CellReading`, every call gated by API level.

pyjnius returns a method's *declared* type, and ``CellInfoNr`` declares the base classes
``CellIdentity``/``CellSignalStrength``, so identity and signal are always ``cast`` to the
concrete class first. ``getMccString``/``getMncString`` are API 28 (the int getters before),
``CellSignalStrengthLte.getRssi`` API 29, ``CellInfo.getTimestampMillis`` API 30.
Android reports missing values as ``Integer.MAX_VALUE`` (``Long.MAX_VALUE`` for the NCI).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from analysis.schema import NUMERIC_RANGES
from mobile.petasinyal_app.sensors.facades import CellReading

__all__ = ["UNAVAILABLE", "cell_reading", "clean", "nr_leg", "plmn_of", "stamp_ms"]

UNAVAILABLE = 2_147_483_647  # CellInfo.UNAVAILABLE (Integer.MAX_VALUE)
_TECHS = {"Lte": "LTE", "Nr": "NR", "Wcdma": "WCDMA", "Gsm": "GSM"}


def _value(raw: Any) -> int | None:
    if raw is None:
        return None
    number = int(raw)
    return None if number in (UNAVAILABLE, -UNAVAILABLE - 1, 2**63 - 1) else number


def _kind(obj: Any, prefix: str) -> str | None:
    """``Lte``/``Nr``/``Wcdma``/``Gsm`` from the runtime class name, or None."""
    name = str(obj.getClass().getName())
    kind = name.removeprefix(f"android.telephony.{prefix}")
    return kind if kind in _TECHS and name.startswith("android.telephony.") else None


def plmn_of(identity: Any, kind: str, api: int) -> tuple[int | None, int | None]:
    """MCC and MNC as numbers (the int getters before API 28 drop leading zeros anyway)."""
    if kind == "Nr" or api >= 28:
        mcc, mnc = identity.getMccString(), identity.getMncString()
        return (int(mcc) if mcc else None), (int(mnc) if mnc else None)
    return _value(identity.getMcc()), _value(identity.getMnc())


def stamp_ms(info: Any, api: int) -> int:
    """When the modem measured the cell, in ms since boot (SystemClock.elapsedRealtime)."""
    if api >= 30:
        return int(info.getTimestampMillis())
    return int(info.getTimeStamp()) // 1_000_000


def cell_reading(
    info: Any, api: int, cast: Any
) -> tuple[CellReading, int | None, int | None] | None:
    """The reading of one ``CellInfo`` (without operator) and its MCC/MNC; None if unmapped."""
    kind = _kind(info, "CellInfo")
    if kind is None:
        return None
    identity = cast(f"android.telephony.CellIdentity{kind}", info.getCellIdentity())
    signal = cast(f"android.telephony.CellSignalStrength{kind}", info.getCellSignalStrength())
    mcc, mnc = plmn_of(identity, kind, api)
    if kind == "Lte":
        reading = CellReading(
            "LTE",
            cell_id=_value(identity.getCi()),
            tac_lac=_value(identity.getTac()),
            pci_psc=_value(identity.getPci()),
            arfcn=_value(identity.getEarfcn()),
            rsrp_dbm=_value(signal.getRsrp()),
            rsrq_db=_value(signal.getRsrq()),
            sinr_db=_value(signal.getRssnr()),
            rssi_dbm=_value(signal.getRssi()) if api >= 29 else None,
        )
    elif kind == "Nr":
        reading = CellReading(
            "NR",
            cell_id=_value(identity.getNci()),
            tac_lac=_value(identity.getTac()),
            pci_psc=_value(identity.getPci()),
            arfcn=_value(identity.getNrarfcn()),
            **_nr_signal(signal),
        )
    elif kind == "Wcdma":
        reading = CellReading(
            "WCDMA",
            cell_id=_value(identity.getCid()),
            tac_lac=_value(identity.getLac()),
            pci_psc=_value(identity.getPsc()),
            arfcn=_value(identity.getUarfcn()),
            rscp_dbm=_value(signal.getDbm()),
        )
    else:
        reading = CellReading(
            "GSM",
            cell_id=_value(identity.getCid()),
            tac_lac=_value(identity.getLac()),
            arfcn=_value(identity.getArfcn()),
            rssi_dbm=_value(signal.getDbm()),
        )
    return reading, mcc, mnc


def _nr_signal(signal: Any) -> dict[str, int | None]:
    return {
        "rsrp_dbm": _value(signal.getSsRsrp()),
        "rsrq_db": _value(signal.getSsRsrq()),
        "sinr_db": _value(signal.getSsSinr()),
    }


def nr_leg(signal_strength: Any, cast: Any) -> CellReading | None:
    """5G NSA: the NR part of ``SignalStrength.getCellSignalStrengths()`` (API 29)."""
    if signal_strength is None:
        return None
    parts = signal_strength.getCellSignalStrengths()
    for i in range(parts.size() if parts is not None else 0):
        part = parts.get(i)
        if _kind(part, "CellSignalStrength") == "Nr":
            return CellReading(
                "NR", **_nr_signal(cast("android.telephony.CellSignalStrengthNr", part))
            )
    return None


def clean(reading: CellReading) -> CellReading:
    """Drop values outside the 3GPP reporting ranges (some modems report junk)."""
    changes = {}
    for name in ("rsrp_dbm", "rsrq_db", "sinr_db", "rscp_dbm", "rssi_dbm"):
        value = getattr(reading, name)
        low, high = NUMERIC_RANGES[name]
        if value is not None and not low <= value <= high:
            changes[name] = None
    return replace(reading, **changes) if changes else reading
