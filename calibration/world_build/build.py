"""Build every table of `simulation/data/` from the reference data folder."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from calibration.world_build.common import BuildLog
from calibration.world_build.corridors import build_corridors
from calibration.world_build.countries import build_countries
from calibration.world_build.docs import build_columns
from calibration.world_build.drivers import build_drivers
from calibration.world_build.output import write_csv
from calibration.world_build.readme import build_readme
from calibration.world_build.teaching import TEACHING_WORLD, build_teaching
from calibration.world_build.world1990 import build_countries_1990
from simulation.world import COUNTRY_COLUMNS

PROJECT = Path(__file__).resolve().parents[2]


@dataclass
class Built:
    """The tables of one build and the logs of the two worlds."""

    countries: pd.DataFrame
    countries_1990: pd.DataFrame
    corridors: pd.DataFrame
    drivers: pd.DataFrame
    teaching: pd.DataFrame
    log: BuildLog
    log_1990: BuildLog


def build_tables(data: Path, teaching: tuple[tuple[str, str], ...] = TEACHING_WORLD) -> Built:
    """Every table from the reference data folder `data` (nothing written)."""
    log, log_1990 = BuildLog(), BuildLog()
    countries = build_countries(data, log)
    countries_1990 = build_countries_1990(data, countries, log_1990)
    corridors = build_corridors(data, countries, log)
    drivers = build_drivers(data, countries, countries_1990, log)
    classroom = build_teaching(countries, teaching)
    return Built(countries, countries_1990, corridors, drivers, classroom, log, log_1990)


def build(data: Path, out: Path, teaching: tuple[tuple[str, str], ...] = TEACHING_WORLD) -> Built:
    """Build every table from `data` into `out`; returns the tables and the build logs."""
    built = build_tables(data, teaching)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(built.countries, out / "countries.csv")
    write_csv(built.countries_1990, out / "countries_1990.csv")
    write_csv(built.corridors, out / "corridors.csv")
    write_csv(built.drivers, out / "drivers.csv")
    write_csv(build_columns(), out / "columns.csv")
    write_csv(built.teaching, out / "teaching_world.csv")
    (out / "README.md").write_text(build_readme(built), encoding="utf-8")
    return built


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: build and print a short report."""
    parser = argparse.ArgumentParser(
        prog="python -m calibration.build_world",
        description="Build braingain's world tables from the public reference data.",
    )
    default_data = os.environ.get("BRAINGAIN_SHARED_DATA", PROJECT.parent / "shared" / "data")
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(default_data),
        help="reference data folder (default: $BRAINGAIN_SHARED_DATA or ../shared/data)",
    )
    parser.add_argument("--out", type=Path, default=PROJECT / "simulation" / "data")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"reference data folder not found: {args.data}", file=sys.stderr)
        return 1
    built = build(args.data, args.out)
    print(f"wrote tables to {args.out}")
    for title, log in (("2000 world", built.log), ("1990 world", built.log_1990)):
        print(f" {title}:")
        for col in COUNTRY_COLUMNS:
            if log.imputed.get(col):
                print(f"  imputed {col}: {len(log.imputed[col])}")
        for note in log.notes:
            print(f"  {note}")
    print(f" unmatched WB matrix names: {built.log.unmatched_names or 'none'}")
    return 0
