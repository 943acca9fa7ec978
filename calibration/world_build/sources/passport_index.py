"""Passport Index dataset (Ilya Ilyankou), 2019 snapshot: visa requirements by pair."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

TIDY = "visa_passport_index/passport-index-tidy-iso3_2019-12-17.csv"
CODES = frozenset({-1, 0, 1, 2, 3})  # 3 visa free, 2 on arrival, 1 eTA, 0 visa required, -1 own


def read_visa_codes(data: Path) -> pd.DataFrame:
    """Tidy file: Passport, Destination, Code; raises on a code outside CODES."""
    v = pd.read_csv(data / TIDY)
    codes = set(v["Code"].unique())
    if not codes <= CODES:
        raise ValueError(f"unexpected Passport Index codes: {sorted(codes)}")
    return v
