"""Harmonized Learning Outcomes (Angrist et al. 2021): an education-quality proxy."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from calibration.world_build.codes import expand_unions

HLO = "edu_quality_hlo/hlo_database.csv"
YEARS = (2000, 2017)


def read_edu_quality(data: Path) -> tuple[pd.Series, set[str]]:
    """Education quality 0-1 from the mean HLO score 2000-2017; also the union-filled codes."""
    h = pd.read_csv(data / HLO)
    h = h[h["year"].between(*YEARS)]
    frame, union_filled = expand_unions(h[["code", "hlo"]], "code")
    mean = frame.groupby("iso3")["hlo"].mean()
    return ((mean - 300) / 300).clip(0.05, 1.0), union_filled
