"""Errors the CLI reports without a traceback: bad input (exit 2), a batch with no finished run
(exit 1)."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Bad input (scenario file, option, output folder): a message, never a traceback."""


MAIN_GUARD_HINT = (
    'if you call run_batch from a script, put the call under `if __name__ == "__main__":` '
    "(worker processes re-import the script; see the README, From Python)"
)


class BatchFailedError(RuntimeError):
    """Every run of a batch failed: there is nothing to summarise. Not the user's input, so
    not a UserError: `result` (the runner's BatchResult) holds the failures, whose tracebacks
    are in the ledger; the CLI lists them and exits 1."""

    def __init__(self, result: Any):
        self.result = result
        first = result.failed[0] if result.failed else None
        last = (first.error or "").strip().splitlines()[-1:] if first else []
        message = (
            f"every run of the batch failed ({len(result.failed)} of {result.total} runs in "
            f"{result.out}; tracebacks in {result.out / 'ledger.jsonl'})"
        )
        if last:
            message += f"; first: {first.scenario} replication {first.replication}: {last[0]}"
        if result.failed and all("worker process died" in (r.error or "") for r in result.failed):
            message += f". Every worker died: {MAIN_GUARD_HINT}"
        super().__init__(message)
