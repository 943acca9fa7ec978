"""How fast and how small is a Sobol study of the default world? (run by hand; not a test).

Runs a fraction of experiments/studies/sobol_brain_gain.toml (default: N = 2 base samples, so
2 x 12 = 24 sample points x 2 replications = 48 paired runs of the default world at 100 agents
per country) through the real runner on 2 worker processes, then reports:

- wall time, runs per second, mean time per run (the task alone, from the ledger);
- bytes stored per run (everything in the folder: chunk files, ledger, manifest, the final
  metrics.parquet, samples.parquet and the analysis files);
- the extrapolation to the project's goal: a 10,000-run Sobol study in under 30 minutes on a
  2-core machine with under 1 GB stored (and to the full file: 12,288 runs).

    .venv/bin/python benchmarks/bench_sensitivity.py                 # 48 runs, ~1-2 minutes
    .venv/bin/python benchmarks/bench_sensitivity.py --samples 4     # 96 runs
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_RUNS, GOAL_SECONDS, GOAL_BYTES = 10_000, 30 * 60, 1e9
TARGET_RUN = 0.3  # s per paired default-world run at 100 agents per country (issue 7)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def reference_run(experiment) -> float:
    """Seconds of one paired run of the base scenario, here, in this process (after a warm-up
    of one year): what the machine gives a run right now."""
    from experiments.scenario import cached_world
    from simulation import simulate_with_counterfactual

    scenario = experiment.scenario
    world = cached_world(scenario.world_ref)
    simulate_with_counterfactual(world, scenario.params, 1, 0, scenario.events)
    start = time.perf_counter()
    simulate_with_counterfactual(world, scenario.params, scenario.years, 0, scenario.events)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2, help="Sobol N (a power of 2)")
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--experiment", default=str(ROOT / "experiments/studies/sobol_brain_gain.toml")
    )
    parser.add_argument("--out", help="keep the study here (default: a temporary folder)")
    args = parser.parse_args()

    from experiments.runner import RunnerOptions
    from experiments.sensitivity.experiment import load_experiment
    from experiments.sensitivity.results import analyze_study
    from experiments.sensitivity.study import run_study

    as_written = load_experiment(args.experiment)
    experiment = as_written.with_options(samples=args.samples, replications=args.replications)
    full_runs = as_written.replications * (len(as_written.inputs) + 2) * as_written.samples
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(
        f"{experiment.name}: N = {experiment.samples}, {len(experiment.inputs)} inputs, "
        f"{len(experiment.outputs)} outputs, {experiment.replications} replications; world "
        f"{experiment.scenario.world_ref}, {experiment.scenario.years} years, "
        f"{experiment.scenario.params.agents_per_country} agents per country"
    )
    print(
        f"commit {commit}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}"
    )
    reference = reference_run(experiment)
    print(f"one paired run of the base scenario in this process: {reference:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out or Path(tmp) / "study")
        start = time.perf_counter()
        done = run_study(experiment, out, RunnerOptions(workers=args.workers, progress=False))
        ran = time.perf_counter() - start
        start = time.perf_counter()
        analyze_study(done.batch.design, done.result.metrics_path, out)
        analysed = time.perf_counter() - start
        runs = done.result.done
        manifest = json.loads((out / "manifest.json").read_text())
        per_run = manifest["timings"]["mean_run_seconds"]
        stored = folder_bytes(out)
        chunks = folder_bytes(out / "chunks")
        per_run_files = chunks + sum(
            (out / name).stat().st_size
            for name in ("ledger.jsonl", "metrics.parquet", "samples.parquet")
        )
    rate = runs / ran
    overhead = ran * args.workers / (runs * per_run) - 1
    print(f"runs: {runs} done, {len(done.result.failed)} failed, on {args.workers} workers")
    print(f"wall time: {ran:.1f} s running + {analysed:.1f} s analysing")
    print(f"runs per second: {rate:.2f}; time per run (task alone, one core): {per_run:.3f} s")
    print(
        f"stored: {stored / 1e3:.0f} kB in all, {stored / runs / 1e3:.1f} kB per run; the parts "
        f"that grow with the runs (chunk files, ledger, metrics.parquet, samples.parquet) "
        f"{per_run_files / runs / 1e3:.1f} kB per run, chunk files alone "
        f"{chunks / runs / 1e3:.1f} kB; the rest (manifest, figures, reports) is fixed"
    )
    print(
        f"runner and study overhead: {overhead:+.1%} of the run time (wall x workers / summed "
        f"run time - 1); a run in a worker took {per_run / reference:.2f} x the run above"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    projected = GOAL_RUNS * TARGET_RUN / args.workers * (1 + overhead)
    print(
        f"with issue 7's target of {TARGET_RUN} s per paired run and this overhead: "
        f"{GOAL_RUNS:,} runs in {projected / 60:.0f} min on {args.workers} workers"
    )
    for label, total in (("the goal", GOAL_RUNS), ("the full file", full_runs)):
        seconds = total / rate
        size = total * per_run_files / runs + (stored - per_run_files)
        print(
            f"extrapolated to {label} ({total:,} runs): {seconds / 60:.0f} min "
            f"(goal {GOAL_SECONDS / 60:.0f} min: {'met' if seconds <= GOAL_SECONDS else 'not met'}"
            f", x{seconds / GOAL_SECONDS:.2f}), {size / 1e6:.0f} MB stored "
            f"(goal 1 GB: {'met' if size <= GOAL_BYTES else 'not met'})"
        )


if __name__ == "__main__":
    main()
