"""Intercepts set at start so that the start year reproduces the data and a baseline without
events changes only through its drivers (docs/ODD.md §3.1).

- Study abroad (M2): each origin's abroad intercept makes new students' abroad share match the
  UIS outbound ratio (the destination constants were fitted before the people were made, see
  `calibrate_study_destinations`).
- Leaving home (M4): each origin's intercept is found on the model's own expected flows of the
  first year — graduates at home, foreign graduates staying abroad, returns, onward moves,
  retirements, at the expected long-run shock intensity — so that the share of the origin's
  skilled people living abroad, emigrants / (emigrants + skilled natives at home), stays
  where it starts. The probabilities are those the yearly step draws from
  (`choice_probabilities`, `consider_probability`), so the calibration sees every term of M4.
- Perceived prospect (M1): the same expected flows give the start value of recent emigration
  per graduate.
- Enrolment (M1): the intercept makes the enrolment probability equal the data's at start.

All three depend on the world, the parameters and the initial population only, never on the
emigration switch, so the counterfactual starts from the same intercepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit, logit

from simulation.choice import logit_probabilities
from simulation.mechanisms.education import expected_return, financing, perception_target
from simulation.mechanisms.migration import (
    choice_probabilities,
    consider_probability,
    move_utility,
)
from simulation.population import STUDENT, WORKER, tally

if TYPE_CHECKING:
    from simulation.model import MigrationModel

BISECTION_STEPS = 40
INTERCEPT_RANGE = 30.0


def expected_shock(model: MigrationModel) -> np.ndarray:
    """Long-run mean shock intensity per country at start: the yearly expected damage over the
    recovery rate (the fixed point of S <- S (1 - recovery) + damage), at most 1."""
    p, s = model.params, model.state
    if not p.m7_shocks:
        return np.zeros(s.n)
    severity = (s.hazard_p * s.hazard_sev).sum(axis=1)  # Exponential(1) sizes: mean 1
    damage = p.shock_intensity_scale * severity * (1 - p.adaptation_effect * s.adaptation)
    return np.minimum(1.0, damage / max(p.shock_recovery, 1e-3))


@dataclass
class StartFlows:
    """What the leaving calibration needs, from the initial population (per origin o and
    working-age bin a = age - 25): stocks, consider rates, return chances and yearly inflows."""

    home: np.ndarray  # (o, a) skilled natives at home
    recent: np.ndarray  # (o, a) emigrants in their first `recent_years` abroad
    settled: np.ndarray  # (o, a) other emigrants
    consider_home: np.ndarray  # (o, a) chance of considering a move
    consider_recent: np.ndarray
    consider_settled: np.ndarray
    home_recent: np.ndarray  # (o,) chance a considering emigrant of the start goes home
    home_settled: np.ndarray
    home_new: np.ndarray  # (o,) the same for emigrants made during the run
    graduates_at_home: np.ndarray  # (o,) per year: graduates of home universities
    graduates_abroad: np.ndarray  # per graduate abroad: origin, weight, logit of going home
    graduates_abroad_weight: np.ndarray
    graduates_abroad_logit: np.ndarray
    graduates: np.ndarray  # (o,) per year: all graduates
    growth: np.ndarray  # (o,) yearly growth of graduate cohorts (the youth cohort's)
    diaspora: np.ndarray  # (o,) all-education diaspora at start (network size)
    network: float  # network elasticity (0 without M6)
    diaspora_scale: float
    adults: np.ndarray  # (o,) resident adults at start
    immigrants: np.ndarray  # (o,) skilled immigrants at start (held)
    enrolment: np.ndarray  # (o,) enrolment probability at start
    wage_response: float  # change of the leaving logit per unit of log human capital (M8)
    enrolment_response: float  # change of the enrolment logit per unit of log h (M1, M8)
    leave_origin: np.ndarray  # per home worker: origin, consider-weighted mass, leaving logit
    leave_mass: np.ndarray
    leave_logit: np.ndarray


def _by_origin_and_age(origin, age_bin, weight, value, shape) -> np.ndarray:
    key = origin * shape[1] + age_bin
    total = np.bincount(key, weight * value, minlength=shape[0] * shape[1])
    return total.reshape(shape).astype(float)


def start_flows(model: MigrationModel) -> StartFlows:
    """The initial population's stocks and the model's own probabilities at start (leaving
    intercept 0), at the expected long-run shock intensity."""
    p, pop, n = model.params, model.pop, model.state.n
    span = int(round(p.retirement_age - 25))
    workers = np.flatnonzero(pop.kind == WORKER)
    o, loc, w = pop.origin[workers], pop.location[workers], pop.weight[workers]
    age_bin = np.clip((pop.age[workers] - 25).astype(np.int64), 0, span - 1)
    choice = choice_probabilities(model, workers, np.zeros(len(workers)))
    shock = expected_shock(model)
    consider = consider_probability(model, workers, shock)
    at_home = loc == o
    recent = ~at_home & (pop.years_abroad[workers] < p.recent_years)
    settled = ~at_home & ~recent
    shape = (n, span)

    def stock(mask):
        return _by_origin_and_age(o[mask], age_bin[mask], w[mask], np.ones(mask.sum()), shape)

    def home_chance(mask, fallback=None):
        mass = w * consider
        num = tally(o[mask], (mass * choice.home)[mask], n)
        den = tally(o[mask], mass[mask], n)
        spare = np.zeros(n) if fallback is None else fallback
        return np.divide(num, den, out=spare.copy(), where=den > 0)

    # every student finishes once: a year's graduates are the students weighted by the chance
    # of being in their last year (study_left is uniform over 1..duration-1 at start)
    students = np.flatnonzero(pop.kind == STUDENT)
    duration = p.first_degree_years + pop.doctorate[students] * p.doctorate_years
    yearly = pop.weight[students] / np.maximum(duration - 1, 1)
    abroad_mask = pop.location[students] != pop.origin[students]
    abroad, at_home_grads = students[abroad_mask], students[~abroad_mask]
    go_home = np.ones(len(abroad))  # without post-study stays all come home
    if len(abroad) and p.m3_post_study_stay:
        post = choice_probabilities(model, abroad, np.ones(len(abroad)))
        go_home = post.home if p.m4_migration else np.zeros(len(abroad))
    # emigrants made during the run live where people study and move today, not where the
    # start's emigrants live: their chance of going home is that of the students abroad, as
    # workers (no post-study bonus)
    later = choice_probabilities(model, abroad, np.zeros(len(abroad))).home if len(abroad) else 0
    num = tally(pop.origin[abroad], yearly[abroad_mask] * later, n)
    den = tally(pop.origin[abroad], yearly[abroad_mask], n)
    fallback = home_chance(~at_home)
    return StartFlows(
        home=stock(at_home),
        recent=stock(recent),
        settled=stock(settled),
        **consider_by_age(model, shock, o[~at_home], loc[~at_home], w[~at_home], span),
        home_recent=home_chance(recent, fallback),
        home_settled=home_chance(settled, fallback),
        home_new=np.divide(num, den, out=fallback.copy(), where=den > 0),
        graduates_at_home=tally(pop.origin[at_home_grads], yearly[~abroad_mask], n),
        graduates_abroad=pop.origin[abroad],
        graduates_abroad_weight=yearly[abroad_mask],
        graduates_abroad_logit=logit(np.clip(go_home, 1e-16, 1 - 1e-16)),
        graduates=tally(pop.origin[students], yearly, n),
        growth=np.maximum(model.state.growth, 0.0),
        diaspora=model.corridors.diaspora.sum(axis=1),
        network=p.network_elasticity if p.m6_diaspora else 0.0,
        diaspora_scale=p.diaspora_scale,
        adults=model.adults(),
        immigrants=model.skilled_residents() - tally(o[at_home], w[at_home], n),
        enrolment=model.state.enrolment_start,
        wage_response=p.wage_weight * p.scarcity_elasticity if p.m8_economy else 0.0,
        enrolment_response=-p.enrol_sensitivity * p.scarcity_elasticity if p.m8_economy else 0.0,
        leave_origin=o[at_home],
        leave_mass=(w * consider)[at_home],
        leave_logit=logit(np.clip(choice.elsewhere[at_home], 1e-300, 1 - 1e-16)),
    )


def consider_by_age(
    model: MigrationModel,
    shock: np.ndarray,
    emigrant_origin: np.ndarray,
    emigrant_location: np.ndarray,
    emigrant_weight: np.ndarray,
    span: int,
) -> dict[str, np.ndarray]:
    """(origin, age bin) chances of considering a move, by M4's rule: the age band's rate
    (at least `consider_rate_recent` in the first years abroad), times the shock factor at
    home, or abroad the mean factor where the origin's emigrants live."""
    p, n = model.params, model.state.n
    age = 25 + np.arange(span) + 0.5
    band = np.where(age < p.young_age, p.consider_rate_young, p.consider_rate_mid)
    band = np.where(age >= p.mid_age, p.consider_rate_old, band)
    sensitivity = p.shock_move_sensitivity if p.m7_shocks else 0.0
    at_home = 1 + sensitivity * shock
    factor = 1 + sensitivity * shock[emigrant_location]
    mass = tally(emigrant_origin, emigrant_weight, n)
    abroad = tally(emigrant_origin, emigrant_weight * factor, n)
    abroad = np.divide(abroad, mass, out=np.ones(n), where=mass > 0)
    on = 1.0 if p.m4_migration else 0.0
    return {
        "consider_home": on * np.minimum(band[None, :] * at_home[:, None], 1.0),
        "consider_recent": on
        * np.minimum(np.maximum(band, p.consider_rate_recent)[None, :] * abroad[:, None], 1.0),
        "consider_settled": on * np.minimum(band[None, :] * abroad[:, None], 1.0),
    }


