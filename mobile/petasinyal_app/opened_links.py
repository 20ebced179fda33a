"""Links that open the app: ``petasinyal://enrol?server=...&code=...`` from the admin's QR
code scanned with the camera app, or tapped in a chat.

On Android the manifest's intent filter (``mobile/intent_filters.xml``) sends VIEW intents
for that scheme to the app's activity. The first link is the data of the intent that
started the activity (``getIntent()``); while the app runs (the activity is ``singleTask``)
later ones reach ``onNewIntent``, which python-for-android's ``android.activity.bind``
hands to Python on Android's UI thread. On a desktop, ``--link`` gives a first link.

Standard library only here; pyjnius and ``android`` are imported on the phone when used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["ACTION_VIEW", "AndroidLinks", "GivenLink", "OpenedLinks", "link_of"]

ACTION_VIEW = "android.intent.action.VIEW"


class OpenedLinks:
    """The link that started the app, and a way to hear of the later ones."""

    def first(self) -> str | None:
        """The link the app was started with, or ``None``."""
        return None

    def watch(self, on_link: Callable[[str], None]) -> Callable[[], None]:
        """Call ``on_link`` (on any thread) with each later link; returns the unwatch."""
        return lambda: None


class GivenLink(OpenedLinks):
    """A desktop run: the link given on the command line, no later ones."""

    def __init__(self, link: str | None):
        self.link = link

    def first(self) -> str | None:
        return self.link


def link_of(intent: Any) -> str | None:
    """The data URI of a VIEW intent as text; ``None`` for the launcher's MAIN intent, an
    intent without data, or no intent (``getData()`` is declared ``android.net.Uri``,
    null when absent)."""
    if intent is None or intent.getAction() != ACTION_VIEW:
        return None
    uri = intent.getData()
    return None if uri is None else str(uri.toString())


class AndroidLinks(OpenedLinks):
    """The activity's intents through pyjnius and python-for-android's ``android.activity``."""

    def first(self) -> str | None:
        from jnius import autoclass

        activity = autoclass("org.kivy.android.PythonActivity").mActivity
        return None if activity is None else link_of(activity.getIntent())

    def watch(self, on_link: Callable[[str], None]) -> Callable[[], None]:
        from android import activity  # python-for-android's bootstrap module

        def on_new_intent(intent: Any) -> None:
            link = link_of(intent)
            if link is not None:
                on_link(link)

        activity.bind(on_new_intent=on_new_intent)
        return lambda: activity.unbind(on_new_intent=on_new_intent)
