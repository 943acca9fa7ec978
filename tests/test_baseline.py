"""The no-policy baseline of the default world (docs/ODD.md §3.1, "A baseline without events"):
over 30 years it changes through its drivers (GDP, internet use, enrolment, population), not
through drift of its start calibration, and no country is swamped by migrants.

Averaged over four seeds at 100 agents per country (what a researcher would run): at most three
countries double their skilled emigration rate, each named and explained in the README's
section "What the baseline does", and no country ends with more than 1.25 times the adults of
its no-emigration twin (same world, seed and shocks, nobody leaving home).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from experiments.scenario import load_scenario
from simulation import load_world, simulate

SEEDS = (0, 1, 2, 3)
YEARS = 30
ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BASELINE = ROOT / "scenarios" / "baseline.toml"


@pytest.fixture(scope="module")
def runs() -> tuple[pd.DataFrame, pd.DataFrame]:
    world = load_world("default")
    # the baseline scenario's parameters (the calibrated values), at 100 agents per country
    params = load_scenario(BASELINE).params.replace(agents_per_country=100)
    with_emigration = [simulate(world, params, YEARS, seed) for seed in SEEDS]
    twins = [simulate(world, params, YEARS, seed, emigration=False) for seed in SEEDS]

    def mean(frames: list[pd.DataFrame]) -> pd.DataFrame:
        return pd.concat(frames).groupby(["year", "country"]).mean(numeric_only=True)

    return mean(with_emigration), mean(twins)


def test_at_most_three_countries_double_their_skilled_emigration_rate(runs):
    frame, _ = runs
    start = frame.xs(2000, level="year")["skilled_emigration_rate"]
    end = frame.xs(2000 + YEARS, level="year")["skilled_emigration_rate"]
    doubling = sorted(end.index[(end > 2 * start) & (start > 0)])
    assert len(doubling) <= 3, doubling
    section = README.read_text().split("### What the baseline does")[1].split("\n## ")[0]
    assert all(code in section for code in doubling), doubling


def test_the_world_rate_changes_little(runs):
    frame, _ = runs
    world = frame.groupby("year")[["skilled_emigrants", "skilled_pool"]].sum()
    rate = world["skilled_emigrants"] / world["skilled_pool"]
    assert abs(rate.loc[2000 + YEARS] / rate.loc[2000] - 1) < 0.25


def test_no_country_is_swamped(runs):
    frame, twin = runs
    last = 2000 + YEARS
    ratio = (
        frame.xs(last, level="year")["adult_residents"]
        / twin.xs(last, level="year")["adult_residents"]
    )
    assert ratio.max() <= 1.25, ratio.sort_values().tail(3)
