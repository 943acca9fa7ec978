"""Exact tests of the mechanisms' and metrics' documented rules, written to kill the mutants that
`make mutation` (mutmut) showed the rest of the suite lets through: a changed operator, bound,
term or index in `simulation/mechanisms`, `simulation/metrics.py` or `simulation/choice.py`
makes one of these fail. Each test computes the documented rule (docs/ODD.md, the functions'
docstrings) by hand on a small world and compares; no test depends on how a function is written
inside. Mutants that are equivalent or harmless are listed in tests/mutation_survivors.md.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

from simulation import METRICS, MigrationModel, Params, PolicyEvent, synthetic_world
from simulation.choice import (
    classes_of,
    inclusive_value,
    logit_probabilities,
    logit_with_inclusive_value,
    pick_option,
    row_max,
    row_sum,
    sample_by_class,
    stochastic_round,
)
from simulation.events import CONVENTIONS
from simulation.mechanisms import demography, economy, policy
from simulation.metrics import (
    COUNTERFACTUAL_METRICS,
    _herfindahl,
    aggregate_regions,
    counterfactual,
    metric_parts,
    metrics_frame,
    safe_ratio,
    world_value,
)
from simulation.population import STUDENT, WORKER

N = 5  # countries of the small synthetic world: C00 is rich (an IAB destination), C01 poor


def small_world():
    world = synthetic_world(N, seed=17)
    language = world.common_language.copy()
    language[1, 2] = language[2, 1] = True  # C01 shares a language with two countries
    return dataclasses.replace(
        world,
        distance_km=world.distance_km.copy(),
        common_language=language,
        migrant_stock=world.migrant_stock + 50_000 * (1 - np.eye(N)),
    )


def build(world=None, **params) -> MigrationModel:
    """A model of the small world (or of `world`) at its start year, built now (tests of what
    the start calibration sets build their own, so they run whatever the calibration code is;
    terms fixed from the world's geography are computed here, so tests of geography edit the
    world before building)."""
    params = {"agents_per_country": 60, **params}
    world = small_world() if world is None else world
    return MigrationModel(world, Params(**params), rng=3, years=5)


_BUILT: dict[tuple, MigrationModel] = {}


@pytest.fixture(scope="module", autouse=True)
def _forget_built_models():
    """Cached models live for this module's tests only (never across test sessions)."""
    yield
    _BUILT.clear()


def fresh(**params) -> MigrationModel:
    """A private copy of a cached start-year model (for tests of the yearly mechanisms)."""
    key = tuple(sorted(params.items()))
    if key not in _BUILT:
        _BUILT[key] = build(**params)
    return copy.deepcopy(_BUILT[key])


# --- simulation/choice.py ------------------------------------------------------------------------
def test_logit_probabilities_is_a_row_softmax_with_unavailable_options():
    u = np.array([[0.0, np.log(3.0), -np.inf], [-np.inf, -np.inf, -np.inf], [1000.0, 1000.0, 0]])
    p = logit_probabilities(u)
    assert p[0] == pytest.approx([0.25, 0.75, 0.0])
    assert p[1] == pytest.approx([0.0, 0.0, 0.0])  # nothing available: no choice
    assert p[2] == pytest.approx([0.5, 0.5, 0.0])  # large utilities do not overflow


def test_inclusive_value_is_the_log_sum_of_available_options():
    u = np.array([[0.0, np.log(3.0), -np.inf], [-np.inf, -np.inf, -np.inf], [800.0, 800.0, 0]])
    iv = inclusive_value(u)
    assert iv[0] == pytest.approx(np.log(4.0))
    assert iv[1] == -np.inf
    assert iv[2] == pytest.approx(800 + np.log(2.0))


def test_logit_with_inclusive_value_per_row():
    """Each row is scaled by its own best option (rows of very different size both work); a
    row with one available option gives it probability 1; a row with none gives 0 and -inf."""
    u = np.array(
        [
            [1000.0, 1000.0, -np.inf],
            [0.0, np.log(3.0), -np.inf],
            [-np.inf, -np.inf, -np.inf],
            [5.0, -np.inf, -np.inf],
        ]
    )
    probs, value = logit_with_inclusive_value(u)
    assert probs == pytest.approx(
        np.array([[0.5, 0.5, 0.0], [0.25, 0.75, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    )
    assert value[[0, 1, 3]] == pytest.approx([1000 + np.log(2.0), np.log(4.0), 5.0])
    assert value[2] == -np.inf
    assert probs[:2] == pytest.approx(logit_probabilities(u[:2]))
    assert value[:2] == pytest.approx(inclusive_value(u[:2]))


def test_sample_by_class_reads_each_agents_own_row():
    probs = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    klass = np.array([0, 0, 0, 0, 0, 1, 1, 2, 2])
    u = np.array([0.1, 0.2, 0.49, 0.5, 0.999, 0.0, 0.999, 0.0, 0.5])
    assert sample_by_class(probs, klass, u).tolist() == [0, 1, 1, 2, 2, 0, 0, 2, 2]
    empty = sample_by_class(probs, np.zeros(0, np.int64), np.zeros(0))
    assert len(empty) == 0 and empty.dtype == np.int64


def test_sample_by_class_rounding_never_spills_into_the_next_row():
    short = np.array([[0.3, 0.3, 0.3999], [0.0, 1.0, 0.0]])  # first row sums below 1
    assert sample_by_class(short, np.array([0]), np.array([0.99995])).tolist() == [2]
    long = np.array([[0.6, 0.6, 0.0], [0.0, 0.0, 1.0]])  # first row sums above 1
    assert sample_by_class(long, np.array([0, 1]), np.array([0.9, 0.3])).tolist() == [1, 2]
    # class 1 + the largest uniform below 1 rounds to 2.0: still the last option of class 1
    last = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]])
    assert sample_by_class(last, np.array([1]), np.array([np.nextafter(1.0, 0)])).tolist() == [2]


def test_pick_option_uses_cumulative_probabilities():
    probs = np.tile([0.2, 0.3, 0.5], (5, 1))
    u = np.array([0.1, 0.2, 0.49, 0.5, 0.99])
    assert pick_option(probs, u).tolist() == [0, 1, 1, 2, 2]


def test_pick_option_with_many_options_and_integer_picks():
    """More options than the column-by-column path takes: the cumulative rule all the same."""
    probs = np.tile([0.125, 0.125, 0.25, 0.125, 0.125, 0.25], (8, 1))  # cumulative: exact
    u = np.array([0.1, 0.125, 0.3, 0.5, 0.6, 0.7, 0.75, 0.99])
    picks = pick_option(probs, u)
    assert picks.tolist() == [0, 1, 2, 3, 3, 4, 5, 5]
    assert picks.dtype == np.int64
    assert pick_option(probs[:, :3] * 2, u).dtype == np.int64


def test_narrow_row_reductions_fall_back_to_numpy_outside_the_narrow_width():
    """Wide rows are numpy's own reductions (its pairwise sum differs from left to right in
    the last bits); a matrix without columns sums to 0 and has no maximum, as in numpy."""
    wide = np.exp(20 * np.random.default_rng(3).normal(size=(2000, 10)))
    assert row_sum(wide).tobytes() == wide.sum(axis=1, keepdims=True).tobytes()
    assert row_max(wide).tobytes() == wide.max(axis=1, keepdims=True).tobytes()
    assert row_sum(np.zeros((3, 0))).tolist() == [[0.0]] * 3
    with pytest.raises(ValueError, match="zero-size array"):
        row_max(np.zeros((3, 0)))


def test_stochastic_round_keeps_the_expectation():
    out = stochastic_round(np.array([2.3, 2.3, 0.0, 5.0, 0.5]), np.array([0.2, 0.3, 0.9, 0.0, 0.5]))
    assert out.tolist() == [3, 2, 0, 5, 0]
    assert out.dtype == np.int64


@pytest.mark.parametrize("sizes", [[2, 3], [5000, 5000]])  # presence table, and sorting
def test_classes_of_groups_agents_by_their_keys(sizes):
    keys = [np.array([0, 1, 0, 1]), np.array([2, 2, 2, 0])]
    class_keys, agent_class = classes_of(keys, sizes)
    assert class_keys.tolist() == [[0, 2], [1, 0], [1, 2]]
    assert agent_class.tolist() == [0, 2, 0, 1]
    assert agent_class.dtype == np.int64


# --- simulation/metrics.py: helpers and aggregation ------------------------------------------
def test_metric_table_is_consistent():
    """Every metric has a unit, a description and a known aggregation whose parts exist."""
    assert list(METRICS)[:2] == ["adult_residents", "skilled_residents"]
    for name, spec in METRICS.items():
        assert spec.name == name and spec.unit and spec.description and spec.source
        assert spec.aggregate in {"sum", "ratio", "difference", "mean"}
        if spec.aggregate == "difference":  # of two ratios (docs/ODD.md, outcomes)
            assert METRICS[spec.numerator].aggregate == "ratio"
            assert METRICS[spec.denominator].aggregate == "ratio"
        if spec.aggregate in {"ratio", "difference"}:
            assert spec.numerator in METRICS and spec.denominator in METRICS
        else:
            assert spec.numerator is None and spec.denominator is None
        assert spec.weight in METRICS
    assert METRICS["human_capital"].numerator == "skilled_residents"
    assert METRICS["human_capital"].denominator == "adult_residents"
    assert METRICS["human_capital"].source.startswith("Barro & Lee")
    assert METRICS["net_brain_gain"].aggregate == "difference"
    assert METRICS["net_brain_gain"].source.startswith("Beine")
    assert METRICS["net_brain_gain"].denominator == "human_capital_no_emigration"
    assert METRICS["mobility_dispersion"].weight == "students_outbound"
    assert METRICS["wage_skilled"].weight == "adult_residents"
    assert METRICS["emigrations"].source == "model quantity"


def test_herfindahl_of_rows():
    h = _herfindahl(np.array([[1, 1, 0], [0, 0, 0], [3, 1, 0]]))
    assert h == pytest.approx([0.5, 0.0, 0.625])


def test_safe_ratio_zero_for_empty_groups_nan_for_unobserved():
    out = safe_ratio(np.array([1.0, 1.0, np.nan, 2.0, 3.0]), np.array([2.0, 0.0, 1.0, np.nan, -1]))
    assert out[:2] == pytest.approx([0.5, 0.0])
    assert np.isnan(out[2]) and np.isnan(out[3])
    assert out[4] == 0.0
    assert safe_ratio(3, 4) == pytest.approx(0.75)  # scalars broadcast
    assert safe_ratio(0.5, 0.25) == pytest.approx(2.0)  # a small group is not an empty one


def test_parts_of_each_kind_of_metric():
    assert metric_parts("emigrations") == ["emigrations"]
    assert metric_parts("human_capital") == ["skilled_residents", "adult_residents"]
    assert metric_parts("wage_skilled") == ["wage_skilled", "adult_residents"]
    assert metric_parts("net_brain_gain") == [
        "skilled_residents",
        "adult_residents",
        "skilled_residents_no_emigration",
        "adult_residents_no_emigration",
    ]


def region_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "replication": [0, 0, 0, 1, 1, 1],
            "year": [2001] * 6,
            "country": ["A", "B", "C"] * 2,
            "adult_residents": [100.0, 300.0, 50.0, 100.0, 300.0, 50.0],
            "skilled_residents": [10.0, 90.0, 5.0, 20.0, 90.0, 5.0],
            "human_capital": [0.1, 0.3, 0.1, 0.2, 0.3, 0.1],
            "emigrations": [1.0, 2.0, np.nan, 1.0, 2.0, 4.0],
            "wage_skilled": [10.0, 20.0, 5.0, 10.0, 20.0, 5.0],
            "brain_waste_rate": [0.5] * 6,  # its parts are missing: left out
            "skilled_residents_no_emigration": [20.0, 100.0, 5.0, 20.0, 100.0, 5.0],
            "adult_residents_no_emigration": [100.0, 300.0, 50.0, 100.0, 300.0, 50.0],
            "human_capital_no_emigration": [0.2, 1 / 3, 0.1, 0.2, 1 / 3, 0.1],
            "net_brain_gain": [-0.1, -1 / 30, 0.0, 0.0, -1 / 30, 0.0],
        }
    )


def test_regions_come_out_sorted_whatever_the_order_of_countries():
    frame = region_frame().iloc[::-1].reset_index(drop=True)
    out = aggregate_regions(frame, {"A": "R1", "B": "R1", "C": "R2"})
    assert out[["replication", "country"]].values.tolist() == [
        [0, "R1"],
        [0, "R2"],
        [1, "R1"],
        [1, "R2"],
    ]
    assert out["adult_residents"].tolist() == [400.0, 50.0, 400.0, 50.0]


def test_regions_sum_counts_recompute_ratios_and_weight_means():
    frame = region_frame()
    out = aggregate_regions(frame, {"A": "R1", "B": "R1", "C": "R2"})
    assert list(out.columns) == [c for c in frame.columns if c != "brain_waste_rate"]
    assert out[["replication", "country"]].values.tolist() == [
        [0, "R1"],
        [0, "R2"],
        [1, "R1"],
        [1, "R2"],
    ]
    assert out["adult_residents"].tolist() == [400.0, 50.0, 400.0, 50.0]
    assert out["human_capital"].to_numpy() == pytest.approx([0.25, 0.1, 110 / 400, 0.1])
    assert out["wage_skilled"].to_numpy() == pytest.approx([17.5, 5.0, 17.5, 5.0])
    assert out["emigrations"].iloc[0] == 3.0 and np.isnan(out["emigrations"].iloc[1])
    assert out["emigrations"].iloc[3] == 4.0
    assert out["net_brain_gain"].to_numpy() == pytest.approx([0.25 - 0.3, 0.0, 110 / 400 - 0.3, 0])


def test_combine_reads_each_metrics_parts_and_the_means_weight():
    """combine() is shared by regions, sensitivity outputs and the app: callers give it the
    totals; a mean asks for its column weighted by the weight the table names."""
    from simulation.metrics import combine

    frame = region_frame()
    asked = []

    def total(column):
        return frame[column].sum()

    def weighted_total(column, weight):
        asked.append((column, weight))
        return (frame[column] * frame[weight]).sum()

    assert combine("emigrations", total, weighted_total) == 10.0
    assert combine("human_capital", total, weighted_total) == pytest.approx(220 / 900)
    wage = (frame["wage_skilled"] * frame["adult_residents"]).sum() / 900
    assert combine("wage_skilled", total, weighted_total) == pytest.approx(wage)
    assert asked == [("wage_skilled", "adult_residents")]
    gain = 220 / 900 - 250 / 900
    assert combine("net_brain_gain", total, weighted_total) == pytest.approx(gain)


def test_counterfactual_keeps_this_runs_immigrants():
    main = {
        "skilled_residents": np.array([50.0, 10.0]),
        "skilled_natives": np.array([40.0, 10.0]),
        "adult_residents": np.array([200.0, 100.0]),
        "adult_natives": np.array([150.0, 100.0]),
        "human_capital": np.array([0.25, 0.1]),
    }
    twin = {"skilled_natives": [45, 20], "adult_natives": np.array([160.0, 0.0])}
    out = counterfactual(main, twin)
    assert out["skilled_residents_no_emigration"] == pytest.approx([55.0, 20.0])
    assert out["adult_residents_no_emigration"] == pytest.approx([210.0, 0.0])
    assert out["human_capital_no_emigration"] == pytest.approx([55 / 210, 0.0])
    assert out["net_brain_gain"] == pytest.approx([0.25 - 55 / 210, 0.1])
    assert set(out) == set(COUNTERFACTUAL_METRICS)
    whole = {k: [int(x) for x in v] for k, v in main.items()}  # counts given as integers
    for name, column in counterfactual(whole, twin).items():
        assert column.dtype == np.float64, name


def test_metrics_frame_is_tidy_and_ordered():
    empty = metrics_frame([], ["A"])
    assert list(empty.columns[:3]) == ["year", "country", "adult_residents"]
    assert not set(COUNTERFACTUAL_METRICS) & set(empty.columns)
    records = [
        {"skilled_residents": np.array([1.0, 2.0]), "year": np.array([2000.0, 2000.0])},
        {"skilled_residents": np.array([3.0, 4.0]), "year": np.array([2001.0, 2001.0])},
    ]
    frame = metrics_frame(records, ["A", "B"])
    assert list(frame.columns) == ["year", "country", "skilled_residents"]
    assert frame["year"].dtype == np.int64 and frame["year"].tolist() == [2000, 2000, 2001, 2001]
    assert frame["country"].tolist() == ["A", "B", "A", "B"]
    assert frame["skilled_residents"].tolist() == [1.0, 2.0, 3.0, 4.0]
    single = metrics_frame(records[:1], ["A", "B"])
    assert single["country"].tolist() == ["A", "B"] and len(single) == 2


def test_world_value_aggregates_as_the_spec_says():
    record = {
        "emigrations": np.array([1.0, 2.0]),
        "skilled_residents": np.array([10.0, 30.0]),
        "adult_residents": np.array([100.0, 100.0]),
        "skilled_natives": np.array([10.0, 10.0]),
        "adult_natives": np.array([100.0, 50.0]),
        "wage_skilled": np.array([10.0, 40.0]),
    }
    assert world_value(record, "emigrations") == 3.0
    assert world_value(record, "human_capital") == pytest.approx(0.2)
    assert world_value(record, "immigration_effect") == pytest.approx(0.2 - 20 / 150)
    record["adult_residents"] = np.array([100.0, 300.0])
    assert world_value(record, "wage_skilled") == pytest.approx(32.5)


def test_datacollector_reports_world_and_country_values():
    model = build()
    model.step()
    world = model.datacollector.get_model_vars_dataframe()
    assert world["year"].tolist() == [2000, 2001]
    assert world["human_capital"].iloc[-1] == pytest.approx(
        world_value(model.records[-1], "human_capital")
    )
    assert world["emigrations"].iloc[-1] == pytest.approx(model.records[-1]["emigrations"].sum())
    from simulation.agents import Country

    per_country = model.datacollector.get_agenttype_vars_dataframe(Country)
    steps = per_country.index.get_level_values(0)
    last = per_country[steps == steps.max()]
    assert sorted(last["iso3"]) == model.world.codes
    by_code = last.set_index("iso3")
    assert by_code.loc[model.world.codes, "adult_residents"].to_numpy() == pytest.approx(
        model.records[-1]["adult_residents"]
    )
    assert by_code.loc[model.world.codes, "skilled_emigrants"].to_numpy() == pytest.approx(
        model.records[-1]["skilled_emigrants"]
    )


# --- M-policy: events change exactly the state they name ----------------------------------------
def apply(model, kind, countries=("C01",), **fields):
    policy.apply_event(model, PolicyEvent(kind, model.year + 1, tuple(countries), **fields))


def test_join_convention_sets_only_that_convention_and_keeps_earlier_joins():
    model = fresh()
    before = model.state.convention_year.copy()
    j = CONVENTIONS.index("global")
    apply(model, "join_convention", ("C00", "C01"), convention="global")
    after = model.state.convention_year
    assert after[0, j] == 2001 and after[1, j] == 1997  # C01 was already a party since 1997
    changed = np.ones_like(after, bool)
    changed[0, j] = False
    assert np.array_equal(after[changed], before[changed])


def test_bilateral_recognition_adds_both_ways_never_on_the_diagonal():
    model = fresh()
    apply(model, "bilateral_recognition", ("C01", "C02"), value=0.2, partners=("C02", "C03"))
    b = model.corridors.bilateral
    expected = np.zeros((N, N))
    for i in (1, 2):
        for k in (2, 3):
            expected[i, k] += 0.2
            expected[k, i] += 0.2
    np.fill_diagonal(expected, 0.0)
    assert b == pytest.approx(expected)
    apply(model, "bilateral_recognition", ("C01",), value=0.1, partners=("C03",))
    expected[1, 3] += 0.1
    expected[3, 1] += 0.1
    assert b == pytest.approx(expected)  # agreements add up


@pytest.mark.parametrize(
    ("kind", "attribute"),
    [
        ("quality_assurance", "quality_assurance"),
        ("diaspora_engagement", "engagement"),
        ("return_incentive", "return_incentive"),
        ("integration_policy", "social_openness"),
        ("adaptation", "adaptation"),
        ("remittance_cost", "remittance_cost"),
        ("climate_trend", "climate_trend"),
    ],
)
def test_level_events_set_their_countries_only(kind, attribute):
    model = fresh()
    before = getattr(model.state, attribute).copy()
    apply(model, kind, ("C01", "C03"), value=0.7)
    after = getattr(model.state, attribute)
    assert after[[1, 3]] == pytest.approx(0.7)
    assert after[[0, 2, 4]] == pytest.approx(before[[0, 2, 4]])


