"""columns.csv: unit, year, source, assumption flag and notes for every column written."""

from __future__ import annotations

import pandas as pd

from calibration.world_build.border_change import SRC_BORDER_CHANGE
from calibration.world_build.groups import SRC_LDC, SRC_LLDC, SRC_SIDS
from simulation.events import CONVENTIONS, HAZARDS
from simulation.world import CORRIDOR_COLUMNS, COUNTRY_COLUMNS

DocRow = tuple[str, str, str, str, str, bool, str]

SRC_UNDESA = (
    "UN DESA Population Division, International Migrant Stock 2020, country totals "
    "(compiled by G. Abel)"
)
SRC_UNDESA_BILAT = "UN DESA Population Division, International Migrant Stock 2019"
SRC_WB_META = "World Bank, country and lending groups metadata (June 2024); OGHIST"
SRC_CEPII = "CEPII GeoDist (Mayer & Zignago 2011)"
SRC_COORDS = "countryinfo package data"
SRC_BL = "Barro & Lee (2013) J. Dev. Econ. 104:184-198"
SRC_GDP = "World Bank WDI NY.GDP.PCAP.PP.KD"
SRC_GER = "World Bank WDI SE.TER.ENRR (UIS); Lee & Lee (2016)"
SRC_HLO = "Angrist et al. (2021) Nature 592:403-408, Harmonized Learning Outcomes"
SRC_ICT = "World Bank WDI IT.NET.USER.ZS (ITU)"
SRC_IDMC = "IDMC Global Internal Displacement Database"
SRC_VISA = "Passport Index dataset, 2019-12-17 snapshot (Ilya Ilyankou)"
SRC_REMIT = "World Bank WDI SI.RMT.COST.IB.ZS"
SRC_UIS = "UNESCO Institute for Statistics (UIS), via Our World in Data"
SRC_IAB = (
    "IAB Brain-Drain Data, Brücker, Capuano & Marfouk (2013), 'Education, gender and "
    "international migration: insights from a panel-dataset 1980-2010'"
)
SRC_CONV = "UNESCO, treaty pages (per-row source URLs in the reference file)"
SRC_WB_BILAT = (
    "World Bank Global Bilateral Migration Database; Özden, Parsons, Schiff & Walmsley "
    "(2011) WBER 25(1)"
)

_HAZARD_NOTE = (
    "ASSUMPTION. IDMC gives only total disaster displacement per country-year 2008-2022. "
    "Population of year t = UN DESA 2000 population grown at the 1990-2000 rate. An event "
    "year has displacement > 0.05% of population; total p = share of event years; "
    "sev = mean displaced share in event years (0 if none). Total p is split across "
    "drought/flood/cyclone/heat by the region table HAZARD_SHARES in "
    "calibration/world_build/hazards.py (small coastal states under 30,000 km2 in "
    "EAS/LCN/SAS, or in "
    "SSF east of 40E, get the cyclone-heavy profile; landlocked countries move the cyclone "
    "share to flood); sev is the same for each kind. Countries absent from IDMC: p = 0."
)
_CONV_NOTE = (
    "Year of becoming party (ratification/acceptance/approval/accession or entry into force; "
    "'party by' rows give an upper-bound year); empty = not party or unknown. The source is "
    "INCOMPLETE (README: Tokyo complete by membership; Global Convention 12 of about 33 "
    "parties), so an empty cell often means 'unknown'."
)


