"""The model's parameter table: every tunable number in one typed, documented place.

`Params` is a frozen dataclass: each field is a parameter whose metadata carries its unit,
allowed range, mechanism and source (a citation, or "assumption" for a starting value still to be
calibrated). `PARAMETERS`, the table that docs, scenario files, sensitivity analysis and the
classroom app read, is derived from those fields, and Python, TOML files and `--set` all go
through the same `coerce`, so a value is accepted or refused the same way everywhere.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ASSUMPTION = "assumption"
A = ASSUMPTION
_KINDS = {"int": int, "float": float, "bool": bool}


@dataclass(frozen=True)
class ParamSpec:
    """One row of the parameter table."""

    name: str
    kind: type  # float, int or bool
    default: float | int | bool
    low: float | None
    high: float | None
    unit: str
    mechanism: str  # "M1".."M9" or "general"
    source: str  # citation, or ASSUMPTION
    description: str

    @property
    def is_assumption(self) -> bool:
        return self.source.startswith(ASSUMPTION)

    def allowed(self) -> str:
        """Human-readable description of the allowed values (used in error messages)."""
        if self.kind is bool:
            return "true or false"
        kind = "an integer" if self.kind is int else "a number"
        return f"{kind} in [{self.low:g}, {self.high:g}]"


class ParameterError(ValueError):
    """A parameter name or value that the table does not allow."""

    def __init__(self, name: str, message: str):
        super().__init__(f"parameter '{name}': {message}")
        self.name = name
        self.reason = message


def number(
    default: float, low: float, high: float, unit: str, mechanism: str, source: str, what: str
) -> Any:
    """A numeric parameter: its default, allowed range [low, high] and documentation."""
    meta = dict(low=low, high=high, unit=unit, mechanism=mechanism, source=source, what=what)
    return field(default=default, metadata=meta)


def flag(default: bool, mechanism: str, source: str, what: str) -> Any:
    """An on/off parameter."""
    meta = dict(low=None, high=None, unit="on/off", mechanism=mechanism, source=source, what=what)
    return field(default=default, metadata=meta)


def switch(mechanism: str, what: str) -> Any:
    """The on/off switch of one mechanism (all on by default)."""
    return flag(True, mechanism, "docs/ODD.md (mechanism switch)", what)


@dataclass(frozen=True)
class Params:
    """An immutable, validated set of parameter values (the defaults with some overrides).

    `Params(recognition_base=0.5)` checks every value against its range and converts integral
    floats for integer parameters (`agents_per_country=1e3` gives 1000); `from_dict` does the same
    for a mapping and also names unknown parameters; `replace` returns a new set.
    """

    # --- general and start state -------------------------------------------------------------
    agents_per_country: int = number(
        200,
        10,
        100_000,
        "agents",
        "general",
        A,
        "Person-agents per country at start (about; more where the weight cap needs them); "
        "weights make every total match the data.",
    )
    agent_weight_cap: float = number(
        0.01,
        0.001,
        0.05,
        "share of adults",
        "general",
        A,
        "No agent stands for more than this share of the adults of its origin or of the country "
        "where it lives, at start and when it moves (a heavier mover is split).",
    )
    migrant_adult_share: float = number(
        0.78,
        0.6,
        0.95,
        "share",
        "general",
        "UN DESA (2019) International Migration 2019 Highlights: 74% of international migrants "
        "are 20-64 and 12% 65+ (25+ about 78%)",
        "Share of a bilateral migrant stock (all ages) that is 25 or older.",
    )
    non_iab_selection: float = number(
        1.5,
        1.0,
        3.6,
        "ratio",
        "general",
        "assumption between no selection (1) and the IAB 2000 median ratio of high-skill to "
        "total emigration rates to OECD destinations (3.6); Artuc et al. (2015) find weaker "
        "selection to non-OECD destinations",
        "Tertiary share of adult emigrants outside the 20 IAB destinations, relative to the "
        "origin's tertiary share of residents (skill selection).",
    )
    distance_scale_km: float = number(
        100.0,
        10.0,
        1000.0,
        "km",
        "general",
        A,
        "Distance terms are ln(1 + km / scale) in M2, M4 and returns.",
    )
    diaspora_scale: float = number(
        1000.0,
        100.0,
        100_000.0,
        "persons",
        "general",
        A,
        "Diaspora terms are ln(1 + persons / scale) in M2, M4 and M5.",
    )
    young_age: float = number(
        35.0,
        30.0,
        45.0,
        "years",
        "general",
        A,
        "Workers under this age are young (consider_rate_young).",
    )
    mid_age: float = number(
        50.0,
        40.0,
        60.0,
        "years",
        "general",
        A,
        "Workers from young_age to this age consider moving at consider_rate_mid, older ones at "
        "consider_rate_old.",
    )
    # --- M1 education choice -------------------------------------------------------------------
    enrol_sensitivity: float = number(
        1.5,
        0.0,
        5.0,
        "1 / log-wage",
        "M1",
        A,
        "Logit slope of enrolment on the expected log return to a degree; it must be large "
        "enough for the incentive effect (docs/ODD.md, M1).",
    )
    prospect_memory: float = number(
        5.0,
        1.0,
        20.0,
        "years",
        "M1",
        A,
        "Time over which youths average what they perceive into their emigration prospect.",
    )
    perception_ict: float = number(
        0.5,
        0.0,
        1.0,
        "share",
        "M1",
        A,
        "How much perception depends on ICT: youths weigh the true prospect (recent "
        "emigration per graduate) by 1 - perception_ict x (1 - ICT) and the crude belief (the "
        "share of skilled compatriots abroad) by the rest; 0 = perfect perception everywhere.",
    )
    remittance_financing: float = number(
        2.0,
        0.0,
        10.0,
        "logit per (remittances / GDP)",
        "M1",
        A,
        "Remittances relax the financing constraint on study.",
    )
    use_fixed_prospect: bool = flag(
        False,
        "M1",
        "Mountford (1997); Beine, Docquier & Rapoport (2001)",
        "Theory mode: graduates at home emigrate with the exogenous probability fixed_prospect "
        "(a lottery) and youths know it.",
    )
    fixed_prospect: float = number(
        0.0,
        0.0,
        1.0,
        "probability",
        "M1",
        "Mountford (1997); Beine, Docquier & Rapoport (2001)",
        "The exogenous emigration prospect used when use_fixed_prospect is on.",
    )
    doctoral_share: float = number(
        0.08,
        0.0,
        0.5,
        "share of entrants",
        "M1",
        A,
        "Share of entrants who go on to a doctorate (scientists).",
    )
    seat_slack: float = number(
        1.3,
        1.0,
        10.0,
        "ratio",
        "M1",
        A,
        "Tertiary places at home per year as a multiple of the entrants of the enrolment trend.",
    )
    entry_per_ger: float = number(
        0.6,
        0.2,
        1.2,
        "ratio",
        "M1",
        A,
        "Share of a youth cohort completing a degree per unit of gross enrolment ratio.",
    )
    ger_trend_scale: float = number(
        1.0,
        0.0,
        2.0,
        "ratio",
        "M1",
        A,
        "How far enrolment follows the data's gross enrolment trend (1 = the trend, 0 = held "
        "at the start level).",
    )
    ability_spread: float = number(
        0.25,
        0.0,
        1.0,
        "log-sd",
        "M1",
        A,
        "Spread of ability at entry: ability ~ LogNormal(0, spread).",
    )
    # --- M2 study abroad -----------------------------------------------------------------------
    study_quality_weight: float = number(
        3.0,
        0.0,
        10.0,
        "utility per quality unit",
        "M2",
        A,
        "Attraction of education quality in the choice of where to study.",
    )
    study_distance_weight: float = number(
        0.6,
        0.0,
        3.0,
        "utility per log km",
        "M2",
        A,
        "Cost of distance in the choice of where to study.",
    )
    study_income_weight: float = number(
        0.4,
        -1.0,
        2.0,
        "utility per log GDP ratio",
        "M2",
        A,
        "Attraction of a richer place of study net of its cost.",
    )
    study_visa_weight: float = number(
        1.0,
        0.0,
        3.0,
        "utility per log openness",
        "M2",
        "docs/ODD.md, M2 (specification)",
        "Weight of log student-visa openness of the destination.",
    )
    study_diaspora_weight: float = number(
        0.3,
        0.0,
        1.5,
        "utility per log persons",
        "M2",
        A,
        "Attraction of a compatriot diaspora at the destination.",
    )
    study_convention_weight: float = number(
        0.5,
        0.0,
        3.0,
        "utility",
        "M2",
        A,
        "Attraction of a destination whose degrees are recognised back home (shared convention).",
    )
    # --- M3 graduation -------------------------------------------------------------------------
    first_degree_years: int = number(4, 2, 6, "years", "M3", A, "Study duration of a first degree.")
    doctorate_years: int = number(
        4, 2, 8, "years", "M3", A, "Extra years of study for a doctorate."
    )
    degree_quality_weight: float = number(
        0.5,
        0.0,
        1.0,
        "share",
        "M3",
        A,
        "Skill at graduation = ability x (1 - weight + weight x education quality where studied).",
    )
    post_study_bonus: float = number(
        0.5,
        0.0,
        3.0,
        "log-wage units",
        "M3",
        A,
        "Extra utility of staying at the place of study in the graduation year.",
    )
    # --- M4 skilled migration ------------------------------------------------------------------
    consider_rate_young: float = number(
        0.12,
        0.0,
        1.0,
        "per year",
        "M4",
        A,
        "Yearly chance that a worker under young_age considers moving.",
    )
    consider_rate_mid: float = number(
        0.05,
        0.0,
        1.0,
        "per year",
        "M4",
        A,
        "Yearly chance that a worker aged young_age to mid_age considers moving.",
    )
    consider_rate_old: float = number(
        0.02,
        0.0,
        1.0,
        "per year",
        "M4",
        A,
        "Yearly chance that a worker over mid_age considers moving.",
    )
    consider_rate_recent: float = number(
        0.25,
        0.0,
        1.0,
        "per year",
        "M4",
        "assumption; OECD (2008, 2020): 20-50% of immigrants leave within five years",
        "Yearly chance that a worker in its first recent_years abroad reconsiders (return or "
        "move on).",
    )
    recent_years: int = number(
        5,
        1,
        10,
        "years",
        "M4",
        "OECD (2008, 2020): exits within five years of arrival",
        "Years abroad during which consider_rate_recent applies.",
    )
    wage_weight: float = number(
        1.0,
        0.1,
        5.0,
        "utility per log wage",
        "M4",
        A,
        "Weight of the expected log wage in the location choice.",
    )
    move_cost_base: float = number(
        3.0,
        0.0,
        10.0,
        "utility",
        "M4",
        A,
        "Fixed cost of an onward move between foreign countries (leaving home has its own "
        "calibrated intercept, which absorbs this cost).",
    )
    move_cost_distance: float = number(
        0.3,
        0.0,
        2.0,
        "utility per log km",
        "M4",
        A,
        "Moving cost growing with distance (moves and returns).",
    )
    return_cost: float = number(
        0.5,
        0.0,
        10.0,
        "utility",
        "M4",
        "assumption; set so that about a third of new emigrants leave within five years "
        "(OECD 2008, 2020: 20-50%)",
        "Cost of moving back home (lower than a new move: the place and people are known).",
    )
    destination_size_weight: float = number(
        1.0,
        0.0,
        2.0,
        "utility per log share",
        "M4",
        A,
        "Gravity mass: opportunities grow with the destination's share of the world's adults, so "
        "the number of countries does not inflate the pull of moving (onward moves, and the "
        "part of leavers' destinations that follows the utilities).",
    )
    corridor_persistence: float = number(
        0.7,
        0.0,
        1.0,
        "share",
        "M4",
        "assumption; Beine, Docquier & Ozden (2011): networks explain about 71% of the "
        "variability of bilateral flows",
        "Weight of where an origin's diaspora lives in where its new emigrants go; the rest "
        "follows M4's utilities (distance, language, wages, visas, network).",
    )
    calibration_horizon: int = number(
        30,
        5,
        60,
        "years",
        "M4",
        A,
        "Horizon over which the leaving intercepts hold each origin's share of skilled people "
        "abroad at its start value (drivers held fixed), on a projection of the model's flows.",
    )
    network_elasticity: float = number(
        0.8,
        0.0,
        1.5,
        "utility per log persons",
        "M6",
        "Beine, Docquier & Ozden (2011, 2015): elasticity of flows to network size about 0.7-1",
        "Diaspora size lowers the moving cost (network effect).",
    )
    common_language_bonus: float = number(
        0.5, 0.0, 3.0, "utility", "M4", A, "A shared official language lowers the moving cost."
    )
    visa_weight: float = number(
        1.0,
        0.0,
        3.0,
        "utility per log openness",
        "M4",
        "docs/ODD.md, M4 (specification)",
        "Weight of log skilled-visa openness of the destination.",
    )
    visa_floor: float = number(
        0.001,
        0.0001,
        0.1,
        "openness",
        "M4",
        A,
        "Lowest visa openness: a closed border is very costly, not impossible (M2, M4).",
    )
    home_tie_weight: float = number(
        3.0, 0.0, 8.0, "utility per tie unit", "M4", A, "Pull of home for a worker with full ties."
    )
    tie_decay: float = number(
        0.12, 0.0, 0.5, "per year", "M4", A, "Yearly loss of tie strength abroad without ICT."
    )
    ict_tie_maintenance: float = number(
        0.8,
        0.0,
        1.0,
        "share",
        "M4",
        A,
        "Share of tie decay prevented by ICT at both ends (ICT(o) x ICT(l)).",
    )
    social_openness_weight: float = number(
        2.0,
        0.0,
        5.0,
        "utility per openness unit",
        "M4",
        A,
        "Weight of the host's social openness for migrants (staying abroad, moving on).",
    )
    social_openness_default: float = number(
        0.6,
        0.0,
        1.0,
        "0-1",
        "M4",
        A,
        "Social openness of every country at start (no cross-country data in the world table).",
    )
    shock_move_sensitivity: float = number(
        4.0,
        0.0,
        20.0,
        "per unit shock",
        "M7",
        A,
        "A shock at a worker's location multiplies the chance to consider moving by "
        "(1 + s x shock).",
    )
    # --- M5 recognition ------------------------------------------------------------------------
    recognition_base: float = number(
        0.3,
        0.0,
        1.0,
        "probability",
        "M5",
        "OECD: about a third of employed highly educated immigrants are over-qualified "
        "(set so that brain waste starts near that level)",
        "Chance that a foreign qualification is recognised with no convention, QA or network.",
    )
    recognition_regional_boost: float = number(
        0.15,
        0.0,
        1.0,
        "probability",
        "M5",
        A,
        "Extra chance when both countries are party to the same regional convention.",
    )
    recognition_global_boost: float = number(
        0.12,
        0.0,
        1.0,
        "probability",
        "M5",
        A,
        "Extra chance when both countries are party to the 2019 Global Convention.",
    )
    recognition_qa_weight: float = number(
        0.2,
        0.0,
        1.0,
        "probability per QA unit",
        "M5",
        A,
        "Quality assurance at the degree's country (above or below 0.5) raises or lowers its "
        "recognition.",
    )
    recognition_diaspora_weight: float = number(
        0.02,
        0.0,
        0.2,
        "probability per log persons",
        "M6",
        A,
        "Referrals: a larger corridor diaspora raises recognition.",
    )
    later_recognition_rate: float = number(
        0.15,
        0.0,
        1.0,
        "per year",
        "M5",
        A,
        "Yearly chance, scaled by R, that an unrecognised qualification is recognised later.",
    )
    skill_depreciation: float = number(
        0.03,
        0.0,
        0.3,
        "per year",
        "M5",
        A,
        "Skill lost each year while working below qualification.",
    )
    skill_growth_abroad: float = number(
        0.01,
        0.0,
        0.1,
        "per year",
        "M5",
        A,
        "Skill gained each year working recognised abroad (returnees bring it home).",
    )
    skill_wage_elasticity: float = number(
        0.5,
        0.0,
        1.0,
        "elasticity",
        "M5",
        A,
        "A skilled job pays the skilled wage x (skill / skill at graduation)^elasticity: skill "
        "lost in brain waste lowers wages after recognition.",
    )
    # --- M6 diaspora ---------------------------------------------------------------------------
    diaspora_engagement_default: float = number(
        0.3,
        0.0,
        1.0,
        "0-1",
        "M6",
        A,
        "Engagement of every diaspora with its origin at start (programmes raise it).",
    )
    knowledge_productivity: float = number(
        0.5,
        0.0,
        20.0,
        "growth per transfer per adult",
        "M6",
        A,
        "Productivity growth at origin per unit of knowledge transfer per resident adult.",
    )
    max_productivity_gain: float = number(
        0.01,
        0.0,
        0.05,
        "per year",
        "M6",
        A,
        "Cap on the yearly productivity growth from knowledge transfer.",
    )
    knowledge_etraining: float = number(
        0.5,
        0.0,
        20.0,
        "quality per transfer per adult",
        "M6",
        A,
        "Education-quality gain at origin per unit of knowledge transfer per resident adult "
        "(e-training).",
    )
    max_etraining_gain: float = number(
        0.01,
        0.0,
        0.05,
        "quality per year",
        "M6",
        A,
        "Cap on the yearly education-quality gain from e-training.",
    )
    remittance_share: float = number(
        0.1,
        0.0,
        0.5,
        "share of earnings",
        "M6",
        A,
        "Share of a fully tied emigrant's earnings sent home, before transfer costs.",
    )
    # --- M7 environmental shocks ---------------------------------------------------------------
    climate_trend: float = number(
        0.0,
        -0.05,
        0.1,
        "per year",
        "M7",
        A,
        "Growth of hazard probabilities: p(t) = p0 (1 + trend)^t.",
    )
    severity_cap: float = number(
        0.9,
        0.1,
        1.0,
        "share",
        "M7",
        A,
        "Largest share of residents displaced (and of wages and seats lost) in one year.",
    )
    shock_wage_damage: float = number(
        0.5,
        0.0,
        2.0,
        "per unit intensity",
        "M7",
        A,
        "Wage loss per unit of shock intensity.",
    )
    shock_seat_damage: float = number(
        0.5,
        0.0,
        2.0,
        "per unit intensity",
        "M7",
        A,
        "Loss of tertiary seats per unit of shock intensity.",
    )
    shock_recovery: float = number(
        0.3, 0.0, 1.0, "per year", "M7", A, "Share of the shock intensity that fades each year."
    )
    shock_intensity_scale: float = number(
        10.0,
        0.0,
        50.0,
        "intensity per displaced share",
        "M7",
        A,
        "Converts a severity (share of residents displaced) into shock intensity.",
    )
    adaptation_effect: float = number(
        0.7,
        0.0,
        1.0,
        "share",
        "M7",
        A,
        "Share of shock damage and displacement prevented at full adaptation.",
    )
    cross_border_share: float = number(
        0.01,
        0.0,
        0.1,
        "share",
        "M7",
        "assumption; IDMC and the Platform on Disaster Displacement: most disaster displacement "
        "is internal and temporary, cross-border moves are a small minority",
        "Share of the disaster-displaced who cross a border.",
    )
    population_per_adult: float = number(
        2.0,
        1.3,
        3.0,
        "persons per adult",
        "M7",
        "assumption; UN DESA World Population Prospects: people 25 and over were about half of "
        "the world's population in 2000",
        "Converts recorded disaster displacements (people of all ages) into a share of "
        "residents, in years where IDMC recorded them (they replace the drawn hazards).",
    )
    displaced_return_rate: float = number(
        0.5,
        0.05,
        1.0,
        "per year",
        "M7",
        "assumption; IDMC: disaster displacement is mostly short-term",
        "Yearly chance that a person displaced across a border returns.",
    )
    displacement_distance_km: float = number(
        1000.0,
        100.0,
        5000.0,
        "km",
        "M7",
        A,
        "Distance decay of where the displaced go: weight x exp(-km / this).",
    )
    displacement_contiguity: float = number(
        2.0,
        0.0,
        10.0,
        "ratio",
        "M7",
        A,
        "Extra pull of a neighbouring country for the displaced (weight x (1 + this)).",
    )
    displacement_diaspora_weight: float = number(
        1.0,
        0.0,
        10.0,
        "ratio",
        "M7",
        A,
        "Pull of a destination with a diaspora of the displaced's country: weight x (1 + this x "
        "diaspora / destination adults).",
    )
    # --- M8 economy ----------------------------------------------------------------------------
    productivity_growth: float = number(
        0.015,
        -0.02,
        0.06,
        "per year",
        "M8",
        A,
        "Base yearly growth of GDP per head after the observed years (and in worlds without "
        "driver data).",
    )
    convergence_rate: float = number(
        0.02,
        0.0,
        0.05,
        "per year",
        "M8",
        "Barro (2012, 2015): conditional convergence of about 2% a year",
        "After the observed years GDP per head grows by productivity_growth + rate x "
        "ln(frontier / own), the frontier being the 90th percentile of countries.",
    )
    ict_growth: float = number(
        0.15,
        0.0,
        1.0,
        "per year",
        "M8",
        A,
        "Yearly logit growth of internet use after the observed years (logistic diffusion).",
    )
    unskilled_wage_share: float = number(
        0.5,
        0.1,
        1.0,
        "share of GDP per capita",
        "M8",
        A,
        "Unskilled wage as a share of GDP per capita (PPP).",
    )
    skill_premium: float = number(
        1.8,
        1.0,
        5.0,
        "ratio",
        "M8",
        A,
        "Skilled / unskilled wage ratio at a tertiary share of premium_reference_share.",
    )
    premium_reference_share: float = number(
        0.1,
        0.02,
        0.5,
        "share",
        "M8",
        A,
        "Tertiary share at which the skill premium equals skill_premium.",
    )
    scarcity_elasticity: float = number(
        0.3,
        0.0,
        1.0,
        "elasticity",
        "M8",
        A,
        "Skill premium falls with the tertiary share h: premium x (h / reference)^-elasticity.",
    )
    skill_premium_floor: float = number(
        1.05, 1.0, 1.5, "ratio", "M8", A, "Lowest skilled / unskilled wage ratio."
    )
    shortage_share: float = number(
        0.1,
        0.01,
        0.3,
        "share",
        "M8",
        A,
        "Origins with a start tertiary share below this are shortage countries (default "
        "targets of ethical recruitment).",
    )
    # --- M9 demography -------------------------------------------------------------------------
    working_span: float = number(
        40.0,
        20.0,
        50.0,
        "years",
        "M9",
        A,
        "Years from entering the labour force (25) to retirement (65): sets the yearly youth "
        "cohort (adults / span) and unskilled retirement.",
    )
    retirement_age: float = number(
        65.0,
        55.0,
        75.0,
        "years",
        "M9",
        "docs/ODD.md, M9 (specification)",
        "Age at which a skilled worker retires and is counted out.",
    )
    # --- mechanism switches ----------------------------------------------------------------------
    m1_incentive: bool = switch("M1", "Emigration prospects raise enrolment (incentive effect).")
    m2_study_abroad: bool = switch("M2", "New students may choose a foreign place of study.")
    m3_post_study_stay: bool = switch(
        "M3", "Foreign graduates may stay where they studied (off: they go home on graduation)."
    )
    m4_migration: bool = switch("M4", "Skilled workers reconsider where to live each year.")
    m5_recognition: bool = switch(
        "M5", "Foreign qualifications may go unrecognised (off: always recognised, no brain waste)."
    )
    m6_diaspora: bool = switch(
        "M6", "Diaspora networks: knowledge transfer, remittances, cheaper moves, referrals."
    )
    m7_shocks: bool = switch("M7", "Environmental shocks (drought, flood, cyclone, heat).")
    m8_economy: bool = switch(
        "M8", "Productivity, wage and ICT dynamics and the drivers (off: frozen at start)."
    )
    m9_demography: bool = switch("M9", "Ageing and retirement (off: nobody ages or retires).")

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, coerce(SPECS[f.name], getattr(self, f.name)))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Params:
        """Params from a mapping (a scenario's table, `--set` options); unknown names raise
        ParameterError naming the parameter."""
        for name in values:
            if name not in SPECS:
                raise ParameterError(name, "unknown parameter; see simulation.PARAMETERS")
        return cls(**values)

    def replace(self, **overrides: Any) -> Params:
        return Params.from_dict({**self.to_dict(), **overrides})

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def changed(self) -> dict[str, Any]:
        """The values that differ from the defaults."""
        return {k: v for k, v in self.to_dict().items() if v != SPECS[k].default}

    def __repr__(self) -> str:
        return f"Params({', '.join(f'{k}={v!r}' for k, v in self.changed().items())})"


def _spec(f: dataclasses.Field) -> ParamSpec:
    m = f.metadata
    kind = _KINDS[f.type] if isinstance(f.type, str) else f.type
    return ParamSpec(
        f.name,
        kind,
        f.default,
        m["low"],
        m["high"],
        m["unit"],
        m["mechanism"],
        m["source"],
        m["what"],
    )


PARAMETERS: tuple[ParamSpec, ...] = tuple(_spec(f) for f in dataclasses.fields(Params))
SPECS: dict[str, ParamSpec] = {spec.name: spec for spec in PARAMETERS}


def coerce(spec: ParamSpec, value: Any) -> float | int | bool:
    """Check one value against its row of the table; integral numbers are accepted for integer
    parameters and ints for float ones. Raises ParameterError saying what is allowed."""

    def refuse() -> ParameterError:
        return ParameterError(spec.name, f"got {value!r}; allowed: {spec.allowed()}")

    if spec.kind is bool:
        if not isinstance(value, bool | np.bool_):
            raise refuse()
        return bool(value)
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        raise refuse()
    number_ = float(value)
    if number_ != number_ or not (spec.low <= number_ <= spec.high):  # NaN or out of range
        raise refuse()
    if spec.kind is int:
        if number_ != int(number_):
            raise refuse()
        return int(number_)
    return number_


def parameter_table() -> list[dict[str, Any]]:
    """The table as plain rows (for docs, the README, `braingain list` and the classroom app)."""
    return [
        {
            "name": s.name,
            "type": s.kind.__name__,
            "default": s.default,
            "low": s.low,
            "high": s.high,
            "unit": s.unit,
            "mechanism": s.mechanism,
            "source": s.source,
            "assumption": s.is_assumption,
            "description": s.description,
        }
        for s in PARAMETERS
    ]
