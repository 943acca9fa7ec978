"""The hindcast: bands over replications from a run folder, scored against observed data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from braingain.cli import main
from calibration.hindcast import score_hindcast
from experiments.scenario import load_scenario

SCENARIO = """
name = "mini_hindcast"
world = "teaching"
years = 4
replications = 4
seed = 7
[parameters]
agents_per_country = 30
"""
KEEP = ["--metrics", "skilled_emigration_rate_iab20,human_capital", "--years", "2000,2002,2004"]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("hindcast")
    (root / "mini.toml").write_text(SCENARIO, encoding="utf-8")
    out = root / "out"
    assert main(["run", str(root / "mini.toml"), "--out", str(out), "--workers", "1", *KEEP]) == 0
    return out


def test_bands_hold_the_replications_and_persistence_is_the_start(run_folder):
    assert main(["hindcast", str(run_folder)]) == 0
    bands = pd.read_csv(run_folder / "hindcast.csv")
    assert set(bands["year"]) == {2002, 2004}
    assert set(bands["statistic"]) == {"skilled_emigration_rate_iab20", "human_capital"}
    assert (bands["replications"] == 4).all()
    assert (bands["simulated_p10"] <= bands["simulated_mean"]).all()
    assert (bands["simulated_mean"] <= bands["simulated_p90"]).all()
    metrics = pd.read_parquet(run_folder / "metrics.parquet")
    start = metrics[metrics["year"] == 2000].groupby("country")["human_capital"].mean()
    hc = bands[(bands["statistic"] == "human_capital") & (bands["year"] == 2004)]
    np.testing.assert_allclose(hc["start_year_value"], start.loc[hc["area"]].to_numpy())


def test_observations_equal_to_the_mean_score_perfectly_and_persistence_scores_one(run_folder):
    main(["hindcast", str(run_folder)])
    bands = pd.read_csv(run_folder / "hindcast.csv")
    observed = bands[["statistic", "area", "year"]].assign(value=bands["simulated_mean"])
    _, scores = score_hindcast(bands, observed, 2000)
    assert np.allclose(scores["spearman"], 1.0)
    assert np.allclose(scores["mae_model"], 0.0)
    # observed = the start value: persistence is exact and the model's error is all it moved
    stay = bands[["statistic", "area", "year"]].assign(value=bands["start_year_value"])
    _, scores = score_hindcast(bands, stay, 2000)
    assert (scores["mae_persistence"] == 0).all()
    assert (scores["mae_model"] > 0).all()


def test_the_command_scores_an_observed_file(run_folder, tmp_path, capsys):
    main(["hindcast", str(run_folder)])
    bands = pd.read_csv(run_folder / "hindcast.csv")
    rows = bands[bands["statistic"] == "skilled_emigration_rate_iab20"]
    observed = rows[["statistic", "area", "year"]].assign(
        value=rows["simulated_mean"] * 1.5 + 0.01  # the model too low: outside most bands
    )
    file = tmp_path / "observed.csv"
    observed.to_csv(file, index=False)
    assert main(["hindcast", str(run_folder), "--observed", str(file)]) == 0
    out = capsys.readouterr().out
    assert "skilled_emigration_rate_iab20 2004: 16 countries, Spearman" in out
    scores = pd.read_csv(run_folder / "hindcast_scores.csv")
    assert len(scores) == 2  # 2002 and 2004
    assert (scores["coverage_80"] < 0.5).all()
    joined = pd.read_csv(run_folder / "hindcast_observed.csv")
    assert len(joined) == len(observed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("statistic,area,year\nhuman_capital,GHA,2004\n", "column 'value' missing"),
        ("statistic,area,year,value\nhuman_capital,GHA,2004,high\n", "'high' is not a number"),
        ("statistic,area,year,value\nhuman_capital,GHA,1999,0.1\n", "no observation matches"),
    ],
)
def test_a_bad_observed_file_is_one_clear_line(run_folder, tmp_path, capsys, text, expected):
    file = tmp_path / "observed.csv"
    file.write_text(text, encoding="utf-8")
    assert main(["hindcast", str(run_folder), "--observed", str(file)]) == 2
    err = capsys.readouterr().err
    assert expected in err and str(file) in err
    assert err.strip().count("\n") == 0


def test_the_shipped_hindcast_scenario_draws_from_the_calibration():
    scenario = load_scenario("calibration/hindcast_2000_2010.toml")
    assert scenario.start_year == 2000 and scenario.years == 10
    assert scenario.replications >= 20
    assert scenario.posterior is not None  # parameter sets drawn from the posterior


def test_scores_say_what_persistence_ranks_and_whether_changes_point_the_right_way(run_folder):
    main(["hindcast", str(run_folder)])
    bands = pd.read_csv(run_folder / "hindcast.csv")
    # observed = start + twice the simulated change: the changes agree perfectly
    observed = bands[["statistic", "area", "year"]].assign(
        value=bands["start_year_value"] + 2 * (bands["simulated_mean"] - bands["start_year_value"])
    )
    _, scores = score_hindcast(bands, observed, 2000)
    assert np.allclose(scores["change_correlation"], 1.0)
    # observed = start - the simulated change: the model moves every country the wrong way
    against = observed.assign(
        value=bands["start_year_value"] - (bands["simulated_mean"] - bands["start_year_value"])
    )
    _, scores = score_hindcast(bands, against, 2000)
    assert np.allclose(scores["change_correlation"], -1.0)
    # observed = the start value: persistence ranks perfectly
    stay = observed.assign(value=bands["start_year_value"])
    _, scores = score_hindcast(bands, stay, 2000)
    assert np.allclose(scores["spearman_persistence"], 1.0)


def test_a_folder_that_is_not_a_run_is_one_clear_line(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    assert main(["hindcast", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "finished `braingain run`" in err
    assert err.strip().count("\n") == 0


def test_a_folder_of_several_scenarios_is_refused_not_pooled(tmp_path, capsys):
    """`braingain hindcast results/main` once pooled the baseline and two what-ifs into one
    band of 30 "replications"."""
    tiny = SCENARIO.replace("years = 4", "years = 2").replace(
        "replications = 4", "replications = 1"
    )
    files = []
    for name in ("base", "alt"):
        files.append(tmp_path / f"{name}.toml")
        files[-1].write_text(tiny.replace("mini_hindcast", name), encoding="utf-8")
    out = tmp_path / "out"
    keep = ["--metrics", "human_capital", "--years", "2000,2002", "--workers", "1"]
    assert main(["run", *map(str, files), "--out", str(out), *keep]) == 0
    capsys.readouterr()
    assert main(["hindcast", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert f"{out}: holds runs of 2 scenarios (base, alt)" in err and "allowed: " in err
    assert not (out / "hindcast.csv").exists()


def test_a_scenario_without_a_posterior_gets_a_note_on_its_bands(run_folder, capsys):
    assert main(["hindcast", str(run_folder)]) == 0
    assert "mini_hindcast draws no parameters from a calibration's posterior" in (
        capsys.readouterr().out
    )


def _readme_observed_example() -> str:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    hindcast = readme.split("### The 2000 → 2010 hindcast", 1)[1]
    return next(b for b in hindcast.split("```")[1::2] if b.startswith("\nstatistic,area"))


def test_the_readme_observed_example_gives_scores_and_says_what_it_cannot_score(tmp_path, capsys):
    """The README's example once named one country per statistic and year: the command wrote a
    0-byte hindcast_scores.csv and printed no score and no reason."""
    (tmp_path / "h.toml").write_text(
        SCENARIO.replace("years = 4", "years = 10").replace("replications = 4", "replications = 2")
        .replace("agents_per_country = 30", "agents_per_country = 10"),
        encoding="utf-8",
    )  # fmt: skip
    out = tmp_path / "out"
    keep = ["--metrics", "skilled_emigration_rate_iab20,human_capital", "--years", "2000,2010"]
    assert main(["run", str(tmp_path / "h.toml"), "--out", str(out), "--workers", "1", *keep]) == 0
    observed = tmp_path / "observed.csv"
    observed.write_text(_readme_observed_example().lstrip(), encoding="utf-8")
    capsys.readouterr()
    assert main(["hindcast", str(out), "--observed", str(observed)]) == 0
    printed = capsys.readouterr().out
    assert "skilled_emigration_rate_iab20 2010: 3 countries, Spearman" in printed
    assert "human_capital 2010: not scored, 1 observed country (GHA)" in printed
    assert "scores need 3 or more" in printed
    scores = pd.read_csv(out / "hindcast_scores.csv")
    assert scores[["statistic", "year"]].values.tolist() == [
        ["skilled_emigration_rate_iab20", 2010]
    ]


def test_nothing_scored_writes_the_header_and_says_why(run_folder, tmp_path, capsys):
    observed = tmp_path / "observed.csv"
    observed.write_text(
        "statistic,area,year,value\nhuman_capital,GHA,2004,0.03\n", encoding="utf-8"
    )
    assert main(["hindcast", str(run_folder), "--observed", str(observed)]) == 0
    printed = capsys.readouterr().out
    assert "human_capital 2004: not scored, 1 observed country (GHA)" in printed
    assert "hindcast_scores.csv (its header only: nothing scored)" in printed
    scores = pd.read_csv(run_folder / "hindcast_scores.csv")
    assert scores.empty and {"statistic", "year", "spearman", "r2"} <= set(scores.columns)
