"""M4 Skilled migration: each deciding worker chooses among staying, going home and moving on.

Leaving home and moving on are different choices: the calibrated intercept of each origin
(`emigration_constant`) applies only to becoming an emigrant — a worker leaving its home country,
or a graduate abroad not coming home after study (its home option carries minus the intercept).
An emigrant who moves to a third country pays `move_cost_base` instead, and an emigrant's return
home has its own terms (return cost, home tie, return incentive).

The utility of each destination depends on the worker only through its class (origin, degree
country, location, doctorate), so destinations are scored once per class and summarised by their
inclusive value; staying and going home are scored per agent. Each agent then makes one
three-way draw and, if it moves on, a destination draw from its class row: O(classes x countries
+ agents), no loop over agents.

Weight cap: a class whose agents stand for more people than `agent_weight_cap` of a
destination's adults does not move whole agents there. Its flow to such a "small" destination
is realised as pieces of that size (smaller if the parent is lighter), split off the class's
staying agents (the number of pieces is the expected flow divided by the cap, rounded
stochastically), so the expected flow is about unchanged and no single move swamps a small
country.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulation.choice import (
    classes_of,
    logit_probabilities,
    logit_with_inclusive_value,
    nonzero_cells,
    pick_option,
    sample_by_class,
    stochastic_round,
)
from simulation.mechanisms.recognition import diaspora_size, draw_recognition
from simulation.pieces import pick_by_weight, within_weight
from simulation.population import WORKER, tally, tally_pairs

if TYPE_CHECKING:
    from simulation.model import MigrationModel

STAY, HOME, ELSEWHERE = 0, 1, 2


def wage_factor(model: MigrationModel, rows: np.ndarray) -> np.ndarray:
    """Skilled-job pay relative to the skilled wage: skill gained or lost since graduation."""
    change = model.pop.skill_change[rows].astype(float)
    return np.exp(model.params.skill_wage_elasticity * change)


def expected_pay(recognition: np.ndarray, skilled: np.ndarray, unskilled: np.ndarray):
    """Pay expected with a qualification recognised with probability `recognition`: the
    skilled pay if recognised, else the unskilled wage (brain waste)."""
    return recognition * skilled + (1 - recognition) * unskilled


def degree_pay(model: MigrationModel) -> np.ndarray:
    """[g, d] expected pay of a degree from g in d at skill factor 1: the skilled wage if
    recognised (probability R[g, d]), else the unskilled wage."""
    s = model.state
    return expected_pay(
        model.corridors.recognition, s.wage_skilled[None, :], s.wage_unskilled[None, :]
    )


def year_pay(model: MigrationModel) -> np.ndarray:
    """`degree_pay` of the current year: the step's shared matrix while the year's terms hold."""
    return degree_pay(model) if model.year_terms is None else model.year_terms.pay


@dataclass
class MoveTerms:
    """The parts of a destination's utility, as (countries x countries) matrices for the
    year: indexed by degree country g, location l or origin o (rows) and destination d.
    Terms that are added together in every utility are summed here once a year."""

    pay: np.ndarray  # [g, d] expected pay of a degree from g in d (`degree_pay`)
    wage: np.ndarray  # [g, d] wage_weight x ln expected pay of a degree from g in d
    skilled_share: np.ndarray  # [g, d] share of that pay from skilled work (recognised)
    distance: np.ndarray  # [l, d] moving cost by distance
    ties: np.ndarray  # [o, d] network effect of the diaspora + shared official language
    visa: np.ndarray  # [o + n x doctorate, d] if visa_by_origin, else [doctorate, d]
    visa_by_origin: bool  # an ethical cap makes the visa term differ by origin
    place: np.ndarray  # [d] social openness and gravity mass
    leaving: np.ndarray  # [o, d] origin intercept + corridor constant of leaving home
    diaspora_size: np.ndarray  # [o, d] ln(1 + diaspora / scale), shared with M2
    income_gap: np.ndarray  # [o, d] ln(GDP per head of d / of o), M2

    def visa_rows(self, origin: np.ndarray, doctorate: np.ndarray) -> np.ndarray:
        """(classes, countries): the visa term of each class (origin, doctorate)."""
        doctorate = np.asarray(doctorate, dtype=np.int64)
        if self.visa_by_origin:
            return self.visa[origin + len(self.place) * doctorate]
        return self.visa[doctorate]


def income_gap(model: MigrationModel) -> np.ndarray:
    """[o, d] ln(GDP per head of d / of o): the income term of where to study (M2)."""
    gdppc = model.state.gdppc
    return np.log(gdppc[None, :] / gdppc[:, None])


def move_terms(model: MigrationModel, size: np.ndarray | None = None) -> MoveTerms:
    """This year's destination terms (cheap: a few countries x countries operations);
    `size`: this year's `diaspora_size`, if already made (a log per corridor is not cheap)."""
    p, s, c = model.params, model.state, model.corridors
    n = s.n
    pay = degree_pay(model)
    recognised = c.recognition * s.wage_skilled[None, :]
    size = diaspora_size(model) if size is None else size
    network = p.network_elasticity * size
    capped = c.ethical_cap.any()

    def visa(group: str) -> np.ndarray:
        if not capped:  # the usual case: every origin meets the same openness (log per column)
            return p.visa_weight * np.log(np.maximum(s.visa[group][None, :], p.visa_floor))
        open_to = s.visa[group][None, :] * (1 - c.ethical_cap.T)
        return p.visa_weight * np.log(np.maximum(open_to, p.visa_floor))

    return MoveTerms(
        pay=pay,
        wage=p.wage_weight * np.log(pay),
        skilled_share=recognised / pay,
        distance=model.fixed.move_distance,
        ties=(network if p.m6_diaspora else np.zeros((n, n))) + model.fixed.language,
        visa=np.concatenate([visa("skilled"), visa("scientists")]),
        visa_by_origin=capped,
        place=p.social_openness_weight * s.social_openness
        + p.destination_size_weight * np.log(s.destination_share),
        leaving=s.emigration_constant[:, None] + c.corridor_constant,
        diaspora_size=size,
        income_gap=income_gap(model),
    )


