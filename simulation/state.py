"""The model's state in three named containers, one array per attribute of docs/ODD.md §1.2.

- `CountryState`: one entry per country (wages, education, ICT, policies, shocks, intercepts).
- `CorridorState`: one (origin, destination) matrix per corridor quantity (diaspora sizes,
  recognition, policies between pairs, the displaced abroad).
- `Flows`: what happened this year, per country (reset at the start of each step).

People are the fourth container (`simulation.population.Population`). Mechanisms change values
inside these containers; none adds attributes to the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from simulation.drivers import enrolment_slope
from simulation.events import CONVENTIONS, HAZARDS, VISA_GROUPS
from simulation.parameters import Params
from simulation.world import World

REGIONAL = len(CONVENTIONS) - 1  # conventions before "global"


@dataclass
class CountryState:
    """Everything about countries that changes during a run (arrays indexed by country)."""

    n: int
    adults_start: np.ndarray
    unskilled: np.ndarray  # unskilled resident adults, any origin (persons, not agents)
    unskilled_immigrants: np.ndarray  # of which foreign-born at start (retiring over time)
    gdppc: np.ndarray  # GDP per head (PPP $), from the driver path, before the transfer term
    gdppc_start: np.ndarray
    productivity: np.ndarray  # index (start = 1) of the diaspora's knowledge-transfer gains
    wage_skilled: np.ndarray
    wage_unskilled: np.ndarray
    edu_quality: np.ndarray
    quality_assurance: np.ndarray
    ict: np.ndarray
    ict_target: np.ndarray  # ICT investment: level to reach by ict_target_year
    ict_target_year: np.ndarray
    ict_target_from: np.ndarray
    ict_target_start: np.ndarray
    ict_base: np.ndarray  # internet use of the driver path, before ICT investments
    adaptation: np.ndarray
    adaptation_start: np.ndarray
    social_openness: np.ndarray
    visa: dict[str, np.ndarray]  # "students", "skilled", "scientists" -> destination openness
    remittance_cost: np.ndarray
    remittance_policy: np.ndarray  # a policy event has set the cost (the data no longer apply)
    engagement: np.ndarray  # engagement of each origin's diaspora
    return_incentive: np.ndarray
    seats_multiplier: np.ndarray
    shock: np.ndarray  # current shock intensity 0-1
    hazard_p: np.ndarray  # [country, hazard] annual probability at start
    hazard_sev: np.ndarray  # [country, hazard] mean share displaced
    climate_trend: np.ndarray
    hazard_factor: np.ndarray  # accumulated (1 + trend) since start
    convention_year: np.ndarray  # [country, convention] year joined, inf if not
    growth: np.ndarray  # population growth (sets the youth cohort)
    enrolment_start: np.ndarray  # share of a youth cohort entering tertiary education at start
    enrolment_trend: np.ndarray  # this year's trend share (data, then extrapolated)
    enrol_cost: np.ndarray  # calibrated enrolment intercept (logit)
    study_abroad_constant: np.ndarray  # calibrated abroad intercept of M2
    emigration_constant: np.ndarray  # calibrated intercept of leaving home (M4), by origin
    study_destination_constant: np.ndarray  # calibrated pull of each place of study (M2)
    destination_share: np.ndarray  # share of the world's adults at start (gravity mass, M4)
    perceived_prospect: np.ndarray
    knowledge_transfer: np.ndarray  # last year's, feeds M8
    remittances: np.ndarray  # last year's, feeds M1
    tertiary_share_start: np.ndarray
    shortage: np.ndarray  # start tertiary share below `shortage_share`
    scheduled_severity: np.ndarray  # severity of `shock` events due this year

    def memberships(self, year: int) -> np.ndarray:
        """(countries, conventions) bool: party to each convention in `year`."""
        return self.convention_year <= year


@dataclass
class CorridorState:
    """Matrices [origin, destination] (for recognition: [degree country, destination])."""

    migrant_stock: np.ndarray  # all-education stock at start (world table)
    diaspora: np.ndarray  # corridor size used by network effects: stock + change in members
    skilled_diaspora: np.ndarray  # skilled emigrants (weighted agents) this year
    skilled_diaspora_start: np.ndarray
    recognition: np.ndarray  # R[g, d]: chance a degree from g is recognised in d
    bilateral: np.ndarray  # extra recognition probability from bilateral agreements
    ethical_cap: np.ndarray  # [destination, origin] share of recruitment forgone
    displaced: np.ndarray  # [from, to] unskilled people displaced across the border
    emigration_flows: np.ndarray  # people of o who became skilled emigrants in d, run total
    corridor_constant: np.ndarray  # calibrated pull of destination d for emigrants of o (M4)
    iab_destination: np.ndarray  # bool per country: one of the 20 IAB destinations


@dataclass
class Flows:
    """This year's flows per country (persons; by origin unless said otherwise)."""

    n: int
    emigrations: np.ndarray = field(init=False)  # leaving home, and graduates staying abroad
    returns: np.ndarray = field(init=False)  # emigrants coming home
    onward_moves: np.ndarray = field(init=False)  # emigrants moving between foreign countries
    graduate_returns: np.ndarray = field(init=False)  # graduates abroad coming home
    env_emigrations: np.ndarray = field(init=False)  # skilled displaced across a border
    env_returns: np.ndarray = field(init=False)  # skilled displaced coming home
    new_students: np.ndarray = field(init=False)
    youth_cohort: np.ndarray = field(init=False)
    graduates: np.ndarray = field(init=False)
    retired: np.ndarray = field(init=False)  # by country of residence
    env_displaced: np.ndarray = field(init=False)  # residents displaced (any kind), by country

    def __post_init__(self) -> None:
        self.reset()

    def reset(self, value: float = 0.0) -> None:
        for name in self.names():
            setattr(self, name, np.full(self.n, value))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls) if f.name != "n")

    def as_dict(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name).copy() for name in self.names()}


