"""Change between releases, on a constructed pair of surveys: the second survey is the first
with a new transmitter switched on in the worst-covered village (every position measured
again, so far from the site nothing changes but the map's own noise)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.transform import xy
from shapely.geometry import shape

from analysis.boundaries import Region
from analysis.changes import (
    FILES,
    KINDS,
    ProductFiles,
    change_kind,
    compare_products,
    load_changes,
    read_verdicts,
    village_changes,
)
from analysis.frame import canonical_frame
from analysis.products import build_products
from analysis.project import to_metric, utm_crs
from analysis.simulate import SurveyConfig, simulate_survey, simulate_villages

OPERATOR = "510-11"


def with_new_site(frame: pd.DataFrame, lat: float, lon: float, operator: str) -> pd.DataFrame:
    """``frame`` with an omni LTE site of ``operator`` on air at (lat, lon): each reading of
    the operator takes the site's signal where it is stronger than what was measured."""
    mcc, mnc = operator.split("-")
    ours = (frame["mcc"] == mcc) & (frame["mnc"] == mnc)
    km = np.hypot(
        (frame["lat"] - lat) * 111.32, (frame["lon"] - lon) * 111.32 * np.cos(np.radians(lat))
    )
    site = 35.0 - (121.0 + 40.0 * np.log10(np.maximum(km, 0.03)))  # heard up to 9.4 km
    measured = frame["rsrp_dbm"].where(frame["tech"] == "LTE", -200.0)
    better = ours & (site > measured) & (site >= -124.0)
    out = frame.copy()
    out.loc[better, "tech"] = "LTE"
    out.loc[better, "rsrp_dbm"] = np.clip(np.round(site[better]), -140, -44)
    out.loc[better, ["rsrq_db", "sinr_db"]] = (-10.0, 12.0)
    out.loc[better, "rssi_dbm"] = np.nan
    out.loc[better, ["cell_id", "tac_lac", "pci_psc", "arfcn"]] = (99_000 * 256 + 1, 3999, 7, 1850)
    return canonical_frame(out)


@dataclass
class Pair:
    old: Path
    new: Path
    village: str  # the village given the site
    site: tuple[float, float]  # lat, lon
    regions: list[Region]


def build_pair(folder: Path, regions: list[Region], operator: str = OPERATOR) -> Pair:
    """Two products of ``operator`` LTE: a simulated survey, and the same survey with a new
    site in the village whose verdict is ``none`` on the most readings."""
    frame = simulate_survey(SurveyConfig(points=9_000, seed=8))
    options = {"method": "linear", "spacing": 100.0, "executor": "serial"}
    build_products(frame, operator, "LTE", folder / "old", regions, **options)
    verdicts = pd.read_csv(folder / "old" / "villages.csv", dtype={"kode": str})
    village = verdicts[verdicts["verdict"] == "none"].sort_values("samples").iloc[-1]["kode"]
    polygon = next(r.geometry for r in regions if r.code == village)
    mcc, mnc = operator.split("-")
    ours = ((frame["mcc"] == mcc) & (frame["mnc"] == mnc)).to_numpy()
    inside = shapely.contains_xy(polygon, frame["lon"], frame["lat"]) & ours
    lat, lon = float(frame["lat"][inside].mean()), float(frame["lon"][inside].mean())
    newer = with_new_site(frame, lat, lon, operator)
    build_products(newer, operator, "LTE", folder / "new", regions, **options)
    return Pair(folder / "old", folder / "new", village, (lat, lon), regions)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Pair:
    return build_pair(tmp_path_factory.mktemp("pair"), simulate_villages())


@pytest.fixture(scope="module")
def changes(pair: Pair, tmp_path_factory: pytest.TempPathFactory):
    return compare_products(
        ProductFiles.in_folder(pair.old),
        ProductFiles.in_folder(pair.new),
        read_verdicts(pair.old / "villages.csv"),
        read_verdicts(pair.new / "villages.csv"),
        tmp_path_factory.mktemp("changes"),
        OPERATOR,
        "LTE",
        "Release 1",
        "Release 2",
    )