def move_utility(
    model: MigrationModel,
    origin: np.ndarray,
    degree: np.ndarray,
    location: np.ndarray,
    doctorate: np.ndarray,
    factor: np.ndarray,
) -> np.ndarray:
    """(classes, countries): utility of moving to each country; -inf at the class's own location
    and origin (staying and going home are scored per agent). Leaving home carries the origin's
    calibrated intercept and corridor constants; moving on between foreign countries carries
    `move_cost_base`. A class's skill factor f enters to first order: ln EW(f) is taken as
    ln EW(1) + ln f x the skilled share of the pay, which keeps every term a row of a
    per-year matrix (left out where ln f is 0, about half the classes).

    The classes (o, o, o) of every country in order (M1's emigration prospect) take the
    year's matrices as they are instead of gathering their rows: the same numbers."""
    p = model.params
    t = model.year_terms if model.year_terms is not None else move_terms(model)
    own = _each_country_at_home(origin, degree, location, len(t.place))
    log_factor = p.wage_weight * np.log(np.asarray(factor, dtype=float))
    u = t.wage.copy() if own else t.wage[degree]
    changed = np.flatnonzero(log_factor)
    u[changed] += log_factor[changed, None] * t.skilled_share[degree[changed]]
    u -= t.distance if own else t.distance[location]
    u += t.ties if own else t.ties[origin]
    u += t.visa_rows(origin, doctorate)
    u += t.place[None, :]
    if own:  # everyone is leaving home
        u += t.leaving
    else:
        leaving = (location == origin)[:, None]
        u += np.where(leaving, t.leaving[origin], -p.move_cost_base)
    rows = np.arange(len(origin))
    u[rows, location] = -np.inf
    u[rows, origin] = -np.inf
    return u


def _each_country_at_home(
    origin: np.ndarray, degree: np.ndarray, location: np.ndarray, n: int
) -> bool:
    """Whether the classes are (o, o, o) for o = 0..n-1 in order: then row o of every term
    matrix is the class's row."""
    if len(origin) != n:
        return False
    every = np.arange(n)
    return bool((origin == every).all() and (degree == every).all() and (location == every).all())


