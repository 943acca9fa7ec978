"""`braingain calibrate` end to end: recovering known inputs, resuming after kill -9 to the same
result, and one clear line for bad calibration files.

The model test runs the real model on the teaching world (16 countries, 5 years, 100 agents per
country) with targets the model itself generated at known inputs; the machinery tests use a
cheap analytic simulator with a known answer (calibration.testing).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from braingain.cli import main
from calibration.config import load_calibration
from calibration.run import run_calibration
from calibration.testing import synthetic_targets
from experiments.runner import RunnerOptions
from experiments.scenario import load_scenarios
from experiments.testing import refuse_writes_into

BRAINGAIN = str(Path(sys.executable).with_name("braingain"))
ROOT = Path(__file__).resolve().parents[1]

ANALYTIC_TRUTH = {"recognition_base": 0.4, "move_cost_base": 4.0, "tie_decay": 0.2}
ANALYTIC_AREAS = ["BGD", "BRA", "CHN", "FRA", "GHA", "IND"]
ANALYTIC = """\
name = "analytic"
world = "teaching"
end_year = 2010
seed = {seed}
targets_table = "targets.csv"
simulator = "calibration.testing:slow_analytic_simulator"

[inputs]
recognition_base = [0.0, 1.0]
move_cost_base = [1.0, 8.0]
tie_decay = [0.0, 0.5]

[[targets]]
statistic = "skilled_emigration_rate"
years = [2005, 2010]
areas = {areas}

[[targets]]
statistic = "human_capital"
years = [2010]
areas = ["WLD", "BGD", "FRA"]

[design]
points = 24
replications = 2
waves = 2
candidates = 4096

[discrepancy]
relative = 0.0
absolute = 0.0

[posterior]
chains = 16
steps = 600
burn = 300
draws = 400
check_runs = 6
"""

MODEL_TRUTH = {"recognition_base": 0.45, "entry_per_ger": 0.75, "consider_rate_young": 0.25}
MODEL = """\
name = "model"
world = "teaching"
end_year = 2005
seed = 5
targets_table = "targets.csv"

[parameters]
agents_per_country = 100

[inputs]
recognition_base = [0.05, 0.8]
entry_per_ger = [0.3, 1.1]
consider_rate_young = [0.02, 0.6]

[[targets]]
statistic = "brain_waste_rate"
years = [2001, 2002, 2003, 2004, 2005]
areas = ["WLD"]

[[targets]]
statistic = "human_capital"
years = [2003, 2005]
areas = ["WLD"]

[[targets]]
statistic = "skilled_emigration_rate"
years = [2003, 2005]
areas = ["WLD"]

[design]
points = 24
replications = 2
waves = 2
candidates = 4096

[discrepancy]
relative = 0.0
absolute = 0.0

[posterior]
chains = 16
steps = 600
burn = 300
draws = 500
check_runs = 6
"""


def analytic_folder(folder: Path, seed: int = 5) -> Path:
    """A calibration file and its synthetic targets (the analytic simulator at the truth)."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = [("skilled_emigration_rate", a, y) for a in ANALYTIC_AREAS for y in (2005, 2010)]
    wanted += [("human_capital", a, 2010) for a in ("WLD", "BGD", "FRA")]
    table = synthetic_targets(
        "teaching", 10, ANALYTIC_TRUTH, wanted, 1, 99, "calibration.testing:analytic_simulator"
    )
    table["obs_sd"] = 0.01
    table.to_csv(folder / "targets.csv", index=False)
    path = folder / "analytic.toml"
    areas = "[" + ", ".join(f'"{a}"' for a in ANALYTIC_AREAS) + "]"
    path.write_text(ANALYTIC.format(seed=seed, areas=areas), encoding="utf-8")
    return path


def intervals(folder: Path) -> dict[str, list[float]]:
    with open(folder / "calibrated.toml", "rb") as fh:
        return tomllib.load(fh)["intervals"]


def assert_recovered(found: dict[str, list[float]], truth: dict[str, float]) -> None:
    for name, value in truth.items():
        low, high = found[name]
        assert low <= value <= high, f"{name}: true {value} outside [{low}, {high}]"


