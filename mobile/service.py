"""Entry point of the survey service (python-for-android runs this file in its own process).

Declared in ``buildozer.spec`` as ``services = Survey:service.py:foreground:sticky:
foregroundServiceType=location``; started by the app with
``android_service.start_survey_service(data_dir)``, which passes the data folder as the
service argument (``PYTHON_SERVICE_ARGUMENT``). Everything it does is in
:func:`mobile.petasinyal_app.android_service.run_android_service`.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types
from pathlib import Path

if importlib.util.find_spec("mobile") is None:
    # Inside the APK this folder is the app's root: make it the ``mobile`` package (as
    # main.py does), so that the same absolute imports work on the phone and on desktops.
    _package = types.ModuleType("mobile")
    _package.__path__ = [str(Path(__file__).resolve().parent)]
    sys.modules["mobile"] = _package


def main() -> int:
    """Run the survey until the stop action; the service stops itself at the end."""
    from mobile.petasinyal_app.android_service import run_android_service

    return run_android_service(os.environ.get("PYTHON_SERVICE_ARGUMENT", ""))


if __name__ == "__main__":
    # No sys.exit: python-for-android ends the process when this file returns.
    main()
