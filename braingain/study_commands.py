"""`braingain sensitivity` and `braingain discover`: global sensitivity analysis and scenario
discovery on top of the batch runner (registered by braingain.cli.build_parser)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED_RUNS, EXIT_INTERRUPTED = 0, 1, 130

SENSITIVITY = """\
Sample the inputs of an experiment file with SALib (sobol, morris, fast, delta, or a sweep),
run every sample point's replications through the batch runner (resumable: rerun the same
command after a kill or Ctrl-C; reproducible; local processes or a Dask cluster), then analyze
each output. Writes to DIR: samples.parquet (the design, with each output's mean over
replications), indices.csv (output, input, index, value, ci_low, ci_high, finding, unit),
convergence.csv (indices from the first half of the design beside all of it), report.txt, and
figures/ (index bars with 95% intervals; the Morris mu*-sigma plane; sweep curves). Morris's
mu*, sigma and mu are changes of the output per input range: the console, report.txt and the
figures show them as the output's differences are shown (percentage points for net brain gain
and shares), the files in the model's units (fractions). Raising --samples later (Sobol:
doubling) runs only the new points."""

DISCOVER = """\
Find, with PRIM (EMA Workbench), the box of inputs where OUTPUT is above (or below) THRESHOLD in
the runs of a finished sensitivity study, e.g. where net brain gain turns positive. THRESHOLD is
in the unit the console and the report show the output in: percentage points for net brain gain
and other differences of shares (--threshold 0.5 is +0.5 pp), percent for shares (--threshold 30
is 30%), the metric's own unit otherwise; the files keep the model's units (fractions). Prints
the peeling trajectory (coverage, density, mass) and the chosen box in plain words; writes
DIR/discovery/<output>_<above|below>_<THRESHOLD>/ (trajectory.csv, box.csv, report.txt,
discovery.json with the threshold in model units and as shown, tradeoff.png) and
DIR/ema_results.tar.gz (the runs in EMA Workbench's (experiments, outcomes) form:
ema_workbench.load_results reads it)."""


def add_commands(commands: Any) -> None:
    """Add the two subcommands to the `braingain` parser."""
    from braingain.cli import _positive_float, _positive_int
    from experiments.shipped import EXPERIMENTS

    study = commands.add_parser(
        "sensitivity",
        help="global sensitivity analysis of an experiment file",
        description=SENSITIVITY,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    study.add_argument(
        "experiment",
        metavar="EXPERIMENT.toml",
        help=f"an experiment file, or the name of a shipped one ({', '.join(EXPERIMENTS.names())})",
    )
    where = study.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="local worker processes (default: the CPUs available)",
    )
    where.add_argument(
        "--scheduler", metavar="ADDR", help="a Dask scheduler, e.g. tcp://10.0.0.5:8786"
    )
    study.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output folder (default: results/<experiment name>); rerunning into "
        "it resumes, and reuses every finished run",
    )
    study.add_argument(
        "--samples",
        type=_positive_int,
        metavar="N",
        help="base sample size, overriding the file's `samples` (grow a study: "
        "doubling a Sobol N reruns nothing already done)",
    )
    study.add_argument(
        "--replications",
        type=_positive_int,
        metavar="R",
        help="runs per sample point, overriding the file's `replications`",
    )
    study.add_argument(
        "--overwrite", action="store_true", help="discard earlier results in the output folder"
    )
    study.add_argument(
        "--keep-failed",
        action="store_true",
        help="do not rerun runs that failed (their blocks are dropped)",
    )
    study.add_argument(
        "--chunk-seconds",
        type=_positive_float,
        default=1.0,
        metavar="SEC",
        help="work sent to a worker at once (default: 1.0 s)",
    )
    study.add_argument("--no-progress", action="store_true", help="no progress bar")
    study.set_defaults(func=cmd_sensitivity)

    find = commands.add_parser(
        "discover",
        help="scenario discovery (PRIM) on a sensitivity study's runs",
        description=DISCOVER,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    find.add_argument(
        "results",
        type=Path,
        metavar="RESULTS_DIR",
        help="the output folder of `braingain sensitivity`",
    )
    find.add_argument("--output", required=True, metavar="NAME", help="an output of the study")
    find.add_argument(
        "--threshold",
        required=True,
        type=float,
        metavar="X",
        help="the line the output crosses, in the unit the console shows it in: percentage "
        "points (pp) for net brain gain and differences of shares, percent for shares (30 = "
        "30%%), the metric's own unit otherwise",
    )
    side = find.add_mutually_exclusive_group()
    side.add_argument(
        "--above",
        dest="above",
        action="store_true",
        default=True,
        help="runs of interest: output > X (default)",
    )
    side.add_argument(
        "--below", dest="above", action="store_false", help="runs of interest: output < X"
    )
    find.add_argument(
        "--density",
        type=_share,
        default=0.8,
        metavar="D",
        help="the box chosen is the most covering one whose density reaches D (default 0.8)",
    )
    find.add_argument(
        "--mass-min",
        type=_share,
        default=0.05,
        metavar="M",
        help="PRIM stops peeling when the box holds less than this share of the "
        "runs (default 0.05)",
    )
    find.set_defaults(func=cmd_discover)


def _share(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise ValueError(text)
    return value


_share.__name__ = "number in (0, 1]"


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from experiments.runner import RunnerOptions
    from experiments.sensitivity.experiment import load_experiment
    from experiments.sensitivity.results import analyze_study
    from experiments.sensitivity.study import run_study
    from experiments.shipped import EXPERIMENTS, resolve

    experiment = load_experiment(resolve(args.experiment, EXPERIMENTS))
    experiment = experiment.with_options(samples=args.samples, replications=args.replications)
    out = args.out or Path("results") / experiment.name
    options = RunnerOptions(
        workers=args.workers,
        scheduler=args.scheduler,
        chunk_seconds=args.chunk_seconds,
        progress=not args.no_progress,
        retry_failed=not args.keep_failed,
        overwrite=args.overwrite,
        command=["braingain", *sys.argv[1:]] if sys.argv else [],
    )
    done = run_study(experiment, out, options)
    result = done.result
    reused = f", {result.skipped} reused from earlier sessions" if result.skipped else ""
    print(
        f"{experiment.name}: {len(done.batch.design.points)} sample points x "
        f"{experiment.replications} replications = {result.total} runs in {out}: {result.done} "
        f"done{reused}, {len(result.failed)} failed ({result.wall_seconds:.1f} s)"
    )
    if done.retried:
        print(f"  {done.retried} failed runs were rerun once; {len(result.failed)} failed again")
    if result.failed:
        print(f"  tracebacks: {out / 'ledger.jsonl'}")
    if result.interrupted:
        print(
            f"interrupted: rerun the same command to resume ({result.done} of {result.total} "
            "runs kept)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    analysis = analyze_study(done.batch.design, result.metrics_path, out)
    print()
    print("\n".join(analysis.lines).rstrip())
    print()
    figures = sum(p.parent != out for p in analysis.files)
    names = ", ".join(p.name for p in analysis.files if p.parent == out)
    print(f"wrote {names} and {figures} figure{'s' if figures != 1 else ''} in {out}")
    return EXIT_FAILED_RUNS if result.failed else EXIT_OK


def cmd_discover(args: argparse.Namespace) -> int:
    from experiments.discovery import EMA_FILE, discover, export_ema, load_runs, write_discovery

    runs = load_runs(args.results)
    found = discover(runs, args.output, args.threshold, args.above, args.density, args.mass_min)
    folder = args.results / "discovery" / found.line.folder_name
    files = write_discovery(found, folder)
    export = export_ema(runs, args.results / EMA_FILE)
    print("\n".join(found.lines()))
    print(f"wrote {', '.join(p.name for p in files)} in {folder}, and {export}")
    return EXIT_OK
