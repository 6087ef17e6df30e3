"""The folder walk behind the storage statistics, in this process or over worker processes.

`Walk` lists folders with `os.scandir` iteratively and lstats each entry once, relative to
the open folder (`DirEntry.stat(follow_symlinks=False)`): no symlink followed, no file
opened. It tallies files per bucket (0: the rest of the tree, i: pyramid level i) and
records every folder's mtime when its parent lists it, before the folder itself is listed.

Why worker processes: on a local disk with warm caches one lstat costs ~1.6 us in the
kernel, and building its `os.stat_result` ~0.8 us more in Python, so a single Python thread
walks at ~1.45x the time of `du`, whatever the loop around it. Threads do not help: the
GIL changes hands at every stat. So once a walk has listed `PARALLEL_AFTER` entries in
process, `walk_in_parallel` hands the folders still to do to a `WalkPool`. Each worker walks
the folders it got for at most `PART_ENTRIES` entries or `PART_SECONDS` and returns its
tallies and the folders it did not get to, which are handed out again: the work balances
itself across workers, and progress and cancellation are seen after every part. Until the
pool's workers are up (starting them takes seconds the first time), a walk goes on here.

A folder is listed by one process. Past `SPILL_AFTER` entries of one folder (a flat Zarr
v2 array keeps every chunk in one), its files' names are set aside instead of stat-ed: the
walk in process hands them to the pool a batch at a time (`PooledStats`); a worker lists
the rest of the folder and returns the names with its part (up to `MAX_SET_ASIDE`), and
they are handed out too.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import islice
from typing import Protocol

from ...system.worker_lifetime import die_with

# Progress is published, and cancellation checked, after every batch of this many entries.
_BATCH = 4096
# Entries a walk lists in process before it hands the rest to a pool: small datasets never
# wait for worker processes to start.
PARALLEL_AFTER = 10_000
# One part of a walk in a worker: at most this many entries, or this long (slow storage).
PART_ENTRIES = 25_000
PART_SECONDS = 0.25
# A folder listed in process hands the files past this many entries to the pool to stat
# (a flat Zarr v2 array keeps all its chunks in one folder); at most this many batches of
# names wait for a worker per pool process.
SPILL_AFTER = 10_000
_SPILL_QUEUE = 2
# Names of a huge folder's files a worker sends back with one part, at most (~6 MB).
MAX_SET_ASIDE = 100_000
_POLL_SECONDS = 0.1
_START_TIMEOUT = 120.0

Folder = tuple[str, int]  # a folder still to list, and the bucket its entries count in


class Cancelled(Exception):
    """The walk was cancelled through its `Progress` (the service is closing)."""


@dataclass
class Progress:
    """What a running walk has seen so far; read by other threads without a lock.

    Plain int attributes: each update is one assignment, atomic under the GIL.
    """

    files_seen: int = 0
    bytes_seen: int = 0
    cancel: threading.Event = field(default_factory=threading.Event)


class Tally:
    """Figures of one part of the tree (a pyramid level, or everything else)."""

    __slots__ = ("files", "stored", "blocks", "chunk_files", "chunk_bytes", "dirs", "dir_bytes")

    def __init__(self) -> None:
        self.files = self.stored = self.blocks = 0
        self.chunk_files = self.chunk_bytes = 0
        self.dirs = self.dir_bytes = 0

    def add(self, other: Tally) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


NameBatch = tuple[str, int, list[str]]  # a folder, its bucket, names of its files to stat


class NameSink(Protocol):
    """Where a walk sets aside the files of a huge folder, to be stat-ed elsewhere."""

    def submit(self, directory: str, bucket: int, names: list[str]) -> None: ...


class _SetAside:
    """A worker's `NameSink`: the batches go back with its part, up to `limit` names
    (`MAX_SET_ASIDE`; memory: a folder of ten million chunks must not travel as one list);
    the worker stats any more itself."""

    def __init__(self, walk: Walk, limit: int) -> None:
        self.batches: list[NameBatch] = []
        self._walk = walk
        self._limit = limit
        self._count = 0

    def submit(self, directory: str, bucket: int, names: list[str]) -> None:
        if self._count + len(names) > self._limit:
            self._walk.add_stats(bucket, stat_names(directory, names, self._walk.metadata))
            return
        self._count += len(names)
        self.batches.append((directory, bucket, names))


@dataclass
class WalkPart:
    """What a worker returns: its figures, the folders it left for others, and the names of
    files it set aside (of huge folders) for others to stat."""

    tallies: list[Tally]
    stamps: list[tuple[str, int]]
    unreadable: int
    left: list[Folder]
    names: list[NameBatch] = field(default_factory=list)


class Walk:
    """An iterative scandir walk that tallies entries per bucket.

    `level_dirs` maps a folder path to the bucket of everything below it; `metadata` names
    the files that are not chunks (hidden files are not chunks either).
    """

    def __init__(
        self,
        buckets: int,
        level_dirs: dict[str, int],
        metadata: frozenset[str],
        progress: Progress | None = None,
        spill_after: int | None = None,
    ) -> None:
        self.tallies = [Tally() for _ in range(buckets)]
        self.spill_after = SPILL_AFTER if spill_after is None else spill_after
        self.level_dirs = level_dirs
        self.metadata = metadata
        self.progress = progress if progress is not None else Progress()
        self.stamps: list[tuple[str, int]] = []
        self.unreadable = 0
        self.stack: list[Folder] = []
        self.entries = 0  # listed so far: files and folders
        self.root: str | None = None
        # Where the files of a huge folder go to be stat-ed; None: here, like the others.
        self.spill: NameSink | None = None

    def start(self, root: str, root_stat: os.stat_result) -> None:
        """Begin at `root` (whose stat the caller made): the walk's own folder."""
        self.root = root
        self._count_dir(root, root_stat, 0)
        self.stack.append((root, 0))

    def run(self, max_entries: int | None = None, max_seconds: float | None = None) -> None:
        """List the folders on the stack, and theirs, until none is left or (checked
        between folders) `max_entries` more entries were listed or `max_seconds` passed.

        Raises `Cancelled`, and FileNotFoundError when the root itself is gone.
        """
        limit = None if max_entries is None else self.entries + max_entries
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        stack, cancel = self.stack, self.progress.cancel
        while stack:
            if cancel.is_set():
                raise Cancelled()
            if limit is not None and self.entries >= limit:
                return
            if deadline is not None and time.monotonic() >= deadline:
                return
            directory, bucket = stack.pop()
            try:
                self._scan(directory, bucket)
            except FileNotFoundError:
                if directory == self.root:
                    raise
                self.unreadable += 1  # removed during the walk
            except OSError:
                self.unreadable += 1  # permission denied, I/O error: go on with the rest

    def part(self) -> WalkPart:
        names = self.spill.batches if isinstance(self.spill, _SetAside) else []
        return WalkPart(self.tallies, self.stamps, self.unreadable, self.stack, names)

    def absorb(self, part: WalkPart) -> None:
        """Add a worker's part: its figures, its folders left to do onto the stack, and
        the names it set aside to `self.spill` (or stat them here)."""
        for mine, theirs in zip(self.tallies, part.tallies, strict=True):
            mine.add(theirs)
        self.stamps.extend(part.stamps)
        self.unreadable += part.unreadable
        self.stack.extend(part.left)
        for directory, bucket, names in part.names:
            if self.spill is not None:
                self.spill.submit(directory, bucket, names)
            else:
                self.add_stats(bucket, stat_names(directory, names, self.metadata))
        self.progress.files_seen += sum(t.files for t in part.tallies)
        self.progress.bytes_seen += sum(t.stored for t in part.tallies)

    def add_stats(self, bucket: int, result: tuple[Tally, int]) -> None:
        """Add what `stat_names` found for files set aside."""
        tally, unreadable = result
        self.tallies[bucket].add(tally)
        self.unreadable += unreadable
        self.progress.files_seen += tally.files
        self.progress.bytes_seen += tally.stored

    def _count_dir(self, path: str, st: os.stat_result, bucket: int) -> None:
        # Recorded before the folder is listed: a later change moves its mtime past this.
        self.stamps.append((path, st.st_mtime_ns))
        tally = self.tallies[bucket]
        tally.dirs += 1
        tally.dir_bytes += st.st_size
        tally.blocks += st.st_blocks

    def _scan(self, directory: str, bucket: int) -> None:
        """Tally one folder's files and push its subfolders.

        The hot loop, kept flat: per file one fstatat relative to the open folder (cheaper
        than a stat of the full path), a few additions and one name check. Progress and
        cancellation are handled per batch of entries, not per file.
        """
        files = stored = blocks = chunk_files = chunk_bytes = listed = 0
        metadata, progress = self.metadata, self.progress
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            with os.scandir(fd) as entries:
                # Whole batches are read before their entries are looked at: an error of
                # the listing itself surfaces here, between batches.
                for batch in iter(lambda: list(islice(entries, _BATCH)), []):
                    listed += len(batch)
                    if self.spill is not None and listed > self.spill_after:
                        self._spill(directory, bucket, batch)
                        continue
                    seen, others = stored, 0
                    for entry in batch:
                        try:
                            if entry.is_dir(follow_symlinks=False):  # d_type: no syscall
                                self._subfolder(directory, entry, bucket)
                                others += 1
                                continue
                            st = entry.stat(follow_symlinks=False)
                        except OSError:
                            self.unreadable += 1  # removed or unreadable meanwhile
                            others += 1
                            continue
                        stored += st.st_size
                        blocks += st.st_blocks
                        name = entry.name
                        if name not in metadata and name[0] != ".":
                            chunk_files += 1
                            chunk_bytes += st.st_size
                    self.entries += len(batch)
                    files += len(batch) - others
                    progress.files_seen += len(batch) - others
                    progress.bytes_seen += stored - seen
                    if progress.cancel.is_set():
                        raise Cancelled()
        finally:
            os.close(fd)
            # Also for a folder that failed part way: what was read counts.
            tally = self.tallies[bucket]
            tally.files += files
            tally.stored += stored
            tally.blocks += blocks
            tally.chunk_files += chunk_files
            tally.chunk_bytes += chunk_bytes

    def _spill(self, directory: str, bucket: int, batch: list[os.DirEntry[str]]) -> None:
        """Push a batch's subfolders; hand its files' names to `self.spill` to stat."""
        assert self.spill is not None
        names = []
        for entry in batch:
            try:
                if entry.is_dir(follow_symlinks=False):
                    self._subfolder(directory, entry, bucket)
                    continue
            except OSError:
                self.unreadable += 1
                continue
            names.append(entry.name)
        self.entries += len(batch)
        self.spill.submit(directory, bucket, names)
        if self.progress.cancel.is_set():
            raise Cancelled()

    def _subfolder(self, directory: str, entry: os.DirEntry[str], bucket: int) -> None:
        path = os.path.join(directory, entry.name)  # scandir(fd) gives names only
        sub = self.level_dirs.get(path, bucket) if self.level_dirs else bucket
        self._count_dir(path, entry.stat(follow_symlinks=False), sub)
        self.stack.append((path, sub))


