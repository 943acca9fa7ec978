"""CEPII GeoDist (Mayer & Zignago 2011): capitals and bilateral distances and ties."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from calibration.world_build.codes import CEPII_CODES, LANDLOCKED_OVERRIDES

GEO = "cepii_geodist/geo_cepii.csv"
PAIRS = "cepii_gravity/cepii_geodist_dist_cepii.csv"
COUNTRYINFO = "coords/countryinfo_capitals_centroids.csv"


def read_capitals(data: Path) -> pd.DataFrame:
    """Capital coordinates (CEPII cap==1, fallback countryinfo), area and landlockedness."""
    g = pd.read_csv(data / GEO, sep=";", encoding="latin-1")
    g = g[g["cap"] == 1].copy()
    g["iso3"] = g["iso3"].replace(CEPII_CODES)
    g = g.set_index("iso3")[["lon", "lat", "area", "landlocked"]].astype(float)
    c = pd.read_csv(data / COUNTRYINFO).set_index("iso3")
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


def read_pairs(data: Path) -> pd.DataFrame:
    """Distance between capitals, contiguity and common official language by (origin, dest)."""
    c = pd.read_csv(data / PAIRS)
    c["iso_o"] = c["iso_o"].replace(CEPII_CODES)
    c["iso_d"] = c["iso_d"].replace(CEPII_CODES)
    return c.set_index(["iso_o", "iso_d"])[["distcap", "contig", "comlang_off"]]