def test_an_event_without_countries_reaches_every_country():
    model = fresh()
    apply(model, "climate_trend", (), value=0.03)
    assert model.state.climate_trend == pytest.approx(np.full(N, 0.03))


def test_ict_investment_at_once_or_as_a_ramp():
    model = fresh()
    s = model.state
    ict = s.ict.copy()
    apply(model, "ict_investment", ("C01",), value=0.9)
    assert (s.ict_target[1], s.ict_target_from[1]) == (0.9, 0.9)
    assert (s.ict_target_start[1], s.ict_target_year[1]) == (2001, 2001)
    apply(model, "ict_investment", ("C02",), value=0.8, until=2011)
    assert (s.ict_target[2], s.ict_target_from[2]) == (0.8, ict[2])
    assert (s.ict_target_start[2], s.ict_target_year[2]) == (2001, 2011)
    apply(model, "ict_investment", ("C03",), value=0.7, until=2001)  # a ramp of no length
    assert (s.ict_target_from[3], s.ict_target_year[3]) == (0.7, 2001)
    assert np.isinf(s.ict_target_year[[0, 4]]).all()


def test_visa_facilitation_sets_one_group_above_the_floor():
    model = fresh()
    s = model.state
    students, skilled = s.visa["students"].copy(), s.visa["skilled"].copy()
    apply(model, "visa_facilitation", ("C00",), value=0.95, group="scientists")
    assert s.visa["scientists"][0] == 0.95
    assert s.visa["students"] == pytest.approx(students)
    assert s.visa["skilled"] == pytest.approx(skilled)
    apply(model, "visa_facilitation", ("C00",), value=0.0, group="students")
    assert s.visa["students"][0] == model.params.visa_floor
    assert s.visa["students"][1:] == pytest.approx(students[1:])


def test_education_seats_multiply_and_quality_adds_within_bounds():
    model = fresh()
    s = model.state
    apply(model, "education_seats", ("C01",), value=2.0)
    apply(model, "education_seats", ("C01",), value=3.0)
    assert s.seats_multiplier == pytest.approx([1, 6, 1, 1, 1])
    quality = s.edu_quality.copy()
    apply(model, "education_quality", ("C01",), value=0.1)
    assert s.edu_quality[1] == pytest.approx(quality[1] + 0.1)
    apply(model, "education_quality", ("C01",), value=1.0)
    assert s.edu_quality[1] == 1.0
    apply(model, "education_quality", ("C01",), value=-1.0)
    assert s.edu_quality[1] == 0.01
    assert s.edu_quality[[0, 2, 3, 4]] == pytest.approx(quality[[0, 2, 3, 4]])


def test_ethical_recruitment_caps_partners_or_shortage_origins():
    model = fresh()
    c = model.corridors
    apply(model, "ethical_recruitment", ("C00",), value=0.5, partners=("C02",))
    expected = np.zeros((N, N))
    expected[0, 2] = 0.5
    assert c.ethical_cap == pytest.approx(expected)
    apply(model, "ethical_recruitment", ("C00",), value=0.8)
    shortage = np.flatnonzero(model.state.shortage)
    assert len(shortage) and 2 not in shortage
    expected[0, shortage] = 0.8
    assert c.ethical_cap == pytest.approx(expected)


def test_scheduled_shocks_add_up():
    model = fresh()
    apply(model, "shock", ("C01",), value=0.1, hazard="flood")
    apply(model, "shock", ("C01", "C02"), value=0.2, hazard="drought")
    assert model.state.scheduled_severity == pytest.approx([0, 0.3, 0.2, 0, 0])


def test_unknown_event_kind_is_refused():
    with pytest.raises(ValueError, match="unknown event kind 'nonsense'"):
        policy.apply_event(fresh(), PolicyEvent("nonsense", 2001, ("C01",)))


def test_apply_events_applies_each_in_turn():
    model = fresh()
    events = [PolicyEvent("education_seats", 2001, ("C01",), value=2.0)] * 2
    policy.apply_events(model, events)
    assert model.state.seats_multiplier[1] == 4.0


# --- M8 economy -------------------------------------------------------------------------------
def test_productivity_gain_from_knowledge_transfer_is_capped():
    model = fresh(max_productivity_gain=0.01, knowledge_productivity=0.5)
    s = model.state
    adults = model.adults()
    s.knowledge_transfer[:] = adults * np.array([0.0, 0.004, 0.1, 0.0, 0.0])
    s.productivity[:] = [1.0, 1.0, 1.0, 1.0, 1.5]  # gains compound
    model.year += 1
    economy.update_economy(model)
    assert s.productivity == pytest.approx([1, 1.002, 1.01, 1, 1.5])


@pytest.mark.parametrize("q", [0, 37.3, 50, 90, 99.9, 100])
def test_percentile_is_numpys_to_the_bit(q):
    """The frontier's percentile is numpy's default (linear) percentile, the same bits, ties
    and a NaN included (the yearly economy step uses it instead of np.percentile)."""
    from simulation.drivers import percentile

    rng = np.random.default_rng(5)
    for size in (1, 2, 7, 176, 301):
        values = rng.lognormal(8.0, 2.0, size)
        values[: size // 3] = values[0]  # ties
        assert np.float64(percentile(values, q)).tobytes() == np.percentile(values, q).tobytes()
    assert np.isnan(percentile(np.array([1.0, np.nan, 3.0]), q))


def test_frozen_economy_keeps_gdp_and_ict():
    model = fresh(m8_economy=False)
    s = model.state
    gdppc, ict = s.gdppc.copy(), s.ict.copy()
    s.knowledge_transfer[:] = model.adults()
    model.year += 1
    economy.update_economy(model)
    assert s.productivity == pytest.approx(np.ones(N))
    assert s.gdppc == pytest.approx(gdppc) and s.ict == pytest.approx(ict)


def test_recorded_drivers_apply_and_a_remittance_policy_overrides_the_record():
    """Observed drivers (GDP per head, internet use, remittance costs) replace the rules where
    recorded; a remittance-cost policy event keeps its cost against later records."""
    from simulation.world import DRIVER_NAMES, Drivers

    world = small_world()
    nothing = np.full((N, 2), np.nan)
    record = {name: nothing.copy() for name in DRIVER_NAMES}
    record["gdppc_ppp"][1] = [3000.0, 3100.0]
    record["internet"][2] = [0.25, 0.4]
    record["remittance_cost"][[1, 3]] = [[0.08, 0.07], [0.06, 0.05]]
    drivers = Drivers(np.array([world.start_year + 1, world.start_year + 2]), **record)
    model = build(dataclasses.replace(world, drivers=drivers))
    s = model.state
    cost = s.remittance_cost.copy()
    gdppc = s.gdppc.copy()
    model.year += 1
    policy.apply_event(model, PolicyEvent("remittance_cost", model.year, ("C03",), value=0.02))
    economy.update_economy(model)
    assert s.gdppc[1] == 3000.0 and s.ict_base[2] == pytest.approx(0.25)
    assert s.gdppc[0] != gdppc[0]  # elsewhere the rule
    assert s.remittance_cost == pytest.approx([cost[0], 0.08, cost[2], 0.02, cost[4]])
    model.year += 1
    economy.update_economy(model)
    assert s.remittance_cost[[1, 3]] == pytest.approx([0.07, 0.02])
    assert s.ict[2] == pytest.approx(0.4)


def test_driver_rules_continue_the_paths_where_the_data_end():
    """docs/ODD.md (M8, M1), after the observed years: GDP per head grows by
    productivity_growth + convergence_rate x ln(frontier / own), the frontier the 90th
    percentile (the poorer grow faster); internet use's logit grows by ict_growth; enrolment's
    logit by the country's fitted trend x ger_trend_scale; shares stay within their bounds."""
    from scipy.special import expit, logit

    from simulation import drivers, load_world

    world = small_world()  # no driver data: every year follows the rules
    params = Params(
        productivity_growth=0.01, convergence_rate=0.02, ict_growth=0.3, ger_trend_scale=2.0
    )
    year = world.start_year + 1
    gdppc = np.array([1000.0, 2000.0, 8000.0, 30000.0, 50000.0])
    frontier = np.percentile(gdppc, 90)
    grown = drivers.next_gdppc(world, params, gdppc, year)
    assert grown == pytest.approx(gdppc * (1 + 0.01 + 0.02 * np.log(frontier / gdppc)))
    assert np.all(np.diff(grown / gdppc) < 0)  # convergence: the poorer grow faster
    ict = np.array([0.0001, 0.1, 0.5, 0.9, 0.9999])
    expected_ict = np.clip(expit(logit(ict) + 0.3), 0.001, 0.999)
    assert drivers.next_ict(world, params, ict, year) == pytest.approx(expected_ict)
    assert expected_ict[0] == 0.001 and expected_ict[-1] == 0.999  # both bounds reached
    current = np.array([0.001, 0.1, 0.5, 0.8, 0.95])
    slope = np.array([-0.1, -0.2, 0.3, 0.5, -0.5])
    enrolment = drivers.next_enrolment(world, params, current, current, year, slope)
    extrapolated = expit(logit(np.clip(current, 0.005, 0.9)) + 2.0 * slope)
    assert enrolment == pytest.approx(np.clip(extrapolated, 0.005, 0.9))
    assert enrolment[0] == 0.005 and enrolment[3] == 0.9  # both bounds reached
    assert enrolment[4] < 0.8  # falls from the cap of 0.9, not from the 0.95 beyond it
    # without a slope given, each country's own fitted trend (the world's ger_logit_trend)
    teaching = load_world("teaching")
    later = 2200  # long after the driver data
    level = np.full(teaching.n, 0.3)
    own = drivers.next_enrolment(teaching, params, level, level, later)
    trend = drivers.enrolment_slope(teaching)
    assert np.any(trend != 0)
    assert own == pytest.approx(expit(logit(level) + 2.0 * trend))


def test_agents_are_split_by_largest_remainder_with_a_floor_per_kind():
    """The start's agent budget: each row's agents in proportion to its weights, the ones left
    over to the largest remainders (ties: the first group), none for rows without people; every
    kind an origin has gets at least max(1, budget // 20) agents."""
    from simulation.initial import _split, kind_budgets

    weights = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [5.0, 3.0, 2.0], [0.2, 0.8, 0.0]])
    ten = _split(10, weights)
    assert ten.dtype == np.int64
    assert ten.tolist() == [[4, 3, 3], [0, 0, 0], [5, 3, 2], [2, 8, 0]]
    assert _split(1, weights).tolist() == [[1, 0, 0], [0, 0, 0], [1, 0, 0], [0, 1, 0]]
    assert not _split(0, weights).any()
    people = np.array([[900.0, 90.0, 10.0], [0.0, 50.0, 0.0], [0.5, 99.5, 0.0]])
    budgets = kind_budgets(100, people)  # at least 100 // 20 = 5 per kind present
    assert budgets.dtype == np.int64
    assert budgets.tolist() == [[90, 9, 5], [0, 100, 0], [5, 99, 0]]
    assert kind_budgets(10, np.array([[1000.0, 1.0, 0.0]])).tolist() == [[10, 1, 0]]


def test_the_start_places_agents_so_each_place_gets_its_people():
    """docs/ODD.md (initialisation): a row's people (sizes over places) are spread over its
    agents. Places at least one agent's share big (and always the largest) share what is left
    in proportion to their sizes, one agent per share (at least one); smaller places get
    pieces of min(share, cap), as many as their size rounded stochastically, so their expected
    people are their size; each row's total is exact; rows without agents or people get none."""
    from simulation.initial import place_agents

    sizes = np.array(
        [
            [100.0, 30.0, 5.0, 0.0, 0.5],  # two big places, two small ones, an empty one
            [0.0, 0.0, 0.0, 0.0, 0.0],  # nobody
            [50.0, 50.0, 0.0, 0.0, 0.0],  # no agents
            [10.0, 10.0, 0.0, 0.0, 0.0],  # both exactly one share: big, even where capped
            [0.3, 0.5, 0.0, 0.0, 0.0],  # under one person, one agent
            [0.9, 0.0, 0.0, 0.0, 0.0],  # one place under one person
        ]
    )
    agents = np.array([10, 5, 0, 2, 1, 1])
    caps = np.array([1000.0, 4.0, 2.0, 1000.0, 0.25])
    total = sizes.sum(axis=1)
    share = np.array([13.5, 1.0, 1.0, 10.0, 0.8, 0.9])  # total / agents where placed
    unit = np.minimum(share[:, None], caps[None, :])
    active = np.array([True, False, False, True, True, True])
    big = np.zeros(sizes.shape, dtype=bool)
    big[[0, 0, 3, 3, 4, 5], [0, 1, 0, 1, 1, 0]] = True
    small = ~big & (sizes > 0) & active[:, None]
    grid = (np.arange(200) + 0.5) / 200  # evenly spread uniforms: expectations exactly
    placed = []
    for u in grid:
        weight, count = place_agents(sizes, agents, caps, np.full(sizes.shape, u))
        assert count.dtype == np.int64
        assert not weight[~active].any() and not count[~active].any()
        assert weight.sum(axis=1)[active] == pytest.approx(total[active])
        assert ((count >= 1) == (weight > 0)).all()  # no agent without people, and vice versa
        assert weight[small] == pytest.approx(count[small] * unit[small])
        assert weight[0, 0] / weight[0, 1] == pytest.approx(100 / 30)
        assert weight[3, :2].tolist() == [10.0, 10.0] and count[3, :2].tolist() == [1, 1]
        per_agent = np.broadcast_to(share[:, None], big.shape)[big]
        lumps = np.maximum(np.round(weight[big] / per_agent), 1)
        assert count[big][weight[big] > 0] == pytest.approx(lumps[weight[big] > 0])
        placed.append(weight)
    expected = np.mean(placed, axis=0)
    assert expected[small] == pytest.approx(sizes[small])  # small places: their size on average


def test_every_student_entered_at_twenty_at_start_and_during_the_run():
    """Students enter tertiary study at 20 (M1) and age a year per year studied, so a student's
    age is 20 + the years of the degree done: true of the start's students (placed part-way
    through their degrees) as of those who enrol during the run."""
    from simulation import load_world

    model = MigrationModel(load_world("teaching"), Params(agents_per_country=30), rng=2)
    p = model.params
    for _ in range(3):
        pop = model.pop
        student = pop.kind == STUDENT
        years = p.first_degree_years + pop.doctorate[student] * p.doctorate_years
        done = years - pop.study_left[student]
        assert (done >= 0).all() and (pop.study_left[student] >= 1).all()
        assert pop.age[student] == pytest.approx(20 + done)
        model.step()


def test_assumed_non_iab_immigrants_leave_the_natives_their_floor(monkeypatch):
    """Skilled immigrants outside the IAB destinations are an assumed spread: where they would
    leave fewer than NATIVES_FLOOR of a destination's skilled residents native, they are scaled
    down to leave exactly that share; IAB destinations (data) and other cells are untouched."""
    from simulation import initial

    emigrants = np.array([[0.0, 10.0, 40.0], [5.0, 0.0, 20.0], [1.0, 2.0, 0.0]])
    monkeypatch.setattr(initial, "skilled_emigrant_matrix", lambda world, params: emigrants)
    monkeypatch.setattr(initial, "iab_destinations", lambda world: np.array([True, False, False]))
    residents = np.array([5.0, 10.0, 1000.0])  # destination 0 is crowded too, but is data
    kept = initial.consistent_emigrants(None, Params(), residents)
    expected = emigrants.copy()
    expected[:, 1] *= (1 - initial.NATIVES_FLOOR) * 10.0 / 12.0  # 12 would arrive, room 9.5
    assert kept == pytest.approx(expected)
    assert residents[1] - kept[:, 1].sum() == pytest.approx(initial.NATIVES_FLOOR * 10.0)


def test_working_ages_follow_the_cohort_growth_and_are_uniform_without_it():
    """Start ages of workers: density proportional to exp(-g (age - 25)) up to retirement
    (inverse CDF); with no cohort growth, uniform over the working span (the limit g -> 0)."""
    from simulation.initial import working_ages

    params = Params(retirement_age=65.0)
    uniforms = np.array([0.0, 0.25, 0.5, 0.9])
    growth = np.array([0.0, 0.0, 1e-12, 0.03])
    ages = working_ages(growth, params, uniforms)
    span = 40.0
    g = 0.03
    inverse_cdf = -np.log1p(-0.9 * -np.expm1(-g * span)) / g
    assert ages == pytest.approx([25.0, 35.0, 45.0, 25 + inverse_cdf])
    assert working_ages(np.array([1e-7]), params, np.array([0.5])) == pytest.approx(45.0, abs=1e-4)


def test_planned_ict_is_a_line_to_the_target():
    model = fresh(m8_economy=False)
    s = model.state
    s.ict_target[:] = [0.9, 0.5, 1.0, 0.0, 0.0]
    s.ict_target_from[:] = [0.1, 0.5, 0.2, 0.0, 0.0]
    s.ict_target_start[:] = [2000, 2000, 2000, 2000, 0]
    s.ict_target_year[:] = [2010, 2000, 2004, 2010, np.inf]
    model.year = 2005
    planned = economy.planned_ict(model)
    assert planned == pytest.approx([0.5, 0.5, 0.999, 0.001, 0.0])
    model.year = 1990  # before the start: the level at the event
    assert economy.planned_ict(model)[0] == pytest.approx(0.1)
    model.year = 2020  # after the target year: the target
    assert economy.planned_ict(model)[0] == pytest.approx(0.9)
    s.ict_target_year[0] = 2001  # a one-year ramp reaches its target in its year
    model.year = 2001
    assert economy.planned_ict(model)[0] == pytest.approx(0.9)
    s.ict_target_year[0] = 2010
    s.ict_base[:] = 0.3
    model.year = 2005
    economy.update_economy(model)
    assert s.ict == pytest.approx([0.5, 0.5, 0.999, 0.3, 0.3])  # investments only raise ICT


def wages_by_hand(model, h, damage):
    p, s = model.params, model.state
    unskilled = p.unskilled_wage_share * s.gdppc * s.productivity * (1 - damage)
    scarcity = (np.maximum(h, 0.005) / p.premium_reference_share) ** -p.scarcity_elasticity
    return unskilled, unskilled * np.maximum(p.skill_premium * scarcity, p.skill_premium_floor)


def test_wages_follow_gdp_the_scarcity_premium_and_shocks():
    model = fresh(shock_wage_damage=0.5, severity_cap=0.3)
    s = model.state
    s.productivity[:] = [1.0, 1.1, 1.2, 1.3, 1.4]
    s.shock[:] = [0.0, 0.2, 1.0, 0.0, 0.0]
    h = model.human_capital()
    h[4] = 0.001  # floor of human capital
    s.unskilled[4] = model.skilled_residents()[4] / 0.001 - model.skilled_residents()[4]
    economy.set_wages(model)
    unskilled, skilled = wages_by_hand(model, model.human_capital(), np.array([0, 0.1, 0.3, 0, 0]))
    assert s.wage_unskilled == pytest.approx(unskilled)
    assert s.wage_skilled == pytest.approx(skilled)
    floor = fresh(skill_premium=1.0, skill_premium_floor=1.5)
    economy.set_wages(floor)
    assert floor.state.wage_skilled == pytest.approx(1.5 * floor.state.wage_unskilled)


def test_wages_without_shocks_or_economy():
    calm = fresh(m7_shocks=False)
    calm.state.shock[:] = 0.5
    economy.set_wages(calm)
    unskilled, _ = wages_by_hand(calm, calm.human_capital(), 0.0)
    assert calm.state.wage_unskilled == pytest.approx(unskilled)
    frozen = fresh(m8_economy=False)
    frozen.state.unskilled *= 5  # human capital changes, the premium does not
    economy.set_wages(frozen)
    _, skilled = wages_by_hand(frozen, frozen.state.tertiary_share_start, 0.0)
    assert frozen.state.wage_skilled == pytest.approx(skilled)


