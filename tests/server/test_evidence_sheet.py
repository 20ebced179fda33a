"""A village's evidence sheet on demand from the village page (#15): one A4 page per village,
product and published release, in the page's language, kept once drawn; the same access as
the village page (a provider never gets another operator's sheet), 404 for bad input."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from analysis.printmap import VERDICT_WORDS
from server.db import session_scope
from server.jobs import job_folder
from server.models import AuditEntry, VillageVerdict
from server.web.labels import village_title
from tests.conftest import require_part
from tests.server.releases_support import build_site, fetch
from tests.server.web import login

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "evidence_sheet"
ORGANISATION = "Dinas Komunikasi, Informatika dan Statistik Provinsi Sumatera Barat"


@pytest.fixture(scope="module", params=["sqlite"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, villages_file: Path
) -> Iterator[dict[str, Any]]:
    """A finished job for Telkomsel and XL published as a release, and a village that
    release judged from readings inside it."""
    from server.releases import publish

    for built in build_site(request, tmp_path_factory, villages_file):
        with built["app"].app_context():
            built["release_id"] = release_id = publish(
                built["job_id"], "admin:admin", built["ids"]["admin"], "Survei", None,
                date(2026, 1, 1), date(2026, 1, 31),
            )  # fmt: skip
            with session_scope() as db:
                verdict = db.scalars(
                    select(VillageVerdict)
                    .where(
                        VillageVerdict.release_id == release_id,
                        VillageVerdict.operator == "510-10",
                        VillageVerdict.readings > 0,
                    )
                    .order_by(VillageVerdict.readings.desc())
                ).first()
                assert verdict is not None
                built["village"] = {
                    "code": verdict.village_code,
                    "name": verdict.village,
                    "verdict": verdict.verdict,
                }
        yield built


def _url(site: dict[str, Any], product: str = "510-10-LTE", code: str | None = None) -> str:
    code = code or site["village"]["code"]
    return f"/villages/{code}/evidence/{site['release_id']}/{product}.pdf"


def _pdf_text(body: bytes, tmp_path: Path) -> tuple[str, int]:
    """The PDF's text (pdftotext) and its number of pages (pdfinfo)."""
    for tool in ("pdftotext", "pdfinfo"):
        require_part(shutil.which(tool) is not None, f"{tool} (apt-get install poppler-utils)")
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(body)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    pages = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
    assert pages is not None
    return text, int(pages.group(1))


def _client(site: dict[str, Any], user: str) -> FlaskClient:
    client = site["app"].test_client()
    login(client, user)
    return client


def test_the_sheet_names_village_verdict_operator_and_office(
    site: dict[str, Any], tmp_path: Path
) -> None:
    with site["client"].get(_url(site)) as answer:
        assert answer.status_code == 200
        assert answer.mimetype == "application/pdf"
        saved_as = answer.headers["Content-Disposition"]
        body = answer.get_data()
    code, release_id = site["village"]["code"], site["release_id"]
    assert f"petasinyal_telkomsel_510-10_LTE_rilis-{release_id}_bukti-desa_{code}.pdf" in saved_as
    text, pages = _pdf_text(body, tmp_path)
    assert pages == 1
    flat = " ".join(text.split())
    for words in (
        "Lembar bukti sinyal desa/nagari",
        f"{site['village']['name']} ({code})",
        VERDICT_WORDS["id"][site["village"]["verdict"]],
        "Telkomsel (510-10)",
        "Tanggal pengukuran",
        f"Sumber: {ORGANISATION}",
    ):
        assert words in flat, words
    assert "Diskominfotik" not in flat


def test_the_sheet_is_in_the_language_of_the_pages(site: dict[str, Any], tmp_path: Path) -> None:
    client = _client(site, "budi")  # an officer reads the register too
    client.get("/lang/en")
    status, body = fetch(client, _url(site))
    assert status == 200
    flat = " ".join(_pdf_text(body, tmp_path)[0].split())
    for words in (
        "Village signal evidence sheet",
        VERDICT_WORDS["en"][site["village"]["verdict"]],
        "Telkomsel (510-10)",
        "Days measured",
        f"Source: {ORGANISATION}",
    ):
        assert words in flat, words
    assert "Lembar bukti" not in flat and "Tanggal pengukuran" not in flat


def test_a_drawn_sheet_is_kept_and_each_download_audited(site: dict[str, Any]) -> None:
    fetch(site["client"], _url(site))
    with site["app"].app_context():
        kept = job_folder(site["job_id"]) / "evidence"
    sheets = sorted(kept.glob(f"rilis-{site['release_id']}_510-10-LTE_*_id.pdf"))
    assert len(sheets) == 1
    drawn = sheets[0].stat().st_mtime_ns
    assert fetch(site["client"], _url(site))[0] == 200
    assert sheets[0].stat().st_mtime_ns == drawn  # served again, not drawn again
    assert product_files_unchanged(site)
    with site["app"].app_context(), session_scope() as db:
        targets = db.scalars(select(AuditEntry.target).where(AuditEntry.action == "download"))
        code = site["village"]["code"]
        assert f"release:{site['release_id']}/510-10-LTE/village:{code}/evidence.pdf" in set(
            targets
        )