def walk_part(
    folders: list[Folder],
    buckets: int,
    level_dirs: dict[str, int],
    metadata: frozenset[str],
    max_entries: int,
    max_seconds: float,
    spill_after: int,
    max_set_aside: int,
) -> WalkPart:
    """One part of a walk, in a worker process: `folders` and theirs, within the limits."""
    walk = Walk(buckets, level_dirs, metadata, spill_after=spill_after)
    walk.stack = list(folders)
    walk.spill = _SetAside(walk, max_set_aside)  # the coordinator hands them out again
    walk.run(max_entries, max_seconds)
    return walk.part()


def stat_names(directory: str, names: list[str], metadata: frozenset[str]) -> tuple[Tally, int]:
    """The figures of the files `names` of `directory` (lstat each, relative to the open
    folder), and how many could not be read. In a worker process, or here as a fallback."""
    tally, unreadable = Tally(), 0
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return tally, len(names)  # the folder went away meanwhile
    files = stored = blocks = chunk_files = chunk_bytes = 0
    lstat = os.stat
    try:
        for name in names:
            try:
                st = lstat(name, dir_fd=fd, follow_symlinks=False)
            except OSError:
                unreadable += 1
                continue
            files += 1
            stored += st.st_size
            blocks += st.st_blocks
            if name not in metadata and name[0] != ".":
                chunk_files += 1
                chunk_bytes += st.st_size
    finally:
        os.close(fd)
    tally.files, tally.stored, tally.blocks = files, stored, blocks
    tally.chunk_files, tally.chunk_bytes = chunk_files, chunk_bytes
    return tally, unreadable


