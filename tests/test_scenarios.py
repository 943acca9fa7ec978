"""Scenario files: the shipped ones validate, `extends` merges as documented, errors are clear."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from experiments.errors import UserError
from experiments.scenario import (
    EVENT_FIELDS,
    TOP_KEYS,
    ParametersTable,
    ScenarioError,
    load_scenario,
    load_scenarios,
)
from experiments.seeds import run_seed
from experiments.testing import scenario_text
from simulation.events import EVENT_KINDS
from simulation.parameters import PARAMETERS

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
REQUIRED = (
    "baseline",
    "global_convention",
    "regional_conventions",
    "ict_leapfrog",
    "diaspora_engagement",
    "visa_facilitation",
    "climate_stress",
    "ethical_recruitment",
    "return_incentives",
)
EVENT = """
[[events]]
kind = "{kind}"
year = {year}
countries = {countries}
{more}
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_every_required_scenario_ships_and_validates_on_the_default_world():
    loaded = {s.name: s for s in load_scenarios(sorted(SCENARIOS.glob("*.toml")))}
    assert set(REQUIRED) <= set(loaded)
    for name in REQUIRED:
        scenario = loaded[name]
        assert scenario.world_ref == "default"
        assert scenario.seed == loaded["baseline"].seed, "what-ifs pair with the baseline"
        if name != "baseline":
            assert scenario.events, f"{name} should schedule at least one event"


def test_headline_scenarios_say_what_the_issue_asks():
    convention = load_scenario(SCENARIOS / "global_convention.toml")
    (event,) = convention.events
    assert (event.kind, event.convention, event.year, event.countries) == (
        "join_convention",
        "global",
        2005,
        ("all",),
    )
    ict = load_scenario(SCENARIOS / "ict_leapfrog.toml")
    assert any(e.kind == "ict_investment" and e.until == 2015 for e in ict.events)
    climate = load_scenario(SCENARIOS / "climate_stress.toml")
    kinds = {e.kind for e in climate.events}
    assert {"climate_trend", "shock"} <= kinds
    shock = next(e for e in climate.events if e.kind == "shock")
    assert shock.hazard == "drought" and {"NER", "MLI", "BFA", "TCD"} <= set(shock.countries)


def test_extends_overrides_parameters_appends_events_and_inherits_settings(tmp_path):
    write(
        tmp_path / "base.toml",
        scenario_text("base", years=8, replications=4, seed=11)
        + "enrol_sensitivity = 2.0\n"
        + EVENT.format(
            kind="quality_assurance", year=2003, countries='["IND"]', more="value = 0.5"
        ),
    )
    (tmp_path / "sub").mkdir()
    child = write(
        tmp_path / "sub" / "child.toml",
        'extends = "../base.toml"\nreplications = 2\n[parameters]\nenrol_sensitivity = 3.0\n'
        + EVENT.format(
            kind="diaspora_engagement", year=2006, countries='"SSF"', more="value = 0.9"
        ),
    )
    scenario = load_scenario(child)
    assert scenario.name == "child"  # the child's own file name, not the base's name
    assert (scenario.world_ref, scenario.years, scenario.seed) == ("teaching", 8, 11)
    assert scenario.replications == 2
    assert scenario.overrides == {"agents_per_country": 30, "enrol_sensitivity": 3.0}
    assert [e.kind for e in scenario.events] == ["quality_assurance", "diaspora_engagement"]
    assert scenario.events[1].countries == ("SSF",)
    assert [f for f, _ in scenario.sources][-1].endswith("child.toml")


