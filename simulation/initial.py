"""The person-agents a run starts with, weighted so that the start year reproduces the data.

Groups per origin o (docs/ODD.md §3.1):

- skilled emigrants by corridor. To the 20 OECD destinations of the IAB data: `r / (1 - r)` x
  the origin's tertiary-educated residents (r = IAB 2000 high-skill emigration rate), spread
  over those destinations like the IAB bilateral stock, so the IAB rate holds by construction.
  Elsewhere (Gulf, South-South): the adult stock x `min(1, tertiary share x
  non_iab_selection)`, scaled down where it would leave a destination fewer than NATIVES_FLOOR
  of its skilled residents native (`consistent_emigrants`). Border-change corridors (former
  USSR, Yugoslavia, Czechoslovakia, British India) are not emigration: those people are
  residents of the country they live in.
- skilled residents at home: the table's tertiary-educated adults less the skilled immigrants
  placed there, so every country's skilled residents (and human capital) match the table;
- unskilled immigrants: the adult stock less its skilled part (a count per country);
- students at home and abroad: yearly entrants x years in study; the abroad share solves
  `outbound = UIS ratio x (home + inbound students)` for every country at once, and students
  abroad study where M2's choice sends new students (its destination constants fitted to the
  UIS inbound students), so start and flows agree.

`agents_per_country` agents share an origin's kinds of groups (natives at home, emigrants to
IAB destinations, emigrants elsewhere, students at home, students abroad) in proportion to their
size, every kind getting at least a twentieth. Within a kind (`place_agents`), a destination
smaller than one agent's share gets pieces no bigger than its weight cap, their number rounded
stochastically, so it is right in expectation and never receives a lump it was not due; the
bigger destinations share the rest in proportion to their sizes, so each origin's totals by kind
are exact; natives absorb the draw, so every country's skilled residents are exact (unless
natives would fall below NATIVES_FLOOR of them). Then every group gets enough
agents that none stands for more than `agent_weight_cap` of the adults of its origin or of the
country it lives in.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from threadpoolctl import ThreadpoolController

from simulation.choice import stochastic_round
from simulation.parameters import Params
from simulation.population import STUDENT, WORKER, Population, tally
from simulation.state import CountryState
from simulation.world import World

NATIVES_FLOOR = 0.05  # natives keep at least this share of the table's skilled residents
# group kinds: what may be merged with what
HOME, IAB, NON_IAB, STUDY_HOME, STUDY_ABROAD = range(5)


def iab_destinations(world: World) -> np.ndarray:
    """Bool per country: one of the 20 OECD destinations of the IAB brain-drain data."""
    return world.column("iab_destination") > 0


def emigrant_stock(world: World) -> np.ndarray:
    """All-ages migrant stock of real emigration: border-change corridors (people who moved
    within one state, or whom a border moved over) are not emigration."""
    stock = np.where(world.border_change, 0.0, world.migrant_stock)
    np.fill_diagonal(stock, 0.0)
    return stock


def _row_shares(matrix: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Rows of `matrix` normalised to 1; rows without mass use `fallback`'s row."""
    total = matrix.sum(axis=1, keepdims=True)
    spare = fallback / np.maximum(fallback.sum(axis=1, keepdims=True), 1e-300)
    return np.where(total > 0, matrix / np.where(total > 0, total, 1.0), spare)


def skilled_emigrant_matrix(world: World, params: Params) -> np.ndarray:
    """[origin, destination] tertiary-educated emigrants (25+) in the start year."""
    n = world.n
    adults = world.column("pop_adult")
    tertiary = np.clip(world.column("tertiary_share"), 0.001, 0.95)
    iab = iab_destinations(world)
    stock = emigrant_stock(world)
    rate = np.clip(np.nan_to_num(world.column("skilled_emigration_rate")), 0.0, 0.99)
    to_iab = rate / (1 - rate) * adults * tertiary
    by_iab_stock = world.iab_stock if world.iab_stock.any() else stock
    spread = np.where(iab[None, :], by_iab_stock, 0.0)
    fallback = np.where(iab[None, :], adults[None, :], 0.0) * (1 - np.eye(n))
    np.fill_diagonal(spread, 0.0)
    out = to_iab[:, None] * _row_shares(spread, fallback)
    selected = np.minimum(1.0, tertiary * params.non_iab_selection)
    return out + np.where(iab[None, :], 0.0, stock * params.migrant_adult_share * selected[:, None])


