"""A PNG preview of a class map for reports and e-mails: classes over the boundaries with
names, blankspot outlines, legend, scale bar, north arrow and the figures that matter
(matplotlib, no screen needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import shapely

from analysis.basemap import Basemap
from analysis.classmap import ClassMap
from analysis.coverage import Coverage
from analysis.export.mapdraw import (
    class_raster,
    draw_basemap,
    draw_blankspots,
    draw_classes,
    fit_geographic,
    legend_handles,
    north_arrow,
    scale_bar,
)

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


def write_preview_png(
    classes: ClassMap,
    coverage: Coverage,
    blankspots_wgs84: list[shapely.Geometry],
    path: str | Path,
    title: str,
    subtitle: str,
    language: str = "id",
    basemap: Basemap | None = None,
) -> Path:
    """Draw the class map in WGS84 over the boundaries (with names), blankspot outlines, a
    metric scale bar and north arrow; the legend beside the map, margins trimmed."""
    words = LABELS[language]
    codes, extent = class_raster(classes, coverage)
    west, east, south, north = extent
    fig, ax = plt.subplots(figsize=(9, 7), dpi=120)
    ax.set_facecolor("#fafaf8")
    draw_classes(ax, codes, extent)
    draw_blankspots(ax, blankspots_wgs84)
    fit_geographic(ax, (west, south, east, north))
    if basemap is not None:
        draw_basemap(ax, basemap, scale=1.2)
    scale_bar(ax, fontsize=9)
    north_arrow(ax, language=language)
    handles = legend_handles(words, classes.share(), language)
    ax.legend(
        handles=handles[: None if basemap is not None else -3],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=9,
        frameon=False,
        title=words["title"],
        title_fontproperties={"weight": "bold"},
        alignment="left",
    )
    ax.set_title(f"{title}\n{subtitle}", fontsize=11, loc="left")
    path = Path(path)
    fig.savefig(path, bbox_inches="tight", pad_inches=0.08)
    plt.close(fig)
    return path
