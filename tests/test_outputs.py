"""Outputs sized for studies: a batch keeps only chosen metrics, years and one level, chosen in
the worker; summary.csv is written a piece of many scenarios at a time."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from braingain.cli import main
from experiments import summary as summary_module
from experiments.areas import read_scenario, region_map, with_areas
from experiments.batch import make_batch
from experiments.errors import UserError
from experiments.manifest import StaleResultsError
from experiments.outputs import SelectedTask, make_selection
from experiments.runner import RunnerOptions, run_batch
from experiments.scenario import load_scenario
from experiments.summary import summarize, write_summary
from experiments.testing import fake_task, scenario_text
from simulation import aggregate_regions, load_world

KEPT = ("human_capital", "net_brain_gain", "skilled_emigration_rate")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenario")
    path = folder / "a.toml"
    path.write_text(scenario_text("a", replications=3), encoding="utf-8")
    return load_scenario(path)


@pytest.fixture(scope="module")
def full(scenario, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("full")
    run_batch(make_batch([scenario]), out, RunnerOptions(workers=2, progress=False))
    return out


def slim(scenario, out: Path, level: str, metrics=KEPT, years=(2003, 2005)):
    selection = make_selection(metrics, years, level)
    batch = make_batch([scenario], None, selection)
    return batch, run_batch(batch, out, RunnerOptions(workers=2, progress=False))


@pytest.mark.parametrize("level", ["region", "world"])
def test_a_slim_batch_stores_exactly_the_aggregates_of_the_full_runs(
    scenario, full, tmp_path, level
):
    _, result = slim(scenario, tmp_path, level)
    kept = pd.read_parquet(result.metrics_path)
    assert list(kept.columns) == ["scenario", "replication", "year", "country", *KEPT]
    every = pd.read_parquet(full / "metrics.parquet")
    every = every[every["year"].isin([2003, 2005])]
    regions = region_map(scenario)
    world = aggregate_regions(every, dict.fromkeys(regions, "WLD"))
    if level == "region":  # each region, then the world, year by year
        expected = pd.concat([aggregate_regions(every, regions), world], ignore_index=True)
        expected = expected.sort_values(["scenario", "replication", "year"], kind="stable")
    else:
        expected = world
    expected = expected[["scenario", "replication", "year", "country", *KEPT]]
    pd.testing.assert_frame_equal(kept, expected.reset_index(drop=True), check_exact=True)
    if level == "world":
        assert set(kept["country"]) == {"WLD"}
    else:
        assert set(kept["country"]) == {*regions.values(), "WLD"}
        assert kept.groupby(["replication", "year"])["country"].last().eq("WLD").all()
    slim_bytes = sum(p.stat().st_size for p in (tmp_path / "chunks").glob("*.parquet"))
    full_bytes = sum(p.stat().st_size for p in (full / "chunks").glob("*.parquet"))
    assert slim_bytes * 5 < full_bytes


def test_summary_of_a_region_batch_matches_the_full_batch_on_the_kept_cells(
    scenario, full, tmp_path
):
    batch, result = slim(scenario, tmp_path, "region", metrics=None)
    kept = pd.read_csv(write_summary(result.metrics_path, batch, tmp_path))
    everything = pd.read_csv(write_summary(full / "metrics.parquet", make_batch([scenario]), full))
    assert set(kept["level"]) == {"region", "world"}
    keys = ["scenario", "level", "area", "year"]
    both = kept.merge(everything, on=keys, suffixes=("", "_full"))
    assert len(both) == len(kept)
    for column in ("human_capital_mean", "net_brain_gain_ci_high", "skilled_emigrants_mean"):
        np.testing.assert_allclose(both[column], both[f"{column}_full"], rtol=1e-6, atol=1e-12)


def test_metrics_kept_at_country_level_aggregate_only_when_their_parts_are_kept(scenario, tmp_path):
    batch, result = slim(scenario, tmp_path, "country", metrics=["human_capital", "returns"])
    table = pd.read_csv(write_summary(result.metrics_path, batch, tmp_path))
    regions = table[table["level"] == "region"]
    assert regions["returns_mean"].notna().all(), "a count adds up over countries"
    assert regions["human_capital_mean"].isna().all(), "a ratio needs its numerator"


def test_a_region_batch_of_the_readme_example_has_the_world_rows_of_the_full_batch(
    scenario, full, tmp_path
):
    """README "Outputs sized for studies": `--metrics net_brain_gain,human_capital --level
    region` keeps no parts of either ratio, yet summary.csv has world rows, aggregated in the
    worker from every country: the numbers of a full batch's world rows."""
    batch, result = slim(scenario, tmp_path, "region", metrics=("net_brain_gain", "human_capital"))
    kept = pd.read_csv(write_summary(result.metrics_path, batch, tmp_path))
    everything = pd.read_csv(write_summary(full / "metrics.parquet", make_batch([scenario]), full))
    world = kept[kept["level"] == "world"]
    assert set(world["area"]) == {"WLD"} and sorted(world["year"]) == [2003, 2005]
    assert (world["replications"] == 3).all()
    both = world.merge(everything, on=["scenario", "level", "area", "year"], suffixes=("", "_full"))
    assert len(both) == 2
    for metric in ("net_brain_gain", "human_capital"):
        for stat in ("mean", "ci_low", "ci_high"):
            column = f"{metric}_{stat}"
            assert both[column].notna().all()
            np.testing.assert_allclose(both[column], both[f"{column}_full"], rtol=1e-6, atol=1e-12)


