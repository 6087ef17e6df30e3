"""`StatsService`: storage statistics computed in background threads, cached while valid.

`request(path, within=...)` never blocks longer than its `wait`: it answers from the cache,
or starts (or joins) a computation and reports its progress. Answers are JSON dicts:

- `{"state": "done", ...}` with the figures of `inspection.stats.core.compute_stats`;
- `{"state": "computing", "files_seen", "bytes_seen", "started"}` (unix seconds);
- `{"state": "error", "error": code, "message": ...}`: the path vanished (`not_found`), cannot
  be read (`forbidden`), or another I/O error or a bug (`internal_error`; a bug's detail
  goes to the server's log only). The message names no server path. The next request after
  an error tries again.

How the cache tells that a result is stale: every folder's mtime_ns is recorded during the
walk, before the folder is listed (files: their own mtime), and a cached result is used only
while every one of them is unchanged (one lstat per folder per request: O(folders)). That
notices files added, removed or renamed anywhere in the tree (new chunks in nested "/"
chunk folders change their own folder's mtime, not the root's), and a folder replaced or
removed. It does NOT notice a file rewritten in place (a chunk or shard overwritten with new
content and size, a metadata document edited in place): its folder's mtime stays. Writers
that write a temporary file and rename it (zarr-python, tensorstore) do change the folder.
A result whose newest folder changed less than `racy_seconds` before the walk started is
answered once and not cached: coarse mtime clocks could hide a change made right after.

Thread-safe; no tornado: handlers call `request` (cheap unless `wait` > 0) and `close()`
on shutdown, which cancels running walks and stops the workers.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...system.confined_io import Within
from .core import Cancelled, Progress, StatsResult, scan_stats
from .walk import WalkPool

log = logging.getLogger(__name__)

RACY_SECONDS = 2.0
DEFAULT_WORKERS = 2
DEFAULT_MAX_CACHED = 256
# Folder stamps held by the whole cache: a million is some 100 MB at worst.
DEFAULT_MAX_CACHED_DIRS = 1_000_000
# A finished job whose answer nobody collected (an error, an uncached result) is dropped after this.
FINISHED_JOB_TTL_SECONDS = 300.0

Compute = Callable[[Path, Progress, Within | None], StatsResult]
# A result is cached per path and where its metadata may be read from (a path inside two
# roots may be read under two confinements).
_Key = tuple[str, Within | None]


@dataclass
class _Job:
    """One background computation; `result` or `error` are set before `done`."""

    key: _Key
    progress: Progress = field(default_factory=Progress)
    started: float = field(default_factory=time.time)
    done: threading.Event = field(default_factory=threading.Event)
    finished: float = 0.0
    result: StatsResult | None = None
    error: dict[str, Any] | None = None
    future: Future[None] | None = None


@dataclass
class _Cached:
    result: StatsResult
    trusted: bool


class StatsService:
    """Answers `request(path)` at once; computes statistics in a pool of worker threads.

    `executor`: run computations there instead of an own pool of `workers` threads (not
    shut down by `close`). `processes` > 1: large walks go on in a pool of that many
    worker processes (see `walk`), started at first need and stopped by `close`.
    `compute(path, progress, within)`: the computation (tests inject one).
    `wait`: default seconds `request` waits for a computation to finish before answering
    "computing"; 0 answers at once. The cache keeps up to `max_cached` results (least
    recently used dropped first) holding up to `max_cached_dirs` folder stamps in all.
    """

    def __init__(
        self,
        *,
        workers: int = DEFAULT_WORKERS,
        executor: Executor | None = None,
        processes: int = 1,
        compute: Compute | None = None,
        wait: float = 0.0,
        max_cached: int = DEFAULT_MAX_CACHED,
        max_cached_dirs: int = DEFAULT_MAX_CACHED_DIRS,
        racy_seconds: float = RACY_SECONDS,
    ) -> None:
        self._own_executor = executor is None
        self._executor = executor or ThreadPoolExecutor(workers, thread_name_prefix="fg-stats")
        self._walk_pool = WalkPool(processes) if processes > 1 else None
        self._compute = compute or self._scan
        self.wait = wait
        self.max_cached = max_cached
        self.max_cached_dirs = max_cached_dirs
        self.racy_ns = int(racy_seconds * 1e9)
        self._lock = threading.Lock()
        self._cache: OrderedDict[_Key, _Cached] = OrderedDict()
        self._jobs: dict[_Key, _Job] = {}
        self._closed = False
        self.computations = 0  # how many computations were started: tests count walks

    # -- the API

    def request(
        self, path: Path | str, wait: float | None = None, *, within: Within | None = None
    ) -> dict[str, Any]:
        """The state of the statistics of `path` (a real, already-confined path), whose
        metadata is read only inside `within` (its root's; None: `path` itself).

        Returns a "done", "computing" or "error" dict (see the module docstring); never
        raises for problems of the path. RuntimeError after `close()`.
        """
        key = (os.path.normpath(os.fspath(path)), within)
        job: _Job | None = None
        new = False
        while job is None:
            cached = self._valid_cached(key)
            if cached is not None:
                return _done(cached.result)
            with self._lock:
                if self._closed:
                    raise RuntimeError("the statistics service is closed")
                job = self._jobs.get(key)
                if job is None and key in self._cache:
                    continue  # a computation finished just now: check its result
                if job is None:
                    job, new = self._new_job(key), True
        if new:
            self._submit(job)  # outside the lock: an executor may run it inline
        wait = self.wait if wait is None else wait
        if wait > 0:
            job.done.wait(wait)
        return self._answer(job)

    def close(self, timeout: float | None = 10.0) -> None:
        """Cancel running computations and stop the workers; later requests raise."""
        with self._lock:
            self._closed = True
            jobs = list(self._jobs.values())
        for job in jobs:
            job.progress.cancel.set()
        if self._own_executor:
            self._executor.shutdown(wait=True, cancel_futures=True)
        else:
            for job in jobs:  # a shared executor stays up; wait for our own work only
                if job.future is not None and not job.future.cancel():
                    job.done.wait(timeout)
        if self._walk_pool is not None:
            self._walk_pool.close()

    def clear(self) -> None:
        """Forget every cached result (running computations go on)."""
        with self._lock:
            self._cache.clear()

    def __enter__(self) -> StatsService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the cache

    def _valid_cached(self, key: _Key) -> _Cached | None:
        """The cached result for `key` if every stamp still holds (an untrusted one once)."""
        with self._lock:
            cached = self._cache.get(key)
        if cached is None:
            return None
        valid = _stamps_hold(cached.result.stamps)  # outside the lock: O(folders) lstats
        with self._lock:
            if self._cache.get(key) is not cached:
                return cached if valid else None  # replaced meanwhile; ours is still an answer
            if valid and cached.trusted:
                self._cache.move_to_end(key)
            else:
                del self._cache[key]
        return cached if valid else None

    def _remember(self, key: _Key, result: StatsResult) -> bool:
        """Cache `result`; whether it is trusted. Called with self._lock held."""
        newest = max((mtime for _, mtime in result.stamps), default=0)
        trusted = result.started_ns - newest >= self.racy_ns
        self._cache[key] = _Cached(result, trusted)
        self._cache.move_to_end(key)
        dirs = sum(len(c.result.stamps) for c in self._cache.values())
        while len(self._cache) > 1 and (
            len(self._cache) > self.max_cached or dirs > self.max_cached_dirs
        ):
            _, old = self._cache.popitem(last=False)
            dirs -= len(old.result.stamps)
        return trusted

    # -- computations

    def _scan(self, path: Path, progress: Progress, within: Within | None) -> StatsResult:
        return scan_stats(path, progress, self._walk_pool, within=within)

    def _new_job(self, key: _Key) -> _Job:
        # Called with self._lock held.
        self._drop_stale_jobs()
        job = _Job(key)
        self._jobs[key] = job
        self.computations += 1
        return job

    def _submit(self, job: _Job) -> None:
        try:
            job.future = self._executor.submit(self._run, job)
        except RuntimeError:  # the executor was shut down: closing
            with self._lock:
                if self._jobs.get(job.key) is job:
                    del self._jobs[job.key]
            raise RuntimeError("the statistics service is closed") from None

    def _run(self, job: _Job) -> None:
        """The worker: compute, then publish the result (cached) or the error."""
        result: StatsResult | None = None
        error: dict[str, Any] | None = None
        try:
            result = self._compute(Path(job.key[0]), job.progress, job.key[1])
        except Cancelled:
            error = _error("cancelled", "The computation was cancelled: the server is stopping.")
        except OSError as err:
            error = _os_error(err)
        except Exception:  # a bug must not leave the job "computing" forever
            # Its text may name server paths: the log has it, the user a plain sentence.
            log.exception("fileglancer: computing the statistics of %s failed", job.key[0])
            error = _error(
                "internal_error",
                "Computing the statistics failed unexpectedly; the server's log has the details.",
            )
        with self._lock:
            job.result, job.error, job.finished = result, error, time.time()
            if result is not None and self._remember(job.key, result):
                if self._jobs.get(job.key) is job:
                    del self._jobs[job.key]  # requests find the cache from now on
        job.done.set()

    def _answer(self, job: _Job) -> dict[str, Any]:
        """A job's answer: its progress, or its outcome (collected: the job is forgotten)."""
        if not job.done.is_set():
            return {
                "state": "computing",
                "files_seen": job.progress.files_seen,
                "bytes_seen": job.progress.bytes_seen,
                "started": job.started,
            }
        with self._lock:
            if self._jobs.get(job.key) is job:
                del self._jobs[job.key]
            cached = self._cache.get(job.key)
            if cached is not None and cached.result is job.result and not cached.trusted:
                del self._cache[job.key]  # answered now; recompute next time
        if job.result is not None:
            return _done(job.result)
        assert job.error is not None
        return job.error

    def _drop_stale_jobs(self) -> None:
        # Called with self._lock held: finished answers that nobody came back for.
        limit = time.time() - FINISHED_JOB_TTL_SECONDS
        for key in [k for k, j in self._jobs.items() if j.done.is_set() and j.finished < limit]:
            del self._jobs[key]


def _stamps_hold(stamps: list[tuple[str, int]]) -> bool:
    """Whether every recorded (path, mtime_ns) is unchanged; a vanished path is a change."""
    try:
        return all(os.lstat(path).st_mtime_ns == mtime for path, mtime in stamps)
    except OSError:
        return False


def _done(result: StatsResult) -> dict[str, Any]:
    return {"state": "done", **result.data}


def _error(code: str, message: str) -> dict[str, Any]:
    return {"state": "error", "error": code, "message": message}


def _os_error(err: OSError) -> dict[str, Any]:
    # err.filename is a server path: never part of the message.
    if isinstance(err, FileNotFoundError | NotADirectoryError):
        return _error("not_found", "It no longer exists.")
    if isinstance(err, PermissionError):
        return _error("forbidden", "You do not have permission to read it.")
    return _error("internal_error", f"It cannot be read: {err.strerror or 'input/output error'}.")


__all__ = ["RACY_SECONDS", "StatsService"]
