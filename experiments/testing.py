"""Stand-in task functions with the model's signature, for tests and the runner benchmark.

They live in the package (not in tests/) so that worker processes and Dask workers can import
them by name, exactly as they import the real model.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.metrics import METRICS


def fake_task(world: Any, params: Any, years: int, seed: Any, events: Any = ()) -> pd.DataFrame:
    """A frame shaped like simulate_with_counterfactual's, drawn from the seed alone."""
    rng = np.random.default_rng(seed)
    codes = list(world.codes)
    n, names = len(codes), list(METRICS)
    frame = pd.DataFrame(rng.random((n * years, len(names))), columns=names)
    for name in names:  # person counts in the tens of thousands, shares in [0, 1]
        if METRICS[name].unit.startswith("persons"):
            frame[name] *= 1e5
    for name in names:  # differences of two shares are those two shares' difference
        spec = METRICS[name]
        if spec.aggregate == "difference":
            frame[name] = frame[spec.numerator] - frame[spec.denominator]
    frame.insert(0, "country", codes * years)
    frame.insert(0, "year", np.repeat(np.arange(1, years + 1) + world.start_year, n))
    return frame


def flaky_task(
    world: Any,
    params: Any,
    years: int,
    seed: np.random.SeedSequence,
    events: Any = (),
    *,
    raise_on: tuple[int, ...] = (),
    exit_on: tuple[int, ...] = (),
    exit_once_on: tuple[int, ...] = (),
    marker_dir: str | None = None,
    inner: Callable[..., pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Fail on purpose by replication: raise, kill the worker always, or kill it once."""
    replication = seed.spawn_key[-1]
    if replication in raise_on:
        raise RuntimeError(f"injected failure in replication {replication}")
    if replication in exit_on:
        os._exit(13)
    if replication in exit_once_on and marker_dir:
        marker = Path(marker_dir) / f"died-{replication}"
        if not marker.exists():
            marker.touch()
            os._exit(14)
    return (inner or fake_task)(world, params, years, seed, events)


def failing_task(world: Any, params: Any, years: int, seed: Any, events: Any = ()) -> pd.DataFrame:
    """Always raises: a batch in which every run fails."""
    raise RuntimeError(f"injected failure in every run (replication {seed.spawn_key[-1]})")


def busy_task(
    world: Any, params: Any, years: int, seed: Any, events: Any = (), *, iterations: int = 0
) -> pd.DataFrame:
    """A fixed amount of CPU work, then fake_task (contention shows up as longer runs)."""
    total = 0.0
    for i in range(iterations):
        total += math.sqrt(i)
    return fake_task(world, params, years, seed, events)


def busy_iterations(seconds: float, world: Any, years: int = 10) -> int:
    """Iterations that make one busy_task run take about `seconds` here (frame included)."""

    def timed(iterations: int) -> float:
        start = time.perf_counter()
        for r in range(3):
            busy_task(
                world, None, years, np.random.SeedSequence(0, spawn_key=(r,)), iterations=iterations
            )
        return (time.perf_counter() - start) / 3

    probe = 300_000
    fixed = timed(0)
    per_iteration = (timed(probe) - fixed) / probe
    return max(1, int((seconds - fixed) / per_iteration))


def slow_model(world: Any, params: Any, years: int, seed: Any, events: Any = ()) -> pd.DataFrame:
    """The real model after a 0.2 s pause: long enough batches to interrupt on purpose."""
    from simulation import simulate_with_counterfactual

    time.sleep(0.2)
    return simulate_with_counterfactual(world, params, years, seed, events)


def scenario_text(
    name: str | None = None,
    *,
    world: str = "teaching",
    years: int = 5,
    replications: int = 3,
    seed: int = 7,
    agents: int = 30,
    extra: str = "",
) -> str:
    """A small scenario file for tests: the teaching world, few years, few agents."""
    head = f'name = "{name}"\n' if name else ""
    return (
        f'{head}world = "{world}"\nyears = {years}\nreplications = {replications}\n'
        f"seed = {seed}\n\n[parameters]\nagents_per_country = {agents}\n{extra}"
    )


LINEAR_SLOPE = 12**0.5  # y = slope * recognition_base + noise: Var of the signal = 1 on U(0, 1)
LINEAR_NOISE = 0.1


def noisy_linear(world: Any, params: Any, years: int, seed: Any, events: Any = ()) -> pd.DataFrame:
    """A model-shaped frame whose `returns` is slope x recognition_base plus seed noise (one
    normal draw per run, the same in every country and year): seed noise and indices known."""
    noise = LINEAR_NOISE * np.random.default_rng(seed).normal()
    codes = list(world.codes)
    value = LINEAR_SLOPE * params.recognition_base + noise
    return pd.DataFrame(
        {
            "year": np.repeat(np.arange(1, years + 1) + world.start_year, len(codes)),
            "country": codes * years,
            "returns": np.full(len(codes) * years, value),
        }
    )


def linear_gain(world: Any, params: Any, years: int, seed: Any, events: Any = ()) -> pd.DataFrame:
    """noisy_linear with `net_brain_gain` = its value / 100 (a difference of fractions of up to
    about 0.035, which the console shows as up to about 3.5 percentage points), given by the
    parts it is aggregated from: human capital 0.3 + value / 100 against 0.3 without
    emigration."""
    frame = noisy_linear(world, params, years, seed, events)
    frame["adult_residents"] = frame["adult_residents_no_emigration"] = 1000.0
    frame["skilled_residents"] = 1000.0 * (0.3 + frame["returns"] / 100)
    frame["skilled_residents_no_emigration"] = 300.0
    frame["net_brain_gain"] = frame["returns"] / 100
    return frame


def picky_linear(world: Any, params: Any, years: int, seed: Any, events: Any = ()) -> pd.DataFrame:
    """noisy_linear that fails whenever recognition_base > 0.9 (failed runs in a study)."""
    if params.recognition_base > 0.9:
        raise RuntimeError(f"injected failure at recognition_base {params.recognition_base}")
    return noisy_linear(world, params, years, seed, events)


# a what-if of the tests: every country joins the global recognition convention in 2002
WHAT_IF = """
[[events]]
kind = "join_convention"
year = 2002
countries = ["all"]
convention = "global"
"""


def refuse_writes_into(monkeypatch: Any, folder: Path, code: int) -> None:
    """Make every write into `folder` fail with OSError `code` (e.g. EROFS, EACCES), as a
    read-only filesystem or a folder without write permission would: tests run as root, which
    ignores permissions, and cannot mount, so they fail the write itself (os.open)."""
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        if Path(path).parent == folder and flags & (os.O_WRONLY | os.O_RDWR):
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
