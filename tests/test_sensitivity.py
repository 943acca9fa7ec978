"""Sensitivity studies: the Ishigami check through the whole pipeline, the incentive-effect sweep,
seed noise handled openly, resume after kill -9, growing a design, failed runs, the shipped
experiment files.

Runs use the built-in Ishigami function, stand-in tasks of experiments.testing, or the real
model on the teaching world with few agents and years.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from braingain.cli import main
from experiments.runner import RunnerOptions
from experiments.seeds import run_seed
from experiments.sensitivity.analysis import (
    NOT_DISTINGUISHABLE,
    effect_unit,
    index_display,
    index_unit,
    model_unit,
    seed_indices,
    sweep_table,
)
from experiments.sensitivity.design import make_design
from experiments.sensitivity.experiment import load_experiment
from experiments.sensitivity.figures import morris_plot, plt, sweep_plot
from experiments.sensitivity.results import analyze_study, sweep_lines
from experiments.sensitivity.study import run_study
from experiments.testing import LINEAR_NOISE, LINEAR_SLOPE
from experiments.units import display, figure
from simulation import PARAMETERS

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ROOT / "experiments" / "studies"
BRAINGAIN = str(Path(sys.executable).with_name("braingain"))
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def study(experiment, out: Path, workers: int = 2, **options):
    """Run and analyze, as `braingain sensitivity` does."""
    done = run_study(experiment, out, RunnerOptions(workers=workers, progress=False, **options))
    analysis = analyze_study(done.batch.design, done.result.metrics_path, out)
    return done, analysis


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def indices_of(analysis, output: str) -> pd.DataFrame:
    frame = analysis.indices
    return frame[frame["output"] == output].set_index(["input", "index"])


LINEAR = """
name = "linear"
task = "experiments.testing:{task}"
method = "sobol"
samples = {samples}
replications = {replications}
sample_seed = 5

[scenario]
world = "teaching"
years = 2
seed = 11

[[inputs]]
parameter = "recognition_base"
range = [0.0, 1.0]

[[inputs]]
dummy = true
name = "noise_check"

