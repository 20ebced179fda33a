"""Names of offices: the provinces by Kemendagri code (Permendagri 100.1.1-6117/2022)."""

from __future__ import annotations

__all__ = ["PROVINCES", "kabupaten_office_name", "province_office_name"]

PROVINCES: dict[str, str] = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "DI Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua",
    "92": "Papua Barat",
    "93": "Papua Selatan",
    "94": "Papua Tengah",
    "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}


def province_office_name(code: str) -> str:
    """The provincial communications office of province ``code``."""
    return f"Diskominfo Provinsi {PROVINCES.get(code, code)}"


def kabupaten_office_name(kabupaten: str) -> str:
    """The communications office of a kabupaten/kota named ``kabupaten``."""
    name = " ".join(w.capitalize() if w.isupper() else w for w in kabupaten.split())
    return f"Diskominfo {name}"
