"""Numbers as people read them (experiments.units.figure): one rule for the compare console, the
report and the sensitivity console, under which a small but real effect never reads as zero."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from braingain.report import text
from braingain.report.console import _cell
from experiments.sensitivity.analysis import _fmt
from experiments.units import display, figure, with_unit

NONZERO = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).filter(lambda v: v != 0)


def _read(shown: str) -> float:
    return float(shown.replace(",", "").rstrip("%"))


@given(NONZERO, st.booleans(), st.booleans())
def test_a_nonzero_value_never_reads_as_zero_and_keeps_two_significant_digits(
    value, signed, grouping
):
    shown = figure(value, signed=signed, grouping=grouping)
    read = _read(shown)
    assert read != 0 and math.copysign(1, read) == math.copysign(1, value), shown
    if abs(value) < 1000 or not grouping:  # whole numbers above 1,000 when grouping
        assert read == pytest.approx(value, rel=0.05), shown
    else:
        assert read == pytest.approx(value, abs=0.5)
    assert shown.startswith(("+", "-")) if signed else not shown.startswith("+")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.0, "0.00"),
        (0.0031, "0.0031"),
        (-0.000412, "-0.00041"),
        (0.12, "0.12"),
        (12.345678, "12.35"),
        (2e-9, "2.0e-09"),
        (float("nan"), "n/a"),
        (float("inf"), "n/a"),
    ],
)
def test_examples_of_the_rule(value, shown):
    assert figure(value) == shown


def test_units_next_to_numbers():
    assert with_unit("30", "percent") == "30%"
    assert with_unit("1.2", "percentage points") == "1.2 pp"
    assert with_unit("5", "persons/year") == "5 persons/year"
    assert with_unit("5", "") == "5"


def test_compare_console_shows_a_small_difference_and_its_interval_as_nonzero():
    """A net brain gain of +0.001 pp [+0.0004, +0.0016] printed as +0.00 [+0.00, +0.00]."""
    cell = _cell(1e-5, 4e-6, 1.6e-5, display("net_brain_gain"), difference=True)
    assert cell == "+0.0010 [+0.00040, +0.0016]"
    share = _cell(2e-5, 1e-5, 3e-5, display("human_capital"), difference=True)
    assert share == "+0.0020 [+0.0010, +0.0030]"  # a difference of shares, in points
    level = _cell(0.000042, 0.00003, 0.00005, display("human_capital"), difference=False)
    assert level == "0.0042% [0.0030%, 0.0050%]"
    assert _cell(0.1234, 0.1, 0.15, display("human_capital"), False) == "12.3% [10.0%, 15.0%]"
    persons = _cell(1234.5, -12.0, 2480.0, display("emigrations"), difference=True)
    assert persons == "+1,234 [-12.00, +2,480]"


def test_report_numbers_follow_the_same_rule():
    assert text.difference("net_brain_gain", 1e-7) == "+0.000010 percentage points"
    assert text.points(-3e-6, unit=False) == "-0.00030"
    assert text.percent(4e-6) == "0.00040%"
    assert text.percent(0.123) == "12.3%"
    assert text.number(0.00042) == "0.00042"
    assert text.interval("net_brain_gain", 1e-6, 3e-6, True) == (
        "95% interval +0.00010 to +0.00030 percentage points"
    )


def test_sensitivity_console_shows_small_indices_and_their_intervals_by_the_same_rule():
    row = pd.Series({"value": 0.00312, "ci_low": 0.00107, "ci_high": 0.00519, "finding": "x"})
    assert _fmt(row) == "0.0031 [0.0011, 0.0052]"
    row = pd.Series({"value": 0.5, "ci_low": np.nan, "ci_high": np.nan, "finding": "x"})
    assert _fmt(row) == "0.50"
