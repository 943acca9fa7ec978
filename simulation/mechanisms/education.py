"""M1 education choice and M2 where to study.

M1: a youth cohort enrols with a logit probability in the expected log return to a degree, which
includes the perceived chance of emigrating times the foreign premium (the incentive effect,
Mountford 1997; Beine, Docquier & Rapoport 2001, 2008). The perceived prospect comes from recent
emigration per graduate (a flow); ICT moves perception toward it from a cruder belief, the share
of skilled compatriots abroad. Enrolment follows the data's trend; seats at home cap the
students who study at home; remittances ease financing. M2: new students choose home or a
destination by a multinomial logit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit, logit

from simulation.choice import (
    inclusive_value,
    logit_probabilities,
    nonzero_cells,
    stochastic_round,
)
from simulation.mechanisms.migration import (
    emigration_destinations,
    income_gap,
    weight_caps,
    year_pay,
)
from simulation.mechanisms.recognition import convention_links, diaspora_size
from simulation.population import STUDENT, tally

if TYPE_CHECKING:
    from simulation.model import MigrationModel

DESTINATION_ITERATIONS = 30


def youth_cohort(model: MigrationModel) -> np.ndarray:
    """Youths reaching study age this year: adults / working span, plus population growth."""
    s = model.state
    return model.adults() * (1 / model.params.working_span + np.maximum(s.growth, 0.0))


def expected_return(model: MigrationModel, prospect: np.ndarray) -> np.ndarray:
    """Expected log return to a degree: (1 - p) log(w_s/w_u) + p log(E[wage abroad]/w_u)."""
    s = model.state
    home = np.log(s.wage_skilled / s.wage_unskilled)
    where = (
        lottery_destinations(model)
        if model.params.use_fixed_prospect
        else (emigration_destinations(model))
    )
    wage_abroad = (where * year_pay(model)).sum(axis=1)
    abroad = np.log(np.maximum(wage_abroad, 1.0) / s.wage_unskilled)
    return (1 - prospect) * home + prospect * abroad


def lottery_destinations(model: MigrationModel) -> np.ndarray:
    """Theory mode: winners go only where a graduate expects to earn more than at home (the
    rich destination of the two-country setting); rows of origins with none are zero."""
    s = model.state
    probs = emigration_destinations(model)
    better = year_pay(model) > s.wage_skilled[:, None]
    probs = probs * better
    total = probs.sum(axis=1, keepdims=True)
    return np.divide(probs, total, out=np.zeros_like(probs), where=total > 0)


def financing(model: MigrationModel) -> np.ndarray:
    """Remittances relative to income ease the cost of study."""
    s = model.state
    income = s.gdppc * s.productivity * model.adults()
    return model.params.remittance_financing * s.remittances / income


def prospect_in_use(model: MigrationModel) -> np.ndarray:
    """The emigration prospect youths act on (0 without emigration or without M1)."""
    p, s = model.params, model.state
    if not (model.emigration and p.m1_incentive):
        return np.zeros(s.n)
    if p.use_fixed_prospect:
        return p.fixed_prospect * (lottery_destinations(model).sum(axis=1) > 0)
    return s.perceived_prospect


def true_prospect(emigrations: np.ndarray, graduates: np.ndarray) -> np.ndarray:
    """Recent emigration per graduate: the share of a graduating cohort that emigrates, if
    today's flows went on (clipped to [0, 1])."""
    ratio = np.divide(emigrations, graduates, out=np.zeros_like(emigrations), where=graduates > 0)
    return np.clip(ratio, 0.0, 1.0)


def perception_target(model: MigrationModel, truth: np.ndarray) -> np.ndarray:
    """What youths would believe today: ICT moves them from the crude belief (the share of
    skilled compatriots abroad) toward the true prospect."""
    sharp = 1 - model.params.perception_ict * (1 - model.state.ict)
    return sharp * truth + (1 - sharp) * model.skilled_emigration_rate()


def update_perceived_prospect(model: MigrationModel) -> None:
    """Adaptive expectations: move 1/prospect_memory of the way to this year's target, from
    last year's flows."""
    s, f = model.state, model.last_flows
    target = perception_target(model, true_prospect(f.emigrations, f.graduates))
    s.perceived_prospect += (target - s.perceived_prospect) / model.params.prospect_memory


