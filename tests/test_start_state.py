"""The start year reproduces the data the world was built from, whatever agents_per_country
(docs/ODD.md §3.1): the IAB-definition skilled emigration rate, human capital, the UIS outbound
ratio, and no agent heavier than the weight cap."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from simulation import MigrationModel, Params, load_world
from simulation.initial import emigrant_stock, skilled_emigrant_matrix
from simulation.population import WORKER


@pytest.fixture(scope="module")
def world():
    return load_world("default")


@pytest.fixture(scope="module", params=[50, 200])
def start(request, world):
    model = MigrationModel(world, Params(agents_per_country=request.param), rng=1, years=1)
    return model, model.records[0]


def test_iab_definition_rate_matches_iab_2000(start, world):
    _, record = start
    data = world.column("skilled_emigration_rate")  # IAB 2000 high-skill rate
    rate = record["skilled_emigration_rate_iab20"]
    assert spearmanr(rate, data)[0] >= 0.99
    assert np.mean(np.abs(rate / data - 1) <= 0.10) >= 0.90


def test_human_capital_matches_the_table(start, world):
    _, record = start
    table = np.clip(world.column("tertiary_share"), 0.001, 0.95)
    assert np.mean(np.abs(record["human_capital"] / table - 1) <= 0.02) >= 0.95
    adults = record["adult_residents"] / world.column("pop_adult")
    # exact but where the data put more skilled immigrants than skilled residents (natives
    # keep their floor share)
    assert np.mean(np.abs(adults - 1) < 1e-9) >= 0.95 and np.abs(adults - 1).max() < 0.05


def test_outbound_students_match_the_uis_ratio(start, world):
    _, record = start
    data = np.clip(world.column("outbound_ratio"), 0.0, 20.0)
    close = np.abs(record["outbound_mobility_ratio"] / np.maximum(data, 1e-9) - 1) <= 0.10
    assert np.mean(close | (data < 0.001)) >= 0.90


def test_no_agent_weighs_more_than_the_cap(start, world):
    model, _ = start
    pop, p = model.pop, model.params
    adults = world.column("pop_adult")
    cap = p.agent_weight_cap * np.minimum(adults[pop.origin], adults[pop.location])
    assert (pop.weight <= cap * (1 + 1e-9)).all()


def test_border_change_stocks_are_not_emigration(world):
    """Kazakh-born people in Russia moved within the USSR: they are residents of Russia, not
    Kazakhstan's emigrants (the IAB rate of Kazakhstan is 1.2%)."""
    kaz, rus = world.codes.index("KAZ"), world.codes.index("RUS")
    assert world.border_change[kaz, rus] and world.migrant_stock[kaz, rus] > 1e6
    assert emigrant_stock(world)[kaz, rus] == 0
    assert skilled_emigrant_matrix(world, Params())[kaz, rus] == 0
    model = MigrationModel(world, Params(agents_per_country=50), rng=0, years=1)
    assert model.records[0]["skilled_emigration_rate"][kaz] < 0.1


def test_skill_selection_outside_the_iab_destinations(world):
    """Outside the IAB destinations emigrants are selected by non_iab_selection x the origin's
    tertiary share of residents; inside, the IAB rate sets them."""
    low = skilled_emigrant_matrix(world, Params(non_iab_selection=1.0))
    high = skilled_emigrant_matrix(world, Params(non_iab_selection=3.0))
    iab = world.column("iab_destination") > 0
    assert np.allclose(low[:, iab], high[:, iab])
    assert (high[:, ~iab] >= low[:, ~iab]).all() and high[:, ~iab].sum() > low[:, ~iab].sum()


def test_start_year_row_comes_first_with_unobserved_flows(start, world):
    model, record = start
    assert model.records[0]["year"][0] == world.start_year
    assert np.isnan(record["emigrations"]).all() and np.isnan(record["returns"]).all()
    workers = model.pop.kind == WORKER
    assert record["skilled_residents"].sum() == pytest.approx(model.pop.weight[workers].sum())


def test_students_abroad_do_not_depend_on_the_number_of_blas_threads(world):
    """The start's linear solve runs on one BLAS thread whatever the caller's setting (Dask's
    workers and one-core machines use 1, a local process pool all cores): a threaded solve
    rounds differently, and the same seed must give the same bits everywhere."""
    from threadpoolctl import threadpool_limits

    from simulation.initial import students_abroad_matrix

    rng = np.random.default_rng(3)
    spread = rng.random((world.n, world.n))
    np.fill_diagonal(spread, 0.0)
    spread /= spread.sum(axis=1, keepdims=True)
    students = rng.random(world.n) * 1e5
    results = []
    for threads in (1, 2, 4):
        with threadpool_limits(threads, user_api="blas"):
            results.append(students_abroad_matrix(world, students, spread).tobytes())
    assert results[0] == results[1] == results[2]