[[outputs]]
metric = "returns"
area = "KEN"
"""


# --- the analytic check --------------------------------------------------------------------------
def check_ishigami(analysis, tolerance: float) -> None:
    found = indices_of(analysis, "y")
    for name in ("x1", "x2", "x3"):
        assert found.loc[(name, "S1"), "value"] == pytest.approx(ISHIGAMI_S1[name], abs=tolerance)
        assert found.loc[(name, "ST"), "value"] == pytest.approx(ISHIGAMI_ST[name], abs=tolerance)


def test_ishigami_through_the_pipeline_matches_the_analytic_indices_at_1024(tmp_path):
    experiment = load_experiment(STUDIES / "ishigami.toml")
    assert experiment.samples == 1024
    done, analysis = study(experiment, tmp_path)
    assert done.result.done == 1024 * 5 and not done.result.failed
    check_ishigami(analysis, 0.03)
    written = pd.read_csv(tmp_path / "indices.csv")
    assert list(written.columns) == [
        "output",
        "input",
        "index",
        "value",
        "ci_low",
        "ci_high",
        "finding",
        "unit",
    ]
    assert set(written["unit"]) == {"share of variance"}
    x3 = written[(written["input"] == "x3") & (written["index"] == "S1")].iloc[0]
    assert x3["finding"] == NOT_DISTINGUISHABLE, "S1 of x3 is 0: its interval must contain 0"
    assert (tmp_path / "figures" / "indices_y.png").stat().st_size > 10_000
    samples = pd.read_parquet(tmp_path / "samples.parquet")
    assert len(samples) == 1024 * 5 and {"x1", "x2", "x3", "y"} <= set(samples.columns)


@pytest.mark.slow
def test_ishigami_matches_the_analytic_indices_within_001_at_8192(tmp_path):
    experiment = load_experiment(STUDIES / "ishigami.toml").with_options(samples=8192)
    _, analysis = study(experiment, tmp_path)
    check_ishigami(analysis, 0.01)


# --- the incentive effect ------------------------------------------------------------------------
def test_the_incentive_effect_experiment_reproduces_the_inverted_u(tmp_path):
    """Net brain gain of the origin against the emigration prospect p, at the experiment's own
    30-year horizon: zero at p = 0, a positive interior maximum, a loss at p = 1."""
    experiment = load_experiment(STUDIES / "incentive_effect.toml")
    assert experiment.scenario.years == 30
    experiment = experiment.with_options(samples=11, replications=2)
    _, analysis = study(experiment, tmp_path)
    sweep = pd.read_csv(tmp_path / "sweep.csv").sort_values("fixed_prospect")
    gain = sweep["net_brain_gain_ORG_2030_mean"].to_numpy()
    assert sweep["fixed_prospect"].tolist() == pytest.approx(np.linspace(0, 1, 11).tolist())
    assert gain[0] == pytest.approx(0.0, abs=1e-12)
    best = int(np.argmax(gain))
    assert 0 < best < len(gain) - 1, f"maximum at the edge: {gain}"
    assert gain[best] > 0 and gain[-1] < 0
    assert (gain[best + 1 :] < gain[best]).all() and (np.diff(gain[best:]) < 0).all()
    assert (tmp_path / "figures" / "sweep_net_brain_gain_ORG_2030.png").exists()


# --- a stochastic model, handled openly ----------------------------------------------------------
def test_a_seed_only_experiment_reports_nothing_but_seed_noise(tmp_path):
    """No parameter varies (a dummy input only): the real model's output still differs between
    replications, all of it seed noise; the input's indices are not distinguishable from 0."""
    file = write(
        tmp_path / "seed_only.toml",
        """
method = "sobol"
samples = 8
replications = 3
[scenario]
world = "teaching"
years = 2
seed = 4
[scenario.parameters]
agents_per_country = 20
[[inputs]]
dummy = true
[[outputs]]
metric = "human_capital"
area = "SSF"
""",
    )
    experiment = load_experiment(file)
    done, analysis = study(experiment, tmp_path / "out")
    assert len(done.batch.design.points) == 1, "rows that change nothing are one point"
    assert done.result.done == 3
    found = indices_of(analysis, "human_capital_SSF_2002")
    for index in ("S1", "ST"):
        assert found.loc[("dummy", index), "finding"] == NOT_DISTINGUISHABLE
    assert found.loc[("seed", "ST"), "value"] == pytest.approx(1.0)
    assert found.loc[("seed", "ST"), "finding"] != NOT_DISTINGUISHABLE
    report = (tmp_path / "out" / "report.txt").read_text()
    assert "100.0% of the output's variance is seed noise" in report
    assert "not distinguishable from 0 (ST): dummy" in report


def test_seed_noise_share_and_seed_index_follow_from_the_replications(tmp_path):
    """Y = slope x recognition_base + noise_r (one draw per replication, common to every point):
    the noise share and the seed's first-order index are var(noise) / var(y) exactly."""
    experiment = load_experiment(
        write(tmp_path / "e.toml", LINEAR.format(task="noisy_linear", samples=16, replications=6))
    )
    done, analysis = study(experiment, tmp_path / "out", workers=1)
    samples = pd.read_parquet(tmp_path / "out" / "samples.parquet").drop_duplicates("point")
    noise = np.array(
        [LINEAR_NOISE * np.random.default_rng(run_seed(11, r)).normal() for r in range(6)]
    )
    signal_var = np.var(LINEAR_SLOPE * samples["recognition_base"].to_numpy())
    expected = noise.var() / (signal_var + noise.var())
    found = indices_of(analysis, "returns_KEN_2002")
    assert found.loc[("seed", "ST"), "value"] == pytest.approx(expected, rel=1e-9)
    assert found.loc[("seed", "S1"), "value"] == pytest.approx(expected, rel=1e-9)
    assert 0 < expected < 0.05
    assert found.loc[("recognition_base", "S1"), "value"] == pytest.approx(1.0, abs=0.15)
    assert found.loc[("noise_check", "ST"), "finding"] == NOT_DISTINGUISHABLE
    assert np.isnan(seed_indices(np.ones((4, 3)))).all(), "no variance at all: no share"


