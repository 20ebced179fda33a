"""A PNG preview of a class map for reports and e-mails: classes, blankspot outlines,
legend, scale bar and the figures that matter (matplotlib, no screen needed)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import shapely
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from analysis.classmap import CLASS_CODES, CLASS_COLOURS, ClassMap
from analysis.coverage import Coverage
from analysis.export.geotiff import to_wgs84_raster

__all__ = ["LABELS", "write_preview_png"]

LABELS = {
    "id": {
        "strong": "Sinyal kuat",
        "weak": "Sinyal lemah",
        "none": "Tidak ada sinyal",
        "doubtful": "Belum pasti",
        "unsurveyed": "Belum disurvei",
        "blankspot": "Blankspot",
        "doubtful_blankspot": "Blankspot belum pasti",
        "title": "Peta sinyal",
    },
    "en": {
        "strong": "Strong signal",
        "weak": "Weak signal",
        "none": "No signal",
        "doubtful": "Uncertain",
        "unsurveyed": "Not surveyed",
        "blankspot": "Blankspot",
        "doubtful_blankspot": "Doubtful blankspot",
        "title": "Signal map",
    },
}


def _nice_length(km: float) -> float:
    """A round scale-bar length no longer than ``km``."""
    exponent = 10 ** math.floor(math.log10(km))
    for step in (5, 2, 1):
        if step * exponent <= km:
            return step * exponent
    return exponent


def write_preview_png(
    classes: ClassMap,
    coverage: Coverage,
    blankspots_wgs84: list[shapely.Geometry],
    path: str | Path,
    title: str,
    subtitle: str,
    language: str = "id",
) -> Path:
    """Draw the class map in WGS84 with legend, scale bar and blankspot outlines."""
    words = LABELS[language]
    codes, transform = to_wgs84_raster(classes.codes[None], coverage.spec, True, 0)
    codes = codes[0]
    height, width = codes.shape
    west, north = transform.c, transform.f
    east, south = west + transform.a * width, north + transform.e * height
    colours = [
        np.array(CLASS_COLOURS[name]) / 255
        for name, _ in sorted(CLASS_CODES.items(), key=lambda kv: kv[1])
    ]
    fig, ax = plt.subplots(figsize=(9, 8), dpi=120)
    ax.set_facecolor("#f4f4f2")
    ax.imshow(
        codes,
        cmap=ListedColormap(colours),
        vmin=0,
        vmax=len(colours) - 1,
        extent=(west, east, south, north),
        interpolation="nearest",
    )
    for geometry in blankspots_wgs84:
        for polygon in getattr(geometry, "geoms", [geometry]):
            x, y = polygon.exterior.xy
            ax.plot(x, y, color="#5a0000", linewidth=0.8)
    lat_mid = (south + north) / 2
    ax.set_aspect(1 / math.cos(math.radians(lat_mid)))
    span_km = (east - west) * 111.32 * math.cos(math.radians(lat_mid))
    bar_km = _nice_length(span_km / 4)
    bar_deg = bar_km / (111.32 * math.cos(math.radians(lat_mid)))
    x0, y0 = west + (east - west) * 0.05, south + (north - south) * 0.05
    ax.plot([x0, x0 + bar_deg], [y0, y0], color="black", linewidth=3)
    ax.text(
        x0 + bar_deg / 2, y0 + (north - south) * 0.015, f"{bar_km:g} km", ha="center", fontsize=9
    )
    shares = classes.share()
    handles = [
        Patch(color=_rgb(CLASS_COLOURS[n]), label=f"{words[n]} ({shares.get(n, 0):.0%})")
        for n in ("strong", "weak", "none", "doubtful")
    ]
    handles.append(Patch(facecolor="#f4f4f2", edgecolor="#999999", label=words["unsurveyed"]))
    handles.append(Patch(facecolor="none", edgecolor="#5a0000", label=words["blankspot"]))
    ax.legend(handles=handles, loc="upper right", fontsize=9, framealpha=0.9)
    ax.set_title(f"{title}\n{subtitle}", fontsize=11)
    ax.set_xlabel("lon")
    ax.set_ylabel("lat")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


def _rgb(colour: tuple[int, int, int, int]) -> tuple[float, float, float]:
    return (colour[0] / 255, colour[1] / 255, colour[2] / 255)
