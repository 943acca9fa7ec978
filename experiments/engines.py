"""Where chunks run: a local process pool, or a Dask cluster, both behind concurrent.futures.

The local pool uses the `forkserver` start method (`spawn` where that is missing): the driver
has threads (the progress bar, Dask's client) and forking a threaded process can deadlock, while
forkserver forks workers from a clean single-threaded server that has already imported the model.
Workers are reused for the whole batch, and exit when the driver does (`start_worker`): a driver
killed with kill -9 leaves no worker, forkserver or resource tracker behind.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

from experiments.errors import UserError
from experiments.worker import start_worker


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def start_forkserver(preload: tuple[str, ...] = ()) -> str:
    """Start the forkserver now; it imports the model in the background (about a second), so
    the CLI calls this first and the imports overlap with reading the scenario files."""
    if "forkserver" not in mp.get_all_start_methods():
        return "spawn"
    from multiprocessing import forkserver

    mp.get_context("forkserver").set_forkserver_preload(["experiments.worker", *preload])
    forkserver.ensure_running()
    return "forkserver"


class LocalEngine:
    """A process pool on this machine that can be rebuilt after a worker dies."""

    kind = "local"

    def __init__(self, workers: int | None = None, preload: tuple[str, ...] = ()):
        self.workers = workers or default_workers()
        method = start_forkserver(preload)
        self.context = mp.get_context(method)
        self.description = f"local process pool ({self.workers} workers, {method})"
        # The workers' lifeline: they hold the read end and exit at its EOF, when this process
        # ends (kill -9 included) or closes the engine; only this process holds the write end.
        self._lifeline_read, self._lifeline = self.context.Pipe(duplex=False)
        self.pool: Executor = self._new_pool()

    def _new_pool(self) -> Executor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self.context,
            initializer=start_worker,
            initargs=(self._lifeline_read,),
        )

    def submit(self, fn: Any, *args: Any) -> Future:
        return self.pool.submit(fn, *args)

    def restart(self) -> None:
        """Replace a broken pool (a worker died) with a fresh one."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._new_pool()

    def close(self, cancel: bool = False) -> None:
        """Shut down; with cancel, drop queued chunks and stop the workers now."""
        try:
            if not cancel:
                self.pool.shutdown(wait=True)
                return
            processes = list(getattr(self.pool, "_processes", {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
        finally:
            self._lifeline.close()  # any worker still there exits
            self._lifeline_read.close()


class DaskEngine:
    """A Dask cluster reached through `Client(address).get_executor()`; Dask replaces dead
    workers itself and reports a task that kills every worker as KilledWorker."""

    kind = "dask"

    def __init__(self, address: str, timeout: str = "10s"):
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
            raise UserError(f"--scheduler needs dask.distributed ({exc})") from None
        try:
            self.client = Client(address, timeout=timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UserError(
                f"--scheduler {address}: cannot reach a Dask scheduler ({exc}); allowed: the "
                "address of a running scheduler, e.g. tcp://10.0.0.5:8786"
            ) from None
        self.pool = self.client.get_executor(pure=False)
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.description = f"Dask scheduler {address} ({self.workers} worker threads)"

    def submit(self, fn: Any, *args: Any) -> Future:
        return self.pool.submit(fn, *args)

    def restart(self) -> None:
        """Nothing to do: the cluster replaces dead workers."""

    def close(self, cancel: bool = False) -> None:
        try:
            self.pool.shutdown(wait=not cancel)
        finally:
            self.client.close()


def make_engine(
    workers: int | None = None, scheduler: str | None = None, preload: tuple[str, ...] = ()
) -> LocalEngine | DaskEngine:
    if scheduler:
        return DaskEngine(scheduler)
    return LocalEngine(workers, preload)