# --- growing, failures, resume -------------------------------------------------------------------
def test_doubling_n_runs_only_the_new_points_and_equals_a_fresh_study(tmp_path):
    base = load_experiment(STUDIES / "ishigami.toml")
    small, big = base.with_options(samples=64), base.with_options(samples=128)
    first, _ = study(small, tmp_path / "grown")
    second, grown = study(big, tmp_path / "grown")
    assert first.result.ran == 64 * 5
    assert second.result.skipped == 64 * 5 and second.result.ran == 64 * 5
    _, fresh = study(big, tmp_path / "fresh", workers=1)
    pd.testing.assert_frame_equal(grown.indices, fresh.indices, check_exact=True)
    assert (tmp_path / "grown" / "indices.csv").read_bytes() == (
        tmp_path / "fresh" / "indices.csv"
    ).read_bytes()


def test_failed_runs_are_rerun_once_and_their_blocks_dropped(tmp_path):
    experiment = load_experiment(
        write(tmp_path / "e.toml", LINEAR.format(task="picky_linear", samples=16, replications=1))
    )
    design = make_design(experiment)
    failing = design.values[:, 0] > 0.9
    blocks = design.values.reshape(16, -1, 2)[:, :, 0] > 0.9
    dropped = int(blocks.any(axis=1).sum())
    assert 0 < dropped < 16, "the design should lose some blocks, not all"
    done, analysis = study(experiment, tmp_path / "out")
    failed_points = {design.point_of_row[r] for r in np.flatnonzero(failing)}
    assert {f.scenario for f in done.result.failed} == failed_points
    assert done.retried == len(failed_points), "each failed run was retried once"
    (item,) = analysis.outputs
    assert (item.blocks_used, item.blocks_total) == (16 - dropped, 16)
    assert f"dropped {dropped} of 16 blocks" in "\n".join(item.lines)
    assert np.isfinite(indices_of(analysis, "returns_KEN_2002")["value"]).all()


SLOW = """
name = "slow"
task = "experiments.testing:slow_model"
method = "sobol"
samples = 4
sample_seed = 3
[scenario]
world = "teaching"
years = 2
seed = 9
[scenario.parameters]
agents_per_country = 20
[[inputs]]
parameter = "recognition_base"
range = [0.1, 0.6]
[[inputs]]
parameter = "perception_ict"
range = [0.0, 1.0]
[[outputs]]
metric = "brain_waste_rate"
[[outputs]]
metric = "net_brain_gain"
area = "SAS"
"""


def _done_runs(out: Path) -> list[tuple[str, int, int]]:
    found = []
    path = out / "ledger.jsonl"
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                runs = json.loads(line)["runs"]
            except (ValueError, KeyError):
                continue
            found += [
                (r["scenario"], r["replication"], r["session"])
                for r in runs
                if r["status"] == "done"
            ]
    return found


def test_kill_9_and_resume_give_identical_indices(tmp_path):
    file = write(tmp_path / "slow.toml", SLOW)
    reference = tmp_path / "reference"
    study(load_experiment(file), reference)
    out = tmp_path / "out"
    command = [
        BRAINGAIN,
        "sensitivity",
        str(file),
        "--out",
        str(out),
        "--workers",
        "2",
        "--chunk-seconds",
        "0.01",
        "--no-progress",
    ]
    proc = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    total = 16
    try:
        deadline = time.monotonic() + 120
        while len(_done_runs(out)) < 5:
            assert proc.poll() is None, "the study ended before it could be killed"
            assert time.monotonic() < deadline, "the study made no progress"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = {(p, r) for p, r, _ in _done_runs(out)}
    assert 5 <= len(before) < total
    assert not (out / "indices.csv").exists()
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    runs = _done_runs(out)
    keys = [(p, r) for p, r, _ in runs]
    assert len(keys) == len(set(keys)) == total, "every run finished exactly once"
    assert {(p, r) for p, r, s in runs if s == 2} == set(keys) - before
    assert (out / "indices.csv").read_bytes() == (reference / "indices.csv").read_bytes()
    assert "brain_waste_rate_world_2002" in rerun.stdout


