"""How the screens reach the survey engine: in the same process, or in the Android service.

The screens hold one link and use only this: ``command(name, **args)`` (record, auto, sync,
enroll, settings, permissions_changed), ``status()`` (the engine's snapshot, None before its
first step), ``step()`` (called by the screen's clock: it steps an in-process engine and does
nothing when a service steps itself), ``start()`` (once permissions are granted),
``permissions`` (the facade, asked from the screen: Android shows its dialog over the
activity) and ``outbox`` (for reading the points list and track; never written through it
except for the command queue).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mobile.petasinyal_app.engine import SurveyEngine, read_status
from mobile.petasinyal_app.outbox import Outbox
from mobile.petasinyal_app.sensors.facades import Permissions

__all__ = ["InlineLink", "ServiceLink"]


class InlineLink:
    """The engine runs in the screen's process, stepped by the screen's clock (desktops,
    tests); a command runs at once so the button answers without waiting for the tick."""

    def __init__(self, engine: SurveyEngine):
        self.engine = engine
        self.permissions = engine.sensors.permissions
        self.outbox = engine.outbox
        self.data_dir = engine.data_dir
        self._status: dict[str, Any] | None = None

    def command(self, name: str, **args: Any) -> None:
        self.engine.command(name, **args)
        self.step()

    def step(self) -> None:
        self._status = self.engine.step()

    def status(self) -> dict[str, Any] | None:
        return self._status

    def start(self) -> None:
        return None

    def stop(self) -> None:
        self.engine.close()


class ServiceLink:
    """The engine runs in the Android foreground service; the screen queues commands in the
    outbox and reads the snapshot the service publishes every second."""

    def __init__(
        self,
        data_dir: Path,
        permissions: Permissions,
        start_service: Callable[[], None],
        stop_service: Callable[[], None],
    ):
        self.data_dir = Path(data_dir)
        self.permissions = permissions
        self.outbox = Outbox(self.data_dir / "outbox.sqlite3")
        self._start, self._stop = start_service, stop_service

    def command(self, name: str, **args: Any) -> None:
        self.outbox.push_command(name, args)

    def step(self) -> None:
        return None

    def status(self) -> dict[str, Any] | None:
        return read_status(self.data_dir)

    def start(self) -> None:
        self._start()

    def stop(self) -> None:
        self._stop()
