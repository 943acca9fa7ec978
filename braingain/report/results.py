"""A results folder as the report sees it: which kinds of result it holds, read from its files.

Kinds are recognised by their files, so the report works on the output of any command:
`summary.csv` + `metrics.parquet` (run), `comparison.csv` (compare, main), `indices.csv` or
`sweep.csv` beside a manifest naming a study (sensitivity), `discovery/*/box.csv` with its
`report.txt` (discover; also the discovery folder itself). Anything else, or a batch or study
that has not finished, is refused with one line (exit 2) naming the folder and what is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.discovery import DISCOVERY_FILE, Threshold, legacy_sentence, read_threshold
from experiments.errors import UserError

MANIFEST = "manifest.json"
SUMMARY = "summary.csv"
METRICS = "metrics.parquet"
COMPARISON = "comparison.csv"
INDICES = "indices.csv"
CONVERGENCE = "convergence.csv"
SWEEP = "sweep.csv"
DISCOVERY = "discovery"  # braingain discover writes DIR/discovery/<output>_<side>_<threshold>/
BOX = "box.csv"
DISCOVERY_REPORT = "report.txt"
FINISHED = ("complete", "complete with failures")
WHAT_IS_A_RESULT = (
    "allowed: the --out folder of braingain run, compare, main or sensitivity (with "
    f"{MANIFEST} and {SUMMARY}, {COMPARISON}, {INDICES} or {SWEEP}), or a folder "
    f"{DISCOVERY}/<name> that braingain discover wrote ({BOX}, {DISCOVERY_REPORT})"
)


@dataclass
class Discovery:
    """One PRIM box of `braingain discover`: its limits (box.csv), its plain-words sentence
    and choice rule (the last lines of its report.txt) and its threshold (discovery.json, or
    for an older folder its name), shown in the output's display unit as the console does."""

    folder: Path
    box: pd.DataFrame  # input, low, high, box_low, box_high, qp_low, qp_high
    sentence: str | None
    rule: str | None
    threshold: Threshold | None = None

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def recorded(self) -> bool:
        """Written with discovery.json (thresholds in display units), not by an earlier
        braingain (thresholds in model units, unlabelled)."""
        return (self.folder / DISCOVERY_FILE).exists()

    @property
    def title(self) -> str:
        """'net_brain_gain_SSF_2030 above 0.5 pp', or the folder's name if its threshold is
        unknown."""
        line = self.threshold
        return f"{line.output} {line.side} {line.text}" if line else self.name


@dataclass
class Results:
    """Everything the report reads, loaded once."""

    folder: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame | None = None
    metrics_path: Path | None = None
    comparison: pd.DataFrame | None = None
    indices: pd.DataFrame | None = None
    convergence: pd.DataFrame | None = None  # convergence.csv of a study: indices at N/2 and N
    sweep: pd.DataFrame | None = None
    study: dict[str, Any] | None = None  # the manifest entry of a sensitivity study
    discoveries: list[Discovery] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        kinds = []
        if self.summary is not None:
            kinds.append("run")
        if self.comparison is not None:
            kinds.append("compare")
        if self.indices is not None or self.sweep is not None:
            kinds.append("sensitivity")
        if self.discoveries:
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


