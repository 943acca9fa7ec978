"""The `braingain` command: run scenario batches, compare what-ifs, and the main job.

Bad input (scenario files, options, an output folder that is unusable or holds other results)
ends with one message on stderr and exit status 2, never a traceback. Exit 1 means the batch
finished but some or all runs failed (listed, with tracebacks in the ledger); 130 means
interrupted (rerun to resume).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import os
import sys
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from braingain.calibrate_command import add_calibrate_command
from braingain.hindcast_command import add_hindcast_command
from braingain.wording import counted
from experiments.errors import BatchFailedError, UserError

EXIT_OK, EXIT_FAILED_RUNS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a tool ended by SIGPIPE (`| head`)
MAIN_WHAT_IFS = ("global_convention", "ict_leapfrog")
LIST_KINDS = ("scenarios", "parameters", "metrics")  # what `braingain list` can show

DESCRIPTION = """\
braingain: agent-based simulation of skilled migration, brain drain and brain gain.

Scenarios are TOML files (see scenarios/README.md); instead of a path you may name a shipped
scenario (`braingain list` shows them, e.g. `braingain run climate_stress`). Every run is one
(scenario, replication); replication r uses the seed SeedSequence(seed, spawn_key=(r,)), so
results do not depend on the number of workers, their order, or resuming, and replication r of
every scenario shares random numbers with replication r of the others (paired comparisons).

Results go to an output folder: manifest.json, ledger.jsonl, chunks/, metrics.parquet and
summary.csv (plus comparison.csv and figures/ for compare). Rerunning the same command in the
same folder resumes: finished runs are kept, the rest run.

exit status: 0 ok; 1 some or all runs failed (see the ledger); 2 bad input; 130 interrupted."""


# --- option types (argparse turns their ValueErrors into exit-2 messages) -----------------------
def _checked(kind: type, ok: Callable[[float], bool], name: str) -> Callable[[str], float]:
    """An option type: parse with `kind`, reject values failing `ok`; `name` is what argparse
    says was expected."""

    def parse(text: str):
        value = kind(text)
        if not ok(value):
            raise ValueError(text)
        return value

    parse.__name__ = name
    return parse


_positive_int = _checked(int, lambda v: v >= 1, "positive integer")
_seed = _checked(int, lambda v: v >= 0, "non-negative integer")
_positive_float = _checked(float, lambda v: v > 0, "positive number")


def _years(text: str) -> list[int]:
    return sorted({int(part) for part in text.split(",") if part.strip()})


_years.__name__ = "comma-separated list of years"


def _assignment(text: str) -> tuple[str, Any]:
    """NAME=VALUE with VALUE read as TOML (numbers, true/false)."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise ValueError(text)
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return name.strip(), value


_assignment.__name__ = "NAME=VALUE assignment"


# --- the parser ----------------------------------------------------------------------------------
class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad option is one line (no usage block), like every other bad input;
    subcommands' parsers are of this class too (add_subparsers uses the parent's class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"braingain: error: {message}; see `{self.prog} --help`\n")


def _execution_options(parser: argparse.ArgumentParser, replications_help: str) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="local worker processes (default: the CPUs available to this process)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="run on a Dask cluster instead, e.g. tcp://10.0.0.5:8786 (workers need braingain "
        "installed and, for a world given as a folder, the same path)",
    )
    parser.add_argument("--replications", type=_positive_int, metavar="R", help=replications_help)
    parser.add_argument(
        "--seed",
        type=_seed,
        metavar="S",
        help="root seed, overriding the scenario's `seed` (replication r uses "
        "SeedSequence(S, spawn_key=(r,)))",
    )
    parser.add_argument(
        "--set",
        dest="sets",
        type=_assignment,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a model parameter in every scenario, e.g. --set agents_per_country=50 "
        "(repeatable; checked against the parameter table)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        help="output folder (default: results/<scenario names>); rerunning into the same folder "
        "resumes",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="discard earlier results in the output folder instead of resuming",
    )
    parser.add_argument(
        "--keep-failed",
        action="store_true",
        help="on resume, do not rerun runs that failed before (default: rerun them)",
    )
    parser.add_argument(
        "--chunk-seconds",
        type=_positive_float,
        default=1.0,
        metavar="SEC",
        help="work sent to a worker at once, in seconds of measured run time (default: 1.0)",
    )
    parser.add_argument("--no-progress", action="store_true", help="do not show the progress bar")
    parser.add_argument(
        "--task",
        metavar="MODULE:FUNCTION",
        help="advanced: run this function instead of the model; it takes (world, params, years, "
        "seed, events) like simulation.simulate_with_counterfactual and returns its frame",
    )