def column_docs() -> list[DocRow]:
    """(table, column, unit, year, source, assumption, notes) for every output column."""
    c = "countries"
    # fmt: off
    rows: list[DocRow] = [
        (c, "iso3", "ISO 3166-1 alpha-3", "current", SRC_WB_META, False,
         "Current codes; legacy codes mapped (CEPII ROM/ZAR/TMP/YUG/PAL/ANT; Barro-Lee ROM = "
         "Moldova, SER = Serbia; IAB ADO/NAU/ROM/SIN/TMP/UAE/WBG/ZAR). Included if UN DESA "
         "has a 2000 population and WDI a GDP per capita 1990-2005; aggregates and territories "
         "with < 50,000 adults dropped."),
        (c, "name", "text", "2024", SRC_WB_META, False, "World Bank table name."),
        (c, "region", "WB region code", "2024", SRC_WB_META, False,
         "EAS, ECS, LCN, MEA, NAC, SAS or SSF (June 2024 regions)."),
        (c, "lon", "degrees", "", f"{SRC_CEPII}; {SRC_COORDS}", False,
         "Capital (CEPII geo_cepii cap==1; countryinfo capital where CEPII lacks the country)."),
        (c, "lat", "degrees", "", f"{SRC_CEPII}; {SRC_COORDS}", False, "As lon."),
        (c, "pop_adult", "persons", "2000", f"{SRC_BL}; {SRC_UNDESA}", False,
         "Persons aged 25+ (Barro-Lee pop x 1000). Imputed: UN DESA total population x "
         "regional median of the adult share among Barro-Lee countries."),
        (c, "tertiary_share", "fraction", "2000", SRC_BL, False,
         "Barro-Lee lhc/100, ages 25+ (tertiary completed). Imputed: least-squares fit on "
         "tertiary_ger and log GDP per capita over countries with both observed, clipped to "
         "[0.002, 0.6]."),
        (c, "gdppc_ppp", "constant 2021 international $", "2000 (nearest 1990-2005)", SRC_GDP,
         False, "Core datum, never imputed; the nearest year within 1990-2005 if 2000 missing."),
        (c, "tertiary_ger", "fraction", "nearest 2000 within 1998-2004", SRC_GER, False,
         "WDI gross enrolment ratio/100 (nearest year, ties to the earlier); else Lee & Lee "
         "(2016) `ter` for 2000 (fills most OECD countries). Imputed: least-squares fit on "
         "log GDP per capita, clipped to [0.005, 1]."),
        (c, "edu_quality", "0-1 index", "2000-2017", SRC_HLO, True,
         "Proxy: (mean HLO score over all tests 2000-2017 - 300)/300 clipped to [0.05, 1]. "
         "Serbia and Montenegro's scores count for both. Imputed: income-group (2000) median."),
        (c, "ict", "fraction of population", "2000", SRC_ICT, False,
         "Internet users/100. Imputed (flagged): linear interpolation (or the nearest year) "
         "within 1998-2002 where 2000 is missing, else income-group (2000) median."),
        (c, "pop_growth", "per year", "1990-2000", SRC_UNDESA, False,
         "Average yearly growth (pop2000/pop1990)^(1/10) - 1 of total population."),
    ]
    for h in HAZARDS:
        rows.append((c, f"hazard_{h}_p", "probability per year", "2008-2022", SRC_IDMC, True,
                     _HAZARD_NOTE))
        rows.append((c, f"hazard_{h}_sev", "share of population displaced", "2008-2022",
                     f"{SRC_IDMC}; {SRC_UNDESA}", True, _HAZARD_NOTE))
    rows += [
        (c, "visa_openness", "0-1 share", "2019 (proxy for 2000)", f"{SRC_VISA}; {SRC_UNDESA}",
         True,
         "ASSUMPTION: 2019 proxy for 2000. Share of other countries' passports, weighted by "
         "their 2000 population, entering without a visa in advance: codes 3 visa free, "
         "2 visa on arrival, 1 eTA. The file also codes India's and Cote d'Ivoire's e-visas "
         "as 1: those count as visa required (Sri Lanka's ETA counts as open). Kosovo "
         "passports carry no weight (no UN DESA population). Imputed: region median."),
        (c, "remittance_cost", "share of amount sent", "earliest 2011-2020", SRC_REMIT, True,
         "Cost of sending remittances to the country (percent/100), earliest year available "
         "(a later year stands in for 2000: assumption; hand-transcribed file, spot-checked "
         "against FACTS.md 2020 values). Imputed: region median, else global median."),
        (c, "outbound_ratio", "fraction of tertiary enrolment", "nearest 2000 within "
         "1998-2004", SRC_UIS, False,
         "UIS outbound mobility ratio/100 (can exceed 1 for small states). Imputed: "
         "least-squares fit of its log on log population, log GDP per capita and log "
         "tertiary_ger (R2 about 0.8; a region median would be far off for large countries), "
         "clipped to the observed range."),
        (c, "inbound_rate", "fraction of tertiary enrolment", "nearest 2000 within 1998-2004",
         SRC_UIS, False, "UIS inbound mobility rate/100. Imputed: region median."),
        (c, "skilled_emigration_rate", "fraction", "2000", SRC_IAB, False,
         "IAB high_rate, both sexes: tertiary-educated emigrants 25+ in 20 OECD destinations / "
         "(emigrants + residents). Not Docquier-Marfouk's series. Imputed: Serbia and "
         "Montenegro's rate for both successors; otherwise a least-squares fit of its "
         "log-odds on the log-odds of UN DESA's emigrant share (emigrants/population 2000) "
         "and log GDP per capita, clipped to [0.001, 0.99]."),
        (c, "emigrant_skilled_share", "fraction", "2000", f"{SRC_IAB}; {SRC_BL}", False,
         "Derived: (h/(1-h) x tertiary_share) / (t/(1-t)) with IAB high_rate h and tot_rate "
         "t, clipped to [0.02, 1]; flagged imputed where tertiary_share was imputed. "
         "Imputed: region median where IAB lacks the country."),
        (c, "quality_assurance", "0-1 index", "2000-2017", SRC_HLO, True,
         "ASSUMPTION: proxy = edu_quality (no quality-assurance data)."),
        (c, "adaptation", "0-1 index", "2000", SRC_GDP, True,
         "ASSUMPTION: proxy from income = clip(log(gdppc_ppp/1000)/log(100), 0.05, 0.95)."),
    ]
    conv_src = {
        "africa": "Addis Ababa convention (2014)",
        "arab": "Arab States convention (2022)",
        "asia_pacific": "Tokyo convention (2011)",
        "latin_america": "Buenos Aires convention (2019)",
        "europe": "Lisbon Recognition Convention (1997); UNESCO Europe-region convention "
        "(1979)",
        "mediterranean": "Nice convention (1976)",
        "global": "UNESCO Global Convention (2019)",
    }
    for conv in CONVENTIONS:
        note = _CONV_NOTE
        if conv == "europe":
            note += (
                " europe = earliest of the 1979 Europe-region convention (predecessor; entry "
                "into force, partial list) and Lisbon. Imputed: 2012 (upper bound) for "
                "Council of Europe members without a date (README: by 2012 all but Greece "
                "and Monaco had ratified)."
            )
        if conv == "mediterranean":
            note = "NO DATA in the reference folder: always empty (unknown, not 'not party')."
        rows.append((c, f"conv_{conv}", "year", "", f"{SRC_CONV}: {conv_src[conv]}",
                     False, note))
    rows.append((c, "imputed", "list", "", "this script", False,
                 "Semicolon-separated columns whose value in this row was imputed or is not "
                 "the country's own figure."))
    k = "corridors"
    rows += [
        (k, "origin", "ISO3", "", "countries.csv", False, "Every ordered pair, origin != "
         "destination."),
        (k, "destination", "ISO3", "", "countries.csv", False, "As origin."),
        (k, "distance_km", "km", "", SRC_CEPII, False,
         "CEPII distcap (between capitals); great-circle distance between the capitals in "
         "countries.csv where CEPII lacks the pair (flagged imputed). Rounded to km."),
        (k, "contiguous", "0/1", "", SRC_CEPII, False,
         "CEPII contig. Countries absent from CEPII's pair file, by hand (assumption): "
         "Montenegro borders ALB, BIH, HRV, SRB; US Virgin Islands none (flagged imputed)."),
        (k, "common_language", "0/1", "", SRC_CEPII, False,
         "CEPII comlang_off (common official language). Countries absent from CEPII's pair "
         "file take a proxy's values (assumption): Montenegro those of CEPII's Serbia and "
         "Montenegro (and shares a language with Serbia), US Virgin Islands those of the "
         "British Virgin Islands (flagged imputed)."),
        (k, "migrant_stock", "persons", "2000", f"{SRC_WB_BILAT}; {SRC_UNDESA_BILAT}", False,
         "Persons born in origin living in destination (WB matrix: rows origin, columns "
         "destination). Pairs involving a country missing from the WB matrix (Serbia, "
         "Montenegro and Curacao: WB has only the former unions) use UN DESA's 2000 stock "
         "(0 where UN DESA lists none). Caveat: WB and UN DESA differ by a factor over 5 for "
         "about 200 corridors above 20,000 persons (refugee-heavy pairs such as Afghanistan "
         "to Pakistan 14,461 vs 2.07 M; odd WB cells such as Philippines to UK 16 vs "
         "38,793); the WB values are kept unchanged."),
    ]
    # fmt: on
    rows += new_country_docs() + new_corridor_docs()
    order = {
        "countries": list(COUNTRY_COLUMNS),
        "corridors": list(CORRIDOR_COLUMNS),
    }
    rows.sort(key=lambda r: (r[0] != "countries", order[r[0]].index(r[1])))
    return rows + countries_1990_docs(rows) + driver_docs()


