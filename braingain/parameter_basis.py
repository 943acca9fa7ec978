"""What each default in `simulation.PARAMETERS` rests on, in four kinds, counted once for the
README, `braingain list --parameters` and the report.

The table's `source` is either an assumption or a citation, but a citation of docs/ODD.md is the
project's own specification, not a published value, and a mechanism switch (on/off) has no value
to cite at all: counting either as "cited" overstates the evidence (README trial 2, finding 8).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

ASSUMPTION = "assumption"  # no published value: a starting point still to be calibrated
PUBLISHED = "published"  # cites a source outside the project
SPECIFICATION = "specification"  # follows docs/ODD.md, the model's own description
SWITCH = "switch"  # a mechanism's on/off switch
KINDS = (ASSUMPTION, PUBLISHED, SPECIFICATION, SWITCH)
OWN_DOCS = "docs/ODD.md"


def basis(row: dict[str, Any]) -> str:
    """The kind of one row of `simulation.parameter_table()`."""
    if row["assumption"]:
        return ASSUMPTION
    if row["type"] == "bool" and "mechanism switch" in row["source"]:
        return SWITCH
    if row["source"].startswith(OWN_DOCS):
        return SPECIFICATION
    return PUBLISHED


def basis_counts(rows: list[dict[str, Any]] | None = None) -> dict[str, int]:
    """How many parameters rest on each kind (every kind present, zeros included)."""
    if rows is None:
        from simulation import parameter_table

        rows = parameter_table()
    counts = Counter(basis(row) for row in rows)
    return {kind: counts.get(kind, 0) for kind in KINDS}


def basis_sentence(rows: list[dict[str, Any]] | None = None) -> str:
    """'80 of 99 parameters are assumptions (no published value), 7 cite a published source, 3
    follow docs/ODD.md's specification and 9 are mechanism switches (on/off)'."""
    counts = basis_counts(rows)
    total = sum(counts.values())
    return (
        f"{counts[ASSUMPTION]} of {total} parameters are assumptions (no published value), "
        f"{counts[PUBLISHED]} cite a published source, {counts[SPECIFICATION]} follow "
        f"{OWN_DOCS}'s specification and {counts[SWITCH]} are mechanism switches (on/off)"
    )