def package_version() -> str:
    try:
        return importlib.metadata.version("braingain")
    except importlib.metadata.PackageNotFoundError:  # a checkout on sys.path, not installed
        return "unknown (not installed)"


SCENARIO_FILES_HELP = "scenario files, or names of shipped scenarios (braingain list)"


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


_names.__name__ = "comma-separated list of names"


def _output_options(parser: argparse.ArgumentParser, years: bool) -> None:
    """--metrics, --years, --level: keep only part of every run (outputs sized for studies)."""
    group = parser.add_argument_group(
        "outputs kept (default: every metric, year and country; chosen in the worker, so a "
        "batch stores only these)"
    )
    group.add_argument(
        "--metrics",
        type=_names,
        metavar="M1,M2",
        help="keep only these metrics (names in simulation.METRICS)",
    )
    if years:
        group.add_argument(
            "--years", type=_years, metavar="Y1,Y2", help="keep only these calendar years"
        )
    group.add_argument(
        "--level",
        choices=("country", "region", "world"),
        default="country",
        help="keep rows per country (default), per region (and the world) or for the world only; "
        "regions and the world are aggregated in the worker from every country",
    )


def _selection(args: argparse.Namespace, kept_years: bool) -> Any:
    from experiments.outputs import make_selection

    years = getattr(args, "years", None) if kept_years else None
    return make_selection(args.metrics, years, args.level)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="braingain",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"braingain {package_version()}",
        help="print the version of braingain and exit",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run",
        help="run scenarios: metrics.parquet and summary.csv",
        description="Run every replication of one or more scenarios. Writes DIR/metrics.parquet "
        "(one row per scenario, replication, year and country; one column per metric) and "
        "DIR/summary.csv (per scenario, area and year: mean and 95% t-interval over "
        "replications, for countries, regions and the world).",
    )
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO.toml", help=SCENARIO_FILES_HELP)
    _execution_options(run, "replications per scenario (default: each scenario's own)")
    _output_options(run, years=True)
    run.set_defaults(func=cmd_run)

    compare = commands.add_parser(
        "compare",
        help="compare what-ifs with a baseline (paired replications)",
        description="Run BASE and each ALT with the same seeds and replications (common random "
        "numbers), then write DIR/comparison.csv: per country, region and the world, ALT - BASE "
        "of every metric at the chosen years, the mean over paired replications and its 95% "
        "t-interval; and DIR/figures/*.png of the headline metrics over time with 95% bands. "
        "Also writes metrics.parquet and summary.csv as `run` does.",
    )
    compare.add_argument(
        "base", metavar="BASE.toml", help="the baseline scenario (a file or a shipped name)"
    )
    compare.add_argument(
        "alternatives", nargs="+", metavar="ALT.toml", help="what-if scenarios (files or names)"
    )
    _execution_options(compare, "paired replications (default: the baseline's)")
    compare.add_argument(
        "--years",
        type=_years,
        metavar="Y1,Y2",
        help="years reported in comparison.csv (default: a middle year and the last year)",
    )
    _output_options(compare, years=False)
    compare.set_defaults(func=cmd_compare)

    main = commands.add_parser(
        "main",
        help="the main job: baseline vs global_convention and ict_leapfrog",
        description="Compare the shipped scenarios baseline.toml, global_convention.toml and "
        "ict_leapfrog.toml (scenarios/ in the repository) on the default world, then print the "
        "baseline's regions at the last year and which regions gain or lose under each what-if "
        "(`make run`). Results go to "
        "results/main; a rerun reuses finished runs, and starts afresh if the model code or the "
        "scenarios changed.",
    )
    _execution_options(main, "paired replications (default: 10)")
    main.add_argument(
        "--agents",
        type=_positive_int,
        default=100,
        metavar="N",
        help="agents per country (default: 100; the parameter table's default is 200)",
    )
    main.set_defaults(func=cmd_main, replications_default=10)

    check = commands.add_parser(
        "check",
        help="validate scenario files without running them",
        description="Read, merge (`extends`) and validate scenario files; print what each "
        "would run.",
    )
    check.add_argument("scenarios", nargs="+", metavar="SCENARIO.toml", help=SCENARIO_FILES_HELP)
    check.set_defaults(func=cmd_check)

    listing = commands.add_parser(
        "list",
        help="list the shipped scenarios, the parameters and the metrics",
        description="Print the shipped scenarios (name and description; a name can stand for "
        "its file in run, compare and check), the model's parameters (name, unit, allowed "
        "range, default, and whether the default is an assumption or cited, with its source; "
        "set them with --set NAME=VALUE or [parameters] in a scenario file) and its metrics "
        "(name, unit, meaning; the columns of metrics.parquet). With one or more of "
        "--scenarios, --parameters, --metrics: only those.",
    )
    for kind in LIST_KINDS:
        listing.add_argument(f"--{kind}", action="store_true", help=f"list the {kind}")
    listing.set_defaults(func=cmd_list)

    _add_viz(commands)
    _add_report(commands)
    add_calibrate_command(commands, _positive_int)
    add_hindcast_command(commands)

    from braingain.study_commands import add_commands

    add_commands(commands)  # sensitivity, discover
    return parser


