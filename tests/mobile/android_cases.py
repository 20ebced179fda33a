"""Cells and SIMs for the Android tests (the stand-in's device data)."""

from __future__ import annotations

from tests.mobile.standin import UNAVAILABLE, Cell, Sim

APIS = (26, 28, 29, 31, 34, 35)
TELKOMSEL, XL = "51010", "51011"


def lte(plmn: str = TELKOMSEL, registered: bool = True, **values: int) -> Cell:
    base = {
        "Ci": 2_560_002,
        "Tac": 3000,
        "Pci": 1,
        "Earfcn": 1850,
        "Rsrp": -97,
        "Rsrq": -11,
        "Rssnr": 7,
        "Rssi": -70,
    }
    return Cell("LTE", plmn[:3], plmn[3:], registered, base | values)


def nr(plmn: str = TELKOMSEL) -> Cell:
    values = {
        "Nci": 68_719_476,
        "Tac": 12,
        "Pci": 500,
        "Nrarfcn": 632_628,
        "SsRsrp": -101,
        "SsRsrq": -12,
        "SsSinr": 9,
    }
    return Cell("NR", plmn[:3], plmn[3:], True, values)


def wcdma(plmn: str = XL) -> Cell:
    return Cell(
        "WCDMA",
        plmn[:3],
        plmn[3:],
        True,
        {"Cid": 5001, "Lac": 40, "Psc": 300, "Uarfcn": 10_700, "Dbm": -92},
    )


def gsm(plmn: str = XL) -> Cell:
    return Cell("GSM", plmn[:3], plmn[3:], True, {"Cid": 77, "Lac": 40, "Arfcn": 62, "Dbm": -105})


def telkomsel(slot: int = 0, **kw: object) -> Sim:
    return Sim(slot, "Telkomsel", TELKOMSEL, cells=[lte(), lte(registered=False, Rsrp=-80)], **kw)  # type: ignore[arg-type]


def xl(slot: int = 1, **kw: object) -> Sim:
    return Sim(slot, "XL Axiata", XL, cells=[wcdma()], **kw)  # type: ignore[arg-type]


__all__ = ["APIS", "TELKOMSEL", "UNAVAILABLE", "XL", "gsm", "lte", "nr", "telkomsel", "wcdma", "xl"]
