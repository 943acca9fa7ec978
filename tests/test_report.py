"""The policy report: self-contained HTML whose numbers are the result files' numbers.

A small `compare` and a small `run` on the teaching world are made once; the report of each is
checked for valid, self-contained HTML (every figure a data URI, nothing fetched), for the
numbers of comparison.csv and summary.csv in its text, for a probability of gain recomputed
here from metrics.parquet, and in Debian's chromium with every request blocked. Bad input gets
one line and exit 2. The theory check (the Beine, Docquier & Rapoport 2008 pattern) is checked
against experiments.pattern on the run's metrics, and its skipping on folders that cannot answer.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from braingain.cli import main
from braingain.parameter_basis import basis_sentence
from braingain.report import text
from braingain.report.theory import TITLE, verdict
from experiments.pattern import DEVELOPING_GDP, Pattern, brain_gain_pattern, country_table
from experiments.testing import WHAT_IF, scenario_text

BRAINGAIN = str(Path(sys.executable).with_name("braingain"))
VOID = {"meta", "img", "br", "hr", "link", "input", "source", "col", "area", "base", "wbr"}


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("compare")
    base, alt = folder / "base.toml", folder / "alt.toml"
    base.write_text(scenario_text("base", replications=4, years=5), encoding="utf-8")
    alt.write_text(scenario_text("alt", replications=4, years=5) + WHAT_IF, encoding="utf-8")
    out = folder / "out"
    argv = ["compare", str(base), str(alt), "--workers", "1", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    assert main(["report", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    scenario = folder / "one.toml"
    scenario.write_text(scenario_text("one", replications=3, years=4), encoding="utf-8")
    out = folder / "out"
    argv = ["run", str(scenario), "--workers", "1", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    return out


class _Checker(HTMLParser):
    """Collects tags, attributes and text; fails on tags closed out of order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.urls: list[str] = []
        self.images: list[str] = []
        self.text: list[str] = []
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name in ("src", "href", "srcset", "data", "poster"):
            if name in values:
                self.urls.append(values[name])
        if tag == "img":
            self.images.append(values.get("src", ""))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(path: Path) -> _Checker:
    checker = _Checker()
    checker.feed(path.read_text(encoding="utf-8"))
    checker.close()
    return checker


def _words(checker: _Checker) -> str:
    return " ".join(" ".join(checker.text).split())


def test_compare_report_is_valid_self_contained_html(compared):
    report = compared / "report.html"
    checker = _parse(report)
    assert checker.doctype
    assert checker.problems == [] and checker.stack == []
    assert checker.urls and all(u.startswith("data:image/png;base64,") for u in checker.urls)
    source = report.read_text(encoding="utf-8")
    assert not re.search(r'\b(?:src|href|srcset)="(?!data:image/png;base64,)', source)
    outside_data = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", source)
    assert not re.search(r"https?://|url\(|@import", outside_data)
    figures = sorted((compared / "report_figures").glob("*.png"))
    assert len(figures) == len(checker.images) >= 5
    embedded = {base64.b64decode(u.split(",", 1)[1]) for u in checker.images}
    assert embedded == {p.read_bytes() for p in figures}  # the PNG files are the page's figures
    words = _words(checker)
    sections = (
        "Findings",
        "Read with care",
        "What-if differences per region",
        "Assumptions and their sources",
        "Quality card",
        "How to reproduce",
    )
    for section in sections:
        assert section in words
    assert words.index("Findings") < words.index("Read with care") < words.index("Quality card")


def test_compare_report_states_the_numbers_of_comparison_csv(compared):
    words = _words(_parse(compared / "report.html"))
    table = pd.read_csv(compared / "comparison.csv")
    broad = table[table["level"].isin(["region", "world"])]
    checked = 0
    for row in broad.itertuples(index=False):
        if row.metric not in ("net_brain_gain", "human_capital"):
            continue
        for value in (row.difference, row.ci_low, row.ci_high):
            number = text.difference(row.metric, value, unit=False)
            assert number in words, f"{row.area} {row.year} {row.metric}: {number} missing"
            checked += 1
    assert checked >= 2 * 2 * 8 * 3  # two years, two metrics, 7 regions and the world
    world = broad[(broad["area"] == "WLD") & (broad["metric"] == "net_brain_gain")]
    last = world[world["year"] == world["year"].max()].iloc[0]
    sentence = f"by {text.points(last['difference'])}"
    assert sentence in words and "percentage points" in sentence


