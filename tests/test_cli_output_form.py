"""The form of the command's output (README trial, section 12): a bad option is one line
without argparse's usage block, output piped into `head` ends quietly, and an unknown metric
gets a suggestion rather than all the names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from braingain.cli import EXIT_BROKEN_PIPE, main
from experiments.testing import WHAT_IF, scenario_text
from simulation import METRICS

BRAINGAIN = str(Path(sys.executable).with_name("braingain"))


@pytest.mark.parametrize(
    ("argv", "needle", "command"),
    [
        (["run", "baseline", "--years", "20x5"], "argument --years", "run"),
        (["run", "baseline", "--level", "continent"], "argument --level", "run"),
        (["run", "baseline", "--set", "recognition_base"], "NAME=VALUE", "run"),
        (["compare", "baseline"], "required: ALT.toml", "compare"),
        (["sensitivity", "ishigami", "--samples", "0"], "argument --samples", "sensitivity"),
        (["frobnicate"], "invalid choice: 'frobnicate'", ""),
    ],
)
def test_a_bad_option_is_one_line_without_the_usage_block(argv, needle, command, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "usage" not in err, err
    assert err.startswith("braingain: error: ") and needle in err
    help_command = f"braingain {command}".strip()
    assert err.rstrip().endswith(f"see `{help_command} --help`")


def test_help_still_prints_usage_and_exits_0(capsys):
    assert main(["run", "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: braingain run")


def test_list_piped_into_a_reader_that_stops_ends_quietly():
    """`braingain list | head -3`: the reader closes the pipe before the listing is written."""
    listing = subprocess.Popen([BRAINGAIN, "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    listing.stdout.close()  # the reader is gone before the first write
    err = listing.stderr.read().decode()
    assert listing.wait(timeout=120) == EXIT_BROKEN_PIPE
    assert err == "", err


def test_an_unknown_metric_gets_the_suggestion_not_every_name(tmp_path, capsys):
    argv = ["run", "baseline", "--metrics", "net_brain_gian", "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "(did you mean 'net_brain_gain'?)" in err and "`braingain list --metrics`" in err
    listed = [name for name in METRICS if f" {name}," in err or f" {name})" in err]
    assert listed == [], "the metric names are left to braingain list --metrics"
    assert len(err) < 300


# --- compare: the start year, and only the metrics kept ------------------------------------------


@pytest.fixture
def pair(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text(scenario_text("base", years=3, replications=2, agents=20), encoding="utf-8")
    alt = tmp_path / "alt.toml"
    alt.write_text(
        scenario_text("alt", years=3, replications=2, agents=20) + WHAT_IF, encoding="utf-8"
    )
    return [str(base), str(alt)]


def test_compare_accepts_the_start_year_like_run(pair, tmp_path, capsys):
    """The start year is recorded from the data in every run: comparable, and equal."""
    out = tmp_path / "cmp"
    argv = ["compare", *pair, "--years", "2000,2003", "--workers", "1", "--no-progress"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "alt - base in 2000" in printed and "alt - base in 2003" in printed
    table = pd.read_csv(out / "comparison.csv")
    start = table[table["year"] == 2000]
    measured = start["difference"].dropna()  # flows have no start-year value
    assert len(measured) and (measured == 0).all()
    assert set(start["change"]) == {"no clear change"}
    assert main(["compare", *pair, "--years", "1999", "--out", str(out)]) == 2
    assert "allowed: years in 2000..2003" in capsys.readouterr().err


def test_compare_tables_name_every_column_and_show_only_kept_metrics(pair, tmp_path, capsys):
    argv = ["compare", *pair, "--metrics", "human_capital", "--level", "region", "--workers", "1"]
    assert main([*argv, "--no-progress", "--out", str(tmp_path / "cmp")]) == 0
    printed = capsys.readouterr().out
    header = next(line for line in printed.splitlines() if "region" in line)
    cells = [cell.strip() for cell in header.strip("┃ ").split("┃")]
    assert cells == ["region", "Δ human capital (pp)", "change"]
    assert "n/a" not in printed and "net brain gain" not in printed


def test_compare_says_why_it_has_no_region_table(pair, tmp_path, capsys):
    """Country rows of human capital alone cannot make regions (its parts were not kept)."""
    argv = ["compare", *pair, "--metrics", "human_capital", "--workers", "1", "--no-progress"]
    assert main([*argv, "--out", str(tmp_path / "cmp")]) == 0
    printed = capsys.readouterr().out
    assert "no region or world rows to show" in printed and "comparison.csv" in printed