def stay_and_home_utility(
    model: MigrationModel,
    rows: np.ndarray,
    post_study: np.ndarray,
    factor: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-agent utility of staying where they are and of going home (-inf if at home);
    `factor`: the rows' `wage_factor`, if already made."""
    p, s, pop = model.params, model.state, model.pop
    o, g, loc = pop.origin[rows], pop.degree_country[rows], pop.location[rows]
    tie = pop.tie[rows].astype(float)
    factor = wage_factor(model, rows) if factor is None else factor
    at_home = loc == o
    wage_here = np.where(pop.recognised[rows], s.wage_skilled[loc] * factor, s.wage_unskilled[loc])
    stay = p.wage_weight * np.log(wage_here) + p.post_study_bonus * post_study
    stay += np.where(
        at_home, p.home_tie_weight * tie, p.social_openness_weight * s.social_openness[loc]
    )
    wage_home = expected_pay(
        model.corridors.recognition[g, o], s.wage_skilled[o] * factor, s.wage_unskilled[o]
    )
    home = (
        p.wage_weight * np.log(wage_home)
        - p.return_cost
        - model.fixed.move_distance[loc, o]
        + p.home_tie_weight * tie
        + s.return_incentive[o]
        - s.emigration_constant[o] * post_study  # staying abroad after study is emigrating
    )
    return stay, np.where(at_home, -np.inf, home)


def consider_probability(model: MigrationModel, rows: np.ndarray, shock: np.ndarray) -> np.ndarray:
    """Chance each worker considers a move this year: by age band, higher in the first years
    abroad, raised by a shock where the worker lives (`shock`: intensity per country)."""
    p, pop = model.params, model.pop
    age = pop.age[rows]
    by_band = np.array([p.consider_rate_young, p.consider_rate_mid, p.consider_rate_old])
    # one lookup per worker: three age bands, then the same raised for the recently arrived
    rate = np.concatenate([by_band, np.maximum(by_band, p.consider_rate_recent)])
    location = pop.location[rows]
    recent = location != pop.origin[rows]
    recent &= pop.years_abroad[rows] < p.recent_years
    rate_index = recent.view(np.int8) * np.int8(3)
    rate_index += age >= p.young_age
    rate_index += age >= p.mid_age
    base = rate[rate_index]
    if p.m7_shocks:  # the raise is a country's: made per country, then looked up
        base *= (1 + p.shock_move_sensitivity * shock)[location]
    return np.minimum(base, 1.0, out=base)


@dataclass
class Choice:
    """Logit choice of a set of deciding agents (see `choice_probabilities`)."""

    rows: np.ndarray
    stay: np.ndarray  # per agent: probability of each option
    home: np.ndarray
    elsewhere: np.ndarray
    agent_class: np.ndarray
    destinations: np.ndarray  # (classes, countries): where a mover of the class goes (a row
    # of zeros for a class that cannot move on: at home in the no-emigration twin)
    class_weight: np.ndarray  # mean weight of the class's agents


def choice_probabilities(
    model: MigrationModel, rows: np.ndarray, post_study: np.ndarray, allow_leaving: bool = True
) -> Choice:
    """The options of deciding agents. `allow_leaving` False removes moves out of the home
    country (the no-emigration counterfactual); moves on and returns remain."""
    pop, n = model.pop, model.state.n
    o, g, loc = pop.origin[rows], pop.degree_country[rows], pop.location[rows]
    factor = wage_factor(model, rows)
    keys, agent_class = classes_of([o, g, loc, pop.doctorate[rows]], [n, n, n, 2])
    counts = np.bincount(agent_class, minlength=len(keys))
    class_factor = np.bincount(agent_class, factor, minlength=len(keys)) / counts
    class_weight = np.bincount(agent_class, pop.weight[rows], minlength=len(keys)) / counts
    # without emigration, classes at home have nowhere to go: they are not scored
    scored = np.arange(len(keys)) if allow_leaving else np.flatnonzero(keys[:, 0] != keys[:, 2])
    o_, g_, loc_, doctorate = keys[scored].T
    u_move = move_utility(model, o_, g_, loc_, doctorate == 1, class_factor[scored])
    stay, home = stay_and_home_utility(model, rows, post_study, factor)
    destinations, value = logit_with_inclusive_value(u_move)
    if not allow_leaving:
        destinations, value = _for_every_class(destinations, value, scored, len(keys))
    elsewhere = value[agent_class]
    probs = logit_probabilities(np.stack([stay, home, elsewhere], axis=1))
    return Choice(
        rows=rows,
        stay=probs[:, STAY],
        home=probs[:, HOME],
        elsewhere=probs[:, ELSEWHERE],
        agent_class=agent_class,
        destinations=destinations,
        class_weight=class_weight,
    )


def _for_every_class(
    destinations: np.ndarray, value: np.ndarray, scored: np.ndarray, classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every class's destinations and inclusive value, from those of the `scored` classes
    (the others: no destination, value -inf)."""
    every_destination = np.zeros((classes, destinations.shape[1]))
    every_destination[scored] = destinations
    every_value = np.full(classes, -np.inf)
    every_value[scored] = value
    return every_destination, every_value


def weight_caps(model: MigrationModel) -> np.ndarray:
    """Largest weight an agent may have when it lives in each country."""
    return model.params.agent_weight_cap * model.state.adults_start


def migration_step(model: MigrationModel, post_study_rows: np.ndarray) -> None:
    """M4: workers who consider a move (and this year's foreign graduates) choose a location."""
    pop = model.pop
    workers = np.flatnonzero(pop.kind == WORKER)
    draws = model.stream("migration_consider").random(len(workers))
    consider = draws < consider_probability(model, workers, model.state.shock)
    deciding = np.zeros(pop.n, dtype=bool)
    deciding[workers[consider]] = True
    deciding[post_study_rows] = True
    rows = np.flatnonzero(deciding)
    if not len(rows):
        return
    post = np.zeros(pop.n, dtype=bool)
    post[post_study_rows] = True
    post_study = post[rows]
    choice = choice_probabilities(model, rows, post_study.astype(float), model.emigration)
    rng = model.stream("migration_choice")
    small = choice.class_weight[:, None] > weight_caps(model)[None, :]  # cells moved in pieces
    to_small = (choice.destinations * small).sum(axis=1)[choice.agent_class]
    whole_else = choice.elsewhere * (1 - to_small)
    options = np.stack([choice.stay + choice.elsewhere * to_small, choice.home, whole_else], 1)
    pick = pick_option(options, rng.random(len(rows)))
    new_loc = pop.location[rows].copy()
    new_loc[pick == HOME] = pop.origin[rows][pick == HOME]
    movers = np.flatnonzero(pick == ELSEWHERE)
    if len(movers):
        # destinations among the big cells, only for the classes of movers (np.zeros leaves
        # the other rows' memory untouched)
        drawing = np.unique(choice.agent_class[movers])
        cells = choice.destinations[drawing] * ~small[drawing]
        big = np.zeros(choice.destinations.shape)
        big[drawing] = cells / np.maximum(cells.sum(axis=1, keepdims=True), 1e-300)
        new_loc[movers] = sample_by_class(big, choice.agent_class[movers], rng.random(len(movers)))
    # expected flows to small destinations, realised as cap-sized pieces of the stayers
    staying = pick == STAY
    pieces = _pieces_to_small_destinations(model, choice, small, staying, rng)
    relocate(model, rows, new_loc, post_study)
    if pieces is not None:  # split off first: a graduate's staying weight is what remains
        parents, destination, weight = pieces
        children = pop.split_off(parents, weight)
        relocate(model, children, destination, post[parents])
        count_new_emigrants(model, children[post[parents] & (destination != pop.origin[children])])
    count_new_emigrants(model, rows[post_study & (new_loc != pop.origin[rows])])


def _pieces_to_small_destinations(
    model: MigrationModel,
    choice: Choice,
    small: np.ndarray,
    staying: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(parent rows, destinations, weights) of the pieces moving to small destinations.

    The expected flow of class c to small destination d is the class's weight times each
    agent's chance of moving on times the class's destination share; it is cut into pieces of
    the destination's weight cap (their number rounded stochastically, so the expectation is
    kept), and each piece is split off a staying agent of the class chosen by weight."""
    pop = model.pop
    rows, cls = choice.rows, choice.agent_class
    n_classes = small.shape[0]
    class_mass = np.bincount(cls, pop.weight[rows] * choice.elsewhere, minlength=n_classes)
    cap = weight_caps(model)
    uniforms = rng.random(small.shape)  # one per cell, drawn whether used or not
    # only the small cells (about a tenth) can expect pieces; a cell expecting nobody rounds to 0
    klass, destination = nonzero_cells(small)
    expected = class_mass[klass] * choice.destinations[klass, destination]
    repeats = stochastic_round(expected / cap[destination], uniforms[klass, destination])
    klass, destination, repeats = klass[repeats > 0], destination[repeats > 0], repeats[repeats > 0]
    if not len(klass):
        return None
    klass, destination = np.repeat(klass, repeats), np.repeat(destination, repeats)
    stayer_weight = pop.weight[rows] * staying
    member, has_stayers = pick_by_weight(cls, stayer_weight, klass, rng.random(len(klass)))
    parents = rows[member]
    weight = np.minimum(cap[destination], pop.weight[parents])
    keep = has_stayers & within_weight(parents, weight, pop.weight)
    return parents[keep], destination[keep], weight[keep]


def count_new_emigrants(model: MigrationModel, rows: np.ndarray) -> None:
    """Foreign graduates who stay abroad became emigrants without leaving home: count them."""
    pop, n = model.pop, model.state.n
    o, loc, weight = pop.origin[rows], pop.location[rows], pop.weight[rows]
    model.flows.emigrations += tally(o, weight, n)
    model.corridors.emigration_flows += tally_pairs(o, loc, weight, n)


def relocate(
    model: MigrationModel,
    rows: np.ndarray,
    new_loc: np.ndarray,
    post_study: np.ndarray,
    displaced: bool = False,
) -> None:
    """Apply moves: location, recognition, ties and the year's flows by kind of move.

    `post_study`: per row, a graduate deciding where to live (going home is not a return);
    `displaced`: the moves are environmental displacement (M7), not choices."""
    pop, flows, n = model.pop, model.flows, model.state.n
    moved = new_loc != pop.location[rows]
    rows, new_loc, post_study = rows[moved], new_loc[moved], post_study[moved]
    if not len(rows):
        return
    o, old, weight = pop.origin[rows], pop.location[rows], pop.weight[rows]
    was_displaced = pop.displaced[rows] | displaced
    leaving = (old == o) & (new_loc != o)
    returning = (old != o) & (new_loc == o)
    onward = (old != o) & (new_loc != o) & ~post_study  # graduates are new emigrants
    if displaced:
        flows.env_emigrations += tally(o[leaving], weight[leaving], n)
    else:
        flows.emigrations += tally(o[leaving], weight[leaving], n)
        model.corridors.emigration_flows += tally_pairs(
            o[leaving], new_loc[leaving], weight[leaving], n
        )
    home_kind = [
        (flows.graduate_returns, post_study),
        (flows.env_returns, was_displaced & ~post_study),
        (flows.returns, ~was_displaced & ~post_study),
    ]
    for flow, mask in home_kind:
        flow += tally(o[returning & mask], weight[returning & mask], n)
    flows.onward_moves += tally(o[onward], weight[onward], n)
    pop.column("location")[rows] = new_loc
    pop.column("recognised")[rows] = draw_recognition(model, rows, new_loc)
    pop.column("returnee")[rows[returning & ~post_study]] = True
    pop.column("tie")[rows[returning]] = 1.0
    pop.column("years_abroad")[rows[leaving | returning]] = 0
    pop.column("displaced")[rows] = displaced & (new_loc != o)


def ties_fade_and_years_abroad_grow(model: MigrationModel) -> None:
    """People abroad lose tie strength (unless ICT at both ends maintains it) and gain a year
    abroad."""
    p, s, pop = model.params, model.state, model.pop
    abroad = np.flatnonzero(pop.location != pop.origin)
    if not len(abroad):
        return
    o, loc = pop.origin[abroad], pop.location[abroad]
    decay = p.tie_decay * (1 - p.ict_tie_maintenance * s.ict[o] * s.ict[loc])
    pop.column("tie")[abroad] *= (1 - decay).astype(np.float32)
    pop.column("years_abroad")[abroad] += 1


def emigration_destinations(model: MigrationModel, doctorate: bool = False) -> np.ndarray:
    """(origins, countries): where a new graduate at home would go if it emigrated."""
    idx = np.arange(model.state.n)
    u = move_utility(model, idx, idx, idx, np.full(len(idx), doctorate), np.ones(len(idx)))
    return logit_probabilities(u)
