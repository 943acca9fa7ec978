"""One test per mechanism term (docs/ODD.md §3.3): raising one input moves the term's output the
documented way, so a test fails when a term's sign flips or the term is dropped.

Each test builds a small synthetic world, changes one input of one mechanism function and
compares that function's output before and after; nothing else changes, so no noise.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from simulation import MigrationModel, Params, synthetic_world
from simulation.mechanisms import calibration, diaspora, economy, education, migration, shocks
from simulation.mechanisms.recognition import later_recognition_and_skill, recognition_matrix
from simulation.metrics import country_metrics
from simulation.population import STUDENT, WORKER
from simulation.state import FixedTerms

ORI, DST, THIRD = 2, 0, 1  # an origin, its main destination and a third country


def make_model(**params) -> MigrationModel:
    world = synthetic_world(5, seed=17)
    world = dataclasses.replace(  # fresh arrays: tests may change them
        world,
        distance_km=world.distance_km.copy(),
        migrant_stock=world.migrant_stock + 50_000 * (1 - np.eye(world.n)),
    )
    return MigrationModel(world, Params(agents_per_country=60, **params), rng=3, years=5)


@pytest.fixture
def model() -> MigrationModel:
    return make_model()


def farther(model: MigrationModel, a: int, b: int, factor: float) -> None:
    """Move b farther from a; distance terms are fixed at set-up, so they are recomputed."""
    model.world.distance_km[a, b] *= factor
    model.fixed = FixedTerms.of(model.world, model.params)


def home_class_utility(model: MigrationModel, doctorate: bool = False) -> np.ndarray:
    """Utility of each destination for a worker at home in ORI with a home degree."""
    idx = np.array([ORI])
    return migration.move_utility(model, idx, idx, idx, np.array([doctorate]), np.ones(1))[0]


def abroad_class_utility(model: MigrationModel) -> np.ndarray:
    """Utility of each destination for a worker of ORI living in DST (an onward move)."""
    o, loc = np.array([ORI]), np.array([DST])
    return migration.move_utility(model, o, o, loc, np.array([False]), np.ones(1))[0]


def worker_rows(model: MigrationModel, origin: int, location: int) -> np.ndarray:
    pop = model.pop
    rows = np.flatnonzero(
        (pop.kind == WORKER) & (pop.origin == origin) & (pop.location == location)
    )
    assert len(rows), "the fixture world must have such workers"
    return rows


# --- M4: the utility of moving -----------------------------------------------------------------
def test_m4_wage_term_pulls_toward_higher_pay(model):
    before = home_class_utility(model)
    model.state.wage_skilled[THIRD] *= 2
    model.state.wage_unskilled[THIRD] *= 2
    after = home_class_utility(model)
    assert after[THIRD] > before[THIRD] + 0.5 * np.log(2)
    assert after[DST] == pytest.approx(before[DST])


def test_m4_distance_term_makes_far_destinations_costlier(model):
    before = home_class_utility(model)
    farther(model, ORI, THIRD, 4)
    assert home_class_utility(model)[THIRD] < before[THIRD]


def test_m4_visa_term_follows_the_group(model):
    before = home_class_utility(model)
    model.state.visa["skilled"][THIRD] = 1.0
    model.state.visa["skilled"][DST] = 0.01
    after = home_class_utility(model)
    assert after[THIRD] >= before[THIRD] and after[DST] < before[DST]
    doctor_before = home_class_utility(model, doctorate=True)
    model.state.visa["scientists"][THIRD] = 0.01
    assert home_class_utility(model, doctorate=True)[THIRD] < doctor_before[THIRD]


def test_m4_network_term_follows_the_diaspora(model):
    before = home_class_utility(model)
    model.corridors.diaspora[ORI, THIRD] *= 20
    assert home_class_utility(model)[THIRD] > before[THIRD]
    off = make_model(m6_diaspora=False)
    before = home_class_utility(off)
    off.corridors.diaspora[ORI, THIRD] *= 20
    assert home_class_utility(off)[THIRD] == pytest.approx(before[THIRD])


def test_m4_social_openness_attracts_movers_and_keeps_migrants(model):
    before = home_class_utility(model)
    model.state.social_openness[THIRD] = 1.0
    model.state.social_openness[DST] = 0.0
    after = home_class_utility(model)
    assert after[THIRD] > before[THIRD] and after[DST] < before[DST]
    rows = worker_rows(model, ORI, DST)
    stay_closed, _ = migration.stay_and_home_utility(model, rows, np.zeros(len(rows)))
    model.state.social_openness[DST] = 1.0
    stay_open, _ = migration.stay_and_home_utility(model, rows, np.zeros(len(rows)))
    assert (stay_open > stay_closed).all()


def test_m4_home_tie_keeps_people_home_and_pulls_emigrants_back(model):
    at_home = worker_rows(model, ORI, ORI)
    abroad = worker_rows(model, ORI, DST)
    model.pop.column("tie")[at_home] = 0.0
    model.pop.column("tie")[abroad] = 0.0
    stay_weak, _ = migration.stay_and_home_utility(model, at_home, np.zeros(len(at_home)))
    _, home_weak = migration.stay_and_home_utility(model, abroad, np.zeros(len(abroad)))
    model.pop.column("tie")[at_home] = 1.0
    model.pop.column("tie")[abroad] = 1.0
    stay_strong, _ = migration.stay_and_home_utility(model, at_home, np.zeros(len(at_home)))
    _, home_strong = migration.stay_and_home_utility(model, abroad, np.zeros(len(abroad)))
    assert (stay_strong > stay_weak).all() and (home_strong > home_weak).all()


def test_m4_return_terms(model):
    rows = worker_rows(model, ORI, DST)
    post = np.zeros(len(rows))
    _, home = migration.stay_and_home_utility(model, rows, post)
    model.state.return_incentive[ORI] = 2.0
    _, with_incentive = migration.stay_and_home_utility(model, rows, post)
    assert with_incentive == pytest.approx(home + 2.0)
    costly = make_model(return_cost=5.0)
    cheap = make_model(return_cost=0.0)
    rows = worker_rows(cheap, ORI, DST)
    _, dear = migration.stay_and_home_utility(costly, rows, np.zeros(len(rows)))
    _, low = migration.stay_and_home_utility(cheap, rows, np.zeros(len(rows)))
    assert low == pytest.approx(dear + 5.0)


def test_m4_leaving_intercept_acts_on_leaving_home_only(model):
    home_before, onward_before = home_class_utility(model), abroad_class_utility(model)
    model.state.emigration_constant[ORI] += 1.0
    assert home_class_utility(model)[THIRD] == pytest.approx(home_before[THIRD] + 1.0)
    assert abroad_class_utility(model)[THIRD] == pytest.approx(onward_before[THIRD])


def test_m4_onward_moves_pay_the_base_cost():
    cheap, dear = make_model(move_cost_base=0.0), make_model(move_cost_base=4.0)
    assert abroad_class_utility(dear)[THIRD] == pytest.approx(
        abroad_class_utility(cheap)[THIRD] - 4.0
    )


def test_m4_graduates_staying_abroad_are_emigrating(model):
    rows = worker_rows(model, ORI, DST)
    post = np.ones(len(rows))
    _, home = migration.stay_and_home_utility(model, rows, post)
    model.state.emigration_constant[ORI] += 1.0
    _, home_after = migration.stay_and_home_utility(model, rows, post)
    assert home_after == pytest.approx(home - 1.0)
    _, settled = migration.stay_and_home_utility(model, rows, np.zeros(len(rows)))
    model.state.emigration_constant[ORI] -= 1.0
    _, settled_after = migration.stay_and_home_utility(model, rows, np.zeros(len(rows)))
    assert settled_after == pytest.approx(settled)


def test_m4_post_study_bonus_keeps_graduates_where_they_studied(model):
    rows = worker_rows(model, ORI, DST)
    settled, _ = migration.stay_and_home_utility(model, rows, np.zeros(len(rows)))
    graduating, _ = migration.stay_and_home_utility(model, rows, np.ones(len(rows)))
    assert graduating == pytest.approx(settled + model.params.post_study_bonus)


def test_m4_skill_lost_lowers_pay(model):
    rows = worker_rows(model, ORI, ORI)
    stay, _ = migration.stay_and_home_utility(model, rows, np.zeros(len(rows)))
    model.pop.column("skill_change")[rows] = -1.0
    lower, _ = migration.stay_and_home_utility(model, rows, np.zeros(len(rows)))
    expected = model.params.wage_weight * model.params.skill_wage_elasticity
    assert lower == pytest.approx(stay - expected)


def test_m4_considering_a_move(model):
    p = model.params
    rows = worker_rows(model, ORI, ORI)
    model.pop.column("age")[rows] = 30.0
    calm = migration.consider_probability(model, rows, np.zeros(model.state.n))
    assert calm == pytest.approx(np.full(len(rows), p.consider_rate_young))
    model.pop.column("age")[rows] = 40.0
    assert migration.consider_probability(model, rows, np.zeros(5)) == pytest.approx(
        p.consider_rate_mid
    )
    model.pop.column("age")[rows] = 60.0
    assert migration.consider_probability(model, rows, np.zeros(5)) == pytest.approx(
        p.consider_rate_old
    )
    shock = np.zeros(model.state.n)
    shock[ORI] = 0.2  # M7: a shock where one lives raises the wish to move
    shaken = migration.consider_probability(model, rows, shock)
    assert shaken == pytest.approx(p.consider_rate_old * (1 + p.shock_move_sensitivity * 0.2))
    abroad = worker_rows(model, ORI, DST)
    model.pop.column("age")[abroad] = 60.0
    model.pop.column("years_abroad")[abroad] = 1
    recent = migration.consider_probability(model, abroad, np.zeros(5))
    assert recent == pytest.approx(p.consider_rate_recent)


# --- M2: where to study ----------------------------------------------------------------------
def study(model: MigrationModel) -> np.ndarray:
    return education.study_utility(model, doctorate=False)[ORI]


def test_m2_terms(model):
    s, c = model.state, model.corridors
    s.edu_quality[THIRD] = 0.3
    base = study(model)
    s.edu_quality[THIRD] = 0.6
    assert study(model)[THIRD] > base[THIRD]  # quality
    base = study(model)
    farther(model, ORI, THIRD, 4)
    assert study(model)[THIRD] < base[THIRD]  # distance
    base = study(model)
    s.gdppc[THIRD] *= 2
    assert study(model)[THIRD] > base[THIRD]  # income of the place of study (positive weight)
    base = study(model)
    s.visa["students"][THIRD] = 0.01
    assert study(model)[THIRD] < base[THIRD]  # student visas
    base = study(model)
    c.diaspora[ORI, THIRD] *= 20
    assert study(model)[THIRD] > base[THIRD]  # diaspora
    s.convention_year[:] = np.inf
    base = study(model)
    s.convention_year[[ORI, THIRD], 0] = model.year  # both in the same convention
    assert study(model)[THIRD] > base[THIRD]  # degrees recognised back home


def test_m2_abroad_intercept_matches_the_outbound_ratio(model):
    share = np.full(model.state.n, 0.1)
    education.calibrate_study_abroad(model, share)
    places = education.study_places(model, doctorate=False)
    assert (1 - np.diag(places)) == pytest.approx(share)


# --- M5: recognition ---------------------------------------------------------------------------
def test_m5_recognition_terms():
    model = make_model(recognition_base=0.3)
    s, c = model.state, model.corridors
    s.convention_year[:] = np.inf
    s.quality_assurance[:] = 0.5
    c.diaspora[:] = 0.0
    base = recognition_matrix(model)
    assert base[ORI, DST] == pytest.approx(0.3)
    s.convention_year[[ORI, DST], 0] = model.year  # a shared regional convention
    regional = recognition_matrix(model)
    assert regional[ORI, DST] == pytest.approx(0.3 + model.params.recognition_regional_boost)
    s.convention_year[:] = np.inf
    s.convention_year[ORI, -1] = model.year  # the Global Convention needs both parties
    assert recognition_matrix(model)[ORI, DST] == pytest.approx(0.3)
    s.convention_year[DST, -1] = model.year
    both = recognition_matrix(model)[ORI, DST]
    assert both == pytest.approx(0.3 + model.params.recognition_global_boost)
    s.convention_year[:] = np.inf
    s.quality_assurance[ORI] = 1.0  # quality assurance of the degree's country
    assert recognition_matrix(model)[ORI, DST] == pytest.approx(
        0.3 + 0.5 * model.params.recognition_qa_weight
    )
    s.quality_assurance[ORI] = 0.5
    c.bilateral[ORI, DST] = 0.2
    assert recognition_matrix(model)[ORI, DST] == pytest.approx(0.5)
    c.bilateral[ORI, DST] = 0.0
    c.diaspora[ORI, DST] = 1e6  # referrals
    assert recognition_matrix(model)[ORI, DST] > 0.3
    assert np.diag(recognition_matrix(model)) == pytest.approx(1.0)


def test_m5_later_recognition_and_skill_change():
    def unrecognised_abroad(model):
        rows = worker_rows(model, ORI, DST)
        model.pop.column("recognised")[rows] = False
        model.corridors.recognition[:] = 1.0
        return rows

    never = make_model(later_recognition_rate=0.0, skill_depreciation=0.1)
    rows = unrecognised_abroad(never)
    skill = never.pop.skill[rows].copy()
    later_recognition_and_skill(never)
    assert not never.pop.recognised[rows].any()
    assert never.pop.skill[rows] == pytest.approx(skill * 0.9)  # skill lost in brain waste
    assert never.pop.skill_change[rows] == pytest.approx(np.log(0.9))
    always = make_model(later_recognition_rate=1.0, skill_growth_abroad=0.05)
    rows = unrecognised_abroad(always)
    skill = always.pop.skill[rows].copy()
    later_recognition_and_skill(always)
    assert always.pop.recognised[rows].all()
    assert always.pop.skill[rows] == pytest.approx(skill * 1.05)  # recognised abroad: gains


# --- M6: diaspora ------------------------------------------------------------------------------
def test_m6_knowledge_transfer_raises_productivity_and_quality():
    quiet = make_model(m7_shocks=False)
    busy = make_model(m7_shocks=False)
    busy.state.knowledge_transfer[:] = busy.adults() * 0.01
    for m in (quiet, busy):
        m.year += 1
        economy.update_economy(m)
    assert (busy.state.productivity > quiet.state.productivity).all()
    quality = busy.state.edu_quality.copy()
    diaspora.diaspora_step(busy)
    raised = busy.state.knowledge_transfer > 0
    assert (busy.state.edu_quality[raised] > quality[raised]).all()  # e-training


def test_m6_knowledge_transfer_needs_ict_and_engagement(model):
    diaspora.diaspora_step(model, etraining=False)
    base = model.state.knowledge_transfer[ORI]
    assert base > 0
    model.state.engagement[ORI] *= 2
    diaspora.diaspora_step(model, etraining=False)
    assert model.state.knowledge_transfer[ORI] == pytest.approx(2 * base)
    model.state.ict[ORI] /= 2
    diaspora.diaspora_step(model, etraining=False)
    assert model.state.knowledge_transfer[ORI] == pytest.approx(base)  # ICT at origin, and ...
    model.state.ict[:] *= 0.5  # ... at every destination
    diaspora.diaspora_step(model, etraining=False)
    assert model.state.knowledge_transfer[ORI] < base


def test_m6_remittances_fall_with_cost(model):
    diaspora.diaspora_step(model, etraining=False)
    base = model.state.remittances[ORI]
    model.state.remittance_cost[ORI] = 0.5
    diaspora.diaspora_step(model, etraining=False)
    assert 0 < model.state.remittances[ORI] < base


# --- M7: environmental shocks -------------------------------------------------------------------
def test_m7_climate_trend_raises_hazard_probabilities():
    model = make_model(climate_trend=0.05)
    for _ in range(3):
        model.year += 1
        shocks.shock_step(model)
    assert model.state.hazard_factor == pytest.approx(1.05**3)


def test_m7_displacement_is_reduced_by_adaptation():
    def displaced(adaptation: float) -> float:
        model = make_model(cross_border_share=0.0)
        model.state.adaptation[ORI] = adaptation
        model.state.scheduled_severity[ORI] = 0.1
        model.flows.reset()
        model.year += 1
        shocks.shock_step(model)
        return model.flows.env_displaced[ORI]

    assert displaced(1.0) < displaced(0.0)


def test_m7_displaced_cross_borders_and_come_back():
    model = make_model(cross_border_share=0.1, displaced_return_rate=1.0)
    skilled, unskilled = model.skilled_residents()[ORI], model.state.unskilled[ORI]
    model.year += 1
    shocks.displace_across_borders(model, np.where(np.arange(5) == ORI, 0.3, 0.0))
    assert model.skilled_residents()[ORI] < skilled
    assert model.state.unskilled[ORI] == pytest.approx(unskilled * 0.7)
    assert model.pop.displaced.any() and model.corridors.displaced[ORI].sum() > 0
    model.year += 1
    shocks.return_displaced(model)
    assert model.state.unskilled[ORI] == pytest.approx(unskilled)
    assert model.skilled_residents()[ORI] == pytest.approx(skilled)


def test_m7_displaced_go_near_to_big_places_with_diasporas(model):
    base = shocks.displacement_destinations(model)[ORI]
    farther(model, ORI, THIRD, 5)
    assert shocks.displacement_destinations(model)[ORI, THIRD] < base[THIRD]
    base = shocks.displacement_destinations(model)[ORI]
    model.corridors.diaspora[ORI, THIRD] *= 50
    assert shocks.displacement_destinations(model)[ORI, THIRD] > base[THIRD]


# --- M1: the incentive effect ------------------------------------------------------------------
def test_m1_perception_moves_from_the_crude_belief_to_the_truth():
    model = make_model(perception_ict=1.0)
    crude = model.skilled_emigration_rate()
    truth = np.full(model.state.n, 0.5)
    model.state.ict[:] = 0.999
    assert education.perception_target(model, truth) == pytest.approx(truth, abs=1e-3)
    model.state.ict[:] = 0.001
    assert education.perception_target(model, truth) == pytest.approx(crude, abs=1e-3)
    blind = make_model(perception_ict=0.0)
    blind.state.ict[:] = 0.001
    assert education.perception_target(blind, truth) == pytest.approx(truth)


def test_m1_true_prospect_is_recent_emigration_per_graduate():
    assert education.true_prospect(np.array([10.0, 0.0, 50.0]), np.array([100.0, 0.0, 20.0])) == (
        pytest.approx([0.1, 0.0, 1.0])
    )


def test_m1_prospect_and_remittances_raise_enrolment():
    model = make_model(use_fixed_prospect=True, fixed_prospect=0.0)
    low = education.enrolment_probability(model)
    model.state.remittances[:] = model.adults() * model.state.gdppc * 0.1
    financed = education.enrolment_probability(model)
    assert (financed > low).all()
    hopeful = make_model(use_fixed_prospect=True, fixed_prospect=0.3)
    hopeful.state.enrol_cost[:] = model.state.enrol_cost
    poor = model.state.wage_skilled < model.state.wage_skilled.max()
    assert (education.enrolment_probability(hopeful)[poor] > low[poor]).all()


def test_m1_seats_cap_home_students_only():
    model = make_model(seat_slack=1.0)
    cohort = education.youth_cohort(model)
    seats = education.home_seats(model, cohort)
    assert seats == pytest.approx(model.state.enrolment_trend * cohort)
    model.state.shock[:] = 0.5  # shocks destroy seats
    assert (education.home_seats(model, cohort) < seats).all()


# --- definitions of the outcomes -----------------------------------------------------------------
def test_uis_and_docquier_marfouk_denominators(model):
    m = country_metrics(model)
    pop = model.pop
    n = model.state.n
    students = pop.kind == STUDENT
    in_country = np.bincount(pop.location[students], pop.weight[students], minlength=n)
    home = students & (pop.location == pop.origin)
    assert in_country.sum() > np.bincount(pop.location[home], pop.weight[home], minlength=n).sum()
    abroad = students & (pop.location != pop.origin)
    outbound = np.bincount(pop.origin[abroad], pop.weight[abroad], minlength=n)
    inbound = np.bincount(pop.location[abroad], pop.weight[abroad], minlength=n)
    # UIS: per tertiary enrolment in the country, home and inbound students together
    assert m["outbound_mobility_ratio"] == pytest.approx(outbound / in_country)
    assert m["inbound_mobility_rate"] == pytest.approx(inbound / in_country)
    workers = pop.kind == WORKER
    residents = np.bincount(pop.location[workers], pop.weight[workers], minlength=n)
    away = workers & (pop.location != pop.origin)
    emigrants = np.bincount(pop.origin[away], pop.weight[away], minlength=n)
    # Docquier & Marfouk: residents of any origin in the denominator
    assert m["skilled_emigration_rate"] == pytest.approx(emigrants / (emigrants + residents))
    iab = model.corridors.iab_destination[pop.location] & away
    to_iab = np.bincount(pop.origin[iab], pop.weight[iab], minlength=n)
    assert m["skilled_emigration_rate_iab20"] == pytest.approx(to_iab / (to_iab + residents))


def test_calibration_projection_holds_the_start_rate():
    """The leaving intercepts make the projected rate after the horizon equal the start's."""
    model = make_model()
    constant = model.state.emigration_constant.copy()
    model.state.emigration_constant[:] = 0.0
    flows = calibration.start_flows(model)
    p = model.params
    start = calibration.emigration_rate(flows, flows.home, flows.recent, flows.settled)
    end = calibration.emigration_rate(
        flows, *calibration.project(flows, constant, p.calibration_horizon, p.recent_years)
    )
    reachable = np.abs(constant) < calibration.INTERCEPT_RANGE - 1
    assert end[reachable] == pytest.approx(start[reachable], rel=1e-3)