# --- M9 demography ------------------------------------------------------------------------------
def test_demography_ages_retires_and_thins_the_unskilled():
    model = fresh(working_span=40.0, retirement_age=65.0)
    s, c, pop = model.state, model.corridors, model.pop
    workers = np.flatnonzero(pop.kind == WORKER)
    pop.column("age")[workers] = 40.0
    pop.column("age")[workers[:3]] = [63.0, 64.0, 65.0]  # the last two reach 65 this year
    leaving = workers[1:3]
    origin, location = pop.origin[leaving], pop.location[leaving]
    weight = pop.weight[leaving].copy()
    uids, ages = pop.uid.copy(), pop.age.copy()
    c.displaced[1, 2] = 100.0
    unskilled, immigrants = s.unskilled.copy(), s.unskilled_immigrants.copy()
    model.flows.reset()
    model.flows.retired[:] = 2.0  # the year's flows add up
    demography.demography_step(model)
    assert s.unskilled == pytest.approx(unskilled * (1 - 1 / 40))
    assert s.unskilled_immigrants == pytest.approx(immigrants * (1 - 1 / 40))
    assert c.displaced[1, 2] == pytest.approx(100 * (1 - 1 / 40))
    gone = np.isin(uids, pop.uid, invert=True)
    assert set(uids[gone]) == set(uids[leaving])
    assert pop.age == pytest.approx(ages[~gone] + 1)
    assert model.flows.retired == pytest.approx(np.bincount(location, weight, minlength=N) + 2)
    assert model.retired == pytest.approx(np.bincount(origin, weight, minlength=N))


def test_without_demography_nobody_ages_but_empty_agents_go():
    model = fresh(m9_demography=False)
    pop = model.pop
    pop.column("age")[0] = 80.0
    pop.column("weight")[1] = 0.0
    pop.column("weight")[2] = 0.5  # less than a person, but someone
    ages, uids, unskilled = pop.age.copy(), pop.uid.copy(), model.state.unskilled.copy()
    demography.demography_step(model)
    assert pop.n == len(uids) - 1 and uids[1] not in pop.uid
    assert pop.age == pytest.approx(np.delete(ages, 1))
    assert model.state.unskilled == pytest.approx(unskilled)
    assert model.retired.sum() == 0.0


def test_with_demography_agents_without_weight_go_with_the_retiring():
    """A piece that took a parent's whole weight (M4, M7) leaves an empty agent: it goes the
    same year, with demography on as well as off (above)."""
    model = fresh()
    pop = model.pop
    workers = np.flatnonzero(pop.kind == WORKER)
    pop.column("age")[workers] = 40.0
    pop.column("age")[workers[1]] = 70.0  # someone retires this year
    pop.column("weight")[workers[0]] = 0.0
    empty, retiring, uids = pop.uid[workers[0]], pop.uid[workers[1]], pop.uid.copy()
    demography.demography_step(model)
    assert empty not in pop.uid and retiring not in pop.uid
    assert pop.n == len(uids) - 2


def test_students_do_not_retire():
    model = fresh()
    pop = model.pop
    student = np.flatnonzero(pop.kind == STUDENT)[0]
    pop.column("age")[student] = 70.0
    uid = pop.uid[student]
    demography.demography_step(model)
    assert uid in pop.uid


# --- M6 diaspora ------------------------------------------------------------------------------
def abroad_workers(model) -> np.ndarray:
    pop = model.pop
    return np.flatnonzero((pop.kind == WORKER) & (pop.location != pop.origin))


def vary_people(model, seed: int = 0) -> None:
    """Give agents unequal ties, skills, skill changes and recognition (so every per-agent
    factor of a rule matters)."""
    pop, rng = model.pop, np.random.default_rng(seed)
    pop.column("tie")[:] = rng.uniform(0.2, 1.0, pop.n)
    pop.column("skill")[:] = rng.uniform(0.5, 1.5, pop.n)
    pop.column("skill_change")[:] = rng.uniform(-0.5, 0.2, pop.n)
    pop.column("recognised")[:] = rng.random(pop.n) < 0.6


def test_diaspora_corridors_knowledge_transfer_and_remittances_by_hand():
    model = fresh(remittance_share=0.2, skill_wage_elasticity=0.5)
    vary_people(model)
    p, s, c, pop = model.params, model.state, model.corridors, model.pop
    s.engagement[:] = [0.1, 0.2, 0.3, 0.4, 0.5]
    s.ict[:] = [0.9, 0.2, 0.4, 0.6, 0.8]
    rows = abroad_workers(model)
    o, loc, w = pop.origin[rows], pop.location[rows], pop.weight[rows]
    members = np.zeros((N, N))
    np.add.at(members, (o, loc), w)
    start = c.skilled_diaspora_start.copy()
    pop.column("weight")[rows[0]] *= 3  # a corridor grows: its diaspora with it
    members[o[0], loc[0]] += 2 * w[0]
    diaspora_before = c.migrant_stock.copy()
    quality = s.edu_quality.copy()
    from simulation.mechanisms import diaspora

    diaspora.diaspora_step(model, etraining=False)
    assert c.skilled_diaspora == pytest.approx(members)
    assert c.diaspora == pytest.approx(np.maximum(diaspora_before + members - start, 0.0))
    w = pop.weight[rows]
    tied = w * pop.tie[rows]
    transfer = np.bincount(o, tied * pop.skill[rows] * s.ict[loc], minlength=N)
    assert s.knowledge_transfer == pytest.approx(transfer * s.ict * s.engagement)
    factor = np.exp(0.5 * pop.skill_change[rows].astype(float))
    rec = pop.recognised[rows]
    pay = np.where(rec, s.wage_skilled[loc] * factor, s.wage_unskilled[loc])
    earned = np.bincount(o, tied * pay, minlength=N)
    assert s.remittances == pytest.approx(0.2 * earned * (1 - s.remittance_cost))
    assert s.edu_quality == pytest.approx(quality)  # no e-training asked for
    assert p.m6_diaspora


def test_etraining_raises_quality_up_to_its_caps():
    model = fresh(knowledge_etraining=2.0, max_etraining_gain=0.01)
    s = model.state
    from simulation.mechanisms import diaspora

    diaspora.diaspora_step(model, etraining=False)
    transfer = s.knowledge_transfer.copy()
    gain = np.minimum(2.0 * transfer / model.adults(), 0.01)
    assert (gain > 0).sum() >= 2 and (gain < 0.01).any()
    quality = np.full(N, 0.5)
    first = np.flatnonzero(gain > 0)[0]
    quality[first] = 1 - gain[first] / 2  # the gain would take it past 1
    s.edu_quality[:] = quality
    diaspora.diaspora_step(model)
    assert s.edu_quality == pytest.approx(np.minimum(1.0, quality + gain))
    assert s.edu_quality[first] == 1.0


def test_without_m6_no_transfer_or_remittances_but_corridors_are_counted():
    model = fresh(m6_diaspora=False)
    s, c = model.state, model.corridors
    s.knowledge_transfer[:] = 1.0
    s.remittances[:] = 1.0
    quality = s.edu_quality.copy()
    from simulation.mechanisms import diaspora

    diaspora.diaspora_step(model)
    assert (s.knowledge_transfer == 0).all() and (s.remittances == 0).all()
    assert s.edu_quality == pytest.approx(quality)
    assert c.skilled_diaspora.sum() == pytest.approx(model.pop.weight[abroad_workers(model)].sum())


# --- M5 recognition ---------------------------------------------------------------------------
def recognition_by_hand(model, diaspora_term: bool) -> np.ndarray:
    p, s, c = model.params, model.state, model.corridors
    member = s.convention_year <= model.year
    regional, world_wide = member[:, :-1], member[:, -1]
    shared = np.array([[(regional[g] & regional[d]).any() for d in range(N)] for g in range(N)])
    both = np.outer(world_wide, world_wide)
    r = (
        p.recognition_base
        + p.recognition_regional_boost * shared
        + p.recognition_global_boost * both
        + p.recognition_qa_weight * (s.quality_assurance[:, None] - 0.5)
        + c.bilateral
    )
    if diaspora_term:
        r = r + p.recognition_diaspora_weight * np.log1p(c.diaspora / p.diaspora_scale)
    r = np.clip(r, 0.0, 1.0)
    np.fill_diagonal(r, 1.0)
    return r


def test_recognition_matrix_by_hand():
    from simulation.mechanisms.recognition import recognition_matrix

    model = fresh(recognition_diaspora_weight=0.2)
    s, c = model.state, model.corridors
    s.convention_year[4, -1] = 2000.0  # C04 and C01 (since 1997) in the Global Convention
    s.convention_year[0, 4] = 2030.0  # joins too late to count
    s.quality_assurance[:] = [0.0, 0.2, 0.5, 0.9, 1.0]
    c.bilateral[1, 2] = 0.9  # pushes past 1: capped
    c.bilateral[3, 4] = -5.0  # below 0: capped
    r = recognition_matrix(model)
    assert r == pytest.approx(recognition_by_hand(model, True))
    assert r[1, 2] == 1.0 and r[3, 4] == 0.0
    off = fresh(m6_diaspora=False)
    assert recognition_matrix(off) == pytest.approx(recognition_by_hand(off, False))
    assert (recognition_matrix(fresh(m5_recognition=False)) == 1.0).all()


def test_later_recognition_and_skill_change_by_hand():
    from simulation.mechanisms.recognition import later_recognition_and_skill

    model = fresh(later_recognition_rate=1.0, skill_depreciation=0.1, skill_growth_abroad=0.05)
    pop, c = model.pop, model.corridors
    vary_people(model, seed=2)
    c.recognition[:] = 1.0
    degree, location = pop.degree_country, pop.location
    c.recognition[:, 3] = 0.0  # nobody is ever recognised in C03 after arrival
    np.fill_diagonal(c.recognition, 1.0)
    workers = pop.kind == WORKER
    never = workers & ~pop.recognised & (c.recognition[degree, location] == 0)
    later = workers & ~pop.recognised & ~never
    gaining = workers & pop.recognised & (pop.location != pop.origin)
    same = ~(never | later | gaining)
    assert never.any() and later.any() and gaining.any() and (same & workers).any()
    skill, change = pop.skill.copy(), pop.skill_change.copy()
    later_recognition_and_skill(model)
    assert pop.recognised[later].all() and not pop.recognised[never].any()
    assert pop.skill[never] == pytest.approx(skill[never] * 0.9)
    assert pop.skill_change[never] == pytest.approx(change[never] + np.log(0.9))
    assert pop.skill[gaining] == pytest.approx(skill[gaining] * 1.05)
    assert pop.skill_change[gaining] == pytest.approx(change[gaining] + np.log(1.05))
    # recognised this year: no loss; abroad, the year's gain of the recognised
    abroad = pop.location != pop.origin
    assert (later & abroad).any() and (later & ~abroad).any()
    assert pop.skill[later & abroad] == pytest.approx(skill[later & abroad] * 1.05)
    assert pop.skill[later & ~abroad] == pytest.approx(skill[later & ~abroad])
    assert pop.skill[same] == pytest.approx(skill[same])
    assert pop.skill_change[same] == pytest.approx(change[same])


def test_movers_are_recognised_with_the_chance_of_their_degree_where_they_go():
    from simulation.mechanisms.recognition import draw_recognition

    model = fresh()
    pop, c = model.pop, model.corridors
    rows = np.flatnonzero(pop.kind == WORKER)[:40]
    c.recognition[:] = 0.0
    c.recognition[pop.degree_country[rows[:20]], 4] = 1.0
    got = draw_recognition(model, rows, np.full(40, 4))
    expected = np.isin(pop.degree_country[rows], pop.degree_country[rows[:20]])
    assert got.tolist() == expected.tolist()


# --- M3 graduation ------------------------------------------------------------------------------
def test_graduation_turns_final_year_students_into_workers():
    from simulation.mechanisms.graduation import graduate

    model = fresh(degree_quality_weight=0.5)
    pop, s = model.pop, model.state
    students = np.flatnonzero(pop.kind == STUDENT)
    pop.column("study_left")[students] = 2
    final = students[::2]
    pop.column("study_left")[final] = 1
    pop.column("recognised")[final] = False
    pop.column("skill_change")[final] = 0.3
    s.edu_quality[:] = [0.9, 0.2, 0.4, 0.6, 0.8]
    skill, uids = pop.skill.copy(), pop.uid.copy()
    model.flows.reset()
    abroad, at_home = graduate(model)
    assert sorted(np.concatenate([abroad, at_home])) == sorted(final)
    assert (pop.location[abroad] != pop.origin[abroad]).all()
    assert (pop.location[at_home] == pop.origin[at_home]).all()
    assert (pop.kind[final] == WORKER).all() and pop.recognised[final].all()
    assert pop.skill_change[final] == pytest.approx(0.0)
    factor = 0.5 + 0.5 * s.edu_quality[pop.location[final]]
    assert pop.skill[final] == pytest.approx(skill[final] * factor, rel=1e-6)
    others = np.setdiff1d(students, final)
    assert (pop.kind[others] == STUDENT).all() and (pop.study_left[others] == 1).all()
    weight = np.bincount(pop.origin[final], pop.weight[final], minlength=N)
    assert model.flows.graduates == pytest.approx(weight)
    pop.column("study_left")[others] = 1  # a second call adds to the year's graduates
    graduate(model)
    more = np.bincount(pop.origin[others], pop.weight[others], minlength=N)
    assert model.flows.graduates == pytest.approx(weight + more)
    assert (pop.uid == uids).all()


def test_no_graduates_no_change():
    from simulation.mechanisms.graduation import graduate

    model = fresh()
    pop = model.pop
    pop.column("study_left")[pop.kind == STUDENT] = 3
    model.flows.reset()
    abroad, at_home = graduate(model)
    assert len(abroad) == len(at_home) == 0
    assert (pop.study_left[pop.kind == STUDENT] == 2).all()
    assert model.flows.graduates.sum() == 0


def graduates_abroad(model) -> np.ndarray:
    pop = model.pop
    return np.flatnonzero((pop.kind == WORKER) & (pop.location != pop.origin))[:10]


def test_foreign_graduates_go_home_without_emigration_or_post_study_stays():
    from simulation.mechanisms.graduation import send_graduates_home_or_keep

    for model in (fresh(m3_post_study_stay=False), fresh()):
        if model.params.m3_post_study_stay:
            model.emigration = False
        rows = graduates_abroad(model)
        weight = np.bincount(model.pop.origin[rows], model.pop.weight[rows], minlength=N)
        model.flows.reset()
        deciding = send_graduates_home_or_keep(model, rows)
        assert len(deciding) == 0 and deciding.dtype == np.int64
        assert (model.pop.location[rows] == model.pop.origin[rows]).all()
        assert model.flows.graduate_returns == pytest.approx(weight)
        assert model.flows.returns.sum() == 0 and model.flows.emigrations.sum() == 0


def test_foreign_graduates_stay_abroad_without_m4_and_decide_with_it():
    from simulation.mechanisms.graduation import send_graduates_home_or_keep

    model = fresh(m4_migration=False)
    pop = model.pop
    rows = graduates_abroad(model)
    location = pop.location[rows].copy()
    model.flows.reset()
    flows_before = model.corridors.emigration_flows.copy()
    kept = send_graduates_home_or_keep(model, rows)
    assert len(kept) == 0 and kept.dtype == np.int64  # row indices
    assert (pop.location[rows] == location).all()
    weight = np.bincount(pop.origin[rows], pop.weight[rows], minlength=N)
    assert model.flows.emigrations == pytest.approx(weight)
    pairs = np.zeros((N, N))
    np.add.at(pairs, (pop.origin[rows], location), pop.weight[rows])
    assert model.corridors.emigration_flows - flows_before == pytest.approx(pairs)
    deciding = send_graduates_home_or_keep(fresh(), rows)
    assert deciding.tolist() == rows.tolist()


def test_emigration_lottery_sends_winners_where_pay_is_higher():
    from simulation.mechanisms.education import lottery_destinations
    from simulation.mechanisms.graduation import emigration_lottery

    model = fresh(use_fixed_prospect=True, fixed_prospect=1.0)
    pop = model.pop
    at_home = np.flatnonzero((pop.kind == WORKER) & (pop.location == pop.origin))
    probs = lottery_destinations(model)
    has_better = probs.sum(axis=1) > 0
    assert has_better.any() and (~has_better).any()
    origin = pop.origin[at_home].copy()
    model.flows.reset()
    emigration_lottery(model, at_home)
    moved = pop.location[at_home] != origin
    assert moved.tolist() == has_better[origin].tolist()
    assert (probs[origin[moved], pop.location[at_home][moved]] > 0).all()
    leavers = np.bincount(origin[moved], pop.weight[at_home][moved], minlength=N)
    assert model.flows.emigrations == pytest.approx(leavers)
    for quiet in (fresh(use_fixed_prospect=True, fixed_prospect=0.0), fresh()):
        location = quiet.pop.location.copy()
        emigration_lottery(quiet, at_home)
        assert (quiet.pop.location == location).all()
    stopped = fresh(use_fixed_prospect=True, fixed_prospect=1.0)
    stopped.emigration = False
    emigration_lottery(stopped, at_home)
    assert (stopped.pop.location[at_home] == origin).all()


def test_lottery_destinations_pay_more_than_home():
    from simulation.mechanisms.education import lottery_destinations
    from simulation.mechanisms.migration import emigration_destinations

    model = fresh()
    s = model.state
    probs = lottery_destinations(model)
    pay = pay_by_hand(model)
    better = pay > s.wage_skilled[:, None]
    base = emigration_destinations(model) * better
    total = base.sum(axis=1, keepdims=True)
    expected = np.divide(base, total, out=np.zeros_like(base), where=total > 0)
    assert probs == pytest.approx(expected)
    s.wage_skilled[1] = pay[1].max()  # nowhere pays more than home: a zero row, no NaN
    assert lottery_destinations(model)[1] == pytest.approx(np.zeros(N))


# --- M7 shocks --------------------------------------------------------------------------------
def test_displacement_destinations_by_hand():
    from simulation.mechanisms.shocks import displacement_destinations

    world = small_world()
    contiguous = world.contiguous.copy()
    contiguous[1, 2] = True
    model = build(
        dataclasses.replace(world, contiguous=contiguous),
        displacement_distance_km=800.0,
        displacement_contiguity=3.0,
        displacement_diaspora_weight=2,
    )
    s, w, c = model.state, model.world, model.corridors
    assert w.contiguous[1, 2] and not w.contiguous[2, 1]
    adults = s.adults_start[None, :]
    weight = adults * np.exp(-w.distance_km / 800.0) * (1 + 3.0 * w.contiguous)
    weight = weight * (1 + 2.0 * c.diaspora / adults)
    np.fill_diagonal(weight, 0.0)
    assert displacement_destinations(model) == pytest.approx(
        weight / weight.sum(axis=1, keepdims=True)
    )


def shock_draws(model):
    """The year's draws of the shocks stream (same seed, same year: the same numbers)."""
    twin = copy.deepcopy(model)
    rng = twin.stream("shocks")
    shape = model.state.hazard_p.shape
    return rng.random(shape), rng.exponential(1.0, shape)


def test_shock_step_by_hand():
    model = fresh(
        climate_trend=0.02,
        shock_recovery=0.3,
        shock_intensity_scale=10.0,
        adaptation_effect=0.6,
        severity_cap=0.5,
        cross_border_share=0.0,
    )
    s = model.state
    s.climate_trend[:] = [0.0, 0.02, 0.05, 0.0, 0.1]
    s.hazard_p[:] = 0.3
    s.hazard_p[0] = 0.0
    s.hazard_p[3] = 1.0
    s.hazard_factor[:] = 1.5
    s.hazard_sev[:] = 0.05
    s.hazard_sev[4] = 0.5  # severe: capped
    s.scheduled_severity[:] = [0.2, 0.0, 0.0, 0.0, 0.0]
    s.shock[:] = [0.5, 0.1, 0.0, 0.9, 0.2]
    s.adaptation[:] = [0.0, 0.5, 1.0, 0.2, 0.0]
    s.adaptation_start[:] = [0.0, 0.2, 0.5, 0.2, 0.1]
    model.year += 1
    draws, sizes = shock_draws(model)
    factor = 1.5 * (1 + s.climate_trend)
    hit = draws < np.clip(s.hazard_p * factor[:, None], 0, 1)
    severity = np.minimum((hit * s.hazard_sev * sizes).sum(axis=1) + [0.2, 0, 0, 0, 0], 0.5)
    assert hit.any() and (severity == 0.5).any()
    # the data's severities reflect the start's adaptation: damage scales with the change
    unprotected = (1 - 0.6 * s.adaptation) / (1 - 0.6 * s.adaptation_start)
    shock = np.minimum(1.0, s.shock * 0.7 + 10.0 * severity * unprotected)
    people = s.unskilled + model.skilled_residents()
    model.flows.reset()
    model.flows.env_displaced[:] = 1.0  # the year's flows add up
    from simulation.mechanisms.shocks import shock_step

    shock_step(model)
    assert s.hazard_factor == pytest.approx(factor)
    assert s.shock == pytest.approx(shock)
    assert model.flows.env_displaced == pytest.approx(severity * unprotected * people + 1)
    assert (s.scheduled_severity == 0).all()


