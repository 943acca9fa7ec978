"""The 16-country classroom subset of the default world."""

from __future__ import annotations

import pandas as pd

TEACHING_WORLD: tuple[tuple[str, str], ...] = (
    ("USA", "rich destination; largest stock of skilled immigrants"),
    ("GBR", "rich destination; English-speaking hub for students"),
    ("FRA", "rich destination with francophone African ties"),
    ("POL", "European emerging economy; East-West mobility"),
    ("IND", "large emerging economy; big skilled diaspora"),
    ("BGD", "populous South Asian origin; cyclone and flood exposure"),
    ("CHN", "large emerging economy; top sender of students"),
    ("PHL", "labour-export model; typhoon exposure"),
    ("BRA", "large Latin American economy with low emigration"),
    ("MEX", "largest bilateral corridor (Mexico to USA)"),
    ("JAM", "small island state; very high skilled emigration"),
    ("NGA", "most populous African country; growing diaspora"),
    ("GHA", "West African origin; medical brain drain"),
    ("KEN", "East African origin; high skilled emigration"),
    ("MAR", "North African origin with a large European diaspora"),
    ("EGY", "Middle East and North Africa; Gulf-oriented migration"),
)


def build_teaching(
    countries: pd.DataFrame, teaching: tuple[tuple[str, str], ...] = TEACHING_WORLD
) -> pd.DataFrame:
    """The classroom subset (all seven regions, an island state, emerging and rich)."""
    have = set(countries["iso3"])
    rows = [(iso, why) for iso, why in teaching if iso in have]
    missing = [iso for iso, _ in teaching if iso not in have]
    if missing:
        raise ValueError(f"teaching countries missing from countries.csv: {missing}")
    return pd.DataFrame(rows, columns=["iso3", "why"])
