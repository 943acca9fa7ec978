"""Every event kind moves its documented outcome in its documented direction (EVENT_KINDS).

Each kind is applied in 2001 on the teaching world, with its lever raised above the status
quo (or lowered, for the kinds in LOWERED, with the sign reversed), and compared with the same
world and seeds without the event (common random numbers), so a difference comes from the
event. `EVENT_KINDS[kind]` documents the outcome (a metric), whose
outcome it is (the event's countries, its partners or the world) and the direction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation import EVENT_KINDS, METRICS, Params, PolicyEvent, load_world, simulate

ORIGINS = ("IND", "NGA", "GHA", "KEN", "BGD", "PHL")
LOWERED = {"integration_policy"}  # kinds whose test event lowers the lever (sign reversed)
HOSTS = ("USA", "GBR", "FRA")
YEARS = 10
SEEDS = (1, 2)
PARAMS = Params(agents_per_country=150, seat_slack=1.0)  # seats bind: education_seats acts
# the event of each kind, with its lever raised above the status quo
EVENTS = {
    "join_convention": PolicyEvent("join_convention", 2001, ("all",), convention="global"),
    "bilateral_recognition": PolicyEvent(
        "bilateral_recognition", 2001, ORIGINS, value=0.5, partners=HOSTS
    ),
    "quality_assurance": PolicyEvent("quality_assurance", 2001, ORIGINS, value=1.0),
    "ict_investment": PolicyEvent("ict_investment", 2001, ORIGINS, value=0.95),
    "diaspora_engagement": PolicyEvent("diaspora_engagement", 2001, ORIGINS, value=1.0),
    "return_incentive": PolicyEvent("return_incentive", 2001, ORIGINS, value=3.0),
    "visa_facilitation": PolicyEvent("visa_facilitation", 2001, HOSTS, value=1.0, group="students"),
    # lowered (0.6 -> 0): more openness also draws new, return-prone emigrants, so raising it
    # moves the return rate less clearly than closing the hosts does
    "integration_policy": PolicyEvent("integration_policy", 2001, HOSTS, value=0.0),
    "education_seats": PolicyEvent("education_seats", 2001, ORIGINS, value=3.0),
    "education_quality": PolicyEvent("education_quality", 2001, ORIGINS, value=0.3),
    "ethical_recruitment": PolicyEvent(
        "ethical_recruitment", 2001, HOSTS, value=1.0, partners=ORIGINS
    ),
    "climate_trend": PolicyEvent("climate_trend", 2001, value=0.1),
    "adaptation": PolicyEvent("adaptation", 2001, ("BGD", "PHL", "IND"), value=1.0),
    "shock": PolicyEvent("shock", 2003, ("BGD",), value=0.2, hazard="cyclone"),
    "remittance_cost": PolicyEvent("remittance_cost", 2001, ORIGINS, value=0.3),
}


def test_every_event_kind_has_a_test_event():
    assert set(EVENTS) == set(EVENT_KINDS)
    for kind, event in EVENTS.items():
        assert event.kind == kind
        event.check()


@pytest.fixture(scope="module")
def world():
    return load_world("teaching")


@pytest.fixture(scope="module")
def baselines(world) -> dict[int, pd.DataFrame]:
    return {seed: simulate(world, PARAMS, YEARS, seed) for seed in SEEDS}


def outcome(frame: pd.DataFrame, event: PolicyEvent, world) -> float:
    """The event kind's documented outcome over its places and the years from the event on."""
    spec = EVENT_KINDS[event.kind]
    places = {"countries": event.countries, "partners": event.partners, "world": ("all",)}
    codes = np.asarray(world.codes)[world.resolve(list(places[spec.outcome_of]))]
    rows = frame[frame.country.isin(codes) & (frame.year >= event.year)]
    metric = METRICS[spec.outcome]
    if metric.aggregate == "ratio":
        return float(rows[metric.numerator].sum() / rows[metric.denominator].sum())
    return float(rows[spec.outcome].sum())


@pytest.mark.parametrize("kind", list(EVENT_KINDS))
def test_event_moves_its_outcome_in_the_documented_direction(kind, world, baselines):
    event = EVENTS[kind]
    changes = []
    for seed in SEEDS:
        with_event = simulate(world, PARAMS, YEARS, seed, [event])
        changes.append(outcome(with_event, event, world) - outcome(baselines[seed], event, world))
    direction = EVENT_KINDS[kind].direction * (-1 if kind in LOWERED else 1)
    assert direction * np.mean(changes) > 0, (kind, changes)
