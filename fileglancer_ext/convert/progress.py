"""Progress reports and cancellation shared by every converter."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..errors import ConversionCancelled


@dataclass(frozen=True)
class Progress:
    """One progress report: `fraction` of the whole job (0-1), bytes of pixels done of
    `bytes_total` (uncompressed), and the current `stage` in words ("level 0", ...)."""

    fraction: float
    bytes_done: int
    bytes_total: int
    stage: str


ProgressCallback = Callable[[Progress], None]


class CancelSignal(Protocol):
    """Anything with is_set(): a CancelToken, threading.Event or multiprocessing.Event."""

    def is_set(self) -> bool: ...


class CancelToken:
    """A cancel flag a job runner sets from another thread; converters check it between
    regions, then remove their partial output and raise ConversionCancelled."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


class ProgressTracker:
    """Adds up bytes done and forwards throttled reports to a callback (if any)."""

    def __init__(
        self,
        callback: ProgressCallback | None,
        cancel: CancelSignal | None,
        bytes_total: int,
        *,
        min_interval_s: float = 0.2,
    ) -> None:
        self._callback = callback
        self._cancel = cancel
        self.bytes_total = max(1, bytes_total)
        self.bytes_done = 0
        self.stage = "starting"
        self._min_interval_s = min_interval_s
        self._last_report = 0.0

    def check_cancelled(self) -> None:
        """Raise ConversionCancelled when the cancel signal is set."""
        if self._cancel is not None and self._cancel.is_set():
            raise ConversionCancelled("the conversion was cancelled")

    def start_stage(self, stage: str) -> None:
        self.stage = stage
        self._report(force=True)

    def advance(self, nbytes: int) -> None:
        self.bytes_done += nbytes
        self._report()

    def finish(self) -> None:
        self.bytes_done = self.bytes_total
        self.stage = "done"
        self._report(force=True)

    def _report(self, *, force: bool = False) -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        if not force and now - self._last_report < self._min_interval_s:
            return
        self._last_report = now
        done = min(self.bytes_done, self.bytes_total)
        self._callback(Progress(done / self.bytes_total, done, self.bytes_total, self.stage))