def test_recorded_displacement_replaces_the_drawn_hazards():
    """Where IDMC recorded a year's disaster displacement, its share of the population is the
    year's natural severity; elsewhere the hazards are drawn."""
    from simulation.mechanisms.shocks import shock_step
    from simulation.world import DRIVER_NAMES, Drivers

    world = small_world()
    nothing = np.full((N, 1), np.nan)
    record = {name: nothing.copy() for name in DRIVER_NAMES}
    record["disaster_displaced"] = np.array([[np.nan], [3000.0], [0.0], [np.nan], [np.nan]])
    drivers = Drivers(np.array([world.start_year + 1]), **record)
    model = build(
        dataclasses.replace(world, drivers=drivers),
        shock_intensity_scale=10.0,
        severity_cap=0.5,
        shock_recovery=0.3,
        cross_border_share=0.0,
    )
    s, p = model.state, model.params
    s.hazard_p[:] = 0.5
    s.hazard_sev[:] = 0.01
    s.shock[:] = 0.0
    model.year += 1
    draws, sizes = shock_draws(model)
    hit = draws < np.clip(
        s.hazard_p * s.hazard_factor[:, None] * (1 + s.climate_trend)[:, None], 0, 1
    )
    drawn = (hit * s.hazard_sev * sizes).sum(axis=1)
    assert drawn[[1, 2]].min() > 0  # the record replaces draws that would have hit
    population = s.adults_start * p.population_per_adult
    severity = drawn.copy()
    severity[1], severity[2] = 3000.0 / population[1], 0.0
    people = s.unskilled + model.skilled_residents()
    model.flows.reset()
    shock_step(model)
    assert s.shock == pytest.approx(np.minimum(1.0, 10.0 * severity))
    assert model.flows.env_displaced == pytest.approx(severity * people)


def test_no_shocks_without_m7():
    from simulation.mechanisms.shocks import shock_step

    model = fresh(m7_shocks=False)
    s = model.state
    s.scheduled_severity[:] = 0.3
    s.shock[:] = 0.2
    model.year += 1
    shock_step(model)
    assert (s.scheduled_severity == 0).all() and s.shock == pytest.approx(np.full(N, 0.2))
    assert s.hazard_factor == pytest.approx(np.ones(N))
    assert model.flows.env_displaced.sum() == 0


def test_displaced_return_at_the_return_rate():
    from simulation.mechanisms.shocks import return_displaced

    model = fresh(displaced_return_rate=0.25)
    s, c, pop = model.state, model.corridors, model.pop
    c.displaced[:] = 0.0
    c.displaced[1, 2] = 400.0
    c.displaced[3, 1] = 100.0
    unskilled = s.unskilled.copy()
    return_displaced(model)
    assert c.displaced[1, 2] == pytest.approx(300.0) and c.displaced[3, 1] == pytest.approx(75)
    change = np.zeros(N)
    change[[1, 2, 3]] = [100 - 25, -100, 25]
    assert s.unskilled == pytest.approx(unskilled + change)
    everyone = fresh(displaced_return_rate=1.0)
    pop = everyone.pop
    rows = abroad_workers(everyone)[:6]
    pop.column("displaced")[rows] = True
    everyone.flows.reset()
    return_displaced(everyone)
    assert (pop.location[rows] == pop.origin[rows]).all() and not pop.displaced.any()
    weight = np.bincount(pop.origin[rows], pop.weight[rows], minlength=N)
    assert everyone.flows.env_returns == pytest.approx(weight)
    assert everyone.flows.returns.sum() == 0


def test_displacement_across_borders_moves_the_share_of_residents():
    from simulation.mechanisms.shocks import displace_across_borders, displacement_destinations

    model = fresh(agent_weight_cap=0.001)
    s, c, pop = model.state, model.corridors, model.pop
    share = np.array([0.0, 0.2, 0.0, 0.0, 0.0])
    where = displacement_destinations(model)
    unskilled = s.unskilled.copy()
    skilled = model.skilled_residents()
    natives_home = (pop.kind == WORKER) & (pop.origin == 1) & (pop.location == 1)
    total = pop.weight.sum()
    model.flows.reset()
    displace_across_borders(model, share)
    moved = unskilled[1] * 0.2
    assert c.displaced[1] == pytest.approx(moved * where[1])
    assert s.unskilled == pytest.approx(unskilled - moved * (np.arange(N) == 1) + moved * where[1])
    lost = skilled[1] - model.skilled_residents()[1]
    unit = min(0.001 * s.adults_start.min(), skilled[1])
    assert lost == pytest.approx(0.2 * skilled[1], abs=12 * unit)
    assert pop.weight.sum() == pytest.approx(total)  # pieces split off, nobody lost
    displaced = pop.displaced
    assert displaced.any() and (pop.location[displaced] != 1).all()
    assert (pop.location[displaced] != pop.origin[displaced]).all()
    assert model.flows.env_emigrations[1] > 0 and model.flows.emigrations.sum() == 0
    assert model.flows.env_emigrations[1] <= natives_home.sum() * pop.weight.max()


# --- M4 migration: the utilities, by hand --------------------------------------------------------
def set_up_corridors(model) -> None:
    """Unequal recognition, ethical caps, languages and constants (so every index matters)."""
    rng = np.random.default_rng(5)
    s, c, w = model.state, model.corridors, model.world
    c.recognition[:] = rng.uniform(0.2, 0.9, (N, N))
    np.fill_diagonal(c.recognition, 1.0)
    c.ethical_cap[0, 1] = 0.5  # C00 forgoes half its recruitment from C01
    c.corridor_constant[:] = rng.normal(0, 0.5, (N, N))
    s.emigration_constant[:] = [0.3, -1.0, 0.5, 2.0, -0.2]
    s.social_openness[:] = [0.9, 0.1, 0.5, 0.3, 0.7]
    s.visa["skilled"][:] = [0.8, 0.3, 0.0, 0.6, 0.5]
    s.visa["scientists"][:] = [0.9, 0.4, 0.2, 0.0, 0.7]
    assert w.common_language[1, 2] and w.common_language[1, 0]  # (set in small_world)


def utility_by_hand(model, o, g, loc, doctorate, factor) -> np.ndarray:
    p, s, c, w = model.params, model.state, model.corridors, model.world
    r = c.recognition[g]
    pay = r * s.wage_skilled + (1 - r) * s.wage_unskilled
    u = p.wage_weight * np.log(pay) + p.wage_weight * np.log(factor) * r * s.wage_skilled / pay
    u = u - p.move_cost_distance * np.log1p(w.distance_km[loc] / p.distance_scale_km)
    u = u + p.network_elasticity * np.log1p(c.diaspora[o] / p.diaspora_scale)
    u = u + p.common_language_bonus * w.common_language[o]
    visa = s.visa["scientists" if doctorate else "skilled"] * (1 - c.ethical_cap[:, o])
    u = u + p.visa_weight * np.log(np.maximum(visa, p.visa_floor))
    u = u + p.social_openness_weight * s.social_openness
    u = u + p.destination_size_weight * np.log(s.destination_share)
    leaving = s.emigration_constant[o] + c.corridor_constant[o]  # only leaving home
    u = u + (leaving if loc == o else -p.move_cost_base)
    u[[loc, o]] = -np.inf
    return u


CLASSES = [  # origin, degree country, location, doctorate, skill factor
    (1, 1, 1, False, 1.0),
    (1, 1, 1, True, 1.3),
    (2, 0, 2, False, 0.7),
    (1, 1, 0, False, 1.0),
    (3, 4, 4, True, 1.1),
]


def test_move_utility_by_hand():
    from simulation.mechanisms.migration import move_utility

    model = fresh()
    set_up_corridors(model)
    o, g, loc, doc, f = (np.array(col) for col in zip(*CLASSES, strict=True))
    u = move_utility(model, o, g, loc, doc, f)
    for k, cls in enumerate(CLASSES):
        assert u[k] == pytest.approx(utility_by_hand(model, *cls)), cls


def test_move_utility_without_m6_has_no_network_term():
    from simulation.mechanisms.migration import move_utility

    model = fresh(m6_diaspora=False)
    set_up_corridors(model)
    expected = utility_by_hand(model, *CLASSES[0])
    network = model.params.network_elasticity * np.log1p(model.corridors.diaspora[1] / 1000.0)
    u = move_utility(model, np.array([1]), np.array([1]), np.array([1]), np.array([False]), [1.0])
    assert u[0] == pytest.approx(expected - network)


def pay_by_hand(model) -> np.ndarray:
    """[g, d] expected pay at skill factor 1: skilled wage if recognised, else unskilled."""
    s, r = model.state, model.corridors.recognition
    return r * s.wage_skilled[None, :] + (1 - r) * s.wage_unskilled[None, :]


def test_degree_pay_and_wage_factor():
    from simulation.mechanisms.migration import degree_pay, wage_factor

    model = fresh(skill_wage_elasticity=0.4)
    set_up_corridors(model)
    s, c, pop = model.state, model.corridors, model.pop
    pay = degree_pay(model)
    for g in (1, 3):
        r = c.recognition[g]
        assert pay[g] == pytest.approx(r * s.wage_skilled + (1 - r) * s.wage_unskilled)
    pop.column("skill_change")[:3] = [0.0, -0.5, 0.25]
    assert wage_factor(model, np.arange(3)) == pytest.approx(
        np.exp(0.4 * np.array([0, -0.5, 0.25]))
    )


def test_stay_and_home_utility_by_hand():
    from simulation.mechanisms.migration import stay_and_home_utility

    model = fresh(skill_wage_elasticity=0.5)
    set_up_corridors(model)
    vary_people(model, seed=4)
    p, s, c, w, pop = model.params, model.state, model.corridors, model.world, model.pop
    s.return_incentive[:] = [0.0, 0.5, 1.0, 0.0, 2.0]
    rows = np.flatnonzero(pop.kind == WORKER)
    post = (np.arange(len(rows)) % 3 == 0).astype(float)
    stay, home = stay_and_home_utility(model, rows, post)
    o, g, loc = pop.origin[rows], pop.degree_country[rows], pop.location[rows]
    tie, factor = pop.tie[rows].astype(float), np.exp(0.5 * pop.skill_change[rows].astype(float))
    here = np.where(pop.recognised[rows], s.wage_skilled[loc] * factor, s.wage_unskilled[loc])
    at_home = loc == o
    expected_stay = (
        np.log(here)
        + p.post_study_bonus * post
        + np.where(
            at_home, p.home_tie_weight * tie, p.social_openness_weight * s.social_openness[loc]
        )
    )
    r = c.recognition[g, o]
    wage_home = r * s.wage_skilled[o] * factor + (1 - r) * s.wage_unskilled[o]
    expected_home = (
        np.log(wage_home)
        - p.return_cost
        - p.move_cost_distance * np.log1p(w.distance_km[loc, o] / p.distance_scale_km)
        + p.home_tie_weight * tie
        + s.return_incentive[o]
        - s.emigration_constant[o] * post
    )
    assert at_home.any() and (~at_home).any()
    assert stay == pytest.approx(expected_stay)
    assert np.isneginf(home[at_home]).all()
    assert home[~at_home] == pytest.approx(expected_home[~at_home])


def test_considering_a_move_by_age_band_years_abroad_and_shocks():
    from simulation.mechanisms.migration import consider_probability

    model = fresh(
        young_age=35.0,
        mid_age=50.0,
        consider_rate_young=0.1,
        consider_rate_mid=0.05,
        consider_rate_old=0.02,
        consider_rate_recent=0.07,
        recent_years=5,
        shock_move_sensitivity=4.0,
    )
    pop = model.pop
    home = np.flatnonzero((pop.kind == WORKER) & (pop.location == pop.origin))[:6]
    away = abroad_workers(model)[:4]
    rows = np.concatenate([home, away])
    pop.column("age")[rows] = [34.9, 35.0, 49.9, 50.0, 70.0, 30.0, 30.0, 40.0, 60.0, 60.0]
    pop.column("years_abroad")[away] = [4, 4, 4, 5]
    shock = np.zeros(N)
    got = consider_probability(model, rows, shock)
    recent = [0.1, 0.07, 0.07, 0.02]  # the recent rate raises low bands only, for 5 years
    assert got == pytest.approx([0.1, 0.05, 0.05, 0.02, 0.02, 0.1, *recent])
    shock[:] = 0.5
    shock[pop.location[home[0]]] = 0.0
    shaken = consider_probability(model, rows, shock)
    factor = np.where(shock[pop.location[rows]] > 0, 3.0, 1.0)
    assert shaken == pytest.approx(np.minimum(got * factor, 1.0))
    shock[:] = 100.0
    assert consider_probability(model, rows, shock) == pytest.approx(np.ones(10))
    calm = fresh(m7_shocks=False)
    assert consider_probability(calm, home, np.full(N, 0.5)) == pytest.approx(
        consider_probability(calm, home, np.zeros(N))
    )


def test_choice_probabilities_by_hand():
    from simulation.mechanisms.migration import (
        choice_probabilities,
        move_utility,
        stay_and_home_utility,
    )

    model = fresh()
    set_up_corridors(model)
    vary_people(model, seed=6)
    pop = model.pop
    rows = np.flatnonzero(pop.kind == WORKER)
    post = (np.arange(len(rows)) % 4 == 0).astype(float)
    choice = choice_probabilities(model, rows, post)
    stay, home = stay_and_home_utility(model, rows, post)
    o, g, loc = pop.origin[rows], pop.degree_country[rows], pop.location[rows]
    doc, factor = pop.doctorate[rows], np.exp(0.5 * pop.skill_change[rows].astype(float))
    for k in range(0, len(rows), 7):
        same = (o == o[k]) & (g == g[k]) & (loc == loc[k]) & (doc == doc[k])
        f = factor[same].mean()
        u = move_utility(model, o[[k]], g[[k]], loc[[k]], doc[[k]], np.array([f]))[0]
        p = logit_probabilities(np.array([[stay[k], home[k], inclusive_value(u[None])[0]]]))[0]
        assert [choice.stay[k], choice.home[k], choice.elsewhere[k]] == pytest.approx(p)
        cls = choice.agent_class[k]
        assert choice.destinations[cls] == pytest.approx(logit_probabilities(u[None])[0])
        assert choice.class_weight[cls] == pytest.approx(pop.weight[rows][same].mean())
    assert (choice.rows == rows).all()
    locked = choice_probabilities(model, rows, post, allow_leaving=False)
    at_home = loc == o
    assert (locked.elsewhere[at_home] == 0).all()
    assert locked.elsewhere[~at_home] == pytest.approx(choice.elsewhere[~at_home])


def test_the_twin_locks_people_at_home_by_where_they_live_not_their_degree():
    """Without emigration, a worker at home with a foreign degree cannot leave, and a worker
    abroad with a degree from where it lives can still move on."""
    from simulation.mechanisms.migration import choice_probabilities

    model = fresh()
    set_up_corridors(model)
    pop = model.pop
    rows = np.flatnonzero(pop.kind == WORKER)[:40]
    half = len(rows) // 2
    origin = pop.origin[rows]
    home_foreign_degree = (origin + 1) % N  # at home, degree from the next country
    pop.column("location")[rows[:half]] = origin[:half]
    pop.column("degree_country")[rows[:half]] = home_foreign_degree[:half]
    abroad = (origin[half:] + 2) % N  # abroad, degree from where they live
    pop.column("location")[rows[half:]] = abroad
    pop.column("degree_country")[rows[half:]] = abroad
    post = np.zeros(len(rows))
    free = choice_probabilities(model, rows, post)
    locked = choice_probabilities(model, rows, post, allow_leaving=False)
    assert (free.elsewhere[:half] > 0).all()
    assert (locked.elsewhere[:half] == 0).all()
    assert (locked.elsewhere[half:] > 0).all()
    assert locked.elsewhere[half:] == pytest.approx(free.elsewhere[half:])


def test_move_utility_of_many_classes_is_that_of_each_class_alone():
    """Classes are scored together (and the classes (o, o, o) of every country in order from
    the year's matrices as they are); each row must be what the class alone gets, also for
    n classes that are that pattern in one or two of origin, degree and location only."""
    from simulation.mechanisms.migration import move_utility

    model = fresh()
    set_up_corridors(model)
    every, other = np.arange(N), (np.arange(N) + 2) % N
    patterns = [
        (every, every, every),
        (other, every, every),
        (every, other, every),
        (every, every, other),
        (every, other, other),
    ]
    for origin, degree, location in patterns:
        doctorate = np.array([False, True, False, True, False])
        factor = np.array([1.0, 1.2, 0.8, 1.0, 1.1])
        together = move_utility(model, origin, degree, location, doctorate, factor)
        for k in range(N):
            alone = move_utility(
                model, origin[[k]], degree[[k]], location[[k]], doctorate[[k]], factor[[k]]
            )
            assert together[k] == pytest.approx(alone[0])


def test_weight_caps_and_emigration_destinations():
    from simulation.mechanisms.migration import (
        emigration_destinations,
        move_utility,
        weight_caps,
    )

    model = fresh(agent_weight_cap=0.02)
    assert weight_caps(model) == pytest.approx(0.02 * model.state.adults_start)
    set_up_corridors(model)
    idx = np.arange(N)
    for doctorate in (False, True):
        u = move_utility(model, idx, idx, idx, np.full(N, doctorate), np.ones(N))
        assert emigration_destinations(model, doctorate) == pytest.approx(logit_probabilities(u))
    assert not np.allclose(emigration_destinations(model, True), emigration_destinations(model))


def test_pick_by_weight_chooses_members_of_each_group_by_weight():
    from simulation.pieces import pick_by_weight

    rng = np.random.default_rng(11)
    group = rng.integers(0, 6, 40)
    group[group == 4] = 3  # group 4 has no members
    weight = rng.uniform(0, 2, 40) * (rng.random(40) > 0.2)  # some weigh nothing
    weight[group == 5] = 0.0  # group 5 has members but no weight
    wanted = np.array([0, 3, 1, 5, 2, 0, 3, 1, 2, 0])
    uniforms = rng.random(len(wanted))
    uniforms[:2] = [0.0, 0.999999]
    wanted[-1] = 6  # beyond every member's group: no weight
    member, has = pick_by_weight(group, weight, wanted, uniforms)
    for k, (g, u) in enumerate(zip(wanted, uniforms, strict=True)):
        rows = np.flatnonzero(group == g)  # in index order
        cum = np.cumsum(weight[rows]) if len(rows) else np.zeros(1)
        assert has[k] == (cum[-1] > 0)
        if has[k]:
            assert member[k] == rows[np.searchsorted(cum, u * cum[-1], side="right")]
            assert weight[member[k]] > 0
    assert member.dtype.kind == "i" and len(member) == len(wanted)
    assert not has[-1] and not has[wanted == 5].any()
    nobody, none = pick_by_weight(group, weight, np.zeros(0, np.int64), np.zeros(0))
    assert len(nobody) == len(none) == 0


# --- M4 migration: moves, pieces and bookkeeping -----------------------------------------------
def test_within_weight_keeps_pieces_a_parent_can_give():
    from simulation.pieces import within_weight

    parents = np.array([0, 0, 1, 0, 2, 2])
    weight = np.array([1.0, 1.0, 1.0, 1.0, 0.5, 0.5])
    available = np.array([2.0, 0.5, 1.0])
    assert within_weight(parents, weight, available).tolist() == [1, 1, 0, 0, 1, 1]
    # a parent whose pieces start second in order: its own pieces only count
    available = np.zeros(8)
    available[[5, 7]] = [1.0, 2.0]
    parents = np.array([7, 5, 7])
    assert within_weight(parents, np.ones(3), available).tolist() == [1, 1, 1]
    # a piece exactly the parent's weight fits; nothing fits within nothing
    exact = within_weight(np.array([0, 1]), np.array([0.7, 0.0]), np.array([0.7, 0.0]))
    assert exact.tolist() == [1, 1]


