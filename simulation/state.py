"""Country-level state: one numpy array per attribute of MODEL.md §2, indexed by country.

Initial values come from the world table; what the data lack (social openness, diaspora
engagement) comes from the parameter table, marked there as assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulation.events import CONVENTIONS, HAZARDS
from simulation.parameters import Params
from simulation.world import World

REGIONAL = len(CONVENTIONS) - 1  # conventions before "global"


@dataclass
class CountryState:
    """Everything about countries that changes during a run."""

    n: int
    adults_start: np.ndarray
    unskilled: np.ndarray  # unskilled resident adults (persons, not agents)
    gdppc: np.ndarray  # GDP per capita at start (PPP $)
    productivity: np.ndarray
    wage_skilled: np.ndarray
    wage_unskilled: np.ndarray
    edu_quality: np.ndarray
    quality_assurance: np.ndarray
    ict: np.ndarray
    ict_target: np.ndarray  # ICT investment: level to reach by ict_target_year
    ict_target_year: np.ndarray
    ict_target_from: np.ndarray
    ict_target_start: np.ndarray
    adaptation: np.ndarray
    social_openness: np.ndarray
    visa: dict[str, np.ndarray]  # "students", "skilled", "scientists" -> destination openness
    ethical_cap: np.ndarray  # [destination, origin] share of recruitment forgone
    remittance_cost: np.ndarray
    engagement: np.ndarray  # engagement of each origin's diaspora
    return_incentive: np.ndarray
    seat_rate: np.ndarray  # entrant places per youth (seat_slack x start enrolment rate)
    seats_multiplier: np.ndarray
    shock: np.ndarray  # current shock intensity 0-1
    hazard_p: np.ndarray  # [country, hazard] annual probability at start
    hazard_sev: np.ndarray  # [country, hazard] mean share displaced
    climate_trend: np.ndarray
    hazard_factor: np.ndarray  # accumulated (1 + trend) since start
    convention_year: np.ndarray  # [country, convention] year joined, inf if not
    bilateral: np.ndarray  # [origin, destination] extra recognition probability
    growth: np.ndarray  # population growth (sets the youth cohort)
    enrol_cost: np.ndarray  # calibrated enrolment intercept (logit)
    study_abroad_constant: np.ndarray  # calibrated abroad intercept of M2
    emigration_constant: np.ndarray  # calibrated intercept of M4 moves, by origin
    destination_share: np.ndarray  # share of the world's adults at start (gravity mass)
    perceived_prospect: np.ndarray
    knowledge_transfer: np.ndarray  # last year's, feeds M8
    remittances: np.ndarray  # last year's, feeds M1
    tertiary_share_start: np.ndarray
    shortage: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def memberships(self, year: int) -> np.ndarray:
        """(countries, conventions) bool: party to each convention in `year`."""
        return self.convention_year <= year


def initial_state(world: World, params: Params) -> CountryState:
    """Country state at the world's start year (before calibration of intercepts)."""
    n = world.n
    col = world.column
    adults = col("pop_adult")
    tertiary = np.clip(col("tertiary_share"), 0.001, 0.95)
    gdppc = col("gdppc_ppp")
    hazard_p = np.stack([col(f"hazard_{h}_p") for h in HAZARDS], axis=1)
    hazard_sev = np.stack([col(f"hazard_{h}_sev") for h in HAZARDS], axis=1)
    visa = np.clip(col("visa_openness"), 0.01, 1.0)
    return CountryState(
        n=n,
        adults_start=adults.copy(),
        unskilled=adults * (1 - tertiary),
        gdppc=gdppc,
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
        adaptation=np.clip(col("adaptation"), 0.0, 1.0),
        social_openness=np.full(n, params.social_openness_default),
        visa={"students": visa.copy(), "skilled": visa.copy(), "scientists": visa.copy()},
        ethical_cap=np.zeros((n, n)),
        remittance_cost=np.clip(col("remittance_cost"), 0.0, 1.0),
        engagement=np.full(n, params.diaspora_engagement_default),
        return_incentive=np.zeros(n),
        seat_rate=np.zeros(n),
        seats_multiplier=np.ones(n),
        shock=np.zeros(n),
        hazard_p=hazard_p,
        hazard_sev=hazard_sev,
        climate_trend=np.full(n, params.climate_trend),
        hazard_factor=np.ones(n),
        convention_year=world.convention_years(),
        bilateral=np.zeros((n, n)),
        growth=np.clip(col("pop_growth"), -0.02, 0.05),
        enrol_cost=np.zeros(n),
        study_abroad_constant=np.zeros(n),
        emigration_constant=np.zeros(n),
        destination_share=adults / adults.sum(),
        perceived_prospect=np.zeros(n),
        knowledge_transfer=np.zeros(n),
        remittances=np.zeros(n),
        tertiary_share_start=tertiary,
        shortage=tertiary < 0.10,
    )
