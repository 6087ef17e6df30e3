"""How a conversion runs, passed as one value from the entry points (`api`, the jobs
runner) through `registry` to every writer, instead of four keyword arguments in each."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..system.confined_io import Within
from .plan import TaskExecutor, local_executor
from .progress import CancelSignal, ProgressCallback, ProgressTracker


@dataclass(frozen=True)
class RunControls:
    """`progress` receives Progress reports; `cancel` has is_set() (e.g. CancelToken);
    `executor` runs region tasks (None: this process, or a pool of `options.workers`
    processes); `within` is where the source's files may lie (None: the source's own
    folder, or for a file the file itself; see `api`)."""

    progress: ProgressCallback | None = None
    cancel: CancelSignal | None = None
    executor: TaskExecutor | None = None
    within: Within | None = None

    def tracker(self, bytes_total: int) -> ProgressTracker:
        """A tracker reporting to `progress` and watching `cancel`."""
        return ProgressTracker(self.progress, self.cancel, bytes_total)

    @contextmanager
    def running(self, workers: int) -> Iterator[TaskExecutor]:
        """The given executor, or one of `workers` local processes for the duration."""
        if self.executor is not None:
            yield self.executor
        else:
            with local_executor(workers) as executor:
                yield executor


NO_CONTROLS = RunControls()
