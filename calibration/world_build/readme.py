"""The data folder's README.md, with coverage numbers computed from the tables just built."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from calibration.world_build.border_change import border_change_shares
from calibration.world_build.common import MIN_ADULTS, BuildLog
from simulation.events import CONVENTIONS
from simulation.world import COUNTRY_COLUMNS, DRIVER_NAMES

if TYPE_CHECKING:
    from calibration.world_build.build import Built


def _wrap(codes: Sequence[str]) -> str:
    """A code list wrapped to the project's line length, indented as a list continuation."""
    return textwrap.fill(", ".join(codes), width=96, initial_indent="  ", subsequent_indent="  ")


def imputed_counts(table: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Rows flagged imputed per column (in `columns` order, zeros dropped)."""
    flagged = table["imputed"].fillna("").str.split(";").explode()
    counts = flagged[flagged != ""].value_counts().reindex(list(columns), fill_value=0)
    return counts[counts > 0]


def _table(head: str, rows: Sequence[str]) -> str:
    return "\n".join([head, "|" + "---|" * head.count("|", 1), *rows])


def fit_lines(log: BuildLog) -> str:
    return "\n".join(f"- {note[4:]}" for note in log.notes if note.startswith("fit "))


def imputed_section(b: Built) -> str:
    """Imputed cells per column of the two countries tables, side by side."""
    now = imputed_counts(b.countries, COUNTRY_COLUMNS)
    then = imputed_counts(b.countries_1990, COUNTRY_COLUMNS)
    cols = [c for c in COUNTRY_COLUMNS if c in now.index or c in then.index]
    rows = [f"| `{c}` | {now.get(c, 0)} | {then.get(c, 0)} |" for c in cols]
    return _table("| column | countries.csv (2000) | countries_1990.csv |", rows)


def border_change_section(corridors: pd.DataFrame) -> str:
    """Share of each border-change origin's 2000 emigrant stock that is border-change."""
    shares = border_change_shares(corridors)
    rows = [
        f"| {iso} | {r.state} | {int(r.emigrants):,} | {int(r.border_change):,} | {r.share:.1%} |"
        for iso, r in shares.iterrows()
    ]
    total = shares["border_change"].sum()
    head = "| origin | former state | emigrants 2000 | border-change | share |"
    return (
        f"{int(total):,} of the {int(corridors['migrant_stock'].sum()):,} migrants of 2000 "
        f"({total / corridors['migrant_stock'].sum():.1%}) are in border-change corridors.\n\n"
        + _table(head, rows)
    )


def drivers_section(drivers: pd.DataFrame) -> str:
    """Coverage of each driver: years, countries, country-years with a value, filled."""
    flags = drivers["imputed"].fillna("").str.split(";").explode()
    flags = flags[flags != ""].value_counts()
    rows = []
    for name in DRIVER_NAMES:
        have = drivers[drivers[name].notna()]
        span = f"{have['year'].min()}-{have['year'].max()}" if len(have) else "none"
        rows.append(
            f"| `{name}` | {span} | {have['iso3'].nunique()} | {len(have):,} | "
            f"{int(flags.get(name, 0)):,} |"
        )
    head = "| driver | years with data | countries | country-years with a value | filled |"
    return _table(head, rows)


def iab_section(countries: pd.DataFrame) -> str:
    rows = []
    for col in ("iab_high_rate_1990", "iab_high_rate_1995", "skilled_emigration_rate"):
        missing = sorted(countries.loc[countries[col].isna(), "iso3"])
        rows.append(f"| `{col}` | {countries[col].notna().sum()} | {', '.join(missing) or '-'} |")
    return _table("| column | countries with a value | empty |", rows)


def build_readme(b: Built) -> str:
    """README text with coverage numbers computed from the tables just built."""
    countries, corridors, log = b.countries, b.corridors, b.log
    n = len(countries)
    conv_lines = [
        f"| `conv_{c}` | {int(countries[f'conv_{c}'].notna().sum())} |" for c in CONVENTIONS
    ]
    regions = countries["region"].value_counts().sort_index()
    region_text = ", ".join(f"{r} {k}" for r, k in regions.items())
    stock = int(corridors["migrant_stock"].sum())
    stock90 = int(corridors["migrant_stock_1990"].sum())
    groups = {g: int(countries[g].sum()) for g in ("ldc", "sids", "lldc")}
    moved = [note for note in log.notes if note.startswith("corridors 1990")]
    trend = [note for note in log.notes if note.startswith("ger_logit_trend")]
    return f"""# World tables

Derived, compact tables that braingain reads to build its worlds. They are generated; do not
edit them by hand. Rebuild with

    python -m calibration.build_world --data ../shared/data --out simulation/data

from the project root (a few seconds). The build is deterministic, and
`tests/test_build_world.py` checks that a rebuild equals the committed files (where the
reference data folder exists) and runs the whole build on a small synthetic fixture in CI.

| file | content |
|---|---|
| `countries.csv` | the default world (start 2000), one row per country: people, education, \
income, ICT, hazards, visas, remittance costs, student mobility, emigration (IAB 1990, 1995, \
2000), UN country groups, recognition conventions |
| `countries_1990.csv` | the 1990 world: the same countries and columns, built the same way \
from 1990 data |
| `corridors.csv` | every ordered pair of countries: capital distance, contiguity, common \
official language, border change, migrant stocks 2000 and 1990, IAB stocks 2000 and 1990 |
| `drivers.csv` | per country and year 1990-2023: GDP per head, internet use, tertiary \
enrolment, remittance costs, disaster displacements, adults |
| `columns.csv` | unit, year, source, assumption flag and notes (imputation rules, proxies, \
gaps) for every column of these tables |
| `teaching_world.csv` | a 16-country classroom subset covering all seven World Bank regions |

`simulation.load_world` reads them: `"default"` (start 2000) and `"teaching"` (its 16
countries), `"default1990"` and `"teaching1990"` (start 1990, for calibrating on 1990-2000).
A 1990 world takes `countries_1990.csv` and the `_1990` stock columns of `corridors.csv`;
both worlds share `drivers.csv`.

Values that are not the country's (or pair's, or year's) own reading of a source are listed,
per row, in the `imputed` column of each table; the rule used for each column is in
`columns.csv`. Columns whose `assumption` is `true` are proxies or modelling choices, not
measurements.

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
- UN-OHRLLS lists of least developed countries (with the UN Committee for Development
  Policy), small island developing states and landlocked developing countries:
  un.org/ohrlls (written into `calibration/world_build/groups.py` by hand)

## Coverage

- {n} countries (regions: {region_text}); {len(corridors):,} corridors
  ({stock:,} migrants in 2000, {stock90:,} in 1990).
- Included: every country with a UN DESA 2000 population and a WDI GDP per capita
  (1990-2005). Excluded for lack of GDP data:
{_wrap(log.excluded_no_core)}
- Dropped as too small (under {MIN_ADULTS:,} adults aged 25+):
{_wrap(log.dropped_small)}
- The 1990 world has the same countries (successor states included: IAB, UN DESA and
  Barro-Lee report them for 1990).
- UN country groups (current lists), of the {n} countries: least developed {groups["ldc"]},
  small island developing states {groups["sids"]}, landlocked developing {groups["lldc"]}.

Imputed values per column:

{imputed_section(b)}

Least-squares fits used for imputation (fitted on observed values only), default world:

{fit_lines(log)}

1990 world:

{fit_lines(b.log_1990)}

## The 1990 world

For the calibration window 1990-2000: IAB 1990 rates, Barro-Lee 1990 attainment and adults,
GDP per head and internet use in 1990, enrolment nearest 1990 (1986-1994), and the 1990
bilateral stock. The World Bank matrix exists only for 2000, so the 1990 stock is the 2000
stock moved by UN DESA's own change between 1990 and 2000, pair by pair (`columns.csv` gives
the fallbacks). Student mobility has no 1990 data (UIS starts in 1998): the earliest
1998-2004 ratio is carried back, every cell flagged. Hazards, visas, remittance costs,
education quality and conventions are the default world's (proxies without a 1990 reading).

- 1990 stocks: {moved[0].removeprefix("corridors 1990: ") if moved else ""}.

## IAB high-skill emigration rates (targets)

Never imputed: empty where the IAB has no figure (Serbia and Montenegro carry their former
union's rate, flagged). `skilled_emigration_rate` is the start year's rate as the model
needs it (imputed where the IAB has nothing, flagged).

{iab_section(countries)}

## Border-change corridors

UN DESA and the World Bank count as migrants everyone living outside their country of birth,
with today's borders applied to the past. `border_change` marks the corridors between
countries that were one state when most of the 2000 stock moved: the 15 successors of the
USSR, of SFR Yugoslavia, of Czechoslovakia, and the 1947/1971 partition of British India. Their
stocks are people who moved within one state (a posting from Moscow to Almaty in 1975), or
over whom a border moved (Partition in 1947), not emigrants in the brain-drain sense. Other
break-ups (Ethiopia-Eritrea, Sudan-South Sudan) involve countries not in the table.

{border_change_section(corridors)}

## Drivers (`drivers.csv`)

Observed values only: gaps inside a country's observed span are linearly interpolated (or,
for disasters, 2008-2022 years without an IDMC record are 0) and flagged; outside the span a
driver is empty. Tertiary enrolment is observed to 2004 only; `ger_logit_trend` in
`countries.csv` is the slope per year of logit(GER) over 1990-2004 for extrapolating it
({trend[0].removeprefix("ger_logit_trend: ") if trend else ""}; the rest take their region's
median). Adults (25+) are given for 1990-2000 only; later, the model grows population at its
own rate.

{drivers_section(b.drivers)}

Recognition conventions (countries with a known year; the source is incomplete and the
Mediterranean (Nice 1976) convention has no data at all):

{_table("| column | countries with a year |", conv_lines)}
"""
