"""Stylised facts the default world should reproduce with default parameters (FACTS.md).

These are loose bands, not a calibration: they fail if a change moves the model out of the range
the literature reports.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation import MigrationModel, Params, load_world
from simulation.metrics import country_metrics


@pytest.fixture(scope="module")
def model_after_three_years():
    model = MigrationModel(load_world("default"), Params(agents_per_country=150), rng=0)
    for _ in range(3):
        model.step()
    return model


def test_about_a_third_of_skilled_emigrants_work_below_their_qualification():
    """OECD: about one third of employed highly educated immigrants are over-qualified."""
    model = MigrationModel(load_world("default"), Params(agents_per_country=150), rng=0)
    model.step()
    m = country_metrics(model)
    waste = m["unrecognised_emigrants"].sum() / m["skilled_emigrants"].sum()
    assert 0.2 <= waste <= 0.45


def test_a_fifth_to_a_half_of_new_emigrants_leave_within_five_years(model_after_three_years):
    """OECD (2008, 2020): 20-50% of immigrants leave within five years of arrival (return or
    move on)."""
    model = model_after_three_years
    pop = model.pop
    arrived = (pop.kind == 1) & (pop.location != pop.origin) & (pop.years_abroad == 1)
    uids, place, weight = pop.uid[arrived], pop.location[arrived], pop.weight[arrived]
    for _ in range(5):
        model.step()
    rows = model.pop.rows_of(uids)
    alive = rows >= 0
    stayed = model.pop.location[rows[alive]] == place[alive]
    left = 1 - (weight[alive] * stayed).sum() / weight[alive].sum()
    assert 0.15 <= left <= 0.55


def test_skilled_emigration_rates_rank_like_the_data():
    """Small island and poor origins lose far larger shares of their skilled than large rich
    ones (Docquier & Marfouk; IAB): the model's starting rates follow the data's ranking."""
    world = load_world("default")
    model = MigrationModel(world, Params(agents_per_country=60), rng=0)
    rate = model.skilled_emigration_rate()
    data = world.column("skilled_emigration_rate")
    ranks = lambda x: np.argsort(np.argsort(x))  # noqa: E731
    assert np.corrcoef(ranks(rate), ranks(data))[0, 1] > 0.6
