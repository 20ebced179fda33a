"""Is there a validated internet connection? Polled, not a callback.

``ConnectivityManager.NetworkCallback`` is an abstract class (pyjnius cannot extend it), and
the engine steps once a second anyway, so each call asks ``getActiveNetwork()`` (API 23)
and ``NET_CAPABILITY_VALIDATED`` (API 23) of its capabilities: two binder calls, no Java
bridge to build, and the engine sees the transition to online within a second.
"""

from __future__ import annotations

from mobile.petasinyal_app.sensors.android_context import autoclass, context, jnius
from mobile.petasinyal_app.sensors.facades import Network

__all__ = ["AndroidNetwork"]


class AndroidNetwork(Network):
    """True when the default network is validated, False when absent or not (yet) validated."""

    def _online(self) -> bool | None:
        try:
            ctx = context()
            manager = ctx.getSystemService(
                autoclass("android.content.Context").CONNECTIVITY_SERVICE
            )
            network = manager.getActiveNetwork()
            if network is None:
                return False
            capabilities = manager.getNetworkCapabilities(network)
            if capabilities is None:
                return False
            validated = autoclass("android.net.NetworkCapabilities").NET_CAPABILITY_VALIDATED
            return bool(capabilities.hasCapability(validated))
        except jnius().JavaException:
            return None