def unskilled_immigrants(world: World, params: Params, skilled: np.ndarray) -> np.ndarray:
    """Per country: unskilled foreign-born adults (adult stock less its skilled part)."""
    adult_stock = emigrant_stock(world) * params.migrant_adult_share
    return np.maximum(adult_stock - skilled, 0.0).sum(axis=0)


def entrants_at_start(state: CountryState, params: Params) -> np.ndarray:
    """Youths entering tertiary education per year at start."""
    cohort = state.adults_start * (1 / params.working_span + np.maximum(state.growth, 0.0))
    return cohort * state.enrolment_start


def mean_study_years(params: Params) -> float:
    return params.first_degree_years + params.doctoral_share * params.doctorate_years


def cohorts_in_study(params: Params) -> float:
    """Entry cohorts enrolled at start (the start year's entrants come in the first step)."""
    return max(mean_study_years(params) - 1, 1.0)


def students_in_study(state: CountryState, params: Params) -> np.ndarray:
    """Students of each origin enrolled at start (home and abroad)."""
    return entrants_at_start(state, params) * cohorts_in_study(params)


@cache
def _blas_controller() -> ThreadpoolController:
    """The process's thread-pool controller, made once: making one scans the loaded libraries,
    which costs more than the solve it guards."""
    return ThreadpoolController()


