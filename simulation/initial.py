"""The person-agents a run starts with, weighted so that totals match the world table.

For each origin country: skilled residents at home (the data's tertiary-educated residents less
skilled immigrants, who are other origins' emigrants), skilled emigrants by corridor (migrant
stock x the origin's skilled share of emigrants), and students at home and abroad (the yearly
entrants implied by enrolment, times the study duration; the UIS outbound ratio sets the share
abroad, spread over destinations like the diaspora). `agents_per_country` agents share these
groups; every non-empty group gets at least a few, and corridors too small for one agent are
merged into the origin's other corridors so the origin's totals still match.
"""

from __future__ import annotations

import numpy as np

from simulation.parameters import Params
from simulation.population import STUDENT, WORKER, Population, tally
from simulation.state import CountryState
from simulation.world import World

# The 20 OECD destinations of the IAB brain-drain data (Bruecker, Capuano & Marfouk 2013): the
# skilled share of emigrants derived from IAB rates describes emigrants to these countries.
IAB_DESTINATIONS = frozenset(
    [
        "AUS",
        "AUT",
        "CAN",
        "CHE",
        "CHL",
        "DEU",
        "DNK",
        "ESP",
        "FIN",
        "FRA",
        "GBR",
        "GRC",
        "IRL",
        "LUX",
        "NLD",
        "NOR",
        "NZL",
        "PRT",
        "SWE",
        "USA",
    ]
)


def skilled_emigrant_matrix(world: World) -> np.ndarray:
    """[origin, destination] tertiary-educated emigrants in the start year.

    To the IAB's 20 OECD destinations: migrant stock x the origin's skilled share of emigrants
    (IAB). Elsewhere (Gulf, South-South) the IAB says nothing; there emigrants are assumed as
    educated as the origin's residents (no positive selection), an assumption.
    """
    share = np.clip(world.column("emigrant_skilled_share"), 0.0, 1.0)
    residents = np.clip(world.column("tertiary_share"), 0.0, 1.0)
    oecd = world.countries["iso3"].isin(IAB_DESTINATIONS).to_numpy()
    skilled_share = np.where(oecd[None, :], share[:, None], residents[:, None])
    return world.migrant_stock * skilled_share


def entrants_at_start(world: World, params: Params, state: CountryState) -> np.ndarray:
    """Youths entering tertiary education per year at start (and their share of the cohort)."""
    cohort = state.adults_start * (1 / params.working_span + np.maximum(state.growth, 0.0))
    return cohort * start_enrolment_rate(world, params)


def start_enrolment_rate(world: World, params: Params) -> np.ndarray:
    return np.clip(world.column("tertiary_ger") * params.entry_per_ger, 0.005, 0.9)


def mean_study_years(params: Params) -> float:
    return params.first_degree_years + params.doctoral_share * params.doctorate_years


def cohorts_in_study(params: Params) -> float:
    """Entry cohorts enrolled at start (the start year's entrants come in the first step)."""
    return max(mean_study_years(params) - 1, 1.0)


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Largest-remainder split of `total` agents over groups in proportion to weights."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    quota = total * weights / weights.sum()
    count = np.floor(quota).astype(np.int64)
    rest = total - count.sum()
    if rest > 0:
        order = np.argsort(-(quota - count), kind="stable")
        count[order[:rest]] += 1
    return count


def _category_counts(n_agents: int, totals: np.ndarray) -> np.ndarray:
    """Agents per category: proportional, at least a few for every non-empty category."""
    present = totals > 0
    minimum = max(1, n_agents // 20)
    count = np.where(present, np.maximum(minimum, np.round(n_agents * totals / totals.sum())), 0)
    count = count.astype(np.int64)
    while count.sum() > n_agents:
        big = int(np.argmax(count))
        if count[big] <= minimum:
            break
        count[big] -= 1
    if count.sum() < n_agents:
        count[int(np.argmax(totals))] += n_agents - count.sum()
    return count


def initial_groups(world: World, params: Params, state: CountryState):
    """Groups (origin, location, kind, total weight, agents) covering every origin."""
    n = world.n
    emigrants = skilled_emigrant_matrix(world)
    skilled_immigrants = emigrants.sum(axis=0)
    skilled = state.adults_start * state.tertiary_share_start
    natives_home = np.maximum(skilled - skilled_immigrants, 0.1 * skilled)
    students = entrants_at_start(world, params, state) * cohorts_in_study(params)
    ratio = np.clip(world.column("outbound_ratio"), 0.0, 20.0)
    abroad_share = ratio / (1 + ratio)
    spread = np.where(world.migrant_stock.sum(axis=1, keepdims=True) > 0, world.migrant_stock, 1.0)
    np.fill_diagonal(spread, 0.0)
    spread = spread / spread.sum(axis=1, keepdims=True)
    students_abroad = (students * abroad_share)[:, None] * spread
    students_home = students * (1 - abroad_share)

    origin, location, kind, weight, agents = [], [], [], [], []
    for c in range(n):
        totals = np.array(
            [natives_home[c], emigrants[c].sum(), students_home[c], students_abroad[c].sum()]
        )
        per_category = _category_counts(params.agents_per_country, totals)
        for cat, (k, vec) in enumerate(
            [(WORKER, None), (WORKER, emigrants[c]), (STUDENT, None), (STUDENT, students_abroad[c])]
        ):
            if per_category[cat] == 0:
                continue
            if vec is None:
                origin.append([c]), location.append([c]), kind.append([k])
                weight.append([totals[cat]]), agents.append([per_category[cat]])
                continue
            count = _split(per_category[cat], vec)
            kept = count > 0
            scaled = (
                vec[kept] * totals[cat] / vec[kept].sum()
            )  # merge corridors too small for an agent
            dest = np.flatnonzero(kept)
            (
                origin.append(np.full(len(dest), c)),
                location.append(dest),
                kind.append(np.full(len(dest), k)),
            )
            weight.append(scaled), agents.append(count[kept])
    cat = np.concatenate
    return cat(origin), cat(location), cat(kind), cat(weight).astype(float), cat(agents)


def initial_population(world: World, params: Params, state: CountryState, rng: np.random.Generator):
    """Build the starting population; returns it and the mean weight per origin's agent."""
    g_origin, g_location, g_kind, g_weight, g_agents = initial_groups(world, params, state)
    origin = np.repeat(g_origin, g_agents)
    location = np.repeat(g_location, g_agents)
    kind = np.repeat(g_kind, g_agents)
    weight = np.repeat(g_weight / g_agents, g_agents)
    size = len(origin)
    student = kind == STUDENT
    worker_age = rng.uniform(25, params.retirement_age, size)
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
    skill = rng.lognormal(0.0, 0.25, size) * np.where(
        student,
        1.0,
        0.5 + 0.5 * state.edu_quality[origin],  # degrees earned at home
    )
    pop = Population(capacity=int(size * 1.3) + 16)
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
    return pop, mean_weight


def initial_recognition(pop: Population, recognition: np.ndarray, params: Params, rng) -> None:
    """Emigrants abroad at start: recognised on arrival or later (p = R, then later_rate x R
    per year abroad)."""
    rows = np.flatnonzero((pop.kind == WORKER) & (pop.location != pop.origin))
    r = recognition[pop.degree_country[rows], pop.location[rows]]
    never = (1 - r) * (1 - params.later_recognition_rate * r) ** pop.years_abroad[rows]
    pop.column("recognised")[rows] = rng.random(len(rows)) >= never
