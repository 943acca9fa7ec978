"""`braingain hindcast`: bands of a hindcast batch, scored against observations if given.

Kept apart from cli.py (which only registers it), like the calibration command.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from experiments.errors import UserError
from experiments.store import Store

DESCRIPTION = """\
Summarise a hindcast batch (e.g. `braingain run hindcast_2000_2010 --out results/hindcast
--metrics skilled_emigration_rate_iab20,human_capital,outbound_mobility_ratio
--years 2000,2005,2010`) into RESULTS_DIR/hindcast.csv: per metric, country and year the mean
over replications and the 80% band (10th-90th percentile), beside the start year's value.

With --observed FILE.csv (columns statistic, area, year, value; e.g. the IAB 2005 and 2010
high-skill emigration rates as shares, statistic = skilled_emigration_rate_iab20), it also
writes hindcast_observed.csv (each observation beside its band) and hindcast_scores.csv, and
prints per statistic and year: Spearman, R^2, the model's mean absolute error relative to
persistence (the start-year value carried forward; below 1 beats it) and the share of
observations inside the 80% band."""


def add_hindcast_command(commands: Any) -> None:
    """Register the subcommand on the CLI's subparsers."""
    parser = commands.add_parser(
        "hindcast",
        help="bands of a hindcast batch, scored against observed data if given",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("results", metavar="RESULTS_DIR", type=Path, help="a `run` folder")
    parser.add_argument(
        "--observed",
        metavar="FILE.csv",
        type=Path,
        help="observations to score against (columns statistic, area, year, value)",
    )
    parser.set_defaults(func=cmd_hindcast)


def _hindcast_scenario(store: Store) -> dict[str, Any]:
    """The manifest entry of the folder's one scenario. A folder of several (`braingain main`'s
    baseline and what-ifs) is refused: pooling their runs would make one band of unlike runs."""
    manifest = store.read_manifest()
    if not manifest or not store.metrics_path.is_file():
        raise UserError(
            f"{store.out}: no manifest.json and metrics.parquet; allowed: the output folder of a "
            "finished `braingain run`"
        )
    scenarios = manifest.get("scenarios", [])
    if len(scenarios) != 1 or scenarios[0].get("start_year") is None:
        names = ", ".join(str(s.get("name")) for s in scenarios) or "none"
        raise UserError(
            f"{store.out}: holds runs of {len(scenarios)} scenarios ({names}), whose runs would "
            "be pooled into one band; allowed: the folder of one hindcast scenario's run (e.g. "
            "`braingain run hindcast_2000_2010 --out results/hindcast`)"
        )
    return scenarios[0]


def cmd_hindcast(args: argparse.Namespace) -> int:
    from calibration.hindcast import (
        describe_scores,
        hindcast_bands,
        read_observed,
        score_hindcast,
        unscored,
    )

    store = Store(args.results)
    scenario = _hindcast_scenario(store)
    start = int(scenario["start_year"])
    if not scenario.get("calibration"):
        print(
            f"note: {scenario['name']} draws no parameters from a calibration's posterior: "
            "its bands are seed noise alone, not predictive uncertainty"
        )
    bands = hindcast_bands(store.metrics_path, start)
    bands.to_csv(args.results / "hindcast.csv", index=False)
    print(f"wrote {args.results / 'hindcast.csv'} ({len(bands)} rows)")
    if args.observed is None:
        return 0
    observed = read_observed(args.observed)
    joined, scores = score_hindcast(bands, observed, start)
    if joined.empty:
        raise UserError(
            f"{args.observed}: no observation matches a simulated (statistic, area, year); "
            f"allowed: statistics {sorted(bands['statistic'].unique())}, years "
            f"{sorted(bands['year'].unique())}, ISO3 areas"
        )
    joined.to_csv(args.results / "hindcast_observed.csv", index=False)
    scores.to_csv(args.results / "hindcast_scores.csv", index=False)
    print(f"{len(joined)} of {len(observed)} observations have a simulated counterpart")
    print("\n".join([*describe_scores(scores), *unscored(joined)]))
    empty = " (its header only: nothing scored)" if scores.empty else ""
    print(f"wrote {args.results / 'hindcast_observed.csv'} and hindcast_scores.csv{empty}")
    return 0