def test_larger_areas_are_there_even_when_no_kept_metric_can_be_aggregated(scenario, tmp_path):
    """A country batch keeping a ratio without its parts still gets its region and world rows
    in summary.csv, empty for that metric (README: "the others stay empty there")."""
    batch, result = slim(scenario, tmp_path, "country", metrics=["human_capital"])
    table = pd.read_csv(write_summary(result.metrics_path, batch, tmp_path))
    regions = set(region_map(scenario).values())
    for level, areas in (("region", regions), ("world", {"WLD"})):
        rows = table[table["level"] == level]
        assert set(rows["area"]) == areas and set(rows["year"]) == {2003, 2005}
        assert rows["human_capital_mean"].isna().all()
    countries = table[table["level"] == "country"]
    assert countries["human_capital_mean"].notna().all()


def test_region_rows_without_a_world_get_world_rows_from_the_parts_they_kept():
    """Rows of regions alone (a folder made before region batches kept the world): the world
    is added from the kept parts, and is empty for a ratio whose parts are missing."""
    frame = pd.DataFrame(
        {
            "scenario": "a",
            "replication": 0,
            "year": 2001,
            "country": ["R1", "R2"],
            "returns": [3.0, 4.0],
            "human_capital": [0.1, 0.3],
        }
    )
    areas = with_areas(frame, {"AAA": "R1", "BBB": "R2"}, "region")
    world = areas[areas["level"] == "world"]
    assert world["area"].tolist() == ["WLD"]
    assert world["returns"].tolist() == [7.0]
    assert world["human_capital"].isna().all()
    with_world = pd.concat([frame, frame.iloc[[0]].assign(country="WLD")], ignore_index=True)
    areas = with_areas(with_world, {"AAA": "R1", "BBB": "R2"}, "region")
    assert areas.groupby("level")["area"].apply(list).to_dict() == {
        "region": ["R1", "R2"],
        "world": ["WLD"],
    }
    ratio_only = frame.drop(columns="returns")
    assert len(with_areas(ratio_only, {"AAA": "R1", "BBB": "R2"}, "region")) == 3
    compared = with_areas(ratio_only, {"AAA": "R1", "BBB": "R2"}, "region", empty=False)
    assert set(compared["level"]) == {"region"}, "a comparison gets no all-empty areas"


def test_summary_pieces_of_many_scenarios_equal_one_summary_per_scenario(tmp_path, monkeypatch):
    """Twenty scenarios on two worlds, summarized in pieces of a few scenarios (forced), give the
    rows of summarizing each scenario on its own, in batch order."""
    scenarios = []
    for world in ("teaching", "default"):
        path = tmp_path / f"{world}.toml"
        path.write_text(scenario_text(world, world=world, replications=2, years=2))
        base = load_scenario(path)
        scenarios += [dataclasses.replace(base, name=f"{world}_{k:02d}") for k in range(10)]
    order = [scenarios[k] for k in np.random.default_rng(1).permutation(len(scenarios))]
    batch = make_batch(order, fake_task)
    result = run_batch(batch, tmp_path / "out", RunnerOptions(workers=2, progress=False))
    monkeypatch.setattr(summary_module, "PIECE_ROWS", 500)
    pieces = list(summary_module.pieces(result.metrics_path, 500))
    assert len(pieces) > 5
    table = pd.read_csv(write_summary(result.metrics_path, batch, tmp_path / "out"))
    expected = pd.concat(
        [
            summarize(read_scenario(str(result.metrics_path), s.name), region_map(s))
            for s in batch.scenarios
        ],
        ignore_index=True,
    )
    assert table["scenario"].tolist() == expected["scenario"].tolist()
    assert table[["level", "area", "year"]].equals(expected[["level", "area", "year"]])
    numbers = [c for c in expected.columns if c.endswith(("_mean", "_ci_low", "_ci_high"))]
    np.testing.assert_allclose(table[numbers], expected[numbers], rtol=1e-7, atol=1e-300)


