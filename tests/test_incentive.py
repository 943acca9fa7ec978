"""The incentive effect (Mountford 1997; Beine, Docquier & Rapoport 2001, 2008).

In a two-country world (a poor origin, a rich destination), graduates at home emigrate with an
exogenous probability p and youths know it. Sweeping p from 0 to 1, net brain gain (origin human
capital with emigration minus without, same seed) must be positive at moderate p, negative at
high p, with an interior maximum: the inverted U of the beneficial-brain-drain theory. Only the
channel the theory is about is on: no study abroad, no other moves, no diaspora feedback, no
shocks. It must hold at the scenarios' 30-year horizon, both when seats cap enrolment and when
they never bind (then the enrolment response alone shapes the U).
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation import Params, simulate_with_counterfactual, two_country_world
from simulation.mechanisms.education import enrolment_probability, home_seats, youth_cohort
from simulation.model import MigrationModel

PROSPECTS = np.round(np.linspace(0.0, 1.0, 11), 2)
YEARS = 30
THEORY = dict(
    agents_per_country=2000,
    use_fixed_prospect=True,
    m2_study_abroad=False,
    m4_migration=False,
    m6_diaspora=False,
    m7_shocks=False,
)
SEATS = {"binding": 1.3, "loose": 10.0}  # seat_slack


def sweep(seat_slack: float) -> np.ndarray:
    world = two_country_world()
    out = []
    for p in PROSPECTS:
        params = Params(**THEORY, fixed_prospect=float(p), seat_slack=seat_slack)
        frame = simulate_with_counterfactual(world, params, years=YEARS, seed=3)
        origin = frame[(frame.country == "ORG") & (frame.year == frame.year.max())]
        out.append(origin["net_brain_gain"].item())
    return np.array(out)


@pytest.fixture(scope="module", params=list(SEATS))
def gains(request) -> np.ndarray:
    return sweep(SEATS[request.param])


def test_no_prospect_no_gain(gains):
    assert gains[0] == pytest.approx(0.0, abs=1e-12)


def test_moderate_prospects_give_a_brain_gain(gains):
    moderate = (PROSPECTS > 0) & (PROSPECTS <= 0.2)
    assert (gains[moderate] > 0).all()


def test_high_prospects_give_a_brain_drain(gains):
    assert (gains[PROSPECTS >= 0.8] < 0).all()


def test_interior_maximum(gains):
    best = int(np.argmax(gains))
    assert 0 < best < len(PROSPECTS) - 1
    assert gains[best] > 0


def test_loose_seats_never_bind():
    """With seat_slack 10 the enrolment response, not the seat cap, limits enrolment even at
    p = 1 (so the U above is shaped by the response)."""
    world = two_country_world()
    params = Params(**THEORY, fixed_prospect=1.0, seat_slack=10.0)
    model = MigrationModel(world, params, years=YEARS)
    while model.running:
        cohort = youth_cohort(model)
        wanting = enrolment_probability(model) * cohort
        assert wanting[0] < home_seats(model, cohort)[0]
        model.step()


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
