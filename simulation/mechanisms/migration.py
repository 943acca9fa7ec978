"""M4 Skilled migration as a random-utility choice among staying, returning home and moving on.

The utility of moving to a third country d depends only on the worker's origin o, degree
country g, location l and degree level, so those options are scored once per such class
(classes x countries) and summarised by their inclusive value. Staying and returning home depend
on the worker's own tie, recognition status and graduation year, so they are scored per agent
over arrays. Each agent then makes a three-way draw (stay / home / elsewhere) and, if elsewhere,
a destination draw from its class row: O(classes x countries + agents), no loop over agents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.choice import classes_of, logit_probabilities, sample_by_class
from simulation.mechanisms.recognition import draw_recognition
from simulation.population import WORKER, tally

if TYPE_CHECKING:
    from simulation.model import MigrationModel

FLOOR = 1e-3  # openness floor: a closed border is very costly, not impossible
YOUNG_AGE = 35  # workers enter at about 25: "young" are the first ten working years
MID_AGE = 50


def expected_wage(model: MigrationModel, degree: np.ndarray) -> np.ndarray:
    """(len(degree), countries): expected wage of a degree from g in each country."""
    s = model.state
    r = model.recognition[degree]
    return r * s.wage_skilled[None, :] + (1 - r) * s.wage_unskilled[None, :]


def move_utility(
    model: MigrationModel,
    origin: np.ndarray,
    degree: np.ndarray,
    location: np.ndarray,
    doctorate: np.ndarray,
) -> np.ndarray:
    """Utility of moving to each country for each class; -inf at the class's own location and
    origin (those options are scored per agent)."""
    p, s, w = model.params, model.state, model.world
    u = p.wage_weight * np.log(expected_wage(model, degree))
    u -= p.move_cost_base + p.move_cost_distance * np.log1p(w.distance_km[location] / 100.0)
    if p.m6_diaspora:
        u += p.network_elasticity * np.log1p(model.diaspora[origin] / 1_000.0)
    u += p.common_language_bonus * w.common_language[origin]
    visa = np.where(doctorate[:, None], s.visa["scientists"][None, :], s.visa["skilled"][None, :])
    visa = visa * (1 - s.ethical_cap.T[origin])
    u += p.visa_weight * np.log(np.maximum(visa, FLOOR))
    u += p.social_openness_weight * s.social_openness[None, :]
    u += p.destination_size_weight * np.log(s.destination_share)[None, :]
    u += s.emigration_constant[origin][:, None]
    rows = np.arange(len(origin))
    u[rows, location] = -np.inf
    u[rows, origin] = -np.inf
    return u


def logsumexp_rows(u: np.ndarray) -> np.ndarray:
    top = np.max(u, axis=1)
    safe = np.where(np.isfinite(top), top, 0.0)
    total = np.exp(u - safe[:, None]).sum(axis=1)
    with np.errstate(divide="ignore"):
        return np.where(total > 0, safe + np.log(total), -np.inf)


def stay_and_home_utility(model: MigrationModel, rows: np.ndarray, post_study: np.ndarray):
    """Per-agent utility of staying where they are and of going home (-inf if at home)."""
    p, s, pop, w = model.params, model.state, model.pop, model.world
    o, g, loc = pop.origin[rows], pop.degree_country[rows], pop.location[rows]
    tie = pop.tie[rows].astype(float)
    at_home = loc == o
    wage_here = np.where(pop.recognised[rows], s.wage_skilled[loc], s.wage_unskilled[loc])
    stay = p.wage_weight * np.log(wage_here) + p.post_study_bonus * post_study
    stay += np.where(
        at_home, p.home_tie_weight * tie, p.social_openness_weight * s.social_openness[loc]
    )
    r_home = model.recognition[g, o]
    wage_home = r_home * s.wage_skilled[o] + (1 - r_home) * s.wage_unskilled[o]
    home = (
        p.wage_weight * np.log(wage_home)
        - p.return_cost
        - p.move_cost_distance * np.log1p(w.distance_km[loc, o] / 100.0)
        + p.home_tie_weight * tie
        + s.return_incentive[o]
    )
    home = np.where(at_home, -np.inf, home)
    return stay, home


def consider_probability(model: MigrationModel, rows: np.ndarray) -> np.ndarray:
    """Chance each worker considers a move this year: by age band, higher in the first years
    abroad, raised by a shock where the worker lives."""
    p, s, pop = model.params, model.state, model.pop
    age = pop.age[rows]
    by_band = np.array([p.consider_rate_young, p.consider_rate_mid, p.consider_rate_old])
    base = by_band[(age >= YOUNG_AGE).astype(np.int64) + (age >= MID_AGE)]
    location = pop.location[rows]
    recent = (location != pop.origin[rows]) & (pop.years_abroad[rows] < 5)
    base = np.where(recent, np.maximum(base, p.consider_rate_recent), base)
    if p.m7_shocks:
        base = base * (1 + p.shock_move_sensitivity * s.shock[location])
    return np.minimum(base, 1.0)


def choose_locations(model: MigrationModel, rows: np.ndarray, post_study: np.ndarray) -> np.ndarray:
    """New location for each of the given workers (may equal the current one)."""
    pop = model.pop
    rng = model.stream("migration_choice")
    o, g, loc = pop.origin[rows], pop.degree_country[rows], pop.location[rows]
    doct = pop.doctorate[rows]
    n = model.state.n
    keys, agent_class = classes_of([o, g, loc, doct], [n, n, n, 2])
    u_move = move_utility(model, keys[:, 0], keys[:, 1], keys[:, 2], keys[:, 3].astype(bool))
    inclusive = logsumexp_rows(u_move)[agent_class]
    stay, home = stay_and_home_utility(model, rows, post_study)
    pick = three_way_choice(stay, home, inclusive, rng.random(len(rows)))
    new_loc = loc.copy()
    new_loc[pick == 1] = o[pick == 1]
    elsewhere = np.flatnonzero(pick == 2)
    if len(elsewhere):
        probs = logit_probabilities(u_move)
        new_loc[elsewhere] = sample_by_class(
            probs, agent_class[elsewhere], rng.random(len(elsewhere))
        )
    return new_loc


def leave_probability_for_rate(rate: np.ndarray, params) -> np.ndarray:
    """Chance q of leaving when considering a move at which a cohort's share abroad, averaged
    over working ages 25 to retirement, equals `rate`: F(a + 1) = F(a) + c(a) q (1 - F(a)) with
    c(a) the consideration rate of age a (returns ignored). Inverted on a grid of q."""
    ages = np.arange(25, int(params.retirement_age))
    consider = np.where(ages < MID_AGE, params.consider_rate_mid, params.consider_rate_old)
    consider = np.where(ages < YOUNG_AGE, params.consider_rate_young, consider)
    grid = np.linspace(0.0, 1.0, 2001)
    abroad = np.zeros_like(grid)
    mean = np.zeros_like(grid)
    for c in consider:  # a loop over ages (40), not agents
        abroad = abroad + c * grid * (1 - abroad)
        mean += abroad / len(ages)
    return np.interp(rate, mean, grid)


def calibrate_emigration(model: MigrationModel, emigration_rate: np.ndarray) -> None:
    """Set each origin's move intercept so that, at start, a worker at home who considers moving
    leaves with the probability that keeps its skilled emigration rate at the start level."""
    p, s = model.params, model.state
    s.emigration_constant[:] = 0.0
    idx = np.arange(s.n)
    inclusive = logsumexp_rows(move_utility(model, idx, idx, idx, np.zeros(s.n, dtype=bool)))
    stay = p.wage_weight * np.log(s.wage_skilled) + p.home_tie_weight
    rate = np.clip(np.nan_to_num(emigration_rate, nan=0.05), 0.0, 0.99)
    q = np.clip(leave_probability_for_rate(rate, p), 1e-5, 0.95)
    s.emigration_constant[:] = np.log(q / (1 - q)) + stay - inclusive


def three_way_choice(
    stay: np.ndarray, home: np.ndarray, elsewhere: np.ndarray, uniforms: np.ndarray
) -> np.ndarray:
    """0 = stay, 1 = go home, 2 = move elsewhere, by logit over the three utilities."""
    top = np.maximum(np.maximum(stay, home), elsewhere)
    e_stay, e_home, e_else = np.exp(stay - top), np.exp(home - top), np.exp(elsewhere - top)
    total = e_stay + e_home + e_else
    p_stay = e_stay / total
    p_home = e_home / total
    return (uniforms >= p_stay).astype(np.int64) + (uniforms >= p_stay + p_home)


def emigration_destinations(model: MigrationModel, doctorate: bool = False) -> np.ndarray:
    """(origins, countries): where a new graduate at home would go if it emigrated."""
    idx = np.arange(model.state.n)
    u = move_utility(model, idx, idx, idx, np.full(len(idx), doctorate))
    return logit_probabilities(u)


def count_new_emigrants(model: MigrationModel, rows: np.ndarray) -> None:
    """Add people who became skilled emigrants without leaving home (foreign graduates who stay
    abroad) to the year's emigrations and the corridor flows."""
    pop, n = model.pop, model.state.n
    o, loc, weight = pop.origin[rows], pop.location[rows], pop.weight[rows]
    model.flows["emigrations"] += tally(o, weight, n)
    key = o.astype(np.int64) * n + loc
    model.emigration_flows += tally(key, weight, n * n).reshape(n, n)