def test_relocate_counts_each_kind_of_move_and_resets_the_movers():
    from simulation.mechanisms.migration import relocate

    model = fresh(recognition_base=1.0)
    pop, flows = model.pop, model.flows
    model.corridors.recognition[:] = 0.0  # no mover is recognised where it goes
    home = np.flatnonzero((pop.kind == WORKER) & (pop.origin == 1) & (pop.location == 1))[:3]
    away = np.flatnonzero((pop.kind == WORKER) & (pop.origin == 1) & (pop.location == 0))[:4]
    assert len(home) == 3 and len(away) == 4
    pop.column("tie")[away] = 0.3
    pop.column("years_abroad")[away] = 7
    pop.column("years_abroad")[home] = 2
    pop.column("displaced")[away[2]] = True
    pop.column("returnee")[:] = False
    rows = np.concatenate([home, away])
    new = np.array([0, 2, 1, 1, 1, 1, 3])  # leave, leave, stay; return x3, onward
    post = np.array([0, 0, 0, 1, 0, 0, 0], bool)  # the first return is a graduate's
    w = pop.weight[rows].copy()
    flows.reset()
    flows.onward_moves[:] = 1.0  # the year's and the run's flows add up
    flows.emigrations[:] = 1.0
    model.corridors.emigration_flows[:] = 2.0
    pairs = model.corridors.emigration_flows.copy()
    relocate(model, rows, new, post)
    assert pop.location[rows].tolist() == new.tolist()
    assert flows.emigrations[1] == pytest.approx(w[0] + w[1] + 1.0)
    assert flows.emigrations[[0, 2, 3, 4]] == pytest.approx(np.ones(4))
    assert flows.graduate_returns[1] == pytest.approx(w[3])
    assert flows.returns[1] == pytest.approx(w[4])
    assert flows.env_returns[1] == pytest.approx(w[5])
    assert flows.onward_moves[1] == pytest.approx(w[6] + 1.0)
    assert flows.env_emigrations.sum() == 0
    expected_pairs = pairs.copy()
    expected_pairs[1, 0] += w[0]
    expected_pairs[1, 2] += w[1]
    assert model.corridors.emigration_flows == pytest.approx(expected_pairs)
    moved = rows[new != np.concatenate([[1, 1, 1], [0] * 4])]
    assert not pop.recognised[moved].any() and pop.recognised[home[2]]
    assert pop.returnee[rows].tolist() == [0, 0, 0, 0, 1, 1, 0]
    assert pop.tie[away[:3]] == pytest.approx(1.0) and pop.tie[away[3]] == pytest.approx(0.3)
    assert pop.years_abroad[rows].tolist() == [0, 0, 2, 0, 0, 0, 7]
    assert not pop.displaced[rows].any()


def test_displaced_moves_are_counted_apart():
    from simulation.mechanisms.migration import relocate

    model = fresh()
    pop, flows = model.pop, model.flows
    home = np.flatnonzero((pop.kind == WORKER) & (pop.origin == 1) & (pop.location == 1))[:2]
    w = pop.weight[home].copy()
    flows.reset()
    pairs = model.corridors.emigration_flows.copy()
    relocate(model, home, np.array([0, 1]), np.zeros(2, bool), displaced=True)
    assert flows.env_emigrations[1] == pytest.approx(w[0]) and flows.emigrations.sum() == 0
    assert model.corridors.emigration_flows == pytest.approx(pairs)
    assert pop.displaced[home].tolist() == [True, False]
    model.corridors.recognition[:] = 1.0  # recognised everywhere: so are the movers
    relocate(model, home, np.array([2, 0]), np.zeros(2, bool))
    assert pop.recognised[home].all()


def test_count_new_emigrants():
    from simulation.mechanisms.migration import count_new_emigrants

    model = fresh()
    pop = model.pop
    rows = abroad_workers(model)[:5]
    model.flows.reset()
    model.corridors.emigration_flows[:] = 7.0  # the run's earlier flows
    pairs = model.corridors.emigration_flows.copy()
    count_new_emigrants(model, rows)
    assert model.flows.emigrations == pytest.approx(
        np.bincount(pop.origin[rows], pop.weight[rows], minlength=N)
    )
    np.add.at(pairs, (pop.origin[rows], pop.location[rows]), pop.weight[rows])
    assert model.corridors.emigration_flows == pytest.approx(pairs)


def test_ties_fade_abroad_unless_ict_keeps_them():
    from simulation.mechanisms.migration import ties_fade_and_years_abroad_grow

    model = fresh(tie_decay=0.2, ict_tie_maintenance=0.5)
    s, pop = model.state, model.pop
    s.ict[:] = [0.9, 0.2, 0.4, 0.6, 0.8]
    pop.column("tie")[:] = 0.8
    pop.column("years_abroad")[:] = 3
    away = pop.location != pop.origin
    o, loc = pop.origin, pop.location
    decay = 0.2 * (1 - 0.5 * s.ict[o] * s.ict[loc])
    expected = np.where(away, 0.8 * (1 - decay), 0.8)
    ties_fade_and_years_abroad_grow(model)
    assert pop.tie == pytest.approx(expected, rel=1e-6)
    assert pop.years_abroad.tolist() == np.where(away, 4, 3).tolist()


def test_nobody_moves_who_does_not_consider_it():
    from simulation.mechanisms.migration import migration_step

    model = fresh()
    model.params = model.params.replace(
        consider_rate_young=0.0,
        consider_rate_mid=0.0,
        consider_rate_old=0.0,
        consider_rate_recent=0,
    )
    location = model.pop.location.copy()
    model.flows.reset()
    migration_step(model, np.zeros(0, np.int64))
    assert (model.pop.location == location).all()


def test_migration_step_moves_people_as_the_choice_says():
    """Everyone considers a move; with emigration stopped nobody leaves home, weight is kept,
    and every move is one of the chosen kinds."""
    from simulation.mechanisms.migration import migration_step

    model = fresh(consider_rate_young=1.0, consider_rate_mid=1.0, consider_rate_old=1.0)
    model.emigration = False
    pop = model.pop
    before = dict(zip(pop.uid.tolist(), zip(pop.origin, pop.location, strict=True), strict=True))
    total = pop.weight.sum()
    model.flows.reset()
    migration_step(model, np.zeros(0, np.int64))
    assert pop.weight.sum() == pytest.approx(total)
    left_home = [
        uid
        for uid, loc in zip(pop.uid.tolist(), pop.location.tolist(), strict=True)
        if uid in before and before[uid][0] == before[uid][1] and loc != before[uid][0]
    ]
    assert not left_home and model.flows.emigrations.sum() == 0
    assert model.flows.returns.sum() + model.flows.onward_moves.sum() > 0
    free = fresh(consider_rate_young=1.0, consider_rate_mid=1.0, consider_rate_old=1.0)
    free.flows.reset()
    migration_step(free, np.zeros(0, np.int64))
    assert free.flows.emigrations.sum() > 0


def test_graduates_deciding_after_study_are_counted_as_emigrants_or_graduate_returns():
    from simulation.mechanisms.migration import migration_step

    model = fresh()
    model.params = model.params.replace(
        consider_rate_young=0.0,
        consider_rate_mid=0.0,
        consider_rate_old=0.0,
        consider_rate_recent=0,
    )
    pop = model.pop
    rows = abroad_workers(model)
    w = pop.weight[rows].copy()
    origin = pop.origin[rows].copy()
    model.state.return_incentive[:] = [0.0, 8.0, 8.0, 8.0, 8.0]  # some go home
    model.flows.reset()
    migration_step(model, rows)
    f = model.flows
    assert f.returns.sum() == 0 and f.graduate_returns.sum() > 0
    # every deciding graduate either went home or stayed abroad as a new emigrant
    assert f.graduate_returns.sum() + f.emigrations.sum() == pytest.approx(w.sum())
    assert f.graduate_returns + f.emigrations == pytest.approx(np.bincount(origin, w, minlength=N))


def test_flows_to_small_destinations_move_as_capped_pieces():
    from simulation.mechanisms.migration import migration_step, weight_caps

    model = fresh(
        agent_weight_cap=0.001,
        consider_rate_young=1.0,
        consider_rate_mid=1.0,
        consider_rate_old=1.0,
    )
    pop = model.pop
    cap = weight_caps(model)
    n_before, total = pop.n, pop.weight.sum()
    model.flows.reset()
    migration_step(model, np.zeros(0, np.int64))
    assert pop.n > n_before  # pieces split off
    assert pop.weight.sum() == pytest.approx(total)
    pieces = np.arange(n_before, pop.n)
    assert (pop.weight[pieces] <= cap[pop.location[pieces]] * (1 + 1e-9)).all()
    assert (pop.weight > 0).all() or (pop.weight >= 0).all()
    assert (pop.location[pieces] != pop.origin[pieces]).any()


# --- M1, M2 education -------------------------------------------------------------------------
def test_youth_cohort_and_financing():
    from simulation.mechanisms import education

    model = fresh(working_span=40.0, remittance_financing=2.0)
    s = model.state
    s.growth[:] = [-0.01, 0.0, 0.01, 0.02, 0.03]
    adults = model.adults()
    assert education.youth_cohort(model) == pytest.approx(
        adults * (1 / 40 + np.array([0, 0, 0.01, 0.02, 0.03]))
    )
    s.remittances[:] = [0.0, 1e6, 2e6, 3e6, 4e6]
    s.productivity[:] = [1.0, 1.5, 1.0, 2.0, 1.0]
    assert education.financing(model) == pytest.approx(
        2.0 * s.remittances / (s.gdppc * s.productivity * adults)
    )


def test_expected_return_mixes_home_and_abroad_by_the_prospect():
    from simulation.mechanisms import education
    from simulation.mechanisms.migration import emigration_destinations

    model = fresh()
    set_up_corridors(model)
    s = model.state
    prospect = np.array([0.0, 0.3, 0.5, 1.0, 0.1])
    where = emigration_destinations(model)
    abroad = (where * pay_by_hand(model)).sum(axis=1)
    home = np.log(s.wage_skilled / s.wage_unskilled)
    expected = (1 - prospect) * home + prospect * np.log(np.maximum(abroad, 1) / s.wage_unskilled)
    assert education.expected_return(model, prospect) == pytest.approx(expected)
    fixed = fresh(use_fixed_prospect=True)
    set_up_corridors(fixed)
    lottery = education.lottery_destinations(fixed)
    pay = pay_by_hand(fixed)
    abroad = (lottery * pay).sum(axis=1)
    s = fixed.state
    home = np.log(s.wage_skilled / s.wage_unskilled)
    expected = (1 - prospect) * home + prospect * np.log(np.maximum(abroad, 1) / s.wage_unskilled)
    assert education.expected_return(fixed, prospect) == pytest.approx(expected)


def test_prospect_in_use():
    from simulation.mechanisms import education

    model = fresh()
    model.state.perceived_prospect[:] = [0.1, 0.2, 0.3, 0.4, 0.5]
    assert education.prospect_in_use(model) == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])
    model.emigration = False
    assert (education.prospect_in_use(model) == 0).all()
    off = fresh(m1_incentive=False)
    off.state.perceived_prospect[:] = 0.5
    assert (education.prospect_in_use(off) == 0).all()
    fixed = fresh(use_fixed_prospect=True, fixed_prospect=0.4)
    better = education.lottery_destinations(fixed).sum(axis=1) > 0
    assert education.prospect_in_use(fixed) == pytest.approx(0.4 * better)


def test_true_prospect_is_zero_without_graduates_and_clipped():
    from simulation.mechanisms.education import true_prospect

    assert true_prospect(np.array([0.25, -5.0, 3.0]), np.array([0.5, 10.0, 1.0])) == (
        pytest.approx([0.5, 0.0, 1.0])
    )
    for _ in range(3):  # no graduates: exactly 0, whatever memory the result was made in
        junk = np.full(4096, 0.7)
        del junk
        out = true_prospect(np.full(4096, 3.0), np.zeros(4096))
        assert (out == 0.0).all()


def test_perception_moves_a_memory_share_toward_the_target():
    from simulation.mechanisms import education

    model = fresh(perception_ict=0.6, prospect_memory=4.0)
    s = model.state
    s.ict[:] = [0.9, 0.2, 0.4, 0.6, 0.8]
    truth = np.array([0.1, 0.5, 0.0, 1.0, 0.3])
    crude = model.skilled_emigration_rate()
    sharp = 1 - 0.6 * (1 - s.ict)
    target = sharp * truth + (1 - sharp) * crude
    assert education.perception_target(model, truth) == pytest.approx(target)
    model.last_flows.emigrations = truth * 1000.0
    model.last_flows.graduates = np.full(N, 1000.0)
    s.perceived_prospect[:] = 0.2
    education.update_perceived_prospect(model)
    assert s.perceived_prospect == pytest.approx(0.2 + (target - 0.2) / 4.0)


def test_enrolment_probability_by_hand():
    from scipy.special import expit, logit

    from simulation.mechanisms import education

    model = fresh(enrol_sensitivity=1.5)
    s = model.state
    s.enrolment_trend = s.enrolment_start * np.array([1.0, 1.2, 0.8, 1.1, 1.0])
    s.remittances[:] = model.adults() * s.gdppc * 0.01
    s.perceived_prospect[:] = [0.1, 0.2, 0.3, 0.4, 0.5]
    z = (
        s.enrol_cost
        + logit(s.enrolment_trend)
        - logit(s.enrolment_start)
        + 1.5 * education.expected_return(model, s.perceived_prospect)
        + education.financing(model)
    )
    assert education.enrolment_probability(model) == pytest.approx(expit(z))


def test_calibrated_enrolment_matches_the_data_at_start():
    from simulation.mechanisms import education

    model = build()
    assert education.enrolment_probability(model) == pytest.approx(model.state.enrolment_start)


def test_home_seats_by_hand():
    from simulation.mechanisms import education

    model = fresh(seat_slack=1.5, shock_seat_damage=0.5, severity_cap=0.3)
    s = model.state
    s.enrolment_trend = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    s.seats_multiplier[:] = [1.0, 2.0, 1.0, 0.5, 1.0]
    s.shock[:] = [0.0, 0.2, 1.0, 0.0, 0.0]
    cohort = np.array([100.0, 200.0, 300.0, 400.0, 500.0])
    damage = np.array([0.0, 0.1, 0.3, 0.0, 0.0])
    expected = 1.5 * s.enrolment_trend * cohort * s.seats_multiplier * (1 - damage)
    assert education.home_seats(model, cohort) == pytest.approx(expected)
    calm = fresh(seat_slack=1.5, m7_shocks=False)
    calm.state.shock[:] = 1.0
    seats = education.home_seats(calm, cohort)
    assert seats == pytest.approx(1.5 * calm.state.enrolment_trend * cohort)


def study_by_hand(model, doctorate: bool, diaspora_term: bool = True) -> np.ndarray:
    p, s, w, c = model.params, model.state, model.world, model.corridors
    u = np.empty((N, N))
    member = s.convention_year <= model.year
    visa = s.visa["scientists" if doctorate else "students"]
    for o in range(N):
        for d in range(N):
            if o == d:
                u[o, d] = p.study_quality_weight * s.edu_quality[d]
                continue
            u[o, d] = (
                p.study_quality_weight * s.edu_quality[d]
                + p.study_income_weight * np.log(s.gdppc[d] / s.gdppc[o])
                - p.study_distance_weight * np.log1p(w.distance_km[o, d] / p.distance_scale_km)
                + p.study_visa_weight * np.log(max(visa[d], p.visa_floor))
                + p.study_convention_weight * (member[o] & member[d]).any()
                + s.study_abroad_constant[o]
                + s.study_destination_constant[d]
            )
            if diaspora_term:
                u[o, d] += p.study_diaspora_weight * np.log1p(c.diaspora[o, d] / p.diaspora_scale)
    return u


def test_study_utility_by_hand():
    from simulation.mechanisms import education

    model = fresh()
    s = model.state
    s.visa["students"][:] = [0.9, 0.0, 0.5, 0.3, 0.7]
    s.visa["scientists"][:] = [0.2, 0.8, 0.5, 0.0, 0.7]
    s.study_abroad_constant[:] = [0.1, -0.2, 0.3, -0.4, 0.5]
    s.study_destination_constant[:] = [-1.0, 0.0, -0.5, -2.0, -0.1]
    for doctorate in (False, True):
        u = education.study_utility(model, doctorate)
        assert u == pytest.approx(study_by_hand(model, doctorate))
    off = fresh(m6_diaspora=False)
    assert education.study_utility(off, False) == pytest.approx(study_by_hand(off, False, False))


def test_study_places_and_abroad_choice():
    from simulation.mechanisms import education

    model = fresh()
    model.state.visa["scientists"][:] = [0.1, 0.9, 0.2, 0.8, 0.3]  # doctorates: other visas
    u = education.study_utility(model, False)
    assert education.study_places(model, False) == pytest.approx(logit_probabilities(u))
    u_doc = education.study_utility(model, True)
    assert education.study_places(model, True) == pytest.approx(logit_probabilities(u_doc))
    np.fill_diagonal(u, -np.inf)
    assert education.abroad_choice(model) == pytest.approx(logit_probabilities(u))
    assert (education.study_places(fresh(m2_study_abroad=False), False) == np.eye(N)).all()


def test_study_abroad_intercept_clips_the_outbound_share():
    from simulation.mechanisms import education

    model = fresh()
    share = np.array([0.0, 0.1, 1.0, 0.5, 0.02])  # the first and third clipped
    model.state.visa["scientists"][:] = [0.1, 0.9, 0.2, 0.8, 0.3]  # first degrees: students'
    education.calibrate_study_abroad(model, share)
    places = education.study_places(model, False)
    assert 1 - np.diag(places) == pytest.approx([1e-4, 0.1, 0.95, 0.5, 0.02])


def test_study_destinations_spread_students_like_the_inbound_data():
    from simulation.initial import students_in_study
    from simulation.mechanisms import education

    model = fresh()
    w, s = model.world, model.state
    students = students_in_study(s, model.params)
    outbound = np.clip(w.column("outbound_ratio"), 0, 20)
    abroad = students * outbound / (1 + outbound)
    target = np.array([0.3, 0.2, 0.2, 0.15, 0.15])  # inbound shares the data will say
    x = target * 0.05 * students.sum() / (students - abroad)
    w.countries["inbound_rate"] = x / (1 + x)  # UIS: inbound / (home + inbound students)
    s.study_destination_constant[:] = 1.0
    spread = education.calibrate_study_destinations(model)
    flow = abroad @ spread
    assert flow / flow.sum() == pytest.approx(target, abs=1e-3)
    assert s.study_destination_constant.max() == 0.0
    assert spread == pytest.approx(education.abroad_choice(model))
    assert spread.sum(axis=1) == pytest.approx(np.ones(N))
    assert (np.diag(spread) == 0).all()


def test_study_destinations_without_inbound_data_keep_the_utilities():
    from simulation.mechanisms import education

    model = fresh()
    model.world.countries["inbound_rate"] = 0.0
    spread = education.calibrate_study_destinations(model)
    assert (model.state.study_destination_constant == 0).all()
    assert spread == pytest.approx(education.abroad_choice(model))


def test_enrolment_fills_home_seats_and_sends_the_rest_abroad():
    from simulation.mechanisms import education

    model = fresh(seat_slack=1.0, doctoral_share=0.1)
    s, pop = model.state, model.pop
    s.perceived_prospect[:] = 0.0
    s.visa["scientists"][:] = [0.9, 0.001, 0.001, 0.001, 0.001]  # doctorates stay home more
    model.year += 1
    cohort = education.youth_cohort(model)
    wanting = education.enrolment_probability(model) * cohort
    home_share = sum(
        share * np.diag(education.study_places(model, doc))
        for doc, share in ((False, 0.9), (True, 0.1))
    )
    seats = education.home_seats(model, cohort)
    at_home = np.minimum(wanting * home_share, seats)
    assert (wanting * home_share > seats).any() and (wanting * home_share < seats).any()
    unskilled, entered = s.unskilled.copy(), model.entered.copy()
    n_before = pop.n
    model.flows.reset()
    model.flows.youth_cohort[:] = 5.0  # the year's flows add up
    model.flows.new_students[:] = 3.0
    education.enrol(model)
    new = np.arange(n_before, pop.n)
    home_new = new[pop.location[new] == pop.origin[new]]
    got = np.bincount(pop.origin[home_new], pop.weight[home_new], minlength=N)
    assert got == pytest.approx(at_home)
    weight = np.bincount(pop.origin[new], pop.weight[new], minlength=N)
    assert model.entered - entered == pytest.approx(weight)
    assert model.flows.youth_cohort == pytest.approx(cohort + 5.0)
    enrolled = model.flows.new_students - 3.0
    assert s.unskilled == pytest.approx(unskilled + cohort - enrolled)
    abroad_expected = wanting * (1 - home_share)
    assert enrolled == pytest.approx(at_home + abroad_expected, rel=0.05)
    assert (pop.kind[new] == STUDENT).all() and (pop.age[new] == 20).all()
    assert (pop.degree_country[new] == pop.location[new]).all()
    assert pop.recognised[new].all() and (pop.tie[new] == 1).all()
    p = model.params
    study = np.where(pop.doctorate[new], p.first_degree_years + p.doctorate_years, 4)
    assert (pop.study_left[new] == study).all()
    doctors = pop.doctorate[new]
    assert doctors.any() and (~doctors).any()
    assert (pop.skill[new] > 0).all() and np.std(pop.skill[new]) > 0


