"""Provenance for manifests: package versions, git commit, and a fingerprint of the model code.

The code fingerprint guards resume: results made by different model code must not be mixed
into one metrics file, so the runner refuses to resume a folder whose fingerprint differs.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import inspect
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

PACKAGES = (
    "braingain",
    "numpy",
    "pandas",
    "pyarrow",
    "mesa",
    "pydantic",
    "scipy",
    "dask",
    "distributed",
    "networkx",
    "SALib",
    "ema-workbench",
)
REPO = Path(__file__).resolve().parents[1]


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_state(root: Path = REPO) -> dict[str, Any]:
    """The commit of the working tree and whether it has uncommitted changes (None if no git)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(root), *args],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    status = git("status", "--porcelain")
    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(status) if status is not None else None,
    }


def task_name(task: Any) -> str:
    """A stable name for the task function (partials include their bound arguments)."""
    if isinstance(task, functools.partial):
        args = [repr(a) for a in task.args] + [
            f"{k}={v!r}" for k, v in sorted(task.keywords.items())
        ]
        return f"{task_name(task.func)}({', '.join(args)})"
    return f"{getattr(task, '__module__', '?')}:{getattr(task, '__qualname__', repr(task))}"


def _task_files(task: Any) -> list[Path]:
    """The source files of a task: a function's module, or for a callable object (a task cut to
    outputs, a study's task) its class's module and those of the tasks it wraps."""
    while isinstance(task, functools.partial):
        task = task.func
    target = task if inspect.isfunction(task) or inspect.isclass(task) else type(task)
    try:
        files = [Path(inspect.getfile(target))]
    except (TypeError, OSError):
        files = []
    inner = getattr(task, "task", None)
    return files + _task_files(inner) if callable(inner) else files


def _package_files(package: str) -> list[Path]:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return []
    files: list[Path] = []
    for location in spec.submodule_search_locations:
        root = Path(location)
        files += [
            p
            for p in root.rglob("*")
            if p.is_file() and p.suffix in (".py", ".csv", ".json") and "__pycache__" not in p.parts
        ]
    return files


def code_fingerprint(task: Any) -> str:
    """Hash of the model package, the task's module and the worker code that shape results."""
    here = Path(__file__).resolve().parent
    files = {
        *_package_files("simulation"),
        *_task_files(task),
        here / "worker.py",
        here / "seeds.py",
        here / "outputs.py",
    }
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: str(p)):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
