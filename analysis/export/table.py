"""CSV with a JSON metadata sidecar (columns, units, source, licence), after Satu Data
Indonesia: data that follows a standard, carries metadata and uses reference codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "BLANKSPOT_DOCS",
    "PRODUCT_DOCS",
    "RECORD_DOCS",
    "write_csv_with_metadata",
    "write_sidecar",
]

PRODUCT_DOCS: dict[str, tuple[str, str | None]] = {
    # village verdicts
    "kode": ("Kemendagri village code PP.KK.CC.DDDD (Kepmendagri 300.2.2-2138/2025)", None),
    "nama": ("official village name", None),
    "kode_kec": ("Kemendagri district (kecamatan) code", None),
    "nama_kec": ("district (kecamatan) name", None),
    "kode_kabkota": ("Kemendagri regency/city code", None),
    "nama_kabkota": ("regency/city name", None),
    "operator": ("operator MCC-MNC (ITU-T E.212)", None),
    "technology": ("access technology mapped (LTE, NR, WCDMA, GSM)", None),
    "area_km2": ("village area", "km2"),
    "surveyed_share": ("share of the village area within the survey's reach", "fraction"),
    "strong_share": ("share of the surveyed area with strong signal", "fraction"),
    "weak_share": ("share of the surveyed area with weak signal", "fraction"),
    "none_share": ("share of the surveyed area with no usable signal", "fraction"),
    "doubtful_share": ("share of the surveyed area whose class is uncertain", "fraction"),
    "samples": ("readings inside the village", "count"),
    "no_service_samples": ("readings inside the village taken with no service at all", "count"),
    "nearest_reading_km": ("distance to the nearest reading, 0 with readings inside", "km"),
    "verdict": (
        "strong / weak / none / insufficient data / unsurveyed (see docs/products.md)",
        None,
    ),
    "reason": ("why the village got its verdict, in words", None),
    "note": (
        "remarks on the boundary: no polygon yet, or smaller than one grid cell",
        None,
    ),
    "surveyed_km2": ("surveyed area", "km2"),
    "strong_km2": ("surveyed area with strong signal", "km2"),
    "weak_km2": ("surveyed area with weak signal", "km2"),
    "none_km2": ("surveyed area with no usable signal", "km2"),
    "villages_strong": ("villages with verdict strong", "count"),
    "villages_weak": ("villages with verdict weak", "count"),
    "villages_none": ("villages with verdict none", "count"),
    "villages_insufficient_data": ("villages with too little data for a verdict", "count"),
    "villages_unsurveyed": ("villages without a single reading inside", "count"),
}

BLANKSPOT_DOCS: dict[str, tuple[str, str | None]] = {
    "id": ("B1, B2, ... for blankspots, D1, D2, ... for doubtful ones (as in the GeoJSON)", None),
    "status": ("blankspot, or doubtful when the readings inside are too few", None),
    "reason": ("the evidence in words, and what a blankspot needs", None),
    "area_km2": ("area of the polygon", "km2"),
    "samples": ("readings inside the polygon", "count"),
    "no_signal_samples": (
        "readings inside without usable signal (no service or below the weak threshold)",
        "count",
    ),
    "no_service_samples": ("readings inside taken with no service at all", "count"),
    "fixes": ("distinct GPS fixes of the readings without usable signal", "count"),
    "days": ("days with readings without usable signal (UTC)", "count"),
    "first_seen": ("first day without usable signal, UTC", None),
    "last_seen": ("last day without usable signal, UTC", None),
    "median_dbm": ("median signal of the readings inside, no service at the floor", "dBm"),
    "no_service_share": ("share of the readings inside with no service", "fraction"),
    "operator": ("operator MCC-MNC (ITU-T E.212)", None),
    "technology": ("access technology mapped (LTE, NR, WCDMA, GSM)", None),
    "lat": ("latitude of a point inside the polygon, WGS84", "degree"),
    "lon": ("longitude of a point inside the polygon, WGS84", "degree"),
}


RECORD_DOCS: dict[str, tuple[str, str | None]] = {
    "id": ("reading UUID made on the phone", None),
    "device_id": ("recording device", None),
    "session_id": ("recording session", None),
    "observed_at": ("time of the reading, ISO 8601 UTC", None),
    "lat": ("latitude WGS84", "degree"),
    "lon": ("longitude WGS84", "degree"),
    "accuracy_m": ("GPS horizontal accuracy", "m"),
    "altitude_m": ("altitude", "m"),
    "speed_mps": ("speed", "m/s"),
    "mock_location": ("Android mock location flag", None),
    "tech": ("technology (NONE = no service)", None),
    "mcc": ("mobile country code", None),
    "mnc": ("mobile network code", None),
    "operator": ("operator name", None),
    "cell_id": ("serving cell identity", None),
    "tac_lac": ("TAC or LAC", None),
    "pci_psc": ("PCI or PSC", None),
    "arfcn": ("channel number", None),
    "rsrp_dbm": ("RSRP / SS-RSRP", "dBm"),
    "rsrq_db": ("RSRQ", "dB"),
    "sinr_db": ("SINR", "dB"),
    "rscp_dbm": ("RSCP", "dBm"),
    "rssi_dbm": ("RSSI", "dBm"),
    "mode": ("stationary / walking / vehicle", None),
    "note": ("officer's note", None),
}


Docs = dict[str, tuple[str, str | None]]


def _describe(frame: pd.DataFrame, docs: Docs) -> list[dict[str, str | None]]:
    """Name, type, description and unit of every column; an undocumented one is an error."""
    missing = [name for name in frame.columns if name not in docs]
    if missing:
        raise KeyError(f"columns without documentation: {', '.join(map(str, missing))}")
    return [
        {
            "name": str(name),
            "type": str(frame[name].dtype),
            "description": docs[name][0],
            "unit": docs[name][1],
        }
        for name in frame.columns
    ]


def write_sidecar(
    frame: pd.DataFrame,
    path: str | Path,
    title: str,
    source: str,
    licence: str = "CC-BY-4.0",
    extra: dict[str, Any] | None = None,
    docs: Docs = PRODUCT_DOCS,
) -> Path:
    """Write ``path.json`` describing the CSV at ``path`` (every column, unit, source).

    ``docs`` is :data:`PRODUCT_DOCS` for verdict tables and :data:`RECORD_DOCS` for readings:
    the same name (``operator``, ``note``) means different things in the two.
    """
    path = Path(path)
    meta = {
        "title": title,
        "source": source,
        "licence": licence,
        "rows": len(frame),
        "encoding": "UTF-8",
        "delimiter": ",",
        "columns": _describe(frame, docs),
        **(extra or {}),
    }
    sidecar = path.with_name(path.name + ".json")
    sidecar.write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    return sidecar


def write_csv_with_metadata(
    frame: pd.DataFrame,
    path: str | Path,
    title: str,
    source: str,
    licence: str = "CC-BY-4.0",
    extra: dict[str, Any] | None = None,
    docs: Docs = PRODUCT_DOCS,
) -> tuple[Path, Path]:
    """Write ``path`` (UTF-8 CSV) and ``path.json`` describing every column."""
    path = Path(path)
    frame.to_csv(path, index=False, lineterminator="\n")
    return path, write_sidecar(frame, path, title, source, licence, extra, docs)
