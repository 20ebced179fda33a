"""Bahasa Indonesia (default) and English: gettext catalogues (``locale/*/LC_MESSAGES``).

The source strings are Indonesian. The ``.po`` catalogue is read with the standard library,
so nothing needs compiling on the build machine or the phone.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

__all__ = ["LANGUAGES", "say", "translate"]

LANGUAGES = ("id", "en")
_LOCALE = Path(__file__).parent / "locale"


@lru_cache(maxsize=4)
def _catalogue(language: str) -> dict[str, str]:
    path = _LOCALE / language / "LC_MESSAGES" / "petasinyal.po"
    if not path.exists():
        return {}
    entries: dict[str, str] = {}
    msgid = msgstr = None
    field = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if line.startswith("msgid "):
            if msgid is not None and msgstr:
                entries[msgid] = msgstr
            msgid, msgstr, field = ast.literal_eval(line[6:]), "", "id"
        elif line.startswith("msgstr "):
            msgstr, field = ast.literal_eval(line[7:]), "str"
        elif line.startswith('"') and field:
            if field == "id":
                msgid = (msgid or "") + ast.literal_eval(line)
            else:
                msgstr = (msgstr or "") + ast.literal_eval(line)
        elif not line and msgid is not None:
            if msgstr:
                entries[msgid] = msgstr
            msgid = msgstr = None
            field = None
    return entries


def translate(text: str, language: str) -> str:
    """``text`` (Indonesian) in ``language``; untranslated text stays Indonesian. A sentence
    joined from parts with "; " (a sync error and what happens next) is translated by part."""
    if language == "id":
        return text
    catalogue = _catalogue(language)
    if text in catalogue or "; " not in text:
        return catalogue.get(text, text)
    return "; ".join(catalogue.get(part, part) for part in text.split("; "))


def say(text: str, language: str, args: dict[str, object] | None = None) -> str:
    """``translate(text, language).format(**args)``; a catalogue entry whose placeholders do
    not match the arguments falls back to the Indonesian sentence instead of failing."""
    if not args:
        return translate(text, language)
    try:
        return translate(text, language).format(**args)
    except (KeyError, IndexError, ValueError):
        try:
            return text.format(**args)
        except (KeyError, IndexError, ValueError):
            return text
