"""The targets table: observed values a calibration compares the model with, each with its source.

`calibration/targets.csv` has one row per target:

    target      id, STATISTIC:AREA:YEAR
    statistic   a metric of simulation.METRICS or a derived statistic (calibration.statistics)
    area        ISO3 code of a country of the default world, or WLD (the world)
    year        the calendar year the value describes
    value       the observed value
    obs_sd      its observation error (one standard deviation, same unit)
    kind        data (a reading of a dataset) or soft (a published regularity)
    source      the publication the value comes from
    notes       how it was read, and the rule behind obs_sd

Rows for the calibration's start year (1990) are not targets but the data a persistence
forecast carries forward, against which the fit report scores the model.

Build it from the reference data (the only part of the project that reads it) with

    python -m calibration.targets [--data ../shared/data] [--out calibration/targets.csv]

(the default data folder is $BRAINGAIN_SHARED_DATA, else ../shared/data beside the project).

The build is deterministic (sorted rows, 6 significant digits), so `tests/test_targets.py`
compares a rebuild with the committed file.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.world_build.sources import barro_lee, iab, uis
from simulation.world import load_world

COLUMNS = ("target", "statistic", "area", "year", "value", "obs_sd", "kind", "source", "notes")
HERE = Path(__file__).resolve().parent
TARGETS_FILE = HERE / "targets.csv"
SIG_DIGITS = 6
IAB_YEARS = (1990, 1995, 2000)
BARRO_LEE_YEARS = (1990, 1995, 2000)
UIS_WINDOW = (1999, 2004)  # "around 2000": the reading nearest 2000 in these years

SRC_IAB = "IAB Brain-Drain Data, Brücker, Capuano & Marfouk (2013)"
SRC_BL = "Barro & Lee (2013) J. Dev. Econ. 104:184-198"
SRC_UIS = "UNESCO Institute for Statistics (UIS), via Our World in Data"
SRC_OECD_RETURN = (
    "OECD (2008) International Migration Outlook, Part III 'Return migration: a new "
    "perspective' (Dumont & Spielvogel), restated in OECD (2020) 'Return migration: scope and "
    "drivers'"
)
SRC_OECD_OVERQUALIFIED = (
    "OECD, 'Economic and social integration of migrants' (topic page); Eurostat, Migrant "
    "integration statistics - over-qualification (nationals about 21%)"
)
SRC_NETWORK = (
    "Beine, Docquier & Ozden (2011) 'Diasporas', J. Dev. Econ. 95(1):30-41; Beine, Docquier & "
    "Ozden (2015) 'Dissecting network externalities in international migration'"
)

# Observation errors (one SD): no source publishes them, so these are ASSUMPTIONS, stated in the
# notes of every row: a relative error with a floor, wider where definitions or years differ.
IAB_ERROR = (0.10, 0.005)
BARRO_LEE_ERROR = (0.15, 0.005)
UIS_ERROR = (0.15, 0.002)


class TargetsTableError(ValueError):
    """A targets table that cannot be read (missing file, columns or values)."""


def read_targets(path: str | Path = TARGETS_FILE) -> pd.DataFrame:
    """The targets table, checked for its columns, unique ids and numeric values."""
    path = Path(path)
    try:
        rows = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise TargetsTableError(f"{path}: no such file") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise TargetsTableError(f"{path}: cannot read ({exc})") from None
    missing = [c for c in COLUMNS if c not in rows.columns]
    if missing:
        raise TargetsTableError(f"{path}: lacks columns {missing}")
    if rows["target"].duplicated().any():
        raise TargetsTableError(f"{path}: duplicate target ids")
    for column in ("year", "value", "obs_sd"):
        if not pd.api.types.is_numeric_dtype(rows[column]) or rows[column].isna().any():
            raise TargetsTableError(f"{path}: column {column} must be numbers in every row")
    if (rows["obs_sd"] <= 0).any():
        raise TargetsTableError(f"{path}: obs_sd must be positive")
    rows["year"] = rows["year"].astype(int)
    for column in ("source", "notes", "kind", "statistic", "area"):
        rows[column] = ["" if pd.isna(v) else str(v) for v in rows[column]]
    return rows[list(COLUMNS)]


# --- building from the reference data ------------------------------------------------------------
def _error(value: float, rule: tuple[float, float]) -> float:
    return max(rule[1], rule[0] * abs(value))


def _error_note(rule: tuple[float, float]) -> str:
    return f"obs_sd {rule[0]:.0%} (min {rule[1]}), assumed"


def _row(statistic, area, year, value, obs_sd, kind, source, notes) -> dict:
    return {
        "target": f"{statistic}:{area}:{year}",
        "statistic": statistic,
        "area": area,
        "year": int(year),
        "value": float(value),
        "obs_sd": float(obs_sd),
        "kind": kind,
        "source": source,
        "notes": notes,
    }


def iab_rows(data: Path, codes: set[str]) -> list[dict]:
    """IAB high-skill emigration rates (both sexes) 1990, 1995, 2000 of the world's countries.
    Values of the former Serbia and Montenegro are not either successor's own: left out."""
    note = f"high_rate, both sexes, 25+, 20 OECD destinations; {_error_note(IAB_ERROR)}"
    rows = []
    for year in IAB_YEARS:
        rates, union_filled = iab.read_rates(data, year)
        for code, rate in rates["high_rate"].items():
            if code in union_filled or code not in codes or pd.isna(rate):
                continue
            rows.append(
                _row(
                    "skilled_emigration_rate_iab20",
                    code,
                    year,
                    float(rate),
                    _error(float(rate), IAB_ERROR),
                    "data",
                    SRC_IAB,
                    note,
                )
            )
    return rows


