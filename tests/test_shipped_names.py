"""Shipped files by name, from any directory (README trial, sections 9 and 10): scenarios,
experiment files, the calibration file and `extends`, through one resolver; a name that is
none of them gets a suggestion and the shipped names."""

from __future__ import annotations

from pathlib import Path

import pytest

from braingain.cli import main
from experiments.errors import UserError
from experiments.scenario import load_scenario
from experiments.shipped import (
    CALIBRATIONS,
    EXPERIMENTS,
    SCENARIOS,
    resolve,
    shipped_folder,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """An empty working directory outside the checkout."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("command", ["run", "check"])
def test_a_misspelt_scenario_name_gets_a_suggestion_and_the_shipped_names(
    command, elsewhere, capsys
):
    status = main(
        [command, "climate_stres", "--out", "o"] if command == "run" else [command, "climate_stres"]
    )
    line = _one_line(capsys.readouterr().err)
    assert status == 2
    assert line.startswith("braingain: error: climate_stres: ")
    assert "(did you mean 'climate_stress'?)" in line
    allowed = line.split("allowed: ", 1)[1]
    for name in SCENARIOS.names():
        assert name in allowed
    assert "hindcast_2000_2010" in allowed and "baseline" in allowed
    assert not (elsewhere / "o").exists()


def test_the_shipped_names_are_the_files_in_each_folder():
    assert SCENARIOS.names() == sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
    assert SCENARIOS.all_names() == sorted([*SCENARIOS.names(), "hindcast_2000_2010"])
    studies = ROOT / "experiments" / "studies"
    assert EXPERIMENTS.names() == sorted(p.stem for p in studies.glob("*.toml"))
    # calibrated.toml is the result of a calibration, not a calibration file
    assert CALIBRATIONS.names() == ["calibrate_1990_2000"]


@pytest.mark.parametrize(
    ("text", "kind", "file"),
    [
        ("ishigami", EXPERIMENTS, "experiments/studies/ishigami.toml"),
        ("sobol_brain_gain.toml", EXPERIMENTS, "experiments/studies/sobol_brain_gain.toml"),
        # the README's commands, typed outside a checkout
        ("experiments/studies/ishigami.toml", EXPERIMENTS, "experiments/studies/ishigami.toml"),
        ("scenarios/climate_stress.toml", SCENARIOS, "scenarios/climate_stress.toml"),
        # the hindcast lives beside the calibration, out of scenarios/*.toml, yet is a scenario
        ("hindcast_2000_2010", SCENARIOS, "calibration/hindcast_2000_2010.toml"),
        (
            "calibration/hindcast_2000_2010.toml",
            SCENARIOS,
            "calibration/hindcast_2000_2010.toml",
        ),
        ("calibrate_1990_2000", CALIBRATIONS, "calibration/calibrate_1990_2000.toml"),
        (
            "calibration/calibrate_1990_2000.toml",
            CALIBRATIONS,
            "calibration/calibrate_1990_2000.toml",
        ),
    ],
)
def test_shipped_files_resolve_by_name_from_any_directory(text, kind, file, elsewhere):
    assert resolve(text, kind).resolve() == (ROOT / file).resolve()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("calibrated", CALIBRATIONS),  # shipped, but not a calibration file
        ("ishigami", SCENARIOS),  # an experiment, not a scenario
        ("calibrated", SCENARIOS),  # in calibration/, but not a hindcast scenario
        ("scenarios/hindcast_2000_2010.toml", SCENARIOS),  # not where the repository keeps it
        ("hindcast_2000_2010", CALIBRATIONS),  # a scenario, not a calibration file
        ("other/ishigami.toml", EXPERIMENTS),  # not where the repository keeps it
    ],
)
def test_only_shipped_files_of_the_kind_resolve(text, kind, elsewhere):
    with pytest.raises(UserError, match="no such file or shipped"):
        resolve(text, kind)


def test_a_file_of_that_name_here_wins_over_the_shipped_one(elsewhere):
    (elsewhere / "ishigami").write_text("x", encoding="utf-8")
    assert resolve("ishigami", EXPERIMENTS) == Path("ishigami")


def test_sensitivity_runs_a_shipped_experiment_by_name(elsewhere, capsys):
    status = main(["sensitivity", "ishigami", "--samples", "2", "--workers", "1", "--no-progress"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert (elsewhere / "results" / "ishigami" / "indices.csv").is_file()
    assert main(["sensitivity", "ishigam"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "(did you mean 'ishigami'?)" in line and "an experiment .toml path" in line


def test_calibrate_checks_the_shipped_calibration_by_name(elsewhere, capsys):
    assert main(["calibrate", "calibrate_1990_2000", "--check"]) == 0
    assert capsys.readouterr().out.startswith("calibrate_1990_2000: world default1990")


@pytest.mark.parametrize("extends", ["baseline", "baseline.toml"])
def test_extends_a_shipped_scenario_from_a_users_folder(extends, elsewhere):
    mine = elsewhere / "mine.toml"
    mine.write_text(f'name = "mine"\nextends = "{extends}"\nreplications = 2\n', encoding="utf-8")
    scenario = load_scenario(mine)
    shipped = load_scenario(shipped_folder() / "baseline.toml")
    assert scenario.overrides == shipped.overrides and scenario.overrides
    assert scenario.replications == 2
    assert scenario.sources[0][0].endswith("baseline.toml")


def test_a_baseline_next_to_the_users_file_wins(elsewhere):
    (elsewhere / "baseline.toml").write_text(
        'name = "local"\nworld = "teaching"\nyears = 3\n', encoding="utf-8"
    )
    mine = elsewhere / "mine.toml"
    mine.write_text('name = "mine"\nextends = "baseline.toml"\n', encoding="utf-8")
    assert load_scenario(mine).world_ref == "teaching"


def test_a_misspelt_extends_gets_a_suggestion_and_the_shipped_names(elsewhere, capsys):
    mine = elsewhere / "mine.toml"
    mine.write_text('name = "mine"\nextends = "baselin"\n', encoding="utf-8")
    assert main(["check", str(mine)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "extends: 'baselin': no such file" in line
    assert "(did you mean 'baseline'?)" in line and "climate_stress" in line.split("allowed")[1]


def test_a_misspelt_set_gets_the_same_form_as_in_a_file(elsewhere, capsys):
    mine = elsewhere / "mine.toml"
    mine.write_text(
        'name = "mine"\nextends = "baseline"\n[parameters]\nagents_per_countr = 10\n',
        encoding="utf-8",
    )
    assert main(["check", str(mine)]) == 2
    in_file = _one_line(capsys.readouterr().err).split("parameters.agents_per_countr: ")[1]
    assert main(["run", "baseline", "--set", "agents_per_countr=10", "--out", "o"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line == f"braingain: error: --set agents_per_countr: {in_file}"
    assert "(did you mean 'agents_per_country'?); allowed: " in line
    assert main(["run", "baseline", "--set", "recognition_base=2", "--out", "o"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.endswith("--set recognition_base: got 2; allowed: a number in [0, 1] (probability)")


def test_the_scenarios_glob_is_the_what_ifs_alone():
    """`braingain run scenarios/*.toml --years 2015,2030` (README) must find runs that all reach
    2030 on the calibrated parameters: the hindcast (to 2010, posterior draws) is not among them."""
    from experiments.scenario import load_scenarios

    loaded = load_scenarios(sorted((ROOT / "scenarios").glob("*.toml")))
    assert {s.last_year for s in loaded} == {2030}
    assert all(s.posterior is None for s in loaded)
    hindcast = load_scenario(resolve("hindcast_2000_2010", SCENARIOS))
    assert hindcast.last_year == 2010 and hindcast.posterior is not None
