"""Words and numbers in the READMEs that the code decides (README trial, section 11): the
shipped scenarios, the worlds a scenario may name, and which years a run records."""

from __future__ import annotations

import re
from pathlib import Path

from braingain.cli import main
from experiments.scenario import SYNTHETIC_WORLDS
from experiments.shipped import SCENARIOS
from simulation.world import WORLD_NAMES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SCENARIOS_README = (ROOT / "scenarios" / "README.md").read_text(encoding="utf-8")
NUMBER_WORDS = {9: "nine", 10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen"}


def test_the_readme_counts_and_names_every_shipped_scenario():
    found = re.search(r"the (\w+) shipped scenarios \(([^)]*)\)", " ".join(README.split()))
    assert found, "the README's sentence on the shipped scenarios"
    word, listed = found.groups()
    assert word == NUMBER_WORDS[len(SCENARIOS.names())]
    assert sorted(re.findall(r"`(\w+)`", listed)) == SCENARIOS.names()


def test_the_scenarios_readme_names_every_world_the_program_accepts():
    row = next(line for line in SCENARIOS_README.splitlines() if line.startswith("| `world` |"))
    for world in (*WORLD_NAMES, *SYNTHETIC_WORLDS):
        assert f'`"{world}"`' in row, world


def test_check_says_the_start_year_is_recorded_and_the_rest_simulated(capsys):
    assert main(["check", "baseline"]) == 0
    printed = capsys.readouterr().out
    assert "records 2000 (the start, from data) and simulates 2001..2030" in printed
    assert "results record 2000" in " ".join(SCENARIOS_README.split())


def test_the_readme_and_list_count_parameter_sources_alike_and_honestly(capsys):
    """README trial 2, finding 8: "19 are cited" counted nine on/off switches and three
    docs/ODD.md specification weights as cited. One sentence, from the table, serves both."""
    from braingain.parameter_basis import basis, basis_counts, basis_sentence
    from simulation import parameter_table

    rows = {row["name"]: row for row in parameter_table()}
    assert basis(rows["m5_recognition"]) == "switch"
    assert basis(rows["visa_weight"]) == "specification"
    assert basis(rows["network_elasticity"]) == "published"
    counts = basis_counts()
    assert counts["published"] == sum(
        not r["assumption"] and not r["source"].startswith("docs/ODD.md") for r in rows.values()
    )
    assert basis_sentence() in " ".join(README.split())
    assert main(["list", "--parameters"]) == 0
    assert f"basis: {basis_sentence()}:" in capsys.readouterr().out
