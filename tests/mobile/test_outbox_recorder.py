"""The phone's outbox and recorder: nothing recorded is lost, refused fixes say why."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from mobile.petasinyal_app.outbox import Outbox
from mobile.petasinyal_app.recorder import AutoLogger, Recorder, RecordRefused
from mobile.petasinyal_app.sensors.facades import CellReading, Fix

NOW = 1_790_000_000.0
FIX = Fix(-0.3056, 100.3692, 6.0, NOW - 1, 920.0, 1.2)
TSEL = CellReading("LTE", "510", "10", "Telkomsel", 2_560_002, 3000, 1, 1850, -97.0, -11.0, 7.0)
XL = CellReading("NONE", "510", "11", "XL")


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox.sqlite3")


def recorder(outbox: Outbox) -> Recorder:
    return Recorder(outbox, "hp-ani", "2026-11-29")


def test_a_reading_survives_a_killed_app(tmp_path: Path) -> None:
    first = Outbox(tmp_path / "o.sqlite3")
    recorder(first).record(FIX, [TSEL], NOW, "walking")
    # no close(): the app was killed; a new process opens the same file
    second = Outbox(tmp_path / "o.sqlite3")
    assert second.counts() == {"pending": 1, "synced": 0, "rejected": 0}
    raw = sqlite3.connect(tmp_path / "o.sqlite3").execute("SELECT payload FROM readings")
    assert json.loads(raw.fetchone()[0])["rsrp_dbm"] == -97.0


def test_one_reading_per_sim_and_no_service_is_kept(outbox: Outbox) -> None:
    made = recorder(outbox).record(FIX, [TSEL, XL], NOW, "stationary", "dekat masjid").stored
    assert [m.tech for m in made] == ["LTE", "NONE"]
    assert made[1].plmn == "510-11" and made[1].rsrp_dbm is None
    assert made[0].note == "dekat masjid" and outbox.counts()["pending"] == 2


def test_a_radio_that_reports_nothing_is_unknown_not_no_service(outbox: Outbox) -> None:
    with pytest.raises(RecordRefused, match="belum diketahui"):
        recorder(outbox).record(FIX, [], NOW, None)
    assert outbox.counts()["pending"] == 0


def test_one_sims_impossible_values_do_not_stop_the_other(outbox: Outbox) -> None:
    done = recorder(outbox).record(FIX, [CellReading("LTE", rsrp_dbm=-20.0), XL], NOW, None)
    assert [m.tech for m in done.stored] == ["NONE"]
    assert "rsrp_dbm" in str(done.refused[0]) and outbox.counts()["pending"] == 1


def test_flags_of_the_first_answer_survive_a_duplicate_resend(outbox: Outbox) -> None:
    recorder(outbox).record(FIX, [TSEL], NOW, None)
    batch = outbox.next_batch()
    assert batch is not None
    (reading_id,) = [r["id"] for r in batch.readings]
    outbox.settle(batch.id, {"accepted": [reading_id], "flagged": {reading_id: ["mock_location"]}})
    outbox.settle(batch.id, {"duplicates": [reading_id]})  # the same batch answered again
    assert outbox.readings("synced")[0]["_flags"] == "mock_location"


@pytest.mark.parametrize(
    ("fix", "reason"),
    [
        (None, "Belum ada posisi GPS"),
        (Fix(-0.3, 100.3, 5.0, NOW - 60), "sudah 60 detik"),
        (Fix(-0.3, 100.3, 120.0, NOW), "Akurasi GPS 120 m"),
    ],
)
def test_unusable_fixes_are_refused_with_a_reason(
    outbox: Outbox, fix: Fix | None, reason: str
) -> None:
    with pytest.raises(RecordRefused, match=reason):
        recorder(outbox).record(fix, [TSEL], NOW, "walking")
    assert outbox.counts()["pending"] == 0


def test_impossible_radio_values_are_refused(outbox: Outbox) -> None:
    with pytest.raises(RecordRefused, match="rsrp_dbm"):
        recorder(outbox).record(FIX, [CellReading("LTE", rsrp_dbm=-20.0)], NOW, None)


def test_batches_keep_their_uuid_until_answered(outbox: Outbox) -> None:
    for _ in range(5):
        recorder(outbox).record(FIX, [TSEL], NOW, None)
    first = outbox.next_batch(3)
    assert first is not None and len(first.readings) == 3
    again = outbox.next_batch(3)  # the answer never came: same batch, same readings
    assert again == first
    answer = {
        "accepted": [first.readings[0]["id"]],
        "duplicates": [first.readings[1]["id"]],
        "rejected": [
            {
                "index": 2,
                "id": first.readings[2]["id"],
                "problems": [{"field": "lat", "reason": "x"}],
            }
        ],
        "flagged": {first.readings[0]["id"]: ["poor_accuracy"]},
    }
    outbox.settle(first.id, answer)
    assert outbox.counts() == {"pending": 2, "synced": 2, "rejected": 1}
    second = outbox.next_batch(3)
    assert second is not None and second.id != first.id and len(second.readings) == 2
    synced = outbox.readings("synced")
    assert {r["_flags"] for r in synced} == {"poor_accuracy", ""}
    assert outbox.readings("rejected")[0]["_problems"] == [{"field": "lat", "reason": "x"}]


def test_auto_logging_by_time_and_distance() -> None:
    by_time = AutoLogger(interval_s=5.0)
    assert not by_time.due(NOW, FIX)  # not started
    by_time.start()
    assert by_time.due(NOW, FIX)
    by_time.taken(NOW, FIX)
    assert not by_time.due(NOW + 4, FIX) and by_time.due(NOW + 5, FIX)
    by_distance = AutoLogger(interval_s=None, distance_m=50.0)
    by_distance.start()
    by_distance.taken(NOW, FIX)
    near = Fix(FIX.lat + 0.0003, FIX.lon, 5.0, NOW + 30)  # 33 m north
    far = Fix(FIX.lat + 0.0005, FIX.lon, 5.0, NOW + 40)  # 56 m north
    assert not by_distance.due(NOW + 30, near) and by_distance.due(NOW + 40, far)
    by_distance.stop()
    assert not by_distance.due(NOW + 50, far)


def test_live_view_colour_follows_the_classes() -> None:
    assert Recorder.signal_class(TSEL) == "strong"
    assert Recorder.signal_class(XL) == "none"
