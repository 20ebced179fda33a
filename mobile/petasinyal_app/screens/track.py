"""The officer's track on a plain canvas (no map tiles), one dot per reading, coloured by
class, grown as readings arrive.

Dots are kept in metres east/north of the first reading, in one Kivy ``Point`` instruction
per class (a new one every 30,000 dots: a vertex buffer holds at most 2^15 - 2 points).
Fitting the track to the widget changes only a Translate/Scale pair and the dot size: the
thousands of dots are never recomputed in Python.
"""

from __future__ import annotations

from typing import Any

from kivy.graphics import (
    Color,
    Line,
    Point,
    PopMatrix,
    PushMatrix,
    Rectangle,
    Scale,
    Translate,
)
from kivy.graphics.instructions import InstructionGroup
from kivy.metrics import dp
from kivy.uix.widget import Widget

from mobile.petasinyal_app.screens.palette import CLASS, hex_rgba

__all__ = ["TrackView"]

_CHUNK = 30_000
_ORDER: tuple[str | None, ...] = (None, "strong", "weak", "none")  # blankspots drawn on top
_DOT_DP = {None: 2.0, "strong": 2.5, "weak": 2.5, "none": 3.5}


class TrackView(Widget):
    """The track: ``add(points)`` with (x_m, y_m, class) tuples; ``clear()`` to start over."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.count = 0
        self._bounds: list[float] | None = None  # min x, min y, max x, max y (metres)
        with self.canvas:
            Color(*hex_rgba("#f1f3f5"))
            self._paper = Rectangle(pos=self.pos, size=self.size)
            PushMatrix()
            self._move = Translate(0, 0)
            self._scale = Scale(1, 1, 1)
        self._groups: dict[str | None, InstructionGroup] = {}
        self._dots: dict[str | None, list[Point]] = {}
        for cls in _ORDER:
            group = InstructionGroup()
            group.add(Color(*hex_rgba(CLASS[cls])))
            self.canvas.add(group)
            self._groups[cls], self._dots[cls] = group, []
        self.canvas.add(Color(*hex_rgba("#111111")))  # a ring on the newest reading: "here"
        self._here = Line(circle=(0, 0, 0), width=1)
        self.canvas.add(self._here)
        self._last: tuple[float, float] | None = None
        self.canvas.add(PopMatrix())
        self.bind(pos=self._fit, size=self._fit)

    def clear(self) -> None:
        for cls, group in self._groups.items():
            for point in self._dots[cls]:
                group.remove(point)
            self._dots[cls] = []
        self.count = 0
        self._bounds = None
        self._last = None
        self._fit()

    def add(self, points: list[tuple[float, float, str | None]]) -> None:
        """Append dots; refit only when they fall outside the current bounds."""
        if not points:
            return
        bounds = self._bounds or [points[0][0], points[0][1], points[0][0], points[0][1]]
        grown = self._bounds is None
        for x, y, cls in points:
            dots = self._dots.get(cls)
            if dots is None:
                cls, dots = None, self._dots[None]
            if not dots or len(dots[-1].points) >= 2 * _CHUNK:
                dots.append(Point(pointsize=1))
                self._groups[cls].add(dots[-1])
            dots[-1].add_point(x, y)
            if x < bounds[0] or y < bounds[1] or x > bounds[2] or y > bounds[3]:
                bounds = [
                    min(bounds[0], x),
                    min(bounds[1], y),
                    max(bounds[2], x),
                    max(bounds[3], y),
                ]
                grown = True
        self.count += len(points)
        self._bounds = bounds
        self._last = points[-1][:2]
        if grown:
            self._fit()
        else:
            self._ring()

    def _ring(self) -> None:
        if self._last is None:
            self._here.circle = (0, 0, 0)
            return
        scale = self._scale.x
        self._here.circle = (*self._last, dp(7) / scale)
        self._here.width = dp(1.5) / scale

    def _fit(self, *_: Any) -> None:
        """Scale the metres of the track into the widget (same scale both ways, a margin)."""
        self._paper.pos, self._paper.size = self.pos, self.size
        if self._bounds is None:
            return
        x0, y0, x1, y1 = self._bounds
        margin = dp(12)
        span = max(x1 - x0, y1 - y0, 50.0)
        scale = max(min(self.width, self.height) - 2 * margin, 1) / span
        self._scale.x = self._scale.y = scale
        self._move.x = self.center_x - (x0 + x1) / 2 * scale
        self._move.y = self.center_y - (y0 + y1) / 2 * scale
        for cls, dots in self._dots.items():
            for point in dots:
                point.pointsize = dp(_DOT_DP[cls]) / scale
        self._ring()
