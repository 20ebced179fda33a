"""KMZ for Google Earth: class overlay with legend, blankspot polygons (and doubtful ones)
with their evidence in balloons, the boundaries with names (kabupaten/kota, kecamatan,
desa), and the readings in folders per day (WIB). Words in Indonesian by default."""

from __future__ import annotations

import tempfile
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import simplekml
from PIL import Image

from analysis.basemap import LEVEL_WORDS, Basemap
from analysis.classmap import CLASS_CODES, CLASS_COLOURS, ClassMap
from analysis.coverage import Coverage
from analysis.export.geotiff import to_wgs84_raster
from analysis.export.preview import LABELS

__all__ = ["class_overlay_png", "legend_png", "write_kmz"]

_POINT_COLOURS = {"strong": "ff41961a", "weak": "ff61aefd", "none": "ff1c19d7"}
_WORDS = {
    "id": {
        "legend": "Legenda",
        "readings": "Titik ukur",
        "no_service": "tanpa layanan",
        "boundaries": "Batas wilayah",
        "names": "Nama",
    },
    "en": {
        "legend": "Legend",
        "readings": "Readings",
        "no_service": "no service",
        "boundaries": "Boundaries",
        "names": "Names",
    },
}
# Balloon rows of a blankspot: property, Indonesian and English label.
_BALLOON = {
    "id": ("No.", "No."),
    "status": ("Status", "Status"),
    "area_km2": ("Luas (km²)", "Area (km²)"),
    "samples": ("Titik ukur", "Readings"),
    "no_signal_samples": ("Titik ukur tanpa sinyal", "No-signal readings"),
    "no_service_samples": ("Titik ukur tanpa layanan", "No-service readings"),
    "fixes": ("Lokasi terpisah", "Separate fixes"),
    "days": ("Hari pengukuran", "Days measured"),
    "first_seen": ("Pertama diukur", "First measured"),
    "last_seen": ("Terakhir diukur", "Last measured"),
    "median_dbm": ("Median sinyal (dBm)", "Median signal (dBm)"),
    "operator": ("Operator", "Operator"),
    "technology": ("Teknologi", "Technology"),
}
_STATUS = {"blankspot": "blankspot", "doubtful": "belum pasti"}


def class_overlay_png(
    classes: ClassMap, coverage: Coverage, path: Path
) -> tuple[float, float, float, float]:
    """RGBA image of the classes in WGS84; returns its (west, south, east, north)."""
    codes, transform = to_wgs84_raster(classes.codes[None], coverage.spec, True, 0)
    codes = codes[0]
    palette = np.zeros((256, 4), dtype=np.uint8)
    for name, code in CLASS_CODES.items():
        palette[code] = CLASS_COLOURS[name]
    palette[1:5, 3] = 190  # see the ground through the overlay
    Image.fromarray(palette[codes], "RGBA").save(path)
    height, width = codes.shape
    west, north = transform.c, transform.f
    return west, north + transform.e * height, west + transform.a * width, north


def legend_png(path: Path, language: str = "id") -> Path:
    """A small legend image for the screen overlay."""
    from PIL import ImageDraw

    words = LABELS[language]
    names = ("strong", "weak", "none", "doubtful")
    image = Image.new("RGBA", (210, 28 * len(names) + 12), (255, 255, 255, 230))
    draw = ImageDraw.Draw(image)
    for i, name in enumerate(names):
        y = 8 + 28 * i
        draw.rectangle([8, y, 30, y + 20], fill=CLASS_COLOURS[name])
        draw.text((40, y + 4), words[name], fill=(0, 0, 0, 255))
    image.save(path)
    return path


def write_kmz(
    path: str | Path,
    classes: ClassMap,
    coverage: Coverage,
    blankspots: list[tuple[shapely.Geometry, dict[str, Any]]],
    readings: pd.DataFrame,
    title: str,
    language: str = "id",
    doubtful: list[tuple[shapely.Geometry, dict[str, Any]]] | None = None,
    basemap: Basemap | None = None,
) -> Path:
    """Write the KMZ; ``blankspots`` and ``doubtful`` (areas without enough evidence) are
    (WGS84 geometry, properties) pairs; ``basemap`` adds a folder of boundaries."""
    path = Path(path)
    kml = simplekml.Kml(name=title)
    with tempfile.TemporaryDirectory() as tmp:
        overlay = Path(tmp) / "classes.png"
        west, south, east, north = class_overlay_png(classes, coverage, overlay)
        legend = legend_png(Path(tmp) / "legend.png", language)
        ground = kml.newgroundoverlay(name=LABELS[language]["title"])
        ground.icon.href = kml.addfile(str(overlay))
        ground.latlonbox.west, ground.latlonbox.east = west, east
        ground.latlonbox.south, ground.latlonbox.north = south, north
        screen = kml.newscreenoverlay(name=_WORDS[language]["legend"])
        screen.icon.href = kml.addfile(str(legend))
        screen.overlayxy = simplekml.OverlayXY(x=0, y=1, xunits="fraction", yunits="fraction")
        screen.screenxy = simplekml.ScreenXY(x=0.02, y=0.98, xunits="fraction", yunits="fraction")
        words = LABELS[language]
        _blankspots(kml.newfolder(name="Blankspot"), blankspots, words["blankspot"], _RED, language)
        if doubtful:
            folder = kml.newfolder(name=words["doubtful_blankspot"])
            _blankspots(folder, doubtful, words["doubtful_blankspot"], _GREY, language)
        if basemap is not None and basemap.places:
            _boundaries(kml.newfolder(name=_WORDS[language]["boundaries"]), basemap, language)
        _points(kml.newfolder(name=_WORDS[language]["readings"]), readings, classes.tech, language)
        part = path.with_name(path.name + ".part")
        kml.savekmz(str(part))
        part.replace(path)
    return path


