"""A conversion job as the API shows it: what was asked, where it stands, how it ended."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..database import iso_time

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"
INTERRUPTED = "interrupted"

UNFINISHED_STATES = (QUEUED, RUNNING)
FINISHED_STATES = (DONE, FAILED, CANCELLED, INTERRUPTED)

# An ETA from the first percent of a job is noise: say nothing until then.
_ETA_MIN_FRACTION = 0.01


@dataclass(frozen=True)
class ConversionJob:
    """One job. Times are POSIX seconds; `options` is the JSON the user sent, as checked.

    `runner` names the server process ("host:pid") that runs or ran the job, and
    `heartbeat` is when that process last said it is still at it (see `store.py`).
    `cancel_requested` lives only in memory, between a cancel and the job's end.
    """

    id: str
    owner: str
    kind: str
    source_root: str
    source_path: str
    destination_root: str
    destination_path: str
    options: dict[str, Any]
    engine: str
    state: str = QUEUED
    progress: float = 0.0
    bytes_done: int = 0
    bytes_total: int = 0
    stage: str = ""
    error_code: str | None = None
    error_message: str | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    result: dict[str, Any] | None = None
    runner: str = ""
    heartbeat: float | None = None
    cancel_requested: bool = False

    @property
    def unfinished(self) -> bool:
        return self.state in UNFINISHED_STATES

    def eta_seconds(self, now: float | None = None) -> int | None:
        """Seconds left at the rate so far; None unless running and past the first percent."""
        if self.state != RUNNING or self.started is None or self.progress < _ETA_MIN_FRACTION:
            return None
        now = time.time() if now is None else now
        elapsed = max(0.0, now - self.started)
        return round(elapsed * (1.0 - self.progress) / self.progress)

    def to_json(self) -> dict[str, Any]:
        error = None
        if self.error_code is not None:
            error = {"code": self.error_code, "message": self.error_message or ""}
        return {
            "id": self.id,
            "owner": self.owner,
            "kind": self.kind,
            "source": {"root": self.source_root, "path": self.source_path},
            "destination": {"root": self.destination_root, "path": self.destination_path},
            "options": self.options,
            "engine": self.engine,
            "state": self.state,
            "progress": self.progress,
            "bytes_done": self.bytes_done,
            "bytes_total": self.bytes_total,
            "stage": self.stage,
            "eta_seconds": self.eta_seconds(),
            "error": error,
            "cancel_requested": self.cancel_requested,
            "created": iso_time(self.created),
            "started": iso_time(self.started),
            "finished": iso_time(self.finished),
            "result": self.result,
        }
