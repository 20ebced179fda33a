"""Gridders: exact where they should be, accurate on smooth fields, kriging as PyKrige."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis.grid import GridSpec
from analysis.gridders import IDW, RBF, Linear, Nearest, OrdinaryKriging, Variogram, fit_variogram
from analysis.gridders.trend import TrendKriging

NO_NUGGET = Variogram("exponential", 0.0, 60.0, 3_000.0)


def smooth(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -95.0 + 12.0 * np.sin(x / 2_500.0) + 8.0 * np.cos(y / 1_800.0)


@pytest.fixture(scope="module")
def field() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(42)
    x, y = rng.uniform(0, 10_000, 1_500), rng.uniform(0, 10_000, 1_500)
    return x, y, smooth(x, y)


EXACT = [Nearest(), Linear(), IDW(), RBF(), OrdinaryKriging(variogram=NO_NUGGET)]


@pytest.mark.parametrize("gridder", EXACT, ids=lambda g: type(g).__name__)
def test_exact_interpolators_reproduce_the_samples(gridder, field) -> None:
    x, y, v = field
    gridder.fit((x, y), v)
    assert gridder.exact
    assert_allclose(gridder.predict((x[:200], y[:200])), v[:200], atol=1e-6)


@pytest.mark.parametrize(
    ("gridder", "tolerance"),
    [
        (Nearest(), 2.5),
        (Linear(), 0.5),
        (IDW(), 1.5),
        (RBF(), 0.6),
        (OrdinaryKriging(), 0.3),
        (TrendKriging(), 0.3),
    ],
    ids=lambda g: type(g).__name__ if not isinstance(g, float) else str(g),
)
def test_smooth_field_is_recovered(gridder, tolerance: float, field) -> None:
    x, y, v = field
    gridder.fit((x, y), v)
    rng = np.random.default_rng(7)
    xt, yt = rng.uniform(1_000, 9_000, 2_000), rng.uniform(1_000, 9_000, 2_000)
    rmse = np.sqrt(np.mean((gridder.predict((xt, yt)) - smooth(xt, yt)) ** 2))
    assert rmse < tolerance


def test_kriging_matches_pykrige_with_the_same_variogram(field) -> None:
    pykrige = pytest.importorskip("pykrige.ok")
    x, y, v = field
    vario = Variogram("exponential", 2.0, 60.0, 3_000.0)
    ours = OrdinaryKriging(k=32, variogram=vario).fit((x, y), v)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pykrige.OrdinaryKriging(
            x,
            y,
            v,
            variogram_model="exponential",
            # PyKrige's exponential uses range/3 inside exp(-h/(r/3)): the practical range
            variogram_parameters={"sill": 62.0, "range": 3_000.0, "nugget": 2.0},
        )
    xt, yt = np.array([1_234.0, 5_000.0, 8_765.0]), np.array([4_321.0, 5_000.0, 1_111.0])
    z, ss = theirs.execute("points", xt, yt, backend="loop", n_closest_points=32)
    value, std = ours.predict_with_std(np.column_stack([xt, yt]))
    assert_allclose(value, z, atol=1e-6)
    assert_allclose(std**2, ss, rtol=1e-6)


def test_kriging_std_is_zero_on_samples_and_grows_away(field) -> None:
    x, y, v = field
    model = OrdinaryKriging(variogram=NO_NUGGET).fit((x, y), v)
    _, on = model.predict_with_std(np.column_stack([x[:5], y[:5]]))
    _, far = model.predict_with_std(np.array([[12_500.0, 12_500.0]]))
    assert_allclose(on, 0.0, atol=1e-3)
    assert far[0] > 5.0


def test_shared_neighbourhoods_on_a_grid_agree_with_per_cell_kriging(field) -> None:
    x, y, v = field
    model = OrdinaryKriging(k=32).fit((x, y), v)
    spec = GridSpec(0.0, 10_000.0, 50.0, 200, 200)
    east, north = spec.cell_centres()
    points = np.column_stack([east.ravel(), north.ravel()])
    shared, _ = model.predict_cells(points, spec.spacing)
    single, _ = model.predict_with_std(points)
    assert np.sqrt(np.mean((shared - single) ** 2)) < 0.05


def test_kriging_ignores_samples_beyond_its_radius() -> None:
    x, y = np.array([0.0, 100.0, 50_000.0]), np.array([0.0, 0.0, 0.0])
    v = np.array([-80.0, -90.0, -140.0])
    model = OrdinaryKriging(variogram=NO_NUGGET, radius=1_000.0).fit((x, y), v)
    near = model.predict((np.array([50.0]), np.array([0.0])))
    assert -90.0 <= near[0] <= -80.0
    assert np.isnan(model.predict((np.array([20_000.0]), np.array([0.0])))[0])


def test_variogram_fit_recovers_known_parameters() -> None:
    rng = np.random.default_rng(3)
    pts = rng.uniform(0, 8_000, (700, 2))
    truth = Variogram("exponential", 4.0, 50.0, 1_500.0)
    h = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    cov = truth.sill - truth(h)
    np.fill_diagonal(cov, truth.sill)
    values = np.linalg.cholesky(cov + 1e-9 * np.eye(len(pts))) @ rng.standard_normal(len(pts))
    fitted = fit_variogram(pts, values)
    assert 700 < fitted.range_m < 3_000
    assert 30 < fitted.sill < 80


@pytest.mark.parametrize(
    ("coordinates", "values", "message"),
    [
        ((np.array([0.0, 1.0]), np.array([0.0])), np.array([1.0, 2.0]), "differ in length"),
        ((np.array([0.0, np.nan]), np.array([0.0, 1.0])), np.array([1.0, 2.0]), "finite"),
        ((np.array([]), np.array([])), np.array([]), "no samples"),
    ],
)
def test_fit_refuses_bad_input(coordinates, values, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        IDW().fit(coordinates, values)


def test_predict_before_fit_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        OrdinaryKriging().predict((np.array([0.0]), np.array([0.0])))


def test_grid_returns_a_labelled_surface(field) -> None:
    x, y, v = field
    spec = GridSpec(0.0, 10_000.0, 500.0, 20, 20)
    surface = OrdinaryKriging().fit((x, y), v).grid(spec)
    assert surface.values.shape == (20, 20) and surface.std is not None
    east, north = spec.cell_centres()
    assert np.sqrt(np.mean((surface.values - smooth(east, north)) ** 2)) < 0.5


def test_trend_kriging_learns_sites_from_cell_identities() -> None:
    rng = np.random.default_rng(5)
    sites = np.array([[2_000.0, 2_000.0], [8_000.0, 7_000.0]])
    x, y = rng.uniform(0, 10_000, 3_000), rng.uniform(0, 10_000, 3_000)
    d = np.hypot(x[:, None] - sites[:, 0], y[:, None] - sites[:, 1])
    level = -60.0 - 35.0 * np.log10(np.maximum(d, 10.0) / 100.0)
    best = level.argmax(axis=1)
    values = level.max(axis=1) + rng.normal(0, 1.0, len(x))
    cells = (1_000 + best) * 256.0 + 1
    model = TrendKriging().fit((x, y), values, cells=cells)
    found = model.sites_[np.argsort(model.sites_[:, 0]), :2]
    assert_allclose(found, sites, atol=150.0)
    assert model.coef_[1] == pytest.approx(1.0, abs=0.1)


def test_kriging_along_a_densely_driven_road_stays_within_the_data() -> None:
    """Readings 50 m apart along two roads, a smooth field: the fitted model is Gaussian,
    and without a nugget its system was near-singular (predictions thousands of dB off)."""
    from analysis.crossval import cross_validate
    from analysis.prepare import Samples

    rng = np.random.default_rng(0)
    x = np.tile(np.sort(rng.uniform(0, 3_000, 180)), 2)
    y = np.repeat([0.0, 200.0], 180) + rng.normal(0, 3, 360)
    value = -90 + 5 * np.sin(x / 700) - 12 * (y > 100) + rng.normal(0, 1.0, 360)
    samples = Samples(x, y, value, np.ones(360, np.int64), np.zeros(360, bool), None)
    fitted = fit_variogram(np.column_stack([x, y]), value)
    assert fitted.model != "gaussian" or fitted.nugget >= 0.01 * np.var(value)
    result = cross_validate(OrdinaryKriging(k=32), samples, 500.0, 3, 0)
    assert np.nanmax(np.abs(result.residuals)) < 40.0
    assert result.rmse < 12.0