def test_bad_output_choices_are_one_line_and_exit_2(scenario, tmp_path, capsys):
    file = str(scenario.path)
    unknown = "--metrics: unknown metric 'net_brain_gian' (did you mean 'net_brain_gain'?)"
    outside = "--years: [1999] outside the runs (a records 2000..2005); allowed: years in 2000"
    cases = [(["--metrics", "net_brain_gian"], unknown), (["--years", "1999,2003"], outside)]
    for extra, message in cases:
        status = main(["run", file, "--out", str(tmp_path / "x"), "--no-progress", *extra])
        err = capsys.readouterr().err
        assert status == 2 and message in err and err.strip().count("\n") == 0
    with pytest.raises(UserError, match="level"):
        make_selection(None, None, "continent")


def test_years_a_shorter_scenario_lacks_name_that_scenario(scenario, tmp_path, capsys):
    """A glob that picks up a shorter run (as scenarios/*.toml once picked up the 10-year
    hindcast): the one line says which scenario does not record which years."""
    short = tmp_path / "short.toml"
    short.write_text(scenario_text("short", years=2), encoding="utf-8")
    files = [str(scenario.path), str(short)]
    status = main(["run", *files, "--out", str(tmp_path / "x"), "--years", "2001,2004"])
    err = capsys.readouterr().err
    assert status == 2 and err.strip().count("\n") == 0
    assert "--years: [2004] outside the runs (short records 2000..2002)" in err
    assert "a records" not in err  # the scenario that does reach 2004 is not blamed
    assert not (tmp_path / "x").exists()
    status = main(["compare", *files, "--out", str(tmp_path / "y"), "--years", "2004"])
    assert status == 2
    assert "outside the compared runs (short records 2000..2002)" in capsys.readouterr().err


def test_a_folder_keeps_one_output_choice(scenario, tmp_path, capsys):
    slim(scenario, tmp_path, "region")
    with pytest.raises(StaleResultsError, match="keep other outputs"):
        slim(scenario, tmp_path, "world")
    status = main(["run", str(scenario.path), "--out", str(tmp_path), "--no-progress"])
    assert status == 2
    assert "keep other outputs (metrics human_capital" in capsys.readouterr().err


def test_the_command_line_keeps_what_it_is_told(scenario, tmp_path):
    out = tmp_path / "out"
    argv = [
        "run",
        str(scenario.path),
        "--out",
        str(out),
        "--no-progress",
        "--workers",
        "2",
        "--metrics",
        "net_brain_gain,human_capital,adult_residents",
        "--years",
        "2005",
        "--level",
        "region",
    ]
    assert main(argv) == 0
    kept = pd.read_parquet(out / "metrics.parquet")
    assert set(kept["year"]) == {2005}
    assert list(kept.columns[4:]) == ["net_brain_gain", "human_capital", "adult_residents"]
    assert set(kept["country"]) == {*load_world("teaching").countries["region"], "WLD"}
    summary = pd.read_csv(out / "summary.csv")
    world = summary[summary["level"] == "world"]
    assert world["area"].tolist() == ["WLD"]
    assert world[["net_brain_gain_mean", "human_capital_mean"]].notna().all(axis=None)


@pytest.mark.parametrize(
    ("metrics", "twin_runs"),
    [
        (("human_capital", "skilled_emigration_rate"), False),
        (("skilled_emigration_rate", "net_brain_gain"), True),  # the twin gives net brain gain
        (("human_capital_no_emigration",), True),
        (None, True),  # every metric kept
    ],
)
def test_the_twin_runs_only_when_a_kept_metric_reads_it(monkeypatch, metrics, twin_runs):
    """A batch keeping only metrics of the run itself skips the no-emigration twin (about a
    third of a paired run) and stores the same numbers as the paired run."""
    from simulation import MigrationModel, Params, simulate_with_counterfactual
    from simulation.model import MigrationModel as Model

    world, params = load_world("teaching"), Params(agents_per_country=20)
    selection = make_selection(metrics, None, "region")
    regions = dict(zip(world.countries["iso3"], world.countries["region"], strict=True))
    expected = selection.apply(simulate_with_counterfactual(world, params, 3, 7), regions)
    twins = []
    real_twin = MigrationModel.twin

    def counted_twin(self, *args, **kwargs):
        twins.append(self)
        return real_twin(self, *args, **kwargs)

    monkeypatch.setattr(Model, "twin", counted_twin)
    task = SelectedTask(simulate_with_counterfactual, selection)
    kept = task(world, params, 3, 7)
    assert bool(twins) == twin_runs
    pd.testing.assert_frame_equal(kept, expected, check_exact=True)


def test_every_metric_aggregated_from_twin_columns_is_a_twin_metric():
    """Batches and studies decide by a metric's name whether the twin must run: that holds only
    while no other metric is aggregated from the twin's columns."""
    from simulation.metrics import COUNTERFACTUAL_METRICS, METRICS, metric_parts

    for name in METRICS:
        if set(metric_parts(name)) & set(COUNTERFACTUAL_METRICS):
            assert name in COUNTERFACTUAL_METRICS, name
