"""The Android code paths, run against a stand-in ``jnius`` with the SDK's method names."""

from __future__ import annotations

from mobile.petasinyal_app.sensors.android import AndroidCellular, AndroidLocation
from mobile.petasinyal_app.sensors.facades import CellReading
from tests.mobile.fake_jnius import (
    UNAVAILABLE,
    TelephonyManager,
    autoclass_for,
    cell_info,
    java_class,
)


def lte(registered: bool = True, rsrp: int = -97) -> object:
    identity = java_class(
        "CellIdentityLte",
        MccString="510",
        MncString="10",
        Ci=2_560_002,
        Tac=3000,
        Pci=1,
        Earfcn=1850,
    )
    signal = java_class("CellSignalStrengthLte", Rsrp=rsrp, Rsrq=-11, Rssnr=7, Rssi=UNAVAILABLE)
    return cell_info("CellInfoLte", registered, identity, signal)


def radio(cells: list, state: int = 0) -> list[CellReading]:
    return AndroidCellular(autoclass_for(TelephonyManager(cells, state))).read()


def test_registered_lte_cell_becomes_a_reading() -> None:
    (reading,) = radio([lte(), lte(registered=False, rsrp=-80)])  # neighbours are ignored
    assert reading == CellReading(
        "LTE", "510", "10", "Telkomsel", 2_560_002, 3000, 1, 1850, -97, -11, 7, None, None
    )


def test_nr_wcdma_and_gsm_cells() -> None:
    nr = cell_info(
        "CellInfoNr",
        True,
        java_class(
            "CellIdentityNr",
            MccString="510",
            MncString="01",
            Nci=68_719_476,
            Tac=12,
            Pci=500,
            Nrarfcn=632_628,
        ),
        java_class("CellSignalStrengthNr", SsRsrp=-101, SsRsrq=-12, SsSinr=9),
    )
    wcdma = cell_info(
        "CellInfoWcdma",
        True,
        java_class(
            "CellIdentityWcdma",
            MccString="510",
            MncString="11",
            Cid=5001,
            Lac=40,
            Psc=300,
            Uarfcn=10_700,
        ),
        java_class("CellSignalStrengthWcdma", Dbm=-92),
    )
    gsm = cell_info(
        "CellInfoGsm",
        True,
        java_class("CellIdentityGsm", MccString=None, MncString=None, Cid=77, Lac=40, Arfcn=62),
        java_class("CellSignalStrengthGsm", Dbm=-105),
    )
    readings = radio([nr, wcdma, gsm])
    assert [r.tech for r in readings] == ["NR", "WCDMA", "GSM"]
    assert readings[0].rsrp_dbm == -101 and readings[0].arfcn == 632_628
    assert readings[1].rscp_dbm == -92 and readings[1].pci_psc == 300
    assert readings[2].rssi_dbm == -105 and readings[2].mcc is None


def test_out_of_service_is_a_no_service_reading_for_the_sim() -> None:
    (reading,) = radio([lte()], state=1)  # ServiceState.STATE_OUT_OF_SERVICE
    assert reading == CellReading("NONE", "510", "10", "Telkomsel")


def test_values_outside_3gpp_ranges_are_dropped() -> None:
    (reading,) = radio([lte(rsrp=-30)])
    assert reading.rsrp_dbm is None and reading.rsrq_db == -11


def test_gps_fixes_keep_the_mock_flag() -> None:
    class Gps:  # plyer's gps facade: configure(on_location=...), start(minTime, minDistance)
        def configure(self, on_location):  # type: ignore[no-untyped-def]
            self.callback = on_location

        def start(self, minTime: int, minDistance: int) -> None:
            self.callback(lat=-0.3, lon=100.37, accuracy=4.0, altitude=900.0, speed=1.0, mock=True)

        def stop(self) -> None:
            pass

    fixes = []
    location = AndroidLocation(Gps())
    location.start(fixes.append)
    assert fixes[0].mock and fixes[0].accuracy_m == 4.0 and location.last_fix is fixes[0]
