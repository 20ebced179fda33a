"""The public sensor API. Platform modules (Android, replay) implement the private hooks.

Four facades, each small: :class:`Location` (GPS fixes), :class:`Cellular` (what each SIM
sees), :class:`Network` (is there a validated internet connection) and :class:`Permissions`
(what the officer has allowed). The radio is read as one :class:`SimState` per SIM: a SIM in
service gives its cells, a SIM out of service gives one ``NONE`` reading, and a SIM whose
state is *unknown* (radio off, airplane mode, no SIM, no fresh cells, no permission) gives
nothing at all: unknown is never recorded as "no service".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "IN_SERVICE",
    "NO_SERVICE",
    "UNKNOWN",
    "CellReading",
    "Cellular",
    "Fix",
    "Location",
    "Network",
    "PermissionStatus",
    "Permissions",
    "Sensors",
    "SimState",
]

IN_SERVICE, NO_SERVICE, UNKNOWN = "in_service", "no_service", "unknown"


@dataclass(frozen=True, slots=True)
class Fix:
    """A GPS fix: position, accuracy (m), time of the fix (epoch s, UTC) and the mock flag."""

    lat: float
    lon: float
    accuracy_m: float | None
    time: float
    altitude_m: float | None = None
    speed_mps: float | None = None
    mock: bool = False


@dataclass(frozen=True, slots=True)
class CellReading:
    """One cell a SIM is served by, or ``tech="NONE"`` when its SIM has no service."""

    tech: str
    mcc: str | None = None
    mnc: str | None = None
    operator: str | None = None
    cell_id: int | None = None
    tac_lac: int | None = None
    pci_psc: int | None = None
    arfcn: int | None = None
    rsrp_dbm: float | None = None
    rsrq_db: float | None = None
    sinr_db: float | None = None
    rscp_dbm: float | None = None
    rssi_dbm: float | None = None


@dataclass(frozen=True, slots=True)
class SimState:
    """What one SIM sees now.

    ``state`` is :data:`IN_SERVICE` (``cells`` holds its serving cell, and the NR leg of a
    5G NSA connection), :data:`NO_SERVICE` (``cells`` holds one ``NONE`` reading) or
    :data:`UNKNOWN` (``cells`` is empty and ``reason`` says why: ``airplane``, ``radio_off``,
    ``no_sim``, ``no_permission``, ``no_cells``, ``stale``, ``error``).
    """

    slot: int
    state: str
    cells: tuple[CellReading, ...] = ()
    operator: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PermissionStatus:
    """What the officer allowed: precise or approximate location, phone state, notifications.

    ``can_ask`` is False once Android will not show the dialog again ("don't ask again"):
    the only way left is the app's page in the system settings.
    """

    location: str = "none"  # "precise", "approximate" or "none"
    phone: bool = False
    notifications: bool = True
    can_ask: bool = True
    asking: bool = False

    @property
    def ready(self) -> bool:
        """Everything a survey needs: precise location and the phone state."""
        return self.location == "precise" and self.phone


class Location:
    """Location updates: ``start(callback)`` calls ``callback(fix)`` for every new fix.
    ``problem`` is set when the platform refused to start (``"no_permission"``); starting
    again is allowed and is how the engine retries. ``enabled`` is the phone's location
    switch: False when the officer turned it off, None while unknown."""

    def __init__(self) -> None:
        self.last_fix: Fix | None = None
        self.problem: str | None = None
        self.enabled: bool | None = None
        self._callback: Callable[[Fix], None] | None = None

    def start(self, callback: Callable[[Fix], None] | None = None) -> None:
        self._callback = callback
        self._start()

    def stop(self) -> None:
        self._stop()

    def _deliver(self, fix: Fix) -> None:
        self.last_fix = fix
        if self._callback is not None:
            self._callback(fix)

    def _start(self) -> None:
        raise NotImplementedError

    def _stop(self) -> None:
        raise NotImplementedError


class Cellular:
    """The radio: ``scan()`` gives one :class:`SimState` per SIM slot in use."""

    def scan(self) -> list[SimState]:
        return self._scan()

    def read(self) -> list[CellReading]:
        """The readings to record now: every cell of every SIM whose state is known."""
        return [cell for sim in self.scan() for cell in sim.cells]

    def _scan(self) -> list[SimState]:
        raise NotImplementedError


class Network:
    """Whether a validated internet connection is there (None: cannot tell)."""

    def online(self) -> bool | None:
        return self._online()

    def _online(self) -> bool | None:
        return None


class Permissions:
    """Run-time permissions: ``request(done)`` shows Android's dialog and calls
    ``done(status)`` with the answer; sensors start only when ``status().ready``."""

    def status(self) -> PermissionStatus:
        return self._status()

    def request(self, done: Callable[[PermissionStatus], None]) -> None:
        self._request(done)

    def open_settings(self) -> None:
        """Open the app's page in the system settings (after "don't ask again")."""
        self._open_settings()

    def _status(self) -> PermissionStatus:
        return PermissionStatus("precise", True, True)

    def _request(self, done: Callable[[PermissionStatus], None]) -> None:
        done(self.status())

    def _open_settings(self) -> None:
        return None


@dataclass(slots=True)
class Sensors:
    """The sensors of one platform, handed to the survey engine together."""

    location: Location
    radio: Cellular
    network: Network = field(default_factory=Network)
    permissions: Permissions = field(default_factory=Permissions)
