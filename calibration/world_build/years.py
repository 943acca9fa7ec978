"""The start years a world can be built for, and the windows each reads its data from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StartYear:
    """A world's start year and the year windows searched where a source misses that year.

    Each window is searched for the observation nearest the start year (ties: the earlier).
    """

    year: int
    gdp_window: tuple[int, int]
    ger_window: tuple[int, int]
    ict_window: tuple[int, int]
    flag_gdp_other_year: bool  # whether a GDP from another year counts as imputed

    @property
    def suffix(self) -> str:
        """File-name suffix: "" for the default 2000 world, "_1990" for the 1990 world."""
        return "" if self.year == 2000 else f"_{self.year}"


Y2000 = StartYear(2000, (1990, 2005), (1998, 2004), (1998, 2002), flag_gdp_other_year=False)
# WDI's GDP series start in 1990: a later first year is up to 12 years off, so it is flagged.
Y1990 = StartYear(1990, (1990, 2005), (1986, 1994), (1988, 1992), flag_gdp_other_year=True)