# --- commands ------------------------------------------------------------------------------------
def _task(spec: str | None) -> Any:
    if not spec:
        return None
    module, sep, name = spec.partition(":")
    try:
        task = getattr(importlib.import_module(module), name) if sep else None
    except (ImportError, AttributeError) as exc:
        raise UserError(f"--task {spec}: cannot import ({exc}); allowed: MODULE:FUNCTION") from None
    if not callable(task):
        raise UserError(f"--task {spec}: not a function; allowed: MODULE:FUNCTION")
    return task


def _options(args: argparse.Namespace) -> Any:
    from experiments.runner import RunnerOptions

    return RunnerOptions(
        workers=args.workers,
        scheduler=args.scheduler,
        chunk_seconds=args.chunk_seconds,
        progress=not args.no_progress,
        retry_failed=not args.keep_failed,
        overwrite=args.overwrite,
        replace_stale=args.command == "main",  # the demo job follows the code, never refuses
        command=["braingain", *sys.argv[1:]] if sys.argv else [],
    )


def _prepare(scenarios: list[Any], args: argparse.Namespace, paired: bool) -> list[Any]:
    base = scenarios[0]
    replications = args.replications or (base.replications if paired else None)
    seed = args.seed if args.seed is not None else (base.seed if paired else None)
    return [
        s.with_options(replications=replications, seed=seed, set_params=dict(args.sets))
        for s in scenarios
    ]


def _report(result: Any) -> None:
    """How many runs finished, and the first failures (tracebacks stay in the ledger)."""
    reused = f", {result.skipped} reused from earlier sessions" if result.skipped else ""
    print(
        f"{result.total} runs in {result.out}: {result.done} done{reused}, {len(result.failed)} "
        f"failed ({result.wall_seconds:.1f} s)"
    )
    for record in result.failed[:5]:
        last = (record.error or "").strip().splitlines()[-1:] or ["?"]
        print(f"  failed: {record.scenario} replication {record.replication}: {last[0]}")
    if len(result.failed) > 5:
        print(f"  ... and {len(result.failed) - 5} more")
    if result.failed:
        print(f"  tracebacks: {result.out / 'ledger.jsonl'}")


def _scenario_paths(names: Sequence[str | Path]) -> list[Path]:
    """Files or shipped names; every name that is neither is reported at once."""
    from experiments.shipped import scenario_path

    paths, missing = [], []
    for name in names:
        try:
            paths.append(scenario_path(name))
        except UserError as exc:
            missing.append(str(exc))
    if missing:
        raise UserError("\n".join(missing))
    return paths


def _execute(batch: Any, out: Path, args: argparse.Namespace) -> Any:
    from experiments.runner import run_batch

    result = run_batch(batch, out, _options(args))  # raises BatchFailedError if none finished
    _report(result)
    if result.interrupted:
        print(
            f"interrupted: rerun the same command to resume ({result.done} of {result.total} "
            "runs kept)",
            file=sys.stderr,
        )
    return result


def _default_out(prefix: str, names: Sequence[str]) -> Path:
    return Path("results") / (prefix + "_".join(names))[:120]


