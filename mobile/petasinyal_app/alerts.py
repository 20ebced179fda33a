"""The "no service" alert: a vibration and a short tone on Android, nothing on desktops.

Officers drive with the phone in a holder: when a SIM enters "no service" they feel and hear
it without looking. Every call is guarded: an alert must never stop the survey.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["alert_no_service"]

_VIBRATE_MS = 600
_TONE_MS = 400


def alert_no_service() -> None:
    """Vibrate and beep once (Android); do nothing where there is no phone."""
    if not hasattr(sys, "getandroidapilevel") and "android" not in sys.modules:
        return
    for part in (_vibrate, _beep):  # one failing must not silence the other
        try:
            part()
        except Exception:  # an alert must never stop the survey
            continue


def _vibrate() -> None:
    from jnius import autoclass, cast

    # the survey service alerts (the screen may be off); the activity when there is no service
    owner = autoclass("org.kivy.android.PythonService").mService
    if owner is None:
        owner = autoclass("org.kivy.android.PythonActivity").mActivity
    context = autoclass("android.content.Context")
    vibrator = cast("android.os.Vibrator", owner.getSystemService(context.VIBRATOR_SERVICE))
    if vibrator is not None and vibrator.hasVibrator():
        effect = autoclass("android.os.VibrationEffect")  # API 26 == our minapi
        vibrator.vibrate(effect.createOneShot(_VIBRATE_MS, effect.DEFAULT_AMPLITUDE))


# one ToneGenerator per process (keyed by its class): each holds an audio track until released
_TONES: dict[Any, Any] = {}


def _beep() -> None:
    from jnius import autoclass

    tone = autoclass("android.media.ToneGenerator")
    if tone not in _TONES:
        _TONES[tone] = tone(autoclass("android.media.AudioManager").STREAM_NOTIFICATION, 100)
    _TONES[tone].startTone(tone.TONE_PROP_BEEP2, _TONE_MS)
