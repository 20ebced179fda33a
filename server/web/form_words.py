"""WTForms' own messages ("This field is required.", "Not a valid choice.") in the page's
language, from the app's catalogue: WTForms ships no Indonesian, so Flask-WTF's forms are
told to take their words from Flask-Babel instead."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_wtf import FlaskForm

__all__ = ["FormWords", "init_form_words"]


class FormWords:
    """The translations object WTForms asks for (``gettext``/``ngettext``)."""

    def gettext(self, string: str) -> str:
        return str(gettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Indonesian has one form: each English form is its own message in the catalogue
        return self.gettext(singular if n == 1 else plural)


_WORDS = FormWords()


def _translations(_meta: Any, _form: Any) -> FormWords:
    return _WORDS


def init_form_words() -> None:
    """Every Flask-WTF form (all forms of the app) takes its messages from the catalogue."""
    FlaskForm.Meta.get_translations = _translations
