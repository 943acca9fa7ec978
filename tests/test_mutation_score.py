"""The mutation score script groups mutmut's results by source file, methods included."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).with_name("mutation_score.py")


def test_scores_group_functions_and_methods_by_file():
    spec = importlib.util.spec_from_file_location("mutation_score", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lines = [
        "    simulation.choice.x_pick_option__mutmut_2: survived",
        "    simulation.mechanisms.migration.x_move_utility__mutmut_3: killed",
        "    simulation.mechanisms.migration.xǁMoveTermsǁvisa_rows__mutmut_6: survived",
        "    simulation.mechanisms.education.x_add_students__mutmut_9: timeout",
    ]
    by_file = module.scores(lines)
    assert by_file["simulation/mechanisms/migration.py"] == {"killed": 1, "survived": 1}
    assert by_file["simulation/choice.py"] == {"survived": 1}
    assert by_file["simulation/mechanisms/education.py"] == {"timeout": 1}
    assert set(by_file) == {
        "simulation/choice.py",
        "simulation/mechanisms/migration.py",
        "simulation/mechanisms/education.py",
    }
