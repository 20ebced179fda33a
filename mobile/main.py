"""Entry point of the PetaSinyal app (buildozer packages this file).

On Android the phone's GPS and radio are used; on a desktop a recorded trace is replayed:
``python -m mobile.main --replay TRACE.csv [--server URL] [--speed 5]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import types
from pathlib import Path

if importlib.util.find_spec("mobile") is None:
    # Inside the APK this folder is the app's root: make it the ``mobile`` package, so that the
    # same absolute imports work on the phone and on desktops.
    _package = types.ModuleType("mobile")
    _package.__path__ = [str(Path(__file__).resolve().parent)]
    sys.modules["mobile"] = _package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="petasinyal-app")
    parser.add_argument("--replay", type=Path, help="trace to replay (desktop)")
    parser.add_argument("--server", default="http://127.0.0.1:5000")
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--data", type=Path, default=Path.home() / ".petasinyal-app")
    args = parser.parse_args(argv)
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from mobile.petasinyal_app import sensors
    from mobile.petasinyal_app.app import PetaSinyalApp
    from mobile.petasinyal_app.controller import Settings, SurveyController

    if args.replay:
        import time

        from mobile.petasinyal_app.sensors.replay import ReplayCellular, ReplayLocation, Trace

        trace = Trace(args.replay, speed=args.speed)
        location, radio = ReplayLocation(trace), ReplayCellular(trace)
        started = time.time()
        clock = time.time

        class Playing(ReplayCellular):
            def _read(self):  # type: ignore[no-untyped-def]
                location.advance(time.time() - started, time.time())
                return super()._read()

        radio = Playing(trace)
    else:
        from mobile.petasinyal_app.sensors.android import request_permissions

        request_permissions()
        location, radio = sensors.location(), sensors.cellular()
        import time

        clock = time.time
    controller = SurveyController(
        args.data, location, radio, clock=clock, settings=Settings(server_url=args.server)
    )
    PetaSinyalApp(controller).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
