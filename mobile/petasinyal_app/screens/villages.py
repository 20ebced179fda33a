"""The Villages screen's widgets: a village's state as a shape and a symbol (readable
without colour) beside its word, and one row of the list."""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Ellipse, Line, Quad, Triangle
from kivy.metrics import dp
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.widget import Widget

from mobile.petasinyal_app.screens.palette import hex_rgba

__all__ = ["VILLAGE_MARKS", "VillageMark", "VillageRow"]

# shape, fill, symbol colour: an empty ring (not yet surveyed), a circle with a tick
# (surveyed), a triangle with "!" (survey again), a diamond with "?" (check a claim)
VILLAGE_MARKS: dict[str, tuple[str, str, str]] = {
    "not_surveyed": ("ring", "#595959", "#595959"),
    "surveyed": ("circle", "#0064a8", "#ffffff"),
    "needs_resurvey": ("triangle", "#e69f00", "#111111"),
    "verification": ("diamond", "#5e3c99", "#ffffff"),
}


class VillageMark(Widget):
    """A village state drawn with Kivy graphics (no font glyph needed)."""

    state = StringProperty("not_surveyed")

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw, state=self._draw)
        self._draw()

    def _draw(self, *_: Any) -> None:
        shape, fill, mark = VILLAGE_MARKS.get(self.state, VILLAGE_MARKS["not_surveyed"])
        size = min(self.width, self.height)
        x0, y0 = self.center_x - size / 2, self.center_y - size / 2

        def at(fx: float, fy: float) -> tuple[float, float]:
            return x0 + fx * size, y0 + fy * size

        stroke = max(dp(2), size * 0.1)
        self.canvas.clear()
        with self.canvas:
            Color(*hex_rgba(fill))
            if shape == "ring":
                Line(circle=(self.center_x, self.center_y, size / 2 - stroke / 2), width=stroke)
                return
            if shape == "circle":
                Ellipse(pos=(x0, y0), size=(size, size))
                Color(*hex_rgba(mark))
                Line(points=[*at(0.25, 0.52), *at(0.43, 0.32), *at(0.76, 0.7)], width=stroke)
                return
            if shape == "triangle":
                Triangle(points=[*at(0.5, 0.98), *at(0.0, 0.06), *at(1.0, 0.06)])
            else:
                Quad(points=[*at(0.5, 1.0), *at(0.0, 0.5), *at(0.5, 0.0), *at(1.0, 0.5)])
            Color(*hex_rgba(mark))
            d = stroke * 1.5
            if shape == "triangle":
                Line(points=[*at(0.5, 0.72), *at(0.5, 0.4)], width=stroke * 0.8)
            else:
                Line(
                    bezier=[*at(0.36, 0.62), *at(0.38, 0.8), *at(0.66, 0.8), *at(0.62, 0.58)],
                    width=stroke * 0.7,
                )
                Line(points=[*at(0.62, 0.58), *at(0.5, 0.5), *at(0.5, 0.4)], width=stroke * 0.7)
            Ellipse(pos=(at(0.5, 0.24)[0] - d / 2, at(0.5, 0.24)[1] - d / 2), size=(d, d))


class VillageRow(RecycleDataViewBehavior, BoxLayout):
    """One village: its state (shape and word), name, distance, kecamatan and campaign,
    code and readings."""

    state = StringProperty("not_surveyed")
    name = StringProperty("")
    word = StringProperty("")
    distance = StringProperty("")
    place = StringProperty("")
    detail = StringProperty("")

    def refresh_view_attrs(self, rv: Any, index: int, data: dict[str, Any]) -> None:
        for key in ("state", "name", "word", "distance", "place", "detail"):
            setattr(self, key, data.get(key, ""))
