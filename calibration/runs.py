"""Simulator runs of a calibration, through the project's batch runner.

Each design point is one scenario (named `P0000`, `P0001`, ... within its folder) whose
parameters are the calibration's fixed values plus the point's inputs, run for its
replications. Its root seed is drawn from the calibration's seed, the folder's stage and the
point's index (`SeedSequence(seed, spawn_key=(stage, point))`), so points have independent
seed noise (what the emulators assume) and results do not depend on workers or resuming. The
runner gives the rest: resume after kill -9, failures recorded, a local pool or Dask.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.config import CalibrationConfig
from calibration.task import summary_task
from experiments.batch import Batch
from experiments.runner import BatchResult, RunnerOptions, run_batch
from experiments.scenario import Scenario
from experiments.scenario_schema import MAX_SEED


class Interrupted(Exception):
    """The runner stopped on Ctrl-C/SIGTERM; rerunning the command resumes."""


@dataclass
class RunTable:
    """Statistics of a folder's runs: values (points, replications, targets), NaN if missing."""

    values: np.ndarray
    failed: int
    result: BatchResult


def point_seed(seed: int, stage: int, point: int) -> int:
    state = np.random.SeedSequence(seed, spawn_key=(stage, point)).generate_state(1, np.uint64)
    return int(state[0]) % MAX_SEED


def point_parameters(config: CalibrationConfig, unit: np.ndarray) -> dict:
    """The parameter values of one unit-cube point (fixed values included)."""
    values = {i.name: i.to_value(float(u)) for i, u in zip(config.inputs, unit, strict=True)}
    return {**config.fixed, **values}


def make_batch(
    config: CalibrationConfig,
    points: np.ndarray,
    replications: int,
    stage: int,
) -> Batch:
    """One scenario per point (unit-cube rows), with the calibration's summary task."""
    sources = config.scenario_sources or ((str(config.path), config.text),)
    scenarios = tuple(
        Scenario(
            name=f"P{i:04d}",
            description=f"{config.name}: stage {stage}, point {i}",
            path=config.path,
            sources=sources,
            world_ref=config.world_ref,
            start_year=config.start_year,
            years=config.years,
            replications=replications,
            seed=point_seed(config.seed, stage, i),
            overrides=point_parameters(config, point),
            events=config.events,
        )
        for i, point in enumerate(points)
    )
    task = functools.partial(
        summary_task,
        statistics=config.statistics,
        target_years=config.target_years,
        simulator=config.simulator,
    )
    return Batch(scenarios, task)


def run_points(
    config: CalibrationConfig,
    points: np.ndarray,
    replications: int,
    stage: int,
    out: Path,
    options: RunnerOptions,
) -> RunTable:
    """Run (or resume) every point's replications into `out`; raises Interrupted on Ctrl-C."""
    batch = make_batch(config, points, replications, stage)
    result = run_batch(batch, out, options)
    if result.interrupted:
        raise Interrupted(str(out))
    frame = pd.read_parquet(result.metrics_path)
    values = target_values(frame, config.targets, len(points), replications)
    return RunTable(values=values, failed=len(result.failed), result=result)


def target_values(
    frame: pd.DataFrame, targets: pd.DataFrame, points: int, replications: int
) -> np.ndarray:
    """(points, replications, targets) from the runner's metrics table (NaN where missing)."""
    out = np.full((points, replications, len(targets)), np.nan)
    if frame.empty:
        return out
    wanted = targets[["statistic", "year", "area"]].rename(columns={"area": "country"})
    wanted = wanted.assign(column=np.arange(len(targets)))
    keys = ["scenario", "replication", "year", "country"]
    present = [s for s in dict.fromkeys(wanted["statistic"]) if s in frame.columns]
    long = frame[keys + present].melt(id_vars=keys, var_name="statistic", value_name="value")
    long = long.merge(wanted, on=["statistic", "year", "country"], how="inner")
    point = long["scenario"].str.slice(1).astype(int).to_numpy()
    out[point, long["replication"].to_numpy(), long["column"].to_numpy()] = long["value"]
    return out


def parameter_frame(config: CalibrationConfig, points: Sequence[np.ndarray]) -> pd.DataFrame:
    """Parameter values of unit-cube points, one column per input."""
    rows = [point_parameters(config, p) for p in points]
    return pd.DataFrame(rows)[[i.name for i in config.inputs]]
