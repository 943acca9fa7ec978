"""World Bank Global Bilateral Migration Database, 2000 (Özden et al. 2011)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from calibration.world_build.codes import WB_MATRIX_NAMES

MATRIX = "wb_bilateral_2000/wb_global_bilateral_migration_2000_matrix.csv"


def read_matrix(data: Path) -> pd.DataFrame:
    """2000 bilateral stocks with the row labels restored (rows = origin, cols = dest).

    The row labels were mangled by R (non-alphanumerics -> dots); the rows are in the same
    order as the columns, which is checked before the column names are reused.
    """
    m = pd.read_csv(data / MATRIX)
    m = m.set_index(m.columns[0])
    mangled = [re.sub(r"[^0-9A-Za-z]", ".", c) for c in m.columns]
    if list(m.index) != mangled:
        raise ValueError("WB matrix rows and columns are not in the same order")
    m.index = m.columns
    return m


def matrix_codes(names: pd.Index, metadata_names: dict[str, str]) -> tuple[pd.Series, list[str]]:
    """ISO3 code of each matrix name (WB_MATRIX_NAMES first, then the WB metadata names).

    Returns the codes of the matched names (indexed by name, in matrix order) and the names
    left unmatched. Names deliberately left unmapped (former unions, value None) are neither.
    """
    names = pd.Series(names, index=names)
    special = names.isin(list(WB_MATRIX_NAMES))
    code = names.map(WB_MATRIX_NAMES).where(special, names.map(metadata_names))
    unmatched = names[~special & code.isna()].tolist()
    return code.dropna(), unmatched