def test_gain_and_loss_are_said_of_net_brain_gain_only(compared):
    """A fall in brain waste is no "loss" and a rise in emigration no "gain": those words are
    the field's for net brain gain only; other metrics change by increase / decrease, the words
    of comparison.csv."""
    from braingain.report.build import HEADLINE, _difference_cell

    fall = pd.Series({"difference": -0.093, "ci_low": -0.12, "ci_high": -0.07})
    assert ">decrease<" in _difference_cell("brain_waste_rate", {**fall, "change": "decrease"})
    rise = pd.Series({"difference": 0.034, "ci_low": 0.023, "ci_high": 0.045, "change": "increase"})
    assert ">increase<" in _difference_cell("skilled_emigration_rate", rise)
    assert ">gain<" in _difference_cell("net_brain_gain", rise)
    table = pd.read_csv(compared / "comparison.csv")
    shown = table[table["level"].isin(["region", "world"])]
    shown = shown[shown["metric"].isin(HEADLINE)]
    clear = shown[shown["change"] != "no clear change"]
    source = (compared / "report.html").read_text(encoding="utf-8")
    start = source.index('id="differences"')
    words = re.findall(
        r'<span class="\w+">([a-z ]+)</span>', source[start : source.index("<h2", start)]
    )
    nbg = clear["metric"] == "net_brain_gain"
    assert sum(w in ("gain", "loss") for w in words) == nbg.sum()
    assert sum(w in ("increase", "decrease") for w in words) == (~nbg).sum()


def _shown_numbers(words: str) -> list[float]:
    return [float(n) for n in re.findall(r"[-+]?\d+(?:\.\d+)?", words)]


def _agrees(shown: str, value: float) -> bool:
    """A printed number is the value rounded to the decimals it shows."""
    decimals = len(shown.split(".")[1]) if "." in shown else 0
    return abs(float(shown) - value) <= 0.5 * 10**-decimals + 1e-12


def test_net_brain_gain_differences_are_the_consoles_percentage_points(compared):
    """A difference of net brain gain (a share difference) reads in percentage points, scaled as
    experiments.units.display scales it for the console and the figures: the world's cell of
    the differences table and the findings sentence agree with the console for the same row."""
    from braingain.report.console import _cell
    from experiments.units import display

    table = pd.read_csv(compared / "comparison.csv")
    world = table[(table["area"] == "WLD") & (table["metric"] == "net_brain_gain")]
    row = world[world["year"] == world["year"].max()].iloc[0]
    scale = display("net_brain_gain").scale
    values = [scale * row[c] for c in ("difference", "ci_low", "ci_high")]
    console = _shown_numbers(
        _cell(row["difference"], row["ci_low"], row["ci_high"], display("net_brain_gain"), True)
    )
    source = (compared / "report.html").read_text(encoding="utf-8")
    start = source.index('id="differences"')
    section = source[start : source.index("<h2", start)]
    world_row = re.search(r"<tr><td[^>]*>World</td><td[^>]*>(.*?)</td>", section)
    cell = re.sub(r"<[^>]+>", " ", html.unescape(world_row.group(1)))
    shown = re.findall(r"[-+]?\d+\.\d+", cell)[:3]
    assert len(shown) == 3
    for printed, value, on_console in zip(shown, values, console, strict=True):
        assert _agrees(printed, value), f"{printed} is not {value} (pp)"
        assert abs(round(float(printed), 2) - on_console) <= 0.0100001
    words = _words(_parse(compared / "report.html"))
    sentence = re.search(
        r"differs from base by ([-+][\d.]+) percentage points \(95% interval ([-+][\d.]+) to "
        r"([-+][\d.]+) percentage points\)",
        words,
    )
    assert sentence, "the findings sentence gives its interval in percentage points"
    for printed, value in zip(sentence.groups(), values, strict=True):
        assert _agrees(printed, value), f"{printed} is not {value} (pp)"


def test_probability_of_gain_matches_the_replications(compared):
    words = _words(_parse(compared / "report.html"))
    frame = pd.read_parquet(compared / "metrics.parquet")
    last = frame["year"].max()
    cell = frame[frame["year"] == last].copy()
    cell["weighted"] = cell["net_brain_gain"] * cell["adult_residents"]
    world = cell.groupby(["scenario", "replication"])[["weighted", "adult_residents"]].sum()
    nbg = (world["weighted"] / world["adult_residents"]).unstack("scenario")
    higher = int((nbg["alt"] - nbg["base"] > 0).sum())
    assert f"it is higher in {text.share_of_runs(higher, len(nbg))}" in words


