"""Does a run show the cross-country pattern of Beine, Docquier & Rapoport (2008)?

Their finding, for developing countries: emigration prospects raise human capital (a net brain
gain) where human capital and skilled emigration are low, and lower it where either is high;
there are more losers than winners, and the losers lose more than the winners gain. Here the
three statements are checked on a run's net brain gain at a year, against each country's
tertiary share and skilled emigration rate at the start, so they can be reported with their
numbers, whatever they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from experiments.units import figure

DEVELOPING_GDP = 20_000  # GDP per head (PPP $, start year) below which a country is "developing"


@dataclass(frozen=True)
class Pattern:
    """The pattern's three statements with their numbers (net brain gain in shares)."""

    countries: int
    winners: int
    losers: int
    mean_gain: float  # mean net brain gain of the winners
    mean_loss: float  # mean net brain gain of the losers (negative)
    winners_low_low: float  # share of winners among countries below both medians
    winners_other: float  # share of winners among the other countries
    rho_human_capital: float  # Spearman: net brain gain vs start tertiary share
    rho_emigration: float  # Spearman: net brain gain vs start skilled emigration rate

    @property
    def gains_where_low(self) -> bool:
        return self.winners_low_low > self.winners_other

    @property
    def more_losers(self) -> bool:
        return self.losers > self.winners

    @property
    def losers_lose_more(self) -> bool:
        return abs(self.mean_loss) > self.mean_gain

    def holds(self) -> bool:
        return self.gains_where_low and self.more_losers and self.losers_lose_more

    def sentences(self) -> list[str]:
        """The result in plain words, numbers in percentage points."""

        def pp(x: float) -> str:
            return f"{figure(100 * x, signed=True)} pp"

        said = "holds" if self.holds() else "does not hold"
        return [
            f"Of {self.countries} developing countries, {self.winners} gain and {self.losers} "
            f"lose ({'more losers than winners' if self.more_losers else 'not more losers'}).",
            f"Winners gain {pp(self.mean_gain)} on average, losers {pp(self.mean_loss)} "
            f"({'losers lose more' if self.losers_lose_more else 'losers do not lose more'}).",
            f"{100 * self.winners_low_low:.0f}% of the countries with both low human capital and "
            f"low skilled emigration gain, against {100 * self.winners_other:.0f}% of the others "
            f"(Spearman with net brain gain: {self.rho_human_capital:+.2f} for human capital, "
            f"{self.rho_emigration:+.2f} for emigration).",
            f"The Beine, Docquier & Rapoport (2008) pattern {said}.",
        ]


def country_table(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per country: start tertiary share, start skilled emigration rate, GDP per head, and
    net brain gain at `year` (means over whatever replications `frame` holds)."""
    start_year = int(frame["year"].min())
    mean = frame.groupby(["year", "country"]).mean(numeric_only=True)
    start, end = mean.xs(start_year, level="year"), mean.xs(year, level="year")
    return pd.DataFrame(
        {
            "human_capital_start": start["human_capital"],
            "skilled_emigration_rate_start": start["skilled_emigration_rate"],
            "gdppc_start": start["gdppc"],
            "net_brain_gain": end["net_brain_gain"],
        }
    )


def brain_gain_pattern(table: pd.DataFrame) -> Pattern:
    """The three statements over the developing countries of a `country_table`."""
    dev = table[table["gdppc_start"] < DEVELOPING_GDP]
    gain = dev["net_brain_gain"]
    low = (dev["human_capital_start"] < dev["human_capital_start"].median()) & (
        dev["skilled_emigration_rate_start"] < dev["skilled_emigration_rate_start"].median()
    )
    winners = gain > 0
    return Pattern(
        countries=len(dev),
        winners=int(winners.sum()),
        losers=int((gain < 0).sum()),
        mean_gain=float(gain[winners].mean()) if winners.any() else 0.0,
        mean_loss=float(gain[gain < 0].mean()) if (gain < 0).any() else 0.0,
        winners_low_low=float(winners[low].mean()) if low.any() else float("nan"),
        winners_other=float(winners[~low].mean()) if (~low).any() else float("nan"),
        rho_human_capital=float(stats.spearmanr(gain, dev["human_capital_start"])[0]),
        rho_emigration=float(stats.spearmanr(gain, dev["skilled_emigration_rate_start"])[0]),
    )


def low_low_mask(table: pd.DataFrame) -> np.ndarray:
    """Countries below both medians (for figures)."""
    return (
        (table["human_capital_start"] < table["human_capital_start"].median())
        & (table["skilled_emigration_rate_start"] < table["skilled_emigration_rate_start"].median())
    ).to_numpy()
