"""The scenario files shipped with braingain, found through importlib.resources.

They live in the `scenarios` package (the repository's `scenarios/` folder), which is installed
with braingain, so `braingain main`, `braingain list` and scenario names given instead of paths
(`braingain run climate_stress`) work from any directory after a plain `pip install`.
"""

from __future__ import annotations

import atexit
import functools
import tomllib
from contextlib import ExitStack
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path


@dataclass(frozen=True)
class ShippedScenario:
    name: str  # the file name without .toml (what the command line accepts)
    description: str
    path: Path


@functools.cache
def shipped_folder() -> Path:
    """The folder of the shipped scenario files, as a real path (`extends` needs paths)."""
    folder = files("scenarios")
    if isinstance(folder, Path):
        return folder
    stack = ExitStack()  # installed inside a zip: extracted for this process
    atexit.register(stack.close)
    return stack.enter_context(as_file(folder))


def shipped_scenarios() -> list[ShippedScenario]:
    """Every shipped scenario, by name; the description is read without validating the file."""
    found = []
    for path in sorted(shipped_folder().glob("*.toml")):
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
            description = str(table.get("description", ""))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            description = "(unreadable: run braingain check on it)"
        found.append(ShippedScenario(path.stem, description, path))
    return found


def scenario_path(text: str | Path) -> Path:
    """A scenario argument: an existing file, else the name of a shipped scenario (`baseline`
    or `baseline.toml`), else the path as given (loading then says it is missing)."""
    path = Path(text)
    if path.exists() or len(path.parts) != 1:
        return path
    wanted = path.name.removesuffix(".toml")
    shipped = shipped_folder() / f"{wanted}.toml"
    return shipped if shipped.is_file() else path
