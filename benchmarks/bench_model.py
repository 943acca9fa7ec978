"""Benchmark MigrationModel: the default world's paired runs, and synthetic worlds of 10k, 100k
and 1M person-agents against plain Mesa.

Run by hand (not a test; nothing is asserted about time):

    .venv/bin/python benchmarks/bench_model.py [--sizes 10000 100000 1000000] [--years 20]
        [--world-agents 100 200] [--world-years 30]
    .venv/bin/python benchmarks/bench_model.py --profile 1000000   # cProfile of one model year

The default world part times what a researcher runs: a paired 30-year run (the run and its
no-emigration twin, `simulate_with_counterfactual`) of the 176-country default world, at 100 and
200 agents per country; the goal is 0.3 s or less on one core at 100.

Each size runs in two fresh subprocesses, one for the model and one for plain Mesa, so the peak
resident memory of each is its own. Subprocesses are pinned to one CPU (turn off with --no-pin),
since the targets are for one core. The environment (e.g. OPENBLAS_CORETYPE) is left as it is and
printed with the results.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import io
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
TARGET_SIZE = 1_000_000
TARGET_AGENT_YEARS = 10e6  # agent-years per second at 1M agents, one core
TARGET_PAIRED_S = 0.3  # a paired 30-year default-world run at 100 agents per country
TARGET_PEAK_MIB = 2048.0  # 2 GiB
MIB = 1024 * 1024


# --- measurement helpers ---------------------------------------------------------------------
def peak_rss_mib() -> float:
    """Peak resident set of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pin_to_one_cpu() -> int | None:
    """Restrict this process to the first CPU it may use; returns that CPU (None if unsupported)."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def build_model(n_agents: int, n_countries: int) -> tuple[Any, float]:
    """A MigrationModel on a synthetic world with about n_agents people; returns it and build s."""
    from simulation import MigrationModel, Params, synthetic_world

    world = synthetic_world(n_countries, seed=0)
    params = Params(agents_per_country=n_agents // n_countries)
    start = time.perf_counter()
    model = MigrationModel(world, params, rng=0)
    return model, time.perf_counter() - start


# --- the measured parts (each runs in its own subprocess) ---------------------------------------
def run_default_world(agents_per_country: int, years: int, repetitions: int) -> dict[str, Any]:
    """Paired runs of the default world (the run and its twin); median seconds, wall and CPU."""
    from simulation import Params, load_world, simulate_with_counterfactual

    world = load_world("default")
    params = Params(agents_per_country=agents_per_country)
    simulate_with_counterfactual(world, params, 1, 0)  # warm up imports and caches
    walls, cpus = [], []
    for rep in range(repetitions):
        wall, cpu = time.perf_counter(), time.process_time()
        frame = simulate_with_counterfactual(world, params, years, rep)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "paired_wall_s": statistics.median(walls),
        "paired_cpu_s": statistics.median(cpus),
        "rows": len(frame),
        "peak_mib": peak_rss_mib(),
    }


def run_model(n_agents: int, years: int, n_countries: int) -> dict[str, Any]:
    """Build the model, step it `years` times; times, agent-years and peak memory."""
    import simulation  # noqa: F401  (imports before the baseline, so it is not counted as model)

    baseline = peak_rss_mib()
    model, build_s = build_model(n_agents, n_countries)
    n_start = int(model.pop.n)
    agent_years = 0
    year_s: list[float] = []
    cpu_start = time.process_time()
    for _ in range(years):
        agent_years += int(model.pop.n)  # live agents at the start of the year
        start = time.perf_counter()
        model.step()
        year_s.append(time.perf_counter() - start)
    cpu_s = time.process_time() - cpu_start
    step_s = sum(year_s)
    return {
        "build_s": build_s,
        "n_start": n_start,
        "n_end": int(model.pop.n),
        "years": years,
        "step_s": step_s,
        "s_per_year": step_s / years,
        "median_year_s": statistics.median(year_s),
        "max_year_s": max(year_s),
        "mean_live": agent_years / years,
        "agent_years_per_s": agent_years / step_s,
        "cpu_over_wall": cpu_s / step_s,
        "pop_arrays_mib": model.pop.nbytes() / MIB,
        "baseline_mib": baseline,
        "peak_mib": peak_rss_mib(),
    }


def run_plain_mesa(n_agents: int, repetitions: int) -> dict[str, Any]:
    """N trivial mesa.Agent objects; median time of one `shuffle_do("step")` over all of them."""
    import mesa

    class Idle(mesa.Agent):
        """An agent whose step does nothing."""

        def step(self) -> None:
            pass

    baseline = peak_rss_mib()
    model = mesa.Model(rng=0)
    start = time.perf_counter()
    Idle.create_agents(model, n_agents)
    build_s = time.perf_counter() - start
    agents = model.agents
    times: list[float] = []
    for _ in range(repetitions):
        start = time.perf_counter()
        agents.shuffle_do("step")
        times.append(time.perf_counter() - start)
    return {
        "build_s": build_s,
        "n": len(agents),
        "activation_s": statistics.median(times),
        "activation_times": times,
        "baseline_mib": baseline,
        "peak_mib": peak_rss_mib(),
    }


def profile_one_year(n_agents: int, n_countries: int, warmup: int, top: int) -> None:
    """CProfile one model year (after `warmup` years) and print the top functions.

    A full garbage collection runs first: one costs about 0.05 s (it walks the ~100k Python
    objects of pandas, networkx, mesa), happens about once in 20 years and would otherwise be
    charged to whichever function happened to allocate when it fired.
    """
    model, build_s = build_model(n_agents, n_countries)
    for _ in range(warmup):
        model.step()
    n_live = model.pop.n
    gc.collect()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    model.step()
    profiler.disable()
    wall = time.perf_counter() - start
    print(
        f"Profile: {n_agents:,} requested agents ({n_live:,} live), build {build_s:.2f} s, "
        f"year {warmup + 1} took {wall:.3f} s under cProfile\n"
    )
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(top)
        text = out.getvalue()
        print(f"### top {top} by {key}\n")
        print(text[text.find("   ncalls") :].rstrip() + "\n")


# --- driver ------------------------------------------------------------------------------------
def run_child(part: str, n_agents: int, args: argparse.Namespace) -> dict[str, Any]:
    """Run one part for one size in a fresh interpreter and return its JSON result."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", part, str(n_agents)]
    cmd += ["--years", str(args.years), "--countries", str(args.countries)]
    cmd += ["--reps", str(args.reps)] + ([] if args.pin else ["--no-pin"])
    cmd += ["--world-years", str(args.world_years), "--world-reps", str(args.world_reps)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{part} benchmark at {n_agents:,} agents failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def environment() -> dict[str, str]:
    """Versions and machine facts printed with the results."""
    import mesa
    import numpy as np

    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        git = ["git", "-C", str(ROOT)]
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run([*git, "diff", "--quiet", "HEAD", "--", "simulation"], check=False)
        commit += " (simulation/ modified)" if dirty.returncode else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    return {
        "date": datetime.date.today().isoformat(),
        "commit": commit,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "<unset>"),
        "cpu": f"{cpu}, {os.cpu_count()} logical CPUs",
    }


