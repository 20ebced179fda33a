"""The printable maps, the evidence sheets (also drawn on demand from a product folder) and
map.html's Leaflet controls speak the product's language: English words in English
products, Indonesian ones (and none of the English) in Indonesian products."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from analysis.printmap import VERDICT_WORDS
from analysis.products import build_products
from analysis.simulate import SurveyConfig, simulate_survey, simulate_villages
from analysis.village_sheet import write_village_sheet
from tests.browser import chromium_page
from tests.conftest import require_part

OFFICE = "Diskominfo Kabupaten Agam"
# language: words its printable map must carry, and words of the other language it must not
MAP_WORDS = {
    "en": (
        ["Signal map Telkomsel 4G (LTE)", "Survey period:", "Readings:", "Strong signal",
         "Error between surveyed roads", "District border", f"Source: {OFFICE}", "Made:"],
        ["Peta sinyal", "Periode survei", "Titik ukur", "Sinyal kuat", "Sumber:", "Dibuat:"],
    ),
    "id": (
        ["Peta sinyal Telkomsel 4G (LTE)", "Periode survei:", "Titik ukur:", "Sinyal kuat",
         "Galat di antara jalan survei", "Batas kecamatan", f"Sumber: {OFFICE}", "Dibuat:"],
        ["Signal map", "Survey period", "Readings", "Strong signal", "Source:", "Made:"],
    ),
}  # fmt: skip
SHEET_WORDS = {
    "en": (["Village signal evidence sheet", "Days measured", "Technology"], ["Lembar bukti"]),
    "id": (["Lembar bukti sinyal desa/nagari", "Tanggal pengukuran", "Teknologi"], ["Verdict"]),
}
ERROR_WORDS = {
    "en": ("Error on surveyed roads", "Error between surveyed roads"),
    "id": ("Galat di jalan yang disurvei", "Galat di antara jalan survei"),
}
CONTROLS = {
    "en": ["Zoom in", "Zoom out", "Layers", "A JavaScript library for interactive maps"],
    "id": ["Perbesar", "Perkecil", "Lapisan peta", "Pustaka JavaScript untuk peta interaktif"],
}


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One small product per language, with a kabupaten office as the source."""
    frame = simulate_survey(SurveyConfig(points=2_500, seed=4))
    out = {}
    for language in ("en", "id"):
        out[language] = tmp_path_factory.mktemp(f"products-{language}")
        build_products(
            frame, "510-10", "LTE", out[language], simulate_villages(), method="idw",
            spacing=150.0, executor="serial", source=OFFICE, language=language,
        )  # fmt: skip
    return out


def _text(pdf: Path, page: int | None = None) -> str:
    tool = shutil.which("pdftotext")
    require_part(tool is not None, "pdftotext (apt-get install poppler-utils)")
    assert tool is not None
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run([tool, *pages, str(pdf), "-"], check=True, capture_output=True, text=True)
    return " ".join(out.stdout.split())


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_printable_maps_speak_the_products_language(
    folders: dict[str, Path], paper: str, language: str
) -> None:
    text = _text(folders[language] / f"peta_{paper}.pdf")
    wanted, foreign = MAP_WORDS[language]
    assert [w for w in wanted if w not in text] == []
    assert [w for w in foreign if w in text] == []
    letter = "N" if language == "en" else "U"  # the north arrow: north, utara
    assert re.search(rf"(^|\s){letter}(\s|$)", text)


@pytest.mark.parametrize("language", ["en", "id"])
def test_evidence_sheets_speak_the_products_language(
    folders: dict[str, Path], language: str
) -> None:
    folder = folders[language]
    villages = pd.read_csv(folder / "villages.csv", comment="#", dtype={"kode": str})
    first = villages[villages["verdict"].isin(["weak", "none"])].sort_values("kode").iloc[0]
    text = _text(folder / "bukti_desa.pdf", 1)
    wanted, foreign = SHEET_WORDS[language]
    assert [w for w in wanted if w not in text] == []
    assert [w for w in foreign if w in text] == []
    assert VERDICT_WORDS[language][first["verdict"]] in text


@pytest.mark.parametrize("language", ["en", "id"])
def test_a_sheet_drawn_again_from_the_folder_matches_the_products_page(
    folders: dict[str, Path], tmp_path: Path, language: str
) -> None:
    """Any verdict (here a strong village, which bukti_desa.pdf leaves out), either language."""
    folder = folders["id"]
    villages = pd.read_csv(folder / "villages.csv", comment="#", dtype={"kode": str})
    strong = villages[villages["verdict"] == "strong"].sort_values("kode").iloc[0]
    pdf = write_village_sheet(
        tmp_path / "sheet.pdf", folder, strong["kode"], simulate_villages(), "Telkomsel",
        OFFICE, dt.date(2026, 12, 1), language,
    )  # fmt: skip
    text = _text(pdf)
    wanted, foreign = SHEET_WORDS[language]
    assert [w for w in wanted if w not in text] == []
    assert [w for w in foreign if w in text] == []
    assert f"{strong['nama']} ({strong['kode']})" in text
    assert VERDICT_WORDS[language]["strong"] in text and "Telkomsel (510-10)" in text
    assert re.search(rf"\b{int(strong['samples'])}\b", text)
    # both errors, as on the products' own sheets: on surveyed roads and between them
    errors = json.loads((folder / "report.json").read_text(encoding="utf-8"))["errors"]
    assert errors["lodo_rmse_db"] is not None
    assert all(label in text for label in ERROR_WORDS[language])
    values = f"±{errors['lodo_rmse_db']:.1f} dB ±{errors['blocked_cv_rmse_db']:.1f} dB"
    assert (values.replace(".", ",") if language == "id" else values) in text
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.pdf"]  # no part file left


def test_a_village_the_product_did_not_judge_has_no_sheet(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(LookupError):
        write_village_sheet(
            tmp_path / "x.pdf", folders["id"], "NOPE.001", simulate_villages(), "Telkomsel",
            OFFICE, dt.date(2026, 12, 1),
        )  # fmt: skip
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("language", ["en", "id"])
def test_map_html_titles_leaflets_controls_in_its_language(
    folders: dict[str, Path], language: str
) -> None:
    read = """() => [...document.querySelectorAll('.leaflet-control a')]
        .map((a) => a.title).filter(Boolean)"""
    with chromium_page() as (page, problems):
        page.goto((folders[language] / "map.html").as_uri())
        page.wait_for_function("() => document.querySelector('.leaflet-control-layers-toggle')")
        page.wait_for_load_state("load")
        titles = page.evaluate(read)
        assert problems == []
    assert sorted(titles) == sorted(CONTROLS[language])
