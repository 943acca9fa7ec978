"""The form of the command's output (README trial, section 12): a bad option is one line
without argparse's usage block, output piped into `head` ends quietly, and an unknown metric
gets a suggestion rather than all the names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from braingain.cli import EXIT_BROKEN_PIPE, main
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