@pytest.fixture(scope="module")
def analytic(tmp_path_factory):
    """An uninterrupted calibration of the analytic simulator on two workers."""
    folder = tmp_path_factory.mktemp("analytic")
    path = analytic_folder(folder)
    result = run_calibration(
        path, folder / "out", RunnerOptions(workers=2, progress=False), jobs=2, log=lambda m: None
    )
    return path, folder / "out", result


def test_calibration_recovers_the_inputs_of_an_analytic_simulator(analytic):
    _, out, result = analytic
    found = intervals(out)
    assert_recovered(found, ANALYTIC_TRUTH)
    for name, spec in zip(found, result.config.inputs, strict=True):
        low, high = found[name]
        assert high - low < 0.3 * (spec.high - spec.low), f"{name}: interval not informative"
    waves = pd.read_csv(out / "waves.csv")
    assert waves["space_left"].iloc[-1] < waves["space_left"].iloc[0] <= 1.0
    assert (out / "report.html").read_text().count("data:image/png;base64") >= 3
    draws = pd.read_parquet(out / "calibrated_draws.parquet")
    assert list(draws.columns) == ["draw", *ANALYTIC_TRUTH]
    assert len(draws) == 400


def test_calibration_recovers_known_inputs_of_the_model(tmp_path):
    """Targets generated by the model at known inputs: each true value inside its 95%
    interval; the two inputs the targets inform get intervals under 40% of their range."""
    wanted = [("brain_waste_rate", "WLD", y) for y in range(2001, 2006)]
    for statistic in ("human_capital", "skilled_emigration_rate"):
        wanted += [(statistic, "WLD", 2003), (statistic, "WLD", 2005)]
    truth = {"agents_per_country": 100, **MODEL_TRUTH}
    synthetic_targets("teaching", 5, truth, wanted, 5, 12345).to_csv(
        tmp_path / "targets.csv", index=False
    )
    (tmp_path / "model.toml").write_text(MODEL, encoding="utf-8")
    result = run_calibration(
        tmp_path / "model.toml",
        tmp_path / "out",
        RunnerOptions(workers=2, progress=False),
        jobs=2,
        log=lambda m: None,
    )
    found = intervals(tmp_path / "out")
    assert_recovered(found, MODEL_TRUTH)
    for spec in result.config.inputs[:2]:
        low, high = found[spec.name]
        assert high - low < 0.4 * (spec.high - spec.low), f"{spec.name}: not informative"


def _done_runs(ledger: Path) -> list[tuple[str, int]]:
    import json

    runs = []
    for line in ledger.read_text().splitlines():
        runs += [(r["scenario"], r["replication"]) for r in json.loads(line)["runs"]
                 if r["status"] == "done"]  # fmt: skip
    return runs


def test_a_calibration_killed_mid_run_resumes_to_the_same_result(analytic, tmp_path):
    """Kill -9 of the whole command in wave 1, rerun on one worker: the calibrated values, the
    draws and the per-target table equal those of the uninterrupted two-worker run."""
    path, reference, _ = analytic
    out = tmp_path / "out"
    command = [BRAINGAIN, "calibrate", str(path), "--out", str(out), "--workers", "1",
               "--no-progress"]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    ledger = out / "wave-1" / "ledger.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if ledger.exists() and len(_done_runs(ledger)) >= 10:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the calibration ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = len(_done_runs(ledger))
    assert 10 <= before < 48, "killed mid-wave"
    assert not (out / "calibrated.toml").exists()

    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    runs = _done_runs(ledger)
    assert len(runs) == len(set(runs)) == 48, "finished runs were not run again"
    assert (out / "calibrated.toml").read_text() == (reference / "calibrated.toml").read_text()
    mine = pd.read_parquet(out / "calibrated_draws.parquet")
    theirs = pd.read_parquet(reference / "calibrated_draws.parquet")
    pd.testing.assert_frame_equal(mine, theirs, check_exact=True)
    assert (out / "targets_fit.csv").read_text() == (reference / "targets_fit.csv").read_text()


