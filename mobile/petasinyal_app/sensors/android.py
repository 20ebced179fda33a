"""Android sensors, all through pyjnius (no plyer): the four facades for the survey engine.

Each lives in its own module: :mod:`.android_radio` (per-SIM cells), :mod:`.android_location`
(GPS), :mod:`.android_grants` and :mod:`.android_network`. Nothing touches ``jnius``
until a sensor is used, and no protected call is made before the engine saw
``Permissions.status().ready``; a refused call still only makes the sensor report unknown.
"""

from __future__ import annotations

from pathlib import Path

from mobile.petasinyal_app.sensors.android_cells import cell_reading
from mobile.petasinyal_app.sensors.android_grants import AndroidPermissions
from mobile.petasinyal_app.sensors.android_location import AndroidLocation
from mobile.petasinyal_app.sensors.android_network import AndroidNetwork
from mobile.petasinyal_app.sensors.android_radio import AndroidCellular
from mobile.petasinyal_app.sensors.facades import Sensors

__all__ = [
    "AndroidCellular",
    "AndroidLocation",
    "AndroidNetwork",
    "AndroidPermissions",
    "android_sensors",
    "cell_reading",
]


def android_sensors(data_dir: Path | None = None) -> Sensors:
    """The phone's sensors; ``data_dir`` keeps the "permissions asked once" mark."""
    asked = data_dir / "permissions-asked" if data_dir is not None else None
    return Sensors(
        AndroidLocation(), AndroidCellular(), AndroidNetwork(), AndroidPermissions(asked)
    )