def study_entry(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The manifest entry of the sensitivity study a folder holds (as `braingain discover`
    finds it), or None for a batch."""
    batch = manifest.get("batch") or []
    entries = manifest.get("scenarios") or []
    return next(
        (e for e in entries if e.get("kind") == "experiment" and e.get("name") in batch), None
    )


def planned_runs(manifest: dict[str, Any]) -> int:
    """Runs of the folder's batch: replications per scenario, times sample points in a study."""
    return sum(
        int(s.get("replications", 0)) * int(s.get("points", 1))
        for s in manifest.get("scenarios", [])
    )


def _check_status(folder: Path, manifest: dict[str, Any], what: str) -> None:
    status = manifest.get("status")
    runs = planned_runs(manifest)
    done = (manifest.get("timings") or {}).get("runs_done")
    progress = f", {done} of {runs} runs done" if done is not None and runs else ""
    if status not in FINISHED:
        raise UserError(
            f"{folder}: the {what} has not finished (status '{status}' in {MANIFEST}{progress}); "
            "rerun the command that made it (it resumes), then make the report"
        )


def _check_finished(folder: Path, manifest: dict[str, Any]) -> None:
    _check_status(folder, manifest, "batch")
    if not (folder / METRICS).exists() or not (folder / SUMMARY).exists():
        missing = [n for n in (METRICS, SUMMARY) if not (folder / n).exists()]
        raise UserError(
            f"{folder}: the batch has not finished ({', '.join(missing)} missing); rerun the "
            "command that made it (it resumes), then make the report"
        )


def _check_study(folder: Path, manifest: dict[str, Any]) -> None:
    """A study is finished when its runs are (manifest status) and its analysis is written."""
    _check_status(folder, manifest, "study")
    if not ((folder / INDICES).exists() or (folder / SWEEP).exists()):
        raise UserError(
            f"{folder}: the study's runs are done but its analysis is missing ({INDICES} or "
            f"{SWEEP}); rerun the command that made it (it reuses every finished run), then "
            "make the report"
        )


def _discovery(folder: Path) -> Discovery:
    box = _csv(folder / BOX, {"input", "box_low", "box_high"})
    sentence = rule = None
    report = folder / DISCOVERY_REPORT
    if report.exists():
        try:
            lines = [line.strip() for line in report.read_text(encoding="utf-8").splitlines()]
        except OSError as exc:
            raise UserError(f"{report}: unreadable ({exc}); {WHAT_IS_A_RESULT}") from None
        lines = [line for line in lines if line]
        rule = next((line for line in lines if line.startswith("box chosen:")), None)
        sentence = lines[-1] if lines and lines[-1] != rule else None
    found = Discovery(folder, box, sentence, rule, read_threshold(folder))
    if found.sentence and found.threshold and not found.recorded:
        found.sentence = legacy_sentence(found.sentence, found.threshold)
    return found


def _discoveries(folder: Path) -> list[Discovery]:
    """The boxes of `braingain discover` in a study folder, or the discovery folder itself."""
    if (folder / BOX).exists():
        return [_discovery(folder)]
    return [_discovery(box.parent) for box in sorted((folder / DISCOVERY).glob(f"*/{BOX}"))]


def load_results(folder: Path) -> Results:
    """Read a results folder; raise UserError (one line) if it is not a finished result."""
    folder = Path(folder)
    if not folder.exists():
        raise UserError(f"{folder}: no such folder; {WHAT_IS_A_RESULT}")
    if not folder.is_dir():
        raise UserError(f"{folder}: not a folder; {WHAT_IS_A_RESULT}")
    manifest = _manifest(folder)
    discoveries = _discoveries(folder)
    has_indices = (folder / INDICES).exists()
    if manifest is None and not (has_indices or discoveries):
        raise UserError(f"{folder}: not a results folder (no {MANIFEST}); {WHAT_IS_A_RESULT}")
    results = Results(folder=folder, manifest=manifest or {}, discoveries=discoveries)
    results.study = study_entry(manifest) if manifest is not None else None
    if results.study is not None:
        _check_study(folder, manifest)
        if (folder / SWEEP).exists():
            results.sweep = _csv(folder / SWEEP, set())
    elif manifest is not None and (
        (folder / "ledger.jsonl").exists() or (folder / SUMMARY).exists()
    ):
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
        if (folder / CONVERGENCE).exists():
            results.convergence = _csv(folder / CONVERGENCE, {"output", "input", "index", "change"})
    if not results.kinds:
        raise UserError(f"{folder}: holds no result the report can read; {WHAT_IS_A_RESULT}")
    return results
