"""G-NetTrack Pro / Lite log exports (tab or comma separated, ``-`` for missing)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.readers._convert import numbers, pick, to_utc

__all__ = ["NAME", "matches", "to_candidates"]

NAME = "gnettrack"

_TECH = {
    "LTE": "LTE",
    "LTE+": "LTE",
    "LTE-A": "LTE",
    "4G": "LTE",
    "5G": "LTE",  # NSA: the phone reports the LTE anchor's RSRP; note says so
    "NR": "NR",
    "NR-SA": "NR",
    "UMTS": "WCDMA",
    "HSPA": "WCDMA",
    "HSPA+": "WCDMA",
    "HSDPA": "WCDMA",
    "HSUPA": "WCDMA",
    "WCDMA": "WCDMA",
    "3G": "WCDMA",
    "GSM": "GSM",
    "GPRS": "GSM",
    "EDGE": "GSM",
    "2G": "GSM",
    "NO SERVICE": "NONE",
    "NOSERVICE": "NONE",
    "NONE": "NONE",
}
_SENTINELS = {"-", "", "-200", "-2000", "2147483647", "-2147483648", "-1.0E9"}


def matches(header: list[str]) -> bool:
    """G-NetTrack headers start with Timestamp, Longitude, Latitude and carry NetworkMode."""
    names = set(header)
    return {"Timestamp", "Longitude", "Latitude", "NetworkMode"} <= names


def to_candidates(cells: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Canonical candidate columns from raw G-NetTrack cells (no ids yet)."""
    num = numbers(cells, _SENTINELS)
    mode = cells["NetworkMode"].str.upper()
    tech = mode.map(_TECH)
    unknown = tech.isna() & mode.ne("")
    tech = tech.where(~unknown, "?" + cells["NetworkMode"])
    # The "Level" column of newer exports and "RSRP" of older ones hold the serving level:
    # RSRP on LTE/NR, but an ASU-derived RSSI (capped at -51 dBm) on 2G/3G.
    level = pick(num, cells.index, "RSRP", "Level")
    is_4g5g = tech.isin(["LTE", "NR"])
    out = pd.DataFrame(index=cells.index)
    out["observed_at"] = to_utc(cells["Timestamp"], tz, "%Y.%m.%d_%H.%M.%S")
    out["lat"] = num["Latitude"]
    out["lon"] = num["Longitude"]
    out["accuracy_m"] = pick(num, cells.index, "Accuracy")
    out["altitude_m"] = pick(num, cells.index, "Altitude")
    out["speed_mps"] = pick(num, cells.index, "Speed") / 3.6
    out["tech"] = tech
    plmn = cells.get("Operator", cells["Operatorname"]).str.replace("-", "", regex=False)
    is_plmn = plmn.str.fullmatch(r"\d{5,6}")
    out["mcc"] = plmn.str[:3].where(is_plmn)
    out["mnc"] = plmn.str[3:].where(is_plmn)
    name = cells["Operatorname"]
    out["operator"] = name.where(~name.isin(["", "-", "0"]))
    out["cell_id"] = pick(num, cells.index, "RAWCELLID", "CellID")
    if "LACHEX" in cells:
        out["tac_lac"] = _hex(cells["LACHEX"])
    else:
        out["tac_lac"] = pick(num, cells.index, "LAC")
    out["pci_psc"] = pick(num, cells.index, "PSC", "PCI")
    out["arfcn"] = pick(num, cells.index, "ARFCN")
    out["rsrp_dbm"] = level.where(is_4g5g)
    out["rsrq_db"] = pick(num, cells.index, "RSRQ", "Qual").where(is_4g5g)
    out["sinr_db"] = pick(num, cells.index, "SNR").where(is_4g5g)
    lte_rssi = pick(num, cells.index, "LTERSSI", "RSSI")
    out["rssi_dbm"] = lte_rssi.where(is_4g5g, level.where(tech.isin(["GSM", "WCDMA"])))
    out["mode"] = None
    out["note"] = pd.Series("5G NSA; LTE anchor", index=cells.index).where(mode.eq("5G"))
    return out


def _hex(values: pd.Series) -> pd.Series:
    def parse(text: str) -> float:
        try:
            return float(int(text, 16))
        except ValueError:
            return np.nan

    return values.map(parse).astype("float64")
