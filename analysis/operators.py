"""Names of Indonesian mobile operators by their MCC-MNC code ("510-10" -> "Telkomsel").

Standard library only: the analysis side and the server (``server.operators``) share this one
table. Codes as in the ITU/3GPP lists of mobile network codes (MCC 510 = Indonesia); the
merged operators keep their old codes (Indosat and 3 are Indosat Ooredoo Hutchison since 2022,
Axis belongs to XL Axiata since 2014).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["OPERATOR_NAMES", "operator_label", "operator_name"]

OPERATOR_NAMES: dict[str, str] = {
    "510-01": "Indosat Ooredoo Hutchison",
    "510-07": "Telkom Flexi",  # closed 2015; old files may still carry it
    "510-08": "XL Axiata (Axis)",
    "510-09": "Smartfren",
    "510-10": "Telkomsel",
    "510-11": "XL Axiata",
    "510-21": "Indosat Ooredoo Hutchison",
    "510-27": "Net1 Indonesia",
    "510-28": "Smartfren",
    "510-89": "Indosat Ooredoo Hutchison (3)",
}


def operator_name(code: str | None, names: Mapping[str, str] | None = None) -> str:
    """The operator's name for ``code``; ``names`` (e.g. a configured table) wins over the
    built-in one. An unknown code is returned as it is."""
    key = (code or "").strip()
    if names and key in names:
        return names[key]
    return OPERATOR_NAMES.get(key, key)


def operator_label(code: str | None, names: Mapping[str, str] | None = None) -> str:
    """``"Telkomsel (510-10)"``; just the code when no name is known."""
    key = (code or "").strip()
    name = operator_name(key, names)
    return f"{name} ({key})" if name != key else key
