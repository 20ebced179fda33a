"""The public sensor API. Platform modules implement the private hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["CellReading", "Cellular", "Fix", "Location"]


@dataclass(frozen=True, slots=True)
class Fix:
    """A GPS fix: position, accuracy (m), time (epoch seconds, UTC) and the mock flag."""

    lat: float
    lon: float
    accuracy_m: float | None
    time: float
    altitude_m: float | None = None
    speed_mps: float | None = None
    mock: bool = False


@dataclass(frozen=True, slots=True)
class CellReading:
    """What one SIM sees: its serving cell and signal, or ``tech="NONE"`` for no service."""

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


class Location:
    """Location updates: ``start(callback)`` calls ``callback(fix)`` for every new fix."""

    def __init__(self) -> None:
        self.last_fix: Fix | None = None
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
    """The radio: ``read()`` gives one :class:`CellReading` per active SIM."""

    def read(self) -> list[CellReading]:
        return self._read()

    def _read(self) -> list[CellReading]:
        raise NotImplementedError
