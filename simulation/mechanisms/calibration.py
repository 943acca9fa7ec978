"""Intercepts set at start so that the start year reproduces the data and a baseline without
events changes only through its drivers (docs/ODD.md §3.1).

- Study abroad (M2): each origin's abroad intercept makes new students' abroad share
  outbound / (1 + outbound), from the UIS outbound ratio (the destination constants were fitted
  before the people were made, see `calibrate_study_destinations`).
- Corridors (M4): constants make a leaver's destinations follow where the origin's diaspora
  lives (`corridor_persistence`) and M4's utilities (the rest).
- Leaving home (M4): each origin's intercept is found on a cohort projection of the model's own
  expected flows over `calibration_horizon` years — leavers, graduates at home, foreign
  graduates staying abroad, returns, retirements, at the expected long-run shock intensity,
  with network and scarcity-wage feedbacks and drivers held at start — so that the origin's
  skilled emigration rate, emigrants / (emigrants + skilled residents), ends where it starts.
  The probabilities are those the yearly step draws from (`choice_probabilities`,
  `consider_probability`), so the calibration sees every term of M4.
- Perceived prospect (M1): the expected flows of the first year give the start value of recent
  emigration per graduate.
- Enrolment (M1): the intercept makes the enrolment probability equal the data's at start.

All of them depend on the world, the parameters and the initial population only, never on the
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

INTERCEPT_RANGE = 30.0
AGE_BIN = 5.0  # years per age bin of the projection
GRID, GRID_ROUNDS = 12, 2  # candidates per round: brackets within 60 / 11**2 = 0.5
FALSE_POSITION_STEPS = 8


def expected_shock(model: MigrationModel) -> np.ndarray:
    """Long-run mean shock intensity per country at start: the yearly expected damage over the
    recovery rate (the fixed point of S <- S (1 - recovery) + damage), at most 1."""
    p, s = model.params, model.state
    if not p.m7_shocks:
        return np.zeros(s.n)
    severity = (s.hazard_p * s.hazard_sev).sum(axis=1)  # Exponential(1) sizes: mean 1
    damage = p.shock_intensity_scale * severity  # at start adaptation is the data's own
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
    bin_width: float  # years per age bin
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
    """The initial population's stocks (by origin and five-year age bin) and the model's own
    probabilities at start (leaving intercept 0), at the expected long-run shock intensity."""
    p, pop, n = model.params, model.pop, model.state.n
    bins, width = age_bins(p)
    workers = np.flatnonzero(pop.kind == WORKER)
    o, loc, w = pop.origin[workers], pop.location[workers], pop.weight[workers]
    age_bin = np.clip(((pop.age[workers] - 25) / width).astype(np.int64), 0, bins - 1)
    choice = choice_probabilities(model, workers, np.zeros(len(workers)))
    shock = expected_shock(model)
    consider = consider_probability(model, workers, shock)
    at_home = loc == o
    recent = ~at_home & (pop.years_abroad[workers] < p.recent_years)
    settled = ~at_home & ~recent
    shape = (n, bins)

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
        **consider_by_age(model, shock, o[~at_home], loc[~at_home], w[~at_home], bins, width),
        home_recent=home_chance(recent, fallback),
        home_settled=home_chance(settled, fallback),
        home_new=np.divide(num, den, out=fallback.copy(), where=den > 0),
        graduates_at_home=tally(pop.origin[at_home_grads], yearly[~abroad_mask], n),
        **_grouped(
            pop.origin[abroad],
            yearly[abroad_mask],
            logit(np.clip(go_home, 1e-16, 1 - 1e-16)),
            ("graduates_abroad", "graduates_abroad_weight", "graduates_abroad_logit"),
        ),
        graduates=tally(pop.origin[students], yearly, n),
        growth=np.maximum(model.state.growth, 0.0),
        bin_width=width,
        diaspora=model.corridors.diaspora.sum(axis=1),
        network=p.network_elasticity if p.m6_diaspora else 0.0,
        diaspora_scale=p.diaspora_scale,
        adults=model.adults(),
        immigrants=model.skilled_residents() - tally(o[at_home], w[at_home], n),
        enrolment=model.state.enrolment_start,
        wage_response=p.wage_weight * p.scarcity_elasticity if p.m8_economy else 0.0,
        enrolment_response=-p.enrol_sensitivity * p.scarcity_elasticity if p.m8_economy else 0.0,
        **_grouped(
            o[at_home],
            (w * consider)[at_home],
            logit(np.clip(choice.elsewhere[at_home], 1e-300, 1 - 1e-16)),
            ("leave_origin", "leave_mass", "leave_logit"),
        ),
    )


def _grouped(origin: np.ndarray, weight: np.ndarray, logit_: np.ndarray, names: tuple) -> dict:
    """People grouped by origin and a logit they share (at start a country's people have a
    handful of distinct ones): the same weighted sums, far fewer terms. `names` are the keys
    of (origins, weights, logits) in StartFlows."""
    keys, index = np.unique(
        np.stack([origin, np.round(logit_, 9)], axis=1), axis=0, return_inverse=True
    )
    grouped = (keys[:, 0].astype(np.int64), np.bincount(index.ravel(), weight), keys[:, 1])
    return dict(zip(names, grouped, strict=True))


def age_bins(params) -> tuple[int, float]:
    """Working ages 25 to retirement in bins of about AGE_BIN years: (number, width)."""
    span = params.retirement_age - 25
    bins = max(int(np.ceil(span / AGE_BIN)), 1)
    return bins, span / bins


def consider_by_age(
    model: MigrationModel,
    shock: np.ndarray,
    emigrant_origin: np.ndarray,
    emigrant_location: np.ndarray,
    emigrant_weight: np.ndarray,
    bins: int,
    width: float,
) -> dict[str, np.ndarray]:
    """(origin, age bin) chances of considering a move, by M4's rule: the age band's rate
    (at least `consider_rate_recent` in the first years abroad), times the shock factor at
    home, or abroad the mean factor where the origin's emigrants live."""
    p, n = model.params, model.state.n
    age = 25 + (np.arange(bins) + 0.5) * width
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


