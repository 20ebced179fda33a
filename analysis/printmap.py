"""Printable maps (PDF): a landscape map per operator and technology on A4 and A3, and an
evidence sheet per village (one A4 page each) for letters to operators.

The map carries its title (operator's name, technology, area), survey period, legend, metric
scale bar, north arrow, boundaries with names, the cross-validation error, the number of
readings, source and date. Indonesian by default (``language="en"`` for English).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from analysis.basemap import Basemap
from analysis.boundaries import Region
from analysis.classes import DEFAULT_THRESHOLDS, Thresholds
from analysis.classmap import CLASS_COLOURS
from analysis.export.mapdraw import (
    Extent,
    MapInfo,
    day_text,
    draw_basemap,
    draw_blankspots,
    draw_classes,
    fit_geographic,
    legend_handles,
    north_arrow,
    scale_bar,
    tech_label,
)
from analysis.export.preview import LABELS

__all__ = ["PAPERS", "SHEET_VERDICTS", "write_printmap", "write_village_sheets"]

PAPERS = {"A4": (297.0, 210.0), "A3": (420.0, 297.0)}  # landscape, mm
_COMPRESSION = 3  # lighter than the default 6: quicker to write, files hardly larger
SHEET_VERDICTS = ("none", "weak")  # the villages a letter to an operator is about
_MM = 1 / 25.4

TEXT = {
    "id": {
        "area": "Wilayah",
        "period": "Periode survei",
        "method": "Metode interpolasi",
        "cv": "Galat di antara jalan survei",
        "lodo": "Galat di jalan yang disurvei",
        "error_note": (
            "Galat: selisih khas (RMSE) peta dengan pengukuran baru. Di jalan yang disurvei: "
            "diuji dengan menyisihkan satu perjalanan survei; di antara jalan: dengan "
            "menyisihkan kotak 500 m."
        ),
        "readings": "Titik ukur",
        "source": "Sumber",
        "made": "Dibuat",
        "crs": "Sistem koordinat: WGS 84 (EPSG:4326)",
        "blank_note": "Blankspot: area tanpa sinyal dengan bukti yang cukup.",
        "sheet": "Lembar bukti sinyal desa/nagari",
        "village": "Desa/nagari",
        "kec": "Kecamatan",
        "kab": "Kabupaten/kota",
        "operator": "Operator",
        "tech": "Teknologi",
        "verdict": "Penilaian",
        "surveyed": "Bagian wilayah desa yang disurvei",
        "shares": "Kuat / lemah / tanpa sinyal",
        "no_service": "Titik ukur tanpa layanan",
        "dates": "Tanggal pengukuran",
        "days": "hari",
        "page": "Halaman",
        "none_sheet": "Tidak ada desa dengan sinyal lemah atau tanpa sinyal.",
    },
    "en": {
        "area": "Area",
        "period": "Survey period",
        "method": "Interpolation method",
        "cv": "Error between surveyed roads",
        "lodo": "Error on surveyed roads",
        "error_note": (
            "Error: typical difference (RMSE) between the map and a new measurement. On "
            "surveyed roads: tested by leaving out one survey drive; between roads: by "
            "leaving out 500 m squares."
        ),
        "readings": "Readings",
        "source": "Source",
        "made": "Made",
        "crs": "Coordinates: WGS 84 (EPSG:4326)",
        "blank_note": "Blankspot: an area without signal, with enough evidence.",
        "sheet": "Village signal evidence sheet",
        "village": "Village",
        "kec": "District",
        "kab": "Regency/city",
        "operator": "Operator",
        "tech": "Technology",
        "verdict": "Verdict",
        "surveyed": "Share of the village surveyed",
        "shares": "Strong / weak / no signal",
        "no_service": "Readings without service",
        "dates": "Days measured",
        "days": "days",
        "page": "Page",
        "none_sheet": "No village with weak or no signal.",
    },
}
VERDICT_WORDS = {
    "id": {
        "strong": "Sinyal kuat",
        "weak": "Sinyal lemah",
        "none": "Tidak ada sinyal",
        "insufficient data": "Data belum cukup",
        "unsurveyed": "Belum disurvei",
    },
    "en": {
        "strong": "Strong signal",
        "weak": "Weak signal",
        "none": "No signal",
        "insufficient data": "Not enough data",
        "unsurveyed": "Not surveyed",
    },
}


def number(value: float, decimals: int = 0, language: str = "id") -> str:
    """``9.000`` and ``6,1`` in Indonesian; ``9,000`` and ``6.1`` in English."""
    text = f"{value:,.{decimals}f}"
    if language == "id":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def _errors(info: MapInfo, language: str) -> list[tuple[str, str]]:
    """(label, ``±5,2 dB``) of the error on surveyed roads (when the readings had enough
    drives to measure it) and between them."""
    text = TEXT[language]
    rows = [(text["cv"], f"±{number(info.rmse_db, 1, language)} dB")]
    if info.lodo_rmse_db is not None:
        rows.insert(0, (text["lodo"], f"±{number(info.lodo_rmse_db, 1, language)} dB"))
    return rows


def write_printmap(
    path: str | Path,
    paper: str,
    info: MapInfo,
    codes: np.ndarray,
    extent: Extent,
    blankspots: list[shapely.Geometry],
    shares: dict[str, float],
    basemap: Basemap | None,
    language: str = "id",
) -> Path:
    """One landscape page (``paper`` ``A4`` or ``A3``): map left, facts and legend right."""
    width, height = PAPERS[paper]
    scale = width / PAPERS["A4"][0]
    words, text = LABELS[language], TEXT[language]
    fig = Figure(figsize=(width * _MM, height * _MM))
    margin = 10 / width, 10 / height
    panel = 0.27
    ax = fig.add_axes((margin[0], margin[1], 1 - panel - 2 * margin[0], 1 - 2 * margin[1]))
    west, east, south, north = extent
    draw_classes(ax, codes, extent)
    draw_blankspots(ax, blankspots, 0.9 * scale)
    fit_geographic(ax, (west, south, east, north), fill=True)
    if basemap is not None:
        draw_basemap(ax, basemap, scale=scale)
    ax.set_facecolor("#fbfbf9")
    scale_bar(ax, 7.5 * scale)
    north_arrow(ax, language=language)
    side = fig.add_axes((1 - panel - margin[0] + 0.01, margin[1], panel - 0.01, 1 - 2 * margin[1]))
    side.axis("off")
    fs = 8.5 * scale
    heading = info.title(language).replace(" — ", "\n", 1)  # area on its own line
    side.text(0, 1, heading, fontsize=13 * scale, fontweight="bold", va="top", wrap=True)
    facts = [
        f"{text['period']}: {info.period(language)}",
        f"{text['readings']}: {number(info.readings, language=language)}",
        f"{text['method']}: {info.method}",
        *(f"{label}: {value}" for label, value in _errors(info, language)),
    ]
    side.text(0, 0.84, "\n".join(facts), fontsize=fs, va="top", linespacing=1.6)
    side.legend(
        handles=legend_handles(words, shares, language),
        loc="upper left",
        bbox_to_anchor=(0, 0.62),
        fontsize=fs,
        frameon=False,
        title=words["title"],
        title_fontproperties={"weight": "bold", "size": fs},
        alignment="left",
    )
    foot = [
        text["error_note"],
        text["blank_note"],
        text["crs"],
        f"{text['source']}: {info.source}",
        f"{text['made']}: {day_text(info.made, language)} · PetaSinyal",
    ]
    side.text(
        0,
        0,
        "\n".join(foot),
        fontsize=fs * 0.85,
        va="bottom",
        color="#333333",
        linespacing=1.5,
        wrap=True,
    )
    path = Path(path)
    with matplotlib.rc_context({"pdf.compression": _COMPRESSION}):
        fig.savefig(path, metadata={"Title": info.title(language), "Creator": "PetaSinyal"})
    return path


def write_village_sheets(
    path: str | Path,
    info: MapInfo,
    verdicts: pd.DataFrame,
    regions: list[Region],
    readings: pd.DataFrame,
    codes: np.ndarray,
    extent: Extent,
    basemap: Basemap | None,
    language: str = "id",
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    wanted: tuple[str, ...] = SHEET_VERDICTS,
) -> int:
    """One A4 page per village whose verdict is in ``wanted``; the number of pages."""
    shapes = {r.code: r for r in regions if r.geometry is not None}
    rows = verdicts[verdicts["verdict"].isin(wanted) & verdicts["kode"].isin(list(shapes))]
    classes = _reading_classes(readings, info.tech, thresholds)
    days = pd.to_datetime(readings["observed_at"], utc=True).dt.tz_convert("Asia/Jakarta").dt.date
    pages = 0
    metadata = {"Title": TEXT[language]["sheet"], "Creator": "PetaSinyal"}
    with (
        matplotlib.rc_context({"pdf.compression": _COMPRESSION}),
        PdfPages(path, metadata=metadata) as pdf,
    ):
        for row in rows.to_dict("records"):
            region = shapes[row["kode"]]
            inside = shapely.contains_xy(region.geometry, readings["lon"], readings["lat"])
            fig = _sheet(
                info,
                row,
                region,
                readings[inside],
                classes[inside],
                days[inside],
                codes,
                extent,
                basemap,
                language,
            )
            pdf.savefig(fig)
            pages += 1
        if not pages:
            fig = Figure(figsize=(210 * _MM, 297 * _MM))
            fig.text(0.5, 0.5, TEXT[language]["none_sheet"], ha="center")
            pdf.savefig(fig)
    return pages


def _reading_classes(readings: pd.DataFrame, tech: str, thresholds: Thresholds) -> np.ndarray:
    limit = thresholds.by_tech[tech]
    value = readings["value"].to_numpy(dtype=float)
    out = np.where(value >= limit.strong, "strong", np.where(value >= limit.weak, "weak", "none"))
    return np.where(readings["no_service"].to_numpy(dtype=bool), "none", out)


def _sheet(
    info: MapInfo,
    row: dict,
    region: Region,
    readings: pd.DataFrame,
    classes: np.ndarray,
    days: pd.Series,
    codes: np.ndarray,
    extent: Extent,
    basemap: Basemap | None,
    language: str,
) -> Figure:
    text, verdict_words = TEXT[language], VERDICT_WORDS[language]
    fig = Figure(figsize=(210 * _MM, 297 * _MM))
    fig.text(0.06, 0.965, text["sheet"], fontsize=15, fontweight="bold", va="top")
    fig.text(0.06, 0.935, f"{row['nama']} ({row['kode']})", fontsize=13, va="top")
    verdict = verdict_words.get(row["verdict"], row["verdict"])
    colour = _rgb(CLASS_COLOURS.get(row["verdict"], (150, 150, 150, 255)))
    fig.text(
        0.94,
        0.95,
        verdict,
        fontsize=13,
        fontweight="bold",
        ha="right",
        va="top",
        bbox={"facecolor": colour, "edgecolor": "none", "alpha": 0.9, "pad": 5},
    )
    ax = fig.add_axes((0.06, 0.36, 0.88, 0.55))
    shape = region.geometry
    assert shape is not None
    west, south, east, north = shape.bounds
    pad = max(east - west, north - south) * 0.15 + 0.002
    fit_geographic(ax, (west - pad, south - pad, east + pad, north + pad), fill=True)
    view = (*ax.get_xlim(), *ax.get_ylim())
    draw_classes(ax, *_crop(codes, extent, view), alpha=0.6)
    if basemap is not None:
        draw_basemap(ax, basemap, named=("kecamatan", "desa"), halo=False)
    for part in shapely.get_parts(shape.boundary):
        x, y = part.xy
        ax.plot(x, y, color="#000000", linewidth=1.8, zorder=6)
    for name in ("strong", "weak", "none"):
        mine = readings[classes == name]
        ax.scatter(
            mine["lon"],
            mine["lat"],
            s=9,
            color=_rgb(CLASS_COLOURS[name]),
            edgecolors="#222222",
            linewidths=0.3,
            zorder=7,
        )
    ax.set_xlim(view[0], view[1])
    ax.set_ylim(view[2], view[3])
    scale_bar(ax, 8)
    north_arrow(ax, language=language)
    seen = sorted(set(days))
    dates = (
        f"{day_text(seen[0], language)} - {day_text(seen[-1], language)} "
        f"({len(seen)} {text['days']})"
        if seen
        else "—"
    )
    shares = " / ".join(f"{row.get(f'{k}_share', 0) or 0:.0%}" for k in ("strong", "weak", "none"))
    facts = [
        (text["kec"], row.get("nama_kec") or row.get("kode_kec") or "—"),
        (text["kab"], row.get("nama_kabkota") or row.get("kode_kabkota") or "—"),
        (text["operator"], info.operator_label),
        (text["tech"], tech_label(info.tech)),
        (text["verdict"], verdict),
        (text["readings"], number(int(row.get("samples") or 0), language=language)),
        (text["no_service"], number(int(row.get("no_service_samples") or 0), language=language)),
        (text["dates"], dates),
        (text["surveyed"], f"{row.get('surveyed_share') or 0:.0%}"),
        (text["shares"], shares),
        *_errors(info, language),
    ]
    # Two texts (labels, values) rather than two per row: text is what PDFs spend time on.
    labels, values = "\n".join(k for k, _ in facts), "\n".join(str(v) for _, v in facts)
    fig.text(0.06, 0.33, labels, fontsize=9, color="#444444", va="top", linespacing=1.75)
    fig.text(0.45, 0.33, values, fontsize=9, va="top", linespacing=1.75)
    # the source on a line of its own: an office's full name may be long
    foot = f"{text['source']}: {info.source}\n{text['made']}: {day_text(info.made, language)}"
    fig.text(0.06, 0.03, f"{foot} · PetaSinyal", fontsize=7.5, color="#444444", wrap=True)
    return fig


def _crop(codes: np.ndarray, extent: Extent, view: tuple[float, ...]) -> tuple[np.ndarray, Extent]:
    """The part of the class raster (``extent`` west, east, south, north) inside ``view``."""
    west, east, south, north = extent
    height, width = codes.shape
    dx, dy = (east - west) / width, (north - south) / height
    c0 = int(np.clip(np.floor((view[0] - west) / dx), 0, width))
    c1 = int(np.clip(np.ceil((view[1] - west) / dx), c0, width))
    r0 = int(np.clip(np.floor((north - view[3]) / dy), 0, height))
    r1 = int(np.clip(np.ceil((north - view[2]) / dy), r0, height))
    if c1 <= c0 or r1 <= r0:
        return np.zeros((1, 1), dtype=codes.dtype), (view[0], view[1], view[2], view[3])
    cropped = codes[r0:r1, c0:c1]
    return cropped, (west + c0 * dx, west + c1 * dx, north - r1 * dy, north - r0 * dy)


def _rgb(colour: tuple[int, ...]) -> tuple[float, float, float]:
    return (colour[0] / 255, colour[1] / 255, colour[2] / 255)