def new_country_docs() -> list[DocRow]:
    """Country columns added for the reworked model and the 1990-2000 calibration."""
    c = "countries"
    # fmt: off
    return [
        (c, "ger_logit_trend", "logit points per year", "1990-2004", SRC_GER, False,
         "Least-squares slope of logit(tertiary GER) on the year over the 1990-2004 "
         "observations (WDI, else Lee & Lee's 5-yearly `ter`; GER capped to [0.001, 0.99] "
         "for the logit), for extrapolating enrolment beyond 2004 (the drivers end there). A "
         "country's own slope needs 4 observations spanning 5 years; otherwise its region's "
         "median slope (imputed). Clipped to [0, 0.15] (assumption: no extrapolated decline; "
         "the 1990s declines are mostly post-Soviet shocks or series breaks, and 0.15 is about "
         "China's 2000-2020 pace)."),
        (c, "iab_high_rate_1990", "fraction", "1990", SRC_IAB, False,
         "IAB high_rate, both sexes, 1990 (a calibration target, as skilled_emigration_rate "
         "for 2000). NEVER imputed: empty where the IAB has no figure (Curacao, Puerto Rico, "
         "US Virgin Islands). Serbia and Montenegro: their former union's rate, flagged."),
        (c, "iab_high_rate_1995", "fraction", "1995", SRC_IAB, False,
         "As iab_high_rate_1990, for 1995."),
        (c, "iab_destination", "0/1", "1980-2000", SRC_IAB, False,
         "1 for the 20 OECD destinations the IAB data cover (its rates count emigrants there "
         "only); corridors' iab_stock columns are 0 for every other destination."),
        (c, "ldc", "0/1", "13 December 2024", SRC_LDC, False,
         "UN least developed country on the CURRENT list (44 countries, after Sao Tome and "
         "Principe's graduation; not the 2000 list, which also held Bhutan, Cabo Verde, "
         "Equatorial Guinea, Maldives, Samoa, Sao Tome and Principe and Vanuatu, and not yet "
         "Timor-Leste or South Sudan). Written by hand from the list in "
         "calibration/world_build/groups.py."),
        (c, "sids", "0/1", "2024", SRC_SIDS, False,
         "Small island developing state: the UN-OHRLLS list of 38 UN members and 20 non-UN "
         "members/associate members of the regional commissions (here: Curacao, Puerto Rico, "
         "US Virgin Islands). Written by hand in calibration/world_build/groups.py."),
        (c, "lldc", "0/1", "2024", SRC_LLDC, False,
         "Landlocked developing country: the UN-OHRLLS list of 32. Written by hand in "
         "calibration/world_build/groups.py."),
    ]
    # fmt: on


