"""Time two checkouts of braingain in turn: the paired default-world run, old and new code.

The development VM's speed drifts by 10-30% within minutes, so a before/after comparison is only
fair when both codes run under the same load: this script alternates them, each run in a fresh
process pinned to one CPU (one warm-up run, then one timed paired run; CPU time), and prints the
median and minimum of each. Make the old checkout with `git worktree add --detach ../old REV`.

    .venv/bin/python benchmarks/bench_ab.py ../old . [--agents 100] [--rounds 7] [--cpu 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ONE_RUN = """
import time
from simulation import load_world, Params, simulate_with_counterfactual
world = load_world("default"); params = Params(agents_per_country={agents})
simulate_with_counterfactual(world, params, 2, 0)
start = time.process_time(); simulate_with_counterfactual(world, params, 30, 1)
print(time.process_time() - start)
"""


def time_one(tree: Path, agents: int, cpu: int) -> float:
    """CPU seconds of one paired 30-year run of `tree`'s code, in a fresh pinned process."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, "-c", ONE_RUN.format(agents=agents)]
    if hasattr(os, "sched_setaffinity"):
        command = ["taskset", "-c", str(cpu), *command]
    out = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="checkout of the old code")
    parser.add_argument("new", type=Path, help="checkout of the new code")
    parser.add_argument("--agents", type=int, default=100, help="agents per country")
    parser.add_argument("--rounds", type=int, default=7, help="runs of each code, in turn")
    parser.add_argument("--cpu", type=int, default=1, help="CPU to pin the runs to")
    args = parser.parse_args()
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    times: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(args.rounds):
        for name, tree in trees.items():
            times[name].append(time_one(tree, args.agents, args.cpu))
    for name, values in times.items():
        print(
            f"{name} ({trees[name]}): median {statistics.median(values):.3f} s CPU, "
            f"min {min(values):.3f} s, {' '.join(f'{v:.2f}' for v in values)}"
        )
    change = statistics.median(times["new"]) / statistics.median(times["old"]) - 1
    print(f"median change: {change:+.0%}")


if __name__ == "__main__":
    main()
