"""The incentive effect (Mountford 1997; Beine, Docquier & Rapoport 2001, 2008).

In a two-country world (a poor origin, a rich destination), graduates at home emigrate with an
exogenous probability p and youths know it. Sweeping p from 0 to 1, net brain gain (origin human
capital with migration minus without, same seed) must be positive at moderate p, negative at high
p, with an interior maximum: the inverted U of the beneficial-brain-drain theory. Only the
channel the theory is about is on: no study abroad, no other moves, no diaspora feedback, no
shocks.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation import Params, simulate_with_counterfactual, two_country_world

PROSPECTS = np.round(np.linspace(0.0, 1.0, 11), 2)
THEORY = dict(
    agents_per_country=2000,
    use_fixed_prospect=True,
    m2_study_abroad=False,
    m4_migration=False,
    m6_diaspora=False,
    m7_shocks=False,
)


@pytest.fixture(scope="module")
def gains() -> np.ndarray:
    world = two_country_world()
    out = []
    for p in PROSPECTS:
        params = Params(**THEORY, fixed_prospect=float(p))
        frame = simulate_with_counterfactual(world, params, years=60, seed=3)
        origin = frame[(frame.country == "ORG") & (frame.year == frame.year.max())]
        out.append(origin["net_brain_gain"].item())
    return np.array(out)


def test_no_prospect_no_gain(gains):
    assert gains[0] == pytest.approx(0.0, abs=1e-12)


def test_moderate_prospects_give_a_brain_gain(gains):
    moderate = (PROSPECTS > 0) & (PROSPECTS <= 0.3)
    assert (gains[moderate] > 0).all()


def test_high_prospects_give_a_brain_drain(gains):
    high = PROSPECTS >= 0.6
    assert (gains[high] < 0).all()


def test_interior_maximum(gains):
    best = int(np.argmax(gains))
    assert 0 < best < len(PROSPECTS) - 1
    assert gains[best] > 0


def test_enrolment_responds_to_the_prospect():
    """The mechanism behind the U: enrolment rises with p (h'(p) > 0)."""
    world = two_country_world()
    rates = []
    for p in (0.0, 0.1, 0.2):
        frame = simulate_with_counterfactual(
            world, Params(**THEORY, fixed_prospect=p, seat_slack=3.0), years=3, seed=1
        )
        rates.append(frame[frame.country == "ORG"]["enrolment_rate"].mean())
    assert rates[0] < rates[1] < rates[2]