def enrolment_probability(model: MigrationModel) -> np.ndarray:
    s, p = model.state, model.params
    trend = logit(s.enrolment_trend) - logit(s.enrolment_start)
    z = s.enrol_cost + trend + p.enrol_sensitivity * expected_return(model, prospect_in_use(model))
    return expit(z + financing(model))


def home_seats(model: MigrationModel, cohort: np.ndarray) -> np.ndarray:
    """Places at home this year: they grow with the enrolment trend; shocks destroy some."""
    p, s = model.params, model.state
    damage = np.minimum(p.severity_cap, p.shock_seat_damage * s.shock) if p.m7_shocks else 0.0
    return p.seat_slack * s.enrolment_trend * cohort * s.seats_multiplier * (1 - damage)


def study_utility(model: MigrationModel, doctorate: bool) -> np.ndarray:
    """(origins, countries) utility of studying in each country; home has no abroad terms."""
    return _with_study_constants(model, _study_abroad_terms(model, doctorate))


def _study_abroad_terms(model: MigrationModel, doctorate: bool) -> np.ndarray:
    """(origins, countries): the abroad terms of `study_utility` before its calibrated
    constants (which the destination calibration changes while these stay put)."""
    p, s = model.params, model.state
    t = model.year_terms  # this year's shared terms, when the step has made them
    abroad = p.study_income_weight * (income_gap(model) if t is None else t.income_gap)
    abroad -= model.fixed.study_distance
    visa = s.visa["scientists"] if doctorate else s.visa["students"]
    abroad += p.study_visa_weight * np.log(np.maximum(visa, p.visa_floor))[None, :]
    if p.m6_diaspora:
        size = diaspora_size(model) if t is None else t.diaspora_size
        abroad += p.study_diaspora_weight * size
    abroad += p.study_convention_weight * convention_links(model).shared_any
    return abroad


def _with_study_constants(model: MigrationModel, abroad_terms: np.ndarray) -> np.ndarray:
    """`study_utility` from its abroad terms: the constants added, home's quality alone."""
    p, s = model.params, model.state
    quality = p.study_quality_weight * s.edu_quality
    u = abroad_terms + (s.study_abroad_constant[:, None] + s.study_destination_constant[None, :])
    u += quality[None, :]  # quality + the rest, as one addition
    np.fill_diagonal(u, quality)
    return u


def study_places(model: MigrationModel, doctorate: bool) -> np.ndarray:
    """(origins, countries): where new students go; the diagonal is home. Everybody studies at
    home with M2 off."""
    if not model.params.m2_study_abroad:
        return np.eye(model.state.n)
    return logit_probabilities(study_utility(model, doctorate))


def abroad_choice(model: MigrationModel, abroad_terms: np.ndarray | None = None) -> np.ndarray:
    """(origins, countries): where a new first-degree student who studies abroad goes
    (`abroad_terms`: those of `_study_abroad_terms`, if already made)."""
    if abroad_terms is None:
        abroad_terms = _study_abroad_terms(model, doctorate=False)
    u = _with_study_constants(model, abroad_terms)
    np.fill_diagonal(u, -np.inf)
    return logit_probabilities(u)


def calibrate_study_destinations(model: MigrationModel) -> np.ndarray:
    """Destination constants of M2: students abroad (each origin's UIS outbound students)
    spread over destinations like the UIS inbound students (iterative proportional fitting).
    Returns the resulting spread of students abroad (rows summing to 1)."""
    from simulation.initial import students_in_study

    s, w = model.state, model.world
    s.study_destination_constant[:] = 0.0
    students = students_in_study(s, model.params)
    outbound = np.clip(np.nan_to_num(w.column("outbound_ratio")), 0.0, 20.0)
    inbound_rate = np.clip(np.nan_to_num(w.column("inbound_rate")), 0.0, 0.95)
    abroad = students * outbound / (1 + outbound)
    inbound = inbound_rate / (1 - inbound_rate) * (students - abroad)  # UIS: in / (home + in)
    if inbound.sum() <= 0 or abroad.sum() <= 0:
        return abroad_choice(model)
    target = np.maximum(inbound / inbound.sum(), 1e-9)
    terms = _study_abroad_terms(model, doctorate=False)  # only the constants change below
    for _ in range(DESTINATION_ITERATIONS):
        flow = abroad @ abroad_choice(model, terms)
        share = flow / max(flow.sum(), 1e-300)
        s.study_destination_constant += np.log(target / np.maximum(share, 1e-300))
    s.study_destination_constant -= s.study_destination_constant.max()
    return abroad_choice(model, terms)


