"""Barro & Lee (2013) attainment and Lee & Lee (2016) enrolment, 5-yearly to 2000."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from calibration.world_build.codes import BARRO_LEE_CODES

ATTAINMENT = "barro_lee/BL2013_MF2599_v2.2_to_2000.csv"
ENROLMENT = "barro_lee/OUP_enrol_MF_v1_to_2000.csv"


def read_attainment(data: Path) -> pd.DataFrame:
    """Ages 25+, long: iso3, year, tertiary_share (lhc/100), pop_adult (pop x 1000 persons)."""
    b = pd.read_csv(data / ATTAINMENT)
    return pd.DataFrame(
        {
            "iso3": b["WBcode"].replace(BARRO_LEE_CODES),
            "year": b["year"],
            "tertiary_share": b["lhc"] / 100,
            "pop_adult": b["pop"] * 1000,
        }
    )


def read_lee_enrolment(data: Path) -> pd.DataFrame:
    """Lee & Lee tertiary gross enrolment (fraction), long: iso3, year, ter (observed rows)."""
    o = pd.read_csv(data / ENROLMENT)
    out = pd.DataFrame(
        {"iso3": o["WBcode"].replace(BARRO_LEE_CODES), "year": o["year"], "ter": o["ter"] / 100}
    )
    return out.dropna(subset=["ter"])
