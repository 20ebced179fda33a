"""Small widgets of the screens: the state icon (shape + symbol, readable without colour),
the SIM card, the GPS banner, the rows of the Points list and a button whose words shrink
instead of breaking."""

from __future__ import annotations

from typing import Any

from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Ellipse, Line, Rectangle, Triangle
from kivy.metrics import dp
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.widget import Widget

from mobile.petasinyal_app.screens.palette import CARD, STATE, hex_rgba

__all__ = ["FitButton", "GpsBanner", "PointHeader", "PointRow", "SimCard", "StateIcon"]


class StateIcon(Widget):
    """A state as a shape and a symbol: circle ✓ (strong), triangle ! (weak), square ✕ (none,
    no service), circle ? (unknown). Drawn with Kivy graphics: no font glyph needed."""

    kind = StringProperty("unknown")

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw, kind=self._draw)
        self._draw()

    def _draw(self, *_: Any) -> None:
        style = STATE.get(self.kind, STATE["unknown"])
        size = min(self.width, self.height)
        x0, y0 = self.center_x - size / 2, self.center_y - size / 2

        def at(fx: float, fy: float) -> tuple[float, float]:
            return x0 + fx * size, y0 + fy * size

        stroke = max(dp(2), size * 0.1)
        self.canvas.clear()
        with self.canvas:
            Color(*hex_rgba(style["fill"]))
            if style["shape"] == "circle":
                Ellipse(pos=(x0, y0), size=(size, size))
            elif style["shape"] == "triangle":
                Triangle(points=[*at(0.5, 0.98), *at(0.0, 0.06), *at(1.0, 0.06)])
                Color(*hex_rgba("#6b4500"))
                Line(
                    points=[*at(0.5, 0.98), *at(0.0, 0.06), *at(1.0, 0.06)],
                    close=True,
                    width=dp(1),
                )
            else:
                Rectangle(pos=(x0, y0), size=(size, size))
            Color(*hex_rgba(style["mark"]))
            symbol = style["symbol"]
            if symbol == "check":
                Line(points=[*at(0.25, 0.52), *at(0.43, 0.32), *at(0.76, 0.7)], width=stroke)
            elif symbol == "bang":
                Line(points=[*at(0.5, 0.74), *at(0.5, 0.38)], width=stroke * 0.8)
                d = stroke * 1.6
                Ellipse(pos=(at(0.5, 0.2)[0] - d / 2, at(0.5, 0.2)[1] - d / 2), size=(d, d))
            elif symbol == "cross":
                Line(points=[*at(0.27, 0.27), *at(0.73, 0.73)], width=stroke)
                Line(points=[*at(0.27, 0.73), *at(0.73, 0.27)], width=stroke)
            else:  # query: a hook and a dot
                Line(
                    bezier=[*at(0.32, 0.64), *at(0.36, 0.86), *at(0.72, 0.84), *at(0.66, 0.6)],
                    width=stroke * 0.8,
                )
                Line(points=[*at(0.66, 0.6), *at(0.5, 0.5), *at(0.5, 0.38)], width=stroke * 0.8)
                d = stroke * 1.5
                Ellipse(pos=(at(0.5, 0.2)[0] - d / 2, at(0.5, 0.2)[1] - d / 2), size=(d, d))


class SimCard(BoxLayout):
    """One SIM: icon, title (SIM n · operator), the state's word, value and detail."""

    kind = StringProperty("unknown")
    title = StringProperty("")
    word = StringProperty("")
    value = StringProperty("")
    detail = StringProperty("")

    def show(self, view: dict[str, Any]) -> None:
        for key in ("kind", "title", "word", "value", "detail"):
            setattr(self, key, view.get(key, ""))

    @staticmethod
    def style(kind: str, key: str) -> tuple[float, float, float, float]:
        return hex_rgba(CARD.get(kind, CARD["unknown"])[key])


class GpsBanner(BoxLayout):
    """The GPS state as icon + words (ready, no fix, old, inaccurate, mock)."""

    kind = StringProperty("none")
    word = StringProperty("")
    detail = StringProperty("")


class PointHeader(RecycleDataViewBehavior, BoxLayout):
    """A section title in the Points list: today / earlier."""

    text = StringProperty("")

    def refresh_view_attrs(self, rv: Any, index: int, data: dict[str, Any]) -> None:
        self.text = data["text"]


class PointRow(RecycleDataViewBehavior, BoxLayout):
    """One reading: time, network and signal, its state (icon + word) and why."""

    when = StringProperty("")
    title = StringProperty("")
    state = StringProperty("pending")
    state_text = StringProperty("")
    detail = StringProperty("")
    cls = StringProperty("unknown")

    def refresh_view_attrs(self, rv: Any, index: int, data: dict[str, Any]) -> None:
        for key in ("when", "title", "state", "state_text", "detail", "cls"):
            setattr(self, key, data.get(key, ""))


class FitButton(Button):
    """A button whose text is at most ``largest`` big and smaller when its longest word would
    not fit the width (``text_size``): a narrow phone or a large system font shrinks
    "Pengaturan" instead of breaking it into "Pengatura / n"."""

    largest = NumericProperty(dp(15))

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.bind(text=self._fit, text_size=self._fit, largest=self._fit, bold=self._fit)
        self._fit()

    def _fit(self, *_: Any) -> None:
        room = self.text_size[0] if self.text_size[0] else self.width
        words = self.text.split()
        if not words or room <= 0:
            self.font_size = self.largest
            return
        probe = CoreLabel(font_size=self.largest, bold=self.bold)
        widest = max(probe.get_extents(word)[0] for word in words)
        self.font_size = self.largest * min(1.0, (room - 1) / widest) if widest else self.largest
