"""The result store of one output folder: manifest, ledger, chunk files, final metrics.

Layout (all written by the driver only):

    OUT/manifest.json        what was run and how (scenario texts, parameters, seeds, versions)
    OUT/ledger.jsonl         one JSON line per finished chunk: each run's status, timing, error
    OUT/chunks/chunk-N.parquet  the rows of the chunk's finished runs, run after run
    OUT/metrics.parquet      the sorted concatenation of every finished run of the batch

Crash safety: a chunk file is written to a temporary name, fsynced and renamed (`os.replace`)
*before* its ledger line is appended and fsynced. A run counts as finished only if its ledger
line exists and names an existing chunk file, so a crash at any point loses at most the chunks
in flight, never a finished run, and never makes a run count twice. Chunk files no ledger line
refers to (a crash between rename and append) are deleted when the store is reopened.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.errors import UserError
from experiments.worker import KEY_COLUMNS, ChunkResult

MANIFEST = "manifest.json"
LEDGER = "ledger.jsonl"
CHUNKS = "chunks"
METRICS_FILE = "metrics.parquet"
ROW_GROUP_ROWS = 65_536
# Dictionary-encode and keep statistics for the key columns only: the metric columns are
# high-entropy floats (dictionaries only cost time), and key statistics let readers skip row
# groups of other scenarios.
PARQUET_OPTIONS = {
    "use_dictionary": ["scenario", "country"],
    "write_statistics": ["scenario", "replication", "year", "country"],
}
RunKey = tuple[str, int]


@dataclass(frozen=True)
class RunRecord:
    """The ledger's word on one run."""

    scenario: str
    replication: int
    status: str  # "done" | "failed"
    attempt: int
    seconds: float
    session: int
    chunk: str | None = None
    offset: int | None = None  # first row of the run in its chunk file
    rows: int = 0
    error: str | None = None

    @property
    def key(self) -> RunKey:
        return (self.scenario, self.replication)


def fsync_dir(path: Path) -> None:
    """Make a rename durable (no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that readers see the old or the new content, never a mix."""
    tmp = _tmp_name(path)
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:  # a failed write (a folder in the way, a full disk) leaves no temporary file
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def write_table(path: Path, table: pa.Table) -> None:
    """Write one Parquet file atomically (temporary name, fsync, rename, fsync the folder)."""
    tmp = _tmp_name(path)
    try:
        with pq.ParquetWriter(tmp, table.schema, **PARQUET_OPTIONS) as writer:
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def check_writable_folder(folder: Path, what: str = "output folder", option: str = "--out") -> None:
    """Refuse, with one line naming the folder, a folder that cannot hold output (a file, under
    a file, not writable, a read-only filesystem): creates it and writes a probe file there, so
    a command can check before any work starts. `what` and `option` word the message."""
    allowed = f"allowed: a folder this user can create or write in ({option})"
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{what} {folder}: is a file, not a folder; {allowed}")
    probe = _tmp_name(folder / "write-probe")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UserError(f"{what} {folder}: cannot write there ({reason}); {allowed}") from None


