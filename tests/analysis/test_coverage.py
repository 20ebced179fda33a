"""Coverage grids: preparation, honest support, cross-validation, tiling and executors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.spatial import cKDTree

from analysis.coverage import ErrorModel, build_coverage
from analysis.crossval import blocked_folds, cross_validate, select_best
from analysis.grid import GridSpec
from analysis.gridders import IDW, Linear, Nearest, OrdinaryKriging
from analysis.prepare import Samples, block_reduce, prepare_samples, select
from analysis.project import utm_crs
from analysis.simulate import SurveyConfig, simulate_survey
from analysis.support import support
from analysis.tiling import predict_tiled


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return simulate_survey(SurveyConfig(points=9_000, seed=21))


@pytest.fixture(scope="module")
def samples(survey: pd.DataFrame) -> Samples:
    return prepare_samples(select(survey, "510-11", "LTE"), "LTE")


def test_utm_zone_and_hemisphere_for_west_sumatra() -> None:
    assert utm_crs(100.37, -0.3).to_epsg() == 32747  # 47 S
    assert utm_crs(99.5, 0.5).to_epsg() == 32647  # 47 N, Pasaman north of the equator
    assert utm_crs(101.5, -1.0).to_epsg() == 32747


def test_data_across_the_equator_stays_in_one_continuous_zone() -> None:
    frame = pd.DataFrame(
        {
            "lat": [-0.01, 0.01],
            "lon": [100.0, 100.0],
            "tech": ["LTE"] * 2,
            "rsrp_dbm": [-90.0, -91.0],
            "rscp_dbm": [np.nan] * 2,
            "rssi_dbm": [np.nan] * 2,
            "cell_id": [1, 1],
        }
    )
    frame["cell_id"] = frame["cell_id"].astype("Int64")
    s = prepare_samples(frame, "LTE", block_m=None, crs=utm_crs(100.0, -0.5))
    assert s.northing[1] - s.northing[0] == pytest.approx(2_211.4, abs=5.0)


def test_selection_keeps_no_service_readings_of_the_operator(survey: pd.DataFrame) -> None:
    chosen = select(survey, "510-11", "LTE")
    assert set(chosen["tech"]) == {"LTE", "NONE"}
    assert set(chosen["mnc"]) == {"11"}
    assert len(select(survey, "XL Axiata", "LTE")) == len(chosen)


def test_no_service_is_censored_at_the_floor_not_dropped(survey: pd.DataFrame) -> None:
    chosen = select(survey, "510-11", "LTE")
    s = prepare_samples(chosen, "LTE", block_m=None)
    assert len(s) == len(chosen)
    assert (s.value[s.censored] == -140.0).all() and s.censored.sum() == (
        chosen["tech"] == "NONE"
    ).sum()


def test_block_reduce_takes_medians_and_adds_counts() -> None:
    s = Samples(
        np.array([1.0, 2.0, 3.0, 500.0]),
        np.array([1.0, 2.0, 3.0, 500.0]),
        np.array([-90.0, -100.0, -80.0, -70.0]),
        np.ones(4, np.int64),
        np.array([False, True, True, False]),
        utm_crs(100.0, -0.3),
        np.array([7.0, 7.0, 8.0, 9.0]),
    )
    out = block_reduce(s, 10.0)
    assert out.value.tolist() == [-90.0, -70.0]
    assert out.count.tolist() == [3, 1]
    assert out.censored.tolist() == [True, False]
    assert out.cell.tolist() == [7.0, 9.0]


def test_blocked_folds_keep_blocks_whole_and_test_everything_once(samples: Samples) -> None:
    tested = np.zeros(len(samples), int)
    block = np.floor(np.column_stack(samples.coordinates) / 500.0)
    for train, test in blocked_folds(samples, 500.0, 5):
        tested += test
        inside = {tuple(b) for b in block[test]}
        assert not inside & {tuple(b) for b in block[train]}
    assert (tested == 1).all()


def test_blocked_cv_is_more_pessimistic_than_random_folds(samples: Samples) -> None:
    blocked = cross_validate(IDW(), samples, block_m=1_000.0)
    nearly_random = cross_validate(IDW(), samples, block_m=1.0)
    assert blocked.rmse > nearly_random.rmse * 1.1


def test_select_best_finds_the_exact_method_for_a_plane() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 5_000, 800), rng.uniform(0, 5_000, 800)
    s = Samples(
        x,
        y,
        -100 + x / 500 + y / 800,
        np.ones(800, np.int64),
        np.zeros(800, bool),
        utm_crs(100.0, -0.3),
    )
    best, results = select_best({"nearest": Nearest(), "linear": Linear()}, s)
    assert best == "linear"
    assert {r.method for r in results} == {"nearest", "linear"}


def test_support_distance_and_count_match_brute_force(samples: Samples) -> None:
    spec = GridSpec.covering(samples.easting, samples.northing, 100.0, margin=500.0)
    distance, count = support(spec, samples.easting, samples.northing, 600.0, 300.0)
    east, north = spec.cell_centres()
    cells = np.column_stack([east.ravel(), north.ravel()])
    tree = cKDTree(np.column_stack(samples.coordinates))
    truth = tree.query(cells)[0].reshape(spec.shape)
    near = truth <= 600.0
    assert_allclose(distance[near], truth[near], rtol=1e-5)
    assert (distance[~near] <= truth[~near] + 1e-2).all() and (distance[~near] > 600.0).all()
    # counts use the samples' cells: equal to the brute force count up to cell rounding
    brute = np.array([len(x) for x in tree.query_ball_point(cells, 300.0)]).reshape(spec.shape)
    assert np.corrcoef(brute.ravel(), count.ravel())[0, 1] > 0.95


def test_unsurveyed_cells_are_missing_never_a_value(samples: Samples) -> None:
    coverage = build_coverage(
        samples, method="idw", spacing=100.0, max_distance=500.0, executor="serial"
    )
    far = coverage.distance > 500.0
    assert far.any() and np.isnan(coverage.value[far]).all()
    assert np.isfinite(coverage.value[~far]).all()
    assert (
        np.isfinite(coverage.uncertainty[~far]).all() and np.isnan(coverage.uncertainty[far]).all()
    )


def test_blankspot_readings_pull_the_surface_down(samples: Samples) -> None:
    coverage = build_coverage(
        samples, method="kriging", spacing=100.0, executor="serial", clip=(-140.0, -44.0)
    )
    col = np.floor((samples.easting - coverage.spec.west) / 100.0).astype(int)
    row = np.floor((coverage.spec.north - samples.northing) / 100.0).astype(int)
    at_blank = coverage.value[row[samples.censored], col[samples.censored]]
    assert np.nanmedian(at_blank) < -115.0  # class "none" where phones had no service


def test_auto_picks_the_lowest_cv_error(samples: Samples) -> None:
    coverage = build_coverage(
        samples, spacing=200.0, executor="serial", candidates=("nearest", "idw", "kriging")
    )
    common = np.logical_and.reduce([r.predicted for r in coverage.cv])
    best = min(coverage.cv, key=lambda r: r.rmse_on(common))
    assert coverage.method == best.method
    assert [r.method for r in coverage.cv] == ["nearest", "idw", "kriging"]


def test_error_model_grows_with_distance(samples: Samples) -> None:
    model = ErrorModel.from_cv(cross_validate(IDW(), samples))
    values = model(np.array([0.0, 50.0, 200.0, 1_000.0, 10_000.0]))
    assert (np.diff(values) >= 0).all() and values[0] > 0


@pytest.mark.parametrize("gridder", [OrdinaryKriging(), IDW()], ids=["kriging", "idw"])
def test_tiled_equals_untiled(samples: Samples, gridder) -> None:
    spec = GridSpec.covering(samples.easting, samples.northing, 100.0, margin=750.0)
    distance, _ = support(spec, samples.easting, samples.northing, 750.0, 375.0)
    wanted = distance <= 750.0
    model = gridder.fit(samples.coordinates, samples.value)
    whole, whole_std = predict_tiled(
        model, samples, spec, wanted, tile_size=10_000, executor="serial"
    )
    tiled, tiled_std = predict_tiled(model, samples, spec, wanted, tile_size=37, executor="serial")
    assert_allclose(tiled, whole, atol=1e-4, equal_nan=True)
    if whole_std is not None:
        assert_allclose(tiled_std, whole_std, atol=1e-4, equal_nan=True)


def test_local_processes_give_the_same_grid(samples: Samples) -> None:
    a = build_coverage(samples, method="kriging", spacing=150.0, executor="serial", tile_size=64)
    b = build_coverage(samples, method="kriging", spacing=150.0, executor="processes", tile_size=64)
    assert_allclose(a.value, b.value, equal_nan=True)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_grid(samples: Samples, dask_client: Any) -> None:
    on_dask = build_coverage(
        samples, method="kriging", spacing=150.0, executor=dask_client, tile_size=64
    )
    local = build_coverage(
        samples, method="kriging", spacing=150.0, executor="serial", tile_size=64
    )
    assert_allclose(on_dask.value, local.value, equal_nan=True)