def new_corridor_docs() -> list[DocRow]:
    """Corridor columns added for the reworked model and the 1990 world."""
    k = "corridors"
    # fmt: off
    return [
        (k, "border_change", "0/1", "", SRC_BORDER_CHANGE, False,
         "1 if origin and destination were one state when most of the 2000 stock moved: "
         "successors of the USSR (15), of SFR Yugoslavia (BIH, HRV, MKD, MNE, SRB, SVN), of "
         "Czechoslovakia (CZE, SVK), and the 1947/1971 partition of British India (IND, PAK, "
         "BGD). These stocks are people who moved within one state, or over whom a border "
         "moved, not emigrants in the brain-drain sense (README: their size)."),
        (k, "migrant_stock_1990", "persons", "1990",
         f"{SRC_WB_BILAT}; {SRC_UNDESA_BILAT}", False,
         "The 1990 world's stock: migrant_stock (2000) moved by UN DESA's own change, "
         "s2000 + UN1990 - UN2000 (the WB matrix exists only for 2000). Flagged imputed where "
         "a fallback applied: where that sum is negative, s2000 x UN1990/UN2000; where UN "
         "DESA has no figure for the pair in either year, or no 1990 figures at all for the "
         "origin or destination (Montenegro, Curacao), s2000 x the ratio of UN DESA's 1990 "
         "and 2000 totals over the table's pairs. Rounded to persons."),
        (k, "iab_stock_2000", "persons", "2000", SRC_IAB, False,
         "Persons (aged 25+, all education levels, both sexes) born in origin living in one "
         "of the 20 IAB destinations; 0 for every other destination and where the IAB lists "
         "no origin. The former union Serbia and Montenegro's stock is split between the two "
         "in proportion to their 2000 population (UN DESA), flagged imputed. For spreading "
         "IAB skilled emigrants over the 20 destinations."),
        (k, "iab_stock_1990", "persons", "1990", SRC_IAB, False, "As iab_stock_2000, for 1990."),
        (k, "imputed", "list", "", "this script", False,
         "Semicolon-separated columns whose value for this pair was imputed or is not a "
         "reading of the source for the pair."),
    ]
    # fmt: on