def test_report_loads_in_chromium_with_the_network_blocked(compared, tmp_path):
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get chromium)")
    blocked: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(("file://", "data:")):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=args)
        context = browser.new_context()
        context.route("**/*", route)
        page = context.new_page()
        page.goto((compared / "report.html").as_uri())
        page.wait_for_load_state("load")
        drawn = page.evaluate(
            "Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)"
        )
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert drawn and all(drawn)
    assert blocked == []


def test_run_report_gives_levels_and_probability_of_brain_gain(ran):
    assert main(["report", str(ran), "--out", str(ran / "policy.html")]) == 0
    checker = _parse(ran / "policy.html")
    assert checker.problems == []
    words = _words(checker)
    assert (ran / "policy_figures" / "probability_of_gain.png").exists()
    summary = pd.read_csv(ran / "summary.csv")
    world = summary[(summary["level"] == "world") & (summary["year"] == summary["year"].max())]
    row = world.iloc[0]
    assert f"skilled emigration rate {text.percent(row['skilled_emigration_rate_mean'])}" in words
    assert f"human capital {text.percent(row['human_capital_mean'])}" in words
    assert text.points(row["net_brain_gain_mean"]) in words
    assert "Levels per region" in words and "What-if differences" not in words
    manifest = json.loads((ran / "manifest.json").read_text())
    assert manifest["git"]["commit"] is None or manifest["git"]["commit"] in words
    assert f"braingain {manifest['versions']['braingain']}" in words
    assert "seed 7" in words
    # the model's caveats and its parameter table, each default's basis counted once
    assert "What the model leaves out" in words and basis_sentence() in words
    assert "recognition_base" in words and "sourced" not in words


def test_few_replications_are_warned_of_and_a_rate_interval_stays_within_0_to_100(
    ran, compared, tmp_path, capsys
):
    """3 replications (t quantile 4.3) give no meaningful interval: the report says so above
    the levels and in its caveats, and so does the compare console; a share's t-interval that
    reaches below 0% is cut to 0% and marked, never shown as a negative rate."""
    folder = tmp_path / "few"
    shutil.copytree(ran, folder)
    summary = pd.read_csv(folder / "summary.csv")
    last = (summary["year"] == summary["year"].max()) & (summary["level"] == "world")
    summary.loc[last, "brain_waste_rate_ci_low"] = -0.232  # as 2 replications gave the trial
    summary.to_csv(folder / "summary.csv", index=False)
    assert main(["report", str(folder)]) == 0
    words = _words(_parse(folder / "report.html"))
    assert "Too few replications: with only 3 replications the 95% intervals are very wide" in words
    mean = text.level("brain_waste_rate", summary.loc[last, "brain_waste_rate_mean"].iloc[0])
    high = min(summary.loc[last, "brain_waste_rate_ci_high"].iloc[0], 1.0)
    shown = [text.level("brain_waste_rate", v) for v in (0.0, high)]
    assert f"{mean} [{shown[0]}, {shown[1]}] †" in words
    assert "-23.2" not in words and "cut to the possible range" in words
    base, alt = compared.parent / "base.toml", compared.parent / "alt.toml"
    argv = ["compare", str(base), str(alt), "--workers", "1", "--out", str(compared)]
    assert main([*argv, "--no-progress"]) == 0  # every run reused
    console = " ".join(capsys.readouterr().out.split())
    assert "Too few replications: with only 4 replications" in console  # under the tables


ISHIGAMI = Path(__file__).resolve().parents[1] / "experiments" / "studies" / "ishigami.toml"
SWEEP = """
name = "sweep"
task = "experiments.testing:noisy_linear"
method = "sweep"
samples = 3
replications = 2
[scenario]
world = "teaching"
years = 1
[[inputs]]
parameter = "recognition_base"
range = [0.0, 1.0]
[[outputs]]
metric = "returns"
area = "MEX"
name = "y"
"""


@pytest.fixture(scope="module")
def studied(tmp_path_factory) -> Path:
    """A real `braingain sensitivity` folder (Ishigami, N = 16) with one `discover` box."""
    out = tmp_path_factory.mktemp("study") / "ishigami"
    argv = ["sensitivity", str(ISHIGAMI), "--samples", "16", "--workers", "1", "--out", str(out)]
    assert main([*argv, "--no-progress"]) == 0
    assert not (out / "summary.csv").exists()  # a study has none: the report must not need it
    return out


