"""Corridors between countries that were one state when most of the 2000 stock moved.

UN DESA and the World Bank count everyone living outside their country of birth as a migrant,
with today's borders applied to the past. Where a state broke up, a large part of the 2000
"migrant stock" between its successors is people who moved inside one state (a Russian
engineer posted to Almaty in 1975) or over whom a border moved (Partition, 1947). They are not
emigrants in the sense of the brain-drain literature, so the model needs to know which
corridors these are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Successor states, from UN membership records: the USSR dissolved in December 1991 (15
# successor states); the Socialist Federal Republic of Yugoslavia broke up in 1991-1992
# (Serbia and Montenegro separated in 2006; Kosovo is not in the world table); Czechoslovakia
# split on 1 January 1993; British India was partitioned in 1947 (India and Pakistan, East
# Pakistan becoming Bangladesh in 1971).
FORMER_STATES: dict[str, tuple[str, ...]] = {
    "USSR": (
        "ARM", "AZE", "BLR", "EST", "GEO", "KAZ", "KGZ", "LVA", "LTU", "MDA", "RUS", "TJK",
        "TKM", "UKR", "UZB",
    ),
    "Yugoslavia": ("BIH", "HRV", "MKD", "MNE", "SRB", "SVN", "XKX"),
    "Czechoslovakia": ("CZE", "SVK"),
    "British India": ("IND", "PAK", "BGD"),
}  # fmt: skip
SRC_BORDER_CHANGE = (
    "UN membership records of successor states (USSR 1991, SFR Yugoslavia 1991-92 and "
    "Serbia and Montenegro 2006, Czechoslovakia 1993); Indian Independence Act 1947 and "
    "independence of Bangladesh 1971"
)


def former_state(codes: pd.Index) -> pd.Series:
    """The former state each country belonged to (NaN for none)."""
    member = {iso: state for state, isos in FORMER_STATES.items() for iso in isos}
    return pd.Series(codes.map(member), index=codes)


def border_change(pairs: pd.MultiIndex) -> np.ndarray:
    """1 where origin and destination are successors of the same former state, else 0."""
    o = former_state(pd.Index(pairs.get_level_values(0))).to_numpy(object)
    d = former_state(pd.Index(pairs.get_level_values(1))).to_numpy(object)
    same = pd.notna(o) & pd.notna(d) & (o == d)
    return same.astype("int64")


def border_change_shares(corridors: pd.DataFrame, stock: str = "migrant_stock") -> pd.DataFrame:
    """Per origin in a former state: its emigrant stock, the part in border-change corridors
    and that part's share (of the stock to all countries of the table)."""
    c = corridors.assign(bc=corridors[stock] * corridors["border_change"])
    sums = c.groupby("origin")[[stock, "bc"]].sum()
    state = former_state(sums.index)
    sums = sums[state.notna()].assign(state=state)
    out = pd.DataFrame(
        {
            "state": sums["state"],
            "emigrants": sums[stock],
            "border_change": sums["bc"],
            "share": sums["bc"] / sums[stock].where(sums[stock] > 0),
        }
    )
    return out.sort_values(["state", "share"], ascending=[True, False], kind="mergesort")
