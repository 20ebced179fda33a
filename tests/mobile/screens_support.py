"""Desktop sensors for the screen tests: hand-set fixes, SIM states and permissions (real
implementations of the sensor facades, as a replay is), and the engine and app built over
them with a hand-driven clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobile.petasinyal_app.sensors.facades import (
    CellReading,
    Cellular,
    Fix,
    Location,
    Network,
    Permissions,
    PermissionStatus,
    Sensors,
    SimState,
)

__all__ = [
    "Clock",
    "HandLocation",
    "HandNetwork",
    "HandPermissions",
    "HandRadio",
    "Phone",
    "in_service",
    "lte",
    "no_service",
    "unknown",
]

T0 = 1_790_000_000.0  # 2026-09-21 (a Monday), 14:13 WIB


class Clock:
    """The engine's clock, moved by the test instead of by sleeping."""

    def __init__(self, now: float = T0):
        self.now = now

    def __call__(self) -> float:
        return self.now


class HandLocation(Location):
    """Fixes the test puts: ``put(lat, lon, accuracy, age, mock)``."""

    def __init__(self, clock: Clock):
        super().__init__()
        self.clock = clock
        self.running = False

    def _start(self) -> None:
        self.running = True

    def _stop(self) -> None:
        self.running = False

    def put(
        self, lat: float, lon: float, accuracy: float = 8.0, age: float = 0.0, mock: bool = False
    ) -> None:
        self._deliver(Fix(lat, lon, accuracy, self.clock.now - age, mock=mock))


class HandRadio(Cellular):
    """The SIM states the test sets."""

    def __init__(self) -> None:
        self.sims: list[SimState] = []

    def _scan(self) -> list[SimState]:
        return list(self.sims)


class HandNetwork(Network):
    def __init__(self) -> None:
        self.up: bool | None = False

    def _online(self) -> bool | None:
        return self.up


class HandPermissions(Permissions):
    """The officer's answers: ``granted`` is what ``status()`` says, ``next_answer`` what the
    dialog gives when asked; ``settings_opened`` counts visits to the app's settings page."""

    def __init__(self, granted: PermissionStatus | None = None):
        self.granted = granted or PermissionStatus("precise", True, True)
        self.next_answer: PermissionStatus | None = None
        self.asked = 0
        self.settings_opened = 0

    def _status(self) -> PermissionStatus:
        return self.granted

    def _request(self, done: Callable[[PermissionStatus], None]) -> None:
        self.asked += 1
        if self.next_answer is not None:
            self.granted = self.next_answer
        done(self.granted)

    def _open_settings(self) -> None:
        self.settings_opened += 1


def lte(
    rsrp: float, operator: str = "Telkomsel", mnc: str = "10", tech: str = "LTE"
) -> CellReading:
    return CellReading(
        tech=tech,
        mcc="510",
        mnc=mnc,
        operator=operator,
        cell_id=1234567,
        tac_lac=1001,
        pci_psc=101,
        arfcn=1850,
        rsrp_dbm=rsrp,
        rsrq_db=-10.0,
        sinr_db=8.0,
    )


def in_service(slot: int, rsrp: float, operator: str = "Telkomsel", mnc: str = "10") -> SimState:
    return SimState(slot, "in_service", (lte(rsrp, operator, mnc),), operator)


def no_service(slot: int, operator: str = "Indosat") -> SimState:
    return SimState(slot, "no_service", (CellReading(tech="NONE"),), operator)


def unknown(slot: int, reason: str, operator: str | None = None) -> SimState:
    return SimState(slot, "unknown", (), operator, reason)


@dataclass
class Phone:
    """A desktop phone: sensors, engine, link and controller over ``data_dir``."""

    data_dir: Path
    clock: Clock = field(default_factory=Clock)
    alerts: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        from mobile.petasinyal_app.controller import SurveyController
        from mobile.petasinyal_app.engine import SurveyEngine
        from mobile.petasinyal_app.link import InlineLink

        self.location = HandLocation(self.clock)
        self.radio = HandRadio()
        self.network = HandNetwork()
        self.permissions = HandPermissions()
        sensors = Sensors(self.location, self.radio, self.network, self.permissions)
        self.engine = SurveyEngine(
            self.data_dir,
            sensors,
            clock=self.clock,
            device_model="Redmi Note 12",
            sleep=lambda s: None,
        )
        self.link = InlineLink(self.engine)
        self.controller = SurveyController(
            self.link, alert=lambda: self.alerts.append(self.clock.now)
        )

    def step(self, seconds: float = 1.0, **fix: Any) -> None:
        self.clock.now += seconds
        if fix:
            self.location.put(**fix)
        self.controller.tick()

    def close(self) -> None:
        self.engine.close()
        self.engine.outbox.close()