def product_files_unchanged(site: dict[str, Any]) -> bool:
    """The frozen product folder holds no sheet (the release's manifest stays true)."""
    with site["app"].app_context():
        folder = job_folder(site["job_id"], "510-10-LTE")
    return not any(p.name.startswith("rilis-") for p in folder.rglob("*"))


def test_a_provider_gets_its_own_operator_only_as_on_the_village_page(
    site: dict[str, Any],
) -> None:
    code = site["village"]["code"]
    tsel, xl = _client(site, "tsel"), _client(site, "xlaxiata")
    assert fetch(tsel, _url(site))[0] == 200
    for client, other in ((tsel, "510-11-LTE"), (xl, "510-10-LTE")):
        page = fetch(client, f"/villages/{code}?product={other}")[0]
        sheet = fetch(client, _url(site, other))[0]
        assert page == sheet == 404, (other, page, sheet)


def test_the_village_page_links_each_published_release_sheet(site: dict[str, Any]) -> None:
    code = site["village"]["code"]
    page = site["client"].get(f"/villages/{code}").get_data(as_text=True)
    assert f'href="{_url(site)}"' in page and "Lembar bukti (PDF)" in page
    provider = _client(site, "tsel").get(f"/villages/{code}").get_data(as_text=True)
    assert _url(site) in provider and _url(site, "510-11-LTE") not in provider


@pytest.mark.parametrize(
    "url",
    [
        "/villages/NOPE.999/evidence/{release}/510-10-LTE.pdf",  # no such village
        "/villages/{code}/evidence/{release}/510-10-NR.pdf",  # not in the release
        "/villages/{code}/evidence/{release}/510-10-LTE;rm.pdf",
        "/villages/{code}/evidence/{release}/..%2F..%2Fetc.pdf",
        "/villages/{code}/evidence/{release}/{long}.pdf",
        "/villages/{code}/evidence/0/510-10-LTE.pdf",
        "/villages/{code}/evidence/99999999999999999999/510-10-LTE.pdf",
        "/villages/{code}/evidence/{next}/510-10-LTE.pdf",  # no such release
        "/villages/{code}/evidence/-1/510-10-LTE.pdf",
    ],
)
def test_bad_requests_answer_404_never_500(site: dict[str, Any], url: str) -> None:
    filled = url.format(
        code=site["village"]["code"],
        release=site["release_id"],
        next=site["release_id"] + 1,
        long="5" * 300,
    )
    assert fetch(site["client"], filled)[0] == 404


def test_a_nul_in_the_code_is_refused_as_the_pages_refuse_it(site: dict[str, Any]) -> None:
    code, release = site["village"]["code"], site["release_id"]
    page = fetch(site["client"], f"/villages/{code}%00")[0]
    sheet = fetch(site["client"], f"/villages/{code}%00/evidence/{release}/510-10-LTE.pdf")[0]
    assert page == sheet == 400


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("Koto Tangah", "Desa Koto Tangah"),
        ("Desa Simulasi 001", "Desa Simulasi 001"),
        ("Nagari Koto Gadang", "Nagari Koto Gadang"),
        ("Kelurahan Aur Kuning", "Kelurahan Aur Kuning"),
        ("Desanya", "Desa Desanya"),
    ],
)
def test_a_village_name_gets_desa_in_front_only_once(
    site: dict[str, Any], name: str, title: str
) -> None:
    with site["app"].test_request_context():
        assert village_title(name) == title


def test_the_village_page_does_not_say_desa_twice(site: dict[str, Any]) -> None:
    page = site["client"].get(f"/villages/{site['village']['code']}").get_data(as_text=True)
    heading = re.search(r"<h1>(.*?)<small", page, re.S)
    assert heading is not None
    assert heading.group(1).strip() == site["village"]["name"]  # "Desa Simulasi nnn"
    assert "Desa Desa" not in page


@pytest.mark.parametrize("width", [1366, 390])
def test_the_sheet_link_fits_the_page_and_downloads_the_pdf(
    site: dict[str, Any], width: int
) -> None:
    """In Chromium, at desktop and phone width: the link is on screen without sideways
    scrolling, and clicking it saves the PDF under its full name."""
    from tests.browser import chromium_page
    from tests.server.live import thread_server
    from tests.server.web import browser_login

    code, release_id = site["village"]["code"], site["release_id"]
    with thread_server(site["app"]) as base, chromium_page(width, 800) as (page, problems):
        browser_login(page, base, "tsel")
        page.goto(f"{base}/villages/{code}")
        link = page.locator(f'a[href="{_url(site)}"]')
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        link.scroll_into_view_if_needed()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"village-{width}.png"))
        with page.expect_download() as download:
            link.click()
        saved = download.value.suggested_filename
        assert problems == []
    assert saved == f"petasinyal_telkomsel_510-10_LTE_rilis-{release_id}_bukti-desa_{code}.pdf"
