"""The canonical CSV: a round trip loses nothing; writes are atomic."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.io_csv import read_csv, to_csv_text, write_csv
from analysis.readers import read_surveys
from analysis.simulate import SurveyConfig, simulate_survey


def test_round_trip_of_a_simulated_survey_is_lossless(tmp_path: Path) -> None:
    frame = simulate_survey(SurveyConfig(points=600, seed=3))
    path = write_csv(frame, tmp_path / "survey.csv")
    back = read_csv(path)
    assert back.rejected == []
    pd.testing.assert_frame_equal(back.frame, frame)
    assert to_csv_text(back.frame) == path.read_text(encoding="utf-8")


def test_round_trip_of_real_files_is_lossless(
    tmp_path: Path, cork_files: list[Path], ottawa_files: list[Path]
) -> None:
    frame, _ = read_surveys([cork_files[0], ottawa_files[0]], tz="Europe/Dublin")
    back = read_csv(write_csv(frame, tmp_path / "real.csv"))
    pd.testing.assert_frame_equal(back.frame, frame)


def test_writer_refuses_a_frame_without_the_canonical_columns(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lacks canonical columns"):
        write_csv(pd.DataFrame({"lat": [1.0]}), tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_header_is_the_record_fields_with_units() -> None:
    text = to_csv_text(simulate_survey(SurveyConfig(points=30)))
    header = text.splitlines()[0].split(",")
    assert header[:6] == ["id", "device_id", "session_id", "observed_at", "lat", "lon"]
    assert {"accuracy_m", "rsrp_dbm", "rsrq_db", "sinr_db", "rscp_dbm", "rssi_dbm"} <= set(header)
