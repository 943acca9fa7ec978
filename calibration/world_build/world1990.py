"""The 1990 world: the default world's countries, built the same way from 1990 data.

It is the start of the calibration window 1990-2000. Year-specific columns are read for 1990
with the same rules (Barro-Lee attainment and adults, GDP per head, enrolment, internet, IAB
rates and the skilled share of emigrants, income groups for medians). Columns without a 1990
reading are the default world's, flagged where they stand in for a 1990 value:

- student mobility: UIS data start in 1998, so the ratio of the earliest year observed in
  1998-2004 is carried back to 1990 (else the default world's value), every cell flagged;
- time-invariant or proxy columns (coordinates, hazards, visas, remittance costs, education
  quality, conventions, groups, IAB history, enrolment trend) are the default world's, with
  its flags.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from calibration.world_build.common import BuildLog, mark
from calibration.world_build.countries import finish
from calibration.world_build.economy import add_adaptation, add_ict
from calibration.world_build.education import add_enrolment_attainment
from calibration.world_build.emigration import add_emigration
from calibration.world_build.mobility import uis_nearest
from calibration.world_build.population import add_geography, add_population, core_countries
from calibration.world_build.sources import uis
from calibration.world_build.years import Y1990
from simulation.world import CONVENTION_COLUMNS, COUNTRY_GROUPS

SAME_AS_DEFAULT: tuple[str, ...] = (
    *(f"hazard_{h}_{x}" for h in ("drought", "flood", "cyclone", "heat") for x in ("p", "sev")),
    "visa_openness",
    "remittance_cost",
    "ger_logit_trend",
    "iab_high_rate_1990",
    "iab_high_rate_1995",
    "iab_destination",
    *COUNTRY_GROUPS,
    *CONVENTION_COLUMNS,
)
CARRIED_BACK: dict[str, str] = {
    "outbound_ratio": uis.OUTBOUND,
    "inbound_rate": uis.INBOUND,
}


def default_flags(default: pd.DataFrame) -> pd.DataFrame:
    """The default world's imputed flags as a boolean frame (ISO3 index, column names)."""
    flags = default.set_index("iso3")["imputed"].fillna("").str.get_dummies(sep=";")
    return flags.astype(bool)


def copy_from_default(
    df: pd.DataFrame, default: pd.DataFrame, cols: tuple[str, ...], log: BuildLog
) -> None:
    """Take columns from the default world, keeping its imputed flags."""
    source = default.set_index("iso3")
    flags = default_flags(default)
    for col in cols:
        df[col] = source[col].reindex(df.index)
        if col in flags:
            mark(log.imputed, col, flags.index[flags[col]].intersection(df.index))


def carry_back_mobility(df: pd.DataFrame, data: Path, default: pd.DataFrame, log: BuildLog) -> None:
    """UIS ratios of the earliest year observed in 1998-2004, else the default's; all flagged."""
    source = default.set_index("iso3")
    for col, filename in CARRIED_BACK.items():
        earliest = uis_nearest(data, filename, Y1990.year) / 100
        df[col] = earliest.reindex(df.index).fillna(source[col].reindex(df.index))
        mark(log.imputed, col, df.index)


def build_countries_1990(data: Path, default: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    """The 1990 countries table: same rows and columns as the default (2000) table."""
    df = core_countries(data, log, Y1990, codes=default["iso3"].tolist())
    add_geography(df, data)
    df = add_population(df, data, log, Y1990, drop_small=False)
    add_enrolment_attainment(df, data, log, Y1990)
    add_ict(df, data, log, Y1990)
    copy_from_default(df, default, ("edu_quality", "quality_assurance", *SAME_AS_DEFAULT), log)
    carry_back_mobility(df, data, default, log)
    add_emigration(df, data, log, Y1990)
    add_adaptation(df)
    return finish(df, log)