class _RowTally:
    """Weighted counts per (row, index value 0..n-1) for a fixed `index` and number of rows:
    the bincount keys are made once (the projection tallies the same groups every year)."""

    def __init__(self, index: np.ndarray, rows: int, n: int):
        self.key = (np.arange(rows)[:, None] * n + index[None, :]).ravel()
        self.shape = (rows, n)

    def __call__(self, weights: np.ndarray) -> np.ndarray:
        """Per row of `weights` (rows, items): weighted count per index value."""
        rows, n = self.shape
        return np.bincount(self.key, weights.ravel(), minlength=rows * n).reshape(rows, n)


class _Choices:
    """`leaving_chance` and `graduates_staying` for a fixed number of candidate rows, with what
    does not depend on the intercepts (tally keys, each origin's mass) made once: the
    projection asks for them every year."""

    def __init__(self, flows: StartFlows, rows: int, n: int):
        self.flows = flows
        self.leave = _RowTally(flows.leave_origin, rows, n)
        self.stay = _RowTally(flows.graduates_abroad, rows, n)
        self.mass = tally(flows.leave_origin, flows.leave_mass, n)
        self.has_mass = self.mass > 0

    def leaving(self, batch: np.ndarray) -> np.ndarray:
        """(rows, origins) chance that a considering home worker leaves at intercepts `batch`."""
        f = self.flows
        leaving = self.leave(f.leave_mass * expit(f.leave_logit + batch[:, f.leave_origin]))
        return np.divide(leaving, self.mass, out=np.zeros_like(leaving), where=self.has_mass)

    def staying(self, batch: np.ndarray) -> np.ndarray:
        """(rows, origins) graduates abroad who stay abroad per year at intercepts `batch`."""
        f = self.flows
        home = expit(f.graduates_abroad_logit - batch[:, f.graduates_abroad])
        return self.stay(f.graduates_abroad_weight * (1 - home))


def leaving_chance(flows: StartFlows, intercept: np.ndarray) -> np.ndarray:
    """Per origin: chance that a home worker who considers a move leaves, at these intercepts
    ((origins,), or (candidates, origins) to try several at once)."""
    batch = np.atleast_2d(intercept)
    out = _Choices(flows, *batch.shape).leaving(batch)
    return out if np.ndim(intercept) == 2 else out[0]