def calibrate_study_abroad(model: MigrationModel, abroad_share: np.ndarray) -> None:
    """Each origin's abroad intercept: new students go abroad in the share of the start's
    students who study abroad (whose number is the UIS outbound ratio times enrolment)."""
    s = model.state
    s.study_abroad_constant[:] = 0.0
    u = study_utility(model, doctorate=False)
    home = np.diag(u).copy()
    np.fill_diagonal(u, -np.inf)
    share = np.clip(abroad_share, 1e-4, 0.95)
    s.study_abroad_constant[:] = logit(share) + home - inclusive_value(u)


def enrol(model: MigrationModel) -> None:
    """M1 + M2: the youth cohort enrols; new students study at home (up to the seats) or
    abroad (M2). New student agents are about as heavy as the origin's agents at start, and no
    heavier than the weight cap where they study (stochastic rounding keeps expectations)."""
    p, s, n = model.params, model.state, model.state.n
    cohort = youth_cohort(model)
    wanting = enrolment_probability(model) * cohort
    share = {False: 1 - p.doctoral_share, True: p.doctoral_share}
    places = {kind: wanting[:, None] * share[kind] * study_places(model, kind) for kind in share}
    home_demand = sum(np.diag(cells) for cells in places.values())
    admitted = np.divide(
        np.minimum(home_demand, home_seats(model, cohort)),
        home_demand,
        out=np.zeros(n),
        where=home_demand > 0,
    )
    rng = model.stream("enrolment")
    # a year's entrants make about agents_per_country / working_span agents (so a steady
    # population keeps about agents_per_country agents per origin), none lighter than the
    # origin's agents at start, none heavier than the cap where they study
    per_year = p.agents_per_country / p.working_span
    weight = np.maximum(model.mean_weight, wanting / per_year)
    unit = np.minimum(weight[:, None], weight_caps(model)[None, :])
    enrolled = np.zeros(n)
    for doctorate, cells in places.items():
        np.fill_diagonal(cells, np.diag(cells) * admitted)
        enrolled += cells.sum(axis=1)
        add_students(model, cells, unit, doctorate, rng)
    model.flows.youth_cohort += cohort
    model.flows.new_students += enrolled
    s.unskilled += cohort - enrolled


def add_students(
    model: MigrationModel,
    cells: np.ndarray,
    unit: np.ndarray,
    doctorate: bool,
    rng: np.random.Generator,
) -> None:
    """New student agents for (origin, place of study) cells of people: home cells exactly
    (equal weights), abroad cells as agents of the unit weight in a stochastically rounded
    number (the expected number of students is kept)."""
    p, pop, n = model.params, model.pop, model.state.n
    home = np.diag(cells).copy()
    count = stochastic_round(cells / np.maximum(unit, 1e-300), rng.random(cells.shape))
    count[np.arange(n), np.arange(n)] = np.ceil(home / np.maximum(np.diag(unit), 1e-300))
    origin, location = nonzero_cells(count)
    repeats = count[origin, location]
    at_home = origin == location
    weight = np.where(at_home, home[origin] / np.maximum(repeats, 1), unit[origin, location])
    origin, location = np.repeat(origin, repeats), np.repeat(location, repeats)
    weight = np.repeat(weight, repeats)
    if not len(origin):
        return
    pop.append(
        len(origin),
        kind=STUDENT,
        origin=origin,
        location=location,
        degree_country=location,
        age=20.0,
        doctorate=doctorate,
        study_left=p.first_degree_years + doctorate * p.doctorate_years,
        skill=rng.lognormal(0.0, p.ability_spread, len(origin)).astype(np.float32),
        recognised=True,
        tie=1.0,
        weight=weight,
    )
    model.entered += tally(origin, weight, n)
