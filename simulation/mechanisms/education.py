"""M1 education choice, M2 where to study, M3 graduation.

M1: a youth cohort enrols with a logit probability in the expected log return to a degree, which
includes the perceived chance of emigrating times the foreign premium (the incentive effect,
Mountford 1997; Beine, Docquier & Rapoport 2001, 2008); seats cap enrolment and remittances ease
its financing. M2: new students choose home or a destination by a multinomial logit. M3: after the
study years a student becomes a skilled worker where it studied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.choice import logit_probabilities, sample_by_class
from simulation.mechanisms.migration import emigration_destinations, expected_wage, relocate
from simulation.population import STUDENT, WORKER, tally

if TYPE_CHECKING:
    from simulation.model import MigrationModel


def youth_cohort(model: MigrationModel) -> np.ndarray:
    """Youths reaching study age this year: adults / working span, plus population growth."""
    s = model.state
    return model.adults() * (1 / model.params.working_span + np.maximum(s.growth, 0.0))


def expected_return(model: MigrationModel, prospect: np.ndarray) -> np.ndarray:
    """Expected log return to a degree: (1 - p) log(w_s/w_u) + p log(E[wage abroad]/w_u)."""
    s = model.state
    home = np.log(s.wage_skilled / s.wage_unskilled)
    fixed = model.params.use_fixed_prospect
    dest = lottery_destinations(model) if fixed else emigration_destinations(model)
    n = s.n
    wage_abroad = (dest * expected_wage(model, np.arange(n))).sum(axis=1)
    abroad = np.log(np.maximum(wage_abroad, 1.0) / s.wage_unskilled)
    return (1 - prospect) * home + prospect * abroad


def financing(model: MigrationModel) -> np.ndarray:
    """Remittances relative to income ease the cost of study."""
    s = model.state
    income = s.gdppc * s.productivity * model.adults()
    return model.params.remittance_financing * s.remittances / income


def prospect_in_use(model: MigrationModel) -> np.ndarray:
    """The emigration prospect youths act on (0 without migration or without M1)."""
    p, s = model.params, model.state
    if not (model.migration and p.m1_incentive):
        return np.zeros(s.n)
    if p.use_fixed_prospect:
        return p.fixed_prospect * (lottery_destinations(model).sum(axis=1) > 0)
    return s.perceived_prospect


def update_perceived_prospect(model: MigrationModel) -> None:
    """Youths watch the emigration of young compatriots; low ICT blurs (understates) it."""
    p, s = model.params, model.state
    target = model.young_emigration_rate() * (1 - p.perception_ict * (1 - s.ict))
    s.perceived_prospect += (target - s.perceived_prospect) / p.prospect_memory


def enrolment_probability(model: MigrationModel) -> np.ndarray:
    s, p = model.state, model.params
    z = s.enrol_cost + p.enrol_sensitivity * expected_return(model, prospect_in_use(model))
    return 1 / (1 + np.exp(-(z + financing(model))))


def seats(model: MigrationModel, cohort: np.ndarray) -> np.ndarray:
    """Entrant places this year: capacity grows with the cohort; shocks destroy some."""
    p, s = model.params, model.state
    damage = np.minimum(0.9, p.shock_seat_damage * s.shock) if p.m7_shocks else 0.0
    return s.seat_rate * cohort * s.seats_multiplier * (1 - damage)


def study_utility(model: MigrationModel, doctorate: bool) -> np.ndarray:
    """(origins, countries) utility of studying in each country; home has no abroad terms."""
    p, s, w = model.params, model.state, model.world
    n = s.n
    u = np.broadcast_to(p.study_quality_weight * s.edu_quality, (n, n)).copy()
    abroad = p.study_income_weight * np.log(s.gdppc[None, :] / s.gdppc[:, None])
    abroad -= p.study_distance_weight * np.log1p(w.distance_km / 100.0)
    visa = s.visa["scientists"] if doctorate else s.visa["students"]
    abroad += p.study_visa_weight * np.log(np.maximum(visa, 1e-3))[None, :]
    if p.m6_diaspora:
        abroad += p.study_diaspora_weight * np.log1p(model.diaspora / 1_000.0)
    member = s.memberships(model.year).astype(float)
    abroad += p.study_convention_weight * ((member @ member.T) > 0)
    abroad += s.study_abroad_constant[:, None]
    u += abroad
    np.fill_diagonal(u, p.study_quality_weight * s.edu_quality)
    return u


def calibrate_study_abroad(model: MigrationModel, outbound_ratio: np.ndarray) -> None:
    """Set each origin's abroad intercept so the abroad share matches the UIS ratio at start."""
    s = model.state
    s.study_abroad_constant[:] = 0.0
    u = study_utility(model, doctorate=False)
    home = np.diag(u).copy()
    off = u.copy()
    np.fill_diagonal(off, -np.inf)
    top = off.max(axis=1)
    inclusive = top + np.log(np.exp(off - top[:, None]).sum(axis=1))
    share = np.clip(outbound_ratio / (1 + outbound_ratio), 1e-4, 0.95)
    s.study_abroad_constant[:] = np.log(share / (1 - share)) + home - inclusive


