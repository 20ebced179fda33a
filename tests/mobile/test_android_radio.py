"""The radio per SIM on API 26-35, against the strict Android stand-in."""

from __future__ import annotations

import pytest

from mobile.petasinyal_app.sensors.android_radio import AndroidCellular
from mobile.petasinyal_app.sensors.facades import CellReading, SimState
from tests.mobile.android_cases import (
    APIS,
    TELKOMSEL,
    UNAVAILABLE,
    XL,
    gsm,
    lte,
    nr,
    telkomsel,
    wcdma,
    xl,
)
from tests.mobile.standin import Sim, android

OUT_OF_SERVICE, EMERGENCY_ONLY, POWER_OFF = 1, 2, 3


def scan(api: int, sims: list[Sim], **device: object) -> list[SimState]:
    with android(api=api, sims=sims) as phone:
        for name, value in device.items():
            setattr(phone, name, value)
        return AndroidCellular().scan()


@pytest.mark.parametrize("api", APIS)
def test_one_sim_in_service_gives_its_registered_cell(api: int) -> None:
    (sim,) = scan(api, [telkomsel()])
    rssi = -70 if api >= 29 else None  # CellSignalStrengthLte.getRssi is API 29
    expected = CellReading(
        "LTE", "510", "10", "Telkomsel", 2_560_002, 3000, 1, 1850, -97, -11, 7, None, rssi
    )
    assert sim == SimState(0, "in_service", (expected,), "Telkomsel")


@pytest.mark.parametrize("api", APIS)
def test_two_sims_each_stamped_with_its_own_operator(api: int) -> None:
    first, second = scan(api, [telkomsel(), xl()])
    assert [c.operator for c in first.cells] == ["Telkomsel"]
    assert [(c.tech, c.operator, c.mnc, c.rscp_dbm) for c in second.cells] == [
        ("WCDMA", "XL Axiata", "11", -92)
    ]


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("down", [0, 1])
def test_one_sim_out_of_service_while_the_other_is_in_service(api: int, down: int) -> None:
    sims = [telkomsel(), xl()]
    sims[down].service = OUT_OF_SERVICE
    states = scan(api, sims)
    assert states[down].state == "no_service"
    assert states[down].cells == (
        CellReading("NONE", "510", sims[down].plmn[3:], sims[down].operator),
    )
    up = states[1 - down]
    assert up.state == "in_service" and up.cells[0].operator == sims[1 - down].operator
    assert up.cells[0].tech == ("WCDMA" if down == 0 else "LTE")


@pytest.mark.parametrize("api", [29, 31, 34, 35])
def test_5g_standalone_cell_is_read_through_cast(api: int) -> None:
    (sim,) = scan(api, [Sim(0, "Telkomsel", TELKOMSEL, cells=[nr()])])
    (cell,) = sim.cells
    assert (cell.tech, cell.cell_id, cell.arfcn, cell.rsrp_dbm, cell.sinr_db) == (
        "NR",
        68_719_476,
        632_628,
        -101,
        9,
    )


@pytest.mark.parametrize("api", APIS)
def test_5g_nsa_records_the_nr_leg_from_api_29(api: int) -> None:
    leg = {"SsRsrp": -95, "SsRsrq": -10, "SsSinr": 15}
    (sim,) = scan(api, [Sim(0, "Telkomsel", TELKOMSEL, cells=[lte()], nr_leg=leg)])
    techs = [c.tech for c in sim.cells]
    if api < 29:  # SignalStrength.getCellSignalStrengths is API 29
        assert techs == ["LTE"]
        return
    assert techs == ["LTE", "NR"]
    assert sim.cells[1] == CellReading(
        "NR", "510", "10", "Telkomsel", rsrp_dbm=-95, rsrq_db=-10, sinr_db=15
    )


@pytest.mark.parametrize("api", APIS)
def test_gsm_cell(api: int) -> None:
    (sim,) = scan(api, [Sim(0, "XL Axiata", XL, cells=[gsm()])])
    assert sim.cells[0].tech == "GSM" and sim.cells[0].rssi_dbm == -105 and sim.cells[0].arfcn == 62