def leaving_chance(flows: StartFlows, intercept: np.ndarray) -> np.ndarray:
    """Per origin: chance that a home worker who considers a move leaves, at these intercepts."""
    n = len(intercept)
    o = flows.leave_origin
    leaving = tally(o, flows.leave_mass * expit(flows.leave_logit + intercept[o]), n)
    mass = tally(o, flows.leave_mass, n)
    return np.divide(leaving, mass, out=np.zeros(n), where=mass > 0)


def graduates_staying(flows: StartFlows, intercept: np.ndarray) -> np.ndarray:
    """Per origin and year: graduates abroad who stay abroad, at these intercepts (the
    intercept lowers the utility of going home after study)."""
    o = flows.graduates_abroad
    home = expit(flows.graduates_abroad_logit - intercept[o])
    return tally(o, flows.graduates_abroad_weight * (1 - home), len(intercept))


def emigration_rate(
    flows: StartFlows, home: np.ndarray, recent: np.ndarray, settled: np.ndarray
) -> np.ndarray:
    """The skilled emigration rate (Docquier & Marfouk): emigrants / (emigrants + skilled
    residents), the residents being the natives at home and the start's immigrants."""
    abroad = recent.sum(axis=1) + settled.sum(axis=1)
    total = abroad + home.sum(axis=1) + flows.immigrants
    return np.divide(abroad, total, out=np.zeros_like(total), where=total > 0)