def test_report_of_a_sensitivity_study_shows_its_indices(studied, tmp_path):
    folder = tmp_path / "study"
    shutil.copytree(studied, folder)
    assert main(["report", str(folder)]) == 0
    checker = _parse(folder / "report.html")
    assert checker.problems == [] and checker.stack == []
    words = _words(checker)
    assert "Influential inputs (sensitivity analysis)" in words
    indices = pd.read_csv(folder / "indices.csv")
    total = indices[indices["index"] == "ST"].sort_values("value", ascending=False)
    clear = total[total["ci_low"] > 0]
    for r in clear.head(3).itertuples(index=False):
        named = f"{r.input} (ST {text.number(r.value)}, 95% interval {text.number(r.ci_low)} to"
        assert named in words
    unclear = len(total) - len(clear)
    assert f"{unclear} of {len(total)} inputs are not distinguishable from 0" in words
    assert "Sensitivity analysis included below (indices.csv)" in words
    assert "80 runs" in words and "sample seed 42" in words
    assert "ishigami: Analytic test function with known Sobol indices." in words
    assert "Scenario discovery not part of these results" in words
    # a test function's study: the model's simplifications and parameter table do not apply
    assert "These results come from the study's function 'ishigami', not from the migr" in words
    assert "What the model leaves out" not in words and "recognition_base" not in words


def test_report_shows_what_discover_wrote(studied, tmp_path, capsys):
    folder = tmp_path / "study"
    shutil.copytree(studied, folder)
    argv = ["discover", str(folder), "--output", "y", "--threshold", "5"]
    assert main(argv) == 0
    capsys.readouterr()
    found = folder / "discovery" / "y_above_5"
    lines = (found / "report.txt").read_text(encoding="utf-8").strip().splitlines()
    sentence = " ".join(lines[-1].split())
    assert sentence.startswith("y is above 5 in")
    box = pd.read_csv(found / "box.csv")
    for target in (folder, found):  # the study folder, or the discovery folder itself
        assert main(["report", str(target), "--out", str(tmp_path / "r.html")]) == 0
        checker = _parse(tmp_path / "r.html")
        assert checker.problems == []
        words = _words(checker)
        assert "Where the outcome flips (scenario discovery, PRIM)" in words
        assert sentence in words and words.index(sentence) < words.index("Read with care")
        assert lines[-2] in words  # how the box was chosen
        for r in box.itertuples(index=False):
            assert f"{r.input} {text.number(r.low)} to {text.number(r.high)} " in words
            assert f"{text.number(r.box_low)} to {text.number(r.box_high)}" in words
    assert "Scenario discovery included below (PRIM, 1 box)" in words
    assert (tmp_path / "r_figures" / "prim_y_above_5.png").read_bytes() == (
        found / "tradeoff.png"
    ).read_bytes()


def test_an_unfinished_study_is_refused_with_the_right_reason(studied, tmp_path, capsys):
    unanalysed = tmp_path / "unanalysed"
    shutil.copytree(studied, unanalysed)
    for name in ("indices.csv", "convergence.csv", "report.txt"):
        (unanalysed / name).unlink()
    message = _one_line_exit_2(["report", str(unanalysed)], capsys)
    assert "runs are done but its analysis is missing (indices.csv or sweep.csv)" in message
    interrupted = tmp_path / "interrupted"
    shutil.copytree(unanalysed, interrupted)
    manifest = json.loads((interrupted / "manifest.json").read_text())
    manifest["status"] = "interrupted"
    manifest["timings"]["runs_done"] = 30
    (interrupted / "manifest.json").write_text(json.dumps(manifest))
    message = _one_line_exit_2(["report", str(interrupted)], capsys)
    assert "the study has not finished (status 'interrupted'" in message
    assert "30 of 80 runs done" in message


