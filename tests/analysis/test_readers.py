"""Importers: the real field-tool files, and every kind of bad row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.readers import UnknownFormatError, read_survey, read_surveys
from analysis.schema import FIELDS

GNET_HEADER = (
    "Timestamp\tLongitude\tLatitude\tSpeed\tOperatorname\tCellID\tNetworkMode\tRSRP\tRSRQ\tSNR"
    "\tCQI\tRSSI\tDL_bitrate\tUL_bitrate\tState\tLACHEX\tRAWCELLID"
)
OCID_HEADER = "mcc,mnc,lac,cellid,lat,lon,signal,measured_at,rating,speed,direction,act,ta,psc,tac,pci,sid,nid,bid"


def write(tmp_path: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def test_cork_gnettrack_files(cork_files: list[Path]) -> None:
    frame, results = read_surveys(cork_files, tz="Europe/Dublin")
    assert len(cork_files) == 40
    assert {r.format for r in results} == {"gnettrack"}
    assert sum(r.rows_read for r in results) == 61_640
    assert len(frame) == 61_640
    assert sum(len(r.rejected) for r in results) == 0
    # LTE RSSI above -51 dBm is outside the reporting range: dropped, the reading kept
    assert sum(r.dropped_values["rssi_dbm: range"] for r in results) == 1_185
    assert frame["tech"].value_counts().to_dict() == {"LTE": 51_486, "WCDMA": 10_063, "GSM": 91}
    assert frame["lat"].between(51.87, 51.96).all()
    assert frame["lon"].between(-8.58, -8.37).all()
    lte = frame[frame["tech"] == "LTE"]
    assert lte["rsrp_dbm"].between(-140, -44).all() and lte["rsrp_dbm"].notna().all()
    assert lte["rsrp_dbm"].min() == -122 and lte["rsrp_dbm"].max() == -48
    older = frame[frame["tech"].isin(["GSM", "WCDMA"])]
    assert older["rsrp_dbm"].isna().all() and older["rsrq_db"].isna().all()
    assert older["rssi_dbm"].between(-113, -51).all()
    assert frame["speed_mps"].max() == pytest.approx(105 / 3.6)
    assert frame["observed_at"].min() == pd.Timestamp("2019-11-20 16:55:16", tz="UTC")
    assert frame["id"].is_unique


def test_cork_5g_rows_are_lte_anchor_readings(cork_files: list[Path]) -> None:
    frame, _ = read_surveys(cork_files[:5], tz="Europe/Dublin")
    nsa = frame[frame["note"] == "5G NSA; LTE anchor"]
    assert len(nsa) > 0 and (nsa["tech"] == "LTE").all()


def test_ottawa_opencellid_files(ottawa_files: list[Path]) -> None:
    frame, results = read_surveys(ottawa_files)
    assert len(ottawa_files) == 14
    assert {r.format for r in results} == {"opencellid"}
    assert len(frame) == 1_900
    assert sum(len(r.rejected) for r in results) == 0
    assert (frame["tech"] == "LTE").all()
    assert set(frame["mcc"] + "-" + frame["mnc"]) == {"302-720"}
    assert frame["rsrp_dbm"].between(-123, -66).all()
    assert frame["accuracy_m"].between(3.9, 111.5).all()
    # west Ottawa (bbox.txt frames the main walks; a few start farther west)
    assert frame["lon"].between(-75.94, -75.69).all()
    assert frame["lat"].between(45.29, 45.42).all()
    assert frame["observed_at"].min() == pd.Timestamp("2020-08-30 14:14:12", tz="UTC")


def test_reading_the_same_file_twice_gives_the_same_ids(ottawa_files: list[Path]) -> None:
    first = read_survey(ottawa_files[0]).frame["id"]
    second = read_survey(ottawa_files[0]).frame["id"]
    assert first.tolist() == second.tolist()


def test_gnettrack_sentinels_and_bad_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "g.txt",
        [
            GNET_HEADER,
            "2026.10.05_08.00.00\t100.37\t-0.30\t36\tTelkomsel\t3\tLTE\t-95\t-11\t7.0\t9\t-65\t1\t1\tD\t9CBA\t124546051",
            "2026.10.05_08.00.01\t100.37\t-0.30\t36\tTelkomsel\t3\tLTE\t-200\t-11\t7.0\t9\t-65\t1\t1\tD\t9CBA\t124546051",
            "2026.10.05_08.00.02\t100.37\t-0.30\t0\tTelkomsel\t3\tEDGE\t-81\t0\t-\t-\t-\t1\t1\tD\t9CBA\t5001",
            "2026.10.05_08.00.03\t-\t-\t0\tTelkomsel\t3\tLTE\t-95\t-11\t7.0\t9\t-65\t1\t1\tD\t9CBA\t1",
            "2026.10.05_08.00.04\t100.37\t-0.30\t0\tTelkomsel",
            "",
            "2026.10.05_08.00.05\t100.37\t-0.30\t0\tTelkomsel\t3\tLTE\t-95\t-11\t99\t9\t-65\t1\t1\tD\t9CBA\t1",
        ],
    )
    result = read_survey(path)
    assert result.format == "gnettrack"
    assert result.rows_read == 6
    assert result.kept == 3
    rejected = {row.line: {p.field for p in row.problems} for row in result.rejected}
    assert rejected == {3: {"rsrp_dbm"}, 5: {"lat", "lon"}, 6: {"row"}}
    kept = result.frame.set_index(result.frame["observed_at"].dt.second)
    assert kept.loc[0, "rsrp_dbm"] == -95 and kept.loc[0, "tac_lac"] == 0x9CBA
    assert kept.loc[0, "speed_mps"] == pytest.approx(10.0)
    assert kept.loc[2, "tech"] == "GSM" and pd.isna(kept.loc[2, "rsrp_dbm"])
    assert kept.loc[2, "rssi_dbm"] == -81
    assert pd.isna(kept.loc[5, "sinr_db"])  # SNR 99 is out of range: dropped, reading kept
    assert result.dropped_values == {"sinr_db: range": 1}
    # local WIB wall-clock time, stored as UTC
    assert kept.loc[0, "observed_at"] == pd.Timestamp("2026-10-05 01:00:00", tz="UTC")


def test_opencellid_sentinels_and_technologies(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "o.csv",
        [
            OCID_HEADER,
            "510,1,,123,-0.3,100.3,-101,1790000000000,5.0,1.0,0,LTE,,,600,22,,,",
            "510,10,40,77,-0.3,100.3,-90,1790000000000,5.0,1.0,0,GSM,,,,,,,",
            "510,10,40,78,-0.3,100.3,-95,1790000000000,5.0,1.0,0,UMTS,,300,,,,,",
            "510,10,40,79,-0.3,100.3,-1,1790000000000,5.0,1.0,0,LTE,,,600,22,,,",
            "510,10,40,79,-0.3,100.3,-90,1790000000000,5.0,1.0,0,CDMA,,,600,22,,,",
        ],
    )
    result = read_survey(path)
    assert result.format == "opencellid"
    assert result.kept == 3
    frame = result.frame
    assert frame["mnc"].tolist() == ["01", "10", "10"]
    assert frame["tech"].tolist() == ["LTE", "GSM", "WCDMA"]
    assert frame["rsrp_dbm"].iloc[0] == -101 and frame["tac_lac"].iloc[0] == 600
    assert frame["rssi_dbm"].iloc[1] == -90 and pd.isna(frame["rsrp_dbm"].iloc[1])
    assert frame["rscp_dbm"].iloc[2] == -95 and frame["pci_psc"].iloc[2] == 300
    assert [r.line for r in result.rejected] == [5, 6]
    assert "rsrp_dbm: tech" in result.rejected_by_reason()
    assert "tech: type" in result.rejected_by_reason()


def test_canonical_keeps_no_service_readings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.csv",
        [
            ",".join(FIELDS),
            "5f0c1a43-5b4c-4c36-9e0f-8f3f5e5d9a01,hp1,s1,2026-10-05T01:00:00.000Z,-0.3,100.3,5,,,"
            "false,NONE,510,10,Telkomsel,,,,,,,,,,walking,tidak ada sinyal",
        ],
    )
    result = read_survey(path)
    assert result.kept == 1 and result.frame["tech"].iloc[0] == "NONE"


def test_latin1_and_semicolons_are_read(tmp_path: Path) -> None:
    header = OCID_HEADER.replace(",", ";")
    path = write(
        tmp_path,
        "o.csv",
        [
            header,
            "510;10;40;78;-0.3;100.3;-95;1790000000000;5.0;1.0;0;GSM;;;;;;;",
        ],
        encoding="latin-1",
    )
    assert read_survey(path).kept == 1


def test_unknown_header_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", ["name,age", "Ani,30"])
    with pytest.raises(UnknownFormatError, match="unrecognised header"):
        read_survey(path)


def test_header_only_file_reads_as_empty(tmp_path: Path) -> None:
    result = read_survey(write(tmp_path, "o.csv", [OCID_HEADER]))
    assert result.kept == 0 and list(result.frame.columns) == list(FIELDS)


def test_a_canonical_file_without_device_ids_takes_the_one_given(tmp_path: Path) -> None:
    """Operators' drive-test files in our CSV often leave the phone out: the caller names it."""
    path = tmp_path / "drive.csv"
    path.write_text(
        "id,session_id,observed_at,lat,lon,tech,mcc,mnc,rsrp_dbm\n"
        "2b1f2c9e-8d1b-4c1e-9c39-1a2b3c4d5e6f,s,2026-11-01T01:00:00Z,-0.3,100.3,LTE,510,10,-90\n",
        encoding="utf-8",
    )
    result = read_survey(path, device_id="drive-test-510-10")
    assert result.rejected == []
    assert result.frame["device_id"].tolist() == ["drive-test-510-10"]