@pytest.mark.parametrize("api", APIS)
def test_airplane_mode_is_unknown_never_no_service(api: int) -> None:
    states = scan(api, [telkomsel(), xl()], airplane=True)
    assert [(s.state, s.reason, s.cells) for s in states] == [("unknown", "airplane", ())] * 2


@pytest.mark.parametrize("api", APIS)
def test_radio_off_without_airplane_mode_is_unknown(api: int) -> None:
    (sim,) = scan(api, [telkomsel(service=POWER_OFF)])
    assert (sim.state, sim.reason, sim.cells) == ("unknown", "radio_off", ())


@pytest.mark.parametrize("api", APIS)
def test_no_sim(api: int) -> None:
    assert scan(api, []) == [SimState(0, "unknown", reason="no_sim")]


@pytest.mark.parametrize("api", APIS)
def test_emergency_only_is_no_service(api: int) -> None:
    (sim,) = scan(api, [telkomsel(service=EMERGENCY_ONLY)])
    assert (sim.state, [c.tech for c in sim.cells]) == ("no_service", ["NONE"])


@pytest.mark.parametrize("api", APIS)
def test_an_empty_cell_list_is_unknown(api: int) -> None:
    (sim,) = scan(api, [Sim(0, "Telkomsel", TELKOMSEL, cells=[])])
    assert (sim.state, sim.reason, sim.cells) == ("unknown", "no_cells", ())


@pytest.mark.parametrize("api", APIS)
def test_only_neighbour_cells_or_another_network_is_unknown(api: int) -> None:
    (sim,) = scan(api, [Sim(0, "Telkomsel", TELKOMSEL, cells=[lte(registered=False), wcdma(XL)])])
    assert sim.reason == "no_cells"


@pytest.mark.parametrize("api", [29, 31, 34, 35])
def test_stale_cells_are_refused_until_the_modem_answers(api: int) -> None:
    with android(api=api, sims=[telkomsel()]) as phone:
        phone.auto_answer = False  # the modem answers requestCellInfoUpdate later
        phone.advance(60)  # the cached cells are a minute old
        radio = AndroidCellular()
        (sim,) = radio.scan()
        assert (sim.state, sim.reason, sim.cells) == ("unknown", "stale", ())
        assert phone.requests == 1
        phone.answer_requests()
        (sim,) = radio.scan()
        assert sim.state == "in_service" and sim.cells[0].rsrp_dbm == -97
        assert phone.requests == 2  # and the next one is asked for
        phone.advance(30)  # no answer for 30 s: the last answer is stale again
        (sim,) = radio.scan()
        assert sim.reason == "stale"


@pytest.mark.parametrize("api", APIS)
def test_without_permission_the_sim_is_unknown_not_a_crash(api: int) -> None:
    with android(api=api, sims=[telkomsel()], granted=()):
        assert AndroidCellular().scan() == [SimState(0, "unknown", reason="no_permission")]
    with android(api=api, sims=[telkomsel()], granted=("PHONE",)):
        (sim,) = AndroidCellular().scan()
        assert (sim.state, sim.reason, sim.operator) == ("unknown", "no_permission", "Telkomsel")


@pytest.mark.parametrize("api", APIS)
def test_sentinels_and_values_outside_3gpp_ranges_are_dropped(api: int) -> None:
    cell = lte(Rsrp=-30, Rsrq=UNAVAILABLE, Earfcn=UNAVAILABLE)
    (sim,) = scan(api, [Sim(0, "Telkomsel", TELKOMSEL, cells=[cell])])
    reading = sim.cells[0]
    assert (reading.rsrp_dbm, reading.rsrq_db, reading.arfcn, reading.sinr_db) == (
        None,
        None,
        None,
        7,
    )


def test_read_flattens_the_cells_of_known_sims() -> None:
    sims = [telkomsel(service=OUT_OF_SERVICE), xl()]
    with android(api=34, sims=sims):
        assert [c.tech for c in AndroidCellular().read()] == ["NONE", "WCDMA"]
