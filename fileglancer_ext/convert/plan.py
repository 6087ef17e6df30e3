"""A conversion as a plan of small, picklable region tasks, and the executors that run it.

A plan is a list of stages; the tasks of one stage are independent of each other (each
writes whole chunks or shards of its own region) and a stage starts when the one before
has finished (pyramid level n+1 is read back from level n). Tasks name their input and
output by path, never by open handle, so a process pool or a dask.distributed cluster
(`FuturesExecutor(client.get_executor())`) runs them as well as the current process.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import itertools
import math
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..system.worker_lifetime import die_with
from .pyramid import downsample


class RegionReader(Protocol):
    shape: tuple[int, ...]

    def read(self, region: tuple[slice, ...]) -> np.ndarray: ...


class ArrayRef(Protocol):
    """A picklable, hashable name of an array that any process can open."""

    def open_reader(self) -> RegionReader: ...


@dataclass(frozen=True)
class ZarrArrayRef:
    """A Zarr v2 or v3 array on the local file system."""

    path: str
    writable: bool = False

    def open_reader(self) -> RegionReader:
        import zarr

        return _ZarrReader(zarr.open_array(self.path, mode="r+" if self.writable else "r"))


class _ZarrReader:
    def __init__(self, array: Any) -> None:
        self.array = array
        self.shape = tuple(array.shape)
        self._unchecked = array.with_config({"write_empty_chunks": True})

    def read(self, region: tuple[slice, ...]) -> np.ndarray:
        return np.asarray(self.array[region])

    def write(self, region: tuple[slice, ...], data: np.ndarray) -> None:
        """Write whole chunks at `region`. Zarr compares every chunk with the fill value to
        leave out empty ones, in one thread for all; where every chunk's first pixel
        differs from it (most images) no chunk can be empty, and that pass is skipped."""
        fill = self.array.fill_value
        corners = data[tuple(slice(None, None, c) for c in self.array.chunks)]
        full = fill is not None and bool(np.all(corners != fill))
        (self._unchecked if full else self.array)[region] = data


def open_cached(ref: Any) -> Any:
    """Open `ref` once per thread: tasks of one plan share file handles and metadata, and
    threads running tasks side by side never share a file position (a TIFF's)."""
    return _open_in_thread(ref, threading.get_ident())


@functools.lru_cache(maxsize=32)
def _open_in_thread(ref: Any, thread: int) -> Any:
    return ref.open_reader()


@dataclass(frozen=True)
class RegionTask:
    """Read a region of `source`, reduce it by `factors`, write it to `target`; then make
    each level of `cascade` from the one before it in memory, in the same pass.

    `region` is in the target's coordinates (start, stop per axis) and covers whole
    chunks (or shards) of the target and, scaled down, of every cascade target, so no two
    tasks ever touch the same stored object.
    """

    source: Any  # an ArrayRef
    target: ZarrArrayRef
    region: tuple[tuple[int, int], ...]
    factors: tuple[int, ...]
    method: str
    cascade: tuple[tuple[ZarrArrayRef, tuple[int, ...]], ...] = ()  # (target, factors)

    def regions(self) -> Iterator[tuple[ZarrArrayRef, tuple[tuple[int, int], ...]]]:
        """Each target with the region this task writes in it."""
        region = self.region
        yield self.target, region
        for target, factors in self.cascade:
            region = tuple((a // f, -(-b // f)) for (a, b), f in zip(region, factors, strict=True))
            yield target, region

    @property
    def nbytes_out(self) -> int:
        return sum(math.prod(b - a for a, b in region) for _, region in self.regions())

    def run(self) -> int:
        """Do the work; return the number of output pixels written."""
        reader = open_cached(self.source)
        source_region = tuple(
            slice(a * f, min(b * f, n))
            for (a, b), f, n in zip(self.region, self.factors, reader.shape, strict=True)
        )
        block = downsample(reader.read(source_region), self.factors, self.method)
        written = 0
        for index, (target, region) in enumerate(self.regions()):
            if index:  # the next level, from the block just written
                block = downsample(block, self.cascade[index - 1][1], self.method)
            open_cached(target).write(tuple(slice(a, b) for a, b in region), block)
            written += block.size
        return written


def run_task(task: RegionTask) -> int:
    """Module-level entry point, so pools can pickle a reference to it."""
    return task.run()


@dataclass
class ConversionPlan:
    """Stages of tasks in order; `itemsize` turns pixel counts into bytes for progress."""

    itemsize: int
    stages: list[tuple[str, list[RegionTask]]] = field(default_factory=list)

    @property
    def bytes_total(self) -> int:
        return self.itemsize * sum(t.nbytes_out for _, tasks in self.stages for t in tasks)


def block_shape(
    shape: tuple[int, ...], unit: tuple[int, ...], bytes_per_pixel: int, budget: int
) -> tuple[int, ...]:
    """A block of whole `unit`s (chunks or shards), grown along the trailing axes while it
    holds at most `budget` bytes: long rows read TIFF strips and tiles once."""
    block = [min(u, n) for u, n in zip(unit, shape, strict=True)]
    for axis in reversed(range(len(shape))):
        if block[axis] >= shape[axis]:
            continue
        per_unit = math.prod(block) * bytes_per_pixel
        units = max(1, budget // max(1, per_unit))
        block[axis] = min(shape[axis], block[axis] * units)
        if block[axis] < shape[axis]:
            break
    return tuple(block)


def region_tasks(
    source: Any,
    target: ZarrArrayRef,
    shape: tuple[int, ...],
    unit: tuple[int, ...],
    factors: tuple[int, ...],
    method: str,
    itemsize: int,
    budget: int,
) -> list[RegionTask]:
    """Tasks covering a target of `shape` block by block."""
    block = block_shape(shape, unit, itemsize * math.prod(factors), budget)
    starts = [range(0, n, b) for n, b in zip(shape, block, strict=True)]
    return [
        RegionTask(
            source,
            target,
            tuple((s, min(s + b, n)) for s, b, n in zip(start, block, shape, strict=True)),
            factors,
            method,
        )
        for start in itertools.product(*starts)
    ]


def pyramid_stages(
    source: Any,
    targets: Sequence[ZarrArrayRef],
    shapes: Sequence[tuple[int, ...]],
    factors: Sequence[tuple[int, ...]],
    unit: tuple[int, ...],
    method: str,
    itemsize: int,
    budget: int,
) -> list[tuple[str, list[RegionTask]]]:
    """Stages writing every level of a pyramid (level n made from level n-1 by
    `factors[n]`), each stage in one pass over its first level's input.

    A pass holds a block that covers whole chunks (`unit`, clipped to each level) of every
    level it makes, so each level is made from the block in memory rather than read back
    and decoded from the level before; a pass ends where such a block would pass `budget`
    bytes, and the next starts from the last level written. The pixels equal those made
    level by level: block downsampling is local to each output pixel's block."""
    stages: list[tuple[str, list[RegionTask]]] = []
    first = 0
    while first < len(shapes):
        per_pixel = itemsize * math.prod(factors[first])
        last = first
        while last + 1 < len(shapes):
            wider = _pass_block(shapes, factors, unit, first, last + 1)
            if math.prod(wider) * per_pixel > budget:
                break
            last += 1
        block = block_shape(
            shapes[first], _pass_block(shapes, factors, unit, first, last), per_pixel, budget
        )
        cascade = tuple((targets[n], factors[n]) for n in range(first + 1, last + 1))
        starts = [range(0, n, b) for n, b in zip(shapes[first], block, strict=True)]
        tasks = [
            RegionTask(
                source if first == 0 else targets[first - 1],
                targets[first],
                tuple(
                    (s, min(s + b, n)) for s, b, n in zip(start, block, shapes[first], strict=True)
                ),
                factors[first],
                method,
                cascade,
            )
            for start in itertools.product(*starts)
        ]
        stages.append((f"level {first}" if last == first else f"levels {first}-{last}", tasks))
        first = last + 1
    return stages


def _pass_block(
    shapes: Sequence[tuple[int, ...]],
    factors: Sequence[tuple[int, ...]],
    unit: tuple[int, ...],
    first: int,
    last: int,
) -> tuple[int, ...]:
    """The smallest block of level `first` whose regions of levels first..last are whole
    chunks of each: per axis a multiple of the chunk scaled up to `first`, or the whole
    axis where a level's one chunk spans it."""
    block = []
    for axis, size in enumerate(shapes[first]):
        scale, need = 1, min(unit[axis], size)
        for level in range(first, last + 1):
            scale *= factors[level][axis] if level > first else 1
            length = shapes[level][axis]
            if level > first and unit[axis] >= length:
                need = size  # one chunk spans the level: so must the block
                break
            need = max(need, min(unit[axis], length) * scale)
        block.append(min(need, size))
    return tuple(block)


# --- executors ---------------------------------------------------------------------------


class TaskExecutor(Protocol):
    def run(
        self,
        tasks: Sequence[RegionTask],
        on_done: Callable[[int], None],
        check_cancelled: Callable[[], None],
    ) -> None: ...


class InProcessExecutor:
    """Runs tasks one after the other in the calling thread (tests, and callers that
    want no threads)."""

    def run(
        self,
        tasks: Sequence[RegionTask],
        on_done: Callable[[int], None],
        check_cancelled: Callable[[], None],
    ) -> None:
        for task in tasks:
            check_cancelled()
            on_done(task.run())


class FuturesExecutor:
    """Runs tasks on any concurrent.futures executor: a ProcessPoolExecutor, or a
    dask.distributed cluster through `client.get_executor()`. At most `max_in_flight`
    tasks are submitted at once, which bounds memory and makes cancel prompt."""

    def __init__(self, executor: cf.Executor, max_in_flight: int = 4) -> None:
        self.executor = executor
        self.max_in_flight = max_in_flight

    def run(
        self,
        tasks: Sequence[RegionTask],
        on_done: Callable[[int], None],
        check_cancelled: Callable[[], None],
    ) -> None:
        pending = iter(tasks)
        running: set[cf.Future] = set()
        try:
            while True:
                check_cancelled()
                for task in itertools.islice(pending, self.max_in_flight - len(running)):
                    running.add(self.executor.submit(run_task, task))
                if not running:
                    return
                done, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    on_done(future.result())
        finally:
            for future in running:
                future.cancel()
            cf.wait(running)  # the partial output is removed only after writers stop


ZARR_THREADS_PER_PROCESS = 2
TASK_THREADS = 2  # tasks in flight in a one-worker conversion


def configure_conversion_process(threads: int = ZARR_THREADS_PER_PROCESS) -> None:
    """Limit zarr's codec thread pool in a process that only converts (a pool worker, the
    CLI). Each thread gets its own malloc arena, and those arenas, not the pixels, are most
    of the peak memory. Only effective before the process first uses zarr."""
    import zarr

    zarr.config.set({"threading.max_workers": threads})


def start_conversion_worker(owner_pid: int) -> None:
    """A pool worker's start: zarr's threads bounded, and its end tied to the process that
    started the pool (a server, the CLI): a worker must not convert on, or hold its
    memory, after that process is killed with -9."""
    configure_conversion_process()
    die_with(owner_pid)


@contextmanager
def local_executor(workers: int) -> Iterator[TaskExecutor]:
    """For one worker, threads of this process: one task reads and downsamples while
    another's chunks are encoded (numpy, tifffile and the codecs release the GIL);
    otherwise a pool of `workers` processes."""
    if workers <= 1:
        with cf.ThreadPoolExecutor(TASK_THREADS, thread_name_prefix="convert") as threads:
            yield FuturesExecutor(threads, max_in_flight=TASK_THREADS)
        return
    context = multiprocessing.get_context("forkserver")
    with cf.ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=start_conversion_worker,
        initargs=(os.getpid(),),
    ) as pool:
        yield FuturesExecutor(pool, max_in_flight=2 * workers)


def execute_plan(plan: ConversionPlan, executor: TaskExecutor, tracker: Any) -> None:
    """Run the stages in order, reporting progress and honouring cancel between tasks."""
    try:
        for stage, tasks in plan.stages:
            tracker.start_stage(stage)
            executor.run(
                tasks,
                lambda pixels: tracker.advance(pixels * plan.itemsize),
                tracker.check_cancelled,
            )
    finally:
        _open_in_thread.cache_clear()
