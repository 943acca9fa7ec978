"""Build every table of `simulation/data/` from the reference data folder."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from calibration.world_build.common import BuildLog
from calibration.world_build.corridors import build_corridors
from calibration.world_build.countries import build_countries
from calibration.world_build.docs import build_columns
from calibration.world_build.output import write_csv
from calibration.world_build.readme import build_readme
from calibration.world_build.teaching import build_teaching
from simulation.world import COUNTRY_COLUMNS

PROJECT = Path(__file__).resolve().parents[2]


def build(data: Path, out: Path) -> BuildLog:
    """Build every table from `data` into `out`; returns the log for reporting."""
    log = BuildLog()
    countries = build_countries(data, log)
    corridors = build_corridors(data, countries, log)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(countries, out / "countries.csv")
    write_csv(corridors, out / "corridors.csv")
    write_csv(build_columns(), out / "columns.csv")
    write_csv(build_teaching(countries), out / "teaching_world.csv")
    (out / "README.md").write_text(build_readme(countries, corridors, log), encoding="utf-8")
    return log


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: build and print a short report."""
    parser = argparse.ArgumentParser(
        prog="python -m calibration.build_world",
        description="Build braingain's world tables from the public reference data.",
    )
    parser.add_argument("--data", type=Path, default=PROJECT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=PROJECT / "simulation" / "data")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"reference data folder not found: {args.data}", file=sys.stderr)
        return 1
    log = build(args.data, args.out)
    print(f"wrote tables to {args.out}")
    for col in COUNTRY_COLUMNS:
        if log.imputed.get(col):
            print(f"  imputed {col}: {len(log.imputed[col])}")
    print(f"  unmatched WB matrix names: {log.unmatched_names or 'none'}")
    for note in log.notes:
        print(f"  {note}")
    return 0