@dataclass(frozen=True)
class FixedTerms:
    """Terms that do not change within a run (world geography x parameters), computed once at
    set-up: (countries x countries) matrices [from, to], and the drivers' fixed trends."""

    move_distance: np.ndarray  # M4: move_cost_distance x ln(1 + km / scale)
    study_distance: np.ndarray  # M2: study_distance_weight x ln(1 + km / scale)
    language: np.ndarray  # M4: common_language_bonus where an official language is shared
    displacement_nearness: np.ndarray  # M7: exp(-km / d0) x (1 + contiguity bonus)
    enrolment_slope: np.ndarray | float  # M1: yearly trend of the GER's logit (a driver)

    @classmethod
    def of(cls, world: World, params: Params) -> FixedTerms:
        scaled = np.log1p(world.distance_km / params.distance_scale_km)
        near = np.exp(-world.distance_km / params.displacement_distance_km)
        return cls(
            move_distance=params.move_cost_distance * scaled,
            study_distance=params.study_distance_weight * scaled,
            language=params.common_language_bonus * world.common_language,
            displacement_nearness=near * (1 + params.displacement_contiguity * world.contiguous),
            enrolment_slope=enrolment_slope(world),
        )


def start_enrolment_rate(world: World, params: Params) -> np.ndarray:
    """Share of a youth cohort entering tertiary education at start (from the GER)."""
    return np.clip(world.column("tertiary_ger") * params.entry_per_ger, 0.005, 0.9)


def initial_state(world: World, params: Params) -> CountryState:
    """Country state at the world's start year (before people and intercepts)."""
    n = world.n
    col = world.column
    adults = col("pop_adult")
    tertiary = np.clip(col("tertiary_share"), 0.001, 0.95)
    gdppc = col("gdppc_ppp")
    hazard_p = np.stack([col(f"hazard_{h}_p") for h in HAZARDS], axis=1)
    hazard_sev = np.stack([col(f"hazard_{h}_sev") for h in HAZARDS], axis=1)
    visa = np.clip(col("visa_openness"), params.visa_floor, 1.0)
    enrolment = start_enrolment_rate(world, params)
    return CountryState(
        n=n,
        adults_start=adults.copy(),
        unskilled=adults * (1 - tertiary),
        unskilled_immigrants=np.zeros(n),
        gdppc=gdppc.copy(),
        gdppc_start=gdppc.copy(),
        productivity=np.ones(n),
        wage_skilled=np.zeros(n),
        wage_unskilled=np.zeros(n),
        edu_quality=np.clip(col("edu_quality"), 0.01, 1.0),
        quality_assurance=np.clip(col("quality_assurance"), 0.0, 1.0),
        ict=np.clip(col("ict"), 0.001, 0.999),
        ict_target=np.zeros(n),
        ict_target_year=np.full(n, np.inf),
        ict_target_from=np.zeros(n),
        ict_target_start=np.zeros(n),
        ict_base=np.clip(col("ict"), 0.001, 0.999),
        adaptation=np.clip(col("adaptation"), 0.0, 1.0),
        adaptation_start=np.clip(col("adaptation"), 0.0, 1.0),
        social_openness=np.full(n, params.social_openness_default),
        visa={group: visa.copy() for group in VISA_GROUPS},
        remittance_cost=np.clip(col("remittance_cost"), 0.0, 1.0),
        remittance_policy=np.zeros(n, dtype=bool),
        engagement=np.full(n, params.diaspora_engagement_default),
        return_incentive=np.zeros(n),
        seats_multiplier=np.ones(n),
        shock=np.zeros(n),
        hazard_p=hazard_p,
        hazard_sev=hazard_sev,
        climate_trend=np.full(n, params.climate_trend),
        hazard_factor=np.ones(n),
        convention_year=world.convention_years(),
        growth=np.clip(col("pop_growth"), -0.02, 0.05),
        enrolment_start=enrolment,
        enrolment_trend=enrolment.copy(),
        enrol_cost=np.zeros(n),
        study_abroad_constant=np.zeros(n),
        emigration_constant=np.zeros(n),
        study_destination_constant=np.zeros(n),
        destination_share=adults / adults.sum(),
        perceived_prospect=np.zeros(n),
        knowledge_transfer=np.zeros(n),
        remittances=np.zeros(n),
        tertiary_share_start=tertiary,
        shortage=tertiary < params.shortage_share,
        scheduled_severity=np.zeros(n),
    )
