"""The design of an experiment: SALib's sample, and the distinct runs it needs.

Each row of the sample is a sample point; two rows that set the same values (a Morris grid
revisiting a point, dummies that change nothing) are one point, run once. A point's name is a
hash of the values it applies, so a grown design (Sobol at 2N starts with the rows at N) finds
its earlier points by name and the runner reuses their runs.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from SALib.sample import fast_sampler, morris
from SALib.sample import sobol as sobol_sample
from scipy.stats import qmc

from experiments.sensitivity.experiment import Experiment, Input

FAST_HARMONICS = 4


@dataclass(frozen=True, eq=False)
class Design:
    """The sample (one row per sample point, one column per input) and how rows group."""

    experiment: Experiment
    problem: dict[str, Any]  # SALib's problem
    values: np.ndarray  # (rows, inputs), as sampled
    block: int  # rows per analysis block: sobol G+2, morris G+1, fast all rows, else 1

    @property
    def rows(self) -> int:
        return len(self.values)

    @property
    def blocks(self) -> np.ndarray:
        """The block of each row (Sobol base sample, Morris trajectory)."""
        return np.arange(self.rows) // self.block

    def applied(self, row: int) -> dict[str, float | int]:
        """What row `row` sets: each input's value as a run uses it."""
        return {
            i.name: i.applied(v)
            for i, v in zip(self.experiment.inputs, self.values[row], strict=True)
        }

    @cached_property
    def point_of_row(self) -> list[str]:
        """The sample point (run name) of every row."""
        inputs = [i for i in self.experiment.inputs if i.kind != "dummy"]
        columns = [k for k, i in enumerate(self.experiment.inputs) if i.kind != "dummy"]
        return [point_name(inputs, [row[k] for k in columns]) for row in self.values]

    @cached_property
    def points(self) -> list[str]:
        """Distinct sample points, in order of first appearance (a grown design's points start
        with the points of the smaller one)."""
        return list(dict.fromkeys(self.point_of_row))

    @cached_property
    def first_row(self) -> dict[str, int]:
        """The first row of each point (where its applied values are read)."""
        out: dict[str, int] = {}
        for row, point in enumerate(self.point_of_row):
            out.setdefault(point, row)
        return out


def point_name(inputs: list[Input], values: list[float]) -> str:
    """A stable name for the run settings of a sample point."""
    settings = [
        [i.kind, i.target, i.field, repr(i.applied(v))] for i, v in zip(inputs, values, strict=True)
    ]
    digest = hashlib.sha256(json.dumps(settings).encode()).hexdigest()
    return f"p{digest[:15]}"


def problem_of(experiment: Experiment) -> dict[str, Any]:
    problem: dict[str, Any] = {
        "num_vars": len(experiment.inputs),
        "names": [i.name for i in experiment.inputs],
        "bounds": [[i.low, i.high] for i in experiment.inputs],
    }
    if experiment.groups is not None:
        problem["groups"] = experiment.groups
    return problem


def make_design(experiment: Experiment) -> Design:
    """SALib's design for the experiment's method (seeded: the same file gives the same rows)."""
    problem = problem_of(experiment)
    n, seed, method = experiment.samples, experiment.sample_seed, experiment.method
    groups = len(set(experiment.groups)) if experiment.groups else len(experiment.inputs)
    if method == "sobol":
        values = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
        block = groups + 2
    elif method == "morris":
        values = morris.sample(problem, n, num_levels=experiment.levels, seed=seed)
        block = groups + 1
    elif method == "fast":
        values = fast_sampler.sample(problem, n, M=FAST_HARMONICS, seed=seed)
        block = len(values)
    elif method == "delta":
        unit = qmc.Sobol(len(experiment.inputs), scramble=True, seed=seed).random(n)
        values = qmc.scale(unit, *np.array(problem["bounds"]).T)
        block = 1
    elif method == "sweep":
        axes = [np.linspace(i.low, i.high, n) for i in experiment.inputs]
        values = np.array(list(itertools.product(*axes)), dtype=float)
        block = 1
    else:  # pragma: no cover - the schema allows only the methods above
        raise ValueError(method)
    return Design(experiment, problem, np.asarray(values, dtype=float), block)
