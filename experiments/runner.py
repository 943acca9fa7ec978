"""Run a batch: chunks to an executor, results to the store, resumable and failure-tolerant.

- Runs are sent in chunks of about `chunk_seconds` of work (sized from measured run times), with
  at most two chunks per worker in flight, so workers stay busy and Ctrl-C stops quickly.
- A run that raises is recorded as failed with its traceback; the batch goes on.
- A worker that dies breaks the local pool: the pool is rebuilt and each run that was in flight
  is retried once, alone, so a run that kills its worker again is identified and recorded as
  failed without taking innocent runs with it.
- Ctrl-C (or SIGTERM) stops submitting, lets the running chunks finish and saves them; a second
  Ctrl-C quits at once. Rerunning the same command resumes: finished runs are never rerun.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from experiments.batch import RunnerBatch
from experiments.engines import DaskEngine, LocalEngine, make_engine
from experiments.errors import MAIN_GUARD_HINT, BatchFailedError
from experiments.manifest import StaleResultsError, finish_session, new_session, open_store
from experiments.progress import Reporter
from experiments.provenance import code_fingerprint
from experiments.store import RunKey, RunRecord, Store
from experiments.worker import ChunkResult, RunOutcome, RunSpec, execute_chunk


@dataclass
class RunnerOptions:
    """How to execute (never what: that is the batch)."""

    workers: int | None = None  # local processes; default: the CPUs available
    scheduler: str | None = None  # a Dask scheduler address instead of the local pool
    chunk_seconds: float = 1.0  # target work per executor task
    chunk_size: int | None = None  # fixed runs per chunk (overrides chunk_seconds)
    progress: bool = True
    retry_failed: bool = True  # rerun runs that failed in an earlier session
    overwrite: bool = False  # forget earlier results in the folder instead of resuming
    replace_stale: bool = False  # start afresh (not refuse) if the folder's results are stale
    command: list[str] = field(default_factory=list)  # recorded in the manifest


@dataclass
class BatchResult:
    out: Path
    total: int
    done: int
    failed: list[RunRecord]
    skipped: int  # finished in an earlier session
    ran: int  # runs finished or failed in this session
    wall_seconds: float
    interrupted: bool
    metrics_path: Path | None


def _refuse_while_bootstrapping() -> None:
    """A worker started by forkserver/spawn re-imports the caller's script; if that script
    starts a batch at import time, say so in the worker instead of a multiprocessing riddle."""
    if getattr(mp.current_process(), "_inheriting", False):
        raise RuntimeError(
            f"run_batch called while a worker process imports its script: {MAIN_GUARD_HINT}"
        )


def run_batch(
    batch: RunnerBatch,
    out: str | Path,
    options: RunnerOptions | None = None,
    engine: LocalEngine | DaskEngine | None = None,
) -> BatchResult:
    """Run every unfinished run of the batch into `out`, then write metrics.parquet.

    Runs that fail are listed in the result (`failed`); if every run failed, raises
    BatchFailedError rather than return empty tables. Bad input (the folder) raises UserError.
    """
    _refuse_while_bootstrapping()
    options = options or RunnerOptions()
    started = time.perf_counter()
    store = Store(out)
    code = code_fingerprint(batch.task)
    try:
        manifest = open_store(store, batch, code, options.overwrite)
    except StaleResultsError as exc:
        if not options.replace_stale:
            raise
        print(f"note: {exc.reason}; starting afresh", file=sys.stderr)
        manifest = open_store(store, batch, code, overwrite=True)
    records = store.records()
    store.remove_orphans(records)
    keys = batch.keys()
    finished = {k for k in keys if k in records and records[k].status == "done"}
    todo = [
        s
        for s in batch.specs()
        if s.key not in finished and (options.retry_failed or s.key not in records)
    ]
    session = len(manifest.get("sessions", [])) + 1
    manifest = new_session(manifest, batch, code, options.command, session)
    store.write_manifest(manifest)
    run = _Execution(batch, store, options, session, records)
    interrupted = False
    if todo:
        for stale in (store.metrics_path, store.out / "summary.csv"):
            stale.unlink(missing_ok=True)
        own = engine is None
        engine = engine or make_engine(options.workers, options.scheduler, _preload(batch))
        manifest["sessions"][-1]["executor"] = engine.description
        try:
            with Reporter(len(keys), len(keys) - len(todo), options.progress) as reporter:
                run.reporter = reporter
                interrupted = run.execute(todo, engine)
        except BaseException as exc:  # a second Ctrl-C, or a bug: keep the manifest honest
            status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "crashed"
            finish_session(store, manifest, status, time.perf_counter() - started, run.counts())
            if own:
                engine.close(cancel=True)
            raise
        if own:
            engine.close()
    records = store.records()
    failed = [records[k] for k in keys if k in records and records[k].status == "failed"]
    done = sum(1 for k in keys if k in records and records[k].status == "done")
    metrics = None
    if not interrupted and (done or not keys):  # none done: BatchFailedError below
        metrics = store.finalize(keys, records)
    status = (
        "interrupted" if interrupted else ("complete" if not failed else "complete with failures")
    )
    finish_session(store, manifest, status, time.perf_counter() - started, run.counts())
    result = BatchResult(
        out=store.out,
        total=len(keys),
        done=done,
        failed=failed,
        skipped=len(keys) - len(todo),
        ran=run.ran,
        wall_seconds=time.perf_counter() - started,
        interrupted=interrupted,
        metrics_path=metrics,
    )
    if keys and not interrupted and done == 0:
        raise BatchFailedError(result)
    return result


def _preload(batch: RunnerBatch) -> tuple[str, ...]:
    """Modules the forkserver imports once for every worker: the task's and the model's."""
    modules = [
        getattr(getattr(t, "func", t), "__module__", None) for t in (batch.run_task, batch.task)
    ]
    return tuple(dict.fromkeys(m for m in modules if m))


# --- execution -----------------------------------------------------------------------------------
class _Execution:
    """The driver loop of one session."""

    def __init__(
        self,
        batch: RunnerBatch,
        store: Store,
        options: RunnerOptions,
        session: int,
        records: dict[RunKey, RunRecord],
    ):
        self.batch, self.store, self.options, self.session = batch, store, options, session
        self.task = batch.run_task
        self.reporter: Reporter | None = None
        self.attempts: dict[RunKey, int] = {}
        self.in_flight: dict[Future, list[RunSpec]] = {}
        self.pending: deque[RunSpec] = deque()
        self.quarantine: deque[RunSpec] = deque()
        self.stop_requested = False
        self.ran = 0
        self.failed = 0
        done = [r for r in records.values() if r.status == "done"]
        self.timed_runs = len(done)
        self.timed_seconds = sum(r.seconds for r in done)
        self.schema = pq.read_schema(store.chunks / done[0].chunk) if done else None

    # the loop
    def execute(self, todo: list[RunSpec], engine: LocalEngine | DaskEngine) -> bool:
        """Run `todo`; returns True if stopped early by Ctrl-C / SIGTERM."""
        self.engine = engine
        self.pending = deque(todo)
        with self._interrupts():
            while True:
                if self.stop_requested:
                    for future in self.in_flight:
                        future.cancel()
                else:
                    self._fill()
                if not self.in_flight:
                    break
                finished, _ = wait(list(self.in_flight), timeout=0.2, return_when=FIRST_COMPLETED)
                if any([self._collect(f) for f in finished]):
                    self._drain_broken()
        return self.stop_requested and bool(self.pending or self.quarantine)

    @contextmanager
    def _interrupts(self) -> Iterator[None]:
        """First Ctrl-C/SIGTERM: finish running chunks and stop. Second: KeyboardInterrupt."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, frame: Any) -> None:
            if self.stop_requested:
                raise KeyboardInterrupt
            self.stop_requested = True
            if self.reporter:
                self.reporter.note("stopping after the runs in progress (Ctrl-C again to quit now)")

        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        for sig in previous:
            signal.signal(sig, handler)
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)

    def _fill(self) -> None:
        if self.quarantine:  # retry runs of a dead worker one at a time, alone
            if not self.in_flight:
                self._submit([self.quarantine.popleft()])
            return
        while self.pending and len(self.in_flight) < 2 * self.engine.workers:
            size = min(self._chunk_size(), len(self.pending))
            self._submit([self.pending.popleft() for _ in range(size)])

    def _chunk_size(self) -> int:
        if self.options.chunk_size:
            return self.options.chunk_size
        if not self.timed_runs:
            return 1
        mean = max(self.timed_seconds / self.timed_runs, 1e-6)
        size = max(1, round(self.options.chunk_seconds / mean))
        # guided tail: chunks shrink as the end nears, so workers finish together
        tail = math.ceil(len(self.pending) / (4 * self.engine.workers))
        return max(1, min(size, tail, 10_000))

    def _submit(self, chunk: list[RunSpec]) -> None:
        for spec in chunk:
            self.attempts.setdefault(spec.key, 1)
        try:
            future = self.engine.submit(execute_chunk, self.task, chunk)
        except BrokenProcessPool:
            self.engine.restart()
            future = self.engine.submit(execute_chunk, self.task, chunk)
        self.in_flight[future] = chunk

    def _collect(self, future: Future) -> bool:
        """Save a finished chunk; returns True if the local pool is broken."""
        chunk = self.in_flight.pop(future)
        try:
            result = future.result()
        except BrokenProcessPool as exc:
            self._lost(chunk, f"worker process died ({exc})")
            return True
        except CancelledError:
            if not self.stop_requested:
                self._lost(chunk, "cancelled by the executor")
            else:  # not started; it runs on resume
                self.pending.extendleft(reversed(chunk))
            return False
        except Exception as exc:  # e.g. Dask's KilledWorker, or an unpicklable result
            self._lost(chunk, f"{type(exc).__name__}: {exc}")
            return False
        self._save(result)
        return False

    def _drain_broken(self) -> None:
        """After a worker death every other in-flight chunk fails fast too: collect them all,
        then give the executor a fresh pool."""
        while self.in_flight:
            wait(list(self.in_flight))
            for future in list(self.in_flight):
                if future.done():
                    self._collect(future)
        self.engine.restart()

    def _lost(self, chunk: list[RunSpec], reason: str) -> None:
        """Runs whose chunk never came back: retry each once, alone; then record failure."""
        failures: list[tuple[RunKey, str]] = []
        for spec in chunk:
            if self.attempts.get(spec.key, 1) >= 2:
                failures.append((spec.key, f"{reason}; the run also failed when retried alone"))
            else:
                self.attempts[spec.key] = 2
                self.quarantine.append(spec)
        if failures:
            self.store.save_failures(failures, self.attempts, self.session)
            self._count(0, len(failures))

    def _save(self, chunk: ChunkResult) -> None:
        chunk = self._conform(chunk)
        self.store.save(chunk, self.attempts, self.session)
        for outcome in chunk.outcomes:
            if outcome.status == "done":
                self.timed_runs += 1
                self.timed_seconds += outcome.seconds
        failed = sum(1 for o in chunk.outcomes if o.status == "failed")
        self._count(len(chunk.outcomes) - failed, failed)

    def _conform(self, chunk: ChunkResult) -> ChunkResult:
        """Every run of a folder must have the same columns; runs that differ fail."""
        if chunk.table is None:
            return chunk
        schema = chunk.table.schema
        if self.schema is None:
            self.schema = schema
        if schema.equals(self.schema):
            return chunk
        error = f"output columns {schema.names} differ from the folder's {self.schema.names}"
        outcomes = [
            o
            if o.status != "done"
            else RunOutcome(o.scenario, o.replication, "failed", o.seconds, error=error)
            for o in chunk.outcomes
        ]
        return ChunkResult(outcomes, None)

    def counts(self) -> dict[str, Any]:
        """This session's numbers, for the manifest."""
        return {
            "runs_finished": self.ran,
            "runs_failed": self.failed,
            "run_seconds_total": round(self.timed_seconds, 3),
        }

    def _count(self, done: int, failed: int) -> None:
        self.ran += done + failed
        self.failed += failed
        if self.reporter:
            self.reporter.advance(done, failed)
