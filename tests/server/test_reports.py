"""The blankspot village report: categories from the releases' verdicts (very strong from the
village median of the job's readings), default releases per product, office areas, XLSX and
CSV with the same rows, and the ``report-villages`` command."""

from __future__ import annotations

import csv
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import shapely
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from server.db import session_scope
from server.models import (
    Device,
    Job,
    Measurement,
    OperatorResponse,
    Release,
    ReleaseProduct,
    Upload,
    User,
    VillageVerdict,
)
from server.report_xlsx import SOURCES_SHEET, SUMMARY_SHEET, write_xlsx
from server.reports import CATEGORIES, Area, ReportError, build_report, write_csv
from tests.analysis.test_cli_errors import assert_one_error, run

T0 = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)
# code -> (kabupaten code, kabupaten, kecamatan, desa, west longitude); 13.06.02.2009 has no
# outline, 13.75.01.1003 has an outline but no verdict
VILLAGES = {
    "13.06.01.2001": ("13.06", "Kabupaten Agam", "Tilatang Kamang", "Koto Tangah", 100.30),
    "13.06.01.2002": ("13.06", "Kabupaten Agam", "Tilatang Kamang", "Gadut", 100.32),
    "13.06.02.2003": ("13.06", "Kabupaten Agam", "Kamang Magek", "Kamang Mudiak", 100.34),
    "13.75.01.1001": ("13.75", "Kota Bukittinggi", "Guguk Panjang", "Benteng Pasar Atas", 100.36),
    "13.75.01.1002": ("13.75", "Kota Bukittinggi", "Guguk Panjang", "Kayu Kubu", 100.38),
    "13.75.01.1003": ("13.75", "Kota Bukittinggi", "Guguk Panjang", "Bukit Cangang", 100.40),
}
NO_OUTLINE = "13.06.02.2009"
RAW_LAT, RAW_LON_OFFSET = -0.312345, 0.004321  # where the readings were taken
# (release, product) -> code -> verdict; release 3 is withdrawn
VERDICTS = {
    (1, "510-10-LTE"): {
        "13.06.01.2001": "weak",
        "13.06.01.2002": "strong",
        "13.06.02.2003": "weak",
        "13.75.01.1001": "none",
    },
    (1, "510-01-LTE"): {
        "13.06.01.2001": "strong",
        "13.06.01.2002": "none",
        "13.75.01.1002": "insufficient data",
    },
    (2, "510-10-LTE"): {
        "13.06.01.2001": "strong",
        "13.06.01.2002": "strong",
        "13.06.02.2003": "weak",
        "13.75.01.1001": "none",
        "13.75.01.1002": "insufficient data",
        NO_OUTLINE: "unsurveyed",
    },
    (3, "510-10-LTE"): {"13.06.01.2001": "none"},
}
# default report: 510-10-LTE from release 2, 510-01-LTE from release 1
EXPECTED = {
    "510-10-LTE": {
        "13.06.01.2001": "sinyal sangat kuat",  # strong, median -78 dBm
        "13.06.01.2002": "sinyal kuat",  # strong, median -95 (an excluded -50 is not counted)
        "13.06.02.2003": "sinyal lemah",
        "13.75.01.1001": "tidak ada sinyal",
        "13.75.01.1002": "belum disurvei",  # insufficient data
        NO_OUTLINE: "belum disurvei",  # unsurveyed
        "13.75.01.1003": "belum disurvei",  # no verdict at all
    },
    "510-01-LTE": {
        "13.06.01.2001": "sinyal sangat kuat",  # strong, median -70
        "13.06.01.2002": "tidak ada sinyal",
        "13.06.02.2003": "belum disurvei",
        "13.75.01.1001": "belum disurvei",
        "13.75.01.1002": "belum disurvei",
        NO_OUTLINE: "belum disurvei",
        "13.75.01.1003": "belum disurvei",
    },
}


def _boundaries(path: Path) -> Path:
    features = []
    for code, (kab_code, kab, kec, name, west) in VILLAGES.items():
        box = shapely.box(west, -0.32, west + 0.015, -0.30)
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(shapely.to_geojson(box)),
                "properties": {
                    "kode": code,
                    "nama": name,
                    "kode_kec": code[:8],
                    "nama_kec": kec,
                    "kode_kabkota": kab_code,
                    "nama_kabkota": kab,
                },
            }
        )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _reading(upload: str, device: int, code: str, operator: str, value: float | None, **kw: Any):
    mcc, mnc = operator.split("-")
    west = VILLAGES[code][4] if code in VILLAGES else 100.5
    return Measurement(
        id=str(uuid.uuid4()),
        upload_id=upload,
        source_device_id=device,
        device_id="hp-secret-device",
        session_id="s1",
        observed_at=kw.pop("at", T0),
        lat=RAW_LAT,
        lon=west + RAW_LON_OFFSET,
        tech="NONE" if value is None else "LTE",
        mcc=mcc,
        mnc=mnc,
        rsrp_dbm=value,
        village_code=code,
        **kw,
    )


