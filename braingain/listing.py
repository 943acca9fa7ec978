"""`braingain list`: what a new user can run, set and read, straight from the code's tables.

Plain aligned text (no wrapping, one row per line), so that it reads in a terminal and greps.
"""

from __future__ import annotations

from collections.abc import Sequence


def _number(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as written in TOML and --set
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _columns(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def scenario_lines() -> list[str]:
    from experiments.shipped import HINDCASTS, shipped_folder, shipped_scenarios

    rows = [(s.name, s.description) for s in shipped_scenarios()]
    return [
        f"scenarios shipped in {shipped_folder()} (the what-ifs) and the hindcast in "
        f"{HINDCASTS.folder()} (give a name or a path to run, compare, check):",
        *_columns(rows, ("name", "description")),
    ]


def parameter_lines() -> list[str]:
    from braingain.parameter_basis import ASSUMPTION, basis, basis_sentence
    from simulation import parameter_table

    rows = []
    table = parameter_table()
    for row in table:
        if row["type"] == "bool":
            allowed = "true/false"
        else:
            allowed = f"{_number(row['low'])} to {_number(row['high'])}"
        kind = basis(row)
        source = "" if kind == ASSUMPTION else row["source"]
        rows.append((row["name"], row["unit"], allowed, _number(row["default"]), kind, source))
    return [
        "parameters (set with --set NAME=VALUE or under [parameters] in a scenario file); "
        f"basis: {basis_sentence(table)}:",
        *_columns(rows, ("name", "unit", "range", "default", "basis", "source")),
    ]


def metric_lines() -> list[str]:
    from simulation import METRICS

    rows = [(m.name, m.unit, m.description) for m in METRICS.values()]
    return [
        "metrics (columns of metrics.parquet, per scenario, replication, year and country):",
        *_columns(rows, ("name", "unit", "meaning")),
    ]


SECTIONS = {"scenarios": scenario_lines, "parameters": parameter_lines, "metrics": metric_lines}


def print_listing(kinds: Sequence[str]) -> None:
    """Print the chosen sections, in the order given, separated by a blank line."""
    print("\n\n".join("\n".join(SECTIONS[kind]()) for kind in kinds))
