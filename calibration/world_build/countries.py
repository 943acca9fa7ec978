"""The countries table: one row per country with its start-year attributes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from calibration.world_build.common import BuildLog, Imputed, flag_text
from calibration.world_build.conventions import add_conventions
from calibration.world_build.economy import add_adaptation, add_ict, add_remittance_cost
from calibration.world_build.education import add_education, add_ger_trend
from calibration.world_build.emigration import add_emigration, add_iab_history
from calibration.world_build.groups import add_groups
from calibration.world_build.hazards import add_hazards
from calibration.world_build.mobility import add_student_mobility
from calibration.world_build.population import add_geography, add_population, core_countries
from calibration.world_build.visas import add_visa_openness
from calibration.world_build.years import Y2000, StartYear
from simulation.world import COUNTRY_COLUMNS


def imputed_column(index: pd.Index, imputed: Imputed, order: Sequence[str]) -> pd.Series:
    """Per row, the semicolon-separated columns (in `order`) whose value was imputed."""
    flags = {c: index.isin(sorted(imputed.get(c, ()))) for c in order}
    return pd.Series(flag_text(flags, len(index)), index=index)


def build_countries(data: Path, log: BuildLog, start: StartYear = Y2000) -> pd.DataFrame:
    """The default (2000) countries table, in COUNTRY_COLUMNS order, sorted by iso3."""
    df = core_countries(data, log, start)
    add_geography(df, data)
    df = add_population(df, data, log, start, drop_small=True)
    add_education(df, data, log, start)
    add_ger_trend(df, data, log)
    add_ict(df, data, log, start)
    add_hazards(df, data, log)
    add_visa_openness(df, data, log)
    add_remittance_cost(df, data, log)
    add_student_mobility(df, data, log)
    add_emigration(df, data, log, start)
    add_iab_history(df, data, log)
    add_adaptation(df)
    add_groups(df)
    add_conventions(df, data, log)
    return finish(df, log)


def finish(df: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    """The table in COUNTRY_COLUMNS order with its `imputed` column, sorted by iso3."""
    order = list(COUNTRY_COLUMNS)
    df["imputed"] = imputed_column(df.index, log.imputed, order)
    df["pop_adult"] = df["pop_adult"].astype("int64")
    return df.reset_index()[order]
