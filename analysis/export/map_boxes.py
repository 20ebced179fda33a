"""The boxes drawn over the offline web map: the legend (with the map's errors in words) and
the title, and how they behave on a phone.

Both sit above the map's panes (z-index 400 to 700) and below Leaflet's controls (1000), so
an opened layer box covers them rather than the other way round.

Under 600 px wide (a phone, or the map embedded in a page there) the layer box starts
collapsed behind its icon and the legend shows its title only; one tap opens either. The
elements are marked ``data-folded`` so that the pages' ``phone.js`` leaves them to the map.
"""

from __future__ import annotations

from html import escape

import branca

from analysis.classmap import CLASS_COLOURS
from analysis.export.mapdraw import MapInfo, day_text
from analysis.export.preview import LABELS

__all__ = ["PHONE", "hex_colour", "legend_box", "title_box"]

#: The media query of a phone-sized map (the pages' ``phone.js`` uses the same).
PHONE = "(max-width: 600px)"

_MADE = {"id": "dibuat", "en": "made"}


def hex_colour(colour: tuple[int, int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour[:3])


def _element(html: str) -> branca.element.MacroElement:
    element = branca.element.MacroElement()
    element._template = branca.element.Template(
        f"{{% macro html(this, kwargs) %}}{html}{{% endmacro %}}"
    )
    return element


def legend_box(language: str, accuracy: str = "") -> branca.element.MacroElement:
    """The class colours, and ``accuracy`` (the errors in words) under them."""
    words = LABELS[language]
    rows = "".join(
        f'<div><span style="background:{hex_colour(CLASS_COLOURS[n])}"></span>{words[n]}</div>'
        for n in ("strong", "weak", "none", "doubtful")
    )
    note = f'<p class="petasinyal-accuracy">{escape(accuracy)}</p>' if accuracy else ""
    return _element(f"""
    <div id="petasinyal-legend" class="petasinyal-legend">
      <b>{words["title"]}</b>{rows}{note}
    </div>
    <style>
      .petasinyal-legend {{ position: absolute; bottom: 28px; right: 12px; z-index: 999;
        background: rgba(255,255,255,.95); padding: 8px 10px; border-radius: 6px;
        font: 14px/1.5 sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3); }}
      .petasinyal-legend span {{ display: inline-block; width: 14px; height: 14px;
        margin-right: 6px; vertical-align: middle; }}
      .petasinyal-accuracy {{ max-width: 260px; margin: 6px 0 0; font-size: 12px; }}
      .petasinyal-legend.folded {{ cursor: pointer; min-height: 24px; }}
      .petasinyal-legend.folded > :not(:first-child) {{ display: none; }}
      .petasinyal-legend.folded > b::after {{ content: " \\25BE"; }}
      @media {PHONE} {{ .petasinyal-legend {{ bottom: 24px; right: 8px; max-width: 70%; }}
        .petasinyal-accuracy {{ max-width: none; }} }}
    </style>
    <script>
    (function () {{
      // On a phone the legend shows its title only, and the layer box its icon.
      const legend = document.getElementById("petasinyal-legend");
      legend.dataset.folded = "1";
      const toggle = () => legend.setAttribute("aria-expanded",
        String(!legend.classList.toggle("folded")));
      if (window.matchMedia("{PHONE}").matches) {{
        legend.classList.add("folded");
        legend.setAttribute("role", "button");
        legend.setAttribute("tabindex", "0");
        legend.setAttribute("aria-expanded", "false");
        legend.addEventListener("click", toggle);
        legend.addEventListener("keydown", (e) => {{
          if (e.key === "Enter" || e.key === " ") toggle(); }});
      }}
      document.addEventListener("DOMContentLoaded", () => document
        .querySelectorAll(".leaflet-control-layers")
        .forEach((box) => {{ box.dataset.folded = "1"; }}));
    }})();
    </script>""")


def title_box(info: MapInfo, language: str) -> branca.element.MacroElement:
    """Operator, technology and area; survey period and the day the map was made."""
    return _element(f"""
    <div id="petasinyal-title" class="petasinyal-title">
      <b>{escape(info.title(language))}</b><br>
      {escape(info.period(language))} · {_MADE[language]} {escape(day_text(info.made, language))}
    </div>
    <style>
      .petasinyal-title {{ position: absolute; top: 10px; left: 54px; z-index: 999;
        max-width: calc(100% - 300px); background: rgba(255,255,255,.92); padding: 6px 10px;
        border-radius: 6px; font: 13px/1.4 sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3); }}
      @media {PHONE} {{ .petasinyal-title {{ left: 52px; max-width: calc(100% - 112px);
        box-sizing: border-box;
        font-size: 11px; padding: 4px 6px; }} }}
    </style>""")
