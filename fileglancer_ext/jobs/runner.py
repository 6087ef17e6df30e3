"""Runs conversion jobs off the event loop, a few at a time, and records how they go.

`max_running_jobs` worker threads each take one job at a time from a queue; a job's
thread calls the conversion library, whose region tasks run on the engine (a pool of
processes of its own, or a Dask cluster). The thread holds the job in memory, where the
API reads it, and writes its progress to the store at most once per `progress_interval`.
A cancel sets the job's CancelToken: the library stops between tasks and removes its
partial output. Stopping the server cancels everything and records it as "interrupted".

A job resolves its source and destination folder again when it starts (they must lead
where they led at submission) and holds the folder open until its workers have stopped
(see `convert.atomic`). The partial output of a job whose server died (kill -9, a crash)
is removed by the next server that marks the job interrupted.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import re
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from ..convert import CancelToken, ConversionResult, Progress
from ..convert.atomic import DestinationFolder, remove_abandoned_staging, writing_into
from ..convert.controls import RunControls
from ..convert.plan import TaskExecutor
from ..convert.registry import KINDS
from ..errors import Conflict, ConversionCancelled, FileglancerError
from ..roots import RootRegistry
from .engines import ConversionEngine
from .model import (
    CANCELLED,
    DONE,
    FAILED,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    ConversionJob,
)
from .store import HEARTBEAT_INTERVAL, INTERRUPTED_MESSAGE, JobStore, runner_is_gone, this_runner
from .submission import JobRequest, destination_folder, resolve_again

log = logging.getLogger(__name__)


@dataclass
class _ActiveJob:
    """A queued or running job of this server, with what it needs to run."""

    job: ConversionJob  # replaced whole on every change: readers never see a half update
    request: JobRequest
    cancel: CancelToken = field(default_factory=CancelToken)
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_saved: float = 0.0
    future: cf.Future | None = None


class JobRunner:
    """Queues and runs this server's conversion jobs; every method returns at once."""

    def __init__(
        self,
        store: JobStore,
        engine: ConversionEngine,
        registry: RootRegistry,
        *,
        max_running_jobs: int = 1,
        progress_interval: float = 1.0,
    ) -> None:
        self.store = store
        self.engine = engine
        self.registry = registry
        self.max_running_jobs = max(1, max_running_jobs)
        self.progress_interval = progress_interval
        self.runner_id = this_runner()
        self._threads = cf.ThreadPoolExecutor(
            self.max_running_jobs, thread_name_prefix="fileglancer-job"
        )
        self._active: dict[str, _ActiveJob] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.interrupt_abandoned()
        # Also the leftovers of jobs interrupted before (by a server without their root,
        # or one that died while cleaning up); off the start-up path: it lists folders.
        self._cleanup = threading.Thread(
            target=self.remove_leftovers, name="fileglancer-job-cleanup", daemon=True
        )
        self._cleanup.start()
        self._heartbeat = threading.Thread(
            target=self._beat, name="fileglancer-job-heartbeat", daemon=True
        )
        self._heartbeat.start()

    # --- what the service calls ---------------------------------------------------------

    def submit(self, owner: str, request: JobRequest) -> ConversionJob:
        """Record a new queued job for `request` and queue it; returns the job."""
        if self._stopping.is_set():
            raise Conflict("The server is stopping; submit the conversion again after it restarts.")
        now = time.time()
        job = ConversionJob(
            id=secrets.token_hex(8),
            owner=owner,
            kind=request.kind,
            source_root=request.source_root,
            source_path=request.source_path,
            destination_root=request.destination_root,
            destination_path=request.destination_path,
            options=request.options_json,
            engine=self.engine.name,
            created=now,
            runner=self.runner_id,
            heartbeat=now,
        )
        self.store.create(job)
        active = _ActiveJob(job, request)
        with self._lock:
            self._active[job.id] = active
        active.future = self._threads.submit(self._run, active)
        return job

    def current(self, job_id: str) -> ConversionJob | None:
        """The in-memory state of a queued or running job of this server, else None."""
        active = self._active.get(job_id)
        return None if active is None else active.job

    def active_ids(self) -> list[str]:
        with self._lock:
            return list(self._active)

    def cancel(self, job_id: str) -> ConversionJob | None:
        """Cancel a queued (at once) or running (between tasks) job; None if not active.

        Returns the job as it is now: "cancelled" if it had not started, otherwise still
        "running" with `cancel_requested` until the library has cleaned up.
        """
        active = self._active.get(job_id)
        if active is None:
            return None
        with active.lock:
            active.cancel.cancel()
            if active.job.state == QUEUED:
                self._finish(active, CANCELLED)
            else:
                active.job = replace(active.job, cancel_requested=True)
        return active.job

    def interrupt_abandoned(self) -> list[str]:
        """Mark interrupted the unfinished jobs whose server is gone (not this one's), and
        remove their partial outputs; returns their ids."""
        interrupted = self.store.interrupt_abandoned(keep=self.active_ids())
        if interrupted:
            log.info(
                "fileglancer: marked %d abandoned conversion job(s) interrupted", len(interrupted)
            )
            self.remove_leftovers(self.store.jobs_by_id(interrupted))
        return interrupted

    def remove_leftovers(self, jobs: list[ConversionJob] | None = None) -> None:
        """Remove the partial outputs of interrupted `jobs` (default: the newest ones).

        Only staging folders whose marker names the job, made by a server process of this
        host that is not running any more (or by this very process in an earlier life: a
        container restarted with the same pid), in the roots this server has."""
        try:
            if jobs is None:
                jobs = self.store.interrupted_jobs()
            for job in jobs:
                self._remove_leftovers_of(job)
        except Exception:  # best effort: a leftover is removed at the next start
            log.exception("fileglancer: could not remove partial conversion outputs")

    def _remove_leftovers_of(self, job: ConversionJob) -> None:
        if job.id in self._active:
            return
        folder_path, _, name = job.destination_path.rpartition("/")
        try:
            folder = self.registry.resolve(job.destination_root, folder_path).real
        except FileglancerError:  # not a root of this server, or the folder is gone
            return

        def abandoned(marker: dict) -> bool:
            # Only a process of this host is known to be gone: a job elsewhere is marked
            # interrupted when its heartbeat is late, and may be writing still (its
            # host's next server removes what it left).
            runner = str(marker.get("runner"))
            return marker.get("job") == job.id and (
                runner == self.runner_id or runner_is_gone(runner)
            )

        removed = remove_abandoned_staging(folder, name, abandoned)
        if removed:
            log.info("fileglancer: removed the partial output of interrupted job %s", job.id)

    def shutdown(self, timeout: float = 30.0) -> None:
        """Cancel every job, wait up to `timeout` s for running ones to clean up, and
        record all of them as interrupted. Blocking: call it off the event loop."""
        self._stopping.set()
        with self._lock:
            actives = list(self._active.values())
        for active in actives:
            with active.lock:
                active.cancel.cancel()
                if active.job.state == QUEUED:
                    self._finish(active, INTERRUPTED, error=("interrupted", INTERRUPTED_MESSAGE))
        running = [a.future for a in actives if a.future is not None]
        cf.wait(running, timeout=timeout)
        for active in actives:  # stuck past the timeout: record it anyway
            with active.lock:
                if active.job.unfinished:
                    self._finish(active, INTERRUPTED, error=("interrupted", INTERRUPTED_MESSAGE))
        self._threads.shutdown(wait=False, cancel_futures=True)

    # --- in the job's thread ------------------------------------------------------------

    def _run(self, active: _ActiveJob) -> None:
        with active.lock:
            if not active.job.unfinished:  # cancelled while queued
                return
            active.job = replace(active.job, state=RUNNING, started=time.time(), stage="starting")
        self._save(active, progress_only=False)
        request = active.request
        try:
            # The folder is let go (and what a late write left in it removed) only once
            # the executor below has stopped its workers.
            with self._hold_destination(active) as folder, writing_into(folder):
                if KINDS[request.kind].parallel:
                    with self.engine.executor() as executor:
                        result = self._convert(active, executor)
                else:
                    result = self._convert(active, None)
        except ConversionCancelled:
            with active.lock:
                if self._stopping.is_set():
                    self._finish(active, INTERRUPTED, error=("interrupted", INTERRUPTED_MESSAGE))
                else:
                    self._finish(active, CANCELLED)
        except BrokenProcessPool:
            message = "A worker process stopped abruptly (out of memory?); nothing was written."
            with active.lock:
                self._finish(active, FAILED, error=("worker_died", message))
        except FileglancerError as err:
            with active.lock:
                self._finish(
                    active, FAILED, error=(err.code, _shown(err.message, request, self.registry))
                )
        except Exception as err:
            log.exception("fileglancer: conversion job %s failed", active.job.id)
            message = f"The conversion failed unexpectedly ({type(err).__name__}: {err})."
            with active.lock:
                self._finish(
                    active,
                    FAILED,
                    error=("internal_error", _shown(message, request, self.registry)),
                )
        else:
            summary = result.to_json()
            summary.pop("destination", None)  # the server's real path; the job names it
            with active.lock:
                self._finish(active, DONE, result=summary)

    @contextmanager
    def _hold_destination(self, active: _ActiveJob) -> Iterator[DestinationFolder]:
        """The job's destination folder, resolved again and held open while it runs."""
        request = active.request
        resolve_again(request, self.registry)
        folder = DestinationFolder(
            request.destination.parent,
            locate=lambda: destination_folder(request, self.registry),
            # Workers on other machines (Dask) cannot reach this process's descriptor.
            through_fd=self.engine.workers_are_local or not KINDS[request.kind].parallel,
            owner={"job": active.job.id},
        )
        try:
            yield folder
        finally:
            folder.close()

    def _convert(self, active: _ActiveJob, executor: TaskExecutor | None) -> ConversionResult:
        request = active.request
        # Checked at submission (`parse_submission`) and resolved again (`resolve_again`).
        return KINDS[request.kind].write(
            request.source,
            request.destination,
            request.options,
            RunControls(
                progress=lambda report: self._on_progress(active, report),
                cancel=active.cancel,
                executor=executor,
                # Where the inspector reads this source: its root (or every root, if allowed).
                within=self.registry.within(request.source_root),
            ),
        )

    def _on_progress(self, active: _ActiveJob, report: Progress) -> None:
        with active.lock:
            if not active.job.unfinished:
                return
            active.job = replace(
                active.job,
                progress=report.fraction,
                bytes_done=report.bytes_done,
                bytes_total=report.bytes_total,
                stage=report.stage,
            )
        if time.monotonic() - active.last_saved >= self.progress_interval:
            self._save(active, progress_only=True)

    def _finish(
        self,
        active: _ActiveJob,
        state: str,
        *,
        error: tuple[str, str] | None = None,
        result: dict | None = None,
    ) -> None:
        """End the job (caller holds its lock): record it and forget it."""
        job = active.job
        if not job.unfinished and state != DONE:
            return  # already recorded as ended (a shutdown that stopped waiting for it)
        changes: dict = {"state": state, "finished": time.time(), "cancel_requested": False}
        if state == DONE:
            changes.update(progress=1.0, bytes_done=job.bytes_total, stage="done")
        if error is not None:
            changes.update(error_code=error[0], error_message=error[1])
        if result is not None:
            changes["result"] = result
        active.job = replace(job, **changes)
        self._save(active, progress_only=False)
        with self._lock:
            self._active.pop(job.id, None)

    def _save(self, active: _ActiveJob, *, progress_only: bool) -> None:
        active.last_saved = time.monotonic()
        try:
            if progress_only:
                self.store.save_progress(active.job)
            else:
                self.store.save(replace(active.job, heartbeat=time.time()))
        except Exception:  # the database is away: the job goes on, the next save may work
            log.exception("fileglancer: could not record conversion job %s", active.job.id)

    def _beat(self) -> None:
        while not self._stopping.wait(HEARTBEAT_INTERVAL):
            try:
                self.store.heartbeat(self.active_ids())
            except Exception:
                log.exception("fileglancer: could not record the conversion jobs' heartbeat")


