"""A stand-in for ``jnius`` on desktops: Java classes of the Android SDK with exactly the
methods the SDK documents (and only those), so a misspelt Java method fails a test here
instead of on a phone. Only what the app calls is modelled."""

from __future__ import annotations

from typing import Any

UNAVAILABLE = 2_147_483_647


class _Java:
    """Base: ``getClass().getSimpleName()`` answers the Java class name."""

    java_name = "Object"

    def getClass(self) -> Any:
        name = self.java_name

        class _Class:
            def getSimpleName(self) -> str:
                return name

        return _Class()


def _getter(value: Any) -> Any:
    return lambda self: value


def _getters(**values: Any) -> dict[str, Any]:
    return {f"get{k}": _getter(v) for k, v in values.items()}


def java_class(name: str, **values: Any) -> _Java:
    """An instance of a Java class whose getters return ``values`` (getX for X=...)."""
    cls = type(name, (_Java,), {"java_name": name, **_getters(**values)})
    return cls()


def cell_info(kind: str, registered: bool, identity: _Java, signal: _Java) -> _Java:
    info = java_class(kind, CellIdentity=identity, CellSignalStrength=signal)
    info.isRegistered = lambda: registered  # type: ignore[attr-defined]
    return info


class JavaList(_Java):
    java_name = "ArrayList"

    def __init__(self, items: list[Any]):
        self.items = items

    def size(self) -> int:
        return len(self.items)

    def get(self, i: int) -> Any:
        return self.items[i]


class TelephonyManager(_Java):
    java_name = "TelephonyManager"

    def __init__(
        self, cells: list[Any], state: int = 0, sim: str = "51010", name: str = "Telkomsel"
    ):
        self.cells, self.state, self.sim, self.name = cells, state, sim, name

    def getAllCellInfo(self) -> JavaList:
        return JavaList(self.cells)

    def getServiceState(self) -> _Java:
        return java_class("ServiceState", State=self.state)

    def getSimOperator(self) -> str:
        return self.sim

    def getSimOperatorName(self) -> str:
        return self.name


def autoclass_for(telephony: TelephonyManager) -> Any:
    """``jnius.autoclass`` returning the activity and Context the app looks up."""

    class _Activity:
        def getSystemService(self, name: str) -> Any:
            assert name == "phone"
            return telephony

    def autoclass(name: str) -> Any:
        if name == "org.kivy.android.PythonActivity":
            return type("PythonActivity", (), {"mActivity": _Activity()})
        if name == "android.content.Context":
            return type("Context", (), {"TELEPHONY_SERVICE": "phone"})
        raise ValueError(f"autoclass: unexpected Java class {name}")

    return autoclass
