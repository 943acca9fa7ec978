"""`braingain sensitivity` and `braingain discover`: bad experiment files, named country groups,
scenario discovery with PRIM, and the export EMA Workbench reads."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from braingain.cli import main
from experiments.discovery import EMA_FILE, discover, load_runs
from experiments.errors import UserError
from experiments.runner import RunnerOptions
from experiments.sensitivity.experiment import load_experiment
from experiments.sensitivity.results import analyze_study
from experiments.sensitivity.study import run_study
from experiments.testing import LINEAR_SLOPE

HERE = Path(__file__).resolve().parent
CORPUS = sorted((HERE / "malformed_experiments").glob("*.toml"))
BRAINGAIN = str(Path(sys.executable).with_name("braingain"))
DATA = HERE.parent / "simulation" / "data"


def expected(path: Path) -> str:
    first = path.read_bytes().splitlines()[0].decode("ascii")
    assert first.startswith("# expect: "), f"{path.name} lacks its '# expect:' line"
    return first.removeprefix("# expect: ")


def test_the_corpus_covers_the_experiment_file():
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_each_malformed_experiment_gets_one_clear_line(path, tmp_path, capsys):
    status = main(["sensitivity", str(path), "--out", str(tmp_path / "out"), "--no-progress"])
    out, err = capsys.readouterr()
    assert status == 2
    assert err.startswith("braingain: error: ")
    assert err.strip().count("\n") == 0, f"one line, got:\n{err}"
    assert path.name in err, "the message names the file"
    assert expected(path) in err, "the message names the key and the problem"
    assert "allowed" in err, "the message says what is allowed"
    assert "Traceback" not in err + out
    assert not (tmp_path / "out").exists(), "nothing runs"


def test_the_console_script_exits_2_without_a_traceback(tmp_path):
    done = subprocess.run(
        [BRAINGAIN, "sensitivity", str(CORPUS[0]), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    missing = subprocess.run(
        [BRAINGAIN, "discover", str(tmp_path / "none"), "--output", "y", "--threshold", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "allowed" in missing.stderr
    assert "Traceback" not in missing.stderr


# --- named country groups ------------------------------------------------------------------------
GROUPED = """
method = "sobol"
samples = 2
[scenario]
world = "{world}"
years = 3
[[inputs]]
parameter = "recognition_base"
range = [0.1, 0.6]
[[outputs]]
metric = "skilled_emigration_rate"
area = "{area}"
"""


def world_folder(tmp_path: Path, ldc: list[str] | None) -> Path:
    """The default world's tables, with a 0/1 `ldc` column for the given countries (or none)."""
    folder = tmp_path / "world"
    folder.mkdir()
    shutil.copy(DATA / "corridors.csv", folder / "corridors.csv")
    countries = pd.read_csv(DATA / "countries.csv", keep_default_na=False, na_values=[""])
    countries = countries.drop(columns=[c for c in ("ldc", "sids", "lldc") if c in countries])
    if ldc is not None:
        countries["ldc"] = countries["iso3"].isin(ldc).astype(int)
    countries.to_csv(folder / "countries.csv", index=False)
    return folder


def test_a_group_is_read_from_the_world_table(tmp_path):
    members = ["AFG", "BGD", "ETH", "HTI", "NPL"]
    world = world_folder(tmp_path, members)
    file = tmp_path / "e.toml"
    file.write_text(GROUPED.format(world=world, area="ldc"), encoding="utf-8")
    (output,) = load_experiment(file).outputs
    assert output.name == "skilled_emigration_rate_ldc_2003"
    assert output.members == tuple(members)


