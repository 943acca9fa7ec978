"""Run an experiment through the batch runner: every distinct sample point times replications.

A study is a batch like any other (resumable after kill -9, reproducible whatever the workers,
local or on Dask), whose runs are named by their sample point and return one row of outputs.
Replication r of every point uses the seed SeedSequence(scenario seed, spawn_key=(r,)): common
random numbers, so two points differ by their inputs, not by luck.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from experiments.batch import RunKey
from experiments.runner import BatchResult, RunnerOptions, run_batch
from experiments.sensitivity.design import Design, make_design
from experiments.sensitivity.experiment import Experiment
from experiments.sensitivity.task import OutputPlan, StudyTask
from experiments.worker import RunSpec


@dataclass(frozen=True, eq=False)
class StudyBatch:
    """The runner's view of a study (see experiments.batch.RunnerBatch)."""

    experiment: Experiment
    design: Design

    @property
    def task(self) -> StudyTask:
        plans = tuple(
            OutputPlan(o.name, o.metric, o.members, o.years) for o in self.experiment.outputs
        )
        return StudyTask(self.experiment.task, plans)

    @property
    def run_task(self) -> StudyTask:
        return self.task

    def keys(self) -> list[RunKey]:
        reps = range(self.experiment.replications)
        return [(point, r) for point in self.design.points for r in reps]

    def specs(self) -> list[RunSpec]:
        scenario = self.experiment.scenario
        out = []
        for point in self.design.points:
            params, events, variables = self.settings(point)
            for r in range(self.experiment.replications):
                out.append(
                    RunSpec(
                        scenario=point,
                        replication=r,
                        world=scenario.world_ref,
                        params=params,
                        years=scenario.years,
                        root_seed=scenario.seed,
                        events=events,
                        task_inputs=variables,
                    )
                )
        return out

    def settings(self, point: str) -> tuple[dict[str, Any], tuple, tuple[tuple[str, float], ...]]:
        """A point's parameter overrides, events and function variables."""
        scenario = self.experiment.scenario
        values = self.design.applied(self.design.first_row[point])
        params = dict(scenario.overrides)
        events = list(scenario.events)
        variables = []
        for item in self.experiment.inputs:
            value = values[item.name]
            if item.kind == "parameter":
                params[item.target] = value
            elif item.kind == "event":
                index = next(k for k, e in enumerate(events) if e.label == item.target)
                events[index] = dataclasses.replace(events[index], **{item.field: value})
            elif item.kind == "variable":
                variables.append((item.target, float(value)))
        return params, tuple(events), tuple(variables)

    def manifest_entries(self) -> list[dict[str, Any]]:
        entry = self.experiment.manifest_entry()
        entry["points"] = len(self.design.points)
        return [entry]

    def outputs_description(self) -> dict[str, Any]:
        return {"study outputs": [o.name for o in self.experiment.outputs]}


@dataclass
class StudyRun:
    """A study after running: its batch and the runner's result."""

    batch: StudyBatch
    result: BatchResult
    retried: int  # failed runs rerun once after the first pass


def run_study(
    experiment: Experiment, out: str | Path, options: RunnerOptions | None = None
) -> StudyRun:
    """Run every unfinished run of the experiment into `out`. Runs that failed are rerun once
    (a second pass of the runner); those failing again stay failed and the analysis drops the
    blocks they belong to."""
    options = options or RunnerOptions()
    batch = StudyBatch(experiment, make_design(experiment))
    result = run_batch(batch, out, options)
    retried = 0
    if result.failed and not result.interrupted and options.retry_failed:
        retried = len(result.failed)
        again = dataclasses.replace(options, overwrite=False)
        result = run_batch(batch, out, again)
    return StudyRun(batch, result, retried)