def graduates_staying(flows: StartFlows, intercept: np.ndarray) -> np.ndarray:
    """Per origin and year: graduates abroad who stay abroad, at these intercepts (the
    intercept lowers the utility of going home after study); shapes as `leaving_chance`."""
    batch = np.atleast_2d(intercept)
    out = _Choices(flows, *batch.shape).staying(batch)
    return out if np.ndim(intercept) == 2 else out[0]


def emigration_rate(
    flows: StartFlows, home: np.ndarray, recent: np.ndarray, settled: np.ndarray
) -> np.ndarray:
    """The skilled emigration rate (Docquier & Marfouk): emigrants / (emigrants + skilled
    residents), the residents being the natives at home and the start's immigrants."""
    abroad = recent.sum(axis=-1) + settled.sum(axis=-1)
    total = abroad + home.sum(axis=-1) + flows.immigrants
    return np.divide(abroad, total, out=np.zeros_like(total), where=total > 0)


def _age_a_year(stock: np.ndarray, width: float, ageing: np.ndarray) -> None:
    """Everyone a year older on the last axis (age bins `width` years wide): a bin's
    1 / width move up one bin, the oldest bin's retire. `ageing`: scratch of stock's shape."""
    np.divide(stock, width, out=ageing)
    stock -= ageing
    if stock.size < 1024 * stock.shape[-1]:
        stock[..., 1:] += ageing[..., :-1]
    else:  # many rows: bin by bin is faster than thousands of short inner loops
        for age in range(1, stock.shape[-1]):
            stock[..., age] += ageing[..., age - 1]


def project(flows: StartFlows, intercept: np.ndarray, years: int, recent_years: int):
    """Expected stocks after `years` with drivers held at start: the model's flows on an
    (origin x age) cohort table, with the feedbacks of the model's own dynamics — a growing
    diaspora makes leaving cheaper (M6), and a growing skilled share lowers the skill premium
    (M8), which makes staying and returning less attractive and study less rewarding (M1).
    Emigrants of the start and emigrants made during the run are kept apart (they return at
    different rates). `intercept`: (origins,), or (candidates, origins) to project several at
    once. Returns (home, recent, settled), each ([candidates,] origins, ages).

    The calibration runs it ten times over 30 years, so the loop works in place on
    preallocated arrays (same operations in the same order: the same numbers)."""
    batch = np.atleast_2d(intercept)
    shape = (batch.shape[0], *flows.home.shape)
    n = shape[1]
    choices = _Choices(flows, batch.shape[0], n)
    home = np.broadcast_to(flows.home, shape).copy()
    # emigrants in four compartments: the start's (recent, settled) and the run's (the same)
    abroad = np.zeros((4, *shape))
    abroad[0], abroad[1] = flows.recent, flows.settled
    consider = np.stack(
        [
            flows.consider_recent,
            flows.consider_settled,
            flows.consider_recent,
            flows.consider_settled,
        ]
    )[:, None]
    chances = np.stack([flows.home_recent, flows.home_settled, flows.home_new, flows.home_new])
    chance_logit = logit(np.clip(chances, 1e-12, 1 - 1e-12))[:, None, :]
    recent, settled = slice(0, 4, 2), slice(1, 4, 2)  # views: no copies in the loop
    emigrants_start = abroad.sum(axis=(0, -1))
    size_start = np.log1p(flows.diaspora / flows.diaspora_scale)
    h_start = (flows.home.sum(axis=-1) + flows.immigrants) / flows.adults
    abroad_total = tally(flows.graduates_abroad, flows.graduates_abroad_weight, n)
    enrol_logit = logit(np.clip(flows.enrolment, 1e-6, 1 - 1e-6))
    back = np.empty_like(abroad)  # scratch, reused every year
    home_ageing, abroad_ageing = np.empty_like(home), np.empty_like(abroad)
    settling = np.empty_like(abroad[recent])
    for t in range(years):
        grown = np.maximum(flows.diaspora + abroad.sum(axis=(0, -1)) - emigrants_start, 0)
        size = np.log1p(grown / flows.diaspora_scale)
        growth = (1 + flows.growth) ** t
        adults = flows.adults * growth
        h = np.maximum(home.sum(axis=-1) + flows.immigrants, 1e-9) / adults
        scarcity = np.log(h / h_start)
        # a lower premium at home (M8) makes staying home, and going home, less attractive; a
        # bigger diaspora (M6) makes leaving cheaper (going home has no network term)
        wage = flows.wage_response * scarcity
        shift = flows.network * (size - size_start) + wage
        leaving = home * flows.consider_home
        leaving *= choices.leaving(batch + shift)[..., None]
        np.multiply(abroad, consider, out=back)
        back *= expit(chance_logit - wage)[..., None]
        home += back.sum(axis=0) - leaving
        abroad -= back
        abroad[2] += leaving
        np.divide(abroad[recent], recent_years, out=settling)
        abroad[recent] -= settling
        abroad[settled] += settling
        _age_a_year(home, flows.bin_width, home_ageing)  # a year older; the oldest bin's retire
        _age_a_year(abroad, flows.bin_width, abroad_ageing)
        study = expit(enrol_logit + flows.enrolment_response * scarcity) / flows.enrolment
        cohort = growth * study
        staying = choices.staying(batch + wage)
        home[..., 0] += (flows.graduates_at_home + abroad_total - staying) * cohort
        # years abroad count from leaving home, study included: graduates who stay are
        # past their first years abroad (docs/ODD.md, M4)
        abroad[3][..., 0] += staying * cohort
    recent_total, settled_total = abroad[recent].sum(axis=0), abroad[settled].sum(axis=0)
    if np.ndim(intercept) == 1:
        return home[0], recent_total[0], settled_total[0]
    return home, recent_total, settled_total


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
    stock = model.start_totals["skilled_emigrants"] * (1 - np.eye(n))  # expected, not sampled
    total = stock.sum(axis=1, keepdims=True)
    observed = np.divide(stock, total, out=gravity.copy(), where=total > 0)
    target = p.corridor_persistence * observed + (1 - p.corridor_persistence) * gravity
    with np.errstate(divide="ignore", invalid="ignore"):
        constant = np.log(target) - np.log(gravity)
    c.corridor_constant[:] = np.where(np.isfinite(constant), constant, 0.0)


