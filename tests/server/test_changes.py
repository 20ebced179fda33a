"""Change between releases in the pages and the API: the village given a site shows as
resolved, the files download, and a 510-10 provider or token never sees 510-11's change (by
id or by ``against``). Three releases:

1. "First survey": 510-10 and 510-11 (the simulated survey);
2. "XL new site": 510-11 only, the same survey with a new site in a blankspot village;
3. "Telkomsel again": 510-10 only, unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from analysis.products import build_products
from analysis.simulate import SurveyConfig, simulate_survey, simulate_villages
from server import create_app
from server.changes import release_changes
from server.db import session_scope
from server.jobs import job_folder, jobs_dir
from server.migrate import upgrade
from server.models import AuditEntry, Job
from server.releases import publish, visible_release, withdraw
from tests.analysis.test_changes import Pair, build_pair
from tests.server.releases_support import fetch, token_for
from tests.server.web import login, make_cast


@pytest.fixture(scope="module")
def products(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pair, Path]:
    """510-11 before and after its new site, and 510-10 (built once for both backends)."""
    folder = tmp_path_factory.mktemp("change-products")
    regions = simulate_villages()
    pair = build_pair(folder, regions, "510-11")
    frame = simulate_survey(SurveyConfig(points=9_000, seed=8))
    build_products(
        frame,
        "510-10",
        "LTE",
        folder / "tsel",
        regions,
        method="linear",
        spacing=100.0,
        executor="serial",
    )
    return pair, folder / "tsel"


def _job(app: Flask, admin_id: int, folders: dict[str, Path]) -> int:
    """A done job whose products are copies of ``folders`` (operator: product folder)."""
    results = []
    for operator, folder in folders.items():
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        best = next(r for r in report["cross_validation"] if r["method"] == report["method"])
        results.append(
            {
                "operator": operator,
                "tech": "LTE",
                "product": f"{operator}-LTE",
                "method": report["method"],
                "rmse_db": best["rmse_db"],
                "readings": report["inputs"]["readings"],
                "blankspots": report["blankspots"],
                "villages": report["villages"],
                "surveyed_share": report["grid"]["surveyed_share"],
            }
        )
    with app.app_context():
        with session_scope() as db:
            job = Job(
                created_by=admin_id,
                state="done",
                params={"tech": "LTE", "area": {"kind": "all"}, "method": "linear"},
                operators=list(folders),
                progress=1.0,
                inputs={"readings": 1},
                results=results,
            )
            db.add(job)
            db.flush()
            job_id = job.id
        for operator, folder in folders.items():
            shutil.copytree(folder, job_folder(job_id, f"{operator}-LTE"))
    return job_id


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    villages_file: Path,
    products: tuple[Pair, Path],
) -> Iterator[dict[str, Any]]:
    pair, tsel = products
    folder = tmp_path_factory.mktemp("changes")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'changes.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database(f"chg_{folder.name[-6:]}")
    upgrade(url)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "t",
            "RATELIMIT_STORAGE_URI": "memory://",
            "BOUNDARIES": str(villages_file),
            "JOBS_DIR": str(folder / "out"),
        }
    )
    ids = make_cast(app)
    jobs = [
        _job(app, ids["admin"], {"510-10": tsel, "510-11": pair.old}),
        _job(app, ids["admin"], {"510-11": pair.new}),
        _job(app, ids["admin"], {"510-10": tsel}),
    ]
    titles = ["First survey", "XL new site", "Telkomsel again"]
    releases = []
    with app.app_context():
        for job_id, title in zip(jobs, titles, strict=True):
            day = date(2026, 10, 5)
            releases.append(
                publish(job_id, "admin:admin", ids["admin"], title, None, day, day, "test data")
            )
    yield {"app": app, "releases": releases, "village": pair.village, "pair": pair, "ids": ids}
    app.extensions["petasinyal.engine"].dispose()


def _client(site: dict[str, Any], user: str) -> FlaskClient:
    """A client logged in as ``user`` (one per user and module: logins are rate limited)."""
    clients = site.setdefault("clients", {})
    if user not in clients:
        clients[user] = site["app"].test_client()
        assert login(clients[user], user).status_code == 302
    return clients[user]


def _token(site: dict[str, Any], user: str) -> dict[str, str]:
    tokens = site.setdefault("tokens", {})
    if user not in tokens:
        tokens[user] = token_for(site["app"], user)
    return tokens[user]


def test_the_page_shows_the_resolved_village_against_the_previous_release(site) -> None:
    first, xl, _tsel = site["releases"]
    client = _client(site, "xlaxiata")
    answer = client.get(f"/releases/{xl}/changes")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert f'<option value="{first}" selected>' in page  # the previous release by default
    assert f'href="/villages/{site["village"]}"' in page
    assert "data-map=" in page and "changes.js" in page and "<script>" not in page
    assert "XL Axiata (510-11) LTE" in page
    with client.get(f"/releases/{xl}/changes/map.json") as answer:
        data = answer.get_json()
    assert {f["properties"]["change"] for f in data["blankspots"]["features"]} >= {"lost"}
    assert [f["properties"]["kode"] for f in data["villages"]["features"]] == [site["village"]]
    south_west, north_east = data["overlay"]["bounds"]
    assert south_west[0] < north_east[0] and south_west[1] < north_east[1]
    status, body = fetch(client, data["overlay"]["url"])
    assert status == 200 and body.startswith(b"\x89PNG")


def test_the_page_is_in_indonesian_by_default(site) -> None:
    xl = site["releases"][1]
    page = _client(site, "xlaxiata").get(f"/releases/{xl}/changes").get_data(as_text=True)
    assert (
        "Perubahan" in page
        and ">blankspot teratasi</span>" in page
        and "Desa yang penilaiannya berubah" in page
    )


def test_downloads_hold_the_change_and_are_audited(site) -> None:
    first, xl, _tsel = site["releases"]
    client = _client(site, "xlaxiata")
    query = f"?against={first}&product=510-11-LTE"
    status, body = fetch(client, f"/releases/{xl}/changes.csv{query}")
    assert status == 200
    rows = {r["kode"]: r for r in csv.DictReader(io.StringIO(body.decode("utf-8")))}
    village = rows[site["village"]]
    assert (village["old_verdict"], village["new_verdict"], village["change"]) == (
        "none",
        "strong",
        "resolved",
    )
    status, body = fetch(client, f"/releases/{xl}/changes.geojson{query}")
    data = json.loads(body)
    lost = sum(
        f["properties"]["area_km2"] for f in data["features"] if f["properties"]["change"] == "lost"
    )
    assert status == 200 and lost > 3.0
    status, body = fetch(client, f"/releases/{xl}/changes.tif{query}")
    assert status == 200
    with rasterio.MemoryFile(body) as memory, memory.open() as tif:
        assert tif.tags()["units"] == "dB" and np.nanmax(tif.read(1)) > 20
    with site["app"].app_context(), session_scope() as db:
        targets = set(db.scalars(select(AuditEntry.target).where(AuditEntry.action == "download")))
    name = f"changes-{first}-{xl}-510-11-LTE"
    assert {f"release:{xl}/{name}.{s}" for s in ("csv", "geojson", "tif")} <= targets


def test_the_api_gives_the_summary_villages_and_links(site) -> None:
    first, xl, _tsel = site["releases"]
    client = site["app"].test_client()
    headers = token_for(site["app"], "xlaxiata")
    answer = client.get(f"/api/v1/releases/{xl}/changes", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    data = answer.get_json()
    assert (data["release"], data["against"], data["product"]) == (xl, first, "510-11-LTE")
    assert (data["old"]["id"], data["new"]["id"]) == (first, xl)
    assert data["villages"]["resolved"] >= 1 and data["blankspot_km2"]["lost"] > 3.0
    assert data["signal"]["mean_db"] > 0 and data["signal"]["cells"] > 1_000
    changed = {v["kode"]: v for v in data["changed_villages"]}
    assert changed[site["village"]]["change"] == "resolved"
    for link in data["files"].values():
        status, body = fetch(client, link, headers=headers)
        assert status == 200 and body
    # the same change the other way round: the newer release is still the "new" one
    answer = client.get(
        f"/api/v1/releases/{first}/changes?against={xl}&product=510-11-LTE", headers=headers
    )
    assert answer.get_json()["villages"] == data["villages"]


def test_a_provider_never_sees_another_operators_change(site) -> None:
    first, xl, tsel = site["releases"]
    client = _client(site, "tsel")
    headers = token_for(site["app"], "tsel")
    hidden = [
        f"/releases/{xl}/changes",
        f"/releases/{xl}/changes.csv",
        f"/releases/{xl}/changes/map.json",
        f"/releases/{tsel}/changes?against={xl}",
        f"/releases/{tsel}/changes.csv?against={xl}",
        f"/releases/{tsel}/changes.tif?against={xl}&product=510-11-LTE",
        f"/releases/{first}/changes?product=510-11-LTE",
        f"/releases/{first}/changes.geojson?against={xl}&product=510-11-LTE",
        f"/releases/{first}/changes.png?against={xl}",
    ]
    for url in hidden:
        assert fetch(client, url)[0] == 404, url
        assert (
            fetch(
                client,
                "/api/v1" + url.replace("changes.csv", "changes/villages.csv"),
                headers=headers,
            )[0]
            == 404
        ), url
    for url in (
        f"/api/v1/releases/{xl}/changes/signal.tif",
        f"/api/v1/releases/{tsel}/changes/blankspots.geojson?against={xl}",
        f"/api/v1/releases/{first}/changes/signal.tif?against={xl}&product=510-11-LTE",
    ):
        assert fetch(client, url, headers=headers)[0] == 404, url
    # their own product compares with the first release, and lists no 510-11-only release
    page = client.get(f"/releases/{tsel}/changes").get_data(as_text=True)
    assert f'<option value="{first}" selected>' in page
    assert f'<option value="{xl}"' not in page and "510-11" not in page
    data = client.get(f"/api/v1/releases/{tsel}/changes", headers=headers).get_json()
    assert (data["product"], data["against"]) == ("510-10-LTE", first)
    assert sum(data["villages"].values()) == data["villages"]["unchanged"]


def test_no_earlier_release_is_a_message_on_the_page_and_404_elsewhere(site) -> None:
    first = site["releases"][0]
    client = _client(site, "admin")
    answer = client.get(f"/releases/{first}/changes")
    assert answer.status_code == 200
    assert "Tidak ada rilis sebelumnya dari produk ini" in answer.get_data(as_text=True)
    assert fetch(client, f"/releases/{first}/changes.csv")[0] == 404
    headers = token_for(site["app"], "admin")
    assert fetch(client, f"/api/v1/releases/{first}/changes", headers=headers)[0] == 404


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("against=abc", 404),
        ("against=-1", 404),
        ("against=99999999999", 404),
        ("against=999999", 404),
        ("product=" + "x" * 40, 404),
        ("product=510-10-NR", 404),
        ("against=%00", 400),  # the pages refuse NUL in any query before a view runs
        ("product=%00", 400),
    ],
)
def test_bad_arguments_answer_4xx(site, query: str, code: int) -> None:
    xl = site["releases"][1]
    client = _client(site, "admin")
    assert client.get(f"/releases/{xl}/changes?{query}").status_code == code
    assert client.get(f"/releases/{xl}/changes.csv?{query}").status_code == code
    answer = client.get(f"/api/v1/releases/{xl}/changes?{query}", headers=_token(site, "admin"))
    assert answer.status_code == 404 and answer.get_json()["code"] == 404


def test_against_itself_is_404_and_a_withdrawn_release_still_compares(site) -> None:
    _first, xl, _tsel = site["releases"]
    app = site["app"]
    client = _client(site, "xlaxiata")
    assert client.get(f"/releases/{xl}/changes?against={xl}").status_code == 404
    later = _job(app, site["ids"]["admin"], {"510-11": site["pair"].new})
    with app.app_context():
        day = date(2026, 11, 5)
        gone = publish(later, "admin:admin", site["ids"]["admin"], "Later", None, day, day, "t")
        withdraw(gone, "admin:admin", site["ids"]["admin"], "wrong area")
    page = client.get(f"/releases/{xl}/changes?against={gone}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "dibandingkan dengan rilis yang ditarik" in text
    assert f'<option value="{gone}" selected>' in text
    # a withdrawn release is never "the previous one", and never offered
    answer = client.get(f"/releases/{gone}/changes").get_data(as_text=True)
    assert f'<option value="{xl}" selected>' in answer
    assert f'<option value="{gone}"' not in client.get(f"/releases/{xl}/changes").get_data(
        as_text=True
    )


def test_a_comparison_is_computed_once_even_when_asked_twice_at_once(site) -> None:
    first, xl, _tsel = site["releases"]
    app = site["app"]
    with app.app_context():
        old, new = visible_release(first, None), visible_release(xl, None)
        assert old is not None and new is not None
        folder = jobs_dir() / "changes" / f"{first}-{xl}" / "510-11-LTE"
        shutil.rmtree(folder, ignore_errors=True)
        results: list[Any] = []

        def ask() -> None:
            with app.app_context():
                results.append(release_changes(new, old, "510-11-LTE"))

        threads = [threading.Thread(target=ask) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(results) == 3
        assert all(r.summary() == results[0].summary() for r in results)
        assert [p.name for p in folder.parent.iterdir()] == ["510-11-LTE"]  # no leftovers
        stamp = (folder / "changes.json").stat().st_mtime_ns
        release_changes(new, old, "510-11-LTE")
        assert (folder / "changes.json").stat().st_mtime_ns == stamp  # read, not rebuilt
        with pytest.raises(LookupError):
            release_changes(new, old, "510-10-LTE")
