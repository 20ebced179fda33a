"""Replay sensors: a real trace played back by the caller's clock."""

from __future__ import annotations

from pathlib import Path

from analysis.io_csv import write_csv
from analysis.simulate import SurveyConfig, simulate_survey
from mobile.petasinyal_app.outbox import Outbox
from mobile.petasinyal_app.recorder import Recorder
from mobile.petasinyal_app.sensors.replay import ReplayCellular, ReplayLocation, Trace


def test_replay_of_a_real_opencellid_trace(ottawa_files: list[Path], tmp_path: Path) -> None:
    trace = Trace(ottawa_files[0], speed=10.0)
    location, radio = ReplayLocation(trace), ReplayCellular(trace)
    recorder = Recorder(Outbox(tmp_path / "o.sqlite3"), "hp", "s")
    fixes = []
    location.start(fixes.append)
    wall = 1_790_000_000.0
    for step in range(0, 200, 2):
        location.advance(step, wall + step)
        recorder.record(location.last_fix, radio.read(), wall + step, "walking")
    assert len(fixes) == 100 and trace.index > 0
    assert fixes[-1].lat != fixes[0].lat
    assert recorder.outbox.counts()["pending"] == 100


def test_replay_of_canonical_csv_with_no_service(tmp_path: Path) -> None:
    frame = simulate_survey(SurveyConfig(points=300, seed=2))
    path = write_csv(frame[frame["mnc"] == "11"], tmp_path / "xl.csv")
    trace = Trace(path)
    techs = set()
    for i in range(len(trace.rows)):
        trace.index = i
        techs.add(ReplayCellular(trace).read()[0].tech)
    assert "NONE" in techs and "LTE" in techs