def cmd_run(args: argparse.Namespace) -> int:
    from experiments.batch import make_batch
    from experiments.outputs import check_years_in_runs
    from experiments.scenario import load_scenarios
    from experiments.summary import write_summary

    scenarios = _prepare(load_scenarios(_scenario_paths(args.scenarios)), args, paired=False)
    selection = _selection(args, kept_years=True)
    check_years_in_runs(selection, scenarios, "--years")
    batch = make_batch(scenarios, _task(args.task), selection)
    out = args.out or _default_out("", [s.name for s in batch.scenarios])
    result = _execute(batch, out, args)
    if result.interrupted:
        return EXIT_INTERRUPTED
    summary = write_summary(result.metrics_path, batch, out)
    print(f"wrote {result.metrics_path} and {summary}")
    if result.done or result.skipped:
        print(f"to read them: braingain report {out} (tables, figures and findings in one page)")
    return EXIT_FAILED_RUNS if result.failed else EXIT_OK


def _compare(paths: list[Path | str], args: argparse.Namespace, out: Path | None) -> Any:
    """Run and compare; returns (batch, comparison, result) or None if interrupted."""
    from experiments.batch import make_batch
    from experiments.compare import (
        check_pairable,
        check_years,
        compare,
        default_years,
        write_comparison,
    )
    from experiments.scenario import load_scenarios
    from experiments.summary import write_summary

    loaded = load_scenarios(_scenario_paths(paths))
    check_pairable(loaded[0], loaded[1:])
    scenarios = _prepare(loaded, args, paired=True)
    for before, after in zip(loaded[1:], scenarios[1:], strict=True):
        if (before.seed, before.replications) != (after.seed, after.replications):
            print(
                f"note: {after.name} runs with seed {after.seed} and {after.replications} "
                f"replications (its file says {before.seed} and {before.replications}) so that "
                "its runs pair with the baseline's"
            )
    years = getattr(args, "years", None) or default_years(scenarios[0], scenarios[1:])
    check_years(years, scenarios[0], scenarios[1:])
    selection = _selection(args, kept_years=False) if hasattr(args, "metrics") else None
    batch = make_batch(scenarios, _task(args.task), selection)
    names = [s.name for s in batch.scenarios]
    out = out or _default_out("compare_", [names[0], "vs", *names[1:]])
    result = _execute(batch, out, args)
    if result.interrupted:
        return None
    from experiments.figures import write_figures

    write_summary(result.metrics_path, batch, out)
    comparison = compare(result.metrics_path, batch, names[0], names[1:], years)
    path = write_comparison(comparison, out)
    figures = write_figures(comparison.levels, comparison.differences, out)
    drawn = counted(len(figures), "figure")
    print(f"wrote {path}, {out / 'summary.csv'} and {drawn} in {out / 'figures'}")
    return batch, comparison, result


def cmd_compare(args: argparse.Namespace) -> int:
    from braingain.report import print_differences

    done = _compare([args.base, *args.alternatives], args, args.out)
    if done is None:
        return EXIT_INTERRUPTED
    batch, comparison, result = done
    print_differences(comparison, batch)
    return EXIT_FAILED_RUNS if result.failed else EXIT_OK


def _check_agents(agents: int) -> None:
    """--agents against the parameter table, so that the message names the option typed."""
    from simulation import ParameterError, Params

    try:
        Params(agents_per_country=agents)
    except ParameterError as exc:
        raise UserError(f"--agents {agents}: {exc}") from None


def cmd_main(args: argparse.Namespace) -> int:
    from braingain.report import print_baseline, print_differences
    from experiments.shipped import shipped_folder

    _check_agents(args.agents)
    files = [shipped_folder() / f"{name}.toml" for name in ("baseline", *MAIN_WHAT_IFS)]
    args.replications = args.replications or args.replications_default
    args.sets = [("agents_per_country", args.agents), *args.sets]
    done = _compare(files, args, args.out or Path("results") / "main")
    if done is None:
        return EXIT_INTERRUPTED
    batch, comparison, result = done
    print_baseline(comparison, batch)
    last = int(comparison.table["year"].max())
    print_differences(comparison, batch, metrics=("net_brain_gain", "human_capital"), years=[last])
    return EXIT_FAILED_RUNS if result.failed else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from experiments.scenario import load_scenarios

    for s in load_scenarios(_scenario_paths(args.scenarios)):
        print(
            f"{s.name}: world {s.world_ref}, records {s.start_year} (the start, from data) "
            f"and simulates {s.start_year + 1}..{s.last_year}, "
            f"{counted(s.replications, 'replication')}, seed {s.seed}, "
            f"{counted(len(s.overrides), 'parameter override')}, {counted(len(s.events), 'event')}"
        )
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from braingain.listing import print_listing

    chosen = [kind for kind in LIST_KINDS if getattr(args, kind)]
    print_listing(chosen or list(LIST_KINDS))
    return EXIT_OK


