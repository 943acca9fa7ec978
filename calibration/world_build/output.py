"""Writing tables with fixed formatting, so a rebuild is byte-identical."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from calibration.world_build.common import round_sig


def formatted(df: pd.DataFrame) -> pd.DataFrame:
    """Round float columns to SIG_DIGITS significant digits for stable, compact CSVs."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == float:
            out[col] = out[col].map(round_sig)
    return out


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write a table with fixed formatting (Unix newlines, no index)."""
    formatted(df).to_csv(path, index=False, lineterminator="\n")