def relocate(
    model: MigrationModel, rows: np.ndarray, new_loc: np.ndarray, count_flows: bool = True
) -> None:
    """Apply moves: update location, recognition, ties and (unless `count_flows` is False,
    for students sent home on graduation, who were never emigrants) the year's flows."""
    pop, flows = model.pop, model.flows
    moved = new_loc != pop.location[rows]
    rows, new_loc = rows[moved], new_loc[moved]
    if not len(rows):
        return
    o, old = pop.origin[rows], pop.location[rows]
    weight = pop.weight[rows]
    leaving = (old == o) & (new_loc != o)
    returning = (old != o) & (new_loc == o)
    if count_flows:
        n = model.state.n
        flows["emigrations"] += tally(o[leaving], weight[leaving], n)
        flows["returns"] += tally(o[returning], weight[returning], n)
        key = o[leaving].astype(np.int64) * n + new_loc[leaving]
        model.emigration_flows += tally(key, weight[leaving], n * n).reshape(n, n)
    pop.column("location")[rows] = new_loc
    pop.column("recognised")[rows] = draw_recognition(model, rows, new_loc)
    pop.column("returnee")[rows[returning]] = True
    pop.column("tie")[rows[returning]] = 1.0
    pop.column("years_abroad")[rows[leaving]] = 0