# --- the classroom app and the policy report (braingain/serve.py, braingain/report/) -----------
def _add_viz(commands: Any) -> None:
    viz = commands.add_parser(
        "viz",
        help="the classroom app in the browser (Mesa SolaraViz)",
        description="Start the classroom app: a map of countries and diaspora corridors, charts "
        "of a country beside its region, policy levers, scenario presets, shocks, play/step/"
        "reset, PNG and CSV export. Each browser tab runs its own model. Works offline. "
        "Stop it with Ctrl-C.",
    )
    viz.add_argument(
        "--world",
        choices=("teaching", "default"),
        default="teaching",
        help="teaching (16 countries, default) or default (every country with data)",
    )
    viz.add_argument(
        "--port",
        type=_checked(int, lambda v: 1 <= v <= 65535, "port number"),
        default=8765,
        metavar="P",
        help="port to listen on (default: 8765)",
    )
    viz.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="H",
        help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 lets a "
        "classroom network connect)",
    )
    viz.set_defaults(func=cmd_viz)


def cmd_viz(args: argparse.Namespace) -> int:
    from braingain.serve import serve

    return serve(args.world, args.host, args.port)


def _add_report(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="a policy report (one self-contained HTML file) from a results folder",
        description="Turn the output folder of `run`, `compare`/`main`, `sensitivity` or "
        "`discover` into one self-contained HTML file (figures embedded, no external "
        "resources) and PNG figures beside it: findings in plain words, caveats, per-region "
        "differences with 95% intervals and the probability of gain, fan charts, the "
        "assumptions with their sources, a quality card, and how to reproduce the results.",
    )
    report.add_argument("results", metavar="RESULTS_DIR", type=Path, help="a results folder")
    report.add_argument(
        "--out",
        metavar="FOLDER|FILE.html",
        type=Path,
        help="a folder to write report.html into, as every command's --out is a folder, or an "
        "HTML file name ending in .html (default: RESULTS_DIR/report.html); the PNG figures go "
        "beside the page, in a folder named after it (report_figures/), and the theory "
        "check's table in report_bdr_pattern.csv",
    )
    report.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from braingain.report import write_report

    report = write_report(args.results, args.out, _stage)
    folder = report.figures[0].parent if report.figures else None
    also = f"; its {counted(len(report.figures), 'figure')} also in {folder}" if folder else ""
    tables = "".join(f"; table {path}" for path in report.tables)
    print(f"report: {report.path} (one self-contained HTML file{also}{tables})")
    return EXIT_OK


def _stage(line: str) -> None:
    """One short line per stage of a slow command, on stderr (stdout keeps the results)."""
    print(f"braingain: {line}...", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `braingain` console script; returns the exit status. Output piped
    into a reader that stops early (`braingain list | head -3`) ends quietly, as Unix tools do."""
    try:
        status = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
    except BrokenPipeError:
        # nothing more can be written; point stdout at /dev/null so that Python's own final
        # flush cannot raise again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return status


def _command_parser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    """The parser of one subcommand (argparse itself reports leftover arguments from the top
    parser, whose hint would be `braingain --help`)."""
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices[command]


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:  # said by the command's parser, so the hint is `braingain COMMAND --help`
            _command_parser(parser, args.command).error(
                f"unrecognized arguments: {' '.join(unknown)}"
            )
    except SystemExit as exc:  # --help, or a bad option (argparse printed why)
        return int(exc.code or 0)
    if args.command in ("run", "compare", "main", "sensitivity") and not args.scheduler:
        from experiments.engines import start_forkserver

        task = getattr(args, "task", None) or "simulation.run:"
        start_forkserver((task.partition(":")[0],))
    try:
        return args.func(args)
    except UserError as exc:
        print(f"braingain: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BatchFailedError as exc:
        _report(exc.result)
        print(f"braingain: {exc}", file=sys.stderr)
        return EXIT_FAILED_RUNS
    except KeyboardInterrupt:
        print("braingain: interrupted; rerun the same command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