def seed(app: Flask, tmp_path: Path) -> dict[str, Any]:
    """Three releases (the newest withdrawn), their verdicts, the job's readings, an
    operator's response, and boundaries for the villages; returns the ids."""
    app.config["BOUNDARIES"] = str(_boundaries(tmp_path / "villages.geojson"))
    with app.app_context(), session_scope() as session:
        # no logins here: rows without a password hash keep the setup fast
        for name, role in (
            ("admin1", "admin"),
            ("ani-surveyor", "officer"),
            ("tsel", "provider"),
        ):
            session.add(User(username=name, password_hash="-", role=role, operators=[]))
        session.flush()
        users = {u.username: u.id for u in session.scalars(select(User))}
        device = Device(
            name="hp-ani-secret", officer_id=users["ani-surveyor"], token_hash=uuid.uuid4().hex
        )
        session.add(device)
        session.flush()
        used, other = str(uuid.uuid4()), str(uuid.uuid4())
        for upload in (used, other):
            session.add(Upload(id=upload, device_id=device.id, state="approved"))
        session.flush()
        d = device.id
        readings = [
            *[_reading(used, d, "13.06.01.2001", "510-10", v) for v in (-75, -78, -79)],
            *[_reading(used, d, "13.06.01.2002", "510-10", v) for v in (-95, -90, -99)],
            *[_reading(used, d, "13.06.01.2002", "510-10", -50.0, excluded=True) for _ in range(5)],
            *[_reading(other, d, "13.06.01.2002", "510-10", -50.0) for _ in range(5)],
            *[_reading(used, d, "13.06.01.2001", "510-01", v) for v in (-70, -65, -72)],
            *[_reading(used, d, "13.06.01.2002", "510-01", v) for v in (None, None, -121)],
            _reading(used, d, "13.75.01.1001", "510-10", None),
        ]
        session.add_all(readings)
        inputs = {"uploads": [used], "readings": len(readings), "reading_ids_sha256": "ab"}
        releases = {}
        for number, products in ((1, ["510-10", "510-01"]), (2, ["510-10"]), (3, ["510-10"])):
            job = Job(
                created_by=users["admin1"],
                state="done",
                params={"tech": "LTE", "operators": products},
                operators=products,
                inputs=inputs,
            )
            session.add(job)
            session.flush()
            release = Release(
                job_id=job.id,
                title=f"Survei sinyal Agam dan Bukittinggi {number}",
                period_from=date(2025, 2, 1),
                period_to=date(2025, 2, 28),
                area={"kind": "all"},
                tech="LTE",
                operators=products,
                state="withdrawn" if number == 3 else "published",
                published_by=users["admin1"],
                published_at=T0 + timedelta(days=number),
                respond_by=date(2025, 5, 1),
                fingerprint=f"{number:064d}",
                inputs=inputs,
            )
            session.add(release)
            session.flush()
            releases[number] = release.id
            for operator in products:
                product = f"{operator}-LTE"
                summary = {"method": "kriging", "rmse_db": 6.25, "readings": 12}
                session.add(
                    ReleaseProduct(
                        release_id=release.id,
                        product=product,
                        operator=operator,
                        tech="LTE",
                        summary=summary,
                    )
                )
                for code, verdict in VERDICTS[(number, product)].items():
                    _, kab, kec, name, _ = VILLAGES.get(
                        code, ("13.06", "Kabupaten Agam", "Kamang Magek", "Tanpa Batas", 0)
                    )
                    session.add(
                        VillageVerdict(
                            release_id=release.id,
                            village_code=code,
                            operator=operator,
                            tech="LTE",
                            village=name,
                            kecamatan=kec,
                            kabkota=kab,
                            verdict=verdict,
                            readings=len(code) + number,
                            fixes=3,
                            officers=1,
                            first_day=date(2025, 2, number),
                            last_day=date(2025, 2, 10 + number),
                        )
                    )
        session.flush()
        session.add(
            OperatorResponse(
                release_id=releases[2],
                village_code="13.06.01.2002",
                operator="510-10",
                tech="LTE",
                kind="disputed",
                created_by=users["tsel"],
            )
        )
    return {"releases": releases, "uploads": (used, other)}