def students_abroad_matrix(world: World, students: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """[origin, destination] students abroad: every country's outbound students are its UIS
    outbound ratio times its tertiary enrolment (home plus inbound students), spread over
    destinations as new students choose them (`spread`, rows summing to 1)."""
    n = world.n
    outbound = np.clip(np.nan_to_num(world.column("outbound_ratio")), 0.0, 20.0)
    system = np.eye(n) + np.diag(outbound) - outbound[:, None] * spread.T
    # one BLAS thread: a threaded solve rounds differently, so the same seed would give other
    # results on a machine (or in a worker) with another number of BLAS threads
    with _blas_controller().limit(limits=1, user_api="blas"):
        solved = np.linalg.solve(system, outbound * students)
    abroad = np.clip(solved, 0.0, 0.95 * students)
    return abroad[:, None] * spread


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Largest-remainder split of `total` agents over the groups of each row of `weights`
    (rows, groups) in proportion to its weights (all rows at once: a row loop cost more than
    the rest of the set-up's bookkeeping)."""
    out = np.zeros(weights.shape, dtype=np.int64)
    row_total = weights.sum(axis=1)
    rows = np.flatnonzero(row_total > 0) if total > 0 else np.zeros(0, dtype=np.int64)
    quota = total * weights[rows] / row_total[rows, None]
    count = np.floor(quota).astype(np.int64)
    rest = total - count.sum(axis=1)
    # the largest remainders (ties: the first group) get the agents left over
    order = np.argsort(-(quota - count), axis=1, kind="stable")
    bump = np.arange(weights.shape[1])[None, :] < rest[:, None]
    np.put_along_axis(count, order, np.take_along_axis(count, order, axis=1) + bump, axis=1)
    out[rows] = count
    return out


def kind_budgets(budget: int, totals: np.ndarray) -> np.ndarray:
    """(origins, kinds) agents per kind of group: proportional to its people, at least
    max(1, budget // 20) for every kind an origin has, so small kinds (students abroad) still
    have agents to spread over places."""
    least = max(1, budget // 20)
    return np.where(totals > 0, np.maximum(_split(budget, totals), least), 0)


def place_agents(
    sizes: np.ndarray, agents: np.ndarray, caps: np.ndarray, uniforms: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row of `sizes` (rows, places), spread `agents[row]` agents standing for the row's
    people over places: (weight, agents) per place. A place smaller than one agent's share
    gets pieces of at most its weight cap, their number rounded stochastically (so its
    expected people are its size) — no place receives more than a cap-sized lump it was not
    due; the places at least one agent's share big (and always the largest) share the rest in
    proportion to their sizes, absorbing the rounding, so the total is exact. All rows at once
    (a loop over the default world's 528 rows took about 80 ms)."""
    rows = np.arange(len(sizes))
    total = sizes.sum(axis=1)
    active = (agents > 0) & (total > 0)
    share = np.divide(total, agents, out=np.ones(len(sizes)), where=active)
    big = sizes >= share[:, None]
    big[rows, np.argmax(sizes, axis=1)] = True  # the largest place always absorbs the rounding
    unit = np.minimum(share[:, None], caps[None, :])
    small = ~big & (sizes > 0)
    pieces = stochastic_round(sizes / np.maximum(unit, 1e-300), uniforms)
    weight = np.where(small, pieces * unit, 0.0)
    count = np.where(small, pieces, 0)
    placed = weight.sum(axis=1)
    over = placed > total  # rare: pieces rounded past the total; they shrink to fit
    weight[over] *= (total[over] / placed[over])[:, None]
    rest = total - weight.sum(axis=1)
    # each row's big places summed alone, as the sum of a row's own big sizes (bit for bit)
    big_total = np.array([row[mask].sum() for row, mask in zip(sizes, big, strict=True)])
    with np.errstate(invalid="ignore"):  # rows without people (0 / 0) are zeroed below
        weight = np.where(big, sizes * rest[:, None] / big_total[:, None], weight)
    lumps = np.where(weight > 0, np.maximum(np.round(weight / share[:, None]), 1), 0)
    count = np.where(big, lumps, count).astype(np.int64)
    inactive = ~active
    weight[inactive], count[inactive] = 0.0, 0
    return weight, count


@dataclass
class Groups:
    """Groups of identical agents: who they are, how many people, how many agents."""

    origin: np.ndarray
    location: np.ndarray
    kind: np.ndarray  # STUDENT or WORKER
    weight: np.ndarray  # people in the group
    agents: np.ndarray


def consistent_emigrants(world: World, params: Params, skilled_residents: np.ndarray):
    """Skilled emigrants with the data's residents kept: where the skilled immigrants outside
    the IAB destinations (an assumed selection) would leave fewer than NATIVES_FLOOR of a
    country's tertiary-educated residents native, they are scaled down to leave that many
    (the Barro-Lee residents are data, the selection is an assumption)."""
    emigrants = skilled_emigrant_matrix(world, params)
    iab = iab_destinations(world)
    non_iab = np.where(iab[None, :], 0.0, emigrants)  # all immigrants of a non-IAB destination
    room = (1 - NATIVES_FLOOR) * skilled_residents
    arriving = non_iab.sum(axis=0)
    scale = np.divide(room, arriving, out=np.ones_like(room), where=arriving > room)
    return emigrants - non_iab + non_iab * np.minimum(scale, 1.0)[None, :]


def initial_groups(
    world: World,
    params: Params,
    state: CountryState,
    study_spread: np.ndarray,
    rng: np.random.Generator,
) -> tuple[Groups, dict]:
    """Every origin's groups; also returns the start totals used (for checks and state)."""
    n = world.n
    adults = state.adults_start
    skilled_residents = adults * state.tertiary_share_start
    emigrants = consistent_emigrants(world, params, skilled_residents)
    students = students_in_study(state, params)
    abroad = students_abroad_matrix(world, students, study_spread)
    iab = iab_destinations(world)
    corridors = {
        IAB: np.where(iab[None, :], emigrants, 0.0),
        NON_IAB: np.where(iab[None, :], 0.0, emigrants),
        STUDY_ABROAD: abroad,
    }
    for matrix in corridors.values():
        np.fill_diagonal(matrix, 0.0)
    immigrants = corridors[IAB].sum(axis=0) + corridors[NON_IAB].sum(axis=0)
    natives = np.maximum(skilled_residents - immigrants, NATIVES_FLOOR * skilled_residents)
    totals = np.zeros((n, 5))
    totals[:, HOME] = natives
    totals[:, STUDY_HOME] = students - abroad.sum(axis=1)
    for kind, matrix in corridors.items():
        totals[:, kind] = matrix.sum(axis=1)
    budgets = kind_budgets(params.agents_per_country, totals)
    caps = params.agent_weight_cap * adults
    uniforms = rng.random((len(corridors), n, n))
    kinds = np.array(list(corridors))
    with np.errstate(divide="ignore", invalid="ignore"):  # rows without people or agents
        people, count = place_agents(
            np.stack(list(corridors.values())).reshape(-1, n),
            budgets[:, kinds].T.ravel(),
            caps,
            uniforms.reshape(-1, n),
        )
    people, count = people.reshape(-1, n, n), count.reshape(-1, n, n)  # [kind, origin, place]
    # the groups: at home (natives, students) and abroad where agents were placed, ordered by
    # origin, then home, study at home and the corridors in turn, then place
    home_origin, at_home = np.nonzero(totals[:, [HOME, STUDY_HOME]] > 0)
    home_kind = np.array([HOME, STUDY_HOME])[at_home]
    corridor, corridor_origin, place = np.nonzero(count)
    origin = np.concatenate([home_origin, corridor_origin])
    location = np.concatenate([home_origin, place])
    kind = np.concatenate([home_kind, kinds[corridor]])
    weight = np.concatenate(
        [totals[home_origin, home_kind], people[corridor, corridor_origin, place]]
    )
    agents = np.concatenate(
        [budgets[home_origin, home_kind], count[corridor, corridor_origin, place]]
    )
    slot = np.concatenate([at_home, 2 + corridor])
    order = np.argsort((origin * 5 + slot) * n + location)
    origin, location, kind, weight, agents = (
        column[order] for column in (origin, location, kind, weight, agents)
    )
    # natives absorb the sampled placement, so every country's skilled residents are exact
    worker_abroad = (kind == IAB) | (kind == NON_IAB)
    placed = tally(location[worker_abroad], weight[worker_abroad], n)
    natives = np.maximum(skilled_residents - placed, NATIVES_FLOOR * skilled_residents)
    home = kind == HOME
    weight[home] = natives[origin[home]]
    cap = params.agent_weight_cap * np.minimum(adults[origin], adults[location])
    agents = np.maximum(agents, np.ceil(weight / cap)).astype(np.int64)
    live = weight > 0
    groups = Groups(
        origin=origin[live],
        location=location[live],
        kind=np.where(kind[live] >= STUDY_HOME, STUDENT, WORKER),
        weight=weight[live],
        agents=agents[live],
    )
    totals_used = {
        "skilled_emigrants": emigrants,
        "natives": natives,
        "students": students,
        "students_abroad": abroad,
        "unskilled_immigrants": unskilled_immigrants(world, params, emigrants),
    }
    return groups, totals_used


def initial_population(
    world: World,
    params: Params,
    state: CountryState,
    study_spread: np.ndarray,
    rng: np.random.Generator,
) -> tuple[Population, np.ndarray, dict]:
    """Build the starting population; returns it, the mean weight of each origin's agents and
    the start totals (see `initial_groups`). `study_spread[o, d]`: where o's students abroad
    study (M2's choice at start)."""
    groups, totals = initial_groups(world, params, state, study_spread, rng)
    reps = groups.agents
    origin = np.repeat(groups.origin, reps)
    location = np.repeat(groups.location, reps)
    kind = np.repeat(groups.kind, reps)
    weight = np.repeat(groups.weight / reps, reps)
    size = len(origin)
    student = kind == STUDENT
    growth = cohort_growth(world, params, state)
    worker_age = working_ages(growth[origin], params, rng.random(size))
    doctorate = rng.random(size) < params.doctoral_share
    years = params.first_degree_years + doctorate * params.doctorate_years
    # students at start entered in earlier years: 1..years-1 years done, so no cohort graduates
    # together with the first new entrants
    done = 1 + np.floor(rng.random(size) * np.maximum(years - 1, 1)).astype(np.int64)
    study_left = np.where(student, np.maximum(years - done, 1), 0)
    age = np.where(student, 20 + years - study_left, worker_age)
    abroad = location != origin
    years_abroad = np.where(abroad & ~student, rng.uniform(0, np.clip(age - 23, 0, 30)), 0.0)
    years_abroad = np.where(abroad & student, years - study_left, years_abroad)
    decay = params.tie_decay * (
        1 - params.ict_tie_maintenance * state.ict[origin] * state.ict[location]
    )
    tie = np.where(abroad, (1 - decay) ** years_abroad, 1.0)
    ability = rng.lognormal(0.0, params.ability_spread, size)
    quality = state.edu_quality[origin]  # workers at start earned their degrees at home
    skill = ability * np.where(student, 1.0, degree_skill_factor(quality, params))
    pop = Population(capacity=int(size * 1.5) + 16)
    pop.append(
        size,
        kind=kind,
        origin=origin,
        location=location,
        degree_country=np.where(student, location, origin),
        age=age,
        doctorate=doctorate,
        study_left=study_left,
        skill=skill,
        recognised=True,
        tie=tie,
        years_abroad=years_abroad,
        weight=weight,
    )
    agents_per_origin = np.bincount(origin, minlength=world.n)
    mean_weight = tally(origin, weight, world.n) / np.maximum(agents_per_origin, 1)
    return pop, mean_weight, totals


def cohort_growth(world: World, params: Params, state: CountryState) -> np.ndarray:
    """Yearly growth of graduate cohorts that makes today's graduates and skilled stock
    consistent: with cohorts growing at g over a working span A, graduates / stock =
    g / (1 - exp(-g A)). Countries whose enrolment far exceeds their attainment (a young,
    expanding skilled population) get a young stock; the others an old one."""
    span = params.retirement_age - 25
    ratio = entrants_at_start(state, params) / np.maximum(
        state.adults_start * state.tertiary_share_start, 1e-300
    )
    low, high = np.full(len(ratio), -0.2), np.full(len(ratio), 0.5)
    for _ in range(50):
        g = (low + high) / 2
        implied = np.where(np.abs(g) < 1e-9, 1 / span, g / -np.expm1(-g * span))
        low, high = np.where(implied < ratio, g, low), np.where(implied < ratio, high, g)
    return (low + high) / 2


def working_ages(growth: np.ndarray, params: Params, uniforms: np.ndarray) -> np.ndarray:
    """Ages from 25 to retirement with density proportional to exp(-growth x (age - 25)):
    older cohorts are smaller by the cohort growth."""
    span = params.retirement_age - 25
    flat = np.abs(growth) < 1e-9
    g = np.where(flat, 1.0, growth)
    skewed = -np.log1p(-uniforms * -np.expm1(-g * span)) / g
    return 25 + np.where(flat, uniforms * span, skewed)


def degree_skill_factor(quality: np.ndarray, params: Params) -> np.ndarray:
    """Skill at graduation per unit of ability, given education quality where one studied."""
    w = params.degree_quality_weight
    return 1 - w + w * quality


def initial_recognition(
    pop: Population, recognition: np.ndarray, params: Params, rng: np.random.Generator
) -> None:
    """Emigrants abroad at start: recognised on arrival or later (p = R, then later_rate x R
    per year abroad)."""
    rows = np.flatnonzero((pop.kind == WORKER) & (pop.location != pop.origin))
    r = recognition[pop.degree_country[rows], pop.location[rows]]
    never = (1 - r) * (1 - params.later_recognition_rate * r) ** pop.years_abroad[rows]
    pop.column("recognised")[rows] = rng.random(len(rows)) >= never
