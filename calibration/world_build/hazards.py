"""Annual probability and severity of droughts, floods, cyclones and heat from IDMC data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from calibration.world_build.common import BASE_YEAR, BuildLog
from calibration.world_build.sources import idmc
from simulation.events import HAZARDS

EVENT_THRESHOLD = 0.0005  # disaster displacement above 0.05 % of population = an event year
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


def hazard_profiles(df: pd.DataFrame) -> pd.DataFrame:
    """Shares of drought, flood, cyclone and heat among each country's disaster events.

    ASSUMPTION (see HAZARD_SHARES): a regional profile; small coastal states in the cyclone
    belts get the cyclone-heavy profile; landlocked countries have no cyclone share (it goes
    to flood). Needs the columns region, landlocked, area and lon.
    """
    table = pd.DataFrame(HAZARD_SHARES, index=list(HAZARDS)).T
    shares = table.reindex(df["region"]).set_axis(df.index)
    landlocked = df["landlocked"].astype(bool)
    small_coastal = ~landlocked & (df["area"] < SMALL_STATE_KM2)
    exposed = df["region"].isin(CYCLONE_EXPOSED_REGIONS) | (
        (df["region"] == "SSF") & (df["lon"] > INDIAN_OCEAN_LON)
    )
    shares.loc[landlocked, "flood"] += shares.loc[landlocked, "cyclone"]
    shares.loc[landlocked, "cyclone"] = 0.0
    shares.loc[small_coastal & exposed] = table.loc["small_coastal"].to_numpy()
    return shares


def add_hazards(df: pd.DataFrame, data: Path, log: BuildLog) -> None:
    """Annual probability and severity of each hazard kind from IDMC 2008-2022.

    The population of year t is the 2000 population grown at the 1990-2000 rate (the
    reference data hold no later population); an event year is one with disaster displacement
    above EVENT_THRESHOLD of that population.
    """
    d = idmc.read_disasters(data)
    d = d[d["iso3"].isin(df.index) & d["year"].isin(idmc.YEARS)]
    growth = 1 + df.loc[d["iso3"], "pop_growth"].to_numpy()
    pop = df.loc[d["iso3"], "pop2000"].to_numpy() * growth ** (d["year"].to_numpy() - BASE_YEAR)
    d = d.assign(share=d["displaced"].to_numpy() / pop)
    events = d[d["share"] > EVENT_THRESHOLD]
    n_years = len(idmc.YEARS)
    p_total = (events.groupby("iso3").size() / n_years).reindex(df.index, fill_value=0)
    sev = events.groupby("iso3")["share"].mean().reindex(df.index, fill_value=0.0)
    absent = sorted(set(df.index) - set(d["iso3"]))
    log.notes.append(f"IDMC has no disaster rows for {len(absent)} countries (p=0): {absent}")
    shares = hazard_profiles(df)
    for h in HAZARDS:
        df[f"hazard_{h}_p"] = p_total * shares[h]
        df[f"hazard_{h}_sev"] = sev