def barro_lee_rows(data: Path, codes: set[str]) -> list[dict]:
    """Barro-Lee tertiary completion, ages 25+, 1990, 1995, 2000: the model's human capital."""
    b = barro_lee.read_attainment(data)
    b = b[b["year"].isin(BARRO_LEE_YEARS) & b["iso3"].isin(codes)].dropna(subset=["tertiary_share"])
    note = f"lhc/100, ages 25+, tertiary completed; {_error_note(BARRO_LEE_ERROR)}"
    return [
        _row(
            "human_capital",
            r.iso3,
            r.year,
            float(r.tertiary_share),
            _error(float(r.tertiary_share), BARRO_LEE_ERROR),
            "data",
            SRC_BL,
            note,
        )
        for r in b.itertuples()
    ]


def uis_rows(data: Path, codes: set[str]) -> list[dict]:
    """UIS outbound mobility ratio around 2000: the reading nearest 2000 in 1999-2004 (ties to
    the earlier year), recorded as a 2000 target with its own year in the notes."""
    u = uis.read_indicator(data, uis.OUTBOUND)
    u = u[u["iso3"].isin(codes) & u["year"].between(*UIS_WINDOW)].dropna(subset=["value"])
    u = u.assign(distance=(u["year"] - 2000).abs())
    u = u.sort_values(["iso3", "distance", "year"], kind="mergesort").drop_duplicates("iso3")
    rows = []
    for r in u.itertuples():
        ratio = float(r.value) / 100
        rows.append(
            _row(
                "outbound_mobility_ratio",
                r.iso3,
                2000,
                ratio,
                _error(ratio, UIS_ERROR),
                "data",
                SRC_UIS,
                f"ratio/100 of {r.year} (nearest 2000 in {UIS_WINDOW[0]}-{UIS_WINDOW[1]}); "
                f"{_error_note(UIS_ERROR)}",
            )
        )
    return rows


def soft_rows() -> list[dict]:
    """The published regularities of FACTS.md as world targets for 2000. A range [a, b] is
    read as mean (a + b)/2 and SD (b - a)/4 (the range spans two SDs either side)."""
    return [
        _row(
            "five_year_return_ratio",
            "WLD",
            2000,
            0.35,
            0.075,
            "soft",
            SRC_OECD_RETURN,
            "20-50% of immigrants leave within five years of arrival; range read as mean 0.35, "
            "SD 0.075. The model's statistic counts returns home over five years per new "
            "emigrant (moves on to a third country are not counted): a proxy.",
        ),
        _row(
            "brain_waste_rate",
            "WLD",
            2000,
            1 / 3,
            0.05,
            "soft",
            SRC_OECD_OVERQUALIFIED,
            "About a third of employed highly educated immigrants in OECD countries are "
            "over-qualified, against about a fifth of natives. The model has no native "
            "over-qualification, so the target is the immigrants' third (SD 0.05: an "
            "assumption); read as the excess over natives it would be about 0.13.",
        ),
        _row(
            "flow_network_elasticity",
            "WLD",
            2000,
            0.85,
            0.075,
            "soft",
            SRC_NETWORK,
            "Elasticity of migration flows to network size about 0.7-1.0 (about 1 in the 2015 "
            "paper; the low end is an inference from the 2011 paper); read as mean 0.85, "
            "SD 0.075. The model's statistic is measured across origins, not corridors.",
        ),
    ]


def _round(x: float) -> float:
    if x == 0 or not np.isfinite(x):
        return x
    return float(f"{x:.{SIG_DIGITS}g}")


def build(data: Path, codes: Sequence[str]) -> pd.DataFrame:
    """Every target row from the reference data, for the given countries."""
    known = set(codes)
    rows = [
        *iab_rows(data, known),
        *barro_lee_rows(data, known),
        *uis_rows(data, known),
        *soft_rows(),
    ]
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    for column in ("value", "obs_sd"):
        table[column] = table[column].map(_round)
    return table.sort_values(["statistic", "year", "area"], kind="mergesort").reset_index(drop=True)


def write(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, index=False, lineterminator="\n")


def default_data() -> Path:
    """$BRAINGAIN_SHARED_DATA, else ../shared/data beside the project (as the world build)."""
    return Path(os.environ.get("BRAINGAIN_SHARED_DATA", HERE.parent.parent / "shared" / "data"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build calibration/targets.csv")
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--out", type=Path, default=TARGETS_FILE)
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"reference data folder not found: {args.data}", file=sys.stderr)
        return 1
    table = build(args.data, load_world("default").codes)
    write(table, args.out)
    counts = table.groupby(["statistic", "year"]).size()
    print(f"wrote {len(table)} targets to {args.out}")
    for (statistic, year), n in counts.items():
        print(f"  {statistic} {year}: {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