_RED = ("7f1c19d7", "ff00005a")
_GREY = ("5f969696", "ff555555")


def _blankspots(
    folder: simplekml.Folder,
    items: list[tuple[shapely.Geometry, dict]],
    word: str,
    colours: tuple[str, str],
    language: str = "id",
) -> None:
    """One placemark per polygon part, its evidence as a table (labels in words) in the balloon."""
    column = 0 if language == "id" else 1
    for n, (geometry, props) in enumerate(items, start=1):
        name = f"{word} {props.get('id', n)}"
        rows = "".join(
            f"<tr><td>{escape(labels[column])}</td>"
            f"<td>{escape(_value(key, props[key], language))}</td></tr>"
            for key, labels in _BALLOON.items()
            if props.get(key) is not None
        )
        for polygon in getattr(geometry, "geoms", [geometry]):
            shape = folder.newpolygon(name=name)
            shape.outerboundaryis = list(polygon.exterior.coords)
            shape.innerboundaryis = [list(ring.coords) for ring in polygon.interiors]
            shape.style.polystyle.color, shape.style.linestyle.color = colours
            shape.description = f"<table>{rows}</table>"


def _value(key: str, value: Any, language: str) -> str:
    if key == "status" and language == "id":
        return _STATUS.get(str(value), str(value))
    if isinstance(value, float):
        text = f"{value:g}"
        return text.replace(".", ",") if language == "id" else text
    return str(value)


_LINE_STYLE = {
    "kabkota": ("ff4d4d4d", 2.0),
    "kecamatan": ("ff7a7a7a", 1.2),
    "desa": ("ffa8a8a8", 0.7),
}
_LABEL_SCALE = {"kabkota": 1.1, "kecamatan": 0.9, "desa": 0.7}


def _boundaries(folder: simplekml.Folder, basemap: Basemap, language: str) -> None:
    """A folder per level: outlines (grey lines) and names (label-only placemarks)."""
    for level in ("kabkota", "kecamatan", "desa"):
        places = basemap.level(level)
        if not places:
            continue
        sub = folder.newfolder(name=LEVEL_WORDS[level] if language == "id" else level)
        colour, width = _LINE_STYLE[level]
        line_style = simplekml.Style()
        line_style.linestyle.color, line_style.linestyle.width = colour, width
        label_style = simplekml.Style()
        label_style.iconstyle.scale = 0  # the name alone, no pin
        label_style.labelstyle.scale = _LABEL_SCALE[level]
        names = sub.newfolder(name=_WORDS[language]["names"])
        for place in places:
            simple = shapely.simplify(place.outline, 0.0002)
            shape = sub.newmultigeometry(name=place.name)
            for part in shapely.get_parts(simple):
                if part.geom_type == "LineString" and not part.is_empty:
                    shape.newlinestring(coords=list(part.coords))
            shape.style = line_style
            shape.description = f"{escape(place.name)} ({escape(place.code)})"
            point = names.newpoint(name=place.name, coords=[place.label_at])
            point.style = label_style


def _points(
    folder: simplekml.Folder, readings: pd.DataFrame, tech: str, language: str = "id"
) -> None:
    from analysis.classes import DEFAULT_THRESHOLDS

    if readings.empty:
        return
    styles = {}
    for cls, colour in (*_POINT_COLOURS.items(), ("unknown", "ff888888")):
        style = simplekml.Style()
        style.iconstyle.color = colour
        style.iconstyle.scale = 0.5
        style.iconstyle.icon.href = (
            "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"
        )
        styles[cls] = style
    days = pd.to_datetime(readings["observed_at"], utc=True).dt.tz_convert("Asia/Jakarta")
    for day, group in readings.groupby(days.dt.strftime("%Y-%m-%d"), sort=True):
        sub = folder.newfolder(name=str(day))
        for row in group.itertuples(index=False):
            label = (
                "none"
                if row.no_service
                else DEFAULT_THRESHOLDS.classify_value(tech, float(row.value))  # type: ignore[arg-type]
            )
            point = sub.newpoint(coords=[(row.lon, row.lat)])
            point.description = (
                _WORDS[language]["no_service"] if row.no_service else f"{row.value:.0f} dBm"
            )
            point.style = styles[label if label in styles else "unknown"]
