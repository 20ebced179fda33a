"""Drawing blocks shared by the preview PNG and the printable PDFs (matplotlib): the class
raster, blankspot outlines, the boundary basemap with names, a metric scale bar, a north
arrow, the legend, and the facts every map carries (:class:`MapInfo`)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")
import matplotlib.patheffects as effects
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis.basemap import Basemap, label_levels
from analysis.classmap import CLASS_CODES, CLASS_COLOURS, ClassMap
from analysis.coverage import Coverage
from analysis.export.geotiff import to_wgs84_raster

__all__ = [
    "BOUNDARY_STYLE",
    "MapInfo",
    "class_raster",
    "day_text",
    "draw_basemap",
    "draw_blankspots",
    "draw_classes",
    "fit_geographic",
    "halo_text",
    "legend_handles",
    "nice_length",
    "north_arrow",
    "scale_bar",
    "span_km",
    "tech_label",
]

KM_PER_DEGREE = 111.32
Extent = tuple[float, float, float, float]  # west, east, south, north (matplotlib's order)
# Quiet grey outlines: darker and wider for the larger areas, under the data's colours.
BOUNDARY_STYLE: dict[str, dict[str, Any]] = {
    "kabkota": {"color": "#4d4d4d", "linewidth": 1.0, "linestyle": "-"},
    "kecamatan": {"color": "#7a7a7a", "linewidth": 0.6, "linestyle": (0, (4, 2))},
    "desa": {"color": "#a8a8a8", "linewidth": 0.3, "linestyle": "-"},
}
_NAME_STYLE: dict[str, dict[str, Any]] = {
    "kabkota": {"fontsize": 8.5, "fontweight": "bold", "color": "#333333"},
    "kecamatan": {"fontsize": 6.5, "color": "#444444", "fontstyle": "italic"},
    "desa": {"fontsize": 4.5, "color": "#555555"},
}
BOUNDARY_WORDS = {
    "id": {
        "kabkota": "Batas kabupaten/kota",
        "kecamatan": "Batas kecamatan",
        "desa": "Batas desa/nagari",
    },
    "en": {
        "kabkota": "Regency/city border",
        "kecamatan": "District border",
        "desa": "Village border",
    },
}


@dataclass(frozen=True, slots=True)
class MapInfo:
    """What a map says about itself: who, what, where, when, how good, from what."""

    operator: str
    operator_name: str
    tech: str
    area: str
    first_day: dt.date
    last_day: dt.date
    method: str
    rmse_db: float
    readings: int
    source: str
    made: dt.date
    lodo_rmse_db: float | None = None  # error on surveyed roads (leave one drive out)

    @property
    def operator_label(self) -> str:
        """``Telkomsel (510-10)``, or the code alone when no name is known."""
        if self.operator_name and self.operator_name != self.operator:
            return f"{self.operator_name} ({self.operator})"
        return self.operator

    def period(self, language: str = "id") -> str:
        """``5 Okt 2026 - 12 Okt 2026`` (one day alone when the survey took one day)."""
        first, last = _day(self.first_day, language), _day(self.last_day, language)
        return first if first == last else f"{first} - {last}"

    def title(self, language: str = "id") -> str:
        """``Peta sinyal Telkomsel 4G (LTE) — Kab. Agam``."""
        head = "Peta sinyal" if language == "id" else "Signal map"
        area = f" — {self.area}" if self.area else ""
        return f"{head} {self.operator_name or self.operator} {tech_label(self.tech)}{area}"


_MONTHS = {
    "id": ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}


def _day(day: dt.date, language: str) -> str:
    return f"{day.day} {_MONTHS.get(language, _MONTHS['id'])[day.month - 1]} {day.year}"


def day_text(day: dt.date, language: str = "id") -> str:
    """``5 Okt 2026``."""
    return _day(day, language)


def tech_label(tech: str) -> str:
    """``4G (LTE)`` for ``LTE``: the generation people know, and the standard."""
    generation = {"GSM": "2G", "UMTS": "3G", "WCDMA": "3G", "LTE": "4G", "NR": "5G"}.get(tech)
    return f"{generation} ({tech})" if generation else tech


def class_raster(classes: ClassMap, coverage: Coverage) -> tuple[np.ndarray, Extent]:
    """Class codes in WGS84 and their extent (west, east, south, north) for ``imshow``."""
    codes, transform = to_wgs84_raster(classes.codes[None], coverage.spec, True, 0)
    codes = codes[0]
    height, width = codes.shape
    west, north = transform.c, transform.f
    return codes, (west, west + transform.a * width, north + transform.e * height, north)


def draw_classes(ax: Axes, codes: np.ndarray, extent: Extent, alpha: float = 0.85) -> None:
    """The classes; unsurveyed cells are left clear, so the basemap shows through."""
    colours = [
        np.array(CLASS_COLOURS[name]) / 255
        for name, _ in sorted(CLASS_CODES.items(), key=lambda kv: kv[1])
    ]
    colours[0] = np.array([0, 0, 0, 0])
    ax.imshow(
        codes,
        cmap=ListedColormap(colours),
        vmin=0,
        vmax=len(colours) - 1,
        extent=extent,
        interpolation="nearest",
        alpha=alpha,
        zorder=2,
    )


def draw_blankspots(ax: Axes, geometries: list[shapely.Geometry], width: float = 0.8) -> None:
    """Blankspot outlines in dark red."""
    for geometry in geometries:
        for polygon in getattr(geometry, "geoms", [geometry]):
            x, y = polygon.exterior.xy
            ax.plot(x, y, color="#5a0000", linewidth=width, zorder=4)


def draw_basemap(
    ax: Axes,
    basemap: Basemap,
    named: tuple[str, ...] | None = None,
    scale: float = 1.0,
    halo: bool = True,
) -> None:
    """Outlines of every level in the axes' view and the names of the ``named`` levels (by
    the view's width when ``None``), larger areas first, skipping a name that would overlap
    one already placed. Call after the view is set (:func:`fit_geographic`)."""
    (west, east), (south, north) = ax.get_xlim(), ax.get_ylim()
    view = shapely.box(west, south, east, north)
    if named is None:
        named = label_levels(span_km((west, south, east, north)))
    for level in ("desa", "kecamatan", "kabkota"):
        outlines = np.array([p.outline for p in basemap.level(level)], dtype=object)
        if not len(outlines):
            continue
        parts = shapely.get_parts(outlines[shapely.intersects(outlines, view)])
        lines = [np.asarray(part.coords) for part in parts if part.geom_type == "LineString"]
        style = BOUNDARY_STYLE[level]
        ax.add_collection(
            LineCollection(
                lines,
                colors=style["color"],
                linewidths=style["linewidth"] * scale,
                linestyles=style["linestyle"],
                zorder=3,
                capstyle="round",
            ),
            autolim=False,
        )
    _names(ax, basemap, named, scale if halo else 0.0, scale, (west, south, east, north))


def _names(
    ax: Axes,
    basemap: Basemap,
    named: tuple[str, ...],
    halo: float,
    scale: float,
    view: tuple[float, float, float, float],
) -> None:
    west, south, east, north = view
    box = ax.get_position()
    width_pt = box.width * _figure(ax).get_figwidth() * 72
    height_pt = box.height * _figure(ax).get_figheight() * 72
    per_pt = ((east - west) / width_pt, (north - south) / height_pt)
    taken: list[shapely.Geometry] = []
    for level in ("kabkota", "kecamatan", "desa"):
        if level not in named:
            continue
        style = dict(_NAME_STYLE[level])
        size = style.pop("fontsize") * scale
        for place in basemap.level(level):
            lon, lat = place.label_at
            half_w = len(place.name) * size * 0.33 * per_pt[0]
            half_h = size * 0.6 * per_pt[1]
            area = shapely.box(lon - half_w, lat - half_h, lon + half_w, lat + half_h)
            if not (west < lon - half_w and lon + half_w < east and south < lat < north):
                continue
            if any(area.intersects(other) for other in taken):
                continue
            taken.append(area)
            halo_text(ax, lon, lat, place.name, 2 * halo, zorder=5, fontsize=size, **style)


def _figure(ax: Axes) -> Figure:
    return cast(Figure, ax.get_figure(root=True))


def span_km(bounds: tuple[float, float, float, float]) -> float:
    """East-west width of ``bounds`` (west, south, east, north) in km."""
    west, south, east, north = bounds
    return (east - west) * KM_PER_DEGREE * math.cos(math.radians((south + north) / 2))


def fit_geographic(ax: Axes, bounds: tuple[float, float, float, float], fill: bool = False) -> None:
    """Equal-distance axes over ``bounds``; with ``fill`` the view grows to fill the axes."""
    west, south, east, north = bounds
    stretch = 1 / math.cos(math.radians((south + north) / 2))
    if fill:
        box = ax.get_position()
        ratio = (box.height * _figure(ax).get_figheight()) / (
            box.width * _figure(ax).get_figwidth()
        )
        wide, high = east - west, (north - south) / stretch
        if high / wide < ratio:  # grow north-south
            grow = (wide * ratio - high) * stretch / 2
            south, north = south - grow, north + grow
        else:
            grow = (high / ratio - wide) / 2
            west, east = west - grow, east + grow
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(stretch, adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])


def nice_length(km: float) -> float:
    """A round scale-bar length no longer than ``km``."""
    exponent = 10 ** math.floor(math.log10(km))
    for step in (5, 2, 1):
        if step * exponent <= km:
            return step * exponent
    return exponent


def scale_bar(ax: Axes, fontsize: float = 8) -> None:
    """A metric scale bar (black and white halves) in the lower left corner."""
    west, east = ax.get_xlim()
    south, north = ax.get_ylim()
    lat = (south + north) / 2
    km_per_deg = KM_PER_DEGREE * math.cos(math.radians(lat))
    length = nice_length((east - west) * km_per_deg / 5)
    deg = length / km_per_deg
    x0, y0 = west + (east - west) * 0.03, south + (north - south) * 0.035
    h = (north - south) * 0.008
    for i, colour in enumerate(("black", "white")):
        ax.fill(
            [x0 + i * deg / 2, x0 + (i + 1) * deg / 2, x0 + (i + 1) * deg / 2, x0 + i * deg / 2],
            [y0, y0, y0 + h, y0 + h],
            facecolor=colour,
            edgecolor="black",
            linewidth=0.6,
            zorder=7,
        )
    for x, text in ((x0, "0"), (x0 + deg / 2, f"{length / 2:g}"), (x0 + deg, f"{length:g} km")):
        halo_text(ax, x, y0 + 2.2 * h, text, 2.5, va="bottom", fontsize=fontsize, zorder=7)


def north_arrow(ax: Axes, size: float = 0.06, language: str = "id") -> None:
    """An arrow and "U" (utara; "N" in English) in the upper left corner of the axes."""
    x, y = 0.045, 0.96
    ax.annotate(
        "N" if language == "en" else "U",
        xy=(x, y),
        xytext=(x, y - size),
        xycoords="axes fraction",
        ha="center",
        va="top",
        fontsize=11,
        fontweight="bold",
        arrowprops={"facecolor": "black", "width": 3, "headwidth": 9, "headlength": 9},
        zorder=8,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1},
    )


def halo_text(ax: Axes, x: float, y: float, text: str, halo: float, **style: object) -> None:
    """Text with a white halo that stays text in a PDF (searchable): the halo is a stroked
    copy underneath (path effects would turn the text itself into outlines)."""
    style = {"ha": "center", "va": "center", "clip_on": True, **style}
    if halo <= 0:
        ax.text(x, y, text, **style)  # type: ignore[arg-type]
        return
    stroke = [effects.Stroke(linewidth=halo, foreground=(1, 1, 1, 0.85))]
    ax.text(x, y, text, path_effects=stroke, **style)  # type: ignore[arg-type]
    ax.text(x, y, text, **style)  # type: ignore[arg-type]


def legend_handles(
    words: dict[str, str], shares: dict[str, float] | None, language: str = "id"
) -> list[Patch | Line2D]:
    """Classes (with their share of the surveyed map), unsurveyed, blankspot, boundaries."""
    handles: list[Patch | Line2D] = []
    for name in ("strong", "weak", "none", "doubtful"):
        label = words[name] + (f" ({shares.get(name, 0):.0%})" if shares is not None else "")
        handles.append(Patch(color=_rgb(CLASS_COLOURS[name]), label=label))
    handles.append(Patch(facecolor="white", edgecolor="#999999", label=words["unsurveyed"]))
    handles.append(Patch(facecolor="none", edgecolor="#5a0000", label=words["blankspot"]))
    for level in ("kabkota", "kecamatan", "desa"):
        style = BOUNDARY_STYLE[level]
        handles.append(
            Line2D([], [], label=BOUNDARY_WORDS.get(language, BOUNDARY_WORDS["id"])[level], **style)
        )
    return handles


def _rgb(colour: tuple[int, int, int, int]) -> tuple[float, float, float]:
    return (colour[0] / 255, colour[1] / 255, colour[2] / 255)