def migration_step(model: MigrationModel, post_study_rows: np.ndarray) -> None:
    """M4: workers who consider a move (and this year's foreign graduates) choose a location."""
    pop = model.pop
    workers = np.flatnonzero(pop.kind == WORKER)
    consider = model.stream("migration_consider").random(len(workers)) < consider_probability(
        model, workers
    )
    post = np.zeros(pop.n, dtype=bool)
    post[post_study_rows] = True
    selected = post.copy()
    selected[workers[consider]] = True
    rows = np.flatnonzero(selected)
    if not len(rows):
        return
    new_loc = choose_locations(model, rows, post[rows].astype(float))
    relocate(model, rows, new_loc)
    # graduates abroad who do not go home (stay or move on) become emigrants of their origin
    graduates = rows[post[rows] & (new_loc != pop.origin[rows])]
    count_new_emigrants(model, graduates)


def age_abroad(model: MigrationModel) -> None:
    """Ties to origin fade abroad unless ICT at both ends maintains them."""
    p, s, pop = model.params, model.state, model.pop
    abroad = np.flatnonzero(pop.location != pop.origin)
    if not len(abroad):
        return
    o, loc = pop.origin[abroad], pop.location[abroad]
    decay = p.tie_decay * (1 - p.ict_tie_maintenance * s.ict[o] * s.ict[loc])
    pop.column("tie")[abroad] *= (1 - decay).astype(np.float32)
    pop.column("years_abroad")[abroad] += 1
