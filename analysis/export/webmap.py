"""An interactive web map (folium) that works with no internet.

Leaflet is vendored in ``static/vendor`` (from the npm registry, with its licence) and written
into the page itself, its images as data URIs: ``map.html`` is one file that works offline
wherever it is saved or mailed. Its background is the offline basemap of boundaries with
names (``static/basemap.js``, the same layer the server's pages use); base tiles are optional.
A title box says operator, technology, area and period; the scale is metric only.
"""

from __future__ import annotations

import base64
import json
from html import escape
from pathlib import Path
from typing import Any

import branca
import folium
import pandas as pd
from folium.utilities import JsCode

from analysis.basemap import Basemap
from analysis.classmap import CLASS_COLOURS
from analysis.export.map_boxes import PHONE, hex_colour, legend_box, title_box
from analysis.export.mapdraw import MapInfo
from analysis.export.preview import LABELS

__all__ = ["VENDOR", "write_webmap"]

VENDOR = Path(__file__).parent / "static" / "vendor"
BASEMAP_JS = Path(__file__).parent / "static" / "basemap.js"

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


def write_webmap(
    path: str | Path,
    overlay_png: Path,
    bounds: tuple[float, float, float, float],
    blankspots: dict[str, Any],
    doubtful: dict[str, Any],
    hexagons: dict[str, Any],
    villages: dict[str, Any] | None,
    readings: pd.DataFrame,
    info: MapInfo,
    language: str = "id",
    tiles: str | None = None,
    basemap: Basemap | None = None,
    accuracy: str = "",
) -> Path:
    """Write a self-contained HTML map; ``bounds`` = (west, south, east, north).

    ``blankspots`` and ``doubtful`` (areas without enough evidence) are FeatureCollections
    with the evidence of :class:`analysis.blankspots.Blankspot` as properties. ``accuracy``
    is shown under the legend (the map's errors in words, see ``export.accuracy``).
    """
    path = Path(path)
    west, south, east, north = bounds
    fmap = OfflineMap(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=11,
        tiles=tiles,
        control_scale=False,
        prefer_canvas=True,
    )
    title = info.title(language)
    fmap.get_root().header.add_child(  # type: ignore[attr-defined]
        branca.element.Element(
            f"<title>{escape(title)} · {escape(info.period(language))}</title>"
            "<meta name='viewport' content='width=device-width'>"
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
    _add_layers(fmap, villages, hexagons, doubtful, blankspots, readings, language)
    # open on a screen, behind its icon on a phone
    phone = JsCode(f'window.matchMedia("{PHONE}").matches')
    folium.LayerControl(collapsed=phone).add_to(fmap)  # type: ignore[arg-type]  # JsCode works
    fmap.get_root().add_child(legend_box(language, accuracy))
    fmap.get_root().add_child(title_box(info, language))
    fmap.get_root().add_child(_basemap_script(fmap, basemap, language))
    fmap.fit_bounds([[south, west], [north, east]])
    path.write_text(_inline(fmap.get_root().render()), encoding="utf-8")
    return path


_WORDS = {
    "id": {
        "villages": "Desa/nagari (penilaian)",
        "hexagons": "Heksagon H3 (±0,7 km²): median sinyal",
        "readings": "Titik ukur",
        "code": "Kode",
        "name": "Nama",
        "verdict": "Penilaian",
        "samples": "Titik ukur",
        "median": "Median (dBm)",
        "class": "Kelas",
        "dbm": "Sinyal (dBm)",
        "no_service": "Tanpa layanan",
        "id": "No.",
        "status": "Status",
        "area_km2": "Luas (km²)",
        "no_signal_samples": "Titik tanpa sinyal",
        "fixes": "Lokasi terpisah",
        "days": "Hari",
        "zoom_in": "Perbesar",
        "zoom_out": "Perkecil",
        "layers": "Lapisan peta",
        "leaflet": "Pustaka JavaScript untuk peta interaktif",
    },
    "en": {
        "villages": "Villages (verdict)",
        "hexagons": "H3 hexagons (±0.7 km²): median signal",
        "readings": "Readings",
        "code": "Code",
        "name": "Name",
        "verdict": "Verdict",
        "samples": "Readings",
        "median": "Median (dBm)",
        "class": "Class",
        "dbm": "Signal (dBm)",
        "no_service": "No service",
        "id": "No.",
        "status": "Status",
        "area_km2": "Area (km²)",
        "no_signal_samples": "No-signal readings",
        "fixes": "Separate fixes",
        "days": "Days",
        "zoom_in": "Zoom in",
        "zoom_out": "Zoom out",
        "layers": "Layers",
        "leaflet": "A JavaScript library for interactive maps",
    },
}
_VALUE_WORDS: dict[str, dict[Any, str]] = {
    "id": {
        "strong": "kuat",
        "weak": "lemah",
        "none": "tidak ada sinyal",
        "insufficient data": "data belum cukup",
        "unsurveyed": "belum disurvei",
        "blankspot": "blankspot",
        "doubtful": "belum pasti",
        True: "ya",
        False: "tidak",
    },
    "en": {True: "yes", False: "no"},
}


def _shown(data: dict[str, Any] | None, fields: list[str], language: str) -> dict[str, Any] | None:
    """``data`` with only ``fields`` as properties, values in words (tooltips show them);
    a field ``_name`` keeps the raw value of ``name`` for the layer's style."""
    if not data:
        return data
    words = _VALUE_WORDS.get(language, {})
    features = []
    for feature in data["features"]:
        props = feature["properties"]
        shown = {}
        for name in fields:
            if name.startswith("_"):  # raw value for the style: "_verdict" is "verdict"
                shown[name] = props.get(name, props.get(name[1:]))
                continue
            value = props.get(name)
            shown[name] = words.get(value, value) if isinstance(value, (str, bool)) else value
        features.append({**feature, "properties": shown})
    return {**data, "features": features}


def _add_layers(
    fmap: folium.Map,
    villages: dict[str, Any] | None,
    hexagons: dict[str, Any],
    doubtful: dict[str, Any],
    blankspots: dict[str, Any],
    readings: pd.DataFrame,
    language: str,
) -> None:
    w, words = _WORDS[language], LABELS[language]
    village_fields = ["kode", "nama", "verdict", "samples"]
    _layer(
        fmap,
        _shown(villages, [*village_fields, "_verdict"], language),
        w["villages"],
        _village_style,
        village_fields,
        [w[k] for k in ("code", "name", "verdict", "samples")],
        show=False,
    )
    hex_fields = ["samples", "median_dbm", "class"]
    _layer(
        fmap,
        _shown(hexagons, [*hex_fields, "_class"], language),
        w["hexagons"],
        _hexagon_style,
        hex_fields,
        [w["samples"], w["median"], w["class"]],
        show=False,
    )
    spot_fields = ["id", "area_km2", "no_signal_samples", "fixes", "days"]
    spot_aliases = [w[k] for k in spot_fields]
    _layer(
        fmap,
        _shown(doubtful, spot_fields, language),
        words["doubtful_blankspot"],
        lambda f: _DOUBTFUL_STYLE,
        spot_fields,
        spot_aliases,
        True,
    )
    _layer(
        fmap,
        _shown(blankspots, spot_fields, language),
        words["blankspot"],
        lambda f: _BLANKSPOT_STYLE,
        spot_fields,
        spot_aliases,
        True,
    )
    _layer(
        fmap,
        _shown(_points(readings), ["dbm", "no_service", "_gone"], language),
        w["readings"],
        _point_style,
        ["dbm", "no_service"],
        [w["dbm"], w["no_service"]],
        show=False,
        marker=folium.CircleMarker(radius=3, weight=0, fill=True, fill_opacity=0.8),
    )


def _basemap_script(
    fmap: folium.Map, basemap: Basemap | None, language: str
) -> branca.element.MacroElement:
    """The shared basemap layer (boundaries with names, inlined), a metric scale bar, and
    Leaflet's own control texts (English in Leaflet) in the map's language."""
    data = json.dumps(basemap.geojson() if basemap else None, separators=(",", ":"))
    words = {k: _WORDS[language][k] for k in ("zoom_in", "zoom_out", "layers", "leaflet")}
    script = BASEMAP_JS.read_text(encoding="utf-8")
    name = fmap.get_name()
    html = f"""
    {{% macro script(this, kwargs) %}}
    {script}
    (function () {{
      const data = {data}, words = {json.dumps(words, ensure_ascii=False)};
      L.control.scale({{ imperial: false, metric: true }}).addTo({name});
      if (data) PetaBasemap.attach({name}, {{ data: data, control: false }});
      {_CONTROL_WORDS.replace("MAP", name)}
    }})();
    {{% endmacro %}}"""
    element = branca.element.MacroElement()
    element._template = branca.element.Template(html)
    return element


# Leaflet writes its zoom titles, the layer switch's title and its credit's title in English;
# the layer control is made by a script that may run after this one, hence the load event.
_CONTROL_WORDS = """
      const name = (element, word) => {
        element.title = word;
        element.setAttribute("aria-label", word);
      };
      const retitle = () => {
        const zoom = MAP.zoomControl, credit = MAP.attributionControl;
        if (zoom) {
          name(zoom._zoomInButton, words.zoom_in);
          name(zoom._zoomOutButton, words.zoom_out);
        }
        MAP.getContainer().querySelectorAll(".leaflet-control-layers-toggle")
          .forEach((link) => name(link, words.layers));
        const prefix = credit && credit.options.prefix;
        if (typeof prefix === "string") {
          credit.setPrefix(prefix.replace(/title="[^"]*"/, `title="${words.leaflet}"`));
        }
      };
      retitle();
      window.addEventListener("load", retitle);"""


def _hexagon_style(feature: dict[str, Any]) -> dict[str, Any]:
    cls = feature["properties"].get("_class")
    if cls not in ("strong", "weak", "none"):
        return {"color": "#777777", "weight": 0.5, "fillOpacity": 0.0}
    return {
        "color": "#555555",
        "weight": 0.5,
        "fillColor": hex_colour(CLASS_COLOURS[cls]),
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
    aliases: list[str],
    show: bool,
    marker: Any = None,
) -> None:
    """Add a GeoJSON layer with a tooltip (``aliases`` name the fields), when it has features."""
    if not data or not data["features"]:
        return
    folium.GeoJson(
        data,
        name=name,
        style_function=style,
        marker=marker,
        show=show,
        tooltip=folium.GeoJsonTooltip(fields, aliases=aliases),
    ).add_to(fmap)


def _village_style(feature: dict[str, Any]) -> dict[str, Any]:
    verdict = feature["properties"].get("_verdict")
    return {
        "fillColor": _VERDICT_COLOURS.get(verdict, "#bdbdbd"),
        "color": "#555555",
        "weight": 0.6,
        "fillOpacity": 0.35,
    }


def _point_style(feature: dict[str, Any]) -> dict[str, Any]:
    return {"fillColor": "#d7191c" if feature["properties"]["_gone"] else "#3182bd"}


def _points(readings: pd.DataFrame) -> dict[str, Any]:
    """Readings as GeoJSON points (dBm, or no service)."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": {
                "dbm": None if gone else round(float(value), 1),
                "no_service": gone,
                "_gone": gone,
            },
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
