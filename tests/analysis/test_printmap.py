"""Printable maps (A4/A3 landscape PDFs) and the village evidence sheets of every product."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.printmap import PAPERS, number
from analysis.products import build_products
from analysis.simulate import SurveyConfig, simulate_survey, simulate_villages
from tests.conftest import require_part

ARTIFACTS = Path(__file__).resolve().parents[2] / "tests" / "artifacts"
POINTS_PER_MM = 72 / 25.4


@pytest.fixture(scope="module")
def products(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("printmap")
    frame = simulate_survey(SurveyConfig(points=4_000, seed=4))
    report = build_products(
        frame,
        "510-10",
        "LTE",
        out,
        simulate_villages(),
        method="idw",
        spacing=100.0,
        executor="serial",
        source="Survei lapangan Diskominfotik",
    )
    return out, report


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    require_part(path is not None, f"{tool} (apt-get install poppler-utils)")
    assert path is not None
    return path


def _text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    args = [_poppler("pdftotext"), "-layout", *pages, str(pdf), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def _info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(
        [_poppler("pdfinfo"), str(pdf)], check=True, capture_output=True, text=True
    )
    return dict(re.findall(r"^([^:]+):\s+(.*)$", out.stdout, re.M))


def _render(pdf: Path, name: str, dpi: int = 60) -> np.ndarray:
    from PIL import Image

    ARTIFACTS.mkdir(exist_ok=True)
    stem = ARTIFACTS / name
    args = [_poppler("pdftoppm"), "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*args, str(pdf), str(stem)], check=True)
    with Image.open(stem.with_suffix(".png")) as image:
        return np.asarray(image.convert("RGB"))


@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_printable_map_is_landscape_and_says_who_what_where_when(products, paper: str) -> None:
    out, report = products
    pdf = out / f"peta_{paper}.pdf"
    width, height = (round(float(v)) for v in _info(pdf)["Page size"].split()[0:3:2])
    assert (width, height) == tuple(round(mm * POINTS_PER_MM) for mm in PAPERS[paper])
    assert width > height and _info(pdf)["Pages"] == "1"
    text = _text(pdf)
    for words in (
        "Peta sinyal Telkomsel 4G (LTE)",
        "Kabupaten Simulasi",  # the area, from the boundaries
        "Periode survei: 5 Okt 2026",
        f"Titik ukur: {number(report['inputs']['readings'] - 0, language='id')}"[:12],
        "Galat di jalan yang disurvei",
        "Galat di antara jalan survei",
        "Sinyal kuat",
        "Blankspot",
        "Batas kecamatan",
        "km",  # the scale bar
        "Sumber: Survei lapangan Diskominfotik",
        "Dibuat:",
        "Kecamatan Simulasi",  # names on the map
    ):
        assert words in text, words
    assert re.search(r"(^|\s)U(\s|$)", text)  # the north arrow's letter (utara)
    pixels = _render(pdf, f"printmap-{paper}")
    assert pixels.std() > 20  # a drawn map, not an empty page


def test_readings_count_and_both_errors_match_the_report(products) -> None:
    out, report = products
    text = " ".join(_text(out / "peta_A4.pdf").split())
    cv = next(r for r in report["cross_validation"] if r["method"] == report["method"])
    lodo = report["errors"]["lodo_rmse_db"]
    assert f"Galat di antara jalan survei: ±{number(cv['rmse_db'], 1)} dB" in text
    assert f"Galat di jalan yang disurvei: ±{number(lodo, 1)} dB" in text
    assert "menyisihkan satu perjalanan survei" in text  # what the two errors mean
    shown = int(re.search(r"Titik ukur: ([\d.]+)", text).group(1).replace(".", ""))
    assert shown > 0


def test_one_evidence_page_per_village_with_weak_or_no_signal(products) -> None:
    out, _ = products
    villages = pd.read_csv(out / "villages.csv", comment="#")
    wanted = villages[villages["verdict"].isin(["weak", "none"])].sort_values("kode")
    assert len(wanted) > 0
    pdf = out / "bukti_desa.pdf"
    info = _info(pdf)
    assert int(info["Pages"]) == len(wanted)
    assert info["Page size"].startswith("595.276 x 841.89")  # A4 portrait
    first = wanted.iloc[0]
    text = _text(pdf, 1)
    assert "Lembar bukti sinyal desa/nagari" in text
    assert f"{first['nama']} ({first['kode']})" in text
    verdict = {"weak": "Sinyal lemah", "none": "Tidak ada sinyal"}[first["verdict"]]
    assert verdict in text and "Telkomsel (510-10)" in text
    assert "Tanggal pengukuran" in text and "Okt 2026" in text
    assert "Galat di jalan yang disurvei" in text and "Galat di antara jalan survei" in text
    assert re.search(rf"Titik ukur\s+{first['samples']}\b", text)
    _render(pdf, "evidence-sheet")


def test_the_report_times_the_printable_maps(products) -> None:
    """The time the PDFs take is reported with the others (its size is a benchmark's job,
    not a test's: the machine may be busy)."""
    _, report = products
    timings = report["timings_s"]
    assert 0 <= timings["print_s"] <= timings["total_s"]


@pytest.mark.parametrize(
    ("value", "decimals", "language", "text"),
    [
        (9000, 0, "id", "9.000"),
        (6.14, 1, "id", "6,1"),
        (9000, 0, "en", "9,000"),
        (6.14, 1, "en", "6.1"),
    ],
)
def test_numbers_are_written_the_indonesian_way(
    value: float, decimals: int, language: str, text: str
) -> None:
    assert number(value, decimals, language) == text
