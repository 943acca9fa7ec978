"""The model's parameter table: every tunable number in one typed, documented place.

Sensitivity analysis samples from it, calibration fits it, scenario files override it and the
classroom app builds sliders from it, so each row carries its unit, allowed range, default and
source (a citation, or "assumption" for a starting value still to be calibrated).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

ASSUMPTION = "assumption"


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
        return f"{kind} in [{self.low}, {self.high}]"


class ParameterError(ValueError):
    """A parameter name or value that the table does not allow."""

    def __init__(self, name: str, message: str):
        super().__init__(f"parameter '{name}': {message}")
        self.name = name


def _p(name, kind, default, low, high, unit, mechanism, source, description) -> ParamSpec:
    return ParamSpec(name, kind, default, low, high, unit, mechanism, source, description)


def _switch(mechanism: str, name: str, what: str) -> ParamSpec:
    return ParamSpec(name, bool, True, None, None, "on/off", mechanism, "MODEL.md §4", what)


A = ASSUMPTION
PARAMETERS: tuple[ParamSpec, ...] = (
    # --- general ---------------------------------------------------------------------------
    _p("agents_per_country", int, 200, 10, 100_000, "agents", "general", A,
       "Person-agents created per country at start; weights make totals match the data."),
    _p("working_span", float, 40.0, 20.0, 50.0, "years", "M9", A,
       "Years from entering the labour force (25) to retirement (65): sets the yearly youth "
       "cohort (adults / span) and unskilled retirement."),
    _p("retirement_age", float, 65.0, 55.0, 75.0, "years", "M9", "MODEL.md §4 M9",
       "Age at which a skilled worker retires and is counted out."),
    # --- switches ---------------------------------------------------------------------------
    _switch("M1", "m1_incentive", "Emigration prospects raise enrolment (incentive effect)."),
    _switch("M2", "m2_study_abroad", "New students may choose a foreign place of study."),
    _switch("M3", "m3_post_study_stay",
            "Foreign graduates may stay where they studied (off: they go home on graduation)."),
    _switch("M4", "m4_migration", "Skilled workers reconsider where to live each year."),
    _switch("M5", "m5_recognition",
            "Foreign qualifications may go unrecognised (off: always recognised, no brain waste)."),
    _switch("M6", "m6_diaspora",
            "Diaspora networks: knowledge transfer, remittances, cheaper moves, referrals."),
    _switch("M7", "m7_shocks", "Environmental shocks (drought, flood, cyclone, heat)."),
    _switch("M8", "m8_economy", "Productivity, wage and ICT dynamics (off: frozen at start)."),
    _switch("M9", "m9_demography", "Ageing and retirement (off: nobody ages or retires)."),
    # --- M1 education choice ------------------------------------------------------------------
    _p("enrol_sensitivity", float, 1.5, 0.0, 5.0, "1 / log-wage", "M1", A,
       "Logit slope of enrolment on the expected log return to a degree; it must be large "
       "enough for the incentive effect (MODEL.md §4 M1)."),
    _p("prospect_memory", float, 5.0, 1.0, 20.0, "years", "M1", A,
       "Time over which youths average compatriots' recent emigration into a perceived prospect."),
    _p("perception_ict", float, 0.5, 0.0, 1.0, "share", "M1", A,
       "How much low ICT blurs (understates) the perceived prospect; 0 = perfect perception."),
    _p("remittance_financing", float, 2.0, 0.0, 10.0, "logit per (remittances / GDP)", "M1", A,
       "Remittances relax the financing constraint on study."),
    _p("use_fixed_prospect", bool, False, None, None, "on/off", "M1",
       "Mountford (1997); Beine, Docquier & Rapoport (2001)",
       "Theory mode: graduates at home emigrate with the exogenous probability fixed_prospect "
       "(a lottery) and youths know it."),
    _p("fixed_prospect", float, 0.0, 0.0, 1.0, "probability", "M1",
       "Mountford (1997); Beine, Docquier & Rapoport (2001)",
       "The exogenous emigration prospect used when use_fixed_prospect is on."),
    _p("doctoral_share", float, 0.08, 0.0, 0.5, "share of entrants", "M1", A,
       "Share of entrants who go on to a doctorate (scientists)."),
    _p("first_degree_years", int, 4, 2, 6, "years", "M3", A, "Study duration of a first degree."),
    _p("doctorate_years", int, 4, 2, 8, "years", "M3", A,
       "Extra years of study for a doctorate."),
    _p("seat_slack", float, 1.3, 1.0, 3.0, "ratio", "M1", A,
       "Tertiary seats per year as a multiple of the entrants seen in the data at start."),
    _p("entry_per_ger", float, 0.6, 0.2, 1.2, "ratio", "M1", A,
       "Share of a youth cohort completing a degree per unit of gross enrolment ratio."),
    # --- M2 study abroad ----------------------------------------------------------------------
    _p("study_quality_weight", float, 3.0, 0.0, 10.0, "utility per quality unit", "M2", A,
       "Attraction of education quality in the choice of where to study."),
    _p("study_distance_weight", float, 0.6, 0.0, 3.0, "utility per log km", "M2", A,
       "Cost of distance in the choice of where to study."),
    _p("study_income_weight", float, 0.4, -1.0, 2.0, "utility per log GDP ratio", "M2", A,
       "Attraction of a richer place of study net of its cost."),
    _p("study_visa_weight", float, 1.0, 0.0, 3.0, "utility per log openness", "M2",
       "MODEL.md §4 M2", "Weight of log student-visa openness of the destination."),
    _p("study_diaspora_weight", float, 0.3, 0.0, 1.5, "utility per log persons", "M2", A,
       "Attraction of a compatriot diaspora at the destination."),
    _p("study_convention_weight", float, 0.5, 0.0, 3.0, "utility", "M2", A,
       "Attraction of a destination whose degrees are recognised back home (shared convention)."),
    # --- M3 graduation ------------------------------------------------------------------------
    _p("post_study_bonus", float, 0.5, 0.0, 3.0, "log-wage units", "M3", A,
       "Extra utility of staying at the place of study in the graduation year."),
    # --- M4 skilled migration -----------------------------------------------------------------
    _p("consider_rate_young", float, 0.12, 0.0, 1.0, "per year", "M4", A,
       "Yearly chance that a worker under 35 considers moving."),
    _p("consider_rate_mid", float, 0.05, 0.0, 1.0, "per year", "M4", A,
       "Yearly chance that a worker aged 35-49 considers moving."),
    _p("consider_rate_old", float, 0.02, 0.0, 1.0, "per year", "M4", A,
       "Yearly chance that a worker aged 50+ considers moving."),
    _p("consider_rate_recent", float, 0.25, 0.0, 1.0, "per year", "M4",
       "assumption; OECD (2008, 2020): 20-50% of immigrants leave within five years",
       "Yearly chance that a worker in the first five years abroad reconsiders (return or move "
       "on)."),
    _p("wage_weight", float, 1.0, 0.1, 5.0, "utility per log wage", "M4", A,
       "Weight of the expected log wage in the location choice."),
    _p("move_cost_base", float, 3.0, 0.0, 10.0, "utility", "M4", A,
       "Fixed cost of any international move."),
    _p("move_cost_distance", float, 0.3, 0.0, 2.0, "utility per log km", "M4", A,
       "Moving cost growing with distance."),
    _p("return_cost", float, 1.5, 0.0, 10.0, "utility", "M4", A,
       "Cost of moving back home (lower than a new move: the place and people are known)."),
    _p("destination_size_weight", float, 1.0, 0.0, 2.0, "utility per log share", "M4", A,
       "Gravity mass: opportunities grow with the destination's share of the world's adults, so "
       "the number of countries does not inflate the pull of moving."),
    _p("network_elasticity", float, 0.8, 0.0, 1.5, "utility per log persons", "M6",
       "Beine, Docquier & Ozden (2011, 2015): elasticity of flows to network size about 0.7-1",
       "Diaspora size lowers the moving cost (network effect)."),
    _p("common_language_bonus", float, 0.5, 0.0, 3.0, "utility", "M4", A,
       "A shared official language lowers the moving cost."),
    _p("visa_weight", float, 1.0, 0.0, 3.0, "utility per log openness", "M4", "MODEL.md §4 M4",
       "Weight of log skilled-visa openness of the destination."),
    _p("home_tie_weight", float, 3.0, 0.0, 8.0, "utility per tie unit", "M4", A,
       "Pull of home for a worker with full ties."),
    _p("tie_decay", float, 0.12, 0.0, 0.5, "per year", "M4", A,
       "Yearly loss of tie strength abroad without ICT."),
    _p("ict_tie_maintenance", float, 0.8, 0.0, 1.0, "share", "M4", A,
       "Share of tie decay prevented by ICT at both ends (ICT(o) x ICT(l))."),
    _p("social_openness_weight", float, 1.0, 0.0, 5.0, "utility per openness unit", "M4", A,
       "Weight of the host's social openness for migrants."),
    _p("social_openness_default", float, 0.6, 0.0, 1.0, "0-1", "M4", A,
       "Social openness of every country at start (no cross-country data in the world table)."),
    _p("shock_move_sensitivity", float, 4.0, 0.0, 20.0, "per unit shock", "M7", A,
       "A shock at a worker's location multiplies the chance to consider moving by "
       "(1 + s x shock)."),
    # --- M5 recognition -----------------------------------------------------------------------
    _p("recognition_base", float, 0.3, 0.0, 1.0, "probability", "M5",
       "OECD: about a third of employed highly educated immigrants are over-qualified "
       "(set so that brain waste starts near that level)",
       "Chance that a foreign qualification is recognised with no convention, QA or network."),
    _p("recognition_regional_boost", float, 0.15, 0.0, 1.0, "probability", "M5", A,
       "Extra chance when both countries are party to the same regional convention."),
    _p("recognition_global_boost", float, 0.12, 0.0, 1.0, "probability", "M5", A,
       "Extra chance when both countries are party to the 2019 Global Convention."),
    _p("recognition_qa_weight", float, 0.2, 0.0, 1.0, "probability per QA unit", "M5", A,
       "Quality assurance at the degree's country raises its recognition."),
    _p("recognition_diaspora_weight", float, 0.02, 0.0, 0.2, "probability per log persons", "M6",
       A, "Referrals: a larger corridor diaspora raises recognition."),
    _p("later_recognition_rate", float, 0.15, 0.0, 1.0, "per year", "M5", A,
       "Yearly chance, scaled by R, that an unrecognised qualification is recognised later."),
    _p("skill_depreciation", float, 0.03, 0.0, 0.3, "per year", "M5", A,
       "Skill lost each year while working below qualification."),
    _p("skill_growth_abroad", float, 0.01, 0.0, 0.1, "per year", "M4", A,
       "Skill gained each year working recognised abroad (returnees bring it home)."),
    # --- M6 diaspora --------------------------------------------------------------------------
    _p("diaspora_engagement_default", float, 0.3, 0.0, 1.0, "0-1", "M6", A,
       "Engagement of every diaspora with its origin at start (programmes raise it)."),
    _p("knowledge_productivity", float, 0.5, 0.0, 20.0, "growth per transfer per adult", "M6", A,
       "Productivity growth at origin per unit of knowledge transfer per resident adult (the "
       "gain is capped at 1 percentage point a year)."),
    _p("knowledge_etraining", float, 0.5, 0.0, 20.0, "quality per transfer per adult", "M6", A,
       "Education-quality gain at origin per unit of knowledge transfer per resident adult "
       "(e-training; capped at 0.01 a year)."),
    _p("remittance_share", float, 0.1, 0.0, 0.5, "share of earnings", "M6", A,
       "Share of a fully tied emigrant's earnings sent home, before transfer costs."),
    # --- M7 environmental shocks --------------------------------------------------------------
    _p("climate_trend", float, 0.0, -0.05, 0.1, "per year", "M7", A,
       "Growth of hazard probabilities: p(t) = p0 (1 + trend)^t."),
    _p("shock_wage_damage", float, 0.5, 0.0, 2.0, "per unit severity", "M7", A,
       "Wage loss per unit of shock intensity (less with adaptation)."),
    _p("shock_seat_damage", float, 0.5, 0.0, 2.0, "per unit severity", "M7", A,
       "Loss of tertiary seats per unit of shock intensity."),
    _p("shock_recovery", float, 0.3, 0.0, 1.0, "per year", "M7", A,
       "Share of the shock intensity that fades each year."),
    _p("shock_intensity_scale", float, 10.0, 0.0, 50.0, "intensity per displaced share", "M7", A,
       "Converts a severity (share of residents displaced) into shock intensity."),
    _p("adaptation_effect", float, 0.7, 0.0, 1.0, "share", "M7", A,
       "Share of shock damage prevented at full adaptation."),
    _p("cross_border_share", float, 0.1, 0.0, 1.0, "share", "M7", A,
       "Share of displaced skilled residents who cross a border (most stay internal)."),
    # --- M8 economy ---------------------------------------------------------------------------
    _p("productivity_growth", float, 0.015, -0.02, 0.06, "per year", "M8", A,
       "Base yearly productivity growth."),
    _p("ict_growth", float, 0.15, 0.0, 1.0, "per year", "M8", A,
       "Yearly closing of the gap 1 - ICT (logistic diffusion of internet use)."),
    _p("unskilled_wage_share", float, 0.5, 0.1, 1.0, "share of GDP per capita", "M8", A,
       "Unskilled wage as a share of GDP per capita (PPP)."),
    _p("skill_premium", float, 1.8, 1.0, 5.0, "ratio", "M8", A,
       "Skilled / unskilled wage ratio at a tertiary share of 10%."),
    _p("scarcity_elasticity", float, 0.3, 0.0, 1.0, "elasticity", "M8", A,
       "Skill premium falls with the tertiary share: premium x (h / 0.1)^-elasticity."),
)

SPECS: dict[str, ParamSpec] = {spec.name: spec for spec in PARAMETERS}


def _coerce(spec: ParamSpec, value: Any) -> float | int | bool:
    """Check one value against its spec, converting ints to floats where allowed."""
    if spec.kind is bool:
        if not isinstance(value, bool | _np_bool()):
            raise ParameterError(spec.name, f"got {value!r}; allowed: {spec.allowed()}")
        return bool(value)
    if isinstance(value, bool) or not isinstance(value, int | float | _np_number()):
        raise ParameterError(spec.name, f"got {value!r}; allowed: {spec.allowed()}")
    if spec.kind is int:
        if float(value) != int(value):
            raise ParameterError(spec.name, f"got {value!r}; allowed: {spec.allowed()}")
        value = int(value)
    else:
        value = float(value)
    if value != value or not (spec.low <= value <= spec.high):  # NaN or out of range
        raise ParameterError(spec.name, f"got {value!r}; allowed: {spec.allowed()}")
    return value


def _np_bool() -> type:
    import numpy as np

    return np.bool_


def _np_number() -> type:
    import numpy as np

    return np.number


class Params(Mapping[str, Any]):
    """An immutable, validated set of parameter values: the defaults with some overrides.

    Attribute access (``params.enrol_sensitivity``) and mapping access both work; ``replace``
    returns a new set. Unknown names and out-of-range values raise ``ParameterError``.
    """

    __slots__ = ("_values",)

    def __init__(self, **overrides: Any):
        values = {spec.name: spec.default for spec in PARAMETERS}
        for name, value in overrides.items():
            spec = SPECS.get(name)
            if spec is None:
                raise ParameterError(name, "unknown parameter; see simulation.PARAMETERS")
            values[name] = _coerce(spec, value)
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Params is immutable; use replace()")

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != SPECS[k].default}
        return f"Params({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Params) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values.items())))

    def __reduce__(self):
        return (_rebuild, (self._values,))

    def replace(self, **overrides: Any) -> Params:
        return Params(**{**self._values, **overrides})

    def to_dict(self) -> dict[str, Any]:
        return dict(self._values)


def _rebuild(values: dict[str, Any]) -> Params:
    return Params(**values)


def parameter_table() -> list[dict[str, Any]]:
    """The table as plain rows (for docs, the README and the classroom app)."""
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