class PooledStats:
    """The files of a huge folder, stat-ed in the pool's workers a batch of names at a time
    while the walk goes on listing; their figures are added to the walk as they come back.
    Should the pool fail, a batch is stat-ed here instead."""

    def __init__(self, walk: Walk, pool: WalkPool) -> None:
        self._walk = walk
        self._pool = pool
        self._pending: dict[Future[tuple[Tally, int]], tuple[str, int, list[str]]] = {}

    def submit(self, directory: str, bucket: int, names: list[str]) -> None:
        if not self._pool.ready:  # the workers are still starting: no waiting for them
            self._pool.start()
            self._walk.add_stats(bucket, stat_names(directory, names, self._walk.metadata))
            return
        # Bounded: the listing is faster than the stats, and names take memory.
        while len(self._pending) >= _SPILL_QUEUE * self._pool.processes:
            self._settle(FIRST_COMPLETED)
        try:
            future = self._pool.submit_names(directory, names, self._walk.metadata)
        except Exception:  # noqa: BLE001 - the pool is gone: stat them here
            self._pool.discard()
            self._walk.add_stats(bucket, stat_names(directory, names, self._walk.metadata))
            return
        self._pending[future] = (directory, bucket, names)

    def finish(self) -> None:
        """Wait for every batch and add its figures. Raises `Cancelled`."""
        while self._pending:
            self._settle(ALL_COMPLETED)

    def cancel(self) -> None:
        """Drop the batches not started (the walk failed or was cancelled)."""
        for future in self._pending:
            future.cancel()
        self._pending.clear()

    def _settle(self, return_when: str) -> None:
        done, _ = wait(self._pending, timeout=_POLL_SECONDS, return_when=return_when)
        if self._walk.progress.cancel.is_set():
            raise Cancelled()
        for future in done:
            directory, bucket, names = self._pending.pop(future)
            try:
                result = future.result()
            except Exception:  # noqa: BLE001 - a worker died: stat them here
                self._pool.discard()
                result = stat_names(directory, names, self._walk.metadata)
            self._walk.add_stats(bucket, result)