def _shown(message: str, request: JobRequest, registry: RootRegistry) -> str:
    """`message` with the server's real paths replaced by the user's (root, path) names:
    the job's own locations as the user named them, any other place in a root as
    "root:path", and a path outside every root (a library's file, say) not at all."""
    names = {
        str(request.destination): f"{request.destination_root}:{request.destination_path}",
        str(request.source): f"{request.source_root}:{request.source_path}",
        str(request.destination.parent): f"{request.destination_root}:"
        + request.destination_path.rpartition("/")[0],
    }
    for real in sorted(names, key=len, reverse=True):
        message = message.replace(real, names[real])
    # What workers wrote through: the destination folder's descriptor (convert.atomic).
    message = _HELD_FOLDER.sub(lambda _: names[str(request.destination.parent)], message)
    message = _SERVER_PATH.sub("(a server path)", registry.shown(message))
    # A name inside the source that is not UTF-8 (a surrogate escape) as \xNN: the store
    # and JSON take only valid Unicode.
    return message.encode("utf-8", "backslashreplace").decode("utf-8")


_HELD_FOLDER = re.compile(r"/proc/\d+/fd/\d+")
# An absolute path left after the replacements above: a slash that starts a word.
_SERVER_PATH = re.compile(r"(?<![\w.:/-])/[^\s'\"]+")
