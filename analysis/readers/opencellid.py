"""OpenCelliD "measurements" CSV, as Tower Collector and Network Cell Info export it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.readers._convert import numbers, pick

__all__ = ["NAME", "matches", "to_candidates"]

NAME = "opencellid"

_TECH = {
    "GSM": "GSM",
    "GPRS": "GSM",
    "EDGE": "GSM",
    "UMTS": "WCDMA",
    "HSPA": "WCDMA",
    "HSPA+": "WCDMA",
    "HSDPA": "WCDMA",
    "HSUPA": "WCDMA",
    "WCDMA": "WCDMA",
    "TDSCDMA": "WCDMA",
    "LTE": "LTE",
    "LTE+": "LTE",
    "LTE-A": "LTE",
    "NR": "NR",
    "NR-NSA": "LTE",
    "5G": "NR",
}
_REQUIRED = {"mcc", "mnc", "lat", "lon", "signal", "measured_at", "act"}
_SENTINELS = {"", "-1", "-", "2147483647", "-2147483648", "9223372036854775807"}
# ``signal`` is the class metric of each technology (RSSI for GSM, RSCP for UMTS, RSRP for LTE/NR)
_SIGNAL_FIELD = {"GSM": "rssi_dbm", "WCDMA": "rscp_dbm", "LTE": "rsrp_dbm", "NR": "rsrp_dbm"}


def matches(header: list[str]) -> bool:
    """The OpenCelliD header names mcc, mnc, lat, lon, signal, measured_at and act."""
    return {name.lower() for name in header} >= _REQUIRED


def to_candidates(cells: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Canonical candidate columns from raw OpenCelliD cells (times are UTC epoch ms)."""
    del tz  # the format stores UTC
    cells = cells.rename(columns=str.lower)
    num = numbers(cells, _SENTINELS)
    act = cells["act"].str.upper()
    tech = act.map(_TECH)
    tech = tech.where(tech.notna() | act.eq(""), "?" + cells["act"])
    out = pd.DataFrame(index=cells.index)
    out["observed_at"] = pd.to_datetime(num["measured_at"], unit="ms", utc=True, errors="coerce")
    out["lat"] = num["lat"]
    out["lon"] = num["lon"]
    out["accuracy_m"] = pick(num, cells.index, "rating")
    out["altitude_m"] = np.nan
    out["speed_mps"] = pick(num, cells.index, "speed")
    out["tech"] = tech
    out["mcc"] = cells["mcc"].str.zfill(3).where(cells["mcc"].ne(""))
    # The format writes MNCs as integers: Indosat's "01" arrives as "1".
    out["mnc"] = cells["mnc"].str.zfill(2).where(cells["mnc"].ne(""))
    out["operator"] = None
    out["cell_id"] = pick(num, cells.index, "cellid")
    tac = pick(num, cells.index, "tac")
    out["tac_lac"] = tac.where(tac.notna(), pick(num, cells.index, "lac"))
    pci = pick(num, cells.index, "pci")
    out["pci_psc"] = pci.where(pci.notna(), pick(num, cells.index, "psc"))
    out["arfcn"] = pick(num, cells.index, "arfcn", "earfcn", "uarfcn")
    signal = num["signal"]
    for tech_name in ("rsrp_dbm", "rscp_dbm", "rssi_dbm"):
        owners = [t for t, f in _SIGNAL_FIELD.items() if f == tech_name]
        out[tech_name] = signal.where(tech.isin(owners))
    out["rsrq_db"] = np.nan
    out["sinr_db"] = np.nan
    out["mode"] = None
    out["note"] = None
    return out
