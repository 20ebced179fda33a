"""Downloads of a product on the job and release pages: grouped, each file told in words with
its size, and saved under a name with the operator, technology and job or release, so the
files of two operators never overwrite each other."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from server.products import download_groups, download_name, product_files
from tests.server.releases_support import build_site


@pytest.fixture(scope="module", params=["sqlite"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, villages_file: Path
) -> Iterator[dict[str, Any]]:
    """A finished job for Telkomsel and XL, published as a release."""
    from server.releases import publish

    for built in build_site(request, tmp_path_factory, villages_file):
        with built["app"].app_context():
            built["release_id"] = publish(
                built["job_id"],
                "admin:admin",
                built["ids"]["admin"],
                "Survei",
                None,
                date(2026, 1, 1),
                date(2026, 1, 31),
            )
        yield built


def _saved_as(answer: Any) -> str:
    """The file name a browser saves a download under."""
    found = re.search(r'filename="?([^";]+)"?', answer.headers["Content-Disposition"])
    assert found, answer.headers["Content-Disposition"]
    return found.group(1)


def _fetch_name(client: Any, url: str) -> str:
    with client.get(url) as answer:
        assert answer.status_code == 200, url
        return _saved_as(answer)


def test_job_files_are_saved_with_operator_technology_and_job(site: dict[str, Any]) -> None:
    client, job_id = site["client"], site["job_id"]
    base = f"/jobs/{job_id}/files"
    tsel = _fetch_name(client, f"{base}/510-10-LTE/blankspots.geojson?download=1")
    xl = _fetch_name(client, f"{base}/510-11-LTE/blankspots.geojson?download=1")
    assert tsel == f"petasinyal_telkomsel_510-10_LTE_tugas-{job_id}_blankspots.geojson"
    assert xl == f"petasinyal_xl-axiata_510-11_LTE_tugas-{job_id}_blankspots.geojson"
    archive = _fetch_name(client, f"/jobs/{job_id}/archive/510-10-LTE.zip")
    assert archive == f"petasinyal_telkomsel_510-10_LTE_tugas-{job_id}.zip"


def test_release_files_are_saved_with_the_release(site: dict[str, Any]) -> None:
    client, release_id = site["client"], site["release_id"]
    base = f"/releases/{release_id}/files/510-10-LTE"
    name = _fetch_name(client, f"{base}/villages.csv?download=1")
    assert name == f"petasinyal_telkomsel_510-10_LTE_rilis-{release_id}_villages.csv"
    archive = _fetch_name(client, f"/releases/{release_id}/archive/510-11-LTE.zip")
    assert archive == f"petasinyal_xl-axiata_510-11_LTE_rilis-{release_id}.zip"


def _download_list(page: str, product: str) -> str:
    """The download list of one product's section."""
    section = page.split(f'id="{product}"', 1)[1]
    return section.split('class="filegroups"', 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize("where", ["job", "release"])
def test_each_file_is_listed_in_words_with_its_size(site: dict[str, Any], where: str) -> None:
    client = site["client"]
    url = f"/jobs/{site['job_id']}" if where == "job" else f"/releases/{site['release_id']}"
    listing = _download_list(client.get(url).get_data(as_text=True), "510-10-LTE")
    headings = re.findall(r"<h4>([^<]+)</h4>", listing)
    assert headings == [
        "Peta untuk dilihat dan dicetak",
        "Data GIS (QGIS, ArcGIS)",
        "Tabel (Excel, LibreOffice)",
        "Cara peta dibuat",
    ]
    titles = re.findall(r'download title="[^"]*">([^<]+)</a>', listing)
    assert titles[0] == "Peta interaktif"
    assert {"Gambar peta", "Berkas Google Earth", "Blankspot", "Desa per kecamatan"} <= set(titles)
    assert not [t for t in titles if "." in t]  # words, not file names
    sizes = re.findall(
        r"(?:HTML|PDF|PNG|KMZ|GeoJSON|GeoTIFF|CSV|JSON) · ([\d.,]+\s(?:kB|MB))", listing
    )
    assert len(sizes) == len(titles)
    assert "Arti setiap kolom (JSON" in listing  # a CSV's column descriptions, beside it
    # every file of the product can be downloaded from the list, none twice
    with site["app"].app_context():
        files = product_files(site["job_id"], "510-10-LTE")
    linked = re.findall(r'href="[^"]+/510-10-LTE/([^"?]+)\?download=1"', listing)
    assert sorted(linked) == sorted(files) and len(files) >= 18


def test_file_groups_order_and_unknown_files(app_context: Flask) -> None:
    files = [
        {"name": n, "bytes": 2_500}
        for n in ("report.json", "villages.csv", "villages.csv.json", "map_A3.pdf", "map.html")
    ]
    groups = download_groups(files)
    names = [[f["name"] for f in rows] for _title, rows in groups]
    assert names == [["map.html", "map_A3.pdf"], ["villages.csv"], ["report.json"]]
    pdf = groups[0][1][1]
    shown = (pdf["format"], str(pdf["title"]), pdf["about"])
    assert shown == ("PDF", "Peta untuk dicetak", "map_A3.pdf")  # told apart by its name
    assert groups[1][1][0]["columns"]["name"] == "villages.csv.json"


@pytest.mark.parametrize(
    ("product", "name", "ids", "expected"),
    [
        (
            "510-10-LTE",
            "map.html",
            {"job_id": 7},
            "petasinyal_telkomsel_510-10_LTE_tugas-7_map.html",
        ),
        (
            "510-21-NR",
            "sub/villages.csv",
            {"release_id": 3},
            "petasinyal_indosat-ooredoo-hutchison_510-21_NR_rilis-3_villages.csv",
        ),
        ("510-99-GSM", None, {"job_id": 2}, "petasinyal_510-99_GSM_tugas-2.zip"),  # no name
    ],
)
def test_download_names(
    app_context: Flask, product: str, name: str | None, ids: dict[str, int], expected: str
) -> None:
    assert download_name(product, name, **ids) == expected


@pytest.mark.parametrize(
    ("size", "shown"),
    [(40, "0,1 kB"), (2_540, "2,5 kB"), (999_000, "999 kB"), (1_349_000, "1,3 MB"), (None, "")],
)
def test_sizes_in_the_page_language(app_context: Flask, size: int | None, shown: str) -> None:
    from server.web.jobs import filesize

    assert filesize(size).replace("\N{NO-BREAK SPACE}", " ") == shown


@pytest.fixture
def app_context(site: dict[str, Any]) -> Iterator[Flask]:
    """A request of the module's app (pages in Indonesian, the default)."""
    with site["app"].test_request_context():
        yield site["app"]