def _blankspot_km2(folder: Path, crs) -> float:
    """Blankspot area of a product, measured here from its own GeoJSON in ``crs``."""
    data = json.loads((folder / "blankspots.geojson").read_text(encoding="utf-8"))
    total = 0.0
    for feature in data["features"]:
        geometry = shapely.transform(
            shape(feature["geometry"]),
            lambda xy_: np.column_stack(to_metric(xy_[:, 0], xy_[:, 1], crs)),
        )
        total += geometry.area / 1e6
    return total


def test_the_village_given_a_site_goes_from_none_to_strong(pair: Pair, changes) -> None:
    row = changes.villages.set_index("kode").loc[pair.village]
    assert (row["old_verdict"], row["new_verdict"], row["change"]) == ("none", "strong", "resolved")
    assert row["old_readings"] == row["new_readings"] > 0
    assert changes.kinds["resolved"] >= 1 and changes.kinds["new_blankspot"] == 0
    assert sum(changes.kinds.values()) == len(pair.regions)


def test_only_villages_near_the_site_change(pair: Pair, changes) -> None:
    lat, lon = pair.site
    near = shapely.Point(lon, lat).buffer(0.06)  # about 6.7 km
    outlines = {r.code: r.geometry for r in pair.regions}
    assert not changes.changed.empty
    for code in changes.changed["kode"]:
        assert outlines[code].intersects(near), code


def test_blankspot_area_shrinks_by_the_difference_of_the_two_products(pair, changes) -> None:
    lat, lon = pair.site
    crs = utm_crs(lon, lat)
    expected = _blankspot_km2(pair.old, crs) - _blankspot_km2(pair.new, crs)
    assert expected > 3.0  # the site removes a real blankspot
    assert changes.lost_km2 - changes.gained_km2 == pytest.approx(expected, abs=0.01)
    assert changes.gained_km2 < 0.05 * changes.lost_km2  # only single cells flip elsewhere
    site = shapely.Point(lon, lat).buffer(0.05)
    lost_near = sum(
        f["properties"]["area_km2"]
        for f in changes.blankspots["features"]
        if f["properties"]["change"] == "lost" and shape(f["geometry"]).intersects(site)
    )
    assert lost_near > 0.9 * changes.lost_km2


def test_blankspot_geojson_parts_add_up_and_say_what_changed(changes) -> None:
    data = json.loads(changes.path("geojson").read_text(encoding="utf-8"))
    assert data == changes.blankspots
    for change in ("gained", "lost"):
        parts = [f for f in data["features"] if f["properties"]["change"] == change]
        total = sum(f["properties"]["area_km2"] for f in parts)
        assert total == pytest.approx(getattr(changes, f"{change}_km2"), abs=1e-3)
    assert {f["properties"]["operator"] for f in data["features"]} == {OPERATOR}


def test_signal_rises_near_the_site_and_stays_put_far_away(pair: Pair, changes) -> None:
    with rasterio.open(changes.path("tif")) as tif:
        diff = tif.read(1)
        assert tif.tags()["units"] == "dB" and tif.tags()["new_release"] == "Release 2"
        assert tif.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        rows, cols = np.indices(diff.shape)
        lon, lat = (np.asarray(a) for a in xy(tif.transform, rows.ravel(), cols.ravel()))
    km = np.hypot((lat - pair.site[0]) * 111.32, (lon - pair.site[1]) * 111.32).reshape(diff.shape)
    near = diff[(km < 1.5) & np.isfinite(diff)]
    far = diff[(km > 12) & np.isfinite(diff)]
    assert near.size > 50 and far.size > 1_000
    assert near.mean() > 15.0
    assert abs(far.mean()) < 0.2
    assert changes.signal.cells == int(np.isfinite(diff).sum())
    assert changes.signal.mean_db == pytest.approx(float(np.nanmean(diff)), abs=0.01)
    assert changes.signal.better_share > 0.02 and changes.signal.worse_share < 0.005


