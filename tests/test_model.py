"""The model as a whole: Mesa agents and network, determinism, conservation, counterfactual."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from simulation import (
    METRICS,
    MigrationModel,
    ParameterError,
    Params,
    PolicyEvent,
    aggregate_regions,
    load_world,
    simulate,
    simulate_with_counterfactual,
    synthetic_world,
)
from simulation.agents import Country, DiasporaNode, SkilledWorker, Student
from simulation.metrics import COUNTERFACTUAL_METRICS
from simulation.model import FLOW_NAMES
from simulation.population import STUDENT, WORKER
from simulation.run import run_to_end


def model_flow_names() -> set[str]:
    return set(FLOW_NAMES)


@pytest.fixture(scope="module")
def world():
    return load_world("teaching")


def test_default_world_has_every_country_with_data():
    world = load_world("default")
    assert world.n >= 150
    assert set(world.regions) == {"EAS", "ECS", "LCN", "MEA", "NAC", "SAS", "SSF"}


def test_teaching_world_is_small_and_covers_every_region(world):
    assert 12 <= world.n <= 20
    assert len(world.regions) == 7


def test_model_is_a_mesa_model_with_country_and_diaspora_agents(world):
    model = MigrationModel(world, Params(agents_per_country=50), rng=1)
    model.step()
    assert isinstance(model, mesa.Model)
    countries = model.agents_by_type[Country]
    assert len(countries) == world.n
    members = model.corridors.skilled_diaspora
    assert len(model.diaspora_nodes()) == int((members > 0).sum())  # built on request
    nodes = model.agents_by_type[DiasporaNode]
    assert len(nodes) == int((members > 0).sum())
    node = nodes.to_list()[0]
    assert node.members == pytest.approx(members[node.origin, node.destination])
    # country -members- node -ties- origin
    name = ("diaspora", node.origin, node.destination)
    network = model.network
    assert network.has_edge(world.codes[node.destination], name)
    assert network.has_edge(name, world.codes[node.origin])
    for _ in range(3):  # nodes stay in step after any number of steps
        model.step()
    assert set(model.diaspora_nodes()) == set(
        zip(*np.nonzero(model.corridors.skilled_diaspora), strict=True)
    )


def test_person_handles_read_their_rows(world):
    model = MigrationModel(world, Params(agents_per_country=40), rng=1)
    handles = model.person_agents()
    assert len(handles) == model.pop.n
    students = [h for h in handles if isinstance(h, Student)]
    workers = [h for h in handles if isinstance(h, SkilledWorker)]
    assert len(students) == int((model.pop.kind == STUDENT).sum())
    assert len(workers) == int((model.pop.kind == WORKER).sum())
    row = workers[5].row
    assert workers[5].origin == model.pop.origin[row]
    assert workers[5].recognised == model.pop.recognised[row]
    uid = workers[5].uid
    for _ in range(3):
        model.step()
    # handles are built on request: asking again drops those of people who left the model,
    # and every handle reads its person's live row
    current = model.person_agents()
    assert len(current) == model.pop.n
    assert all(h.alive for h in model.agents_by_type.get(SkilledWorker, []))
    survivor = [h for h in current if h.uid == uid]
    if survivor:
        row = model.pop.rows_of(np.array([uid]))[0]
        assert survivor[0].age == model.pop.age[row]


def test_person_handles_are_kept_per_person_and_follow_graduation(world):
    """A person keeps one handle while in the model (asking again gives the same objects, and
    Mesa's agent registry does not grow); a student who graduates gets a SkilledWorker handle
    in place of the Student one; handles for chosen rows are those rows' people."""
    model = MigrationModel(world, Params(agents_per_country=20), rng=3)
    first = {h.uid: h for h in model.person_agents()}
    registered = len(model.agents)
    again = model.person_agents()
    assert all(first[h.uid] is h for h in again) and len(model.agents) == registered
    assert again.random is model.random  # shuffles follow the model's seed
    assert [h.uid for h in model.person_agents([0, 2])] == model.pop.uid[[0, 2]].tolist()
    students = {h.uid for h in again if isinstance(h, Student)}
    for _ in range(6):  # long enough for students to graduate
        model.step()
    now = {h.uid: h for h in model.person_agents()}
    kept = set(first) & set(now)
    same_kind = [u for u in kept if type(now[u]) is type(first[u])]
    graduated = [u for u in kept & students if isinstance(now[u], SkilledWorker)]
    assert same_kind and graduated
    assert all(now[u] is first[u] for u in same_kind)
    assert all(first[u] not in model.agents for u in graduated)  # the Student handle left
    assert len(model.agents) == len(now) + len(model.countries) + len(model._nodes)


def test_diaspora_nodes_follow_the_corridors_with_members(world):
    model = MigrationModel(world, Params(agents_per_country=10), rng=0)
    diaspora = model.corridors.skilled_diaspora
    diaspora[:] = 0.0
    diaspora[0, 1], diaspora[2, 3] = 0.5, 100.0  # less than a person still makes a node
    assert set(model.diaspora_nodes()) == {(0, 1), (2, 3)}
    node = model.diaspora_nodes()[(2, 3)]
    diaspora[0, 1] = 0.0
    assert set(model.diaspora_nodes()) == {(2, 3)} and model.diaspora_nodes()[(2, 3)] is node


def test_terms_asked_between_years_reflect_the_current_state(world):
    """A year's destination terms are dropped when the year ends, so code that asks between
    steps (an app, a test) sees a state changed since: e.g. a destination's skilled wage."""
    from simulation.mechanisms.migration import emigration_destinations

    model = MigrationModel(world, Params(agents_per_country=10), rng=0)
    model.step()
    before = emigration_destinations(model)
    model.state.wage_skilled[3] *= 3
    after = emigration_destinations(model)
    assert (after[:, 3] > before[:, 3])[np.arange(world.n) != 3].all()


def test_the_population_version_rises_with_every_change():
    """Cached tallies (skilled residents) are keyed by the population's version: every change
    must give a version never seen before."""
    from simulation.population import Population

    pop = Population()
    seen = [pop.version]
    pop.append(4, origin=0, weight=1.0)
    seen.append(pop.version)
    pop.column("origin")
    seen.append(pop.version)
    pop.split_off(np.array([0]), np.array([0.5]))
    seen.append(pop.version)
    pop.keep(pop.weight > 0.6)
    seen.append(pop.version)
    assert seen == sorted(set(seen))


def test_population_columns_read_the_live_rows_after_every_change():
    """Column reads are kept views: appending (past the capacity), dropping rows, writing
    through column() and copying must all show in the next read, and never in a copy's."""
    import copy
    import pickle

    from simulation.population import Population

    pop = Population(capacity=2)
    pop.append(3, origin=np.array([1, 2, 3]), weight=1.0)
    assert pop.origin.tolist() == [1, 2, 3] and not pop.origin.flags.writeable
    pop.append(20, origin=7)  # grows the arrays
    assert pop.origin.tolist() == [1, 2, 3, *[7] * 20]
    pop.keep(pop.origin != 2)
    assert pop.origin.tolist() == [1, 3, *[7] * 20] and pop.uid[:2].tolist() == [0, 2]
    twin, packed = copy.deepcopy(pop), pickle.loads(pickle.dumps(pop))
    pop.column("origin")[0] = 5
    assert pop.origin[0] == 5 and twin.origin[0] == 1 and packed.origin[0] == 1
    twin.column("origin")[1] = 6
    assert twin.origin[1] == 6 and pop.origin[1] == 3


def test_rows_of_finds_live_agents_and_marks_the_gone():
    """Handles find their row by uid: -1 for an agent that is gone, whether its uid falls
    between live ones, before them, after the last, or the population is empty."""
    from simulation.population import Population

    pop = Population()
    assert pop.rows_of(np.array([0, 3])).tolist() == [-1, -1]
    pop.append(10, origin=0)  # uids 0..9
    pop.keep(~np.isin(pop.uid, [0, 4, 5, 9]))  # live uids 1, 2, 3, 6, 7, 8
    uids = np.array([3, 4, 0, 8, 9, 15, 1, 6])
    assert pop.rows_of(uids).tolist() == [2, -1, -1, 5, -1, -1, 0, 3]
    pop.keep(np.zeros(pop.n, dtype=bool))
    assert pop.rows_of(np.array([1, 2])).tolist() == [-1, -1]


def test_splitting_off_no_pieces_adds_nobody():
    from simulation.population import Population

    pop = Population()
    pop.append(3, origin=0, weight=2.0)
    children = pop.split_off(np.zeros(0, dtype=np.int64), np.zeros(0))
    assert children.dtype == np.int64 and len(children) == 0
    assert pop.n == 3 and pop.weight.tolist() == [2.0, 2.0, 2.0]


def test_initial_weights_match_the_data(world):
    """Per origin, the skilled emigrants of each kind (IAB destinations, elsewhere) add up to
    the start totals exactly, and every country's skilled residents are the table's (bar the
    floor cases, tested in test_start_state)."""
    model = MigrationModel(world, Params(agents_per_country=100), rng=0)
    pop = model.pop
    n = world.n
    abroad = (pop.kind == WORKER) & (pop.location != pop.origin)
    iab = model.corridors.iab_destination[pop.location]
    expected = model.start_totals["skilled_emigrants"]
    for mask, columns in ((abroad & iab, iab_mask(world)), (abroad & ~iab, ~iab_mask(world))):
        got = np.bincount(pop.origin[mask], pop.weight[mask], minlength=n)
        assert np.allclose(got, expected[:, columns].sum(axis=1), rtol=1e-9)
    per_origin = np.bincount(pop.origin, minlength=n)
    assert per_origin.min() > 0


def iab_mask(world) -> np.ndarray:
    return world.column("iab_destination") > 0


def test_same_seed_same_results_different_seed_different(world):
    params = Params(agents_per_country=60)
    a = simulate(world, params, years=6, seed=11)
    b = simulate(world, params, years=6, seed=11)
    c = simulate(world, params, years=6, seed=12)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_seed_sequence_seeds_are_accepted(world):
    seq = np.random.SeedSequence(5, spawn_key=(3,))
    a = simulate(world, Params(agents_per_country=30), years=2, seed=seq)
    b = simulate(
        world,
        Params(agents_per_country=30),
        years=2,
        seed=np.random.SeedSequence(5, spawn_key=(3,)),
    )
    pd.testing.assert_frame_equal(a, b)
    again = simulate(world, Params(agents_per_country=30), years=2, seed=seq)  # reused object
    pd.testing.assert_frame_equal(a, again)


def test_conservation_every_step(world):
    model = MigrationModel(world, Params(agents_per_country=80), rng=3)
    for _ in range(12):
        model.step()
        error = model.conservation_error()
        assert np.all(np.abs(error) <= 1e-9 * model.entered + 1e-6)
        # every person is in exactly one place
        assert np.all((model.pop.location >= 0) & (model.pop.location < world.n))


def test_metrics_frame_is_tidy(world):
    frame = simulate(world, Params(agents_per_country=30), years=3, seed=0)
    assert list(frame.columns[:2]) == ["year", "country"]
    assert len(frame) == (1 + 3) * world.n  # the start year, then every simulated year
    assert frame.year.min() == world.start_year
    assert frame.groupby("year").size().eq(world.n).all()
    expected = [m for m in METRICS if m not in COUNTERFACTUAL_METRICS]
    assert list(frame.columns[2:]) == expected
    start = frame[frame.year == world.start_year]
    flows = [m for m in start.columns[2:] if start[m].isna().any()]
    assert set(flows) <= {*model_flow_names(), "return_rate", "enrolment_rate"}
    assert not frame[frame.year > world.start_year].isna().any().any()


def test_uis_and_docquier_marfouk_definitions(world):
    frame = simulate(world, Params(agents_per_country=60), years=2, seed=0)
    row = frame.iloc[-1]
    assert row.outbound_mobility_ratio == pytest.approx(
        row.students_outbound / row.students_enrolled
    )
    assert row.inbound_mobility_rate == pytest.approx(row.students_inbound / row.students_enrolled)
    assert row.skilled_emigration_rate == pytest.approx(
        row.skilled_emigrants / (row.skilled_emigrants + row.skilled_residents)
    )
    assert row.human_capital == pytest.approx(row.skilled_residents / row.adult_residents)


def test_region_aggregation_recomputes_ratios(world):
    frame = simulate(world, Params(agents_per_country=30), years=2, seed=0)
    regions = world.countries.set_index("iso3")["region"]
    agg = aggregate_regions(frame, regions)
    ssf = frame[frame.country.map(regions) == "SSF"]
    got = agg[(agg.country == "SSF") & (agg.year == 2002)].iloc[0]
    last = ssf[ssf.year == 2002]
    assert got.skilled_emigrants == pytest.approx(last.skilled_emigrants.sum())
    assert got.human_capital == pytest.approx(
        last.skilled_residents.sum() / last.adult_residents.sum()
    )


def test_net_brain_gain_uses_the_counterfactual(world):
    frame = simulate_with_counterfactual(world, Params(agents_per_country=40), years=4, seed=2)
    alone = simulate(world, Params(agents_per_country=40), years=4, seed=2, emigration=False)
    # the twin's natives at home, with this run's immigrants
    immigrants = frame.skilled_residents - frame.skilled_natives
    assert np.allclose(frame.skilled_residents_no_emigration, alone.skilled_natives + immigrants)
    adults = alone.adult_natives + frame.adult_residents - frame.adult_natives
    assert np.allclose(frame.adult_residents_no_emigration, adults)
    counter = frame.skilled_residents_no_emigration / frame.adult_residents_no_emigration
    assert np.allclose(frame.net_brain_gain, frame.human_capital - counter)
    assert frame.net_brain_gain.abs().sum() > 0
    start = frame[frame.year == world.start_year]
    assert np.allclose(start.net_brain_gain, 0.0)  # nobody has moved yet


def test_a_twin_recording_natives_records_the_same_natives(world):
    """The twin of a paired run records only its natives at home: the same numbers, to the
    bit, as a twin recording every metric; no datacollector can read such records."""
    model = MigrationModel(world, Params(agents_per_country=40), rng=4, years=3, collect_data=False)
    full, natives = model.twin(), model.twin(recording="natives")
    for twin in (full, natives):
        while twin.running:
            twin.step()
    assert len(natives.records) == len(full.records) == 4
    for lean, every in zip(natives.records, full.records, strict=True):
        assert set(lean) == {"year", "skilled_natives", "adult_natives"}
        for name, values in lean.items():
            assert values.tobytes() == every[name].tobytes()
    with pytest.raises(ValueError, match="recording"):
        MigrationModel(world, Params(agents_per_country=10), rng=0, recording="natives")
    with pytest.raises(ValueError, match="recording"):
        MigrationModel(world, Params(agents_per_country=10), rng=0, recording="some")


def test_a_twin_starts_from_the_model_with_its_events_and_emigration(world):
    """A twin is the model's world, parameters, seed and events from the model's start: the
    no-emigration twin gives the numbers of a fresh no-emigration model with the same events
    (to the bit), and a twin with emigration those of the model itself."""
    params = Params(agents_per_country=30)
    events = [PolicyEvent("return_incentive", 2001, tuple(world.countries["iso3"]), value=2.0)]

    def fresh(**kwargs):
        return MigrationModel(world, params, rng=5, years=4, collect_data=False, **kwargs)

    def frame(model):
        return run_to_end(model)

    model = fresh(events=events)
    counterfactual, same = model.twin(), model.twin(emigration=True)
    expected = frame(fresh(events=events, emigration=False))
    assert not expected.equals(frame(fresh(emigration=False)))  # the events matter here
    pd.testing.assert_frame_equal(frame(counterfactual), expected, check_exact=True)
    pd.testing.assert_frame_equal(frame(same), frame(model), check_exact=True)


def test_a_twin_collects_data_only_if_its_model_does_and_it_records_everything(world):
    params = Params(agents_per_country=10)
    collecting = MigrationModel(world, params, rng=1, years=2)
    quiet = MigrationModel(world, params, rng=1, years=2, collect_data=False)
    assert collecting.twin().collect_data and collecting.twin(recording="all").collect_data
    assert not collecting.twin(recording="natives").collect_data
    assert not quiet.twin().collect_data and not quiet.twin(recording="all").collect_data


def test_a_start_is_copied_only_from_the_same_unstepped_model(world):
    """`start=` copies another model's start (the twin's shortcut): only from a model of the
    same world, parameters and seed that has not been stepped."""
    params = Params(agents_per_country=10)
    model = MigrationModel(world, params, rng=np.random.SeedSequence(3, spawn_key=(1,)))
    same = MigrationModel(world, params, rng=model.seed_sequence, start=model)
    assert same.pop.uid.tobytes() == model.pop.uid.tobytes()
    other_seeds = [
        np.random.SeedSequence(4, spawn_key=(1,)),
        np.random.SeedSequence(3, spawn_key=(2,)),  # another replication of the same root seed
    ]
    for seed in other_seeds:
        with pytest.raises(ValueError, match=r"^start: a model with the same parameters and seed$"):
            MigrationModel(world, params, rng=seed, start=model)
    with pytest.raises(ValueError, match=r"^start: a model with the same parameters and seed$"):
        MigrationModel(world, Params(agents_per_country=11), rng=model.seed_sequence, start=model)
    with pytest.raises(
        ValueError, match=r"^start: a model of the same world that has not been stepped$"
    ):
        MigrationModel(load_world("teaching"), params, rng=model.seed_sequence, start=model)
    model.step()
    with pytest.raises(
        ValueError, match=r"^start: a model of the same world that has not been stepped$"
    ):
        MigrationModel(world, params, rng=model.seed_sequence, start=model)


def test_counterfactual_meets_the_same_shocks(world):
    """Common random numbers: shocks do not depend on whether migration happens."""
    params = Params(agents_per_country=40)
    with_migration = simulate(world, params, years=8, seed=9)
    without = simulate(world, params, years=8, seed=9, emigration=False)
    assert np.array_equal(
        with_migration.shock_intensity.to_numpy(), without.shock_intensity.to_numpy()
    )


def test_events_are_checked(world):
    bad = PolicyEvent("visa_facilitation", 2003, ("USA",), value=0.5, group="tourists")
    with pytest.raises(ValueError, match="group"):
        MigrationModel(world, Params(agents_per_country=10), rng=0, events=[bad])
    nowhere = PolicyEvent("integration_policy", 2003, ("XXX",), value=0.5)
    with pytest.raises(ValueError, match="XXX"):
        MigrationModel(world, Params(agents_per_country=10), rng=0, events=[nowhere])


def test_region_events_reach_every_country_of_the_region(world):
    join = PolicyEvent("join_convention", 2001, ("Sub-Saharan Africa",), convention="africa")
    model = MigrationModel(world, Params(agents_per_country=10), rng=0, events=[join])
    model.step()
    africa = [c for c in model.agents_by_type[Country] if c.region == "SSF"]
    assert africa and all(c.is_party("africa") for c in africa)


def test_parameters_are_validated():
    with pytest.raises(ParameterError, match="recognition_base"):
        Params(recognition_base=1.5)
    with pytest.raises(ParameterError, match="unknown"):
        Params.from_dict({"no_such_thing": 1})
    with pytest.raises(TypeError):
        Params(no_such_thing=1)  # plain Python: the dataclass has no such field
    with pytest.raises(ParameterError, match="true or false"):
        Params(m4_migration="yes")
    assert Params(agents_per_country=50.0).agents_per_country == 50
    assert Params(agents_per_country=1e3).agents_per_country == 1000
    with pytest.raises(ParameterError, match="integer"):
        Params(agents_per_country=50.5)


def test_every_parameter_has_a_source_or_is_an_assumption():
    from simulation import PARAMETERS

    for spec in PARAMETERS:
        assert spec.source.strip(), spec.name
        assert spec.unit.strip() and spec.description.strip(), spec.name
        if spec.kind is not bool:
            assert spec.low <= spec.default <= spec.high, spec.name


def test_synthetic_worlds_run(world):
    frame = simulate(synthetic_world(5, seed=1), Params(agents_per_country=20), years=3, seed=0)
    assert len(frame) == 5 * (1 + 3)


def test_mesa_batch_run_sets_parameters_by_keyword(world):
    """Mesa's conventions: parameters as keyword arguments, a DataCollector, `running` turning
    False at the scenario's last year (batch_run stops there, not at max_steps)."""
    rows = mesa.batch_run(
        MigrationModel,
        parameters={
            "world": world,
            "recognition_base": [0.2, 0.9],
            "agents_per_country": 30,
            "years": 3,
        },
        rng=[5],
        max_steps=50,
        data_collection_period=1,
        display_progress=False,
    )
    frame = pd.DataFrame(rows)
    assert sorted(frame["year"].unique()) == [2000, 2001, 2002, 2003]
    assert set(frame["iso3"]) == set(world.codes)
    last = frame[frame.year == 2003].groupby("recognition_base")["brain_waste_rate"].mean()
    assert last[0.9] < last[0.2]  # the keyword reached the model


def test_params_object_and_keywords_combine(world):
    model = MigrationModel(world, Params(agents_per_country=20), recognition_base=0.7, years=2)
    assert model.params.agents_per_country == 20 and model.params.recognition_base == 0.7
    steps = 0
    while model.running:
        model.step()
        steps += 1
    assert steps == 2 and model.year == 2002
    table = model.datacollector.get_model_vars_dataframe()
    assert table["year"].tolist() == [2000, 2001, 2002]
    with pytest.raises(ParameterError, match="recognition_base"):
        MigrationModel(world, recognition_base=2.0)