# --- the shipped experiments ---------------------------------------------------------------------
def test_every_shipped_experiment_validates():
    files = sorted(STUDIES.glob("*.toml"))
    names = {f.stem for f in files}
    assert {"ishigami", "sobol_brain_gain", "morris_screening", "incentive_effect"} <= names
    for file in files:
        experiment = load_experiment(file)
        assert make_design(experiment).rows > 0


def test_sobol_brain_gain_varies_eight_to_twelve_levers_and_assumptions():
    experiment = load_experiment(STUDIES / "sobol_brain_gain.toml")
    assert 8 <= len(experiment.inputs) <= 12
    assert experiment.scenario.world_ref == "default"
    kinds = {i.kind for i in experiment.inputs}
    assert kinds == {"parameter", "event"}
    outputs = {o.name for o in experiment.outputs}
    assert {"net_brain_gain_SSF_2030", "net_brain_gain_SAS_2030"} <= outputs


def test_morris_screening_reads_every_numeric_parameter_from_the_table():
    experiment = load_experiment(STUDIES / "morris_screening.toml")
    numeric = {s.name for s in PARAMETERS if s.kind in (int, float)}
    varied = {i.target for i in experiment.inputs if i.kind == "parameter"}
    assert varied == numeric - {"agents_per_country", "fixed_prospect"}
    by_name = {s.name: s for s in PARAMETERS}
    for item in experiment.inputs:
        if item.kind == "parameter":
            spec = by_name[item.target]
            assert spec.low <= item.low < item.high <= spec.high


def test_a_study_on_a_dask_cluster_gives_the_same_indices(tmp_path):
    distributed = pytest.importorskip("distributed")
    experiment = load_experiment(STUDIES / "ishigami.toml").with_options(samples=32)
    _, local = study(experiment, tmp_path / "local")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        done = run_study(
            experiment,
            tmp_path / "dask",
            RunnerOptions(scheduler=cluster.scheduler_address, progress=False),
        )
    assert done.result.done == 32 * 5
    remote = analyze_study(done.batch.design, done.result.metrics_path, tmp_path / "dask")
    pd.testing.assert_frame_equal(remote.indices, local.indices, check_exact=True)


def test_outputs_are_reduced_in_the_worker_as_aggregate_regions_aggregates():
    from experiments.sensitivity.task import OutputPlan, reduce
    from simulation import METRICS, Params, aggregate_regions, load_world
    from simulation import simulate_with_counterfactual as paired

    world = load_world("teaching")
    frame = paired(world, Params(agents_per_country=20), 3, 5)
    regions = dict(zip(world.countries["iso3"], world.countries["region"], strict=True))
    areas = {
        "world": None,
        "SSF": tuple(c for c, r in regions.items() if r == "SSF"),
        "IND": ("IND",),
        "group": ("JAM", "PHL", "GHA"),
    }
    for area, members in areas.items():
        for years in ((2003,), (2001, 2002, 2003)):
            rows = frame["year"].isin(years)
            if members is not None:
                rows &= frame["country"].isin(members)
            by_year = aggregate_regions(frame[rows], dict.fromkeys(regions, "A"))
            for metric in METRICS:
                found = reduce(frame, OutputPlan("o", metric, members, years))
                expected = by_year[metric].mean()
                assert found == pytest.approx(expected, rel=1e-12, abs=1e-15), (metric, area)


EVERY_METHOD = """
task = "experiments.testing:noisy_linear"
method = "{method}"
samples = {samples}
replications = 2
[scenario]
world = "teaching"
years = 1
[[inputs]]
parameter = "recognition_base"
range = [0.0, 1.0]
[[inputs]]
parameter = "perception_ict"
range = [0.0, 1.0]
[[outputs]]
metric = "returns"
area = "MEX"
name = "y"
"""


