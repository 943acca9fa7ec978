"""Build braingain's default world tables from the public reference data.

The raw files are never committed (users download them; `simulation/data/README.md` says where).
This script turns them into the compact, documented tables the model reads:

    simulation/data/countries.csv       one row per country: start-year (2000) attributes
    simulation/data/corridors.csv       every ordered country pair: distance, ties, migrant stock
    simulation/data/columns.csv         unit, year, source and caveats of every column above
    simulation/data/teaching_world.csv  a 16-country classroom subset
    simulation/data/README.md           what the tables are, how they were made, coverage

Run from the project root:

    python -m calibration.build_world [--data ../shared/data] [--out simulation/data]

The output is deterministic (sorted rows, floats rounded to 6 significant digits, fixed line
endings), so a rebuild can be compared byte for byte with the committed tables. Every value that
is not a direct reading of a source is listed in the row's `imputed` column, and every rule used
to fill or approximate a value is stated in `columns.csv`.
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.events import CONVENTIONS, HAZARDS
from simulation.world import COUNTRY_COLUMNS

BASE_YEAR = 2000
MIN_ADULTS = 50_000  # territories with fewer adults (25+) are dropped
SIG_DIGITS = 6

# World Bank region names (June 2024 metadata) -> the WB region codes the model uses.
REGION_CODES: dict[str, str] = {
    "East Asia & Pacific": "EAS",
    "Europe & Central Asia": "ECS",
    "Latin America & Caribbean": "LCN",
    "Middle East & North Africa": "MEA",
    "North America": "NAC",
    "South Asia": "SAS",
    "Sub-Saharan Africa": "SSF",
}
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

# Recognition conventions: source codes -> model convention names (simulation/events.py).
CONVENTION_CODES: dict[str, str] = {
    "ADDIS_2014": "africa",
    "ARAB_2022": "arab",
    "TOKYO_2011": "asia_pacific",
    "BUENOS_AIRES_2019": "latin_america",
    "LRC_1997": "europe",
    "GRC_2019": "global",
}
# Events that make a state a party (signatures and cabinet approvals do not).
PARTY_EVENTS: frozenset[str] = frozenset(
    {
        "ratification_deposited",
        "approval_deposited",
        "acceptance_deposited",
        "accession_deposited",
        "entry_into_force",
        "party_by",
    }
)
# README of the reference data: "by 2012 every Council of Europe member but Greece and Monaco
# had ratified" the Lisbon convention. Members as of 2012 (47).
COUNCIL_OF_EUROPE_2012: tuple[str, ...] = (
    "ALB", "AND", "ARM", "AUT", "AZE", "BEL", "BIH", "BGR", "HRV", "CYP", "CZE", "DNK", "EST",
    "FIN", "FRA", "GEO", "DEU", "GRC", "HUN", "ISL", "IRL", "ITA", "LVA", "LIE", "LTU", "LUX",
    "MLT", "MDA", "MCO", "MNE", "NLD", "MKD", "NOR", "POL", "PRT", "ROU", "RUS", "SMR", "SRB",
    "SVK", "SVN", "ESP", "SWE", "CHE", "TUR", "UKR", "GBR",
)  # fmt: skip
LISBON_BY_2012_EXCEPT: frozenset[str] = frozenset({"GRC", "MCO"})

EVENT_THRESHOLD = 0.0005  # disaster displacement above 0.05 % of population = an event year
IDMC_YEARS = range(2008, 2023)
# ASSUMPTION: how a country's disaster events split across the four hazard kinds (shares of
# drought, flood, cyclone, heat; each row sums to 1). IDMC gives only the total by country-year.
HAZARD_SHARES: dict[str, tuple[float, float, float, float]] = {
    "EAS": (0.10, 0.45, 0.40, 0.05),
    "ECS": (0.10, 0.70, 0.05, 0.15),
    "LCN": (0.15, 0.45, 0.35, 0.05),
    "MEA": (0.45, 0.40, 0.05, 0.10),
    "NAC": (0.10, 0.35, 0.45, 0.10),
    "SAS": (0.15, 0.55, 0.25, 0.05),
    "SSF": (0.45, 0.45, 0.05, 0.05),
    # small coastal (mostly island) states exposed to tropical cyclones
    "small_coastal": (0.05, 0.25, 0.65, 0.05),
}
SMALL_STATE_KM2 = 30_000
CYCLONE_EXPOSED_REGIONS: frozenset[str] = frozenset({"EAS", "LCN", "SAS"})
INDIAN_OCEAN_LON = 40.0  # SSF small coastal states east of this longitude are cyclone-exposed

# Passport Index 2019 codes: 3 visa free, 2 visa on arrival, 1 eTA, 0 visa required, -1 own.
OPEN_VISA_CODES: frozenset[int] = frozenset({1, 2, 3})
# In the 2019 file code 1 also covers two e-visa schemes; an e-visa is a visa obtained in
# advance, so those entries count as closed (India's e-Visa, Cote d'Ivoire's pre-enrolment).
EVISA_CODED_AS_ETA: frozenset[str] = frozenset({"IND", "CIV"})

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

CORRIDOR_COLUMNS: tuple[str, ...] = (
    "origin",
    "destination",
    "distance_km",
    "contiguous",
    "common_language",
    "migrant_stock",
)

Imputed = dict[str, set[str]]


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def _nearest_year(
    frame: pd.DataFrame, key: str, year: str, value: str, lo: int, hi: int
) -> pd.Series:
    """Value at the year nearest BASE_YEAR within [lo, hi] per key (ties: the earlier year).

    Several sources miss the exact year 2000 for some countries; a neighbouring year is a
    better estimate than any cross-country imputation.
    """
    f = frame.loc[frame[year].between(lo, hi) & frame[value].notna(), [key, year, value]].copy()
    f["_dist"] = (f[year] - BASE_YEAR).abs()
    f = f.sort_values([key, "_dist", year], kind="mergesort")
    return f.drop_duplicates(key).set_index(key)[value].astype(float)


def _fill(df: pd.DataFrame, col: str, values: pd.Series, imputed: Imputed) -> None:
    """Fill the gaps of df[col] from `values` and remember which rows were imputed."""
    values = values.reindex(df.index)
    gap = df[col].isna() & values.notna()
    df.loc[gap, col] = values[gap]
    imputed.setdefault(col, set()).update(df.index[gap])


def _mark(imputed: Imputed, col: str, codes: Iterable[str]) -> None:
    """Record rows of `col` whose value, though filled from data, is not the country's own."""
    imputed.setdefault(col, set()).update(codes)