def enrol(model: MigrationModel) -> None:
    """M1 + M2: the youth cohort enrols; new student agents choose where to study."""
    p, s, pop = model.params, model.state, model.pop
    flows = model.flows
    cohort = youth_cohort(model)
    enrolled = np.minimum(enrolment_probability(model) * cohort, seats(model, cohort))
    flows["youth_cohort"] += cohort
    flows["new_students"] += enrolled
    s.unskilled += cohort - enrolled
    agents = np.where(enrolled > 0, np.ceil(enrolled / model.mean_weight), 0).astype(np.int64)
    agents = np.minimum(agents, p.agents_per_country)
    origin = np.repeat(np.arange(s.n), agents)
    if not len(origin):
        return
    weight = np.repeat(np.divide(enrolled, np.maximum(agents, 1)), agents)
    rng = model.stream("enrolment")
    doctorate = rng.random(len(origin)) < p.doctoral_share
    location = origin.copy()
    if model.migration and p.m2_study_abroad:
        for flag in (False, True):
            sel = np.flatnonzero(doctorate == flag)
            probs = logit_probabilities(study_utility(model, doctorate=flag))
            location[sel] = sample_by_class(probs, origin[sel], rng.random(len(sel)))
    ability = rng.lognormal(0.0, 0.25, len(origin)).astype(np.float32)
    years = p.first_degree_years + doctorate * p.doctorate_years
    pop.append(
        len(origin),
        kind=STUDENT,
        origin=origin,
        location=location,
        degree_country=location,
        age=20.0,
        doctorate=doctorate,
        study_left=years,
        skill=ability,
        recognised=True,
        tie=1.0,
        weight=weight,
    )
    model.entered += tally(origin, weight, s.n)


def graduate(model: MigrationModel) -> np.ndarray:
    """M3: students finish; returns the rows of foreign graduates who now decide (M4)."""
    p, s, pop = model.params, model.state, model.pop
    students = np.flatnonzero(pop.kind == STUDENT)
    left = pop.column("study_left")
    left[students] -= 1
    done = students[left[students] <= 0]
    if not len(done):
        return done
    pop.column("kind")[done] = WORKER
    pop.column("recognised")[done] = True  # a local degree is recognised where earned
    quality = s.edu_quality[pop.location[done]]
    pop.column("skill")[done] *= (0.5 + 0.5 * quality).astype(np.float32)
    model.flows["graduates"] += tally(pop.origin[done], pop.weight[done], s.n)
    abroad = done[pop.location[done] != pop.origin[done]]
    at_home = done[pop.location[done] == pop.origin[done]]
    if not model.migration:
        return np.zeros(0, dtype=np.int64)
    if not p.m3_post_study_stay:
        relocate(model, abroad, pop.origin[abroad], count_flows=False)
        abroad = np.zeros(0, dtype=np.int64)
    if p.use_fixed_prospect and len(at_home):
        lottery(model, at_home)
    return abroad


def lottery(model: MigrationModel, rows: np.ndarray) -> None:
    """Theory mode: each new graduate at home emigrates with the fixed prospect (to a
    country that pays more; where none does, nobody leaves)."""
    pop = model.pop
    rng = model.stream("lottery")
    leaving = rows[rng.random(len(rows)) < model.params.fixed_prospect]
    if not len(leaving):
        return
    probs = lottery_destinations(model)
    leaving = leaving[probs[pop.origin[leaving]].sum(axis=1) > 0]
    destination = sample_by_class(probs, pop.origin[leaving], rng.random(len(leaving)))
    relocate(model, leaving, destination)


def lottery_destinations(model: MigrationModel) -> np.ndarray:
    """Theory mode: winners go only where a graduate expects to earn more than at home (the
    rich destination of the two-country setting); rows of origins with none are zero."""
    s = model.state
    probs = emigration_destinations(model)
    better = expected_wage(model, np.arange(s.n)) > s.wage_skilled[:, None]
    probs = probs * better
    total = probs.sum(axis=1, keepdims=True)
    return np.divide(probs, total, out=np.zeros_like(probs), where=total > 0)