def markdown_table(rows: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> str:
    """The results table (ratio = model year / one empty plain-Mesa activation)."""
    head = (
        "| agents (start → end) | build s | s/year | agent-years/s | plain-Mesa empty "
        "activation s | ratio | peak MiB |\n|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for _, m, p in rows:
        lines.append(
            f"| {m['n_start']:,} → {m['n_end']:,} | {m['build_s']:.3f} | {m['s_per_year']:.4f} | "
            f"{m['agent_years_per_s'] / 1e6:.1f} M | {p['activation_s']:.4f} | "
            f"{m['s_per_year'] / p['activation_s']:.2f} | {m['peak_mib']:.0f} |"
        )
    return "\n".join(lines)


def detail_table(rows: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> str:
    """Secondary numbers: variation between years, CPU use, memory split, Mesa build."""
    lines = [
        "| agents | mean live | median / max year s | CPU/wall | population arrays MiB "
        "| RSS after imports MiB | plain-Mesa build s | plain-Mesa peak MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, m, p in rows:
        lines.append(
            f"| {n:,} | {m['mean_live']:,.0f} | {m['median_year_s']:.4f} / {m['max_year_s']:.4f} | "
            f"{m['cpu_over_wall']:.2f} | {m['pop_arrays_mib']:.0f} | {m['baseline_mib']:.0f} | "
            f"{p['build_s']:.2f} | {p['peak_mib']:.0f} |"
        )
    return "\n".join(lines)


def target_lines(rows: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> list[str]:
    """The issue's targets at 1M agents, each with its measured value and PASS/FAIL."""
    at = [(m, p) for n, m, p in rows if n == TARGET_SIZE]
    if not at:
        return [f"Targets apply at {TARGET_SIZE:,} agents, which was not run."]
    m, p = at[0]
    ratio = m["s_per_year"] / p["activation_s"]
    checks = [
        (
            f">= {TARGET_AGENT_YEARS / 1e6:.0f} M agent-years/s on one core",
            f"{m['agent_years_per_s'] / 1e6:.2f} M",
            m["agent_years_per_s"] >= TARGET_AGENT_YEARS,
        ),
        (
            "model year cheaper than one empty plain-Mesa activation",
            f"{m['s_per_year']:.3f} s vs {p['activation_s']:.3f} s (ratio {ratio:.2f})",
            ratio < 1,
        ),
        (
            f"peak memory < 2 GiB ({TARGET_PEAK_MIB:.0f} MiB)",
            f"{m['peak_mib']:.0f} MiB",
            m["peak_mib"] < TARGET_PEAK_MIB,
        ),
    ]
    return [f"- {what}: {value} — {'PASS' if ok else 'FAIL'}" for what, value, ok in checks]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--years", type=int, default=20, help="model years timed per size")
    parser.add_argument("--countries", type=int, default=50, help="synthetic world size")
    parser.add_argument("--reps", type=int, default=5, help="plain-Mesa shuffle_do repetitions")
    parser.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin to 1 CPU")
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile one year at N agents")
    parser.add_argument("--profile-warmup", type=int, default=1, help="years before the profile")
    parser.add_argument("--top", type=int, default=15, help="functions shown per profile table")
    parser.add_argument(
        "--world-agents", type=int, nargs="*", default=[100, 200], help="default world sizes"
    )
    parser.add_argument("--world-years", type=int, default=30, help="years of a paired run")
    parser.add_argument("--world-reps", type=int, default=3, help="paired runs timed per size")
    parser.add_argument("--child", nargs=2, metavar=("PART", "N"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        cpu = pin_to_one_cpu() if args.pin else None
        part, n = args.child[0], int(args.child[1])
        if part == "model":
            result = run_model(n, args.years, args.countries)
        elif part == "world":
            result = run_default_world(n, args.world_years, args.world_reps)
        else:
            result = run_plain_mesa(n, args.reps)
        print(json.dumps({**result, "cpu": cpu}))
        return
    if args.profile:
        if args.pin:
            pin_to_one_cpu()
        profile_one_year(args.profile, args.countries, args.profile_warmup, args.top)
        return

    env = environment()
    print(" | ".join(f"{k}: {v}" for k, v in env.items()))
    pinned = "pinned to one CPU" if args.pin else "not pinned"
    print(
        f"{args.countries} synthetic countries, {args.years} model years per size, "
        f"plain Mesa median of {args.reps} shuffle_do calls; each part in its own "
        f"subprocess, {pinned}\n"
    )
    if args.world_agents:
        print(
            f"Default world (176 countries), paired {args.world_years}-year runs "
            f"(run + no-emigration twin), median of {args.world_reps}:\n"
        )
        print("| agents per country | wall s | CPU s | rows | peak MiB |\n|---|---|---|---|---|")
        for apc in args.world_agents:
            print(f"running the default world at {apc} ...", file=sys.stderr, flush=True)
            r = run_child("world", apc, args)
            print(
                f"| {apc} | {r['paired_wall_s']:.2f} | {r['paired_cpu_s']:.2f} | {r['rows']:,} "
                f"| {r['peak_mib']:.0f} |"
            )
        print(f"\nGoal: a paired run at 100 agents per country in {TARGET_PAIRED_S} s or less.\n")
    rows = []
    for n in args.sizes:
        print(f"running {n:,} agents ...", file=sys.stderr, flush=True)
        rows.append((n, run_child("model", n, args), run_child("mesa", n, args)))
    print(markdown_table(rows) + "\n")
    print(detail_table(rows) + "\n")
    print(
        "agent-years = sum over years of live person agents at the start of the year; "
        "ratio = s/year ÷ plain-Mesa empty activation s (< 1: a model year is cheaper); "
        "peak = max resident set of the model subprocess (interpreter and imports included).\n"
    )
    print("Targets (issue), at 1,000,000 agents:")
    print("\n".join(target_lines(rows)))


if __name__ == "__main__":
    main()
