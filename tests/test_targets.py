"""The committed targets table, and the script that builds it from the reference data."""

from __future__ import annotations

from pathlib import Path

import pytest

from calibration import targets
from calibration.statistics import available
from simulation import load_world

SHARED_DATA = targets.default_data()


@pytest.fixture(scope="module")
def table():
    return targets.read_targets()


def test_every_target_has_a_source_a_known_statistic_and_a_positive_error(table):
    assert (table["source"].str.strip() != "").all()
    assert set(table["statistic"]) <= set(available()) | {"skilled_emigration_rate_iab20"}
    assert (table["obs_sd"] > 0).all()
    assert table["target"].is_unique
    assert (table["target"] == table["statistic"] + ":" + table["area"] + ":"
            + table["year"].astype(str)).all()  # fmt: skip


def test_targets_cover_the_calibration_window_and_the_soft_facts(table):
    counts = table.groupby(["statistic", "year"]).size()
    for year in (1990, 1995, 2000):
        assert counts[("skilled_emigration_rate_iab20", year)] >= 150
        assert counts[("human_capital", year)] >= 120
    assert counts[("outbound_mobility_ratio", 2000)] >= 120
    soft = table[table["kind"] == "soft"].set_index("statistic")
    assert set(soft.index) == {"five_year_return_ratio", "brain_waste_rate",
                               "flow_network_elasticity"}  # fmt: skip
    assert (soft["area"] == "WLD").all()
    # a range [a, b] is read as mean (a + b)/2, SD (b - a)/4
    assert soft.loc["five_year_return_ratio", "value"] == pytest.approx(0.35)
    assert soft.loc["five_year_return_ratio", "obs_sd"] == pytest.approx(0.075)
    assert soft.loc["flow_network_elasticity", "value"] == pytest.approx(0.85)


def test_shares_are_shares_and_areas_are_countries_of_the_default_world(table):
    codes = set(load_world("default").codes) | {"WLD"}
    assert set(table["area"]) <= codes
    shares = table[~table["statistic"].isin(["flow_network_elasticity", "outbound_mobility_ratio"])]
    assert shares["value"].between(0, 1).all()
    # more students abroad than at home is possible (small states): a ratio, not a share
    assert (table.loc[table["statistic"] == "outbound_mobility_ratio", "value"] >= 0).all()


def test_published_iab_rates_are_in_the_table(table):
    """FACTS.md: IAB 2000 rates Ghana 15.8%, Jamaica 58.7%, Guyana 99.2%; Jamaica 1990 81.4%."""
    rate = table[table["statistic"] == "skilled_emigration_rate_iab20"].set_index(["area", "year"])[
        "value"
    ]
    assert rate[("GHA", 2000)] == pytest.approx(0.158, abs=0.001)
    assert rate[("JAM", 2000)] == pytest.approx(0.587, abs=0.001)
    assert rate[("GUY", 2000)] == pytest.approx(0.992, abs=0.001)
    assert rate[("JAM", 1990)] == pytest.approx(0.814, abs=0.001)


def test_a_table_without_its_columns_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("target,value\nx,1\n")
    with pytest.raises(targets.TargetsTableError, match="lacks columns"):
        targets.read_targets(path)


@pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason="reference data absent (../shared/data or $BRAINGAIN_SHARED_DATA)",
)
def test_a_rebuild_from_the_reference_data_equals_the_committed_table(tmp_path: Path):
    out = tmp_path / "targets.csv"
    assert targets.main(["--data", str(SHARED_DATA), "--out", str(out)]) == 0
    assert out.read_bytes() == targets.TARGETS_FILE.read_bytes()
