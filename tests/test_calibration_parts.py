"""The calibration's parts on their own: statistics, emulators, implausibility, designs, sampler."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

from calibration.design import latin_hypercube, maximin_subset, sobol_points
from calibration.emulator import Emulators, fit_all, fit_group, pooled_seed_variance
from calibration.history import TargetErrors, WaveEmulators, implausibility, kept, nth_largest
from calibration.posterior import sample, split_rhat
from calibration.statistics import DERIVED, compute
from simulation import Params, aggregate_regions, load_world, simulate


@pytest.fixture(scope="module")
def frame():
    return simulate(load_world("teaching"), Params(agents_per_country=30), years=6, seed=3)


def test_metric_statistics_are_the_frame_values_and_the_world_aggregate(frame):
    out = compute(frame, ["skilled_emigration_rate", "human_capital"], [2003, 2006])
    here = frame[frame["year"] == 2006].set_index("country")
    got = out[out["year"] == 2006].set_index("country")
    assert np.allclose(got.loc[here.index, "human_capital"], here["human_capital"])
    world = aggregate_regions(frame, dict.fromkeys(frame["country"], "WLD"))
    world = world[world["year"] == 2006].iloc[0]
    assert got.loc["WLD", "skilled_emigration_rate"] == pytest.approx(
        world["skilled_emigration_rate"]
    )
    # the world's rate is the rate of its people, not a mean of countries
    assert got.loc["WLD", "skilled_emigration_rate"] == pytest.approx(
        here["skilled_emigrants"].sum() / here["skilled_pool"].sum()
    )


def test_derived_statistics_work_on_the_models_own_frame(frame):
    """Catches a renamed metric the derived statistics read."""
    out = compute(frame, list(DERIVED), [2006]).set_index("country")
    assert np.isfinite(out.loc["WLD", "five_year_return_ratio"])
    assert np.isfinite(out.loc["WLD", "flow_network_elasticity"])
    assert out["flow_network_elasticity"].drop("WLD").isna().all()  # world only


def test_five_year_return_ratio_sums_returns_and_emigrations_over_five_years():
    years = np.repeat(np.arange(2000, 2008), 2)
    frame = pd.DataFrame(
        {
            "year": years,
            "country": ["AAA", "BBB"] * 8,
            "returns": np.tile([1.0, 2.0], 8),
            "emigrations": np.tile([4.0, 4.0], 8),
        }
    )
    frame.loc[frame["year"] == 2000, ["returns", "emigrations"]] = np.nan  # the start year
    got = DERIVED["five_year_return_ratio"].compute(frame, 2007)
    assert got["AAA"] == pytest.approx(5 / 20)
    assert got["BBB"] == pytest.approx(10 / 20)
    assert got["WLD"] == pytest.approx(15 / 40)


def test_flow_network_elasticity_recovers_a_known_slope():
    rng = np.random.default_rng(0)
    n = 40
    diaspora = np.exp(rng.uniform(5, 12, n))
    residents = np.exp(rng.uniform(8, 14, n))
    flows = 0.01 * diaspora**0.8 * residents**0.3 * np.exp(rng.normal(0, 0.01, n))
    rows = []
    for year in range(2000, 2006):  # 2000: the year before the five-year window
        for i in range(n):
            rows.append(
                {
                    "year": year,
                    "country": f"C{i:02d}",
                    "emigrations": np.nan if year == 2000 else flows[i] / 5,
                    "skilled_emigrants": diaspora[i] * (1 if year == 2000 else 2),
                    "skilled_residents": residents[i] * (1 if year == 2000 else 3),
                }
            )
    got = DERIVED["flow_network_elasticity"].compute(pd.DataFrame(rows), 2005)
    assert got["WLD"] == pytest.approx(0.8, abs=0.01)


def _functions(x: np.ndarray) -> np.ndarray:
    """Two outputs of one smooth shape at different scales (a group of targets)."""
    base = np.sin(4 * x[:, 0]) + x[:, 1] ** 2
    return np.stack([base, 10 * base + 3 * x[:, 0]], axis=1)


def test_the_batched_group_emulator_predicts_what_scikit_learn_predicts():
    rng = np.random.default_rng(1)
    x = rng.random((40, 3))
    values = _functions(x)[:, None, :] + rng.normal(0, 0.05, (40, 3, 2))
    group = fit_group([0, 1], x, values, random_state=0, restarts=0)
    means = values.mean(axis=1)
    probe = rng.random((25, 3))
    got_mean, got_variance = group.predict(probe)
    kernel = ConstantKernel(group.amplitude, "fixed") * RBF(
        group.length_scales, "fixed"
    ) + WhiteKernel(group.nugget, "fixed")
    alpha = (group.seed_variance / group.y_scale**2 / 3).mean() + 1e-8
    for j in range(2):
        y = (means[:, j] - group.y_mean[j]) / group.y_scale[j]
        reference = GaussianProcessRegressor(kernel=kernel, alpha=alpha, optimizer=None).fit(x, y)
        mean, sd = reference.predict(probe, return_std=True)
        assert np.allclose(got_mean[:, j], group.y_mean[j] + group.y_scale[j] * mean, atol=1e-8)
        assert np.allclose(np.sqrt(got_variance[:, j]), group.y_scale[j] * sd, rtol=1e-6)
    # and it emulates: the true mean functions within a few predicted SDs
    z = np.abs(_functions(probe) - got_mean) / np.sqrt(got_variance)
    assert np.mean(z < 3) > 0.9


def test_targets_are_emulated_in_groups_of_statistic_and_year():
    rng = np.random.default_rng(2)
    x = rng.random((30, 2))
    values = np.repeat(_functions(x)[:, None, :], 2, axis=1)
    values = np.concatenate([values, values[:, :, :1], np.full((30, 2, 1), np.nan)], axis=2)
    keys = [("a", 2000), ("a", 2000), ("b", 2000), ("c", 2000)]
    emulators = fit_all(keys, x, values, seeds=np.arange(4), restarts=0)
    assert isinstance(emulators, Emulators)
    assert [g.columns.tolist() for g in emulators.groups] == [[0, 1], [2]]
    assert emulators.emulated.tolist() == [True, True, True, False]  # no values: no emulator
    mean, _ = emulators.predict(x[:3])
    assert np.isnan(mean[:, 3]).all() and np.allclose(mean[:, :3], values[:3, 0, :3], atol=0.05)


def test_pooled_seed_variance_ignores_missing_runs():
    values = np.array([[1.0, 3.0, np.nan], [10.0, 10.0, 16.0], [5.0, np.nan, np.nan]])
    # point 1: mean 2, squares 2; point 2: mean 12, squares 24; df 1 + 2
    assert pooled_seed_variance(values) == pytest.approx(26 / 3)
    both = np.stack([values, 2 * values], axis=2)
    assert pooled_seed_variance(both) == pytest.approx([26 / 3, 4 * 26 / 3])


def test_nth_largest_skips_missing_targets():
    values = np.array([[1.0, 5.0, np.nan, 3.0], [np.nan, np.nan, np.nan, 2.0]])
    assert nth_largest(values, 1).tolist() == [5.0, 2.0]
    assert nth_largest(values, 2).tolist() == [3.0, 0.0]


def _linear_wave(seed_variance: float = 0.0) -> WaveEmulators:
    """An emulator of f(x) = x0 trained on exact values: near-zero emulator variance."""
    x = np.linspace(0, 1, 15)[:, None]
    emulators = fit_all([("t", 0)], x, np.repeat(x, 2, axis=1)[:, :, None], np.zeros(1), 1, 0)
    emulators.groups[0].seed_variance = np.array([seed_variance])
    return WaveEmulators(1, emulators)


def test_implausibility_is_the_distance_in_units_of_every_uncertainty():
    wave = _linear_wave(seed_variance=0.01)
    errors = TargetErrors(["t"], np.array([0.5]), np.array([0.02]), np.array([0.01]))
    values, mean, variance = implausibility(wave, errors, np.array([[0.2], [0.5]]))
    expected = np.abs(0.5 - mean[:, 0]) / np.sqrt(variance[:, 0] + 0.01 + 0.02 + 0.01)
    assert np.allclose(values[:, 0], expected)
    assert values[0, 0] == pytest.approx(0.3 / 0.2, rel=0.02)
    ok, _ = kept([wave], errors, np.array([[0.2], [0.5], [1.0]]), cutoff=2.0, order=1)
    assert ok.tolist() == [True, True, False]


def test_the_sampler_finds_the_posterior_of_a_linear_model():
    """f(x) = x with observation 0.3 and variance 0.05^2: the posterior is N(0.3, 0.05^2)."""
    wave = _linear_wave()
    errors = TargetErrors(["t"], np.array([0.3]), np.array([0.05**2]), np.array([0.0]))
    pool = np.random.default_rng(0).uniform(0.2, 0.4, (50, 1))
    result = sample(
        [wave], errors, pool, 3.0, 1, chains=16, steps=1500, burn=500, draws=4000,
        rng=np.random.default_rng(2),
    )  # fmt: skip
    assert result.draws.mean() == pytest.approx(0.3, abs=0.01)
    assert result.draws.std() == pytest.approx(0.05, rel=0.15)
    assert result.rhat[0] < 1.05
    assert 0.2 < result.acceptance < 0.8


def test_split_rhat_flags_chains_that_disagree():
    rng = np.random.default_rng(0)
    agree = rng.normal(size=(4, 500, 1))
    disagree = agree + np.arange(4)[:, None, None]
    assert split_rhat(agree)[0] < 1.02
    assert split_rhat(disagree)[0] > 1.5


def test_designs_fill_the_cube_and_follow_the_seed():
    a = latin_hypercube(20, 3, np.random.default_rng(5))
    b = latin_hypercube(20, 3, np.random.default_rng(5))
    assert np.array_equal(a, b)
    for column in a.T:  # one point per slice of every input
        assert sorted(np.floor(column * 20).astype(int)) == list(range(20))
    assert sobol_points(100, 2, np.random.default_rng(1)).shape == (100, 2)
    candidates = np.random.default_rng(0).random((500, 2))
    chosen = candidates[maximin_subset(candidates, 10, np.random.default_rng(0))]
    spread = min(np.linalg.norm(p - q) for i, p in enumerate(chosen) for q in chosen[i + 1 :])
    random_pick = candidates[:10]
    random_spread = min(
        np.linalg.norm(p - q) for i, p in enumerate(random_pick) for q in random_pick[i + 1 :]
    )
    assert spread > 2 * random_spread