def test_signal_is_compared_only_where_both_releases_are_surveyed(pair, changes) -> None:
    with (
        rasterio.open(pair.new / "coverage_wgs84.tif") as new,
        rasterio.open(changes.path("tif")) as tif,
    ):
        assert tif.shape == new.shape and tif.transform == new.transform
        unsurveyed = ~np.isfinite(new.read(1))
        assert not np.isfinite(tif.read(1)[unsurveyed]).any()


def test_a_stored_comparison_loads_back_the_same(changes) -> None:
    again = load_changes(changes.folder)
    assert again.summary() == changes.summary()
    pd.testing.assert_frame_equal(again.villages, changes.villages, check_dtype=False)
    assert again.blankspots == changes.blankspots
    assert again.changed_villages == changes.changed_villages
    outline_codes = {f["properties"]["kode"] for f in changes.changed_villages["features"]}
    assert outline_codes == set(changes.changed["kode"])
    assert (changes.folder / FILES["png"]).stat().st_size > 0


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("strong", "none", "new_blankspot"),
        ("weak", "none", "new_blankspot"),
        ("none", "strong", "resolved"),
        ("none", "weak", "resolved"),
        ("weak", "strong", "improved"),
        ("strong", "weak", "worse"),
        ("unsurveyed", "none", "newly_surveyed"),
        ("insufficient data", "strong", "newly_surveyed"),
        (None, "weak", "newly_surveyed"),
        ("strong", "insufficient data", "no_longer_surveyed"),
        ("none", None, "no_longer_surveyed"),
        ("none", "none", "unchanged"),
        ("unsurveyed", "insufficient data", "unchanged"),
        (None, "unsurveyed", "unchanged"),
    ],
)
def test_change_kinds(old: str | None, new: str | None, kind: str) -> None:
    assert change_kind(old, new) == kind


def test_villages_of_only_one_release_are_kept_and_ordered_by_importance() -> None:
    def table(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
        return pd.DataFrame(
            [(c, f"Desa {c}", "Kec", "Kab", v, n) for c, v, n in rows],
            columns=["kode", "nama", "nama_kec", "nama_kabkota", "verdict", "samples"],
        )

    old = table([("A", "strong", 30), ("B", "none", 12), ("C", "weak", 40)])
    new = table([("A", "none", 25), ("B", "none", 14), ("D", "strong", 50)])
    out = village_changes(old, new, OPERATOR, "LTE")
    assert list(out["kode"]) == ["A", "D", "C", "B"]
    assert list(out["change"]) == [
        "new_blankspot",
        "newly_surveyed",
        "no_longer_surveyed",
        "unchanged",
    ]
    c = out.set_index("kode").loc["C"]
    assert (c["new_verdict"], c["old_readings"], c["new_readings"]) == ("", 40, 0)
    assert set(out["change"]) <= set(KINDS)
    with pytest.raises(KeyError, match="verdict"):
        village_changes(old.drop(columns="verdict"), new, OPERATOR, "LTE")


def test_without_rasters_or_blankspots_the_rest_is_still_compared(tmp_path: Path) -> None:
    verdicts = pd.DataFrame(
        [("A", "Desa A", "Kec", "Kab", "none", 20)],
        columns=["kode", "nama", "nama_kec", "nama_kabkota", "verdict", "samples"],
    )
    nothing = ProductFiles(None, None, None)
    out = compare_products(nothing, nothing, verdicts, verdicts, tmp_path, OPERATOR, "LTE")
    assert out.signal is None and out.path("tif") is None and out.overlay_bounds is None
    assert (out.gained_km2, out.lost_km2) == (0.0, 0.0)
    assert load_changes(tmp_path).kinds["unchanged"] == 1
