"""Property tests over random parameters: probabilities stay probabilities, people are conserved,
nothing turns into NaN."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simulation import METRICS, PARAMETERS, MigrationModel, Params, synthetic_world
from simulation.choice import (
    classes_of,
    logit_probabilities,
    nonzero_cells,
    pick_option,
    row_max,
    row_sum,
    sample_by_class,
)
from simulation.mechanisms.education import enrolment_probability, study_utility
from simulation.mechanisms.migration import emigration_destinations
from simulation.metrics import metrics_frame

SHARES = (
    "skilled_emigration_rate",
    "human_capital",
    "brain_waste_rate",
    "enrolment_rate",
    "mobility_dispersion",
    "diaspora_concentration",
    "ict",
    "edu_quality",
    "shock_intensity",
)
WORLD = synthetic_world(5, seed=4)
SAMPLED = [s for s in PARAMETERS if s.name not in ("agents_per_country",)]


@st.composite
def parameter_sets(draw) -> Params:
    values = {}
    for spec in SAMPLED:
        if spec.kind is bool:
            values[spec.name] = draw(st.booleans())
        elif spec.kind is int:
            values[spec.name] = draw(st.integers(int(spec.low), int(spec.high)))
        else:
            values[spec.name] = draw(
                st.floats(spec.low, spec.high, allow_nan=False, allow_infinity=False)
            )
    return Params(agents_per_country=20, **values)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=parameter_sets(), seed=st.integers(0, 2**32 - 1), emigration=st.booleans())
def test_random_parameters_keep_the_model_sound(params, seed, emigration):
    model = MigrationModel(WORLD, params, rng=seed, emigration=emigration)
    for _ in range(4):
        model.step()
        assert np.all(np.abs(model.conservation_error()) <= 1e-9 * model.entered + 1e-6)
        for probs in (model.corridors.recognition, emigration_destinations(model)):
            assert np.all((probs >= 0) & (probs <= 1))
        p = enrolment_probability(model)
        assert np.all((p >= 0) & (p <= 1))
        assert np.allclose(logit_probabilities(study_utility(model, False)).sum(axis=1), 1)
    frame = metrics_frame(model.records, WORLD.codes)
    simulated = frame[frame.year > WORLD.start_year]  # the start row has no flows (NaN)
    numbers = simulated.drop(columns=["country"]).to_numpy(dtype=float)
    assert np.isfinite(numbers).all()
    frame = frame.fillna(0.0)
    for name in SHARES:
        assert frame[name].between(0, 1 + 1e-9).all(), name
    counts = [m for m, spec in METRICS.items() if spec.aggregate == "sum" and m in frame]
    counts.remove("conservation_error")
    assert (frame[counts] >= -1e-6).all().all()


@given(
    utility=arrays(np.float64, (4, 6), elements=st.floats(-50, 50)),
    uniforms=arrays(np.float64, 40, elements=st.floats(0, 1, exclude_max=True)),
)
def test_sampling_picks_only_options_with_probability(utility, uniforms):
    utility[:, 2] = -np.inf  # an unavailable option
    probs = logit_probabilities(utility)
    assert np.allclose(probs.sum(axis=1), 1)
    classes = np.arange(40) % 4
    picks = sample_by_class(probs, classes, uniforms)
    assert ((picks >= 0) & (picks < 6)).all()
    assert (probs[classes, picks] > 0).all()


def test_sampling_frequencies_match_probabilities():
    rng = np.random.default_rng(0)
    probs = np.array([[0.1, 0.6, 0.3], [0.5, 0.0, 0.5]])
    classes = np.repeat([0, 1], 50_000)
    picks = sample_by_class(probs, classes, rng.random(len(classes)))
    for k in (0, 1):
        freq = np.bincount(picks[classes == k], minlength=3) / 50_000
        assert np.allclose(freq, probs[k], atol=0.01)


@given(keys=arrays(np.int64, (30, 3), elements=st.integers(0, 4)))
def test_classes_round_trip(keys):
    unique, agent_class = classes_of([keys[:, 0], keys[:, 1], keys[:, 2]], [5, 5, 5])
    assert np.array_equal(unique[agent_class], keys)
    assert len(np.unique(unique, axis=0)) == len(unique)


@given(
    matrix=arrays(
        np.int64, st.tuples(st.integers(0, 6), st.integers(1, 6)), elements=st.integers(0, 2)
    )
)
def test_nonzero_cells_is_nonzero_in_the_same_order(matrix):
    rows, cols = nonzero_cells(matrix)
    expected_rows, expected_cols = np.nonzero(matrix)
    assert np.array_equal(rows, expected_rows) and np.array_equal(cols, expected_cols)


@given(
    matrix=arrays(
        np.float64,
        st.tuples(st.integers(0, 40), st.integers(1, 7)),
        elements=st.floats(-1e6, 1e6) | st.just(-np.inf) | st.floats(1e-300, 1e-290),
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_row_maxima_sums_and_picks_are_numpys_to_the_bit(matrix, seed):
    """Narrow matrices are reduced column by column for speed: the same bits as numpy's."""
    assert row_max(matrix).tobytes() == matrix.max(axis=1, keepdims=True).tobytes()
    size = np.abs(np.where(np.isfinite(matrix), matrix, 0.0))
    assert row_sum(size).tobytes() == size.sum(axis=1, keepdims=True).tobytes()
    probs = size / np.maximum(size.sum(axis=1, keepdims=True), 1e-300)
    uniforms = np.random.default_rng(seed).random(len(matrix))
    by_cumsum = (uniforms[:, None] >= np.cumsum(probs, axis=1)[:, :-1]).sum(axis=1)
    assert np.array_equal(pick_option(probs, uniforms), by_cumsum)


def test_narrow_row_sums_add_in_numpys_order():
    """Random magnitudes make the order of additions show in the last bits."""
    rng = np.random.default_rng(5)
    for columns in range(1, 8):
        weight = np.exp(20 * rng.normal(size=(20_000, columns)))
        assert row_sum(weight).tobytes() == weight.sum(axis=1, keepdims=True).tobytes()


def test_a_shock_at_a_severity_cap_of_one_leaves_wages_positive():
    """Found by the property test above: severity_cap = 1 with a strong shock wiped wages out,
    log(wage) became undefined and NaN reached the enrolment counts."""
    from simulation.mechanisms.economy import set_wages

    params = Params(agents_per_country=20, severity_cap=1.0, shock_wage_damage=2.0)
    model = MigrationModel(WORLD, params, rng=0)
    model.state.shock[:] = 1.0
    set_wages(model)
    assert np.all(model.state.wage_unskilled > 0) and np.all(model.state.wage_skilled > 0)
    model.step()
    assert np.all(np.isfinite(model.state.wage_skilled))