@pytest.mark.parametrize(
    ("method", "samples", "index", "weak"),
    [
        ("sobol", 16, "ST", "ST"),
        ("morris", 6, "mu_star", "mu_star"),
        ("fast", 65, "ST", "ST"),
        ("delta", 128, "delta", "S1"),  # Borgonovo's delta is biased above 0 at small N
    ],
)
def test_every_method_finds_the_input_that_matters(tmp_path, method, samples, index, weak):
    """Y = slope x recognition_base + seed noise: recognition_base leads by far, and
    perception_ict is not distinguishable from 0 (or negligible), whatever the method."""
    file = write(tmp_path / "e.toml", EVERY_METHOD.format(method=method, samples=samples))
    _, analysis = study(load_experiment(file), tmp_path / "out")
    found = indices_of(analysis, "y")
    strong = found.loc[("recognition_base", index), "value"]
    assert found.loc[("recognition_base", index), "finding"] == "above 0"
    assert found.loc[("perception_ict", index), "value"] < strong / 3
    assert found.loc[("perception_ict", weak), "finding"] in (
        NOT_DISTINGUISHABLE,
        "above 0 but negligible (< 0.01)",
    )
    figure = "morris_y.png" if method == "morris" else "indices_y.png"
    assert (tmp_path / "out" / "figures" / figure).exists()


def test_a_two_input_sweep_is_a_full_grid(tmp_path):
    file = write(tmp_path / "e.toml", EVERY_METHOD.format(method="sweep", samples=3))
    _, analysis = study(load_experiment(file), tmp_path / "out")
    sweep = pd.read_csv(tmp_path / "out" / "sweep.csv")
    assert len(sweep) == 9
    assert sorted(set(sweep["recognition_base"])) == [0.0, 0.5, 1.0]
    expected = LINEAR_SLOPE * sweep["recognition_base"]
    assert np.allclose(sweep["y_mean"], expected, atol=4 * LINEAR_NOISE)
    assert "maximum" in "\n".join(analysis.lines)
    assert (tmp_path / "out" / "figures" / "sweep_y.png").exists()


def test_the_sweep_console_and_figure_show_net_brain_gain_in_points_and_sweep_csv_keeps_fractions():
    """README Output files/Units: the console and the figures show differences of shares in
    percentage points, labelled; the files keep the model's units."""
    experiment = load_experiment(STUDIES / "incentive_effect.toml").with_options(
        samples=3, replications=2
    )
    design = make_design(experiment)
    output = experiment.outputs[0].name
    assert experiment.outputs[0].metric == "net_brain_gain"
    runs = {output: np.array([[0.001, 0.003], [0.004, 0.006], [-0.010, -0.012]])}
    sweep = sweep_table(design, runs).sort_values("fixed_prospect")
    assert sweep[f"{output}_mean"].tolist() == pytest.approx([0.002, 0.005, -0.011])  # fractions
    lines = sweep_lines(design, sweep, output)
    assert "(pp)" in lines[0]
    printed = [float(line.split()[1]) for line in lines[1:4]]
    assert printed == pytest.approx([0.2, 0.5, -1.1])
    assert lines[-1].startswith("  maximum +0.50 pp at fixed_prospect = 0.5")
    fig = sweep_plot(design, sweep, output)
    try:
        ax = fig.axes[0]
        assert "percentage points" in ax.get_ylabel()
        assert ax.lines[0].get_ydata().tolist() == pytest.approx([0.2, 0.5, -1.1])
    finally:
        plt.close(fig)


MORRIS_GAIN = (
    EVERY_METHOD.format(method="morris", samples=6)
    .replace("noisy_linear", "linear_gain")
    .replace('metric = "returns"', 'metric = "net_brain_gain"')
)


