"""The ODD document's generated tables (parameters, outcomes, events) match the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_odd_tables_are_in_step_with_the_code():
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "make_parameter_table.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_parameter_appears_in_the_odd():
    from simulation import PARAMETERS

    text = (ROOT / "docs" / "ODD.md").read_text()
    missing = [s.name for s in PARAMETERS if f"`{s.name}`" not in text]
    assert not missing