class Store:
    """One output folder. Not thread-safe; only the driver uses it."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.chunks = self.out / CHUNKS
        self.ledger_path = self.out / LEDGER
        self.manifest_path = self.out / MANIFEST
        self.metrics_path = self.out / METRICS_FILE
        self._last_chunk: int | None = None

    # --- opening ---------------------------------------------------------------------------
    def check_writable(self) -> None:
        """Refuse, with one line naming the folder, an output folder that cannot hold results
        (a file, under a file, not writable, a read-only filesystem), before anything runs."""
        check_writable_folder(self.out)

    def prepare(self) -> None:
        """Create the folder and drop a torn last ledger line left by a crash mid-write."""
        self.chunks.mkdir(parents=True, exist_ok=True)
        if self.ledger_path.exists():
            data = self.ledger_path.read_bytes()
            if data and not data.endswith(b"\n"):
                with open(self.ledger_path, "rb+") as fh:
                    fh.truncate(data.rfind(b"\n") + 1)
                    os.fsync(fh.fileno())
        for tmp in [*self.out.glob(".*.tmp"), *self.chunks.glob(".*.tmp")]:
            tmp.unlink(missing_ok=True)

    def clear(self) -> None:
        """Forget every result in the folder (for --overwrite)."""
        for path in (self.ledger_path, self.manifest_path, self.metrics_path):
            path.unlink(missing_ok=True)
        if self.chunks.exists():
            for chunk in self.chunks.glob("*.parquet"):
                chunk.unlink()

    def read_manifest(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        atomic_write_text(self.manifest_path, json.dumps(manifest, indent=2, default=str) + "\n")

    # --- the ledger --------------------------------------------------------------------------
    def records(self) -> dict[RunKey, RunRecord]:
        """The latest record of every run; a done run whose chunk file is gone does not count."""
        latest: dict[RunKey, RunRecord] = {}
        if not self.ledger_path.exists():
            return latest
        with open(self.ledger_path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                    runs = [RunRecord(**run) for run in entry["runs"]]
                except (ValueError, KeyError, TypeError):
                    continue  # an unreadable line: its runs simply run again
                for run in runs:
                    latest[run.key] = run
        for key, run in list(latest.items()):
            if run.status == "done" and not (run.chunk and (self.chunks / run.chunk).is_file()):
                del latest[key]
        return latest

    def remove_orphans(self, records: dict[RunKey, RunRecord]) -> int:
        """Delete chunk files that no done record refers to; returns how many."""
        used = {r.chunk for r in records.values() if r.status == "done"}
        removed = 0
        for chunk in self.chunks.glob("chunk-*.parquet"):
            if chunk.name not in used:
                chunk.unlink()
                removed += 1
        return removed

    def _next_chunk_name(self) -> str:
        if self._last_chunk is None:  # scan once per session, then count
            numbers = [int(p.stem.split("-")[1]) for p in self.chunks.glob("chunk-*.parquet")]
            self._last_chunk = max(numbers, default=0)
        self._last_chunk += 1
        return f"chunk-{self._last_chunk:06d}.parquet"

    def _append(self, records: Sequence[RunRecord], chunk: str | None) -> None:
        line = json.dumps(
            {"chunk": chunk, "time": time.time(), "runs": [asdict(r) for r in records]}
        )
        with open(self.ledger_path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def save(
        self, chunk: ChunkResult, attempts: dict[RunKey, int], session: int
    ) -> list[RunRecord]:
        """Persist a finished chunk: its table first (atomically), then its ledger line."""
        name = self._next_chunk_name() if chunk.table is not None else None
        if name:
            write_table(self.chunks / name, chunk.table)
        records, offset = [], 0
        for o in chunk.outcomes:
            done = o.status == "done" and name is not None
            records.append(
                RunRecord(
                    scenario=o.scenario,
                    replication=o.replication,
                    status=o.status,
                    attempt=attempts.get(o.key, 1),
                    seconds=round(o.seconds, 6),
                    session=session,
                    chunk=name if done else None,
                    offset=offset if done else None,
                    rows=o.rows if done else 0,
                    error=o.error,
                )
            )
            offset += o.rows if done else 0
        self._append(records, name)
        return records

    def save_failures(
        self, failures: Sequence[tuple[RunKey, str]], attempts: dict[RunKey, int], session: int
    ) -> list[RunRecord]:
        """Record runs that could not finish (their worker died twice) as failed."""
        records = [
            RunRecord(key[0], key[1], "failed", attempts.get(key, 1), 0.0, session, error=error)
            for key, error in failures
        ]
        self._append(records, None)
        return records

    # --- the final table -----------------------------------------------------------------------
    def finalize(self, keys: Sequence[RunKey], records: dict[RunKey, RunRecord]) -> Path:
        """Write metrics.parquet: the finished runs among `keys`, in that order. Runs are read
        from their chunk files a few chunks at a time and written in row groups, so the whole
        archive is never held in memory."""
        wanted = [records[k] for k in keys if k in records and records[k].status == "done"]
        schema = self._schema(wanted)
        tmp = _tmp_name(self.metrics_path)
        try:
            with pq.ParquetWriter(tmp, schema, **PARQUET_OPTIONS) as writer:
                for table in self._grouped(wanted, schema):
                    writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.metrics_path)
        finally:
            tmp.unlink(missing_ok=True)
        fsync_dir(self.out)
        return self.metrics_path

    def _schema(self, wanted: Sequence[RunRecord]) -> pa.Schema:
        if not wanted:
            types = {"replication": pa.int64(), "year": pa.int64()}
            return pa.schema([(c, types.get(c, pa.string())) for c in KEY_COLUMNS])
        return pq.read_schema(self.chunks / wanted[0].chunk).remove_metadata()

    def _grouped(self, wanted: Sequence[RunRecord], schema: pa.Schema) -> Iterable[pa.Table]:
        """Run tables batched into row groups of about ROW_GROUP_ROWS rows (deterministic)."""
        cache: dict[str, pa.Table] = {}
        buffer: list[pa.Table] = []
        rows = 0
        for span in _spans(wanted):
            chunk = span[0].chunk
            if chunk not in cache:
                if len(cache) >= 8:
                    cache.pop(next(iter(cache)))
                cache[chunk] = pq.ParquetFile(self.chunks / chunk).read(use_threads=False)
            table = cache[chunk].slice(span[0].offset, sum(r.rows for r in span))
            self._check(table, span, schema)
            buffer.append(table)
            rows += len(table)
            if rows >= ROW_GROUP_ROWS:
                yield pa.concat_tables(buffer).combine_chunks()
                buffer, rows = [], 0
        yield pa.concat_tables(buffer).combine_chunks() if buffer else schema.empty_table()

    @staticmethod
    def _check(table: pa.Table, span: Sequence[RunRecord], schema: pa.Schema) -> None:
        """Refuse to write rows unless they are exactly the ledger's runs, row for row."""
        if not table.schema.equals(schema):
            raise RuntimeError(
                f"{span[0].chunk} has columns {table.schema.names}, expected {schema.names}"
            )
        counts = [r.rows for r in span]
        scenarios = np.repeat([r.scenario for r in span], counts)
        replications = np.repeat([r.replication for r in span], counts)
        if (
            len(table) != len(replications)
            or not np.array_equal(table.column("replication").to_numpy(), replications)
            or not np.array_equal(
                table.column("scenario").to_numpy(zero_copy_only=False), scenarios.astype(object)
            )
        ):
            raise RuntimeError(
                f"{span[0].chunk} does not hold the runs the ledger says it holds "
                "(damaged store); rerun with --overwrite"
            )


def _spans(records: Sequence[RunRecord]) -> Iterable[list[RunRecord]]:
    """Consecutive runs that sit next to each other in the same chunk file, read as one slice."""
    span: list[RunRecord] = []
    for record in records:
        if (
            span
            and record.chunk == span[-1].chunk
            and (record.offset == span[-1].offset + span[-1].rows)
        ):
            span.append(record)
            continue
        if span:
            yield span
        span = [record]
    if span:
        yield span
