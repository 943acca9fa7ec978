"""What a worker process does: run a chunk of runs and hand back tables or tracebacks.

Everything here runs in the worker. A run that raises becomes a `failed` outcome carrying its
traceback and no table, so a failure can never be mistaken for (or filled with) another run's
numbers; only the driver writes files.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from experiments.scenario import cached_world
from experiments.seeds import run_seed
from simulation.events import PolicyEvent
from simulation.parameters import Params

TaskFn = Callable[..., pd.DataFrame]
KEY_COLUMNS = ("scenario", "replication", "year", "country")
DRIVER_GONE = 3  # exit status of a worker whose driver died


@dataclass(frozen=True)
class RunSpec:
    """Everything one run needs; small and picklable (the world is loaded by name)."""

    scenario: str
    replication: int
    world: str
    params: dict[str, Any]
    years: int
    root_seed: int
    events: tuple[PolicyEvent, ...]
    task_inputs: tuple[tuple[str, float], ...] = ()  # keyword arguments of a function task

    @property
    def key(self) -> tuple[str, int]:
        return (self.scenario, self.replication)


@dataclass(frozen=True)
class RunOutcome:
    """How one run ended: done with `rows` rows in its chunk's table, or failed with a
    traceback (and no rows)."""

    scenario: str
    replication: int
    status: str  # "done" | "failed"
    seconds: float
    rows: int = 0
    error: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.scenario, self.replication)


@dataclass(frozen=True)
class ChunkResult:
    """The outcomes of a chunk's runs, in order, and one table with the rows of its done runs
    in the same order (one table per chunk keeps pickling and writing cheap)."""

    outcomes: list[RunOutcome]
    table: pa.Table | None


def ignore_sigint() -> None:
    """Ctrl-C is the driver's to handle (it lets running chunks finish)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def start_worker(lifeline: Connection) -> None:
    """Pool initializer: ignore Ctrl-C, and exit as soon as the driver is gone.

    `lifeline` is the read end of a pipe whose only write end the driver holds; it reads EOF
    when the driver exits, however it dies (kill -9 included). The worker's parent is the
    forkserver, not the driver, so PR_SET_PDEATHSIG or watching the parent pid cannot tell,
    and a worker blocked on the pool's call queue never notices by itself (it holds that
    queue's write end too). Without this, after kill -9 of the driver the workers, and the
    forkserver and resource tracker whose pipes they hold open, lived on as orphans.
    """
    ignore_sigint()
    threading.Thread(
        target=_exit_with_driver, args=(lifeline,), name="driver-lifeline", daemon=True
    ).start()


def _exit_with_driver(lifeline: Connection) -> None:
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv_bytes()  # nothing is ever sent: this returns only at EOF
    os._exit(DRIVER_GONE)  # whatever the worker is doing: nobody is left to take its results


def execute_chunk(task: TaskFn, specs: Sequence[RunSpec]) -> ChunkResult:
    """Run several runs in a row (one executor task carries about a second of work)."""
    outcomes: list[RunOutcome] = []
    tables: list[pa.Table] = []
    for spec in specs:
        outcome, table = execute_run(task, spec)
        if table is not None and tables and not table.schema.equals(tables[0].schema):
            outcome = _failed(
                spec,
                outcome.seconds,
                f"output columns differ from the chunk's other runs: {table.schema.names}",
            )
            table = None
        if table is not None:
            tables.append(table)
        outcomes.append(outcome)
    combined = pa.concat_tables(tables).combine_chunks() if tables else None
    return ChunkResult(outcomes, combined)


def _failed(spec: RunSpec, seconds: float, error: str) -> RunOutcome:
    return RunOutcome(spec.scenario, spec.replication, "failed", seconds, error=error)


def execute_run(task: TaskFn, spec: RunSpec) -> tuple[RunOutcome, pa.Table | None]:
    """One run; any exception is caught and returned as a failed outcome with its traceback."""
    start = seconds = time.perf_counter()
    try:
        world = cached_world(spec.world)
        params, seed = Params.from_dict(spec.params), run_seed(spec.root_seed, spec.replication)
        start = time.perf_counter()
        frame = task(world, params, spec.years, seed, spec.events, **dict(spec.task_inputs))
        seconds = time.perf_counter() - start  # the task alone: the runner's costs are apart
        table = to_table(frame, spec)
    except Exception:
        return _failed(spec, time.perf_counter() - start, traceback.format_exc()), None
    return RunOutcome(spec.scenario, spec.replication, "done", seconds, len(table)), table


def to_table(frame: pd.DataFrame, spec: RunSpec) -> pa.Table:
    """Check the task's frame and give it a fixed schema, rows sorted by year then country.

    A frame without `year` and `country` columns is a study's outputs: one row of numbers."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"task returned {type(frame).__name__}, expected a pandas DataFrame")
    if "year" not in frame.columns and "country" not in frame.columns:
        return _outputs_table(frame, spec)
    missing = [c for c in ("year", "country") if c not in frame.columns]
    if missing:
        raise ValueError(f"task output lacks columns {missing}")
    metrics = [str(c) for c in frame.columns if c not in ("year", "country")]
    if not metrics or not len(frame):
        raise ValueError("task output has no metric columns or no rows")
    year = frame["year"].to_numpy(dtype=np.int64)
    country = frame["country"].to_numpy().astype(str)
    if not _strictly_increasing(year, country):  # the model's own order needs no sort
        if frame.duplicated(["year", "country"]).any():
            raise ValueError("task output has duplicate (year, country) rows")
        frame = frame.sort_values(["year", "country"], kind="stable")
        year = frame["year"].to_numpy(dtype=np.int64)
        country = frame["country"].to_numpy().astype(str)
    n = len(frame)
    columns = {
        "scenario": pa.array([spec.scenario] * n, pa.string()),
        "replication": pa.array(np.full(n, spec.replication, dtype=np.int64)),
        "year": pa.array(year),
        "country": pa.array(country.tolist(), pa.string()),
    }
    values = frame[frame.columns.drop(["year", "country"])].to_numpy(dtype=np.float64).T.copy()
    for name, column in zip(metrics, values, strict=True):
        columns[name] = pa.array(column)
    return pa.table(columns)


def _outputs_table(frame: pd.DataFrame, spec: RunSpec) -> pa.Table:
    """One run's outputs (a sensitivity study): scenario, replication, then one float column per
    output."""
    if len(frame) != 1 or not len(frame.columns):
        raise ValueError(
            f"task output without year and country columns must be one row of named outputs; "
            f"got {len(frame)} rows and columns {list(frame.columns)}"
        )
    columns = {
        "scenario": pa.array([spec.scenario], pa.string()),
        "replication": pa.array([spec.replication], pa.int64()),
    }
    for name in frame.columns:
        columns[str(name)] = pa.array(frame[name].to_numpy(dtype=np.float64))
    return pa.table(columns)


def _strictly_increasing(year: np.ndarray, country: np.ndarray) -> bool:
    """True if (year, country) pairs are sorted and unique."""
    if len(year) < 2:
        return True
    later = year[1:] > year[:-1]
    same = year[1:] == year[:-1]
    return bool(np.all(later | (same & (country[1:] > country[:-1]))))
