"""Finding English on an Indonesian page: the visible text of HTML (text nodes and the
title, placeholder, aria-label and alt attributes), checked against the English messages of
the catalogue and a list of English words that never belong on an Indonesian page."""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

__all__ = ["ENGLISH_WORDS", "english_in", "visible_text"]

CATALOGUE = Path(__file__).resolve().parents[2] / "server/translations/id/LC_MESSAGES/messages.po"
ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
HIDDEN = {"script", "style", "template", "noscript"}
# English words that mean the page (or a popup) was not translated; short, common, and not
# Indonesian words or the names of things (LTE, GPS, RSRP stay as they are)
_WORDS = """
    verdict verdicts reading readings cancelled canceled none weak strong legend upload uploads
    approved rejected failed queued running waiting review reviewed flagged flag flags
    outside campaign campaigns village villages signal survey surveyed evidence response
    responses release releases job jobs cell cells accuracy mock jump duplicate stale edge clock
    ahead enough the of and with from by for is was were not this that these those than
    into onto which when where there their have has been be are at on an or auto zoom layer layers
"""
ENGLISH_WORDS = frozenset(_WORDS.split())
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*")
_FILE = re.compile(r"\S+\.[a-z0-9]{2,7}\b")
_HEX = re.compile(r"\b[0-9a-f]{4,}(?:-[0-9a-f]{4,})*\b")  # ids, hashes
_SPACE = re.compile(r"\s+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self._hidden += 1
        values = dict(attrs)
        self.parts += [str(values[a]) for a in ATTRIBUTES if values.get(a)]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> list[str]:
    """The page's visible text pieces, whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    return [_SPACE.sub(" ", part).strip() for part in parser.parts if part.strip()]


@cache
def _catalogue() -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    """English messages whose Indonesian differs: whole texts, and patterns of those with
    placeholders (at least two words of their own, so a bare ``%(n)s`` matches nothing)."""
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    messages = [(m.id, m.string) for m in catalogue if isinstance(m.id, str) and m.id]
    indonesian = {text for _, text in messages if text}
    plain: set[str] = set()
    patterns = []
    for english, text in messages:
        if not text or text == english or english in indonesian:
            continue
        if "%(" in english or "%s" in english or "%d" in english:
            pieces = re.split(r"%\(\w+\)[sd]|%[sd]", english)
            if sum(len(_WORD.findall(p)) for p in pieces) >= 2:
                body = ".+?".join(re.escape(p) for p in pieces)
                patterns.append(re.compile(body))
        else:
            plain.add(_SPACE.sub(" ", english).strip())
    return frozenset(plain), tuple(patterns)


def english_in(text: str) -> str | None:
    """Why ``text`` (one visible piece) is English, or None."""
    plain, patterns = _catalogue()
    bare = text.strip(" :·\N{EN DASH}-()")
    if bare in plain:
        return "untranslated message"
    if any(p.fullmatch(bare) for p in patterns):
        return "untranslated message"
    without_files = _HEX.sub(" ", _FILE.sub(" ", text))
    for word in _WORD.findall(without_files):
        if "_" in word and word.islower():
            return f"raw code {word!r}"
        if word.lower() in ENGLISH_WORDS and not word.isupper():
            return f"English word {word!r}"
    return None