def project(flows: StartFlows, intercept: np.ndarray, years: int, recent_years: int):
    """Expected stocks after `years` with drivers held at start: the model's flows on an
    (origin x age) cohort table, with the feedbacks of the model's own dynamics — a growing
    diaspora makes leaving cheaper (M6), and a growing skilled share lowers the skill premium
    (M8), which makes staying and returning less attractive and study less rewarding (M1).
    Emigrants of the start and emigrants made during the run are kept apart (they return at
    different rates). Returns (home, recent, settled) with the two kinds of emigrants summed."""
    n = len(intercept)
    home = flows.home.copy()
    abroad = {  # compartment: stock, consider rate, chance of going home
        "recent": [flows.recent.copy(), flows.consider_recent, flows.home_recent],
        "settled": [flows.settled.copy(), flows.consider_settled, flows.home_settled],
        "new_recent": [np.zeros_like(home), flows.consider_recent, flows.home_new],
        "new_settled": [np.zeros_like(home), flows.consider_settled, flows.home_new],
    }
    settles_into = {"recent": "settled", "new_recent": "new_settled"}
    emigrants_start = sum(stock.sum(axis=1) for stock, _, _ in abroad.values())
    size_start = np.log1p(flows.diaspora / flows.diaspora_scale)
    h_start = (home.sum(axis=1) + flows.immigrants) / flows.adults
    abroad_total = tally(flows.graduates_abroad, flows.graduates_abroad_weight, n)
    enrol_logit = logit(np.clip(flows.enrolment, 1e-6, 1 - 1e-6))
    for t in range(years):
        emigrants = sum(stock.sum(axis=1) for stock, _, _ in abroad.values())
        size = np.log1p(
            np.maximum(flows.diaspora + emigrants - emigrants_start, 0) / flows.diaspora_scale
        )
        adults = flows.adults * (1 + flows.growth) ** t
        scarcity = np.log(np.maximum(home.sum(axis=1) + flows.immigrants, 1e-9) / adults / h_start)
        shift = flows.network * (size - size_start) + flows.wage_response * scarcity
        leaving = home * flows.consider_home * leaving_chance(flows, intercept + shift)[:, None]
        home -= leaving
        abroad["new_recent"][0] += leaving
        for name, (stock, consider, chance) in abroad.items():
            back = stock * consider * _shifted(chance, -shift)
            stock -= back
            home += back
            if name in settles_into:
                settling = stock / recent_years
                stock -= settling
                abroad[settles_into[name]][0] += settling
        for stock in (home, *(item[0] for item in abroad.values())):  # a year older
            stock[:, 1:] = stock[:, :-1].copy()
            stock[:, 0] = 0.0
        study = expit(enrol_logit + flows.enrolment_response * scarcity) / flows.enrolment
        cohort = (1 + flows.growth) ** t * study
        staying = graduates_staying(flows, intercept + shift)
        home[:, 0] += (flows.graduates_at_home + abroad_total - staying) * cohort
        # years abroad count from leaving home, study included: graduates who stay are
        # past their first years abroad (docs/ODD.md, M4)
        abroad["new_settled"][0][:, 0] += staying * cohort
    recent = abroad["recent"][0] + abroad["new_recent"][0]
    settled = abroad["settled"][0] + abroad["new_settled"][0]
    return home, recent, settled


