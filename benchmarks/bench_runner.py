"""Runner overhead per run, for runs of about 0.1 s (issue 3 asks for under 5%).

Definition. The same N runs are timed in a plain loop in one process (`loop`) and as a batch
through the runner on W worker processes (`batch`: chunking, pickling, Parquet chunk files,
ledger fsyncs and the final metrics.parquet included). With perfect parallelism the batch would
take loop / W, so

    overhead = (batch x W - loop) / loop

is the extra work the runner adds per unit of useful work, and (batch x W - loop) / N its cost
per run. Against `parallel` (W plain loops of N / W runs in W processes started together),
(batch - parallel) / parallel leaves out what the machine itself loses when all cores are busy.

Method. This machine is a shared 2-vCPU VM whose speed drifts by 10-30% over tens of seconds,
more than the effect measured, and other jobs come and go. So the 1,000 runs are timed in R
rounds of N / R runs; each round times the loop, the parallel loops and the batch back to back
(in alternating order), and the overhead is the ratio within each round. The CPU time other
processes used during each round is measured (/proc/stat less our own processes); rounds where
it exceeds `--quiet` of the machine are left out, and the report gives the median and the range
over the rest.
The batches share one process pool, whose start-up (once per batch, about a second: the
forkserver imports the model) is timed on its own and added, amortised over all N runs, to
give the overhead of one N-run batch. `--single` times one N-run batch instead (loop before and
after), which is what a user sees, drift included.

The default task does a fixed amount of pure-Python CPU work (calibrated to ~0.1 s) and returns
a frame shaped like the model's on the teaching world (16 countries x 10 years x 38 metrics).
`--model` times the real model instead (teaching world, 30 agents per country, 20 years:
about 0.1 s a run here).

    .venv/bin/python benchmarks/bench_runner.py [--runs 1000] [--rounds 10] [--model] [--single]
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from experiments.batch import make_batch
from experiments.engines import LocalEngine
from experiments.runner import RunnerOptions, run_batch
from experiments.scenario import cached_world, load_scenario
from experiments.seeds import run_seed
from experiments.testing import busy_iterations, busy_task, scenario_text
from simulation import simulate_with_counterfactual


def make_task(model: bool, iterations: int):
    if model:
        return simulate_with_counterfactual
    return functools.partial(busy_task, iterations=iterations)


def plain_loop(task, scenario, runs: range) -> float:
    world = cached_world(scenario.world_ref)
    start = time.perf_counter()
    for r in runs:
        task(world, scenario.params, scenario.years, run_seed(scenario.seed, r), scenario.events)
    return time.perf_counter() - start


def parallel_loops(args, toml: Path, runs: range, iterations: int) -> float:
    """W plain loops over slices of `runs` in W processes started together; the slowest."""
    share = len(runs) // args.workers
    base = [sys.executable, __file__, "--child", str(toml), "--iterations", str(iterations)]
    base += ["--model"] * args.model
    children = [
        subprocess.Popen(
            [*base, "--first", str(runs.start + i * share), "--runs", str(share)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(args.workers)
    ]
    return max(float(child.communicate()[0].split()[-1]) for child in children)


def timed_batch(task, scenario, out: Path, engine: LocalEngine | None, workers: int) -> float:
    start = time.perf_counter()
    options = RunnerOptions(workers=workers, progress=False, overwrite=True)
    result = run_batch(make_batch([scenario], task), out, options, engine=engine)
    assert result.done == scenario.replications and not result.failed, result
    return time.perf_counter() - start


def start_up(workers: int) -> float:
    """A fresh process pool, from creation to its first finished (empty) task on every worker."""
    start = time.perf_counter()
    engine = LocalEngine(workers, ("experiments.testing",))
    for future in [engine.submit(time.sleep, 0.05) for _ in range(workers)]:
        future.result()
    elapsed = time.perf_counter() - start - 0.05
    engine.close()
    return elapsed


def machine_cpu() -> float:
    """CPU seconds used so far by every process on the machine (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    user, nice, system, _, _, irq, softirq = fields
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def workers_cpu(engine: LocalEngine) -> float:
    """CPU seconds used so far by the pool's worker processes (/proc/PID/stat)."""
    total = 0.0
    for pid in getattr(engine.pool, "_processes", {}):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def own_cpu(engine: LocalEngine) -> float:
    """CPU seconds of this process, its finished children and the pool's workers."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime + workers_cpu(engine)


def foreign_share(step, engine: LocalEngine) -> tuple[float, float]:
    """Run step() (which returns the time it measured); return that time and the share of the
    machine that other processes used meanwhile."""
    machine, own, start = machine_cpu(), own_cpu(engine), time.perf_counter()
    measured = step()
    wall = time.perf_counter() - start
    foreign = (machine_cpu() - machine) - (own_cpu(engine) - own)
    return measured, max(0.0, foreign) / (wall * os.cpu_count())


def rounds(args, folder: Path, iterations: int) -> None:
    per = args.runs // args.rounds
    (folder / "round.toml").write_text(
        scenario_text("bench", years=20 if args.model else 10, replications=per, agents=30)
    )
    scenario = load_scenario(folder / "round.toml")
    task = make_task(args.model, iterations)
    startup = start_up(args.workers)  # in a fresh driver, this includes starting the forkserver
    engine = LocalEngine(args.workers, ("experiments.testing",))
    timed_batch(task, scenario, folder / "warm", engine, args.workers)  # warm the workers
    steps = {
        "loop": lambda: plain_loop(task, scenario, range(per)),
        "pair": lambda: parallel_loops(args, folder / "round.toml", range(per), iterations),
    }
    loops, pairs, batches, noise = [], [], [], []
    for i in range(args.rounds):
        steps["batch"] = functools.partial(
            timed_batch, task, scenario, folder / f"r{i}", engine, args.workers
        )
        order = ["loop", "pair", "batch"] if i % 2 == 0 else ["batch", "pair", "loop"]
        timed = {name: foreign_share(steps[name], engine) for name in order}
        loops.append(timed["loop"][0])
        pairs.append(timed["pair"][0])
        batches.append(timed["batch"][0])
        noise.append(max(share for _, share in timed.values()))
    engine.close()
    w = args.workers
    clean = [i for i, share in enumerate(noise) if share < args.quiet] or list(range(args.rounds))
    vs_loop = [(batches[i] * w - loops[i]) / loops[i] for i in clean]
    vs_pair = [(batches[i] - pairs[i]) / pairs[i] for i in clean]
    loop = sum(loops) * args.rounds / len(loops)
    amortised = startup * w / loop
    label = "real model (teaching world)" if args.model else "busy task"
    print(
        f"{label}: {args.rounds} rounds of {per} runs ({loop / args.runs * 1e3:.1f} ms per run "
        f"in the loop), {w} workers\n"
        f"  other processes used {', '.join(f'{100 * n:.0f}' for n in noise)}% of the machine "
        f"in the rounds; {len(clean)} rounds under {100 * args.quiet:.0f}% are used\n"
        f"  per round, (batch x {w} - loop) / loop: median {100 * statistics.median(vs_loop):+.1f}%"
        f" (range {100 * min(vs_loop):+.1f} .. {100 * max(vs_loop):+.1f}%)\n"
        f"  per round, (batch - parallel) / parallel: median "
        f"{100 * statistics.median(vs_pair):+.1f}% (range {100 * min(vs_pair):+.1f} .. "
        f"{100 * max(vs_pair):+.1f}%)\n"
        f"  pool start-up {startup:.2f} s, once per batch: {100 * amortised:+.1f}% over "
        f"{args.runs} runs\n"
        f"  OVERHEAD of one {args.runs}-run batch: "
        f"{100 * (statistics.median(vs_loop) + amortised):+.1f}% vs the loop, "
        f"{100 * (statistics.median(vs_pair) + amortised):+.1f}% vs parallel loops; "
        f"{(statistics.median(vs_loop) + amortised) * loop / args.runs * 1e3:.2f} ms per run"
    )


def single(args, folder: Path, iterations: int) -> None:
    (folder / "bench.toml").write_text(
        scenario_text("bench", years=20 if args.model else 10, replications=args.runs, agents=30)
    )
    scenario = load_scenario(folder / "bench.toml")
    task = make_task(args.model, iterations)
    runs = range(args.runs)
    before = plain_loop(task, scenario, runs)
    pair_before = parallel_loops(args, folder / "bench.toml", runs, iterations)
    batch = timed_batch(task, scenario, folder / "out", None, args.workers)
    pair_after = parallel_loops(args, folder / "bench.toml", runs, iterations)
    after = plain_loop(task, scenario, runs)
    loop, pair, w = (before + after) / 2, (pair_before + pair_after) / 2, args.workers
    print(
        f"one batch of {args.runs} runs on {w} workers: loop {before:.2f} / {after:.2f} s, "
        f"parallel loops {pair_before:.2f} / {pair_after:.2f} s, batch {batch:.2f} s\n"
        f"  OVERHEAD {100 * (batch * w - loop) / loop:+.1f}% vs the loop "
        f"({(batch * w - loop) / args.runs * 1e3:.2f} ms per run), "
        f"{100 * (batch - pair) / pair:+.1f}% vs parallel loops"
    )


def child(args) -> None:
    """One of the parallel plain loops: prints its time."""
    scenario = load_scenario(args.child)
    task = make_task(args.model, args.iterations)
    plain_loop(task, scenario, range(args.first, args.first + 1))  # warm up, like a worker
    print(plain_loop(task, scenario, range(args.first, args.first + args.runs)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000, help="runs in all (default 1000)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--seconds", type=float, default=0.1, help="target run time (0.1 s)")
    parser.add_argument("--model", action="store_true", help="the real model, not busy work")
    parser.add_argument("--single", action="store_true", help="one batch of all the runs")
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.05,
        help="keep rounds where other processes used less "
        "than this share of the machine (default 0.05)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--iterations", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        iterations = 0 if args.model else busy_iterations(args.seconds, cached_world("teaching"))
        (single if args.single else rounds)(args, folder, iterations)


if __name__ == "__main__":
    main()