def test_new_students_weigh_as_the_origins_agents_within_the_cap_where_they_study():
    from simulation.mechanisms import education
    from simulation.mechanisms.migration import weight_caps

    for cap_share in (0.001, 0.02):
        model = fresh(agent_weight_cap=cap_share, working_span=40.0)
        model.state.study_abroad_constant[:] += 3.0  # many students abroad
        pop = model.pop
        n_before = pop.n
        model.year += 1
        wanting = education.enrolment_probability(model) * education.youth_cohort(model)
        education.enrol(model)
        new = np.arange(n_before, pop.n)
        away = new[pop.location[new] != pop.origin[new]]
        unit = np.maximum(model.mean_weight, wanting / (60 / 40.0))[pop.origin[away]]
        cap = weight_caps(model)[pop.location[away]]
        assert len(away)
        assert pop.weight[away] == pytest.approx(np.minimum(unit, cap))
        if cap_share > 0.01:
            assert (unit < cap).any()
        else:
            assert (unit > cap).any()


# --- start calibration (docs/ODD.md §3.1) ---------------------------------------------------------
def test_expected_shock_is_the_long_run_intensity():
    from simulation.mechanisms.calibration import expected_shock

    # the data's severities already reflect the start's adaptation (M7 scales damage by the
    # change of adaptation since the start): at start no adaptation factor applies
    model = fresh(shock_intensity_scale=10.0, adaptation_effect=0.5, shock_recovery=0.4)
    s = model.state
    assert (s.adaptation > 0).any()
    s.hazard_sev[4] *= 100  # severe: at most 1
    damage = 10.0 * (s.hazard_p * s.hazard_sev).sum(axis=1)
    expected = np.minimum(1.0, damage / 0.4)
    assert expected[4] == 1.0 and (expected[:4] < 1).all()
    assert expected_shock(model) == pytest.approx(expected)
    still = fresh(shock_recovery=0.0, shock_intensity_scale=10.0)
    still.state.hazard_sev[:3] *= 1e-4  # below the cap even with the recovery floor
    raw = 10.0 * (still.state.hazard_p * still.state.hazard_sev).sum(axis=1)
    assert expected_shock(still) == pytest.approx(np.minimum(1.0, raw / 1e-3))
    assert (expected_shock(still)[:3] < 1).all()  # the recovery floor, not the cap, decides
    assert (expected_shock(fresh(m7_shocks=False)) == 0).all()


@pytest.mark.parametrize(("retirement", "bins"), [(65.0, 8), (57.0, 7), (60.0, 7), (55.0, 6)])
def test_age_bins_cover_the_working_ages(retirement, bins):
    from simulation.mechanisms.calibration import age_bins

    got_bins, width = age_bins(Params(retirement_age=retirement))
    assert got_bins == bins and width == pytest.approx((retirement - 25) / bins)


def start_flows_at_zero(model):
    """The calibration's start flows, computed as calibrate_leaving does (zero intercepts)."""
    from simulation.mechanisms import calibration

    constant = model.state.emigration_constant.copy()
    model.state.emigration_constant[:] = 0.0
    flows = calibration.start_flows(model)
    model.state.emigration_constant[:] = constant
    return flows


def test_start_flows_hold_the_models_stocks_and_rate():
    from simulation.mechanisms import calibration

    model = fresh()
    flows = start_flows_at_zero(model)
    pop = model.pop
    workers = pop.kind == WORKER
    home = workers & (pop.location == pop.origin)
    away = workers & ~home
    assert flows.home.sum(axis=1) == pytest.approx(np.bincount(pop.origin[home], pop.weight[home]))
    abroad = flows.recent.sum(axis=1) + flows.settled.sum(axis=1)
    assert abroad == pytest.approx(np.bincount(pop.origin[away], pop.weight[away], minlength=N))
    recent = away & (pop.years_abroad < model.params.recent_years)
    assert flows.recent.sum(axis=1) == pytest.approx(
        np.bincount(pop.origin[recent], pop.weight[recent], minlength=N)
    )
    rate = calibration.emigration_rate(flows, flows.home, flows.recent, flows.settled)
    assert rate == pytest.approx(model.skilled_emigration_rate())
    bins, width = calibration.age_bins(model.params)
    age_bin = np.clip(((pop.age[home] - 25) / width).astype(int), 0, bins - 1)
    by_age = np.zeros((N, bins))
    np.add.at(by_age, (pop.origin[home], age_bin), pop.weight[home])
    assert flows.home == pytest.approx(by_age)
    assert flows.adults == pytest.approx(model.adults())
    assert flows.diaspora == pytest.approx(model.corridors.diaspora.sum(axis=1))
    assert flows.growth == pytest.approx(np.maximum(model.state.growth, 0.0))
    p = model.params
    assert flows.network == p.network_elasticity
    assert flows.wage_response == pytest.approx(p.wage_weight * p.scarcity_elasticity)
    assert flows.enrolment_response == pytest.approx(-p.enrol_sensitivity * p.scarcity_elasticity)
    off = start_flows_at_zero(fresh(m6_diaspora=False, m8_economy=False))
    assert (off.network, off.wage_response, off.enrolment_response) == (0.0, 0.0, 0.0)


def test_start_flows_consider_as_the_model_does():
    from simulation.mechanisms import calibration
    from simulation.mechanisms.migration import consider_probability

    model = fresh()
    model.state.hazard_p[1] *= 5  # a country with a high expected shock
    flows = start_flows_at_zero(model)
    pop, p = model.pop, model.params
    shock = calibration.expected_shock(model)
    bins, width = calibration.age_bins(p)
    workers = np.flatnonzero(pop.kind == WORKER)
    age_bin = np.clip(((pop.age[workers] - 25) / width).astype(int), 0, bins - 1)
    chance = consider_probability(model, workers, shock)
    o, loc = pop.origin[workers], pop.location[workers]
    home = loc == o
    assert flows.consider_home[o[home], age_bin[home]] == pytest.approx(chance[home])
    # abroad: the age band's rate times the mean shock factor where the origin's emigrants live
    away = ~home
    factor = 1 + p.shock_move_sensitivity * shock[loc[away]]
    w = pop.weight[workers][away]
    mean = np.bincount(o[away], w * factor, minlength=N) / np.bincount(o[away], w, minlength=N)
    age = 25 + (age_bin[away] + 0.5) * width
    band = np.where(age < p.young_age, p.consider_rate_young, p.consider_rate_mid)
    band = np.where(age >= p.mid_age, p.consider_rate_old, band)
    settled = np.minimum(band * mean[o[away]], 1.0)
    recent = np.minimum(np.maximum(band, p.consider_rate_recent) * mean[o[away]], 1.0)
    assert flows.consider_settled[o[away], age_bin[away]] == pytest.approx(settled)
    assert flows.consider_recent[o[away], age_bin[away]] == pytest.approx(recent)
    still = start_flows_at_zero(fresh(m4_migration=False))
    assert not still.consider_home.any() and not still.consider_recent.any()


@pytest.mark.parametrize(("young", "mid"), [(32.5, 48.0), (33.0, 47.5)])
def test_consider_by_age_reads_each_bins_middle_age(young, mid):
    """An age bin takes M4's rate of its middle age (young below young_age, old from mid_age
    on; M4's bounds sit on a bin's middle here), times the shock factor at home or the mean
    factor where the origin's emigrants live (1 where it has none, whatever their number),
    capped at 1."""
    import types

    from simulation.mechanisms.calibration import consider_by_age

    p = Params(
        young_age=young,
        mid_age=mid,
        retirement_age=65.0,
        consider_rate_young=0.5,
        consider_rate_mid=0.1,
        consider_rate_old=0.02,
        consider_rate_recent=0.25,
        shock_move_sensitivity=4.0,
    )
    model = types.SimpleNamespace(params=p, state=types.SimpleNamespace(n=N))
    shock = np.array([0.5, 0.0, 0.2, 0.1, 0.3])
    origin = np.array([0, 0, 1, 2, 3])  # origin 4 has no emigrants, origin 3 half a person
    location = np.array([1, 2, 0, 4, 0])
    weight = np.array([1.0, 3.0, 2.0, 10.0, 0.5])
    got = consider_by_age(model, shock, origin, location, weight, 8, 5.0)
    middle = [27.5, 32.5, 37.5, 42.5, 47.5, 52.5, 57.5, 62.5]
    band = np.array([0.5 if a < young else 0.1 if a < mid else 0.02 for a in middle])
    abroad = np.array([(1 * 1 + 3 * 1.8) / 4, 3.0, 2.2, 3.0, 1.0])
    home = 1 + 4 * shock
    assert got["consider_home"] == pytest.approx(np.minimum(np.outer(home, band), 1.0))
    assert got["consider_settled"] == pytest.approx(np.minimum(np.outer(abroad, band), 1.0))
    recent = np.maximum(band, 0.25)
    assert got["consider_recent"] == pytest.approx(np.minimum(np.outer(abroad, recent), 1.0))
    assert (got["consider_home"] == 1.0).any() and (got["consider_recent"] == 1.0).any()
    assert (got["consider_settled"] == 1.0).any()
    # without M7 a shock does not move anyone (as in consider_probability), at home or abroad
    model.params = p.replace(m7_shocks=False)
    calm = consider_by_age(model, shock, origin, location, weight, 8, 5.0)
    assert calm["consider_home"] == pytest.approx(np.tile(band, (N, 1)))
    assert calm["consider_settled"] == pytest.approx(np.tile(band, (N, 1)))


