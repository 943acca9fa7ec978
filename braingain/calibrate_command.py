"""`braingain calibrate`: history matching and a posterior for a calibration file.

Kept apart from cli.py (which only registers it) so that the calibration command and the other
commands can change independently.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from experiments.errors import UserError
from experiments.shipped import CALIBRATIONS, installed_shipped_file

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130

DESCRIPTION = """\
Calibrate model parameters against observed targets (docs/CALIBRATION.md).

Runs waves of a space-filling design through the batch runner, fits Gaussian-process emulators
of every targeted statistic, rules out implausible inputs wave by wave (history matching, cut-off
3), samples an approximate posterior on the emulators (Metropolis), runs the model at posterior
draws, and writes into DIR: calibrated.toml (posterior medians and intervals),
calibrated_draws.parquet (the draws), report.html (the fit report), waves.csv, targets_fit.csv,
fit_scores.csv and posterior.csv. Rerunning the same command resumes: finished runs are kept
(after Ctrl-C or kill -9 alike) and the result is identical to an uninterrupted run.

exit status: 0 ok; 1 some runs failed or every input was ruled out; 2 bad input; 130
interrupted (rerun to resume)."""


def add_calibrate_command(commands: Any, positive_int: Any) -> None:
    """Register the subcommand on the CLI's subparsers."""
    parser = commands.add_parser(
        "calibrate",
        help="calibrate parameters to targets (history matching, emulators, posterior)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "file",
        metavar="CALIBRATION.toml",
        help="the calibration file, or the name of a shipped one "
        f"({', '.join(CALIBRATIONS.names())})",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help="local worker processes for the runs (default: the CPUs available); also the "
        "processes fitting emulators",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="run the simulations on a Dask cluster, e.g. tcp://10.0.0.5:8786",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output folder (default: results/calibrate_<name>); rerunning into it resumes",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="discard an earlier calibration in the output folder instead of resuming",
    )
    parser.add_argument(
        "--write-calibrated",
        nargs="?",
        const="",
        default=None,
        metavar="PATH",
        help="also copy calibrated.toml and its draws to PATH (a file, e.g. "
        "./calibrated.toml; without PATH: calibrated.toml next to the calibration file, i.e. "
        "the committed calibration/calibrated.toml in a source checkout; refused for the file "
        "installed with braingain)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="validate the file and print what it would run, without running it",
    )
    parser.add_argument("--no-progress", action="store_true", help="do not show progress bars")
    parser.set_defaults(func=cmd_calibrate)


def calibrated_destination(text: str | None, calibration: Path) -> Path | None:
    """Where --write-calibrated copies calibrated.toml and its draws (None without the option).

    Without PATH, next to the calibration file: in a source checkout that updates the committed
    calibration/calibrated.toml, as developers expect; for the calibration file installed with
    braingain (experiments.shipped.installed_shipped_file) it would overwrite the installed
    package's own calibration, so that is refused, as is a PATH that is a folder. Checked before
    anything runs, so nothing computed is lost to a bad destination."""
    if text is None:
        return None
    if not text:
        path = calibration.parent / "calibrated.toml"
        if installed_shipped_file(calibration, CALIBRATIONS):
            raise UserError(
                f"--write-calibrated without PATH would write {path}, inside the installed "
                "braingain package (its shipped calibration); allowed: --write-calibrated PATH, "
                "e.g. --write-calibrated ./calibrated.toml"
            )
        return path
    path = Path(text)
    if path.is_dir():
        raise UserError(
            f"--write-calibrated {path}: is a folder, not a file; allowed: a file path, e.g. "
            f"--write-calibrated {path / 'calibrated.toml'}"
        )
    return path


def cmd_calibrate(args: argparse.Namespace) -> int:
    from calibration.config import check_only, load_calibration
    from experiments.shipped import resolve
    from experiments.store import check_writable_folder

    args.file = resolve(args.file, CALIBRATIONS)
    publish = calibrated_destination(args.write_calibrated, args.file)
    if args.check:
        print(check_only(args.file))
        return EXIT_OK
    if not args.scheduler:
        from experiments.engines import start_forkserver

        start_forkserver(("calibration.task", "simulation.run"))
    from calibration.run import default_out, run_calibration
    from calibration.runs import Interrupted
    from experiments.engines import default_workers
    from experiments.runner import RunnerOptions

    config = load_calibration(args.file)
    out = args.out or default_out(config)
    if publish is not None:  # both folders before any run (the later one is created)
        check_writable_folder(publish.parent, "--write-calibrated folder", "--write-calibrated")
    check_writable_folder(out)
    options = RunnerOptions(
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.no_progress,
        command=["braingain", *sys.argv[1:]] if sys.argv else [],
    )
    jobs = args.workers or (1 if args.scheduler else default_workers())
    try:
        result = run_calibration(
            config, out, options, jobs=jobs, overwrite=args.overwrite, publish=publish
        )
    except Interrupted:
        print(
            f"interrupted: rerun the same command to resume (finished runs in {out} are kept)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    files = result.files
    print(f"wrote {files['report']}")
    if result.posterior is None:
        print("every input was ruled out: no posterior, no calibrated.toml", file=sys.stderr)
        return EXIT_FAILED
    print(f"wrote {files['calibrated']} and {files['draws']}")
    if "published" in files:
        print(f"wrote {files['published']} and {files['published_draws']}")
    print(Path(files["calibrated"]).read_text(encoding="utf-8").split("\n\n[parameters]", 1)[1])
    if result.failed_runs:
        print(f"{result.failed_runs} runs failed (tracebacks in the ledgers under {out})")
        return EXIT_FAILED
    return EXIT_OK