class WalkPool:
    """`processes` worker processes for walks (forkserver: a fresh interpreter, not a fork
    of the server), started in the background by the first walk that needs them and kept
    until `close`. Shared by concurrent walks; a pool whose worker died is replaced.

    Starting takes a while the first time (the forkserver imports the server's main
    module: seconds for JupyterLab); walks go on in process until the pool is `ready`.
    """

    def __init__(self, processes: int) -> None:
        self.processes = max(1, processes)
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._ready = threading.Event()
        self._starting = False
        self._generation = 0  # bumped by `discard`: a start from before it is stale

    @property
    def ready(self) -> bool:
        """Whether the workers are up: a part handed out now starts at once."""
        return self._ready.is_set()

    def start(self, wait: bool = False) -> None:
        """Start the workers in the background, unless they are up or starting.
        `wait`: return once they are up (or the pool is closed)."""
        with self._lock:
            begin = not (self._closed or self._starting or self._ready.is_set())
            self._starting = self._starting or begin
        if begin:
            threading.Thread(target=self._start_workers, name="fg-walk-start", daemon=True).start()
        if wait:
            self._ready.wait(_START_TIMEOUT)

    def _start_workers(self) -> None:
        while True:
            with self._lock:
                generation = self._generation
            try:
                executor = self._executor_now()
                for started in [executor.submit(os.getpid) for _ in range(self.processes)]:
                    started.result()
            except Exception:  # noqa: BLE001 - closed, or no process could start: parts
                pass  # will fail and their walks finish in process
            with self._lock:
                if self._closed or generation == self._generation:
                    self._starting = False
                    self._ready.set()
                    return
            # The workers were discarded while they started: start their successors.

    def submit(self, walk: Walk, folders: list[Folder]) -> Future[WalkPart]:
        """Walk one part of `walk` in a worker. RuntimeError once closed."""
        limits = (PART_ENTRIES, PART_SECONDS, walk.spill_after, MAX_SET_ASIDE)
        args = (len(walk.tallies), walk.level_dirs, walk.metadata, *limits)
        return self._executor_now().submit(walk_part, folders, *args)

    def submit_names(
        self, directory: str, names: list[str], metadata: frozenset[str]
    ) -> Future[tuple[Tally, int]]:
        """Stat the files `names` of `directory` in a worker (see `stat_names`)."""
        return self._executor_now().submit(stat_names, directory, names, metadata)

    def _executor_now(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("the walk pool is closed")
            if self._executor is None:
                # A worker ends with the server, even one killed with -9 (or it would
                # keep the forkserver, and walk on, for as long as it likes).
                self._executor = ProcessPoolExecutor(
                    self.processes,
                    mp_context=_context(),
                    initializer=die_with,
                    initargs=(os.getpid(),),
                )
            return self._executor

    def discard(self) -> None:
        """Drop the current workers (one of them failed); the next use starts new ones."""
        with self._lock:
            executor, self._executor = self._executor, None
            self._generation += 1
            self._ready.clear()
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
            self._ready.set()  # nobody waits for a start that will not come
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


def default_walk_processes() -> int:
    """The CPU cores this process may use, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def walk_in_parallel(walk: Walk, pool: WalkPool) -> None:
    """Walk the folders on `walk.stack` in `pool`'s workers, adding their figures to `walk`.

    Should the pool fail (a worker killed, the pool closed), what the workers did not
    return is walked in this process instead. Raises `Cancelled`.
    """
    running: dict[Future[WalkPart], list[Folder]] = {}
    try:
        while walk.stack or running:
            while walk.stack and len(running) < pool.processes:
                share = -(-len(walk.stack) // (pool.processes - len(running)))
                folders = walk.stack[-share:]
                running[pool.submit(walk, folders)] = folders
                del walk.stack[-share:]  # only once submitted: a failure leaves them here
            done, _ = wait(running, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
            if walk.progress.cancel.is_set():
                raise Cancelled()
            for future in done:
                part = future.result()  # a failed part stays in `running` for _collect
                del running[future]
                walk.absorb(part)
    except Cancelled:
        raise
    except Exception:  # noqa: BLE001 - any failure of the pool: finish here instead
        pool.discard()
        _collect(walk, running)
        walk.run()
    finally:
        for future in running:
            future.cancel()  # cancelled: parts still running end within PART_SECONDS


def _collect(walk: Walk, running: dict[Future[WalkPart], list[Folder]]) -> None:
    """After a failure: keep the parts that finished, and put the others' folders back."""
    for future, folders in list(running.items()):
        del running[future]
        try:
            walk.absorb(future.result())
        except Exception:  # noqa: BLE001 - failed or cancelled: walk its folders again
            walk.stack.extend(folders)


__all__ = [
    "PARALLEL_AFTER",
    "SPILL_AFTER",
    "Cancelled",
    "PooledStats",
    "Progress",
    "Tally",
    "Walk",
    "WalkPart",
    "WalkPool",
    "default_walk_processes",
    "stat_names",
    "walk_in_parallel",
]
