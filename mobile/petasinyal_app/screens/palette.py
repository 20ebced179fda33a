"""The app's colours: colour-blind safe (blue / orange / dark red, never red against green),
every state also told by a shape and a word, text contrast at least 4.5:1 (WCAG 2.1 AA).

Kivy-free, so the contrast is checked in a plain test from these very values.
"""

from __future__ import annotations

__all__ = ["CARD", "CLASS", "INK", "STATE", "contrast", "hex_rgba"]

INK = "#111111"  # body text
INK_SOFT = "#3d3d3d"  # secondary text (still >= 4.5:1 on every light background here)
PAPER = "#ffffff"
BAND = "#f1f3f5"  # light panels
PRIMARY = "#0b4f8a"  # buttons with white text
RECORD = "#0b4f8a"

# One style per state a SIM card or the GPS banner can be in: the icon's shape, its fill,
# the symbol drawn on it, the card's background and its text colour.
STATE: dict[str, dict[str, str]] = {
    "strong": {"shape": "circle", "symbol": "check", "fill": "#0064a8", "mark": "#ffffff"},
    "weak": {"shape": "triangle", "symbol": "bang", "fill": "#e69f00", "mark": "#111111"},
    "none": {"shape": "square", "symbol": "cross", "fill": "#a50f15", "mark": "#ffffff"},
    "noservice": {"shape": "square", "symbol": "cross", "fill": "#ffffff", "mark": "#8b0a10"},
    "unknown": {"shape": "circle", "symbol": "query", "fill": "#595959", "mark": "#ffffff"},
}
CARD: dict[str, dict[str, str]] = {
    "strong": {"bg": "#e6f0f8", "ink": INK, "edge": "#0064a8"},
    "weak": {"bg": "#fdf1dc", "ink": INK, "edge": "#8a5a00"},
    "none": {"bg": "#f9e3e4", "ink": INK, "edge": "#a50f15"},
    # the clearest of all: the whole card dark red with white words
    "noservice": {"bg": "#8b0a10", "ink": "#ffffff", "edge": "#4d0508"},
    "unknown": {"bg": "#eeeeee", "ink": INK, "edge": "#595959"},
}
# The track and its legend: the same hues as the cards (Okabe-Ito blue and orange).
CLASS: dict[str | None, str] = {
    "strong": "#0072b2",
    "weak": "#e69f00",
    "none": "#a50f15",
    None: "#8c8c8c",
}


def hex_rgba(colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """``#rrggbb`` as Kivy's (r, g, b, a) floats."""
    value = colour.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b, _ = hex_rgba(colour)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
