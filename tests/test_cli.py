"""The braingain command: clear errors for bad input, help, run, compare and the main job."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from braingain.cli import build_parser, main
from experiments.testing import WHAT_IF, scenario_text

BRAINGAIN = str(Path(sys.executable).with_name("braingain"))
MALFORMED = Path(__file__).resolve().parent / "malformed"
CORPUS = sorted(MALFORMED.glob("*.toml"))


def expected(path: Path) -> str:
    """The `# expect: ...` first line of a corpus file: text the error message must contain."""
    source = path / "EXPECT" if path.is_dir() else path
    first = source.read_bytes().splitlines()[0].decode("ascii")
    assert first.startswith("# expect: "), f"{path.name} lacks its '# expect:' line"
    return first.removeprefix("# expect: ")


def test_the_corpus_has_at_least_25_malformed_files():
    assert len(CORPUS) >= 25


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_each_malformed_scenario_gets_one_clear_message(path, tmp_path, capsys):
    status = main(["run", str(path), "--out", str(tmp_path / "out"), "--no-progress"])
    out, err = capsys.readouterr()
    assert status == 2
    assert err.startswith("braingain: error: ")
    assert path.name in err, "the message names the file"
    assert expected(path) in err, "the message names the key (or line) and the problem"
    assert "allowed" in err, "the message says what is allowed"
    assert "Traceback" not in err + out
    assert not (tmp_path / "out").exists(), "nothing runs"


@pytest.mark.parametrize(
    "args",
    [
        ["run", "MALFORMED/unknown_top_key.toml"],
        ["run", "MALFORMED/parents/bad_parent.toml", "--workers", "0"],
        ["compare", "MALFORMED/extends_missing.toml"],
        ["run", "no/such/file.toml"],
        ["frobnicate"],
    ],
)
def test_the_console_script_exits_2_without_a_traceback(args, tmp_path):
    argv = [a.replace("MALFORMED", str(MALFORMED)) for a in args]
    done = subprocess.run(
        [BRAINGAIN, *argv, "--out", str(tmp_path)] if len(argv) > 1 else [BRAINGAIN, *argv],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "error" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["run", "x.toml", "--set", "agents_per_country=3"], "--set agents_per_country"),
        (["run", "x.toml", "--set", "nonsense"], "NAME=VALUE"),
        (["run", "x.toml", "--replications", "0"], "--replications"),
        (["run", "x.toml", "--seed", "-3"], "--seed"),
        (["run", "x.toml", "--workers", "2", "--scheduler", "tcp://x:1"], "not allowed"),
        (["run", "x.toml", "--task", "no.such.module:fn"], "--task"),
        (["compare", "x.toml", "x.toml", "--years", "1990"], "--years"),
    ],
)
def test_bad_options_exit_2_with_a_message(argv, needle, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.toml").write_text(scenario_text("x"), encoding="utf-8")
    status = main([*argv, "--out", str(tmp_path / "out"), "--no-progress"])
    _, err = capsys.readouterr()
    assert status == 2
    assert needle in err and "Traceback" not in err


def test_help_explains_every_option_of_every_command(capsys):
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    expected = {"run", "compare", "main", "check", "list", "viz", "report", "calibrate"}
    assert expected | {"sensitivity", "discover"} <= set(commands.choices)
    assert main(["--help"]) == 0
    top = capsys.readouterr().out
    for name, sub in commands.choices.items():
        assert name in top
        assert main([name, "--help"]) == 0
        text = capsys.readouterr().out
        for action in sub._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"
            for option in action.option_strings:
                assert option in text


def _files(tmp_path: Path) -> list[Path]:
    base = tmp_path / "base.toml"
    base.write_text(scenario_text("base", replications=3), encoding="utf-8")
    copy = tmp_path / "copy.toml"
    copy.write_text(scenario_text("copy", replications=3), encoding="utf-8")
    alt = tmp_path / "alt.toml"
    alt.write_text(scenario_text("alt", replications=3) + WHAT_IF, encoding="utf-8")
    return [base, copy, alt]


def test_run_writes_metrics_and_summary(tmp_path, capsys):
    base, _, alt = _files(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(base), str(alt), "--workers", "2", "--out", str(out)]) == 0
    frame = pd.read_parquet(out / "metrics.parquet")
    assert set(frame["scenario"]) == {"base", "alt"}
    assert sorted(frame["replication"].unique()) == [0, 1, 2]
    summary = pd.read_csv(out / "summary.csv")
    assert {"scenario", "level", "area", "year", "replications"} <= set(summary.columns)
    assert {"human_capital_mean", "human_capital_ci_low", "human_capital_ci_high"} <= set(
        summary.columns
    )
    assert (out / "manifest.json").exists() and (out / "ledger.jsonl").exists()
    printed = capsys.readouterr().out
    assert "6 runs" in printed
    hint = f"to read them: braingain report {out} "  # the numbers are in files: say how to read
    assert hint in printed
    assert main(["report", str(out)]) == 0 and (out / "report.html").is_file()


def test_compare_of_identical_scenarios_gives_exactly_zero(tmp_path):
    base, copy, alt = _files(tmp_path)
    out = tmp_path / "out"
    status = main(
        ["compare", str(base), str(copy), str(alt), "--workers", "2", "--out", str(out),
         "--years", "2003,2005", "--no-progress"]
    )  # fmt: skip
    assert status == 0
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["year"]) == {2003, 2005}
    assert set(table["level"]) == {"country", "region", "world"}
    same = table[table["alternative"] == "copy"]
    assert len(same) > 0
    for column in ("difference", "ci_low", "ci_high", "difference_sd"):
        assert (same[column] == 0.0).all(), column
    assert (same["change"] == "no clear change").all()
    assert (same["pairs"] == 3).all()
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert len(figures) == 8 and "levels_net_brain_gain.png" in figures


def test_compare_differences_are_paired_replication_by_replication(tmp_path):
    base, _, alt = _files(tmp_path)
    out = tmp_path / "out"
    assert main(["compare", str(base), str(alt), "--out", str(out), "--no-progress"]) == 0
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["year"]) == {2003, 2005}  # default: a middle year and the last year
    frame = pd.read_parquet(out / "metrics.parquet")
    cell = frame[(frame["country"] == "NGA") & (frame["year"] == 2005)]
    by_rep = cell.pivot(index="replication", columns="scenario", values="net_brain_gain")
    diffs = (by_rep["alt"] - by_rep["base"]).to_numpy()
    row = table[
        (table["level"] == "country")
        & (table["area"] == "NGA")
        & (table["year"] == 2005)
        & (table["metric"] == "net_brain_gain")
    ]
    assert len(row) == 1
    half = stats.t.ppf(0.975, 2) * diffs.std(ddof=1) / np.sqrt(3)  # paired t-interval
    got = row[["difference", "ci_low", "ci_high"]].to_numpy()[0]
    want = [diffs.mean(), diffs.mean() - half, diffs.mean() + half]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)
    assert row["pairs"].iloc[0] == 3
    assert table["difference"].abs().max() > 0, "the what-if changes something"


def test_main_job_prints_which_regions_gain_or_lose(tmp_path, capsys):
    out = tmp_path / "main"
    argv = ["main", "--replications", "2", "--agents", "10", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "baseline in 2030" in printed
    for what_if in ("global_convention - baseline", "ict_leapfrog - baseline"):
        assert what_if in printed
    assert "Sub-Saharan Africa" in printed and "World" in printed
    assert any(word in printed for word in ("gain", "loss", "no clear change"))
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["alternative"]) == {"global_convention", "ict_leapfrog"}


def test_check_validates_the_shipped_scenarios(capsys):
    scenarios = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))
    assert main(["check", *map(str, scenarios)]) == 0
    assert capsys.readouterr().out.count("world default") == len(scenarios)


def test_a_changed_scenario_is_refused_in_the_same_folder_until_overwrite(tmp_path, capsys):
    base, _, _ = _files(tmp_path)
    out = str(tmp_path / "out")
    assert main(["run", str(base), "--replications", "2", "--out", out, "--no-progress"]) == 0
    base.write_text(scenario_text("base", replications=3) + WHAT_IF, encoding="utf-8")
    capsys.readouterr()
    assert main(["run", str(base), "--out", out, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "different scenario named 'base'" in err and "--overwrite" in err
    assert "Traceback" not in err
    assert main(["run", str(base), "--out", out, "--no-progress", "--overwrite"]) == 0


def test_check_counts_in_plain_english(tmp_path, capsys):
    """'1 replications', '1 events' read as mistakes to a new user (README trial 2)."""
    extra = '\n[[events]]\nkind = "climate_trend"\nyear = 2001\nvalue = 0.03\n'
    file = tmp_path / "one.toml"
    file.write_text(scenario_text("one", replications=1, extra=extra), encoding="utf-8")
    assert main(["check", str(file)]) == 0
    printed = capsys.readouterr().out
    assert "1 replication, seed 7, 1 parameter override, 1 event" in printed


def test_no_help_text_shows_a_doubled_percent_sign():
    """Help strings are %-formatted by argparse, descriptions are not: '95%%' in a description reads
    '95%%' on screen. Every command's --help must show single percent signs."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    pages = {name: sub.format_help() for name, sub in commands.choices.items()}
    assert {"run", "compare", "report"} <= set(pages)
    assert [name for name, page in pages.items() if "%%" in page] == []
    assert "95% t-interval" in pages["run"]


@pytest.mark.parametrize("command", ["report", "discover", "check", "hindcast", "list", "run"])
def test_an_unknown_option_points_to_the_commands_own_help(command, capsys):
    """Leftover arguments were reported by the top parser, whose hint `braingain --help` sent
    the user away from the command's own options (README trial 2)."""
    given = {"list": [], "discover": ["x", "--output", "y", "--threshold", "0"]}
    argv = [command, *given.get(command, ["x"]), "--no-such-option"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("braingain: error: unrecognized arguments: --no-such")
    assert err[0].endswith(f"see `braingain {command} --help`")
