"""Phone UI: the Python time of one UI tick with 20,000 readings stored, on the Survey and the
Points screen, against the old approach measured in the same run (every tick read the
newest 2,000 readings and redrew them dot by dot). Target: under 5 ms per tick.

The engine runs as on Android, outside the UI's process time: it steps once a "second"
(auto-logging every 5 s, one SIM in service and one without) and publishes its snapshot; the
UI reads it through ``ServiceLink`` as the activity does. Rendered offscreen.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks._common import table

STORED = 20_000
TICKS = 60
TARGET_MS = 5.0


def _stored_readings(n: int) -> list[dict[str, Any]]:
    """``n`` readings of a day's drive near Agam (LTE and no-service), oldest first."""
    t0 = datetime.now(UTC) - timedelta(days=3)
    out = []
    for i in range(n):
        none = i % 17 == 0
        out.append(
            {
                "id": str(uuid.UUID(int=i + 1)),
                "device_id": "hp-bench",
                "session_id": "bench",
                "observed_at": (t0 + timedelta(seconds=5 * i)).isoformat(),
                "lat": -0.30 + 0.00002 * (i % 3000),
                "lon": 100.30 + 0.00002 * (i // 3000) * 50 + 0.000005 * (i % 300),
                "accuracy_m": 6.0,
                "tech": "NONE" if none else "LTE",
                "mcc": None if none else "510",
                "mnc": None if none else "10",
                "operator": None if none else "Telkomsel",
                "rsrp_dbm": None if none else -80.0 - (i % 45),
                "mock_location": False,
                "mode": "vehicle",
            }
        )
    return out


def _fill(data_dir: Path) -> None:
    """Put the readings in the phone's outbox in one transaction (the fill is not timed)."""
    import json
    import sqlite3

    from mobile.petasinyal_app.outbox import Outbox

    Outbox(data_dir / "outbox.sqlite3").close()  # its schema
    db = sqlite3.connect(data_dir / "outbox.sqlite3")
    with db:
        db.executemany(
            "INSERT INTO readings (id, payload, observed_at, state) VALUES (?, ?, ?, ?)",
            [
                (r["id"], json.dumps(r), r["observed_at"], "synced" if i < 15_000 else "pending")
                for i, r in enumerate(_stored_readings(STORED))
            ],
        )
    db.close()


class _Sensors:
    """A trace replayed by hand: the engine's desktop sensors for the run."""

    def __init__(self) -> None:
        from mobile.petasinyal_app.sensors.facades import (
            CellReading,
            Cellular,
            Fix,
            Location,
            Sensors,
            SimState,
        )

        class Drive(Location):
            def _start(self) -> None:
                return None

            def _stop(self) -> None:
                return None

            def at(self, now: float, i: int) -> None:
                self._deliver(Fix(-0.25 + 0.0003 * i, 100.32 + 0.0002 * i, 5.0, now))

        class Radio(Cellular):
            def _scan(self) -> list[SimState]:
                cell = CellReading("LTE", "510", "10", "Telkomsel", 1, 2, 3, 1850, -97.0)
                none = CellReading("NONE")
                return [
                    SimState(0, "in_service", (cell,), "Telkomsel"),
                    SimState(1, "no_service", (none,), "XL"),
                ]

        self.location = Drive()
        self.sensors = Sensors(self.location, Radio())


def _ui(data_dir: Path, sensors: Any) -> tuple[Any, Any, Any]:
    from kivy.app import App
    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.metrics import Metrics

    from mobile.petasinyal_app.app import PetaSinyalApp
    from mobile.petasinyal_app.controller import SurveyController
    from mobile.petasinyal_app.link import ServiceLink

    Metrics.density = 2
    Window.size = (720, 1600)
    EventLoop.ensure_window()
    link = ServiceLink(data_dir, sensors.permissions, lambda: None, lambda: None)
    controller = SurveyController(link, alert=lambda: None)
    app = PetaSinyalApp(controller, tick_s=0)
    App._running_app = app
    app.root = app.build()
    Window.add_widget(app.root)
    return app, Window, EventLoop


def _frames(loop: Any, n: int = 2) -> None:
    for _ in range(n):
        loop.idle()


def _old_tick(outbox: Any, canvas_widget: Any) -> None:
    """What a tick did before: the newest 2,000 readings, classified and redrawn."""
    from kivy.graphics import Color, Ellipse, Rectangle

    from analysis.classes import classify

    points = outbox.readings(limit=2_000)
    outbox.counts()
    outbox.uploads()
    canvas_widget.canvas.clear()
    with canvas_widget.canvas:
        Color(0.93, 0.95, 0.97, 1)
        Rectangle(pos=canvas_widget.pos, size=canvas_widget.size)
    lats = [p["lat"] for p in points]
    lons = [p["lon"] for p in points]
    span = max(max(lats) - min(lats), max(lons) - min(lons), 1e-4)
    scale = 0.9 * min(canvas_widget.width, canvas_widget.height) / span
    with canvas_widget.canvas:
        colours = {"strong": (0.0, 0.0, 1.0, 1.0), "weak": (1.0, 0.6, 0.0, 1.0)}
        for p in points:
            Color(*colours.get(classify(p) or "none", (0.6, 0.0, 0.0, 1.0)))
            Ellipse(pos=(p["lon"] * scale, p["lat"] * scale), size=(8, 8))


def _track_backlog(controller: Any) -> list[float]:
    """The first opening of Points draws the stored track a chunk per frame: each chunk's ms."""
    from mobile.petasinyal_app.app import _TRACK_CHUNK
    from mobile.petasinyal_app.screens.track import TrackView

    track, rowid, out = TrackView(size=(700, 700)), 0, []
    controller._origin = None
    while True:
        start = time.perf_counter()
        rowid, new = controller.track_since(rowid, _TRACK_CHUNK)
        track.add(new)
        out.append((time.perf_counter() - start) * 1000)
        if len(new) < _TRACK_CHUNK:
            return out


def run() -> dict[str, float]:
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="petasinyal-kivy-"))
    from mobile.petasinyal_app.engine import SurveyEngine

    data_dir = Path(tempfile.mkdtemp(prefix="petasinyal-bench-"))
    _fill(data_dir)
    drive = _Sensors()
    now = [time.time()]
    engine = SurveyEngine(data_dir, drive.sensors, clock=lambda: now[0], publish=True)
    engine.command("auto", on=True)
    engine.step()
    app, _window, loop = _ui(data_dir, drive.sensors)

    def ticks(screen: str) -> list[float]:
        app.show(screen)
        _frames(loop, 3)
        app.tick()  # the screen's first paint (the whole track, once) is not a tick
        out = []
        for i in range(TICKS):
            now[0] += 1
            drive.location.at(now[0], i)
            engine.step()  # the service's work, in its own process on the phone
            start = time.perf_counter()
            app.tick()
            out.append((time.perf_counter() - start) * 1000)
            _frames(loop, 1)
        return out

    first = time.perf_counter()
    app.show("points")
    first_ms = (time.perf_counter() - first) * 1000
    chunks = _track_backlog(app.controller)
    results = {"survey": ticks("survey"), "points": ticks("points")}
    from kivy.uix.widget import Widget

    old_widget = Widget(size=(700, 700))
    old = []
    for _ in range(10):
        start = time.perf_counter()
        _old_tick(engine.outbox, old_widget)
        old.append((time.perf_counter() - start) * 1000)
    baseline = statistics.median(old)
    rows = [
        {
            "run": "old tick (2,000 readings read and redrawn)",
            "median_ms": baseline,
            "p95_ms": sorted(old)[-1],
            "max_ms": max(old),
            "ratio": 1.0,
        }
    ]
    for name, times in results.items():
        times.sort()
        rows.append(
            {
                "run": f"{name} screen tick",
                "median_ms": statistics.median(times),
                "p95_ms": times[int(0.95 * len(times)) - 1],
                "max_ms": times[-1],
                "ratio": statistics.median(times) / baseline,
            }
        )
    rows.append(
        {
            "run": f"first opening of Points: track backlog, a chunk per frame ({len(chunks)})",
            "median_ms": statistics.median(chunks),
            "p95_ms": sorted(chunks)[int(0.95 * len(chunks)) - 1],
            "max_ms": max(chunks),
            "ratio": statistics.median(chunks) / baseline,
        }
    )
    stored = engine.outbox.summary("1970-01-01")
    print(
        f"{sum(stored[k] for k in ('pending', 'synced', 'rejected')):,} readings stored, "
        f"{TICKS} ticks per screen (driving 33 m a second, auto-logging by distance: a new "
        f"reading for 2 SIMs every 2 ticks); target {TARGET_MS} ms a tick; opening Points "
        f"the first time: {first_ms:.0f} ms, then the stored track is drawn a chunk a frame"
    )
    print(table(rows, ["run", "median_ms", "p95_ms", "max_ms", "ratio"]))
    app.detach()
    engine.close()
    return {
        "survey_ms": statistics.median(results["survey"]),
        "points_ms": statistics.median(results["points"]),
        "points_max_ms": max(results["points"]),
        "old_ms": baseline,
        "first_points_ms": first_ms,
        "track_chunk_ms": statistics.median(chunks),
    }


if __name__ == "__main__":
    run()
