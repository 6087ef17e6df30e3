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

    def read(self, region: tuple[slice, ...]) -> np.ndarray:
        return np.asarray(self.array[region])

    def write(self, region: tuple[slice, ...], data: np.ndarray) -> None:
        self.array[region] = data


@functools.lru_cache(maxsize=16)
def open_cached(ref: Any) -> Any:
    """Open `ref` once per process: tasks of one plan share file handles and metadata."""
    return ref.open_reader()


@dataclass(frozen=True)
class RegionTask:
    """Read a region of `source`, reduce it by `factors`, write it to `target`.

    `region` is in the target's coordinates (start, stop per axis) and covers whole
    chunks (or shards) of the target, so no two tasks ever touch the same stored object.
    """

    source: Any  # an ArrayRef
    target: ZarrArrayRef
    region: tuple[tuple[int, int], ...]
    factors: tuple[int, ...]
    method: str

    @property
    def nbytes_out(self) -> int:
        return math.prod(b - a for a, b in self.region)

    def run(self) -> int:
        """Do the work; return the number of output pixels written."""
        reader = open_cached(self.source)
        source_region = tuple(
            slice(a * f, min(b * f, n))
            for (a, b), f, n in zip(self.region, self.factors, reader.shape, strict=True)
        )
        block = downsample(reader.read(source_region), self.factors, self.method)
        open_cached(self.target).write(tuple(slice(a, b) for a, b in self.region), block)
        return block.size


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


# --- executors ---------------------------------------------------------------------------


class TaskExecutor(Protocol):
    def run(
        self,
        tasks: Sequence[RegionTask],
        on_done: Callable[[int], None],
        check_cancelled: Callable[[], None],
    ) -> None: ...


class InProcessExecutor:
    """Runs tasks one after the other in this process (the default, and the tests')."""

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
    """In-process for one worker, otherwise a pool of `workers` processes."""
    if workers <= 1:
        yield InProcessExecutor()
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
        open_cached.cache_clear()