COUNTRIES_1990: dict[str, tuple[str, str]] = {
    # column: (year, notes) where the 1990 table differs from the default (2000) table
    "pop_adult": (
        "1990",
        "Barro-Lee 1990 (x 1000). Imputed: UN DESA 1990 total population x "
        "regional median adult share in 1990. No territory dropped: the rows are "
        "the default world's.",
    ),
    "tertiary_share": (
        "1990",
        "Barro-Lee lhc/100 in 1990. Imputed: least-squares fit on "
        "tertiary_ger and log GDP per capita in 1990 (README), clipped to "
        "[0.002, 0.6].",
    ),
    "gdppc_ppp": (
        "1990 (first year to 2005)",
        "WDI 1990; where WDI starts later (AFG, CUW, "
        "MNE, PSE, SOM, SRB, VIR) the first observed year, flagged imputed.",
    ),
    "tertiary_ger": (
        "nearest 1990 within 1986-1994",
        "WDI nearest year (ties to the earlier); "
        "else Lee & Lee 1990. Imputed: least-squares fit on log GDP per capita "
        "in 1990, clipped to [0.005, 1].",
    ),
    "ict": (
        "1990",
        "Internet users/100 in 1990 (mostly 0). Imputed (flagged): 1988-1992 "
        "interpolation or nearest year, else income-group (1990) median.",
    ),
    "outbound_ratio": (
        "1998-2004, carried back to 1990",
        "UIS data start in 1998: the ratio "
        "of the earliest year observed in 1998-2004, else the default world's "
        "value. EVERY cell flagged imputed.",
    ),
    "inbound_rate": (
        "1998-2004, carried back to 1990",
        "As outbound_ratio: the earliest year "
        "observed in 1998-2004, else the default world's; every cell flagged.",
    ),
    "skilled_emigration_rate": (
        "1990",
        "IAB high_rate, both sexes, 1990. Imputed as in 2000 "
        "with 1990 predictors: Serbia and Montenegro's rate for both "
        "successors; else a fit of its log-odds on the log-odds of "
        "UN DESA's 1990 emigrant share and log GDP per capita 1990.",
    ),
    "emigrant_skilled_share": (
        "1990",
        "As in 2000, from the IAB 1990 high_rate and tot_rate and the 1990 tertiary_share.",
    ),
    "adaptation": ("1990", "ASSUMPTION: as in 2000, from the 1990 GDP per capita."),
}