def test_leaving_chance_is_the_models_own_choice():
    from simulation.mechanisms import calibration
    from simulation.mechanisms.migration import choice_probabilities, consider_probability

    model = fresh()
    flows = start_flows_at_zero(model)
    pop = model.pop
    home = np.flatnonzero((pop.kind == WORKER) & (pop.location == pop.origin))
    consider = consider_probability(model, home, calibration.expected_shock(model))
    intercepts = np.array([[0.5, -1.0, 2.0, 0.0, -3.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    batch = calibration.leaving_chance(flows, intercepts)
    for row, intercept in enumerate(intercepts):
        model.state.emigration_constant[:] = intercept
        leave = choice_probabilities(model, home, np.zeros(len(home))).elsewhere
        mass = pop.weight[home] * consider
        o = pop.origin[home]
        expected = np.bincount(o, mass * leave, minlength=N) / np.bincount(o, mass, minlength=N)
        assert calibration.leaving_chance(flows, intercept) == pytest.approx(expected, rel=1e-6)
        assert batch[row] == pytest.approx(expected, rel=1e-6)


def test_leaving_chance_weights_home_workers_who_choose_differently():
    """Home workers of one origin with different leaving chances (here doctorates, who meet
    other visas, among first-degree holders) count by their weight times their chance of
    considering a move."""
    from simulation.mechanisms import calibration
    from simulation.mechanisms.migration import choice_probabilities, consider_probability

    model = fresh()
    pop = model.pop
    home = np.flatnonzero((pop.kind == WORKER) & (pop.location == pop.origin))
    doctors = home[(pop.origin[home] % 2 == 0) & (np.arange(len(home)) % 3 == 0)]
    pop.column("doctorate")[doctors] = True
    pop.column("weight")[doctors] *= 5.0
    model.state.visa["scientists"][:] = 0.05  # a doctorate's move is far less likely
    flows = start_flows_at_zero(model)
    assert (np.bincount(flows.leave_origin, minlength=N)[[0, 2, 4]] > 1).all()
    consider = consider_probability(model, home, calibration.expected_shock(model))
    intercept = np.array([0.5, -1.0, 2.0, 0.0, -3.0])
    model.state.emigration_constant[:] = intercept
    leave = choice_probabilities(model, home, np.zeros(len(home))).elsewhere
    mass, o = pop.weight[home] * consider, pop.origin[home]
    expected = np.bincount(o, mass * leave, minlength=N) / np.bincount(o, mass, minlength=N)
    assert calibration.leaving_chance(flows, intercept) == pytest.approx(expected, rel=1e-6)


def test_leaving_chance_weights_groups_by_their_mass_and_is_zero_without_any():
    """The chance of leaving is the mass-weighted mean over an origin's groups of home workers,
    whatever the mass (here below one person); an origin with no home workers has chance 0."""
    from scipy.special import expit

    from simulation.mechanisms import calibration

    flows = toy_flows(
        fresh(),
        leave_origin=np.array([0, 1, 2, 2, 3]),  # no group of origin 4
        leave_mass=np.array([3.0, 0.5, 2.0, 6.0, 0.2]),
        leave_logit=np.array([-2.0, -1.0, -3.0, 0.5, -1.5]),
    )
    intercept = np.array([0.5, -1.0, 2.0, 0.0, -3.0])
    p = expit(flows.leave_logit + intercept[flows.leave_origin])
    expected = [p[0], p[1], (2 * p[2] + 6 * p[3]) / 8, p[4], 0.0]
    assert calibration.leaving_chance(flows, intercept) == pytest.approx(expected, rel=1e-12)
    batch = calibration.leaving_chance(flows, np.stack([intercept, intercept + 1]))
    assert batch.shape == (2, N) and batch[0] == pytest.approx(expected, rel=1e-12)
    assert batch[1, 4] == 0.0


def test_graduates_staying_is_the_models_own_post_study_choice():
    from simulation.mechanisms import calibration
    from simulation.mechanisms.migration import choice_probabilities

    model = fresh()
    flows = start_flows_at_zero(model)
    pop, p = model.pop, model.params
    students = np.flatnonzero((pop.kind == STUDENT) & (pop.location != pop.origin))
    duration = p.first_degree_years + pop.doctorate[students] * p.doctorate_years
    yearly = pop.weight[students] / np.maximum(duration - 1, 1)
    intercepts = np.array([[0.5, -1.0, 2.0, 0.0, -3.0], [1.0, 1.0, 1.0, 1.0, 1.0]])
    batch = calibration.graduates_staying(flows, intercepts)
    for row, intercept in enumerate(intercepts):
        model.state.emigration_constant[:] = intercept
        home = choice_probabilities(model, students, np.ones(len(students))).home
        staying = np.bincount(pop.origin[students], yearly * (1 - home), minlength=N)
        assert calibration.graduates_staying(flows, intercept) == pytest.approx(staying, rel=1e-6)
        assert batch[row] == pytest.approx(staying, rel=1e-6)
    everyone = np.flatnonzero(pop.kind == STUDENT)
    duration = p.first_degree_years + pop.doctorate[everyone] * p.doctorate_years
    yearly = pop.weight[everyone] / np.maximum(duration - 1, 1)
    assert flows.graduates == pytest.approx(np.bincount(pop.origin[everyone], yearly, minlength=N))
    at_home = pop.location[everyone] == pop.origin[everyone]
    assert flows.graduates_at_home == pytest.approx(
        np.bincount(pop.origin[everyone][at_home], yearly[at_home], minlength=N)
    )


def test_with_two_year_degrees_every_first_degree_student_graduates_within_the_year():
    """A year's graduates are the students in their last year: with a two-year first degree
    every first-degree student of the start has one year left, so all of them count."""
    model = fresh(first_degree_years=2)
    flows = start_flows_at_zero(model)
    pop, p = model.pop, model.params
    students = np.flatnonzero(pop.kind == STUDENT)
    first = ~pop.doctorate[students]
    assert first.any() and (pop.study_left[students][first] == 1).all()
    years_left = np.where(first, 1, 1 + p.doctorate_years)  # study_left: 1 .. duration - 1
    expected = np.bincount(pop.origin[students], pop.weight[students] / years_left, minlength=N)
    assert flows.graduates == pytest.approx(expected)


def test_without_post_study_stays_every_graduate_comes_home():
    from simulation.mechanisms import calibration

    for params in ({"m3_post_study_stay": False}, {"m4_migration": False}):
        flows = start_flows_at_zero(fresh(**params))
        staying = calibration.graduates_staying(flows, np.zeros(N))
        if params.get("m3_post_study_stay") is False:
            assert staying == pytest.approx(np.zeros(N))
        else:  # M4 off: nobody decides, every foreign graduate stays abroad
            abroad = flows.graduates - flows.graduates_at_home
            assert staying == pytest.approx(abroad)


def test_home_chances_of_emigrants_are_the_models_own():
    from simulation.mechanisms import calibration
    from simulation.mechanisms.migration import choice_probabilities, consider_probability

    model = fresh()
    flows = start_flows_at_zero(model)
    pop, p = model.pop, model.params
    away = np.flatnonzero((pop.kind == WORKER) & (pop.location != pop.origin))
    consider = consider_probability(model, away, calibration.expected_shock(model))
    model.state.emigration_constant[:] = 0.0
    home = choice_probabilities(model, away, np.zeros(len(away))).home
    recent = pop.years_abroad[away] < p.recent_years
    for mask, got in ((recent, flows.home_recent), (~recent, flows.home_settled)):
        o, mass = pop.origin[away][mask], (pop.weight[away] * consider)[mask]
        num = np.bincount(o, mass * home[mask], minlength=N)
        den = np.bincount(o, mass, minlength=N)
        has = den > 0
        assert got[has] == pytest.approx(num[has] / den[has], rel=1e-6)
    students = np.flatnonzero((pop.kind == STUDENT) & (pop.location != pop.origin))
    duration = p.first_degree_years + pop.doctorate[students] * p.doctorate_years
    yearly = pop.weight[students] / np.maximum(duration - 1, 1)
    later = choice_probabilities(model, students, np.zeros(len(students))).home
    o = pop.origin[students]
    num, den = np.bincount(o, yearly * later, minlength=N), np.bincount(o, yearly, minlength=N)
    assert flows.home_new[den > 0] == pytest.approx(num[den > 0] / den[den > 0], rel=1e-6)


def test_home_chances_of_an_empty_group_are_those_of_all_the_origins_emigrants():
    """Where an origin has no recent (or no settled) emigrants, or no students abroad, their
    chance of going home is that of all its emigrants; a group of under one person is still
    the group's own."""
    from simulation.mechanisms import calibration
    from simulation.mechanisms.migration import choice_probabilities, consider_probability

    model = fresh()
    pop, p = model.pop, model.params
    away = (pop.kind == WORKER) & (pop.location != pop.origin)
    recent = away & (pop.years_abroad < p.recent_years)
    pop.column("years_abroad")[away & (pop.origin == 4)] = p.recent_years + 2  # none recent
    pop.column("years_abroad")[away & (pop.origin == 1)] = 0  # none settled
    pop.column("weight")[recent & (pop.origin == 3)] *= 1e-6  # C03's recent: under a person
    students = (pop.kind == STUDENT) & (pop.location != pop.origin)
    pop.column("location")[students & (pop.origin == 4)] = 4  # C04 has nobody studying abroad
    pop.column("weight")[students & (pop.origin == 2)] *= 1e-6  # C02's: under a person
    flows = start_flows_at_zero(model)

    model.state.emigration_constant[:] = 0.0
    rows = np.flatnonzero(away)
    mass = pop.weight[rows] * consider_probability(model, rows, calibration.expected_shock(model))
    chance = mass * choice_probabilities(model, rows, np.zeros(len(rows))).home
    o = pop.origin[rows]
    every = np.bincount(o, chance, minlength=N) / np.bincount(o, mass, minlength=N)
    assert flows.home_recent[4] == pytest.approx(every[4], rel=1e-9)
    assert flows.home_settled[1] == pytest.approx(every[1], rel=1e-9)
    assert flows.home_new[4] == pytest.approx(every[4], rel=1e-9)
    few = pop.years_abroad[rows] < p.recent_years
    own = chance[few & (o == 3)].sum() / mass[few & (o == 3)].sum()
    assert mass[few & (o == 3)].sum() < 1
    assert flows.home_recent[3] == pytest.approx(own, rel=1e-9)
    assert abs(own - every[3]) > 1e-6
    studying = np.flatnonzero(students & (pop.origin == 2))
    yearly = pop.weight[studying] / np.maximum(
        p.first_degree_years + pop.doctorate[studying] * p.doctorate_years - 1, 1
    )
    later = choice_probabilities(model, studying, np.zeros(len(studying))).home
    assert yearly.sum() < 1
    assert flows.home_new[2] == pytest.approx((yearly * later).sum() / yearly.sum(), rel=1e-9)
    assert abs(flows.home_new[2] - every[2]) > 1e-6


def toy_flows(model, **fields):
    """The model's start flows with some fields replaced by simple values (all origins alike
    unless given), for checking the projection's rule by hand."""
    flows = start_flows_at_zero(model)
    bins = flows.home.shape[1]
    base = dict(
        home=np.tile(np.linspace(100.0, 30.0, bins), (N, 1)),
        recent=np.tile(np.linspace(10.0, 2.0, bins), (N, 1)),
        settled=np.tile(np.linspace(20.0, 40.0, bins), (N, 1)),
        consider_home=np.full((N, bins), 0.1),
        consider_recent=np.full((N, bins), 0.3),
        consider_settled=np.full((N, bins), 0.05),
        home_recent=np.array([0.2, 0.3, 0.1, 0.4, 0.25]),
        home_settled=np.array([0.1, 0.05, 0.2, 0.15, 0.3]),
        home_new=np.array([0.3, 0.2, 0.25, 0.1, 0.35]),
        graduates_at_home=np.array([5.0, 8.0, 3.0, 6.0, 4.0]),
        graduates_abroad=np.arange(N),
        graduates_abroad_weight=np.array([1.0, 2.0, 0.5, 1.5, 3.0]),
        graduates_abroad_logit=np.array([0.5, -0.5, 1.0, 0.0, -1.0]),
        growth=np.array([0.0, 0.01, 0.02, 0.0, 0.03]),
        bin_width=5.0,
        diaspora=np.array([2000.0, 500.0, 8000.0, 100.0, 3000.0]),
        network=0.8,
        diaspora_scale=1000.0,
        adults=np.array([3000.0, 2500.0, 4000.0, 2000.0, 3500.0]),
        immigrants=np.array([50.0, 10.0, 0.0, 30.0, 80.0]),
        enrolment=np.array([0.3, 0.1, 0.2, 0.5, 0.05]),
        wage_response=0.3,
        enrolment_response=-0.45,
        leave_origin=np.arange(N),
        leave_mass=np.ones(N),
        leave_logit=np.array([-2.0, -1.0, -3.0, -1.5, -2.5]),
    )
    base.update(fields)
    return dataclasses.replace(flows, **base)


def project_by_hand(flows, intercept, years, recent_years):
    """docs: the model's yearly flows on an (origin x age) cohort table, drivers held."""
    from scipy.special import expit, logit

    from simulation.mechanisms.calibration import graduates_staying, leaving_chance

    f = flows
    home = f.home.copy()
    start_recent, start_settled = f.recent.copy(), f.settled.copy()
    new_recent, new_settled = np.zeros_like(home), np.zeros_like(home)
    total_start = start_recent.sum(axis=1) + start_settled.sum(axis=1)
    h_start = (f.home.sum(axis=1) + f.immigrants) / f.adults
    size_start = np.log1p(f.diaspora / f.diaspora_scale)
    abroad_graduates = np.bincount(f.graduates_abroad, f.graduates_abroad_weight, minlength=N)
    for t in range(years):
        total = sum(x.sum(axis=1) for x in (start_recent, start_settled, new_recent, new_settled))
        size = np.log1p(np.maximum(f.diaspora + total - total_start, 0) / f.diaspora_scale)
        h = np.maximum(home.sum(axis=1) + f.immigrants, 1e-9) / (f.adults * (1 + f.growth) ** t)
        scarcity = np.log(h / h_start)
        wage = f.wage_response * scarcity  # the premium at home: leaving, returns, graduates
        shift = f.network * (size - size_start) + wage  # the diaspora: leaving only
        leaving = home * f.consider_home * leaving_chance(f, intercept + shift)[:, None]

        def back(stock, consider, chance, wage=wage):
            p = expit(logit(chance) - wage)
            return stock * consider * p[:, None]

        backs = [
            back(start_recent, f.consider_recent, f.home_recent),
            back(start_settled, f.consider_settled, f.home_settled),
            back(new_recent, f.consider_recent, f.home_new),
            back(new_settled, f.consider_settled, f.home_new),
        ]
        home = home + sum(backs) - leaving
        start_recent, start_settled, new_recent, new_settled = (
            start_recent - backs[0],
            start_settled - backs[1],
            new_recent - backs[2] + leaving,
            new_settled - backs[3],
        )
        for recent_stock, settled_stock in (
            (start_recent, start_settled),
            (new_recent, new_settled),
        ):
            moving = recent_stock / recent_years
            recent_stock -= moving
            settled_stock += moving

        def age(stock):
            out = stock * (1 - 1 / f.bin_width)
            out[:, 1:] += stock[:, :-1] / f.bin_width
            return out

        home, start_recent, start_settled, new_recent, new_settled = map(
            age, (home, start_recent, start_settled, new_recent, new_settled)
        )
        enrol = logit(f.enrolment) + f.enrolment_response * scarcity
        cohort = (1 + f.growth) ** t * expit(enrol) / f.enrolment
        staying = graduates_staying(f, intercept + wage)
        home[:, 0] += (f.graduates_at_home + abroad_graduates - staying) * cohort
        new_settled[:, 0] += staying * cohort
    return home, start_recent + new_recent, start_settled + new_settled


@pytest.mark.parametrize("years", [0, 1, 3])
def test_projection_follows_the_models_yearly_flows(years):
    from simulation.mechanisms.calibration import project

    flows = toy_flows(fresh())
    intercept = np.array([0.5, -0.5, 1.0, 0.0, 0.2])
    expected = project_by_hand(flows, intercept, years, recent_years=3)
    got = project(flows, intercept, years, 3)
    for part, want in zip(got, expected, strict=True):
        assert part == pytest.approx(want, rel=1e-9)
    batch = project(flows, np.stack([intercept, intercept - 1]), years, 3)
    lower = project(flows, intercept - 1, years, 3)
    for part, first, second in zip(batch, got, lower, strict=True):
        assert part.shape == (2, *first.shape)
        assert part[0] == pytest.approx(first) and part[1] == pytest.approx(second)


def test_projection_without_feedbacks_or_growth():
    from simulation.mechanisms.calibration import project

    flows = toy_flows(
        fresh(), network=0.0, wage_response=0.0, enrolment_response=0.0, growth=np.zeros(N)
    )
    intercept = np.zeros(N)
    expected = project_by_hand(flows, intercept, 4, recent_years=5)
    for part, want in zip(project(flows, intercept, 4, 5), expected, strict=True):
        assert part == pytest.approx(want, rel=1e-9)


def test_projection_of_a_country_without_diaspora_or_skilled_people():
    """A diaspora that starts at 0 adds no network effect until it grows; a country with
    almost no skilled people (under one person) keeps its own human capital, floored only at
    zero."""
    from simulation.mechanisms.calibration import project

    home = np.tile(np.linspace(100.0, 30.0, 8), (N, 1))
    home[3] = 1e-3  # C03: a thousandth of a skilled person per age bin, no immigrants
    flows = toy_flows(
        fresh(),
        home=home,
        diaspora=np.array([2000.0, 500.0, 0.0, 100.0, 3000.0]),
        immigrants=np.array([50.0, 10.0, 0.0, 0.0, 80.0]),
    )
    intercept = np.array([0.5, -0.5, 1.0, 0.0, 0.2])
    expected = project_by_hand(flows, intercept, 2, recent_years=3)
    for part, want in zip(project(flows, intercept, 2, 3), expected, strict=True):
        assert part == pytest.approx(want, rel=1e-9)


def test_emigration_rate_of_stocks():
    from simulation.mechanisms.calibration import emigration_rate

    flows = toy_flows(fresh(), immigrants=np.array([10.0, 0.0, 0.0, 5.0, 0.0]))
    home = np.array([[30.0, 30.0], [0.0, 0.0], [10.0, 0.0], [5.0, 0.0], [1.0, 1.0]])
    recent = np.array([[10.0, 0.0], [0.0, 0.0], [5.0, 5.0], [0.0, 0.0], [2.0, 0.0]])
    settled = np.array([[0.0, 10.0], [0.0, 0.0], [0.0, 0.0], [10.0, 0.0], [0.0, 2.0]])
    rate = emigration_rate(flows, home, recent, settled)
    assert rate == pytest.approx([20 / 90, 0.0, 10 / 20, 10 / 20, 4 / 6])


def test_leaving_calibration_holds_the_start_rate_after_the_horizon():
    from simulation.mechanisms import calibration

    model = build()
    flows = start_flows_at_zero(model)
    start = calibration.emigration_rate(flows, flows.home, flows.recent, flows.settled)
    constant = model.state.emigration_constant
    horizon, recent = model.params.calibration_horizon, model.params.recent_years
    ends = calibration.project(flows, constant, horizon, recent)
    assert calibration.emigration_rate(flows, *ends) == pytest.approx(start, rel=5e-4)
    assert (np.abs(constant) < calibration.INTERCEPT_RANGE).all()
    for shift in (-0.05, 0.05):  # the rate rises with the intercept: a unique crossing
        moved = calibration.emigration_rate(
            flows, *calibration.project(flows, constant + shift, horizon, recent)
        )
        assert (np.sign(moved - start) == np.sign(shift)).all()


def test_leaving_calibration_stops_at_the_range_where_no_intercept_holds_the_rate():
    from simulation.mechanisms import calibration

    model = build(calibration_horizon=10)  # returns outrun any leaving in a few countries
    flows = start_flows_at_zero(model)
    start = calibration.emigration_rate(flows, flows.home, flows.recent, flows.settled)
    constant = model.state.emigration_constant
    top = np.full(N, calibration.INTERCEPT_RANGE)
    highest = calibration.emigration_rate(flows, *calibration.project(flows, top, 10, 5))
    short = highest < start
    assert short.any() and (~short).any()
    assert constant[short] == pytest.approx(top[short])
    ends = calibration.project(flows, constant, 10, 5)
    assert calibration.emigration_rate(flows, *ends)[~short] == pytest.approx(
        start[~short], rel=5e-4
    )


def test_corridor_constants_mix_the_diaspora_and_the_utilities():
    from simulation.mechanisms.migration import move_utility

    model = build(corridor_persistence=0.6)
    c = model.corridors
    idx = np.arange(N)
    u = move_utility(model, idx, idx, idx, np.zeros(N, bool), np.ones(N))
    with_constants = logit_probabilities(u)
    c.corridor_constant[:] = 0.0
    gravity = logit_probabilities(move_utility(model, idx, idx, idx, np.zeros(N, bool), np.ones(N)))
    # the start's expected skilled emigrants by corridor (the data's, not the agents' sample)
    stock = model.start_totals["skilled_emigrants"] * (1 - np.eye(N))
    observed = stock / stock.sum(axis=1, keepdims=True)
    assert with_constants == pytest.approx(0.6 * observed + 0.4 * gravity, abs=1e-12)


def test_the_start_diaspora_is_the_weight_of_the_skilled_abroad():
    model = build()
    pop, c = model.pop, model.corridors
    rows = abroad_workers(model)
    members = np.zeros((N, N))
    np.add.at(members, (pop.origin[rows], pop.location[rows]), pop.weight[rows])
    assert len(np.unique(pop.weight[rows])) > 1
    assert c.skilled_diaspora_start == pytest.approx(members)
    assert (c.migrant_stock >= members).all()


def test_an_origin_without_emigrants_keeps_the_utilities_shares():
    from simulation.mechanisms.calibration import calibrate_corridors

    model = fresh(corridor_persistence=0.6)
    c = model.corridors
    before = c.corridor_constant.copy()
    model.start_totals["skilled_emigrants"][4] = 0.0
    calibrate_corridors(model)
    assert (c.corridor_constant[4] == 0).all()
    assert c.corridor_constant[:4] == pytest.approx(before[:4])
    assert np.abs(before[4]).max() > 0.01


def test_start_calibration_sets_the_first_years_perception_and_enrolment():
    from simulation.mechanisms import calibration, education

    model = build()
    s, f = model.state, model.flows
    flows = start_flows_at_zero(model)
    leavers = (flows.home * flows.consider_home).sum(axis=1) * calibration.leaving_chance(
        flows, s.emigration_constant
    )
    staying = calibration.graduates_staying(flows, s.emigration_constant)
    assert f.emigrations == pytest.approx(leavers + staying)
    assert f.graduates == pytest.approx(flows.graduates)
    truth = np.clip((leavers + staying) / flows.graduates, 0, 1)
    assert s.perceived_prospect == pytest.approx(education.perception_target(model, truth))
    assert model.last_flows.emigrations.sum() == 0  # read by the first step's perception
    blind = build(m1_incentive=False)
    assert education.enrolment_probability(blind) == pytest.approx(blind.state.enrolment_start)


def test_first_years_true_prospect_is_clipped_at_one():
    """Where the first year's expected emigrants outnumber the graduates (few students, many
    skilled people at home), the true prospect is 1, not more."""
    from simulation.mechanisms import education

    world = small_world()
    countries = world.countries.copy()
    countries.loc[1, "tertiary_ger"] = 0.002  # C01: hardly any students
    model = build(dataclasses.replace(world, countries=countries))
    f = model.flows
    ratio = f.emigrations / f.graduates
    assert ratio[1] > 1 and (ratio < 1).any()
    truth = np.minimum(ratio, 1.0)
    assert model.state.perceived_prospect == pytest.approx(
        education.perception_target(model, truth)
    )


def test_pieces_to_small_destinations_come_from_stayers_of_the_class():
    from simulation.mechanisms.migration import (
        Choice,
        _pieces_to_small_destinations,
        weight_caps,
    )

    model = fresh(agent_weight_cap=0.001)
    pop = model.pop
    cap = weight_caps(model)
    rows = np.flatnonzero((pop.kind == WORKER) & (pop.location == pop.origin))
    rows = rows[np.isin(pop.origin[rows], [1, 2, 4])]
    klass = np.searchsorted([1, 2, 4], pop.origin[rows])  # classes 0, 1, 2
    staying = (np.arange(len(rows)) % 3 != 0) & (klass != 2)  # class 2 has no stayers
    elsewhere = np.full(len(rows), 0.5)
    mass = np.bincount(klass, pop.weight[rows] * elsewhere)
    small = np.zeros((3, N), bool)
    small[:, [0, 3]] = True
    pieces = np.array([[2, 0, 0, 3, 0], [1, 0, 0, 2, 0], [2, 0, 0, 1, 0]])
    destinations = pieces * cap[None, :] / mass[:, None]
    destinations[:, 1] = 1 - destinations.sum(axis=1)  # a big destination takes the rest
    assert (destinations >= 0).all()
    choice = Choice(
        rows=rows,
        stay=np.full(len(rows), 0.3),
        home=np.full(len(rows), 0.2),
        elsewhere=elsewhere,
        agent_class=klass,
        destinations=destinations,
        class_weight=np.bincount(klass, pop.weight[rows]) / np.bincount(klass),
    )
    out = _pieces_to_small_destinations(model, choice, small, staying, np.random.default_rng(1))
    assert out is not None
    parents, where, weight = out
    cls = klass[np.searchsorted(rows, parents)]
    got = np.zeros((3, N), int)
    np.add.at(got, (cls, where), 1)
    expected = pieces.copy()
    expected[2] = 0  # nobody of class 2 stays: no parent for its pieces
    assert got.tolist() == expected.tolist()
    assert staying[np.searchsorted(rows, parents)].all()
    assert weight == pytest.approx(np.minimum(cap[where], pop.weight[parents]))
    assert len(set(parents[cls == 0])) > 1  # each piece draws its own parent
    used = np.bincount(parents, weight, minlength=pop.n)
    assert (used <= pop.weight * (1 + 1e-12)).all()


def test_pieces_are_rounded_cell_by_cell_and_split_off_their_own_class():
    """Each (class, destination) cell's count is rounded with its own draw, and its pieces
    are split off agents of that class."""
    from simulation.mechanisms.migration import (
        Choice,
        _pieces_to_small_destinations,
        weight_caps,
    )

    model = fresh(agent_weight_cap=0.001)
    pop = model.pop
    cap = weight_caps(model)
    rows = np.flatnonzero((pop.kind == WORKER) & (pop.weight > 2 * cap[[0, 3, 4]].max()))[:60]
    assert len(rows) == 60
    klass = np.arange(len(rows))  # one agent per class
    target = np.array([0, 3, 4])[klass % 3]  # each class sends to one small destination
    elsewhere = np.full(len(rows), 0.5)
    small = np.zeros((len(rows), N), bool)
    small[klass, target] = True
    destinations = np.zeros((len(rows), N))
    destinations[klass, target] = 0.5 * cap[target] / (pop.weight[rows] * 0.5)  # half a piece
    destinations[:, 1] = 1 - destinations.sum(axis=1)
    assert (destinations >= 0).all()
    choice = Choice(
        rows, elsewhere, elsewhere * 0, elsewhere, klass, destinations, pop.weight[rows]
    )
    staying = np.ones(len(rows), bool)
    out = _pieces_to_small_destinations(model, choice, small, staying, np.random.default_rng(2))
    assert out is not None
    parents, where, _ = out
    assert 15 <= len(parents) <= 45
    assert (target[np.searchsorted(rows, parents)] == where).all()
    last = len(rows) - 1  # the last class in order, too: one sure piece
    destinations[last, target[last]] = cap[target[last]] / (0.5 * pop.weight[rows[last]])
    destinations[last, 1] = 1 - destinations[last, target[last]]
    choice = Choice(
        rows, elsewhere, elsewhere * 0, elsewhere, klass, destinations, pop.weight[rows]
    )
    parents, where, _ = _pieces_to_small_destinations(
        model, choice, small, staying, np.random.default_rng(3)
    )
    assert rows[last] in parents
    assert (target[np.searchsorted(rows, parents)] == where).all()


def test_sample_by_class_after_a_row_that_sums_above_one():
    probs = np.array([[0.6, 0.6, 0.0], [1.0, 0.0, 0.0]])
    assert sample_by_class(probs, np.array([1, 1]), np.array([0.1, 0.9])).tolist() == [0, 0]


def test_enrolment_without_demand_at_home():
    """A country whose youths do not enrol sends no students; a tiny demand is still met."""
    from scipy.special import logit

    from simulation.mechanisms import education

    model = fresh()
    s, pop = model.state, model.pop
    model.year += 1
    cohort = education.youth_cohort(model)
    rest = logit(education.enrolment_probability(model)) - s.enrol_cost
    s.enrol_cost[1] = -np.inf  # nobody enrols in C01
    s.enrol_cost[2] = logit(0.5 / cohort[2]) - rest[2]  # half a person wants to study
    n_before = pop.n
    model.flows.reset()
    education.enrol(model)
    new = np.arange(n_before, pop.n)
    assert not (pop.origin[new] == 1).any()
    assert model.flows.new_students[1] == 0.0
    home = new[(pop.origin[new] == 2) & (pop.location[new] == 2)]
    share = np.diag(education.study_places(model, False))[2] * 0.92
    share += np.diag(education.study_places(model, True))[2] * 0.08
    assert pop.weight[home].sum() == pytest.approx(0.5 * share)
    assert np.isfinite(pop.weight).all()


def test_add_students_makes_home_cells_exactly_and_abroad_cells_in_expectation():
    from simulation.mechanisms import education

    model = fresh(ability_spread=0.25)
    pop = model.pop
    cells = np.zeros((N, N))
    cells[np.diag_indices(N)] = [1000.0, 2500.0, 10.0, 0.0, 400.0]
    unit = np.full((N, N), 300.0)
    off = ~np.eye(N, dtype=bool)
    cells[off] = 150.0  # half an agent in every abroad cell
    n_before, entered = pop.n, model.entered.copy()
    education.add_students(model, cells, unit, True, np.random.default_rng(4))
    new = np.arange(n_before, pop.n)
    o, loc, w = pop.origin[new], pop.location[new], pop.weight[new]
    home = o == loc
    for k, (people, agents) in enumerate([(1000, 4), (2500, 9), (10, 1), (0, 0), (400, 2)]):
        mine = home & (o == k)
        assert mine.sum() == agents and w[mine] == pytest.approx(people / max(agents, 1))
    abroad = (~home).sum()
    assert 5 <= abroad <= 15 and (w[~home] == 300.0).all()  # 20 cells of half an agent
    assert model.entered - entered == pytest.approx(np.bincount(o, w, minlength=N))
    assert (pop.doctorate[new]).all() and (pop.study_left[new] == 8).all()
    assert (pop.kind[new] == STUDENT).all() and (pop.degree_country[new] == loc).all()
    many = np.zeros((N, N))
    many[1, 1] = 1e6
    before = pop.n
    education.add_students(model, many, np.full((N, N), 1000.0), False, np.random.default_rng(5))
    log_skill = np.log(pop.skill[before:])
    assert len(log_skill) == 1000 and abs(log_skill.mean()) < 0.05
    assert log_skill.std() == pytest.approx(0.25, abs=0.03)
    assert (pop.study_left[before:] == 4).all() and not pop.doctorate[before:].any()
    tiny = np.zeros((N, N))  # agents lighter than a person: counts by the unit all the same
    tiny[2, 2], tiny[2, 0] = 0.5, 0.25
    before = pop.n
    education.add_students(model, tiny, np.full((N, N), 0.1), False, np.random.default_rng(6))
    new = np.arange(before, pop.n)
    home = pop.location[new] == 2
    assert home.sum() == 5 and pop.weight[new][home] == pytest.approx(np.full(5, 0.1))
    assert (~home).sum() in (2, 3) and pop.weight[new][~home] == pytest.approx(0.1)


def test_migration_step_moves_workers_only_and_draws_for_each():
    """Everyone who considers moves (strong pulls): half the workers consider, each with its
    own draw; students never move in M4."""
    from simulation.mechanisms.migration import migration_step

    model = fresh()
    model.params = model.params.replace(
        consider_rate_young=0.5,
        consider_rate_mid=0.5,
        consider_rate_old=0.5,
        consider_rate_recent=0.5,
    )
    s, pop = model.state, model.pop
    s.emigration_constant[:] = 30.0  # at home: leave
    s.return_incentive[:] = 30.0  # abroad: go home
    students = pop.kind == STUDENT
    location, uid = pop.location.copy(), pop.uid.copy()
    workers = (~students).sum()
    migration_step(model, np.zeros(0, np.int64))
    old = np.isin(pop.uid, uid)
    assert (pop.location[old & (pop.kind == STUDENT)] == location[students]).all()
    moved = (pop.location[old] != location[np.isin(uid, pop.uid)]).sum()
    assert 0.35 * workers < moved < 0.65 * workers


def earlier_location(pop, uid: np.ndarray, location: np.ndarray) -> np.ndarray:
    """Each live agent's location at the time `uid` and `location` were taken (-1: new)."""
    idx = np.minimum(np.searchsorted(uid, pop.uid), len(uid) - 1)
    return np.where(uid[idx] == pop.uid, location[idx], -1)


def test_migration_step_realises_the_choice_probabilities():
    """Everyone considers a move: the realised flows match the choice probabilities."""
    from simulation.mechanisms.migration import choice_probabilities, migration_step

    model = build(agents_per_country=10_000)
    model.params = model.params.replace(
        consider_rate_young=1.0,
        consider_rate_mid=1.0,
        consider_rate_old=1.0,
        consider_rate_recent=1.0,
    )
    pop = model.pop
    workers = np.flatnonzero(pop.kind == WORKER)
    choice = choice_probabilities(model, workers, np.zeros(len(workers)))
    w = pop.weight[workers]
    home = pop.location[workers] == pop.origin[workers]
    mass = (w * choice.elsewhere)[:, None] * choice.destinations[choice.agent_class]
    expected_to = mass.sum(axis=0)
    uid, location, total = pop.uid.copy(), pop.location.copy(), pop.weight.sum()
    model.flows.reset()
    migration_step(model, np.zeros(0, np.int64))
    f = model.flows
    assert f.emigrations.sum() == pytest.approx((w * choice.elsewhere)[home].sum(), rel=0.12)
    assert f.returns.sum() == pytest.approx((w * choice.home)[~home].sum(), rel=0.12)
    assert f.onward_moves.sum() == pytest.approx((w * choice.elsewhere)[~home].sum(), rel=0.12)
    assert pop.weight.sum() == pytest.approx(total)
    moved = pop.location != earlier_location(pop, uid, location)
    arrived = moved & (pop.location != pop.origin)
    got = np.bincount(pop.location[arrived], pop.weight[arrived], minlength=N)
    assert got == pytest.approx(expected_to, rel=0.2, abs=0.02 * expected_to.sum())


def test_whole_agents_move_only_where_their_class_is_not_moved_in_pieces():
    from simulation.mechanisms.migration import (
        choice_probabilities,
        migration_step,
        weight_caps,
    )

    model = fresh(agent_weight_cap=0.001)
    model.params = model.params.replace(
        consider_rate_young=1.0,
        consider_rate_mid=1.0,
        consider_rate_old=1.0,
        consider_rate_recent=1.0,
    )
    model.state.adults_start[4] *= 1e-3  # the last country is too small for any class
    pop = model.pop
    workers = np.flatnonzero(pop.kind == WORKER)
    choice = choice_probabilities(model, workers, np.zeros(len(workers)))
    small = choice.class_weight[:, None] > weight_caps(model)[None, :]
    assert small.any() and (~small).any() and small[:, 4].all()
    uid, location, n_before = pop.uid.copy(), pop.location.copy(), pop.n
    migration_step(model, np.zeros(0, np.int64))
    before = earlier_location(pop, uid, location)
    moved_on = (before >= 0) & (pop.location != before) & (pop.location != pop.origin)
    assert moved_on.any() and pop.n > n_before  # whole moves and pieces both happened
    rows = np.searchsorted(uid[workers], pop.uid[moved_on])
    assert not small[choice.agent_class[rows], pop.location[moved_on]].any()


def test_workers_leaving_home_in_pieces_are_counted_once():
    """Everyone at home, everyone considers: what left home is the year's emigration, whole
    agents and pieces alike."""
    from simulation.mechanisms.migration import migration_step

    model = fresh(agent_weight_cap=0.001)
    model.params = model.params.replace(
        consider_rate_young=1.0, consider_rate_mid=1.0, consider_rate_old=1.0
    )
    pop = model.pop
    workers = pop.kind == WORKER
    pop.column("location")[workers] = pop.origin[workers]
    before = np.bincount(pop.origin[workers], pop.weight[workers], minlength=N)
    n_before = pop.n
    model.flows.reset()
    migration_step(model, np.zeros(0, np.int64))
    assert pop.n > n_before  # pieces left
    workers = pop.kind == WORKER
    home = workers & (pop.location == pop.origin)
    after = np.bincount(pop.origin[home], pop.weight[home], minlength=N)
    assert model.flows.emigrations == pytest.approx(before - after)
    assert model.flows.returns.sum() == 0 and model.flows.onward_moves.sum() == 0


def test_graduates_moving_on_in_pieces_are_counted_once():
    """A foreign graduate who stays abroad is one new emigrant, also when part of its weight
    moves on to a small destination as a piece (counted after the pieces are split off, so
    never twice); a graduate moving to a third country is a new emigrant, not an onward move."""
    from simulation.mechanisms.migration import migration_step

    model = fresh(agent_weight_cap=0.001)
    model.params = model.params.replace(
        consider_rate_young=0.0,
        consider_rate_mid=0.0,
        consider_rate_old=0.0,
        consider_rate_recent=0,
    )
    pop = model.pop
    rows = abroad_workers(model)
    weight = np.bincount(pop.origin[rows], pop.weight[rows], minlength=N)
    n_before = pop.n
    model.flows.reset()
    migration_step(model, rows)
    assert pop.n > n_before  # some pieces moved on
    f = model.flows
    assert f.graduate_returns + f.emigrations == pytest.approx(weight)
    assert f.onward_moves.sum() == 0 and f.returns.sum() == 0


def test_displacement_destinations_of_a_country_with_nowhere_to_go():
    from simulation.mechanisms.shocks import displacement_destinations

    world = small_world()
    d = world.distance_km
    d[1, :] = 1e9  # nowhere within reach
    d[2, :] = 2.2e4  # barely within reach: tiny weights, still shares
    d[1, 1] = d[2, 2] = 0.0
    where = displacement_destinations(build(world))
    assert (where[1] == 0).all()
    assert where[2].sum() == pytest.approx(1.0)


def test_displacement_from_two_countries_takes_each_ones_residents():
    from simulation.mechanisms.migration import weight_caps
    from simulation.mechanisms.shocks import displace_across_borders

    model = fresh(agent_weight_cap=0.001)
    s, c, pop = model.state, model.corridors, model.pop
    share = np.array([0.0, 0.2, 0.1, 0.0, 0.0])
    c.displaced[:] = 5.0  # displaced of earlier years stay counted
    skilled = model.skilled_residents()
    students = pop.kind == STUDENT
    student_uid, student_location = pop.uid[students].copy(), pop.location[students].copy()
    unskilled = s.unskilled.copy()
    kind = pop.kind.copy()
    uid, weight, location = pop.uid.copy(), pop.weight.copy(), pop.location.copy()
    displace_across_borders(model, share)
    # pieces are split off residents, who stay: the weight they lost left their country
    old = np.isin(uid, pop.uid)
    lost = np.bincount(location[old], weight[old] - pop.weight[np.isin(pop.uid, uid)], minlength=N)
    # each (country, destination) count of pieces is rounded: at most a piece off per cell
    agents = np.bincount(location[kind == WORKER], minlength=N)
    piece = np.minimum(weight_caps(model)[None, :], (skilled / np.maximum(agents, 1))[:, None])
    assert lost[1] == pytest.approx(0.2 * skilled[1], abs=1.5 * piece[1].sum())
    assert lost[2] == pytest.approx(0.1 * skilled[2], abs=1.5 * piece[2].sum())
    assert (lost[[0, 3, 4]] == 0).all()
    assert (c.displaced[[0, 3, 4]] == 5.0).all() and (c.displaced[1:3] > 5.0).any()
    assert c.displaced[1].sum() == pytest.approx(25 + 0.2 * unskilled[1])
    now = pop.kind == STUDENT
    assert (pop.uid[now] == student_uid).all() and (pop.location[now] == student_location).all()


def test_environmental_moves_add_to_the_years_flows():
    from simulation.mechanisms.migration import relocate

    model = fresh()
    pop, flows = model.pop, model.flows
    home = np.flatnonzero((pop.kind == WORKER) & (pop.origin == 2) & (pop.location == 2))[:2]
    flows.reset()
    flows.env_emigrations[:] = 1.0
    relocate(model, home, np.array([0, 3]), np.zeros(2, bool), displaced=True)
    assert flows.env_emigrations == pytest.approx([1, 1, 1 + pop.weight[home].sum(), 1, 1])
    assert flows.emigrations.sum() == 0 and pop.displaced[home].all()


def test_recognition_on_arrival_draws_for_each_mover():
    from simulation.mechanisms.recognition import draw_recognition

    model = fresh()
    rows = np.flatnonzero(model.pop.kind == WORKER)
    model.corridors.recognition[:] = 0.5
    recognised = draw_recognition(model, rows, np.full(len(rows), 3))
    assert recognised.shape == rows.shape and 0.35 < recognised.mean() < 0.65


def test_displacement_pieces_by_hand():
    """Per (country hit, destination) the number of pieces is the expected skilled flow over
    the unit (the weight cap there, or the country's mean skilled agent if lighter), rounded
    with a draw of its own; a country with one skilled agent gives pieces of that agent."""
    from simulation.mechanisms.migration import weight_caps
    from simulation.mechanisms.shocks import displace_across_borders, displacement_destinations

    model = fresh(agent_weight_cap=0.002)
    pop = model.pop
    share = np.array([0.0, 0.3, 0.2, 0.0, 0.1])
    workers = pop.kind == WORKER
    here = np.bincount(pop.location[workers], pop.weight[workers], minlength=N)
    agents = np.bincount(pop.location[workers], minlength=N)
    unit = np.minimum(weight_caps(model)[None, :], (here / agents)[:, None])
    where = displacement_destinations(model)
    uniforms = copy.deepcopy(model).stream("displacement").random((N, N))
    count = stochastic_round((share * here)[:, None] * where / unit, uniforms)
    assert (count > 0).sum() >= 6
    n_before = pop.n
    displace_across_borders(model, share)
    new = np.arange(n_before, pop.n)
    arrived = np.bincount(pop.location[new], minlength=N)
    assert arrived.tolist() == count.sum(axis=0).tolist()
    # one skilled agent in country 3: its pieces weigh what it weighs (cap permitting)
    lone = fresh(agent_weight_cap=0.05)
    pop = lone.pop
    in_three = np.flatnonzero((pop.kind == WORKER) & (pop.location == 3))
    pop.column("location")[in_three[1:]] = 0
    weight = pop.weight[in_three[0]]
    n_before = pop.n
    displace_across_borders(lone, np.array([0.0, 0.0, 0.0, 0.9, 0.0]))
    new = np.arange(n_before, pop.n)
    cap = weight_caps(lone)[pop.location[new]]
    assert len(new) and (cap > weight / 2).any()  # a half-weight piece would differ
    assert pop.weight[new] == pytest.approx(np.minimum(cap, weight))


def test_later_recognition_draws_for_each_worker():
    from simulation.mechanisms.recognition import later_recognition_and_skill

    model = fresh(later_recognition_rate=0.5)
    pop = model.pop
    workers = pop.kind == WORKER
    pop.column("recognised")[workers] = False
    model.corridors.recognition[:] = 1.0
    later_recognition_and_skill(model)
    share = pop.recognised[workers].mean()
    assert 0.35 < share < 0.65


def test_lottery_winners_of_an_origin_spread_over_its_destinations():
    from simulation.mechanisms.education import lottery_destinations
    from simulation.mechanisms.graduation import emigration_lottery

    model = fresh(use_fixed_prospect=True, fixed_prospect=1.0)
    pop = model.pop
    probs = lottery_destinations(model)
    rows = np.flatnonzero((pop.kind == WORKER) & (pop.location == pop.origin))
    spread = (probs > 0.05).sum(axis=1) * np.bincount(pop.origin[rows], minlength=N)
    origin = int(np.argmax(spread))
    assert (probs[origin] > 0.05).sum() >= 2
    rows = rows[pop.origin[rows] == origin]
    assert len(rows) >= 10
    emigration_lottery(model, rows)
    assert len(set(pop.location[rows].tolist())) >= 2


def test_country_metrics_by_hand():
    from simulation.metrics import country_metrics

    model = fresh()
    model.step()
    s, c, pop = model.state, model.corridors, model.pop
    rng = np.random.default_rng(8)
    c.displaced[:] = rng.uniform(0, 1000, (N, N))
    s.unskilled_immigrants[:] = s.unskilled * 0.1
    s.unskilled[3] = s.unskilled_immigrants[3]  # no unskilled natives left: floored at 0
    pop.column("recognised")[:] = rng.random(pop.n) < 0.7
    pop.column("displaced")[:] = rng.random(pop.n) < 0.1
    pop.column("weight")[abroad_workers(model)[0]] *= 2  # changed since last year's record
    studying_abroad = (pop.kind == STUDENT) & (pop.location != pop.origin)
    pop.column("weight")[studying_abroad] *= rng.uniform(0.5, 2.0, studying_abroad.sum())
    from_four = studying_abroad & (pop.origin == 4)
    pop.column("location")[from_four] = 4  # C04 has no students abroad: no dispersion
    m = country_metrics(model)

    def by(index, mask):
        return np.bincount(index[mask], pop.weight[mask], minlength=N)

    workers, students = pop.kind == WORKER, pop.kind == STUDENT
    abroad = pop.location != pop.origin
    residents = by(pop.location, workers)
    natives = by(pop.location, workers & ~abroad)
    emigrants = by(pop.origin, workers & abroad)
    iab = c.iab_destination[pop.location]
    unskilled_natives = np.maximum(s.unskilled - s.unskilled_immigrants - c.displaced.sum(0), 0)
    assert unskilled_natives[3] == 0 and (unskilled_natives > 0).any()
    outbound = by(pop.origin, students & abroad)
    expected = {
        "year": np.full(N, 2001),
        "adult_residents": residents + s.unskilled,
        "skilled_residents": residents,
        "skilled_natives": natives,
        "adult_natives": natives + unskilled_natives,
        "skilled_emigrants": emigrants,
        "skilled_emigrants_iab20": by(pop.origin, workers & abroad & iab),
        "unrecognised_emigrants": by(pop.origin, workers & abroad & ~pop.recognised),
        "students_enrolled": by(pop.location, students),
        "students_outbound": outbound,
        "students_inbound": by(pop.location, students & abroad),
        "displaced_abroad": c.displaced.sum(axis=1) + by(pop.origin, pop.displaced),
        "knowledge_transfer": s.knowledge_transfer,
        "remittances": s.remittances,
        "active_corridors": (c.skilled_diaspora > 0).sum(axis=1),
        "skilled_pool": emigrants + residents,
        "skilled_pool_iab20": by(pop.origin, workers & abroad & iab) + residents,
        "skilled_emigrants_before": model.records[-1]["skilled_emigrants"],
        "diaspora_concentration": _herfindahl(c.skilled_diaspora),
        "wage_skilled": s.wage_skilled,
        "wage_unskilled": s.wage_unskilled,
        "gdppc": s.gdppc * s.productivity,
        "productivity": s.productivity,
        "ict": s.ict,
        "edu_quality": s.edu_quality,
        "shock_intensity": s.shock,
        "perceived_prospect": s.perceived_prospect,
        "conservation_error": model.conservation_error(),
        **model.flows.as_dict(),
    }
    matrix = np.zeros((N, N))
    mask = students & abroad
    np.add.at(matrix, (pop.origin[mask], pop.location[mask]), pop.weight[mask])
    expected["mobility_dispersion"] = np.where(outbound > 0, 1 - _herfindahl(matrix), 0.0)
    assert outbound[4] == 0 and (outbound[:4] > 0).all()
    assert not np.allclose(expected["skilled_emigrants_before"], emigrants)
    for name, value in expected.items():
        assert m[name] == pytest.approx(value), name
    for name, spec in METRICS.items():
        if spec.aggregate == "ratio" and spec.numerator in m and spec.denominator in m:
            assert m[name] == pytest.approx(safe_ratio(m[spec.numerator], m[spec.denominator]))
    assert m["immigration_effect"] == pytest.approx(m["human_capital"] - m["native_human_capital"])
    model.records.clear()  # the first record: last year's emigrants are this year's
    assert country_metrics(model)["skilled_emigrants_before"] == pytest.approx(emigrants)
    other = copy.deepcopy(model.flows)  # the flows given (e.g. the start year's) are reported
    other.emigrations[:] = 7.0
    assert country_metrics(model, other)["emigrations"] == pytest.approx(np.full(N, 7.0))


def test_records_keep_their_values_while_the_run_goes_on():
    model = fresh(knowledge_productivity=20.0, max_productivity_gain=0.05)
    for _ in range(3):
        model.step()
    saved = [{k: np.array(v, copy=True) for k, v in r.items()} for r in model.records]
    policy.apply_event(model, PolicyEvent("education_quality", 2004, ("all",), value=0.2))
    model.state.perceived_prospect += 0.1
    model.state.knowledge_transfer[:] += 1.0
    model.state.remittances[:] += 1.0
    model.state.shock[:] += 0.1
    model.state.ict[:] *= 0.5
    model.state.wage_skilled[:] *= 2
    model.state.wage_unskilled[:] *= 2
    model.state.productivity[:] *= 1.5
    model.flows.emigrations[:] += 1.0
    for _ in range(2):
        model.step()
    for before, after in zip(saved, model.records, strict=False):
        for name, value in before.items():
            np.testing.assert_array_equal(after[name], value, err_msg=name)


def test_ageing_a_year_bin_by_bin_for_large_tables_is_the_rule():
    """The start calibration ages its cohort table a year at a time; large tables (the default
    world's candidate grid) take a bin-by-bin path that small test worlds never reach: both
    paths must give the rule's numbers (a bin's 1 / width moves up, the oldest bin's retire)."""
    from simulation.mechanisms.calibration import _age_a_year

    rng = np.random.default_rng(8)
    for rows in (10, 1100):  # below and above the 1024-row switch
        stock = rng.uniform(0, 100, (rows, 8))
        moving = stock / 5.0
        expected = stock - moving
        expected[:, 1:] += moving[:, :-1]
        aged = stock.copy()
        _age_a_year(aged, 5.0, np.empty_like(aged))
        assert aged.tobytes() == expected.tobytes()
