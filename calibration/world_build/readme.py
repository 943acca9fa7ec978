"""The data folder's README.md, with coverage numbers computed from the tables just built."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import pandas as pd

from calibration.world_build.common import MIN_ADULTS, BuildLog
from simulation.events import CONVENTIONS
from simulation.world import COUNTRY_COLUMNS


def _wrap(codes: Sequence[str]) -> str:
    """A code list wrapped to the project's line length, indented as a list continuation."""
    return textwrap.fill(", ".join(codes), width=96, initial_indent="  ", subsequent_indent="  ")


def build_readme(countries: pd.DataFrame, corridors: pd.DataFrame, log: BuildLog) -> str:
    """README text with coverage numbers computed from the tables just built."""
    n = len(countries)
    flagged = countries["imputed"].str.split(";").explode()
    counts = flagged[flagged != ""].value_counts().reindex(list(COUNTRY_COLUMNS), fill_value=0)
    imputed_lines = "\n".join(f"| `{c}` | {k} |" for c, k in counts.items() if k and c != "imputed")
    conv_lines = "\n".join(
        f"| `conv_{c}` | {int(countries[f'conv_{c}'].notna().sum())} |" for c in CONVENTIONS
    )
    fit_lines = "\n".join(f"- {note[4:]}" for note in log.notes if note.startswith("fit "))
    regions = countries["region"].value_counts().sort_index()
    region_text = ", ".join(f"{r} {k}" for r, k in regions.items())
    stock = int(corridors["migrant_stock"].sum())
    return f"""# Default world tables

Derived, compact tables that braingain reads to build its default world (start year 2000).
They are generated; do not edit them by hand. Rebuild with

    python -m calibration.build_world --data ../shared/data --out simulation/data

from the project root (a few seconds). The build is deterministic, and
`tests/test_build_world.py` checks that a rebuild equals the committed files.

| file | content |
|---|---|
| `countries.csv` | one row per country: people, education, income, ICT, hazards, visas, \
remittance costs, student mobility, emigration, recognition conventions |
| `corridors.csv` | every ordered pair of countries: capital distance, contiguity, common \
official language, 2000 migrant stock |
| `columns.csv` | unit, year, source, assumption flag and notes (imputation rules, proxies, \
gaps) for every column of the two tables |
| `teaching_world.csv` | a 16-country classroom subset covering all seven World Bank regions |

Values that are not the country's own reading of a source are listed, per row, in the
`imputed` column of `countries.csv`; the rule used for each column is in `columns.csv`.
Columns whose `assumption` is `true` are proxies or modelling choices, not measurements.

## Sources (download the originals from the publishers; no raw files are kept here)

- UN DESA Population Division, *International Migrant Stock* 2019 (bilateral) and 2020
  (country totals): un.org/development/desa/pd/content/international-migrant-stock (CC BY 3.0 IGO)
- World Bank, *World Development Indicators*: NY.GDP.PCAP.PP.KD (GDP per capita PPP),
  SE.TER.ENRR (tertiary enrolment), IT.NET.USER.ZS (internet users), SI.RMT.COST.IB.ZS
  (remittance costs); country metadata and historical income groups (OGHIST):
  data.worldbank.org (CC BY 4.0)
- World Bank *Global Bilateral Migration Database* 2000; Özden, Parsons, Schiff & Walmsley
  (2011), WBER 25(1): databank.worldbank.org (CC BY 4.0)
- Barro & Lee (2013), J. Dev. Econ. 104:184-198, and Lee & Lee (2016) enrolment:
  barrolee.com
- IAB Brain-Drain Data, Brücker, Capuano & Marfouk (2013): iab.de/en/daten/iab-brain-drain-data
- UNESCO Institute for Statistics, student mobility (uis.unesco.org; also Our World in Data)
- CEPII GeoDist (Mayer & Zignago 2011): cepii.fr
- countryinfo package data (capital coordinates fallback)
- IDMC Global Internal Displacement Database: internal-displacement.org (CC BY-NC 4.0)
- Passport Index dataset 2019 (Ilya Ilyankou): github.com/ilyankou/passport-index-dataset (MIT)
- Harmonized Learning Outcomes, Angrist et al. (2021) Nature 592:403-408 (World Bank)
- UNESCO recognition conventions: treaty pages at unesco.org (party lists; incomplete here)

## Coverage

- {n} countries (regions: {region_text}); {len(corridors):,} corridors
  ({stock:,} migrants in 2000 in total).
- Included: every country with a UN DESA 2000 population and a WDI GDP per capita
  (1990-2005). Excluded for lack of GDP data:
{_wrap(log.excluded_no_core)}
- Dropped as too small (under {MIN_ADULTS:,} adults aged 25+):
{_wrap(log.dropped_small)}

Imputed values per column:

| column | countries imputed |
|---|---|
{imputed_lines}

Least-squares fits used for imputation (fitted on observed values only):

{fit_lines}

Recognition conventions (countries with a known year; the source is incomplete and the
Mediterranean (Nice 1976) convention has no data at all):

| column | countries with a year |
|---|---|
{conv_lines}
"""