@pytest.fixture
def seeded(app: Flask, tmp_path: Path) -> dict[str, Any]:
    return seed(app, tmp_path)


def _sheet_rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    book = load_workbook(path)
    out = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        out[sheet.title] = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    return out


def _verdict_rows(app: Flask, release_of: dict[str, int]) -> list[VillageVerdict]:
    with app.app_context(), session_scope() as session:
        found = list(session.scalars(select(VillageVerdict)))
        session.expunge_all()
    return [v for v in found if release_of.get(f"{v.operator}-{v.tech}") == v.release_id]


def test_xlsx_rows_match_the_release_verdicts(
    app: Flask, seeded: dict[str, Any], tmp_path: Path
) -> None:
    releases = seeded["releases"]
    with app.app_context():
        report = build_report()
    assert [(s.product, s.release_id) for s in report.sources] == [
        ("510-01-LTE", releases[1]),
        ("510-10-LTE", releases[2]),
    ]
    path = write_xlsx(report, tmp_path / "laporan.xlsx")
    sheets = _sheet_rows(path)
    assert list(sheets) == [SUMMARY_SHEET, "Kabupaten Agam", "Kota Bukittinggi", SOURCES_SHEET]
    rows = {r["Kode Kemendagri"]: r for name in list(sheets)[1:-1] for r in sheets[name]}
    assert set(rows) == {*VILLAGES, NO_OUTLINE}
    labels = {s.product: s.label for s in report.sources}
    for product, expected in EXPECTED.items():
        got = {code: row[f"{labels[product]}: kategori"] for code, row in rows.items()}
        assert got == expected, product
    # every verdict of the chosen releases is in the workbook with its evidence
    verdicts = _verdict_rows(app, {"510-10-LTE": releases[2], "510-01-LTE": releases[1]})
    assert len(verdicts) == 9
    for verdict in verdicts:
        label = labels[f"{verdict.operator}-{verdict.tech}"]
        row = rows[verdict.village_code]
        assert row["Kecamatan"] == verdict.kecamatan
        assert row["Kabupaten/Kota"] == verdict.kabkota
        assert row[f"{label}: bacaan"] == verdict.readings
        assert row[f"{label}: tanggal pertama"].date() == verdict.first_day
        assert row[f"{label}: tanggal terakhir"].date() == verdict.last_day
    sangat_kuat = rows["13.06.01.2001"]
    assert sangat_kuat[f"{labels['510-10-LTE']}: median dBm"] == -78.0
    assert rows["13.06.01.2002"][f"{labels['510-10-LTE']}: median dBm"] == -95.0
    assert rows["13.06.01.2002"][f"{labels['510-01-LTE']}: median dBm"] == -140.0
    assert rows["13.06.01.2002"][f"{labels['510-10-LTE']}: tanggapan operator"] == (
        "disanggah, menunggu keputusan"
    )
    assert rows["13.06.01.2001"][f"{labels['510-10-LTE']}: tanggapan operator"] == "tidak ada"


def test_summary_counts_every_village_per_kabupaten_and_operator(
    app: Flask, seeded: dict[str, Any], tmp_path: Path
) -> None:
    with app.app_context():
        report = build_report()
    sheets = _sheet_rows(write_xlsx(report, tmp_path / "laporan.xlsx"))
    summary = {(r["Kabupaten/Kota"], r["Operator"]): r for r in sheets[SUMMARY_SHEET]}
    for (kab, operator), row in summary.items():
        villages = [
            code
            for code in EXPECTED["510-10-LTE"]
            if kab == "Seluruh wilayah" or VILLAGES.get(code, ("", "Kabupaten Agam"))[1] == kab
        ]
        expected = [EXPECTED[f"{operator}-LTE"][code] for code in villages]
        assert {c: row[c] for c in CATEGORIES} == {c: expected.count(c) for c in CATEGORIES}
        assert row["Jumlah desa"] == len(villages)
    assert summary[("Seluruh wilayah", "510-10")]["sinyal sangat kuat"] == 1


