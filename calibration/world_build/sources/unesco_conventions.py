"""UNESCO recognition conventions: the year each state became a party (incomplete lists)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simulation.events import CONVENTIONS

PARTIES = "recognition_conventions/conventions_parties.csv"
EUROPE_1979 = "recognition_conventions/unesco_europe_1979_parties_partial.csv"

# Source codes -> model convention names (simulation/events.py).
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


def read_conventions(data: Path) -> pd.DataFrame:
    """Year each country became party to each recognition convention (wide, model names).

    `europe` is the earliest of the Lisbon convention (1997) and its predecessor, the UNESCO
    1979 Europe-region convention (entry into force), mirroring the model's lineage view
    (e.g. africa = Addis Ababa 2014, successor of Arusha 1981).
    """
    c = pd.read_csv(data / PARTIES)
    c = c[c["event"].isin(PARTY_EVENTS)].copy()
    date_year = pd.to_datetime(c["date"], errors="coerce").dt.year
    c["y"] = c["year"].fillna(date_year)  # party_by rows: the year of the upper-bound date
    c = c.dropna(subset=["y"])
    c["conv"] = c["convention"].map(CONVENTION_CODES)
    wide = c.groupby(["iso3", "conv"])["y"].min().unstack()
    e = pd.read_csv(data / EUROPE_1979)
    e1979 = pd.to_datetime(e["entry_into_force"], errors="coerce").dt.year
    e1979 = pd.Series(e1979.to_numpy(), index=e["iso3"]).dropna()
    wide = wide.reindex(wide.index.union(e1979.index))
    wide["europe"] = pd.concat([wide.get("europe"), e1979], axis=1).min(axis=1)
    return wide.reindex(columns=list(CONVENTIONS))