def _shifted(probability: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """The probability with its logit moved by `shift`, as a column (origin, 1)."""
    return expit(logit(np.clip(probability, 1e-12, 1 - 1e-12)) + shift)[:, None]


def calibrate_corridors(model: MigrationModel) -> None:
    """Corridor constants: a new emigrant of origin o goes to d with probability
    persistence x (o's skilled emigrants living in d at start, as a share) + (1 - persistence)
    x the share M4's utilities give d (distance, language, wages, visas, network...), so new
    flows follow the corridors where diasporas live (Beine, Docquier & Ozden 2011: networks
    explain about 71% of the variation in flow sizes) and move with the utilities when those
    change. One step of the logit does it: adding ln(target / share) to the utilities of a
    row makes its shares the target."""
    p, c, n = model.params, model.corridors, model.state.n
    c.corridor_constant[:] = 0.0
    idx = np.arange(n)
    gravity = logit_probabilities(move_utility(model, idx, idx, idx, np.zeros(n, bool), np.ones(n)))
    stock = c.skilled_diaspora * (1 - np.eye(n))
    total = stock.sum(axis=1, keepdims=True)
    observed = np.divide(stock, total, out=gravity.copy(), where=total > 0)
    target = p.corridor_persistence * observed + (1 - p.corridor_persistence) * gravity
    with np.errstate(divide="ignore", invalid="ignore"):
        constant = np.log(target) - np.log(gravity)
    c.corridor_constant[:] = np.where(np.isfinite(constant), constant, 0.0)


def calibrate_leaving(model: MigrationModel) -> StartFlows:
    """Set `emigration_constant` so each origin's share of skilled people abroad after
    `calibration_horizon` years of the projected flows equals its start value (bisection on
    every origin at once)."""
    p, s, n = model.params, model.state, model.state.n
    s.emigration_constant[:] = 0.0
    flows = start_flows(model)
    start = emigration_rate(flows, flows.home, flows.recent, flows.settled)
    low, high = np.full(n, -INTERCEPT_RANGE), np.full(n, INTERCEPT_RANGE)
    for _ in range(BISECTION_STEPS):
        middle = (low + high) / 2
        end = emigration_rate(flows, *project(flows, middle, p.calibration_horizon, p.recent_years))
        too_many = end > start
        high = np.where(too_many, middle, high)
        low = np.where(too_many, low, middle)
    s.emigration_constant[:] = (low + high) / 2
    return flows


def calibrate_start(model: MigrationModel) -> None:
    """All start intercepts, in dependency order."""
    from simulation.mechanisms.education import calibrate_study_abroad

    p, s, w = model.params, model.state, model.world
    calibrate_study_abroad(model, np.nan_to_num(w.column("outbound_ratio")))
    calibrate_corridors(model)
    flows = calibrate_leaving(model)
    leavers = (flows.home * flows.consider_home).sum(axis=1) * leaving_chance(
        flows, s.emigration_constant
    )
    emigrating = leavers + graduates_staying(flows, s.emigration_constant)
    graduates = flows.graduates
    truth = np.divide(emigrating, graduates, out=np.zeros(s.n), where=graduates > 0)
    model.flows.emigrations = emigrating  # the first year's perception reads them (M1)
    model.flows.graduates = graduates.copy()
    s.perceived_prospect = perception_target(model, np.clip(truth, 0.0, 1.0))
    prospect = s.perceived_prospect if p.m1_incentive else np.zeros(s.n)
    s.enrol_cost = (
        logit(s.enrolment_start)
        - p.enrol_sensitivity * expected_return(model, prospect)
        - financing(model)
    )
