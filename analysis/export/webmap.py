"""An interactive web map (folium) that works with no internet.

Leaflet is vendored in ``static/vendor`` (from the npm registry, with its licence) and written
into the page itself, its images as data URIs: ``map.html`` is one file that works offline
wherever it is saved or mailed. Base tiles are optional: the map is usable without them (the
overlay, polygons, hexagons and villages are all in the page).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import branca
import folium
import pandas as pd

from analysis.classmap import CLASS_COLOURS
from analysis.export.preview import LABELS

__all__ = ["VENDOR", "write_webmap"]

VENDOR = Path(__file__).parent / "static" / "vendor"

_VERDICT_COLOURS = {
    "strong": "#1a9641",
    "weak": "#fdae61",
    "none": "#d7191c",
    "insufficient data": "#bdbdbd",
    "unsurveyed": "#ffffff",
}

_SPOT_FIELDS = ["id", "status", "area_km2", "no_signal_samples", "fixes", "days", "reason"]


_JS = "lib/leaflet/leaflet.js"
_CSS = "lib/leaflet/leaflet.css"


class OfflineMap(folium.Map):
    """A folium map that loads only the vendored Leaflet (inlined by :func:`_inline`)."""

    default_js = [("leaflet", _JS)]  # noqa: RUF012 (folium's API)
    default_css = [("leaflet_css", _CSS)]  # noqa: RUF012


def _inline(html: str) -> str:
    """The page with Leaflet's script and stylesheet (and the stylesheet's images) inside."""
    leaflet = VENDOR / "leaflet"
    script = (leaflet / "leaflet.js").read_text(encoding="utf-8")
    style = (leaflet / "leaflet.css").read_text(encoding="utf-8")
    for image in sorted((leaflet / "images").glob("*.png")):
        data = base64.b64encode(image.read_bytes()).decode()
        style = style.replace(f"url(images/{image.name})", f"url(data:image/png;base64,{data})")
    tags = {
        f'<script src="{_JS}"></script>': f"<script>{script}</script>",
        f'<link rel="stylesheet" href="{_CSS}"/>': f"<style>{style}</style>",
    }
    for tag, inlined in tags.items():
        if html.count(tag) != 1:
            raise RuntimeError(f"folium no longer writes {tag!r}: update the web map")
        html = html.replace(tag, inlined)
    return html


def _hex(colour: tuple[int, int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour[:3])


def _legend(language: str) -> branca.element.MacroElement:
    words = LABELS[language]
    rows = "".join(
        f'<div><span style="background:{_hex(CLASS_COLOURS[n])}"></span>{words[n]}</div>'
        for n in ("strong", "weak", "none", "doubtful")
    )
    html = f"""
    {{% macro html(this, kwargs) %}}
    <div id="petasinyal-legend" class="petasinyal-legend">
      <b>{words["title"]}</b>{rows}
    </div>
    <style>
      .petasinyal-legend {{ position: absolute; bottom: 28px; right: 12px; z-index: 9999;
        background: rgba(255,255,255,.95); padding: 8px 10px; border-radius: 6px;
        font: 14px/1.5 sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3); }}
      .petasinyal-legend span {{ display: inline-block; width: 14px; height: 14px;
        margin-right: 6px; vertical-align: middle; }}
    </style>
    {{% endmacro %}}"""
    legend = branca.element.MacroElement()
    legend._template = branca.element.Template(html)
    return legend


def write_webmap(
    path: str | Path,
    overlay_png: Path,
    bounds: tuple[float, float, float, float],
    blankspots: dict[str, Any],
    doubtful: dict[str, Any],
    hexagons: dict[str, Any],
    villages: dict[str, Any] | None,
    readings: pd.DataFrame,
    title: str,
    language: str = "id",
    tiles: str | None = None,
) -> Path:
    """Write a self-contained HTML map; ``bounds`` = (west, south, east, north).

    ``blankspots`` and ``doubtful`` (areas without enough evidence) are FeatureCollections
    with the evidence of :class:`analysis.blankspots.Blankspot` as properties.
    """
    path = Path(path)
    west, south, east, north = bounds
    fmap = OfflineMap(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=11,
        tiles=tiles,
        control_scale=True,
        prefer_canvas=True,
    )
    fmap.get_root().header.add_child(  # type: ignore[attr-defined]
        branca.element.Element(
            f"<title>{title}</title><meta name='viewport' content='width=device-width'>"
        )
    )
    image = base64.b64encode(overlay_png.read_bytes()).decode()
    words = LABELS[language]
    folium.raster_layers.ImageOverlay(
        f"data:image/png;base64,{image}",
        bounds=[[south, west], [north, east]],
        opacity=0.75,
        name=words["title"],
    ).add_to(fmap)
    _layer(
        fmap,
        villages,
        "Desa / nagari",
        _village_style,
        ["kode", "nama", "verdict", "samples", "reason"],
        show=False,
    )
    _layer(fmap, hexagons, "H3", _hexagon_style, ["samples", "median_dbm", "class"], show=False)
    _layer(
        fmap, doubtful, words["doubtful_blankspot"], lambda f: _DOUBTFUL_STYLE, _SPOT_FIELDS, True
    )
    _layer(fmap, blankspots, words["blankspot"], lambda f: _BLANKSPOT_STYLE, _SPOT_FIELDS, True)
    _layer(
        fmap,
        _points(readings),
        "Titik ukur" if language == "id" else "Readings",
        _point_style,
        ["dbm", "no_service"],
        show=False,
        marker=folium.CircleMarker(radius=3, weight=0, fill=True, fill_opacity=0.8),
    )
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().add_child(_legend(language))
    fmap.fit_bounds([[south, west], [north, east]])
    path.write_text(_inline(fmap.get_root().render()), encoding="utf-8")
    return path


def _hexagon_style(feature: dict[str, Any]) -> dict[str, Any]:
    cls = feature["properties"].get("class")
    if cls not in ("strong", "weak", "none"):
        return {"color": "#777777", "weight": 0.5, "fillOpacity": 0.0}
    return {
        "color": "#555555",
        "weight": 0.5,
        "fillColor": _hex(CLASS_COLOURS[cls]),
        "fillOpacity": 0.6,
    }


_BLANKSPOT_STYLE = {"color": "#5a0000", "weight": 2, "fillColor": "#d7191c", "fillOpacity": 0.25}
_DOUBTFUL_STYLE = {
    "color": "#555555",
    "weight": 1.5,
    "dashArray": "4 4",
    "fillColor": "#969696",
    "fillOpacity": 0.2,
}


def _layer(
    fmap: folium.Map,
    data: dict[str, Any] | None,
    name: str,
    style: Any,
    fields: list[str],
    show: bool,
    marker: Any = None,
) -> None:
    """Add a GeoJSON layer with a tooltip, when it has features."""
    if not data or not data["features"]:
        return
    folium.GeoJson(
        data,
        name=name,
        style_function=style,
        marker=marker,
        show=show,
        tooltip=folium.GeoJsonTooltip(fields),
    ).add_to(fmap)


def _village_style(feature: dict[str, Any]) -> dict[str, Any]:
    verdict = feature["properties"].get("verdict")
    return {
        "fillColor": _VERDICT_COLOURS.get(verdict, "#bdbdbd"),
        "color": "#555555",
        "weight": 0.6,
        "fillOpacity": 0.35,
    }


def _point_style(feature: dict[str, Any]) -> dict[str, Any]:
    return {"fillColor": "#d7191c" if feature["properties"]["no_service"] else "#3182bd"}


def _points(readings: pd.DataFrame) -> dict[str, Any]:
    """Readings as GeoJSON points (dBm, or no service)."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": {"dbm": None if gone else round(float(value), 1), "no_service": gone},
        }
        for lon, lat, value, gone in zip(
            readings["lon"],
            readings["lat"],
            readings["value"],
            readings["no_service"].astype(bool),
            strict=True,
        )
    ]
    return {"type": "FeatureCollection", "features": features}