def countries_1990_docs(rows: list[DocRow]) -> list[DocRow]:
    """countries_1990.csv: every column, as the default table's except where 1990 differs."""
    out = []
    for table, col, unit, year, source, assumption, notes in rows:
        if table != "countries":
            continue
        if col in COUNTRIES_1990:
            year, notes = COUNTRIES_1990[col]
        elif col not in ("iso3", "name", "region", "lon", "lat", "imputed"):
            notes = f"Same value (and flags) as countries.csv. {notes}"
        out.append(("countries_1990", col, unit, year, source, assumption, notes))
    return out


def driver_docs() -> list[DocRow]:
    """drivers.csv: one row per country and year 1990-2023."""
    d = "drivers"
    span = (
        "Linear interpolation inside a country's observed span (flagged in `imputed`); "
        "empty outside it (no hold, no extrapolation)."
    )
    # fmt: off
    return [
        (d, "iso3", "ISO3", "", "countries.csv", False, "Every country of the world tables."),
        (d, "year", "calendar year", "1990-2023", "", False, "Every year 1990-2023."),
        (d, "gdppc_ppp", "constant 2021 international $", "1990-2023", SRC_GDP, False,
         f"GDP per capita, PPP. {span}"),
        (d, "internet", "fraction of population", "1990-2023", SRC_ICT, False,
         f"Internet users/100. {span}"),
        (d, "tertiary_ger", "fraction", "1990-2004", SRC_GER, False,
         "Tertiary gross enrolment ratio: WDI/100 where WDI has the year, else Lee & Lee's "
         "5-yearly `ter`. Observed only to 2004: later years are empty (the model "
         f"extrapolates with countries' ger_logit_trend). {span}"),
        (d, "remittance_cost", "share of amount sent", "2011-2020", SRC_REMIT, False,
         f"Cost of sending remittances to the country (percent/100), where recorded. {span}"),
        (d, "disaster_displaced", "persons", "2008-2022", SRC_IDMC, False,
         "Disaster internal displacements (the raw count, else the rounded one). 2008-2022 "
         "country-years without an IDMC disaster figure are 0 (none recorded), flagged "
         "imputed; empty outside 2008-2022. Not interpolated."),
        (d, "pop_adult", "persons", "1990-2000", f"{SRC_BL}; {SRC_UNDESA}", False,
         "Persons aged 25+: 1990 and 2000 are the world tables' pop_adult (with their flags), "
         "1995 Barro-Lee (else UN DESA 1995 population x the region's median adult share, "
         "flagged); other years linearly interpolated (flagged). Empty after 2000: the model "
         "grows population at its own rate."),
        (d, "imputed", "list", "", "this script", False,
         "Semicolon-separated drivers whose value in this row was interpolated or imputed."),
    ]
    # fmt: on


def build_columns() -> pd.DataFrame:
    """The column documentation table."""
    cols = ["table", "column", "unit", "year", "source", "assumption", "notes"]
    df = pd.DataFrame(column_docs(), columns=cols)
    df["assumption"] = df["assumption"].map({True: "true", False: "false"})
    return df
