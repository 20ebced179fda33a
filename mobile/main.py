"""Entry point of the PetaSinyal app (buildozer packages this file).

On Android the survey runs in the foreground service (``service.py``) and these screens
attach to it; on a desktop a recorded trace is replayed by an engine in this process:
``python -m mobile.main --replay TRACE.csv [--server URL] [--speed 5] [--data-dir DIR]
[--link petasinyal://enrol?...]``.
Two phones side by side on one desktop: give each its own ``--data-dir``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time
import types
from pathlib import Path

if importlib.util.find_spec("mobile") is None:
    # Inside the APK this folder is the app's root: make it the ``mobile`` package, so that the
    # same absolute imports work on the phone and on desktops.
    _package = types.ModuleType("mobile")
    _package.__path__ = [str(Path(__file__).resolve().parent)]
    sys.modules["mobile"] = _package


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="petasinyal-app", description=__doc__.splitlines()[0])
    parser.add_argument("--replay", type=Path, help="trace to replay (desktop)")
    parser.add_argument("--server", help="server address (kept in the settings)")
    parser.add_argument("--speed", type=float, default=1.0, help="replay speed (default 1)")
    parser.add_argument(
        "--link", help="open with this link, as a scanned QR code does (petasinyal://enrol?...)"
    )
    parser.add_argument(
        "--data-dir",
        "--data",
        dest="data_dir",
        type=Path,
        default=Path.home() / ".petasinyal-app",
        help="the phone's folder: outbox, settings (default ~/.petasinyal-app)",
    )
    args = parser.parse_args(argv)
    if args.speed <= 0 or args.speed != args.speed or args.speed == float("inf"):
        parser.error("--speed must be a positive number")
    return args


def _desktop_link(args: argparse.Namespace) -> object:
    """An engine in this process, replaying the trace in real time (or faster)."""
    from mobile.petasinyal_app.engine import SurveyEngine
    from mobile.petasinyal_app.link import InlineLink
    from mobile.petasinyal_app.sensors.facades import Sensors, SimState
    from mobile.petasinyal_app.sensors.replay import ReplayCellular, ReplayLocation, Trace

    trace = Trace(args.replay, speed=args.speed)
    location = ReplayLocation(trace)
    started = time.time()

    class PlayingRadio(ReplayCellular):
        """The trace's radio; each scan moves the play head to the wall clock."""

        def _scan(self) -> list[SimState]:
            location.advance(time.time() - started, time.time())
            return super()._scan()

    engine = SurveyEngine(
        args.data_dir,
        Sensors(location, PlayingRadio(trace)),
        device_model=f"Desktop {platform.node()}"[:40],
    )
    if args.server:
        engine.command("settings", server_url=args.server)
    return InlineLink(engine)


def _android_link(args: argparse.Namespace) -> object:
    """The screens of the phone: the survey itself runs in the foreground service, which
    these screens start once location is granted and then only attach to."""
    from mobile.petasinyal_app.android_service import start_survey_service, stop_survey_service
    from mobile.petasinyal_app.link import ServiceLink
    from mobile.petasinyal_app.sensors import android_permissions
    from mobile.petasinyal_app.settings import load_settings

    # the app's private folder (python-for-android sets it for the app and the service)
    data_dir = Path(os.environ["ANDROID_PRIVATE"]) / "survey"
    return ServiceLink(
        data_dir,
        android_permissions(data_dir),
        lambda: start_survey_service(data_dir, load_settings(data_dir).language),
        stop_survey_service,
    )


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from mobile.petasinyal_app.sensors import on_android

    args = _arguments(argv if argv is not None else ([] if on_android() else None))
    if args.replay is None and not on_android():
        print("petasinyal-app: give --replay TRACE.csv on a desktop (no GPS or modem here)")
        return 2
    try:
        link = _android_link(args) if on_android() else _desktop_link(args)
    except (OSError, ValueError) as exc:
        print(f"petasinyal-app: {exc}")
        return 2
    from mobile.petasinyal_app.app import PetaSinyalApp
    from mobile.petasinyal_app.controller import SurveyController
    from mobile.petasinyal_app.opened_links import AndroidLinks, GivenLink

    exporter = None
    if on_android():  # the export leaves the app's private folder: Downloads + share sheet
        from mobile.petasinyal_app.android_share import export_and_share as exporter
    # on the phone the service vibrates on "no service" (the screen may be off or closed)
    controller = SurveyController(
        link,  # type: ignore[arg-type]
        alert=(lambda: None) if on_android() else None,
        exporter=exporter,
    )
    links = AndroidLinks() if on_android() else GivenLink(args.link)
    PetaSinyalApp(controller, links=links).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
