"""A results folder as the report sees it: which kinds of result it holds, read from its files.

Kinds are recognised by their files, so the report works on the output of any command:
`summary.csv` + `metrics.parquet` (run), `comparison.csv` (compare, main), `indices.csv`
(sensitivity), a PRIM file (discover). Anything else, or a batch that has not finished, is
refused with one line (exit 2) naming the folder and what is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.errors import UserError

MANIFEST = "manifest.json"
SUMMARY = "summary.csv"
METRICS = "metrics.parquet"
COMPARISON = "comparison.csv"
INDICES = "indices.csv"
PRIM_PATTERNS = ("prim*.csv", "prim*.json", "discover*.csv", "discover*.json", "boxes*.csv")
FINISHED = ("complete", "complete with failures")
WHAT_IS_A_RESULT = (
    "allowed: the --out folder of braingain run, compare, main, sensitivity or discover "
    f"(with {MANIFEST} and {SUMMARY}, {COMPARISON}, {INDICES} or a prim_*.csv file)"
)


@dataclass
class Results:
    """Everything the report reads, loaded once."""

    folder: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame | None = None
    metrics_path: Path | None = None
    comparison: pd.DataFrame | None = None
    indices: pd.DataFrame | None = None
    prim: list[tuple[Path, Any]] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        kinds = []
        if self.summary is not None:
            kinds.append("run")
        if self.comparison is not None:
            kinds.append("compare")
        if self.indices is not None:
            kinds.append("sensitivity")
        if self.prim:
            kinds.append("discover")
        return kinds

    @property
    def scenarios(self) -> list[dict[str, Any]]:
        """Manifest entries of the scenarios of the batch, in command order."""
        entries = {s["name"]: s for s in self.manifest.get("scenarios", [])}
        order = self.manifest.get("batch") or list(entries)
        return [entries[name] for name in order if name in entries]

    @property
    def baseline(self) -> str | None:
        if self.comparison is not None and len(self.comparison):
            return str(self.comparison["baseline"].iloc[0])
        return self.scenarios[0]["name"] if self.scenarios else None

    @property
    def alternatives(self) -> list[str]:
        if self.comparison is None:
            return []
        return list(dict.fromkeys(self.comparison["alternative"].astype(str)))


def _csv(path: Path, required: set[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: unreadable ({exc}); {WHAT_IS_A_RESULT}") from None
    missing = sorted(required - set(frame.columns))
    if missing:
        raise UserError(
            f"{path}: lacks the columns {missing}; allowed: the file as braingain writes it"
        )
    return frame


def _manifest(folder: Path) -> dict[str, Any] | None:
    path = folder / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: unreadable ({exc}); {WHAT_IS_A_RESULT}") from None
    if not isinstance(manifest, dict):
        raise UserError(f"{path}: not a braingain manifest; {WHAT_IS_A_RESULT}")
    return manifest


def _check_finished(folder: Path, manifest: dict[str, Any]) -> None:
    status = manifest.get("status")
    runs = sum(int(s.get("replications", 0)) for s in manifest.get("scenarios", []))
    done = (manifest.get("timings") or {}).get("runs_done")
    progress = f", {done} of {runs} runs done" if done is not None and runs else ""
    if status not in FINISHED:
        raise UserError(
            f"{folder}: the batch has not finished (status '{status}' in {MANIFEST}{progress}); "
            "rerun the command that made it (it resumes), then make the report"
        )
    if not (folder / METRICS).exists() or not (folder / SUMMARY).exists():
        missing = [n for n in (METRICS, SUMMARY) if not (folder / n).exists()]
        raise UserError(
            f"{folder}: the batch has not finished ({', '.join(missing)} missing); rerun the "
            "command that made it (it resumes), then make the report"
        )


def load_results(folder: Path) -> Results:
    """Read a results folder; raise UserError (one line) if it is not a finished result."""
    folder = Path(folder)
    if not folder.exists():
        raise UserError(f"{folder}: no such folder; {WHAT_IS_A_RESULT}")
    if not folder.is_dir():
        raise UserError(f"{folder}: not a folder; {WHAT_IS_A_RESULT}")
    manifest = _manifest(folder)
    prim = [p for pattern in PRIM_PATTERNS for p in sorted(folder.glob(pattern))]
    has_indices = (folder / INDICES).exists()
    if manifest is None and not (has_indices or prim):
        raise UserError(f"{folder}: not a results folder (no {MANIFEST}); {WHAT_IS_A_RESULT}")
    results = Results(folder=folder, manifest=manifest or {})
    if manifest is not None and ((folder / "ledger.jsonl").exists() or (folder / SUMMARY).exists()):
        _check_finished(folder, manifest)
        results.summary = _csv(folder / SUMMARY, {"scenario", "level", "area", "year"})
        results.metrics_path = folder / METRICS
    if (folder / COMPARISON).exists():
        results.comparison = _csv(
            folder / COMPARISON,
            {"baseline", "alternative", "level", "area", "year", "metric", "pairs", "difference",
             "ci_low", "ci_high", "change"},
        )  # fmt: skip
    if has_indices:
        results.indices = _csv(folder / INDICES, {"output", "input", "value"})
    for path in prim:
        if path.suffix == ".json":
            try:
                results.prim.append((path, json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError) as exc:
                raise UserError(f"{path}: unreadable ({exc}); allowed: a JSON file") from None
        else:
            results.prim.append((path, _csv(path, set())))
    if not results.kinds:
        raise UserError(f"{folder}: holds no result the report can read; {WHAT_IS_A_RESULT}")
    return results
