"""Where the viewer's drawings run: a few threads of their own, with a bounded queue.

A tile, pixel read or histogram may decode up to `service.MAX_DECODED_BYTES` of chunks.
Run on asyncio's default executor (min(32, cores + 4) threads), a burst of them (one viewer
panning, or anyone holding a data link's token on the public view routes) could decode
32 x 128 MiB at once on a large node and take the threads the rest of the server uses.
Here at most `DRAWING_THREADS` drawings run at once (their decoded memory is bounded by
that, whatever the machine), at most `DRAWING_QUEUE` more wait, and past that a request is
refused at once with a 503 the viewer retries, instead of piling up.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from ..errors import ServiceUnavailable

T = TypeVar("T")

DRAWING_THREADS = 4
DRAWING_QUEUE = 64


class ViewerBusy(ServiceUnavailable):
    code = "viewer_busy"


class DrawingPool:
    """`await pool.run(fn, *args)`: `fn(*args)` on the pool's threads, or `ViewerBusy`
    when `threads + queue` drawings are already running or waiting."""

    def __init__(self, threads: int = DRAWING_THREADS, queue: int = DRAWING_QUEUE) -> None:
        self.threads, self.queue = threads, queue
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="fileglancer-drawing")
        self._lock = threading.Lock()  # the count is shared by every event loop of the process
        self.in_flight = 0
        self.refused = 0

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        with self._lock:
            if self.in_flight >= self.threads + self.queue:
                self.refused += 1
                raise ViewerBusy("The image viewer is busy drawing: try again in a moment.")
            self.in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        finally:
            with self._lock:
                self.in_flight -= 1


DRAWINGS = DrawingPool()  # one per process: the authenticated and the public routes share it