def test_a_cycle_of_extends_is_reported_not_followed(tmp_path):
    write(tmp_path / "a.toml", 'extends = "b.toml"\n')
    write(tmp_path / "b.toml", 'extends = "c.toml"\n')
    write(tmp_path / "c.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "a.toml")
    (problem,) = info.value.problems
    assert problem.key == "extends" and "cycle" in problem.message
    assert "a.toml" in str(info.value) and "c.toml" in str(info.value)


def test_all_problems_of_a_file_are_reported_together(tmp_path):
    path = write(
        tmp_path / "bad.toml",
        'world = "teaching"\nyears = 5\n'
        + EVENT.format(kind="quality_assurance", year=2009, countries='["IND"]', more="value = 0.5")
        + EVENT.format(
            kind="quality_assurance", year=2003, countries='["XYZ"]', more="value = 0.5"
        ),
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [p.key for p in info.value.problems] == ["events[0].year", "events[1].countries"]
    assert all(p.file == str(path) for p in info.value.problems)


def test_parameter_table_model_has_every_parameter_with_its_range():
    fields = ParametersTable.model_fields
    assert set(fields) == {spec.name for spec in PARAMETERS}
    for spec in PARAMETERS:
        if spec.kind is bool:
            ParametersTable.model_validate({spec.name: True})
            with pytest.raises(ValidationError):
                ParametersTable.model_validate({spec.name: 1})
            continue
        ParametersTable.model_validate({spec.name: spec.kind(spec.low)})
        ParametersTable.model_validate({spec.name: spec.kind(spec.high)})
        for outside in (spec.low - 1, spec.high + 1):
            with pytest.raises(ValidationError):
                ParametersTable.model_validate({spec.name: spec.kind(outside)})


@settings(max_examples=60, deadline=None)
@given(
    index=st.integers(0, len([s for s in PARAMETERS if s.kind is float]) - 1),
    value=st.floats(-1e6, 1e6, allow_nan=False),
)
def test_float_parameters_are_accepted_exactly_inside_their_range(index, value):
    spec = [s for s in PARAMETERS if s.kind is float][index]
    inside = spec.low <= value <= spec.high
    try:
        ParametersTable.model_validate({spec.name: value})
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == inside


def test_fingerprint_ignores_names_and_labels_but_not_what_changes_results(tmp_path):
    event = EVENT.format(
        kind="quality_assurance", year=2003, countries='["IND"]', more="value = 0.5"
    )
    a = load_scenario(write(tmp_path / "a.toml", scenario_text("a") + event + 'label = "x"\n'))
    b = load_scenario(write(tmp_path / "b.toml", scenario_text("b") + event + 'label = "y"\n'))
    assert a.fingerprint() == b.fingerprint()
    assert a.with_options(replications=9).fingerprint() == a.fingerprint()
    assert a.with_options(seed=8).fingerprint() != a.fingerprint()
    changed = a.with_options(set_params={"enrol_sensitivity": 2.5})
    assert changed.fingerprint() != a.fingerprint()


def test_command_line_overrides_are_validated_like_the_file(tmp_path):
    scenario = load_scenario(write(tmp_path / "a.toml", scenario_text("a")))
    with pytest.raises(UserError, match="agents_per_country"):
        scenario.with_options(set_params={"agents_per_country": 3})
    with pytest.raises(UserError, match="no_such_parameter"):
        scenario.with_options(set_params={"no_such_parameter": 1})
    assert scenario.with_options(set_params={"m4_migration": False}).params.m4_migration is False


def test_a_world_folder_path_resolves_relative_to_the_scenario_file(tmp_path):
    (tmp_path / "worlds").mkdir()
    path = write(tmp_path / "w.toml", 'world = "worlds/nowhere"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems[0].key == "world"
    assert str(tmp_path / "worlds" / "nowhere") in str(info.value)


def test_seed_of_a_run_depends_on_root_and_replication_only():
    assert run_seed(5, 3).entropy == 5 and run_seed(5, 3).spawn_key == (3,)
    spawned = np.random.SeedSequence(5).spawn(4)[3]
    assert np.array_equal(run_seed(5, 3).generate_state(8), spawned.generate_state(8))
    assert not np.array_equal(run_seed(5, 2).generate_state(8), run_seed(5, 3).generate_state(8))


def test_scenarios_readme_documents_every_key_event_kind_and_field():
    readme = (SCENARIOS / "README.md").read_text(encoding="utf-8")
    for key in TOP_KEYS:
        assert re.search(rf"`{key}`", readme), f"top-level key {key} undocumented"
    for kind in EVENT_KINDS:
        assert f"`{kind}`" in readme, f"event kind {kind} undocumented"
    for field in EVENT_FIELDS:
        assert f"`{field}`" in readme, f"event field {field} undocumented"
    for name in REQUIRED:
        assert f"{name}.toml" in readme, f"scenario {name} not listed"


def test_the_readme_examples_are_valid_scenarios(tmp_path):
    readme = (SCENARIOS / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", readme, flags=re.S)
    assert len(blocks) == 2
    write(tmp_path / "baseline.toml", (SCENARIOS / "baseline.toml").read_text(encoding="utf-8"))
    scenario = load_scenario(write(tmp_path / "my_whatif.toml", blocks[0]))
    assert scenario.replications == 20 and len(scenario.events) == 2
    every_kind = load_scenario(write(tmp_path / "kinds.toml", 'world = "default"\n' + blocks[1]))
    assert {e.kind for e in every_kind.events} == set(EVENT_KINDS)