def test_workbook_layout(app: Flask, seeded: dict[str, Any], tmp_path: Path) -> None:
    with app.app_context():
        report = build_report()
    book = load_workbook(write_xlsx(report, tmp_path / "laporan.xlsx"))
    for sheet in book.worksheets:
        assert all(cell.font.bold for cell in sheet[1])
        assert sheet.freeze_panes in ("A2", "B2", "C2")
        assert sheet.auto_filter.ref == sheet.dimensions
        widths = [sheet.column_dimensions[c].width for c in ("A", "B")]
        assert all(8 <= w <= 42 for w in widths)
    agam = book["Kabupaten Agam"]
    assert agam.freeze_panes == "C2"
    header = [c.value for c in agam[1]]
    row = next(r for r in agam.iter_rows(min_row=2, values_only=True) if r[0] == "13.06.01.2001")
    lat, lon = row[header.index("Lintang")], row[header.index("Bujur")]
    assert shapely.box(100.30, -0.32, 100.315, -0.30).contains(shapely.Point(lon, lat))
    no_outline = next(r for r in agam.iter_rows(min_row=2, values_only=True) if r[0] == NO_OUTLINE)
    assert no_outline[header.index("Lintang")] is None


def test_csv_holds_the_same_rows(app: Flask, seeded: dict[str, Any], tmp_path: Path) -> None:
    with app.app_context():
        report = build_report()
    sheets = _sheet_rows(write_xlsx(report, tmp_path / "laporan.xlsx"))
    with write_csv(report, tmp_path / "laporan.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == report.header()
    in_sheets = [r for name in list(sheets)[1:-1] for r in sheets[name]]
    assert sorted(r["Kode Kemendagri"] for r in rows) == sorted(
        r["Kode Kemendagri"] for r in in_sheets
    )
    category = f"{report.sources[1].label}: kategori"
    assert {r["Kode Kemendagri"]: r[category] for r in rows} == EXPECTED["510-10-LTE"]


def test_office_area_and_chosen_release(app: Flask, seeded: dict[str, Any]) -> None:
    releases = seeded["releases"]
    with app.app_context():
        agam = build_report(area=Area.of_code("13.06"))
        first = build_report(releases[1])
        with pytest.raises(ReportError, match="withdrawn"):
            build_report(releases[3])
        with pytest.raises(ReportError, match="no release"):
            build_report(999_999)
    assert {r.code for r in agam.rows} == {"13.06.01.2001", "13.06.01.2002", "13.06.02.2003"} | {
        NO_OUTLINE
    }
    assert [name for name, _ in agam.by_kabkota()] == ["Kabupaten Agam"]
    assert {s.release_id for s in first.sources} == {releases[1]}
    by_code = {r.code: r for r in first.rows}
    # release 1 judged 13.06.01.2001 weak for 510-10; its median does not matter then
    assert by_code["13.06.01.2001"].cells["510-10-LTE"].category == "sinyal lemah"
    assert by_code["13.06.01.2002"].cells["510-10-LTE"].response == "tidak ada"


@pytest.mark.parametrize("text", ["", "13", "13.06", "13.06.01.2001", "SIMULASI"])
def test_area_codes(text: str) -> None:
    area = Area.of_code(text)
    assert area.contains("13.06.01.2001") == (text in ("", "13", "13.06", "13.06.01.2001"))
    assert not Area.of_code("13.0").contains("13.06.01.2001")


@pytest.mark.parametrize("text", ["13.", ".13", "13 06", "13;drop", "1" * 33])
def test_bad_area_codes_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Area.of_code(text)


def test_report_command(
    app: Flask, seeded: dict[str, Any], tmp_path: Path, db_url: str, monkeypatch
) -> None:
    monkeypatch.setenv("PETASINYAL_BOUNDARIES", app.config["BOUNDARIES"])
    out = tmp_path / "agam.xlsx"
    result = run(["report-villages", "--out", str(out), "--office", "13.06", "--db", db_url])
    assert result.code == 0, result
    assert "4 villages" in result.out
    assert list(load_workbook(out).sheetnames) == [SUMMARY_SHEET, "Kabupaten Agam", SOURCES_SHEET]
    release = str(seeded["releases"][1])
    result = run(["report-villages", "--out", str(tmp_path / "r.csv"), "--release", release,
                  "--db", db_url])  # fmt: skip
    assert result.code == 0, result
    withdrawn = str(seeded["releases"][3])
    for argv, words in [
        (["--out", str(tmp_path / "r.pdf")], [".xlsx"]),
        (["--out", str(tmp_path / "r.csv"), "--office", "13 06"], ["region code"]),
        (["--out", str(tmp_path / "r.csv"), "--release", "0"], ["from 1"]),
        (["--out", str(tmp_path / "r.csv"), "--release", withdrawn], ["withdrawn"]),
        (["--out", str(tmp_path / "no" / "r.csv")], []),
    ]:
        result = run(["report-villages", *argv, "--db", db_url])
        assert_one_error(result, *words)
    assert not list(tmp_path.glob("*.part")) and not (tmp_path / "r.pdf").exists()
