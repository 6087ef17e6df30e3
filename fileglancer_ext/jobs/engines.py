"""Where a job's region tasks run: a pool of local processes, or a dask.distributed cluster.

An engine opens one executor per job (`with engine.executor() as executor`) and closes it
when the job ends, so a finished job holds no processes or connections.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from ..convert import FuturesExecutor
from ..convert.plan import TaskExecutor, start_conversion_worker
from ..errors import ConversionError

# Tasks in flight per worker: one running, one ready, so no worker waits for the next.
_IN_FLIGHT_PER_WORKER = 2


def default_processes_per_job() -> int:
    """One process per core, less one for the server itself (at least one)."""
    return max(1, (os.cpu_count() or 2) - 1)


class ConversionEngine(Protocol):
    name: str
    # Whether the workers run on this machine (and can reach this process's descriptors).
    workers_are_local: bool

    def describe(self) -> str: ...

    def executor(self) -> AbstractContextManager[TaskExecutor]: ...


class LocalProcessEngine:
    """Each job gets its own pool of `processes` worker processes (forkserver: a pool
    worker never inherits the server's threads, sockets or memory)."""

    name = "local"
    workers_are_local = True

    def __init__(self, processes: int) -> None:
        self.processes = max(1, processes)

    def describe(self) -> str:
        return f"a local pool of {self.processes} process(es) per job"

    @contextmanager
    def executor(self) -> Iterator[TaskExecutor]:
        context = multiprocessing.get_context("forkserver")
        with cf.ProcessPoolExecutor(
            self.processes,
            mp_context=context,
            initializer=start_conversion_worker,
            initargs=(os.getpid(),),
        ) as pool:
            yield FuturesExecutor(pool, max_in_flight=_IN_FLIGHT_PER_WORKER * self.processes)


class DaskEngine:
    """Tasks run on the dask.distributed cluster whose scheduler is at `address`. Its
    workers must have fileglancer-ext installed and see the roots at the same paths."""

    name = "dask"
    workers_are_local = False

    def __init__(self, address: str, connect_timeout: float = 10.0) -> None:
        self.address = address
        self.connect_timeout = connect_timeout

    def describe(self) -> str:
        return f"the Dask cluster at {self.address}"

    @contextmanager
    def executor(self) -> Iterator[TaskExecutor]:
        try:
            from distributed import Client
        except ImportError:
            raise ConversionError(
                "This server is set up to convert on a Dask cluster, but the 'distributed' "
                "package is not installed; ask the administrator."
            ) from None
        try:
            client = Client(self.address, timeout=self.connect_timeout, set_as_default=False)
        except (OSError, TimeoutError) as err:
            raise ConversionError(
                f"Cannot reach the Dask scheduler at {self.address}: {err}"
            ) from None
        with client:
            threads = sum(client.nthreads().values()) or 1
            yield FuturesExecutor(
                client.get_executor(), max_in_flight=_IN_FLIGHT_PER_WORKER * threads
            )