def _group_median(df: pd.DataFrame, col: str, group: str) -> pd.Series:
    """Median of the observed values of `col` within each group, for every row.

    Groups with no observed value fall back to the median over all countries.
    """
    med = df.groupby(group)[col].transform("median")
    return med.fillna(df[col].median())


def _fit_predict(
    df: pd.DataFrame,
    target: str,
    predictors: Sequence[str],
    fit_rows: pd.Index | None = None,
    notes: list[str] | None = None,
) -> pd.Series:
    """Least-squares fit of target on predictors (with a constant) over complete rows.

    Used to impute a missing variable from better-covered ones (e.g. attainment from
    enrolment and income). Only `fit_rows` (default: all) train the fit, so imputed values
    never feed another fit. Returns the prediction for every row whose predictors are known;
    the fit's size and R^2 go to `notes` so the report shows how good the imputation is.
    """
    cols = [target, *predictors]
    train = df if fit_rows is None else df.loc[fit_rows]
    train = train[train[cols].notna().all(axis=1)]
    x = np.column_stack([np.ones(len(train)), train[list(predictors)].to_numpy(float)])
    y = train[target].to_numpy(float)
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    if notes is not None:
        r2 = 1 - np.sum((y - x @ coef) ** 2) / np.sum((y - y.mean()) ** 2)
        terms = " + ".join(f"{b:.4g}*{p}" for b, p in zip(coef[1:], predictors, strict=True))
        notes.append(f"fit {target} = {coef[0]:.4g} + {terms}: n={len(y)}, R2={r2:.2f}")
    known = df[list(predictors)].notna().all(axis=1)
    xa = np.column_stack([np.ones(known.sum()), df.loc[known, list(predictors)].to_numpy(float)])
    return pd.Series(xa @ coef, index=df.index[known])


