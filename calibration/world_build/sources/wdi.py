"""World Bank World Development Indicators and country metadata."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from calibration.world_build.codes import REGION_CODES

GDPPC = "wdi_gdppc_ppp/gdppc_ppp_const2021_long.csv"
TERTIARY_GER = "wdi_tertiary_enrolment/tertiary_ger_to_2004.csv"
INTERNET = "wb_internet_users/API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv"
REMITTANCE_COST = "wb_remittance_costs/wdi_SI.RMT.COST.IB.ZS_transcribed_2011_2020.csv"
METADATA = "regions/wb_Metadata_Country_2024-06.csv"
INCOME_HISTORY = "regions/DERIVED_wb_CLASS_historical.csv"
REMITTANCE_YEARS = range(2011, 2021)


def read_gdppc(data: Path) -> pd.DataFrame:
    """GDP per capita PPP (constant 2021 $), long: iso3, year, gdppc_ppp (observed rows)."""
    g = pd.read_csv(data / GDPPC)
    g = g.rename(columns={"gdppc_ppp_const2021": "gdppc_ppp"})
    return g.loc[g["gdppc_ppp"].notna(), ["iso3", "year", "gdppc_ppp"]]


def read_tertiary_ger(data: Path) -> pd.DataFrame:
    """Tertiary gross enrolment ratio (percent), long: iso3, year, tertiary_ger."""
    w = pd.read_csv(data / TERTIARY_GER)
    return w.loc[w["tertiary_ger"].notna(), ["iso3", "year", "tertiary_ger"]]


def read_internet(data: Path) -> pd.DataFrame:
    """Internet users (percent of population), wide: ISO3 index, one column per year (int)."""
    i = pd.read_csv(data / INTERNET).set_index("Country Code")
    years = [c for c in i.columns if c.isdigit()]
    wide = i[years].astype(float)
    wide.columns = [int(y) for y in years]
    return wide


def read_remittance_cost(data: Path) -> pd.DataFrame:
    """Cost of sending remittances to a country (percent), wide: ISO3 index, 2011-2020."""
    r = pd.read_csv(data / REMITTANCE_COST).set_index("iso3")
    wide = r[[str(y) for y in REMITTANCE_YEARS]].astype(float)
    wide.columns = list(REMITTANCE_YEARS)
    return wide


def read_metadata(data: Path) -> pd.DataFrame:
    """World Bank names, region codes and current income groups; aggregates have no region."""
    w = pd.read_csv(data / METADATA, encoding="utf-8-sig")
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


def read_metadata_names(data: Path) -> dict[str, str]:
    """World Bank table name -> ISO3 for every row of the metadata (aggregates too)."""
    meta = pd.read_csv(data / METADATA, encoding="utf-8-sig")
    return dict(zip(meta["TableName"], meta["Country Code"], strict=True))


def read_income(data: Path, year: int) -> pd.Series:
    """World Bank income group based on `year` data (historical classification, OGHIST)."""
    h = pd.read_csv(data / INCOME_HISTORY)
    h = h[h["year_data"] == year].dropna(subset=["incgroup_historical"])
    return h.set_index("code")["incgroup_historical"]
