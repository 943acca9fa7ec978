"""UN country groups (LDC, SIDS, LLDC), written here as facts with their source and date.

The reference data's M49 file lacks these designations, so the lists are transcribed from
the UN Office of the High Representative for the Least Developed Countries, Landlocked
Developing Countries and Small Island Developing States (UN-OHRLLS) and the Committee for
Development Policy (CDP). Codes are current ISO3.
"""

from __future__ import annotations

import pandas as pd

# Least developed countries, current list: 44 countries as of 13 December 2024 (after Sao Tome
# and Principe graduated; Bhutan graduated 13 December 2023). UN-OHRLLS / UN CDP LDC list.
LDC_CURRENT: frozenset[str] = frozenset(
    {
        "AFG", "AGO", "BGD", "BEN", "BFA", "BDI", "KHM", "CAF", "TCD", "COM", "COD", "DJI",
        "ERI", "ETH", "GMB", "GIN", "GNB", "HTI", "KIR", "LAO", "LSO", "LBR", "MDG", "MWI",
        "MLI", "MRT", "MOZ", "MMR", "NPL", "NER", "RWA", "SEN", "SLE", "SLB", "SOM", "SSD",
        "SDN", "TLS", "TGO", "TUV", "UGA", "TZA", "YEM", "ZMB",
    }
)  # fmt: skip
# Small island developing states: the UN-OHRLLS list (2024), 38 UN members and 20 non-UN
# members or associate members of the UN regional commissions (marked below).
SIDS: frozenset[str] = frozenset(
    {
        # Caribbean, UN members
        "ATG", "BHS", "BRB", "BLZ", "CUB", "DMA", "DOM", "GRD", "GUY", "HTI", "JAM", "KNA",
        "LCA", "VCT", "SUR", "TTO",
        # Pacific, UN members
        "FJI", "KIR", "MHL", "FSM", "NRU", "PLW", "PNG", "WSM", "SLB", "TLS", "TON", "TUV",
        "VUT",
        # Atlantic, Indian Ocean and South China Sea, UN members
        "BHR", "CPV", "COM", "GNB", "MDV", "MUS", "STP", "SYC", "SGP",
        # non-UN members / associate members of regional commissions
        "ASM", "AIA", "ABW", "BMU", "VGB", "CYM", "MNP", "COK", "CUW", "PYF", "GLP", "GUM",
        "MTQ", "MSR", "NCL", "NIU", "PRI", "SXM", "TCA", "VIR",
    }
)  # fmt: skip
# Landlocked developing countries: the UN-OHRLLS list (2024), 32 countries.
LLDC: frozenset[str] = frozenset(
    {
        "AFG", "ARM", "AZE", "BTN", "BOL", "BWA", "BFA", "BDI", "CAF", "TCD", "SWZ", "ETH",
        "KAZ", "KGZ", "LAO", "LSO", "MWI", "MLI", "MNG", "NPL", "NER", "MKD", "PRY", "MDA",
        "RWA", "SSD", "TJK", "TKM", "UGA", "UZB", "ZMB", "ZWE",
    }
)  # fmt: skip

SRC_LDC = (
    "UN-OHRLLS and UN Committee for Development Policy, list of least developed countries "
    "(44 countries as of 13 December 2024)"
)
SRC_SIDS = "UN-OHRLLS, list of small island developing states (2024)"
SRC_LLDC = "UN-OHRLLS, list of landlocked developing countries (2024)"


def add_groups(df: pd.DataFrame) -> None:
    """0/1 columns ldc, sids, lldc (current UN lists) for the countries of `df` (ISO3 index)."""
    for col, members in (("ldc", LDC_CURRENT), ("sids", SIDS), ("lldc", LLDC)):
        df[col] = df.index.isin(sorted(members)).astype("int64")