def test_morris_effects_show_in_points_per_input_range_and_indices_csv_keeps_fractions(
    tmp_path, capsys
):
    """net_brain_gain = slope x recognition_base / 100 + seed noise, recognition_base over
    [0, 1]: every elementary effect is slope / 100 = 0.035 as a difference of fractions
    (indices.csv, its unit column says so), shown as 3.46 percentage points per input range on
    the console, in report.txt and on the mu*-sigma figure, like every other number about net
    brain gain; the seed's share of variance has no unit."""
    file = write(tmp_path / "e.toml", MORRIS_GAIN)
    out = tmp_path / "out"
    argv = ["sensitivity", str(file), "--workers", "1", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    console = capsys.readouterr().out
    indices = pd.read_csv(out / "indices.csv").set_index(["input", "index"])
    effect = indices.loc[("recognition_base", "mu_star")]
    assert effect["value"] == pytest.approx(LINEAR_SLOPE / 100, rel=1e-6)  # model units
    assert effect["unit"] == "share difference per input range"
    assert indices.loc[("recognition_base", "mu"), "unit"] == effect["unit"]
    assert indices.loc[("seed", "ST"), "unit"] == "share of variance"
    report = (out / "report.txt").read_text(encoding="utf-8")
    for text in (console, report):
        assert "elementary effects in pp per input range" in text
        lines = text.splitlines()
        assert any(line.split()[:3] == ["mu_star", "(pp)", "sigma"] for line in lines if line)
        row = next(line.split() for line in lines if line.endswith("  recognition_base"))
        shown = figure(100 * effect["value"])
        assert row[:3] == [shown, f"[{shown},", f"{shown}]"]
        assert float(row[0]) == pytest.approx(LINEAR_SLOPE, abs=0.01)  # 3.46 pp
        assert float(row[-2]) == pytest.approx(LINEAR_SLOPE, abs=0.01)  # mu
    design = make_design(load_experiment(file))
    analysis = analyze_study(design, out / "metrics.parquet", out)
    fig = morris_plot(analysis.outputs[0], "net_brain_gain")
    try:
        ax = fig.axes[0]
        assert ax.get_xlabel().startswith("mu*, pp per input range")
        assert ax.get_ylabel().startswith("sigma, pp per input range")
        assert max(ax.lines[0].get_xdata()) == pytest.approx(LINEAR_SLOPE, abs=0.01)
        noise = figure(100 * indices.loc[("seed", "ST"), "value"], decimals=1)
        assert ax.get_title().endswith(f"seed noise {noise}% of the variance")  # not 0%
    finally:
        plt.close(fig)


def test_a_task_output_without_a_model_unit_is_shown_as_it_is():
    experiment = load_experiment(STUDIES / "ishigami.toml").with_options(samples=4)
    output = experiment.outputs[0].name
    assert display(experiment.outputs[0].metric).scale == 1.0
    design = make_design(experiment)
    frame = pd.DataFrame({i.name: [0.0, 1.0] for i in experiment.inputs})
    for k, value in (("mean", [2.5, 3.5]), ("ci_low", [2.0, 3.0]), ("ci_high", [3.0, 4.0])):
        frame[f"{output}_{k}"] = value
    lines = sweep_lines(design, frame, output)
    assert "(" not in lines[0] and lines[-1].startswith("  maximum 3.50 at")


def test_intervals_are_reproducible_with_sample_seed_0(tmp_path):
    """SALib skips seeding for seed 0; the analysis must not inherit that."""
    file = write(tmp_path / "e.toml", EVERY_METHOD.format(method="fast", samples=65))
    experiment = load_experiment(file)
    assert experiment.sample_seed == 0
    done, first = study(experiment, tmp_path / "out")
    np.random.seed(12345)  # whatever the global state, the same intervals
    again = analyze_study(done.batch.design, done.result.metrics_path, tmp_path / "out")
    pd.testing.assert_frame_equal(first.indices, again.indices, check_exact=True)


@pytest.mark.parametrize(
    ("metric", "scale", "shown", "filed"),
    [
        ("net_brain_gain", 100.0, "pp per input range", "share difference per input range"),
        ("human_capital", 100.0, "pp per input range", "share difference per input range"),
        ("returns", 1.0, "persons/year per input range", "persons/year per input range"),
        ("y", 1.0, "per input range", "per input range"),  # a task's output without a unit
    ],
)
def test_morris_statistics_take_the_unit_of_a_difference_of_the_output(metric, scale, shown, filed):
    """An elementary effect is a change of the output (a share's change is in points, not in
    percent); Sobol indices are shares of variance, shown as they are."""
    for index in ("mu_star", "sigma", "mu"):
        assert index_display(metric, index).scale == scale
        assert index_unit(metric, index) == shown
        assert model_unit(metric, index) == filed
    assert index_display(metric, "ST").scale == 1.0
    assert index_unit(metric, "ST") == model_unit(metric, "S1") == "share of variance"
    assert effect_unit(metric, "y").endswith("per input range")
    assert effect_unit(metric, "y").startswith("y's own unit" if metric == "y" else shown)