def test_another_seed_gives_other_draws_and_a_used_folder_is_refused(analytic, tmp_path, capsys):
    path, out, _ = analytic
    other = analytic_folder(tmp_path / "other", seed=6)
    assert main(["calibrate", str(other), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "holds a calibration of other runs" in err and "--overwrite" in err
    assert "Traceback" not in err
    # the seed matters: a different seed gives a different design (checked without running)
    from calibration.design import latin_hypercube
    from calibration.pipeline import DESIGN, stream

    a = latin_hypercube(24, 3, stream(load_calibration(path), DESIGN, 1))
    b = latin_hypercube(24, 3, stream(load_calibration(other), DESIGN, 1))
    assert not np.array_equal(a, b)


def test_new_posterior_settings_reuse_every_finished_run(analytic, tmp_path):
    path, reference, _ = analytic
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    changed = tmp_path / "analytic.toml"
    shutil.copy(path.with_name("targets.csv"), tmp_path / "targets.csv")
    changed.write_text(path.read_text().replace("steps = 600", "steps = 500"), encoding="utf-8")
    ledgers = {p: p.read_bytes() for p in out.glob("wave-*/ledger.jsonl")}
    result = run_calibration(changed, out, RunnerOptions(workers=1, progress=False),
                             log=lambda m: None)  # fmt: skip
    assert result.posterior is not None and result.posterior.steps == 500
    assert len(ledgers) == 2
    assert all(p.read_bytes() == text for p, text in ledgers.items()), "no wave run was rerun"
    assert (out / "calibrated.toml").read_text() != (reference / "calibrated.toml").read_text()


# --- bad input ---------------------------------------------------------------------------------
def _variant(folder: Path, replace: tuple[str, str]) -> Path:
    path = analytic_folder(folder)
    text = path.read_text(encoding="utf-8")
    assert replace[0] in text
    path.write_text(text.replace(*replace), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("replace", "key", "expected"),
    [
        (
            ("recognition_base = [0.0, 1.0]", "recognition_bas = [0.0, 1.0]"),
            "inputs.recognition_bas",
            "unknown parameter (did you mean 'recognition_base'?)",
        ),
        (
            ("tie_decay = [0.0, 0.5]", "tie_decay = [0.0, 0.9]"),
            "inputs.tie_decay",
            "[0, 0.9] is outside the parameter's range; allowed: a range [low, high] inside "
            "[0, 0.5]",
        ),
        (
            ("tie_decay = [0.0, 0.5]", "m4_migration = [0.0, 1.0]"),
            "inputs.m4_migration",
            "is a switch",
        ),
        (
            ('statistic = "human_capital"', 'statistic = "human_capitol"'),
            "targets[1].statistic",
            "not a statistic the model produces (did you mean 'human_capital'?)",
        ),
        (("points = 24", "points = 2"), "design.points", "got 2; allowed: an integer in [4"),
        (("waves = 2", "wave = 2"), "design.wave", "unknown key (did you mean 'waves'?)"),
        (
            ("years = [2005, 2010]", "years = [2005, 2012]"),
            "targets[0].years",
            "[2012] outside the run (2001..2010)",
        ),
        (
            ('world = "teaching"', 'world = "nowhere"'),
            "world",
            "cannot load world 'nowhere'",
        ),
    ],
)
def test_a_bad_calibration_file_gets_one_clear_line(tmp_path, capsys, replace, key, expected):
    path = _variant(tmp_path, replace)
    out = tmp_path / "out"
    status = main(["calibrate", str(path), "--out", str(out), "--no-progress"])
    captured = capsys.readouterr()
    assert status == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("braingain: error: ")
    assert f"analytic.toml: {key}: " in lines[0]
    assert expected in lines[0]
    assert "allowed" in lines[0]
    assert "Traceback" not in captured.err + captured.out
    assert not out.exists(), "nothing runs"


def test_a_target_without_a_source_is_refused(tmp_path, capsys):
    path = analytic_folder(tmp_path)
    table = pd.read_csv(tmp_path / "targets.csv")
    table.loc[table["target"] == "human_capital:BGD:2010", "source"] = ""
    table.to_csv(tmp_path / "targets.csv", index=False)
    status = main(["calibrate", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert "analytic.toml: targets[1]: target 'human_capital:BGD:2010' in " in err
    assert "has no source" in err and "allowed" in err


def test_check_prints_the_plan_without_running(tmp_path, capsys):
    path = analytic_folder(tmp_path)
    assert main(["calibrate", str(path), "--check"]) == 0
    out = capsys.readouterr().out
    assert "3 inputs" in out and "15 targets" in out and "2 waves of 24 points" in out
    assert not (ROOT / "results" / "calibrate_analytic").exists()


def test_the_shipped_1990_2000_file_is_ready_to_run():
    config = load_calibration(ROOT / "calibration" / "calibrate_1990_2000.toml")
    assert config.world_ref == "default1990"
    assert (config.start_year, config.end_year) == (1990, 2000)
    assert 8 <= len(config.inputs) <= 12
    counts = config.targets.groupby("statistic").size()
    assert counts["skilled_emigration_rate_iab20"] > 300  # 1995 and 2000, every origin
    assert counts["human_capital"] > 200 and counts["outbound_mobility_ratio"] > 100
    assert {"five_year_return_ratio", "brain_waste_rate", "flow_network_elasticity"} <= set(
        counts.index
    )
    # persistence: the 1990 value of every IAB target is known
    iab = config.persistence[config.persistence["statistic"] == "skilled_emigration_rate_iab20"]
    assert len(iab) > 150


def test_the_fit_scatter_draws_a_mean_outside_its_own_band():
    """A skewed spread over check runs can put the mean above its 90th percentile (seen on the
    1990-2000 calibration); the observed-vs-simulated figure must still be drawn."""
    from calibration.report import _scatter

    targets = pd.DataFrame(
        {
            "statistic": ["human_capital"] * 3,
            "year": [2000] * 3,
            "area": ["AAA", "BBB", "CCC"],
            "value": [0.10, 0.20, 0.30],
            "obs_sd": [0.01, 0.02, 0.03],
            "simulated_mean": [0.12, 0.25, 0.29],
            "simulated_p10": [0.10, 0.20, 0.25],
            "simulated_p90": [0.11, 0.30, 0.33],  # AAA: the mean lies above its p90
            "start_year_value": [0.09, 0.19, 0.28],
        }
    )
    scores = pd.DataFrame(
        {
            "statistic": ["human_capital"],
            "year": [2000],
            "r2": [0.9],
            "spearman": [1.0],
            "error_vs_persistence": [0.8],
            "persistence_year": [1990],
        }
    )
    assert "data:image/png;base64" in _scatter(targets, scores)


# --- where --write-calibrated writes -------------------------------------------------------------
def _refused_line(err: str, *shown: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("braingain: error: ") and "Traceback" not in err
    for text in shown:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A braingain installed without its checkout: the `calibration` package imported from a
    site-packages folder holding a shipped calibration file (the analytic one) and nothing of a
    project (no pyproject.toml)."""
    import experiments.shipped as shipped

    site = tmp_path / "site-packages"
    package = site / "calibration"
    analytic_folder(package).rename(package / "calibrate_analytic.toml")
    real = shipped._real_folder

    def folder(name: str, subfolder: str) -> Path:
        return package / subfolder if name == "calibration" else real(name, subfolder)

    monkeypatch.setattr(shipped, "_real_folder", folder)
    return package


@pytest.mark.parametrize("named", ["by name", "by path"])
def test_write_calibrated_without_path_refuses_the_installed_file(installed, tmp_path, capsys,
                                                                  named):  # fmt: skip
    """After `pip install .` the default destination is inside site-packages: one line naming
    it and asking for a PATH, exit 2, before anything runs, the installation untouched."""
    before = sorted(p.name for p in installed.iterdir())
    file = (
        "calibrate_analytic" if named == "by name" else str(installed / "calibrate_analytic.toml")
    )
    out = tmp_path / "out"
    command = ["calibrate", file, "--write-calibrated", "--out", str(out), "--workers", "1"]
    assert main([*command, "--no-progress"]) == 2
    line = _refused_line(capsys.readouterr().err, str(installed / "calibrated.toml"))
    assert "--write-calibrated ./calibrated.toml" in line and "installed" in line
    assert not out.exists(), "nothing ran"
    assert sorted(p.name for p in installed.iterdir()) == before
    # --check says so too, and without the option the installed file runs as before (checked)
    assert main(["calibrate", file, "--write-calibrated", "--check"]) == 2
    capsys.readouterr()
    assert main(["calibrate", file, "--check"]) == 0


def test_write_calibrated_without_path_writes_into_a_checkout(installed):
    """The same tree with braingain's pyproject.toml beside its packages is a source checkout:
    the default stays next to the calibration file (the committed calibrated.toml)."""
    from braingain.calibrate_command import calibrated_destination

    (installed.parent / "pyproject.toml").write_text('[project]\nname = "braingain"\n')
    file = installed / "calibrate_analytic.toml"
    assert calibrated_destination("", file) == installed / "calibrated.toml"
    shipped = ROOT / "calibration" / "calibrate_1990_2000.toml"  # this repository
    assert calibrated_destination("", shipped) == ROOT / "calibration" / "calibrated.toml"


@pytest.mark.parametrize("where", ["a folder", "under a file"])
def test_a_write_calibrated_path_that_cannot_be_a_file_exits_2(where, tmp_path, capsys):
    path = analytic_folder(tmp_path)
    blocker = tmp_path / "blocker"
    if where == "a folder":
        blocker.mkdir()
        target, shown = blocker, f"--write-calibrated {blocker}: is a folder"
    else:
        blocker.write_text("not a folder", encoding="utf-8")
        target, shown = blocker / "calibrated.toml", f"{blocker}: is a file, not a folder"
    out = tmp_path / "out"
    command = ["calibrate", str(path), "--out", str(out), "--write-calibrated", str(target)]
    assert main([*command, "--workers", "1", "--no-progress"]) == 2
    _refused_line(capsys.readouterr().err, shown)
    assert not out.exists(), "nothing ran"


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_a_write_calibrated_folder_that_refuses_writes_exits_2(code, tmp_path, capsys,
                                                               monkeypatch):  # fmt: skip
    """Root ignores permissions and CI cannot mount: the first write into the folder fails as a
    read-only filesystem (or a folder without write permission) would make it fail."""
    path = analytic_folder(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    refuse_writes_into(monkeypatch, locked, code)
    out = tmp_path / "out"
    command = ["calibrate", str(path), "--out", str(out), "--workers", "1", "--no-progress"]
    assert main([*command, "--write-calibrated", str(locked / "calibrated.toml")]) == 2
    shown = f"{locked}: cannot write there ({os.strerror(code)})"
    _refused_line(capsys.readouterr().err, "--write-calibrated", shown)
    assert list(locked.iterdir()) == [] and not out.exists(), "nothing ran"


def test_a_scenario_runs_with_the_calibrated_file_written_to_a_path(analytic, tmp_path, capsys):
    """The README's recipe outside a checkout: --write-calibrated PATH, then a scenario names
    that file (`calibration = ...`, relative to the scenario) and draws its posterior."""
    path, reference, _ = analytic
    out = tmp_path / "out"
    shutil.copytree(reference, out)  # finished: the command only writes its outputs again
    mine = tmp_path / "mine" / "calibrated.toml"
    command = ["calibrate", str(path), "--out", str(out), "--write-calibrated", str(mine)]
    assert main([*command, "--workers", "1", "--no-progress"]) == 0
    assert (
        f"wrote {mine} and {mine.with_name('calibrated_draws.parquet')}" in capsys.readouterr().out
    )
    # the README's scenario for that file, in the same folder
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"```toml\n# mine.toml\n(.*?)```", readme, flags=re.S).group(1)
    assert 'calibration = "calibrated.toml"' in snippet
    scenario = mine.with_name("mine.toml")
    scenario.write_text(snippet, encoding="utf-8")
    (loaded,) = load_scenarios([scenario])
    draws = pd.read_parquet(mine.with_name("calibrated_draws.parquet"))
    assert loaded.posterior is not None and len(loaded.posterior.rows) == len(draws) == 400