def test_report_of_a_sweep_gives_its_table_and_maximum(tmp_path):
    file = tmp_path / "sweep.toml"
    file.write_text(SWEEP, encoding="utf-8")
    out = tmp_path / "out"
    argv = ["sensitivity", str(file), "--workers", "1", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    assert main(["report", str(out)]) == 0
    words = _words(_parse(out / "report.html"))
    sweep = pd.read_csv(out / "sweep.csv")
    best = sweep.loc[sweep["y_mean"].idxmax()]
    at = f"recognition_base = {text.number(best['recognition_base'])}"
    assert f"y is highest at {at}: {text.level('returns', best['y_mean'])}" in words
    assert "Sweep (sensitivity analysis)" in words
    assert "the sweep below shows how the outputs follow the swept inputs" in words
    for r in sweep.itertuples(index=False):
        low, high = text.bare("returns", r.y_ci_low), text.bare("returns", r.y_ci_high)
        assert f"{text.bare('returns', r.y_mean)} [{low}, {high}]" in words


SEED_BOUND = (
    SWEEP.replace('"sweep"', '"sobol"')
    .replace("samples = 3", "samples = 4")
    .replace("range = [0.0, 1.0]", "range = [0.5, 0.51]")  # inputs too weak to beat seed noise
    + '[[inputs]]\nparameter = "perception_ict"\nrange = [0.0, 1.0]\n'
)


def test_an_unconverged_study_says_so_first_and_names_no_seed_or_impossible_index(tmp_path, capsys):
    """The report leads with the console's convergence verdict (the same rule on
    convergence.csv), calls seed noise seed noise, not an influential input, and names a share
    of variance outside 0 to 1 as too few samples rather than a finding."""
    file = tmp_path / "sobol.toml"
    file.write_text(SEED_BOUND, encoding="utf-8")
    out = tmp_path / "out"
    argv = ["sensitivity", str(file), "--workers", "1", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    console = capsys.readouterr().out
    verdict = next(line for line in console.splitlines() if "convergence:" in line)
    assert "NOT converged: ST of recognition_base" in verdict
    assert main(["report", str(out)]) == 0
    words = _words(_parse(out / "report.html"))
    findings = words[words.index("Findings") : words.index("Read with care")]
    moved = verdict.split("NOT converged: ")[1].split(" (the ")[0]
    assert findings.startswith("Findings The sensitivity study has NOT converged for y") and (
        moved in findings
    )
    assert "influential inputs are seed" not in words
    assert "seed noise (the seed's ST" in findings and "exceeds every input's effect" in findings
    indices = pd.read_csv(out / "indices.csv")
    total = (indices["input"] == "recognition_base") & (indices["index"] == "ST")
    indices.loc[total, ["value", "ci_low", "ci_high", "finding"]] = [2.25, 0.19, 4.3, "above 0"]
    indices.to_csv(out / "indices.csv", index=False)  # what N = 4 gave the README trial
    assert main(["report", str(out)]) == 0
    words = _words(_parse(out / "report.html"))
    assert "influential inputs are recognition_base" not in words
    assert "recognition_base's ST 2.25 lies outside 0 to 1" in words
    assert "y recognition_base ST 2.25 0.19 4.30 share of variance outside 0 to 1" in words


MORRIS_GAIN = (
    SWEEP.replace("noisy_linear", "linear_gain")
    .replace('"sweep"', '"morris"')
    .replace("samples = 3", "samples = 6")
    .replace('metric = "returns"', 'metric = "net_brain_gain"')
    + '[[inputs]]\nparameter = "perception_ict"\nrange = [0.0, 1.0]\n'
)


def test_report_of_a_morris_study_shows_effects_in_the_consoles_points(tmp_path, capsys):
    """Net brain gain's elementary effects read in percentage points per input range, as the
    console prints them (indices.csv keeps differences of fractions); the inputs are ranked by
    mu_star, not by the seed's share of variance."""
    file = tmp_path / "morris.toml"
    file.write_text(MORRIS_GAIN, encoding="utf-8")
    out = tmp_path / "out"
    argv = ["sensitivity", str(file), "--workers", "1", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    console = capsys.readouterr().out
    assert main(["report", str(out)]) == 0
    words = _words(_parse(out / "report.html"))
    indices = pd.read_csv(out / "indices.csv").set_index(["input", "index"])
    effect = indices.loc[("recognition_base", "mu_star")]
    assert effect["value"] == pytest.approx(0.0346, abs=0.001)  # a difference of fractions
    value, low, high = (text.number(100 * effect[k]) for k in ("value", "ci_low", "ci_high"))
    assert float(value) == pytest.approx(3.46, abs=0.01)
    assert f"{value} [{low}, {high}]" in console
    named = f"recognition_base (mu_star {value} pp per input range, 95% interval {low} to {high})"
    assert named in words
    assert "1 of 2 inputs are not distinguishable from 0" in words
    assert f"recognition_base mu_star {value} {low} {high} pp per input range" in words
    assert f"seed ST {text.number(indices.loc[('seed', 'ST'), 'value'])}" in words


def _one_line_exit_2(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


def test_bad_input_gets_one_line_and_exit_2(compared, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "not a results folder" in _one_line_exit_2(["report", str(empty)], capsys)
    assert "no such folder" in _one_line_exit_2(["report", str(tmp_path / "nope")], capsys)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert "not a folder" in _one_line_exit_2(["report", str(a_file)], capsys)
    half = tmp_path / "half"
    shutil.copytree(compared, half)
    manifest = json.loads((half / "manifest.json").read_text())
    manifest["status"] = "interrupted"
    (half / "manifest.json").write_text(json.dumps(manifest))
    (half / "metrics.parquet").unlink()
    (half / "summary.csv").unlink()
    message = _one_line_exit_2(["report", str(half)], capsys)
    assert "has not finished" in message and "interrupted" in message
    killed = tmp_path / "killed"
    shutil.copytree(compared, killed)
    (killed / "metrics.parquet").unlink()
    assert "metrics.parquet missing" in _one_line_exit_2(["report", str(killed)], capsys)
    broken = tmp_path / "broken"
    shutil.copytree(compared, broken)
    (broken / "comparison.csv").write_text("baseline,alternative\nbase,alt\n")
    assert "lacks the columns" in _one_line_exit_2(["report", str(broken)], capsys)


def test_out_is_a_folder_like_every_commands_and_a_bad_one_is_refused_first(
    compared, tmp_path, monkeypatch, capsys
):
    """--out FOLDER writes report.html and its side files inside it; a destination that cannot
    hold the report gets one line and exit 2 before any work, and nothing is left behind."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "reports"
    folder.mkdir()
    assert main(["report", str(compared), "--out", str(folder)]) == 0
    assert "writing" in capsys.readouterr().err  # a line per stage on stderr
    assert _parse(folder / "report.html").problems == []
    assert (folder / "report_figures" / "probability_of_gain.png").exists()
    assert not list(folder.glob(".*.tmp"))
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    for bad in ("/proc/x.html", "/proc/reports", str(a_file), str(a_file / "r.html")):
        message = _one_line_exit_2(["report", str(compared), "--out", bad], capsys)
        assert bad.removesuffix("/r.html").removesuffix("/x.html") in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "reports"]


def test_console_script_reports_bad_input_without_traceback(tmp_path):
    done = subprocess.run(
        [BRAINGAIN, "report", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert html.escape(str(tmp_path)) in done.stderr or str(tmp_path) in done.stderr


# --- the theory check: the Beine, Docquier & Rapoport (2008) pattern on the baseline ------------
# The report of `ran` (one scenario without events: the baseline) must hold the section, the
# scatter and a table (on the page and as CSV) whose numbers are what experiments.pattern computes
# from metrics.parquet; a what-if alone and a run that kept no start year get a one-line note.
EVENT = WHAT_IF


def _run(folder: Path, name: str, extra: str = "", options: tuple[str, ...] = ()) -> Path:
    scenario = folder / f"{name}.toml"
    scenario.write_text(scenario_text(name, replications=3, years=4) + extra, encoding="utf-8")
    out = folder / "out"
    argv = ["run", str(scenario), "--workers", "1", "--out", str(out), "--no-progress", *options]
    assert main(argv) == 0
    return out


@pytest.fixture(scope="module")
def baseline(ran) -> Path:
    """The run's report (the scenario has no events: it is the baseline)."""
    assert main(["report", str(ran)]) == 0
    return ran


def _expected(folder: Path) -> tuple[pd.DataFrame, Pattern, int]:
    """What experiments.pattern computes from the folder's metrics: developing countries only."""
    frame = pd.read_parquet(folder / "metrics.parquet")
    frame = frame[frame["scenario"] == "one"].drop(columns="scenario")
    year = int(frame["year"].max())
    table = country_table(frame, year)
    developing = table[table["gdppc_start"] < DEVELOPING_GDP]
    return developing, brain_gain_pattern(table), year


def _section_html(folder: Path) -> str:
    source = (folder / "report.html").read_text(encoding="utf-8")
    start = source.index('id="theory"')
    return source[start : source.index("<h2", start)]


def test_theory_section_and_its_figure_appear(baseline):
    checker = _parse(baseline / "report.html")
    assert checker.problems == [] and checker.stack == []
    words = _words(checker)
    assert TITLE in words
    assert words.index("Over time") < words.index(TITLE) < words.index("Assumptions and their")
    figure = baseline / "report_figures" / "bdr_pattern.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    embedded = [base64.b64decode(u.split(",", 1)[1]) for u in checker.images]
    assert figure.read_bytes() in embedded  # the figure on the page is the saved one
    assert "report_bdr_pattern.csv" in words
    assert (baseline / "report_bdr_pattern.csv").exists()


def test_theory_table_and_statements_are_what_pattern_py_computes(baseline):
    developing, pattern, year = _expected(baseline)
    assert pattern.countries >= 5  # the teaching world has developing countries to check
    saved = pd.read_csv(baseline / "report_bdr_pattern.csv", keep_default_na=False)
    assert list(saved["country"]) == list(
        developing.sort_values("net_brain_gain", ascending=False).index
    )
    mine = developing.loc[saved["country"]]
    for column in ("human_capital_start", "skilled_emigration_rate_start", "net_brain_gain"):
        np.testing.assert_allclose(saved[column], mine[column], rtol=1e-12, atol=0)
    gain = mine["net_brain_gain"]
    outcome = np.select([gain > 0, gain < 0], ["winner", "loser"], "neither")
    assert list(saved["outcome"]) == list(outcome)
    assert (saved["outcome"] == "winner").sum() == pattern.winners
    # one number by hand: the first country's net brain gain is its mean over the replications
    raw = pd.read_parquet(baseline / "metrics.parquet")
    first = raw[(raw["country"] == saved["country"].iloc[0]) & (raw["year"] == year)]
    assert first["replication"].nunique() == 3
    assert saved["net_brain_gain"].iloc[0] == pytest.approx(first["net_brain_gain"].mean())

    section = _section_html(baseline)
    cells = [
        [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", section)
        if "<td" in row
    ]
    assert len(cells) == pattern.countries
    for row, (code, r) in zip(cells, mine.iterrows(), strict=True):
        assert row[0].startswith(code)
        assert row[2] == text.percent(r["human_capital_start"], 1)
        assert row[3] == text.percent(r["skilled_emigration_rate_start"], 1)
        assert row[4] == text.points(r["net_brain_gain"], unit=False)
    words = _words(_parse(baseline / "report.html"))
    for sentence in pattern.sentences()[:3]:
        assert " ".join(sentence.split()) in words
    assert verdict(pattern) in words
    assert f"net brain gain in {year}" in words


def _pattern(**changes) -> Pattern:
    values = dict(
        countries=10,
        winners=3,
        losers=7,
        mean_gain=0.01,
        mean_loss=-0.02,
        winners_low_low=0.6,
        winners_other=0.2,
        rho_human_capital=-0.3,
        rho_emigration=-0.2,
    )
    return Pattern(**(values | changes))


def test_theory_verdict_names_the_parts_that_hold():
    assert verdict(_pattern()).startswith("Verdict: the pattern holds")
    partly = verdict(_pattern(winners=7, losers=3))
    assert "does not hold" in partly and "but not: more losers than winners" in partly
    assert "losers lose more than winners gain" in partly.split("but not")[0]
    none = verdict(_pattern(winners=7, losers=3, mean_loss=-0.001, winners_low_low=0.1))
    assert none == "Verdict: the pattern does not hold; none of its three parts does."


def test_theory_check_skipped_without_a_baseline(tmp_path):
    out = _run(tmp_path, "what_if", extra=EVENT)
    assert main(["report", str(out)]) == 0
    words = _words(_parse(out / "report.html"))
    assert TITLE in words
    assert "Not checked: these results have no baseline scenario" in words
    assert not (out / "report_figures" / "bdr_pattern.png").exists()
    assert not (out / "report_bdr_pattern.csv").exists()
    assert "Levels per region" in words and "Quality card" in words


def test_theory_check_skipped_without_the_start_year(tmp_path):
    out = _run(tmp_path, "one", options=("--years", "2003,2004"))
    assert main(["report", str(out)]) == 0
    words = _words(_parse(out / "report.html"))
    assert "Not checked: the runs of one do not hold its start year 2000" in words
    assert not (out / "report_bdr_pattern.csv").exists()


def test_a_run_that_kept_some_metrics_still_reports(tmp_path):
    """A slim run (`--metrics`) keeps the metrics, not their parts: the report uses what it has
    (the country-level levels) instead of failing on the regional aggregation."""
    scenario = tmp_path / "slim.toml"
    scenario.write_text(scenario_text("slim", replications=2, years=3), encoding="utf-8")
    out = tmp_path / "out"
    keep = ["--metrics", "net_brain_gain,human_capital"]
    argv = ["run", str(scenario), "--workers", "1", "--out", str(out), "--no-progress", *keep]
    assert main(argv) == 0
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").stat().st_size > 10_000


# --- calibration: found from the parameter values, said honestly ---------------------------------
CALIBRATED = Path(__file__).resolve().parents[1] / "calibration" / "calibrated.toml"


def _shipped_calibration() -> dict:
    import tomllib

    return tomllib.loads(CALIBRATED.read_text(encoding="utf-8"))


def test_a_baseline_at_the_calibrated_medians_is_reported_as_calibrated(tmp_path):
    """A scenario named baseline whose parameters are the posterior medians of the shipped
    calibrated.toml (as scenarios/baseline.toml's are) is reported as calibrated to 1990-2000
    in the caveats, the theory check, the assumptions and the quality card; 'baseline' is not
    repeated."""
    shipped = _shipped_calibration()
    medians = "".join(f"{k} = {v!r}\n" for k, v in shipped["parameters"].items())
    out = _run(tmp_path, "baseline", extra=medians)  # the medians go under [parameters]
    assert main(["report", str(out)]) == 0
    words = _words(_parse(out / "report.html"))
    period = f"{shipped['start_year']}-{shipped['end_year']}"
    said = (
        f"{len(shipped['parameters'])} parameters at the posterior medians of the {period} "
        f'calibration {shipped["name"]}, see README "Calibration"'
    )
    assert (
        f"source. baseline runs with {said}. A calibration fits the model to observed data "
        "of its period only, so levels remain uncertain" in words
    )
    assert f"Checked here on the baseline (it runs with {said})" in words
    assert f"Calibration and validation baseline runs with {said}" in words
    assert f"{next(iter(shipped['parameters']))} " in words
    assert f"calibrated ({period})" in words
    for wrong in ("not been calibrated", "not calibrated", "no calibration", "baseline baseline"):
        assert wrong not in words


def test_runs_off_the_calibration_say_they_are_not_calibrated(baseline):
    words = _words(_parse(baseline / "report.html"))
    assert "the model has not been calibrated to observed data for these results" in words
    assert "Checked here on the baseline one (it is not calibrated to observed data)" in words
    assert "no calibration or out-of-sample validation is attached" in words


def test_calibration_is_read_from_values_not_names():
    from braingain.report.calibration import baseline_words, calibration_of
    from simulation import PARAMETERS

    shipped = _shipped_calibration()
    defaults = {p.name: p.default for p in PARAMETERS}
    at_medians = defaults | shipped["parameters"]
    found = calibration_of({"name": "anything", "parameters": at_medians})
    assert found is not None and found.how == "medians" and found.changed == ()
    assert set(found.parameters) == set(shipped["parameters"])
    first = next(iter(shipped["parameters"]))
    one_set = calibration_of({"name": "x", "parameters": at_medians | {first: 123.0}})
    assert one_set is not None and one_set.changed == (first,)
    assert f"except {first}, set otherwise in these runs" in one_set.words()
    assert calibration_of({"name": "baseline", "parameters": defaults}) is None
    sampled = {"kind": "parameter", "target": first, "low": 0.0, "high": 1.0}
    study = {"name": "s", "base_scenario": {"parameters": shipped["parameters"]}}
    in_study = calibration_of(study | {"inputs": [sampled]})
    assert in_study is not None and in_study.varied == (first,) and in_study.changed == ()
    assert first not in in_study.parameters
    assert f"the study samples {first} over its ranges instead" in in_study.words()
    posterior = {"file": str(CALIBRATED), "draws": 1000, "parameters": list(shipped["parameters"])}
    drawn = calibration_of({"name": "h", "parameters": defaults, "calibration": posterior})
    assert drawn is not None and drawn.how == "posterior" and drawn.calibration == shipped["name"]
    assert "posterior of the" in drawn.words() and "1000 draws" in drawn.words()
    assert baseline_words("baseline") == "the baseline"
    assert baseline_words("reference") == "the baseline reference"


def test_data_sources_card_names_real_sources_with_each_column_once(baseline):
    source = (baseline / "report.html").read_text(encoding="utf-8")
    start = source.index("Data sources of the world tables")
    table = source[start : source.index("</table>", start)]
    rows = [
        [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
        for r in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        if "<td" in r
    ]
    columns = pd.read_csv(
        Path(__file__).resolve().parents[1] / "simulation" / "data" / "columns.csv",
        keep_default_na=False,
    )
    real = columns[
        (columns["source"].str.strip() != "")
        & (columns["source"] != "this script")
        & ~columns["source"].str.endswith(".csv")
    ]
    assert [r[0] for r in rows] == list(dict.fromkeys(real["source"]))
    for name, years, listed, _ in rows:
        assert name.strip() and name != "this script" and not name.endswith(".csv")
        assert len(years.split(", ")) == len(set(years.split(", ")))
        shown = listed.split(", ")
        assert len(shown) == len(set(shown)), f"{name}: a column repeated in {listed}"
        assert set(shown) == set(real.loc[real["source"] == name, "column"])
