"""What a Jupyter user may do with conversion jobs: the jobs API's domain.

Reads are cheap enough to poll every second: a job of this server comes from memory, the
list is one indexed query (plus, now and then, a sweep for jobs that a dead server left
behind).
"""

from __future__ import annotations

import time
from typing import Any

from ..roots import RootRegistry
from .model import ConversionJob
from .runner import JobRunner
from .store import HEARTBEAT_INTERVAL, JobStore
from .submission import parse_submission

DEFAULT_LIST_LIMIT = 50
MAX_LIST_LIMIT = 200


class ConversionJobService:
    """Each user's conversion jobs, checked against the roots; blocking calls."""

    def __init__(self, store: JobStore, runner: JobRunner, registry: RootRegistry) -> None:
        self.store = store
        self.runner = runner
        self.registry = registry
        self._last_sweep = time.monotonic()

    def submit(self, owner: str, body: dict[str, Any]) -> ConversionJob:
        """Queue the conversion `body` asks for; returns the queued job. Raises what
        `parse_submission` raises, or Conflict when the server is stopping."""
        return self.runner.submit(owner, parse_submission(body, self.registry))

    def list_for_owner(self, owner: str, limit: int = DEFAULT_LIST_LIMIT) -> list[ConversionJob]:
        """The owner's newest `limit` jobs (1..MAX_LIST_LIMIT), newest first."""
        self._sweep_abandoned()
        limit = max(1, min(limit, MAX_LIST_LIMIT))
        return [self._live(job) for job in self.store.list_for_owner(owner, limit)]

    def get(self, owner: str, job_id: str) -> ConversionJob:
        """The owner's job; NotFound for another user's or an unknown one."""
        live = self.runner.current(job_id)
        if live is not None and live.owner == owner:
            return live
        return self._live(self.store.get(owner, job_id))

    def cancel(self, owner: str, job_id: str) -> ConversionJob:
        """Cancel the owner's job if it is queued or running; a finished job is returned
        as it is (cancelling twice, or just too late, is harmless). NotFound as `get`."""
        job = self.get(owner, job_id)
        if not job.unfinished:
            return job
        cancelled = self.runner.cancel(job_id)
        # Not this server's job (another server of the same user runs it): nothing to stop.
        return job if cancelled is None else cancelled

    def _live(self, job: ConversionJob) -> ConversionJob:
        return self.runner.current(job.id) or job

    def _sweep_abandoned(self) -> None:
        # Jobs of a server that died while this one runs (a hub's named servers share
        # one database): notice them at the pace their heartbeats go stale.
        if time.monotonic() - self._last_sweep < HEARTBEAT_INTERVAL:
            return
        self._last_sweep = time.monotonic()
        self.runner.interrupt_abandoned()