def _logit(p: pd.Series) -> pd.Series:
    """Log-odds, for fitting shares without predicting values outside (0, 1)."""
    p = p.clip(1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _expit(x: pd.Series) -> pd.Series:
    """Inverse of _logit."""
    return 1 / (1 + np.exp(-x))


def _round_sig(x: float) -> float:
    """Round to SIG_DIGITS significant digits so output is stable and compact."""
    if x is None or not math.isfinite(x) or x == 0:
        return x
    return float(f"{x:.{SIG_DIGITS}g}")


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points (the fallback where CEPII lacks a pair)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


# --------------------------------------------------------------------------------------------
# readers: each returns data indexed by current ISO3 codes
# --------------------------------------------------------------------------------------------


def read_population(data: Path) -> pd.DataFrame:
    """UN DESA country totals: population 1990/2000 and emigrants abroad (share), by ISO3."""
    u = pd.read_csv(data / "undesa_stock/country_totals_1990_2000.csv")
    u = u.dropna(subset=["alpha3"])
    wide = u.pivot(index="alpha3", columns="year", values="pop")
    out = pd.DataFrame({"pop1990": wide[1990], "pop2000": wide[BASE_YEAR]})
    u0 = u[u["year"] == BASE_YEAR].set_index("alpha3")
    out["disp_share"] = u0["disp_share"]
    out["undesa_name"] = u0["name"].str.rstrip("*")
    return out


def read_gdppc(data: Path) -> pd.Series:
    """GDP per capita PPP (constant 2021 $) in 2000, nearest year 1990-2005 if missing."""
    g = pd.read_csv(data / "wdi_gdppc_ppp/gdppc_ppp_const2021_long.csv")
    return _nearest_year(g, "iso3", "year", "gdppc_ppp_const2021", 1990, 2005)


def read_wb_metadata(data: Path) -> pd.DataFrame:
    """World Bank names, region codes and current income groups; aggregates have no region."""
    w = pd.read_csv(data / "regions/wb_Metadata_Country_2024-06.csv", encoding="utf-8-sig")
    w = w.dropna(subset=["Region"]).set_index("Country Code")
    unknown = set(w["Region"]) - set(REGION_CODES)
    if unknown:
        raise ValueError(f"unknown World Bank regions: {sorted(unknown)}")
    return pd.DataFrame(
        {
            "name": w["TableName"],
            "region": w["Region"].map(REGION_CODES),
            "income_now": w["IncomeGroup"],
        }
    )


def read_income_2000(data: Path) -> pd.Series:
    """World Bank income group based on 2000 data (historical classification, OGHIST)."""
    h = pd.read_csv(data / "regions/DERIVED_wb_CLASS_historical.csv")
    h = h[h["year_data"] == BASE_YEAR].dropna(subset=["incgroup_historical"])
    return h.set_index("code")["incgroup_historical"]


def read_barro_lee(data: Path) -> pd.DataFrame:
    """Barro-Lee 2000, ages 25+: tertiary completion share and adult population (persons)."""
    b = pd.read_csv(data / "barro_lee/BL2013_MF2599_v2.2_to_2000.csv")
    b = b[b["year"] == BASE_YEAR].copy()
    b["iso3"] = b["WBcode"].replace(BARRO_LEE_CODES)
    b = b.set_index("iso3")
    return pd.DataFrame({"tertiary_share": b["lhc"] / 100, "pop_adult": b["pop"] * 1000})


def read_tertiary_ger(data: Path) -> tuple[pd.Series, pd.Series]:
    """Tertiary gross enrolment (fraction): WDI nearest 1998-2004, and Lee & Lee 2000 `ter`."""
    w = pd.read_csv(data / "wdi_tertiary_enrolment/tertiary_ger_to_2004.csv")
    wdi = _nearest_year(w, "iso3", "year", "tertiary_ger", 1998, 2004) / 100
    o = pd.read_csv(data / "barro_lee/OUP_enrol_MF_v1_to_2000.csv")
    o = o[o["year"] == BASE_YEAR].copy()
    o["iso3"] = o["WBcode"].replace(BARRO_LEE_CODES)
    lee = o.set_index("iso3")["ter"].dropna() / 100
    return wdi, lee


def read_edu_quality(data: Path) -> tuple[pd.Series, set[str]]:
    """Education quality 0-1 from the mean HLO score 2000-2017; also the union-filled codes."""
    h = pd.read_csv(data / "edu_quality_hlo/hlo_database.csv")
    h = h[h["year"].between(2000, 2017)]
    rows = []
    for code, score in zip(h["code"], h["hlo"], strict=True):
        for iso in UNION_CODES.get(code, (code,)):
            rows.append((iso, score))
    frame = pd.DataFrame(rows, columns=["iso3", "hlo"])
    own = set(h["code"])
    union_filled = {iso for c in own if c in UNION_CODES for iso in UNION_CODES[c]} - own
    mean = frame.groupby("iso3")["hlo"].mean()
    return ((mean - 300) / 300).clip(0.05, 1.0), union_filled


def read_internet(data: Path) -> tuple[pd.Series, pd.Series]:
    """Internet users (fraction) in 2000, and a 1998-2002 interpolation where 2000 is missing."""
    i = pd.read_csv(data / "wb_internet_users/API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv")
    i = i.set_index("Country Code")
    years = list(range(1998, 2003))
    window = i[[str(y) for y in years]].astype(float)
    window.columns = years
    exact = window[BASE_YEAR].dropna() / 100
    interp = window.T.interpolate(method="index", limit_area="inside").T
    near = window.T.bfill(limit=2).ffill(limit=2).T  # nearest side when only one side exists
    alt = interp[BASE_YEAR].fillna(near[BASE_YEAR]).dropna() / 100
    return exact, alt.drop(exact.index, errors="ignore")


def read_uis(data: Path, filename: str) -> pd.Series:
    """A UIS mobility indicator (percent -> fraction) nearest 2000 within 1998-2004."""
    u = pd.read_csv(data / "uis_mobility" / filename)
    u = u.dropna(subset=["Code"])
    u = u[u["Code"].str.fullmatch(r"[A-Z]{3}")]  # drops OWID_/WB_ aggregates
    value = u.columns[-1]
    return _nearest_year(u, "Code", "Year", value, 1998, 2004) / 100


def read_iab(data: Path) -> tuple[pd.DataFrame, set[str]]:
    """IAB emigration rates 2000, both sexes (tot_rate, high_rate); also union-filled codes."""
    e = pd.read_csv(data / "iab_braindrain/emigration_rates_1980_2000.csv")
    e = e[(e["year"] == BASE_YEAR) & (e["gender"] == "Male and Female")]
    e = e[e["ccode_origin"] != "WLD"]
    rows, union_filled = [], set()
    for r in e.itertuples():
        code = IAB_CODES.get(r.ccode_origin, r.ccode_origin)
        targets = UNION_CODES.get(code, (code,))
        if len(targets) > 1:
            union_filled.update(targets)
        for iso in targets:
            rows.append((iso, r.tot_rate, r.high_rate))
    frame = pd.DataFrame(rows, columns=["iso3", "tot_rate", "high_rate"]).set_index("iso3")
    return frame, union_filled


def read_remittance_cost(data: Path) -> pd.Series:
    """Cost of sending remittances to a country (share), earliest available year 2011-2020."""
    r = pd.read_csv(data / "wb_remittance_costs/wdi_SI.RMT.COST.IB.ZS_transcribed_2011_2020.csv")
    years = [str(y) for y in range(2011, 2021)]
    first = r.set_index("iso3")[years].bfill(axis=1).iloc[:, 0]
    return first.dropna() / 100


def read_capitals(data: Path) -> pd.DataFrame:
    """Capital coordinates (CEPII cap==1, fallback countryinfo), area and landlockedness."""
    g = pd.read_csv(data / "cepii_geodist/geo_cepii.csv", sep=";", encoding="latin-1")
    g = g[g["cap"] == 1].copy()
    g["iso3"] = g["iso3"].replace(CEPII_CODES)
    g = g.set_index("iso3")[["lon", "lat", "area", "landlocked"]].astype(float)
    c = pd.read_csv(data / "coords/countryinfo_capitals_centroids.csv").set_index("iso3")
    fallback = pd.DataFrame(
        {
            # a few cells hold lists (BES) or nothing: not numbers, not used
            "lon": pd.to_numeric(c["capital_lon"], errors="coerce"),
            "lat": pd.to_numeric(c["capital_lat"], errors="coerce"),
            "area": c["area_km2"],
            "landlocked": np.nan,
        }
    )
    out = g.combine_first(fallback)
    for iso, val in LANDLOCKED_OVERRIDES.items():
        out.loc[iso, "landlocked"] = val
        out.loc[iso, "area"] = fallback.loc[iso, "area"]  # CEPII's YUG area is the union's
    out["landlocked"] = out["landlocked"].fillna(0)
    return out


def read_disasters(data: Path) -> pd.DataFrame:
    """IDMC disaster displacements by country-year (persons; missing rows = none recorded)."""
    d = pd.read_csv(data / "idmc_displacement/idmc_gidd_country_year_2008_2022.csv")
    raw = d["Disaster Internal Displacements (Raw)"]
    d["displaced"] = raw.fillna(d["Disaster Internal Displacements"]).fillna(0.0)
    return d.rename(columns={"ISO3": "iso3", "Year": "year"})[["iso3", "year", "displaced"]]


def read_visa_codes(data: Path) -> pd.DataFrame:
    """Passport Index 2019 tidy file: Passport, Destination, Code (3/2/1/0, see OPEN_VISA_CODES)."""
    v = pd.read_csv(data / "visa_passport_index/passport-index-tidy-iso3_2019-12-17.csv")
    codes = set(v["Code"].unique())
    if not codes <= {-1, 0, 1, 2, 3}:
        raise ValueError(f"unexpected Passport Index codes: {sorted(codes)}")
    return v


def read_conventions(data: Path) -> pd.DataFrame:
    """Year each country became party to each recognition convention (wide, model names).

    `europe` is the earliest of the Lisbon convention (1997) and its predecessor, the UNESCO
    1979 Europe-region convention (entry into force), mirroring the model's lineage view
    (e.g. africa = Addis Ababa 2014, successor of Arusha 1981).
    """
    c = pd.read_csv(data / "recognition_conventions/conventions_parties.csv")
    c = c[c["event"].isin(PARTY_EVENTS)].copy()
    date_year = pd.to_datetime(c["date"], errors="coerce").dt.year
    c["y"] = c["year"].fillna(date_year)  # party_by rows: the year of the upper-bound date
    c = c.dropna(subset=["y"])
    c["conv"] = c["convention"].map(CONVENTION_CODES)
    wide = c.groupby(["iso3", "conv"])["y"].min().unstack()
    e = pd.read_csv(data / "recognition_conventions/unesco_europe_1979_parties_partial.csv")
    e1979 = pd.to_datetime(e["entry_into_force"], errors="coerce").dt.year
    e1979 = pd.Series(e1979.to_numpy(), index=e["iso3"]).dropna()
    wide = wide.reindex(wide.index.union(e1979.index))
    wide["europe"] = pd.concat([wide.get("europe"), e1979], axis=1).min(axis=1)
    return wide.reindex(columns=list(CONVENTIONS))


def wb_matrix_codes(data: Path, matrix: pd.DataFrame) -> tuple[dict[str, str], list[str]]:
    """ISO3 code of each name in the WB bilateral matrix; also names left unmatched.

    Names deliberately left unmapped (former unions, WB_MATRIX_NAMES value None) are not
    reported as unmatched.
    """
    meta = pd.read_csv(data / "regions/wb_Metadata_Country_2024-06.csv", encoding="utf-8-sig")
    by_name = dict(zip(meta["TableName"], meta["Country Code"], strict=True))
    codes, unmatched = {}, []
    for name in matrix.columns:
        if name in WB_MATRIX_NAMES:
            code = WB_MATRIX_NAMES[name]
        elif name in by_name:
            code = by_name[name]
        else:
            unmatched.append(name)
            continue
        if code is not None:
            codes[name] = code
    return codes, unmatched


def read_wb_matrix(data: Path) -> pd.DataFrame:
    """WB 2000 bilateral stocks with the row labels restored (rows = origin, cols = dest).

    The row labels were mangled by R (non-alphanumerics -> dots); the rows are in the same
    order as the columns, which is checked before the column names are reused.
    """
    m = pd.read_csv(data / "wb_bilateral_2000/wb_global_bilateral_migration_2000_matrix.csv")
    m = m.set_index(m.columns[0])
    mangled = [re.sub(r"[^0-9A-Za-z]", ".", c) for c in m.columns]
    if list(m.index) != mangled:
        raise ValueError("WB matrix rows and columns are not in the same order")
    m.index = m.columns
    return m


def read_undesa_bilateral(data: Path, names: pd.Series) -> pd.Series:
    """UN DESA 2019 bilateral stock in 2000 by (origin, destination) ISO3 pair."""
    b = pd.read_csv(data / "undesa_stock/bilateral_stock_1990_2000.csv")
    b = b[b["Year"] == BASE_YEAR]
    code = {n: c for c, n in names.items()}
    b = b.assign(origin=b["Origin"].map(code), destination=b["Dest"].map(code))
    b = b.dropna(subset=["origin", "destination"])  # drops regional subtotals
    return b.groupby(["origin", "destination"])["stock"].sum()


# --------------------------------------------------------------------------------------------
# countries
# --------------------------------------------------------------------------------------------


@dataclass
class BuildLog:
    """What the build did that a user should know: imputations, unmatched names, fit quality."""

    imputed: Imputed
    notes: list[str]
    unmatched_names: list[str]
    dropped_small: list[str]
    excluded_no_core: list[str]


def core_countries(data: Path, log: BuildLog) -> pd.DataFrame:
    """Countries with a UN DESA population and a GDP per capita, with name and region.

    These two are the core data; everything else can be imputed. Regional and income
    aggregates have no region in the WB metadata and drop out here.
    """
    pop = read_population(data)
    gdp = read_gdppc(data)
    meta = read_wb_metadata(data)
    codes = pop.index[pop["pop2000"].notna()].intersection(gdp.index).intersection(meta.index)
    log.excluded_no_core = sorted(set(pop.index[pop["pop2000"].notna()]) - set(codes))
    df = pd.DataFrame(index=pd.Index(sorted(codes), name="iso3"))
    df["name"] = meta["name"]
    df["region"] = meta["region"]
    income = read_income_2000(data).reindex(df.index)
    df["income"] = income.fillna(meta["income_now"])
    odd = set(df["income"]) - set(INCOME_GROUPS)
    if odd:  # income-group medians would silently form a bogus group
        raise ValueError(f"unexpected income groups: {sorted(map(str, odd))}")
    df = df.join(pop)
    df["gdppc_ppp"] = gdp
    return df


def add_geography(df: pd.DataFrame, data: Path) -> None:
    """Capital coordinates and the area/landlocked facts used by the hazard split."""
    caps = read_capitals(data).reindex(df.index)
    for col in ("lon", "lat", "area", "landlocked"):
        df[col] = caps[col]
    missing = df.index[df[["lon", "lat"]].isna().any(axis=1)]
    if len(missing):
        raise ValueError(f"no capital coordinates for {list(missing)}")


def add_population(df: pd.DataFrame, data: Path, log: BuildLog) -> pd.DataFrame:
    """Adults 25+ (Barro-Lee; else UN DESA total x regional median adult share), growth.

    Drops territories with fewer than MIN_ADULTS adults: too small to matter as origins or
    destinations, and mostly without the other data.
    """
    bl = read_barro_lee(data)
    df["pop_adult"] = bl["pop_adult"]
    df["bl_tertiary_share"] = bl["tertiary_share"]
    df["adult_share"] = df["pop_adult"] / df["pop2000"]
    _fill(df, "pop_adult", df["pop2000"] * _group_median(df, "adult_share", "region"), log.imputed)
    df["pop_adult"] = df["pop_adult"].round()
    small = df.index[df["pop_adult"] < MIN_ADULTS]
    log.dropped_small = sorted(small)
    df = df.drop(small)
    log.imputed["pop_adult"] &= set(df.index)
    df["pop_growth"] = (df["pop2000"] / df["pop1990"]) ** (1 / 10) - 1
    return df


def add_education(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """Enrolment, attainment and quality, with fitted or group-median imputation."""
    imp = log.imputed
    wdi, lee = read_tertiary_ger(data)
    df["tertiary_ger"] = wdi
    df["tertiary_ger"] = df["tertiary_ger"].fillna(lee.reindex(df.index))
    df["ln_gdppc"] = np.log(df["gdppc_ppp"])
    ger_fit = _fit_predict(df, "tertiary_ger", ["ln_gdppc"], notes=log.notes)
    ger_fit = ger_fit.clip(0.005, 1.0)
    _fill(df, "tertiary_ger", ger_fit, imp)

    df["tertiary_share"] = df["bl_tertiary_share"]
    observed_ger = df.index.difference(sorted(imp["tertiary_ger"]))
    predictors = ["tertiary_ger", "ln_gdppc"]
    share_fit = _fit_predict(df, "tertiary_share", predictors, observed_ger, log.notes)
    _fill(df, "tertiary_share", share_fit.clip(0.002, 0.6), imp)

    quality, union_filled = read_edu_quality(data)
    df["edu_quality"] = quality
    _mark(imp, "edu_quality", union_filled & set(df.index))
    _fill(df, "edu_quality", _group_median(df, "edu_quality", "income"), imp)
    df["quality_assurance"] = df["edu_quality"]
    _mark(imp, "quality_assurance", imp["edu_quality"])


def add_ict(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """Internet users 2000; neighbouring years 1998-2002; else income-group median."""
    exact, near = read_internet(data)
    df["ict"] = exact
    _fill(df, "ict", near, log.imputed)
    _fill(df, "ict", _group_median(df, "ict", "income"), log.imputed)


def hazard_profile(region: str, landlocked: bool, area: float, lon: float) -> tuple[float, ...]:
    """Shares of drought, flood, cyclone and heat among a country's disaster events.

    ASSUMPTION (see HAZARD_SHARES): a regional profile; small coastal states in the cyclone
    belts get the cyclone-heavy profile; landlocked countries have no cyclone share (it goes
    to flood).
    """
    small_coastal = not landlocked and area < SMALL_STATE_KM2
    exposed = region in CYCLONE_EXPOSED_REGIONS or (region == "SSF" and lon > INDIAN_OCEAN_LON)
    if small_coastal and exposed:
        return HAZARD_SHARES["small_coastal"]
    d, f, c, h = HAZARD_SHARES[region]
    if landlocked:
        f, c = f + c, 0.0
    return d, f, c, h


def add_hazards(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """Annual probability and severity of each hazard kind from IDMC 2008-2022.

    The population of year t is the 2000 population grown at the 1990-2000 rate (the
    reference data hold no later population); an event year is one with disaster displacement
    above EVENT_THRESHOLD of that population.
    """
    d = read_disasters(data)
    d = d[d["iso3"].isin(df.index) & d["year"].isin(IDMC_YEARS)]
    pop = df.loc[d["iso3"], "pop2000"].to_numpy() * (
        1 + df.loc[d["iso3"], "pop_growth"].to_numpy()
    ) ** (d["year"].to_numpy() - BASE_YEAR)
    d = d.assign(share=d["displaced"].to_numpy() / pop)
    events = d[d["share"] > EVENT_THRESHOLD]
    p_total = (events.groupby("iso3").size() / len(IDMC_YEARS)).reindex(df.index, fill_value=0)
    sev = events.groupby("iso3")["share"].mean().reindex(df.index, fill_value=0.0)
    absent = sorted(set(df.index) - set(d["iso3"]))
    log.notes.append(f"IDMC has no disaster rows for {len(absent)} countries (p=0): {absent}")
    for iso in df.index:
        row = df.loc[iso]
        shares = hazard_profile(row["region"], bool(row["landlocked"]), row["area"], row["lon"])
        for h, s in zip(HAZARDS, shares, strict=True):
            df.loc[iso, f"hazard_{h}_p"] = p_total[iso] * s
            df.loc[iso, f"hazard_{h}_sev"] = sev[iso]


def add_visa_openness(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """Population-weighted share of foreign passports entering without a visa in advance."""
    v = read_visa_codes(data)
    pop = read_population(data)["pop2000"]
    v = v[v["Passport"] != v["Destination"]].copy()
    v["w"] = v["Passport"].map(pop)
    unweighted = sorted(set(v.loc[v["w"].isna(), "Passport"]))
    log.notes.append(f"Passport Index passports without a UN DESA 2000 population: {unweighted}")
    v = v.dropna(subset=["w"])
    evisa = (v["Code"] == 1) & v["Destination"].isin(EVISA_CODED_AS_ETA)
    v["open_w"] = v["w"] * (v["Code"].isin(OPEN_VISA_CODES) & ~evisa)
    sums = v.groupby("Destination")[["open_w", "w"]].sum()
    df["visa_openness"] = sums["open_w"] / sums["w"]
    _fill(df, "visa_openness", _group_median(df, "visa_openness", "region"), log.imputed)


def add_remittance_cost(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """Remittance cost (earliest 2011-2020); region median, else global median."""
    df["remittance_cost"] = read_remittance_cost(data)
    _fill(df, "remittance_cost", _group_median(df, "remittance_cost", "region"), log.imputed)


def add_student_mobility(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """UIS outbound mobility ratio and inbound mobility rate near 2000, imputed.

    The outbound ratio falls steeply with country size and home enrolment (small states send
    most of their students abroad), so a regional median would, e.g., give Ghana the 26 % of
    Africa's small states; a log-linear fit on log population, log income and log enrolment
    explains about 80 % of its variance instead. The inbound rate has no such predictor
    (R^2 about 0.1): region median.
    """
    df["outbound_ratio"] = read_uis(data, "outbound_mobility_ratio_to_2004.csv")
    df["inbound_rate"] = read_uis(data, "inbound_mobility_rate_to_2004.csv")
    fit = pd.DataFrame(
        {
            "ln_outbound_ratio": np.log(df["outbound_ratio"]),
            "ln_pop": np.log(df["pop2000"]),
            "ln_gdppc": df["ln_gdppc"],
            "ln_tertiary_ger": np.log(df["tertiary_ger"]),
        }
    )
    observed = df.index.difference(sorted(log.imputed["tertiary_ger"]))
    predictors = ["ln_pop", "ln_gdppc", "ln_tertiary_ger"]
    pred = _fit_predict(fit, "ln_outbound_ratio", predictors, observed, log.notes)
    low, high = df["outbound_ratio"].min(), df["outbound_ratio"].max()
    _fill(df, "outbound_ratio", np.exp(pred).clip(low, high), log.imputed)
    _fill(df, "inbound_rate", _group_median(df, "inbound_rate", "region"), log.imputed)


def add_emigration(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """Skilled emigration rate (IAB 2000) and the tertiary share among emigrants.

    Missing rates are fitted (log-odds of the IAB rate on log-odds of UN DESA's emigrant
    share and log income). The skilled share among emigrants follows from the IAB rates:
    high emigrants = h/(1-h) x tertiary residents, all emigrants = t/(1-t) x adults.
    """
    imp = log.imputed
    iab, union_filled = read_iab(data)
    iab = iab.reindex(df.index)
    df["skilled_emigration_rate"] = iab["high_rate"]
    _mark(imp, "skilled_emigration_rate", union_filled & set(df.index))
    fit = pd.DataFrame(
        {
            "logit_skilled_rate": _logit(df["skilled_emigration_rate"]),
            "logit_emigrant_share": _logit(df["disp_share"]),
            "ln_gdppc": df["ln_gdppc"],
        },
        index=df.index,
    )
    own = df.index.difference(sorted(imp["skilled_emigration_rate"]))  # fit on own figures
    predictors = ["logit_emigrant_share", "ln_gdppc"]
    fit_y = _fit_predict(fit, "logit_skilled_rate", predictors, own, log.notes)
    pred = _expit(fit_y).clip(0.001, 0.99)
    _fill(df, "skilled_emigration_rate", pred, imp)

    h, t = iab["high_rate"], iab["tot_rate"]
    high = h / (1 - h) * df["tertiary_share"]
    total = (t / (1 - t)).where(t > 0)
    df["emigrant_skilled_share"] = (high / total).clip(0.02, 1.0)
    derived_from_imputed = imp["tertiary_share"] | (union_filled & set(df.index))
    _mark(imp, "emigrant_skilled_share", derived_from_imputed & set(df.index[total.notna()]))
    region_median = _group_median(df, "emigrant_skilled_share", "region")
    _fill(df, "emigrant_skilled_share", region_median, imp)


def add_adaptation(df: pd.DataFrame) -> None:
    """Adaptation capacity 0-1 (ASSUMPTION): log income scaled from $1,000 to $100,000."""
    df["adaptation"] = (np.log(df["gdppc_ppp"] / 1000) / np.log(100)).clip(0.05, 0.95)


def add_conventions(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """Year of joining each recognition convention; Lisbon by 2012 for Council of Europe."""
    conv = read_conventions(data).reindex(df.index)
    for c in CONVENTIONS:
        df[f"conv_{c}"] = conv[c]
    by_2012 = [
        iso
        for iso in COUNCIL_OF_EUROPE_2012
        if iso in df.index and iso not in LISBON_BY_2012_EXCEPT
    ]
    _fill(df, "conv_europe", pd.Series(2012.0, index=by_2012), log.imputed)
    for c in CONVENTIONS:
        df[f"conv_{c}"] = df[f"conv_{c}"].astype("Int64")


def build_countries(data: Path, log: BuildLog) -> pd.DataFrame:
    """The countries table, in COUNTRY_COLUMNS order, sorted by iso3."""
    df = core_countries(data, log)
    add_geography(df, data)
    df = add_population(df, data, log)
    add_education(df, data, log)
    add_ict(df, data, log)
    add_hazards(df, data, log)
    add_visa_openness(df, data, log)
    add_remittance_cost(df, data, log)
    add_student_mobility(df, data, log)
    add_emigration(df, data, log)
    add_adaptation(df)
    add_conventions(df, data, log)
    order = list(COUNTRY_COLUMNS)
    df["imputed"] = [
        ";".join(c for c in order if iso in log.imputed.get(c, ())) for iso in df.index
    ]
    df["pop_adult"] = df["pop_adult"].astype("int64")
    return df.reset_index()[order]


# --------------------------------------------------------------------------------------------
# corridors
# --------------------------------------------------------------------------------------------


def read_cepii_pairs(data: Path) -> pd.DataFrame:
    """CEPII distances between capitals, contiguity and common official language by pair."""
    c = pd.read_csv(data / "cepii_gravity/cepii_geodist_dist_cepii.csv")
    c["iso_o"] = c["iso_o"].replace(CEPII_CODES)
    c["iso_d"] = c["iso_d"].replace(CEPII_CODES)
    return c.set_index(["iso_o", "iso_d"])[["distcap", "contig", "comlang_off"]]


def build_corridors(data: Path, countries: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    """Every ordered pair of countries with distance, ties and the 2000 migrant stock."""
    codes = list(countries["iso3"])
    pairs = pd.MultiIndex.from_tuples(
        [(o, d) for o, d in itertools.product(codes, codes) if o != d],
        names=["origin", "destination"],
    )
    cepii = read_cepii_pairs(data).reindex(pairs)
    coords = countries.set_index("iso3")[["lat", "lon"]]
    out = pd.DataFrame(index=pairs)
    gc = [
        _haversine_km(*coords.loc[o], *coords.loc[d]) if pd.isna(dist) else dist
        for (o, d), dist in zip(pairs, cepii["distcap"], strict=True)
    ]
    out["distance_km"] = np.round(gc).astype("int64")
    n_gc = int(cepii["distcap"].isna().sum())
    log.notes.append(f"corridors: {n_gc} pairs use great-circle distances (not in CEPII)")

    contig, comlang = cepii["contig"].copy(), cepii["comlang_off"].copy()
    proxy = read_cepii_pairs(data)
    absent = set(codes) - set(proxy.index.get_level_values(0))
    unhandled = absent - set(CEPII_LANGUAGE_PROXY) - set(CONTIG_BY_HAND)
    if unhandled:
        raise ValueError(f"no CEPII pairs and no proxy for {sorted(unhandled)}")
    for i, (o, d) in enumerate(pairs):
        if pd.notna(contig.iloc[i]):
            continue
        po, pd_ = CEPII_LANGUAGE_PROXY.get(o, o), CEPII_LANGUAGE_PROXY.get(d, d)
        comlang.iloc[i] = 1 if po == pd_ else proxy["comlang_off"].get((po, pd_), 0)
        contig.iloc[i] = int(d in CONTIG_BY_HAND.get(o, ()) or o in CONTIG_BY_HAND.get(d, ()))
    out["contiguous"] = contig.astype("int64")
    out["common_language"] = comlang.astype("int64")
    out["migrant_stock"] = migrant_stocks(data, pairs, log)
    return out.reset_index()[list(CORRIDOR_COLUMNS)]


def migrant_stocks(data: Path, pairs: pd.MultiIndex, log: BuildLog) -> np.ndarray:
    """WB 2000 bilateral stock; UN DESA 2019 (year 2000) where WB lacks a country."""
    m = read_wb_matrix(data)
    codes, unmatched = wb_matrix_codes(data, m)
    log.unmatched_names = unmatched
    m = m.loc[list(codes), list(codes)]
    m.index = [codes[n] for n in m.index]
    m.columns = [codes[n] for n in m.columns]
    if m.index.duplicated().any():
        raise ValueError("two WB matrix names map to the same ISO3 code")
    wb = m.stack()
    in_wb = set(m.index)
    names = read_population(data)["undesa_name"]
    un = read_undesa_bilateral(data, names)
    values, n_un = [], 0
    for o, d in pairs:
        if o in in_wb and d in in_wb:
            values.append(wb[(o, d)])
        else:
            values.append(un.get((o, d), 0.0))
            n_un += 1
    missing = sorted({c for p in pairs for c in p} - in_wb)
    log.notes.append(f"corridors: {n_un} pairs take the UN DESA stock because WB lacks {missing}")
    return np.round(np.asarray(values, float)).astype("int64")


# --------------------------------------------------------------------------------------------
# documentation
# --------------------------------------------------------------------------------------------

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
    "calibration/build_world.py (small coastal states under 30,000 km2 in EAS/LCN/SAS, or in "
    "SSF east of 40E, get the cyclone-heavy profile; landlocked countries move the cyclone "
    "share to flood); sev is the same for each kind. Countries absent from IDMC: p = 0."
)
_CONV_NOTE = (
    "Year of becoming party (ratification/acceptance/approval/accession or entry into force; "
    "'party by' rows give an upper-bound year); empty = not party or unknown. The source is "
    "INCOMPLETE (README: Tokyo complete by membership; Global Convention 12 of about 33 "
    "parties), so an empty cell often means 'unknown'."
)


def column_docs() -> list[tuple[str, str, str, str, str, bool, str]]:
    """(table, column, unit, year, source, assumption, notes) for every output column."""
    c = "countries"
    # fmt: off
    rows: list[tuple[str, str, str, str, str, bool, str]] = [
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
         "countries.csv where CEPII lacks the pair. Rounded to km."),
        (k, "contiguous", "0/1", "", SRC_CEPII, False,
         "CEPII contig. Countries absent from CEPII's pair file, by hand (assumption): "
         "Montenegro borders ALB, BIH, HRV, SRB; US Virgin Islands none."),
        (k, "common_language", "0/1", "", SRC_CEPII, False,
         "CEPII comlang_off (common official language). Countries absent from CEPII's pair "
         "file take a proxy's values (assumption): Montenegro those of CEPII's Serbia and "
         "Montenegro (and shares a language with Serbia), US Virgin Islands those of the "
         "British Virgin Islands."),
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
    return rows


def build_columns() -> pd.DataFrame:
    """The column documentation table."""
    cols = ["table", "column", "unit", "year", "source", "assumption", "notes"]
    df = pd.DataFrame(column_docs(), columns=cols)
    df["assumption"] = df["assumption"].map({True: "true", False: "false"})
    return df


def build_teaching(countries: pd.DataFrame) -> pd.DataFrame:
    """The classroom subset (all seven regions, an island state, emerging and rich)."""
    have = set(countries["iso3"])
    rows = [(iso, why) for iso, why in TEACHING_WORLD if iso in have]
    missing = [iso for iso, _ in TEACHING_WORLD if iso not in have]
    if missing:
        raise ValueError(f"teaching countries missing from countries.csv: {missing}")
    return pd.DataFrame(rows, columns=["iso3", "why"])


def _wrap(codes: Sequence[str]) -> str:
    """A code list wrapped to the project's line length, indented as a list continuation."""
    return textwrap.fill(", ".join(codes), width=96, initial_indent="  ", subsequent_indent="  ")


def build_readme(countries: pd.DataFrame, corridors: pd.DataFrame, log: BuildLog) -> str:
    """README text with coverage numbers computed from the tables just built."""
    n = len(countries)
    counts = {c: 0 for c in COUNTRY_COLUMNS}
    for cell in countries["imputed"]:
        for c in filter(None, cell.split(";")):
            counts[c] += 1
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


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------


def _format(df: pd.DataFrame) -> pd.DataFrame:
    """Round float columns to SIG_DIGITS significant digits for stable, compact CSVs."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == float:
            out[col] = out[col].map(_round_sig)
    return out


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write a table with fixed formatting (Unix newlines, no index)."""
    _format(df).to_csv(path, index=False, lineterminator="\n")


def build(data: Path, out: Path) -> BuildLog:
    """Build every table from `data` into `out`; returns the log for reporting."""
    log = BuildLog(imputed={}, notes=[], unmatched_names=[], dropped_small=[],
                   excluded_no_core=[])  # fmt: skip
    countries = build_countries(data, log)
    corridors = build_corridors(data, countries, log)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(countries, out / "countries.csv")
    write_csv(corridors, out / "corridors.csv")
    write_csv(build_columns(), out / "columns.csv")
    write_csv(build_teaching(countries), out / "teaching_world.csv")
    (out / "README.md").write_text(build_readme(countries, corridors, log), encoding="utf-8")
    return log


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: build and print a short report."""
    here = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=here.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=here / "simulation" / "data")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"reference data folder not found: {args.data}", file=sys.stderr)
        return 1
    log = build(args.data, args.out)
    print(f"wrote tables to {args.out}")
    for col in COUNTRY_COLUMNS:
        if log.imputed.get(col):
            print(f"  imputed {col}: {len(log.imputed[col])}")
    print(f"  unmatched WB matrix names: {log.unmatched_names or 'none'}")
    for note in log.notes:
        print(f"  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
