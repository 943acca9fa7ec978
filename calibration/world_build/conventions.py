"""The year each country joined each recognition convention."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from calibration.world_build.common import BuildLog, fill
from calibration.world_build.sources import unesco_conventions
from simulation.events import CONVENTIONS

# README of the reference data: "by 2012 every Council of Europe member but Greece and Monaco
# had ratified" the Lisbon convention. Members as of 2012 (47).
COUNCIL_OF_EUROPE_2012: tuple[str, ...] = (
    "ALB", "AND", "ARM", "AUT", "AZE", "BEL", "BIH", "BGR", "HRV", "CYP", "CZE", "DNK", "EST",
    "FIN", "FRA", "GEO", "DEU", "GRC", "HUN", "ISL", "IRL", "ITA", "LVA", "LIE", "LTU", "LUX",
    "MLT", "MDA", "MCO", "MNE", "NLD", "MKD", "NOR", "POL", "PRT", "ROU", "RUS", "SMR", "SRB",
    "SVK", "SVN", "ESP", "SWE", "CHE", "TUR", "UKR", "GBR",
)  # fmt: skip
LISBON_BY_2012_EXCEPT: frozenset[str] = frozenset({"GRC", "MCO"})


def add_conventions(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """Year of joining each recognition convention; Lisbon by 2012 for Council of Europe."""
    conv = unesco_conventions.read_conventions(data).reindex(df.index)
    for c in CONVENTIONS:
        df[f"conv_{c}"] = conv[c]
    members = pd.Index(COUNCIL_OF_EUROPE_2012).difference(sorted(LISBON_BY_2012_EXCEPT))
    by_2012 = members.intersection(df.index)
    fill(df, "conv_europe", pd.Series(2012.0, index=by_2012), log.imputed)
    for c in CONVENTIONS:
        df[f"conv_{c}"] = df[f"conv_{c}"].astype("Int64")