def test_a_missing_group_column_is_one_clear_line(tmp_path, capsys):
    world = world_folder(tmp_path, None)
    file = tmp_path / "e.toml"
    file.write_text(GROUPED.format(world=world, area="sids"), encoding="utf-8")
    assert main(["sensitivity", str(file), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert "outputs[0].area: no country of world" in err
    assert "is in group 'sids' (its countries table has no 'sids' column" in err
    assert "[groups]" in err


def test_a_group_can_be_listed_in_the_file(tmp_path):
    text = GROUPED.format(world="teaching", area="islands")
    text = text.replace("[scenario]", '[groups]\nislands = ["JAM", "PHL"]\n[scenario]')
    file = tmp_path / "e.toml"
    file.write_text(text, encoding="utf-8")
    (output,) = load_experiment(file).outputs
    assert output.members == ("JAM", "PHL")


# --- discovery -----------------------------------------------------------------------------------
LINEAR = """
name = "linear"
task = "experiments.testing:noisy_linear"
method = "sobol"
samples = 64
replications = 2
sample_seed = 8
[scenario]
world = "teaching"
years = 1
seed = 3
[[inputs]]
parameter = "recognition_base"
range = [0.0, 1.0]
[[inputs]]
parameter = "perception_ict"
range = [0.0, 1.0]
[[outputs]]
metric = "returns"
area = "GHA"
name = "gain"
"""


def _run_and_analyze(tmp_path_factory, name: str, text: str) -> Path:
    """The study of experiment file `text`, run on two workers and analysed, in a new folder."""
    folder = tmp_path_factory.mktemp(name)
    file = folder / f"{name}.toml"
    file.write_text(text, encoding="utf-8")
    out = folder / "out"
    done = run_study(load_experiment(file), out, RunnerOptions(workers=2, progress=False))
    analyze_study(done.batch.design, done.result.metrics_path, out)
    return out


@pytest.fixture(scope="module")
def linear_study(tmp_path_factory) -> Path:
    """Gain = slope x recognition_base + small seed noise; perception_ict does nothing."""
    return _run_and_analyze(tmp_path_factory, "linear", LINEAR)


def test_prim_finds_the_box_where_the_output_crosses_the_threshold(linear_study):
    runs = load_runs(linear_study)
    assert len(runs.frame) == 64 * 4 * 2, "one row per run: points x replications"
    found = discover(runs, "gain", threshold=LINEAR_SLOPE * 0.6, above=True)
    limits = found.limits.set_index("input")
    assert limits.loc["recognition_base", "box_low"] == pytest.approx(0.6, abs=0.08)
    assert limits.loc["perception_ict", "box_low"] == limits.loc["perception_ict", "low"]
    assert limits.loc["perception_ict", "box_high"] == limits.loc["perception_ict", "high"]
    chosen = found.trajectory.iloc[found.chosen]
    assert chosen["density"] >= 0.8
    assert "when recognition_base >= 0.6" in found.sentence or "recognition_base >= 0.5" in (
        found.sentence
    )
    assert "perception_ict" not in found.sentence
    assert found.trajectory["coverage"].iloc[0] == pytest.approx(1.0)
    below = discover(runs, "gain", threshold=LINEAR_SLOPE * 0.3, above=False)
    assert "recognition_base <= 0.3" in below.sentence or "recognition_base <= 0.2" in (
        below.sentence
    )


def test_discover_reports_in_plain_words_and_exports_for_ema_workbench(linear_study, capsys):
    threshold = f"{LINEAR_SLOPE * 0.6:.4f}"
    assert main(["discover", str(linear_study), "--output", "gain", "--threshold", threshold]) == 0
    out = capsys.readouterr().out
    assert "peeling trajectory" in out and "coverage" in out and "density" in out
    assert "gain is above" in out and "of the runs when recognition_base >=" in out
    folder = linear_study / "discovery" / f"gain_above_{float(threshold):g}"
    assert {p.name for p in folder.iterdir()} >= {"trajectory.csv", "box.csv", "tradeoff.png"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import load_results
        from ema_workbench.analysis import feature_scoring
    experiments, outcomes = load_results(str(linear_study / EMA_FILE))
    assert len(experiments) == 64 * 4 * 2 and set(outcomes) == {"gain"}
    x = experiments[["recognition_base", "perception_ict"]]
    scores = feature_scoring.get_feature_scores_all(x, outcomes)
    assert scores.loc["recognition_base", "gain"] > 5 * scores.loc["perception_ict", "gain"]


def test_discover_refuses_unknown_outputs_and_thresholds_nothing_crosses(linear_study, capsys):
    runs = load_runs(linear_study)
    with pytest.raises(UserError, match="allowed: gain"):
        discover(runs, "loss", 0.0)
    with pytest.raises(UserError, match="above 100 persons/year in no run"):
        discover(runs, "gain", 100.0)
    assert main(["discover", str(linear_study), "--output", "loss", "--threshold", "0"]) == 2
    assert capsys.readouterr().err.startswith("braingain: error: --output")


# --- discovery in the console's units ------------------------------------------------------------
GAIN = (
    LINEAR.replace("noisy_linear", "linear_gain")
    .replace('metric = "returns"', 'metric = "net_brain_gain"')
    .replace("samples = 64", "samples = 32")
)


@pytest.fixture(scope="module")
def gain_study(tmp_path_factory) -> Path:
    """net_brain_gain = slope x recognition_base / 100 + noise: up to about 3.5 percentage
    points on the console, a difference of fractions up to about 0.035 in the files."""
    return _run_and_analyze(tmp_path_factory, "gain", GAIN)


def test_discover_reads_and_prints_the_threshold_in_the_consoles_unit(gain_study, capsys):
    """Net brain gain is shown in percentage points, so --threshold 2 means +2 pp (0.02 in the
    files), not 2 as a difference of fractions (which no run reaches)."""
    study = shutil.copytree(gain_study, gain_study.parent / "pp")
    assert main(["discover", str(study), "--output", "gain", "--threshold", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("gain above 2 pp (0.02 in the files' model units): ")
    assert "gain is above 2 pp in " in out and "of all runs above 2 pp and" in out
    folder = study / "discovery" / "gain_above_2"
    limits = pd.read_csv(folder / "box.csv").set_index("input")
    line = 0.02 / (LINEAR_SLOPE / 100)  # where recognition_base takes the gain over 2 pp
    assert limits.loc["recognition_base", "box_low"] == pytest.approx(line, abs=0.08)
    record = json.loads((folder / "discovery.json").read_text(encoding="utf-8"))
    assert record["threshold"] == pytest.approx(0.02) and record["shown_threshold"] == 2
    assert record["shown_unit"] == "percentage points" and "model unit" in record["threshold_unit"]
    report = (folder / "report.txt").read_text(encoding="utf-8")
    assert report.startswith("gain above 2 pp (0.02 in the files' model units): ")
    assert main(["discover", str(study), "--output", "gain", "--threshold", "0.02"]) == 0
    below = capsys.readouterr().out
    assert "gain above 0.02 pp (0.0002 in the files' model units)" in below
    assert main(["discover", str(study), "--output", "gain", "--threshold", "5"]) == 2
    err = capsys.readouterr().err
    assert "gain is above 5 pp in no run" in err and "in percentage points" in err
    assert "Traceback" not in err


def test_discover_help_says_the_thresholds_unit(capsys):
    assert main(["discover", "--help"]) == 0
    words = " ".join(capsys.readouterr().out.split())
    assert "percentage points (pp) for net brain gain" in words
    assert "percent for shares (30 = 30%)" in words


def test_report_shows_old_and_new_discovery_folders_in_the_consoles_unit(gain_study, capsys):
    """A folder written before discovery.json (its name and report.txt in model units, without
    a unit) reads, in the report, as a new one does: the threshold in percentage points."""
    study = shutil.copytree(gain_study, gain_study.parent / "both")
    assert main(["discover", str(study), "--output", "gain", "--threshold", "1.5"]) == 0
    assert main(["discover", str(study), "--output", "gain", "--threshold", "2", "--below"]) == 0
    capsys.readouterr()
    old = study / "discovery" / "gain_below_0.02"
    (study / "discovery" / "gain_below_2").rename(old)
    (old / "discovery.json").unlink()
    report = old / "report.txt"  # as the earlier braingain wrote it: "below 0.02", no unit
    report.write_text(report.read_text(encoding="utf-8").replace("2 pp", "0.02"), "utf-8")
    assert "below 0.02 in " in report.read_text(encoding="utf-8")
    for target in (study, old):
        page = study.parent / f"{target.name}.html"
        assert main(["report", str(target), "--out", str(page)]) == 0
        words = " ".join(html.unescape(re.sub("<[^>]+>", " ", page.read_text("utf-8"))).split())
        assert "gain is below 2 pp in " in words and "of all runs below 2 pp and" in words
        assert "gain below 2 pp" in words  # the heading
        assert "below 0.02 " not in words.replace("model units: 0.02)", "")
        assert "title gives the threshold in the files' model units: 0.02" in words
        if target == study:  # with the new folder, whose figure needs no such note
            assert "gain is above 1.5 pp in " in words and "gain above 1.5 pp" in words
            assert words.count("title gives the threshold") == 1


def test_sensitivity_command_runs_analyzes_and_resumes(tmp_path, capsys):
    file = tmp_path / "linear.toml"
    file.write_text(LINEAR.replace("samples = 64", "samples = 8"), encoding="utf-8")
    args = [
        "sensitivity",
        str(file),
        "--out",
        str(tmp_path / "out"),
        "--workers",
        "2",
        "--no-progress",
    ]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "32 sample points x 2 replications = 64 runs" in first
    assert "gain: sobol, N = 8" in first and "seed noise" in first and "convergence" in first
    indices = pd.read_csv(tmp_path / "out" / "indices.csv")
    assert set(indices["input"]) == {"recognition_base", "perception_ict", "seed"}
    assert main([*args, "--samples", "16"]) == 0
    second = capsys.readouterr().out
    assert "64 reused from earlier sessions" in second
    grown = pd.read_parquet(tmp_path / "out" / "samples.parquet")
    assert len(grown) == 16 * 4 and np.isfinite(grown["gain"]).all()