def calibrate_leaving(model: MigrationModel) -> StartFlows:
    """Set `emigration_constant` so each origin's skilled emigration rate after
    `calibration_horizon` years of the projected flows equals its start value. The projected
    rate rises with the intercept: a grid of candidates per origin, projected at once, brackets
    the crossing; false position with the Illinois halving then closes in on it."""
    p, s, n = model.params, model.state, model.state.n
    s.emigration_constant[:] = 0.0
    flows = start_flows(model)
    start = emigration_rate(flows, flows.home, flows.recent, flows.settled)

    def gap(intercept: np.ndarray) -> np.ndarray:
        ends = project(flows, intercept, p.calibration_horizon, p.recent_years)
        return emigration_rate(flows, *ends) - start

    low, high = np.full(n, -INTERCEPT_RANGE), np.full(n, INTERCEPT_RANGE)
    columns = np.arange(n)
    steps = np.linspace(0.0, 1.0, GRID)[:, None]
    for _ in range(GRID_ROUNDS):
        grid = low + (high - low) * steps
        gaps = gap(grid)
        above = gaps > 0
        first = np.where(above.any(axis=0), np.argmax(above, axis=0), GRID - 1)
        below = np.maximum(first - 1, 0)
        low, high = grid[below, columns], grid[first, columns]
        gap_low, gap_high = gaps[below, columns], gaps[first, columns]
    for _ in range(FALSE_POSITION_STEPS):
        span = gap_high - gap_low
        inside = (gap_low < 0) & (gap_high > 0) & (span > 0)
        safe_span = np.where(inside, span, 1.0)
        guess = np.where(inside, high - gap_high * (high - low) / safe_span, (low + high) / 2)
        g = gap(guess)
        moves_high = g > 0
        low, gap_low = np.where(moves_high, low, guess), np.where(moves_high, gap_low / 2, g)
        high, gap_high = np.where(moves_high, guess, high), np.where(moves_high, g, gap_high / 2)
    s.emigration_constant[:] = np.where(np.abs(gap_low) < np.abs(gap_high), low, high)
    return flows


def calibrate_start(model: MigrationModel) -> None:
    """All start intercepts, in dependency order."""
    from simulation.mechanisms.education import calibrate_study_abroad

    p, s = model.params, model.state
    start = model.start_totals
    students = np.maximum(start["students"], 1e-300)
    calibrate_study_abroad(model, start["students_abroad"].sum(axis=1) / students)
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
