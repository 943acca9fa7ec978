"""Country codes and names as the sources write them, mapped to current ISO3 codes.

Region codes come from the model itself (`simulation.world.REGIONS`), so the build and the
model cannot disagree on them.
"""

from __future__ import annotations

import pandas as pd

from simulation.world import REGIONS

# World Bank region names (June 2024 metadata) -> the WB region codes the model uses.
REGION_CODES: dict[str, str] = {name: code for code, name in REGIONS.items()}
INCOME_GROUPS: tuple[str, ...] = (
    "Low income",
    "Lower middle income",
    "Upper middle income",
    "High income",
)

# Legacy codes. CEPII uses pre-2008 ISO codes; ANT (Netherlands Antilles, capital Willemstad)
# stands in for Curacao. Barro-Lee's ROM is Moldova (Romania is ROU there) and SER is Serbia.
CEPII_CODES: dict[str, str] = {
    "ROM": "ROU",
    "ZAR": "COD",
    "TMP": "TLS",
    "YUG": "SRB",
    "PAL": "PSE",
    "ANT": "CUW",
}
BARRO_LEE_CODES: dict[str, str] = {"ROM": "MDA", "SER": "SRB"}
IAB_CODES: dict[str, str] = {
    "ADO": "AND",
    "NAU": "NRU",
    "ROM": "ROU",
    "SIN": "SGP",
    "TMP": "TLS",
    "UAE": "ARE",
    "WBG": "PSE",
    "ZAR": "COD",
}
# Data reported for the former union Serbia and Montenegro are applied to both successors
# (flagged as imputed, since neither country's own figure is known).
UNION_CODES: dict[str, tuple[str, ...]] = {
    "SRB&MNE": ("SRB", "MNE"),  # IAB
    "SCG": ("SRB", "MNE"),  # HLO
}
# Serbia was part of CEPII's coastal YUG (Serbia and Montenegro) but is itself landlocked.
LANDLOCKED_OVERRIDES: dict[str, int] = {"SRB": 1}
# Countries absent from CEPII's pair file: language ties are taken from a proxy (Montenegro:
# its former union with Serbia; US Virgin Islands: the English-speaking British Virgin Islands)
# and land borders are listed by hand (assumption, documented in columns.csv). Two countries
# sharing a proxy are taken to share a language.
CEPII_LANGUAGE_PROXY: dict[str, str] = {"MNE": "SRB", "VIR": "VGB"}
CONTIG_BY_HAND: dict[str, tuple[str, ...]] = {"MNE": ("ALB", "BIH", "HRV", "SRB"), "VIR": ()}

# World Bank bilateral matrix names that differ from the WB 2024 metadata names. The two former
# unions are deliberately unmapped: pairs involving their successors come from UN DESA instead.
WB_MATRIX_NAMES: dict[str, str | None] = {
    "Anguilla": "AIA",
    "Cape Verde": "CPV",
    "Cook Islands": "COK",
    "Cote d'Ivoire": "CIV",
    "Czech Republic": "CZE",
    "Faeroe Islands": "FRO",
    "Falkland Islands (Malvinas)": "FLK",
    "French Guiana": "GUF",
    "Guadeloupe": "GLP",
    "Korea, Dem. Rep.": "PRK",
    "Macedonia, FYR": "MKD",
    "Martinique": "MTQ",
    "Mayotte": "MYT",
    "Montserrat": "MSR",
    "Naura": "NRU",
    "Niue": "NIU",
    "Norfolk Island": "NFK",
    "Reunion": "REU",
    "Saint Helena": "SHN",
    "Saint Pierre and Miquelon": "SPM",
    "Sao Tome and Principe": "STP",
    "Swaziland": "SWZ",
    "Taiwan, China": "TWN",
    "Tokelau": "TKL",
    "Turkey": "TUR",
    "Vietnam": "VNM",
    "Virgin Islands, British": "VGB",
    "Wallis and Futuna": "WLF",
    "Netherlands Antilles": None,  # dissolved 2010 (Curacao, Sint Maarten, BES)
    "Serbia and Montenegro": None,  # split 2006
}


def expand_unions(frame: pd.DataFrame, code: str) -> tuple[pd.DataFrame, set[str]]:
    """`frame` with an `iso3` column: its `code`, or one row per successor of a former union.

    Returns the expanded frame (row order kept, successors in UNION_CODES order) and the
    successor codes that were filled from a union's figure without a row of their own.
    """
    union = pd.DataFrame(
        [(u, iso) for u, isos in UNION_CODES.items() for iso in isos], columns=["_union", "iso3"]
    )
    out = frame.merge(union, how="left", left_on=code, right_on="_union")
    out["iso3"] = out["iso3"].fillna(out[code])
    own = set(frame[code])
    filled = set(out.loc[out["_union"].notna(), "iso3"]) - own
    return out.drop(columns="_union"), filled
