"""IAB Brain-Drain Data (Brücker, Capuano & Marfouk 2013): rates and bilateral stocks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from calibration.world_build.codes import IAB_CODES, expand_unions

RATES = "iab_braindrain/emigration_rates_1980_2000.csv"
STOCKS = "iab_braindrain/bilateral_stock_by_sex_1980_2000.csv"
BOTH_SEXES = "Male and Female"


def read_rates(data: Path, year: int) -> tuple[pd.DataFrame, set[str]]:
    """Emigration rates in `year`, both sexes (tot_rate, high_rate) by ISO3.

    Also returns the successor codes filled from a former union's rate (Serbia and
    Montenegro), which are not the country's own figure.
    """
    e = pd.read_csv(data / RATES)
    e = e[(e["year"] == year) & (e["gender"] == BOTH_SEXES) & (e["ccode_origin"] != "WLD")]
    e = e.assign(code=e["ccode_origin"].replace(IAB_CODES))
    frame, union_filled = expand_unions(e[["code", "tot_rate", "high_rate"]], "code")
    return frame.set_index("iso3")[["tot_rate", "high_rate"]], union_filled


def origin_codes(data: Path) -> pd.Series:
    """IAB origin name -> current ISO3 (the stock file names origins; the rate file has both)."""
    e = pd.read_csv(data / RATES)
    pairs = e[["origin", "ccode_origin"]].drop_duplicates("origin")
    return pd.Series(pairs["ccode_origin"].replace(IAB_CODES).to_numpy(), index=pairs["origin"])


def read_stocks(data: Path, year: int) -> tuple[pd.DataFrame, set[str]]:
    """Migrants (all education levels, both sexes) in the 20 IAB destinations in `year`.

    Long: origin (ISO3), destination (ISO3), stock. Origins named "Unknown" drop out; a former
    union's stock is given to each successor (flagged by the returned set of codes).
    """
    s = pd.read_csv(data / STOCKS)
    s = s[(s["year"] == year) & (s["sex"] == "T")]
    s = s.assign(code=s["origin"].map(origin_codes(data)))
    s = s.dropna(subset=["code"])
    frame, union_filled = expand_unions(s[["code", "dest_iso3", "value"]], "code")
    out = frame.rename(columns={"iso3": "origin", "dest_iso3": "destination", "value": "stock"})
    return out[["origin", "destination", "stock"]], union_filled


def destinations(data: Path) -> list[str]:
    """The 20 OECD destinations the IAB covers (ISO3)."""
    return sorted(pd.read_csv(data / STOCKS, usecols=["dest_iso3"])["dest_iso3"].unique())
