"""Progress display: a rich bar on a terminal, a few plain lines otherwise (logs, CI, pipes)."""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class Reporter:
    """Counts runs done and failed; shows them with the time left."""

    def __init__(self, total: int, already: int, enabled: bool = True, label: str = "runs"):
        self.total, self.done, self.failed = total, already, 0
        self.console = Console(stderr=True)
        self.enabled = enabled
        self.live = enabled and self.console.is_terminal
        self.label = label
        self._last_line = time.monotonic()
        self._progress: Progress | None = None

    def __enter__(self) -> Reporter:
        if self.live:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("[red]{task.fields[failed]} failed"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=self.console,
                refresh_per_second=4,
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task(
                self.label, total=self.total, completed=self.done, failed=0
            )
        return self

    def advance(self, done: int = 0, failed: int = 0) -> None:
        self.done += done + failed
        self.failed += failed
        if self._progress is not None:
            self._progress.update(self._task, completed=self.done, failed=self.failed)
        elif self.enabled and time.monotonic() - self._last_line > 10:
            self._last_line = time.monotonic()
            self.note(f"{self.label}: {self.done}/{self.total} finished, {self.failed} failed")

    def note(self, message: str) -> None:
        if self._progress is not None:
            self._progress.console.print(message)
        elif self.enabled:
            print(message, file=sys.stderr, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
