"""manifest.json: what an output folder holds, and whether a batch may resume into it.

A folder may hold earlier runs of the same scenarios (resume, more replications) or of other
scenarios (they are kept). It may not hold runs of a scenario with the same name but different
settings, or runs made by different model code: mixing those would make metrics.parquet lie.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from experiments.batch import RunnerBatch
from experiments.errors import UserError
from experiments.provenance import git_state, task_name, versions
from experiments.scenario import Scenario
from experiments.store import Store

MANIFEST_FORMAT = 1
MAX_SHOWN_CHANGES = 5


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StaleResultsError(UserError):
    """The folder holds results of other model code or of a changed scenario."""

    def __init__(self, out: Path, reason: str):
        self.reason = f"{out} holds results {reason}"
        super().__init__(f"{self.reason}; use --overwrite to replace them, or another --out folder")


FULL_OUTPUTS = {"metrics": "all", "years": "all", "level": "country"}


def open_store(store: Store, batch: RunnerBatch, code: str, overwrite: bool) -> dict[str, Any]:
    """Check that the folder holds nothing or results this batch may build on; returns the
    existing manifest ({} for a new folder)."""
    store.check_writable()
    if overwrite:
        store.clear()
    existing = store.read_manifest()
    store.prepare()
    if existing is None:
        if store.ledger_path.exists() and store.ledger_path.stat().st_size:
            raise UserError(
                f"{store.out}: has a ledger but no manifest.json; use --overwrite or another --out"
            )
        return {}
    if not existing:
        raise UserError(f"{store.manifest_path}: unreadable; use --overwrite or another --out")
    if existing.get("code_fingerprint") != code:
        raise StaleResultsError(
            store.out,
            "made by other model code (model code changed: fingerprint "
            f"{existing.get('code_fingerprint')} -> {code})",
        )
    if existing.get("task") != task_name(batch.task):
        raise StaleResultsError(
            store.out, f"of another task (task: {existing.get('task')} -> {task_name(batch.task)})"
        )
    kept = existing.get("outputs", FULL_OUTPUTS)
    if kept != batch.outputs_description():
        raise StaleResultsError(
            store.out,
            f"that keep other outputs ({_outputs_text(kept)}; now "
            f"{_outputs_text(batch.outputs_description())})",
        )
    known = {s["name"]: s for s in existing.get("scenarios", [])}
    scenarios = {s.name: s for s in getattr(batch, "scenarios", ())}
    for entry in batch.manifest_entries():
        old = known.get(entry["name"])
        if old and old.get("fingerprint") != entry["fingerprint"]:
            scenario = scenarios.get(entry["name"])
            changes = scenario_changes(old, scenario) if scenario is not None else []
            what = "; ".join(changes[:MAX_SHOWN_CHANGES]) or entry.get(
                "changes", "world, years, seed, parameters or events changed"
            )
            if len(changes) > MAX_SHOWN_CHANGES:
                what += f"; and {len(changes) - MAX_SHOWN_CHANGES} more"
            raise StaleResultsError(
                store.out,
                f"of a different {entry.get('kind', 'scenario')} named '{entry['name']}' ({what})",
            )
    return existing


def _plain(value: Any) -> Any:
    """JSON-shaped (tuples as lists), as the manifest stores it, so values compare equal."""
    return json.loads(json.dumps(value, default=str))


def _show(value: Any) -> str:
    return "(unset)" if value is None else value if isinstance(value, str) else json.dumps(value)


def scenario_changes(old: dict[str, Any], scenario: Scenario) -> list[str]:
    """What differs between a scenario recorded in a manifest and the one asked for now, e.g.
    `parameter recognition_base: 0.3 -> 0.5` or `years: 30 -> 20`."""
    new = _plain(scenario.definition())
    changes = [
        f"{key}: {_show(old.get(key))} -> {_show(new[key])}"
        for key in ("world", "years", "seed")
        if _plain(old.get(key)) != new[key]
    ]
    before, after = _plain(old.get("parameters") or {}), new["parameters"]
    changes += [
        f"parameter {name}: {_show(before.get(name))} -> {_show(after.get(name))}"
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]
    old_events = [
        {k: v for k, v in e.items() if k != "label"} for e in _plain(old.get("events") or [])
    ]
    if len(old_events) != len(new["events"]):
        changes.append(f"events: {len(old_events)} -> {len(new['events'])}")
    else:
        for i, (a, b) in enumerate(zip(old_events, new["events"], strict=True)):
            changes += [
                f"events[{i}].{field}: {_show(a.get(field))} -> {_show(b.get(field))}"
                for field in sorted(set(a) | set(b))
                if a.get(field) != b.get(field)
            ]
    return changes


def _outputs_text(outputs: dict[str, Any]) -> str:
    return ", ".join(
        f"{key} {value if isinstance(value, str) else ','.join(map(str, value))}"
        for key, value in outputs.items()
    )


def new_session(
    old: dict[str, Any], batch: RunnerBatch, code: str, command: list[str], session: int
) -> dict[str, Any]:
    """The manifest at the start of a session: scenarios (earlier ones kept), provenance."""
    scenarios = {s["name"]: s for s in old.get("scenarios", [])}
    entries = batch.manifest_entries()
    for entry in entries:
        scenarios[entry["name"]] = entry
    return {
        "format": MANIFEST_FORMAT,
        "created": old.get("created", now()),
        "status": "running",
        "task": task_name(batch.task),
        "code_fingerprint": code,
        "git": git_state(),
        "versions": versions(),
        "seed_rule": "replication r of a scenario uses SeedSequence(seed, spawn_key=(r,))",
        "batch": [entry["name"] for entry in entries],
        "outputs": batch.outputs_description(),
        "scenarios": list(scenarios.values()),
        "sessions": [
            *old.get("sessions", []),
            {"session": session, "started": now(), "command": command},
        ],
    }


def finish_session(
    store: Store, manifest: dict[str, Any], status: str, wall: float, counts: dict[str, Any]
) -> None:
    """Record how the session ended and the folder's timings."""
    manifest["status"] = status
    manifest["sessions"][-1].update(finished=now(), wall_seconds=round(wall, 3), **counts)
    done = [r for r in store.records().values() if r.status == "done"]
    manifest["timings"] = {
        "runs_done": len(done),
        "mean_run_seconds": round(sum(r.seconds for r in done) / len(done), 4) if done else None,
        "wall_seconds_total": round(
            sum(s.get("wall_seconds", 0.0) for s in manifest["sessions"]), 3
        ),
    }
    store.write_manifest(manifest)
