"""Benchmark: a full read of a sharded Zarr v3 array with `fileglancer_ext.open()` against
zarr-python, locally and through a data link.

    python benchmarks/open_sharded.py [--shape 64 1024 1024] [--rounds 3]

Writes a uint16 array with zarr-python 3 (inner chunks 16 x 64 x 64, shards 32 x 256 x 256,
random values so nothing compresses away), makes a share link to it, starts
`fileglancer-ext serve-links` on a free loopback port and puts a counting proxy in front
of it. Then reads the whole array `--rounds` times each way:

- ours: `fileglancer_ext.open(url).values` (dask, its default threaded scheduler);
- zarr-python: `zarr.open_array(FsspecStore.from_url(url))[...]`;

and the same two from the local path. Figures: HTTP requests and MB (10^6 bytes of bodies)
per read, as the proxy saw them, and the median seconds (opening included). Loopback
only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import getpass
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import zarr
from zarr.storage import FsspecStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: tests' helpers

import fileglancer_ext  # noqa: E402
from fileglancer_ext.links.store import ShareLinkStore  # noqa: E402
from tests.links.test_link_server import LinkServer  # noqa: E402
from tests.notebook.counting_proxy import Traffic, counting_proxy  # noqa: E402

CHUNKS = (16, 64, 64)
SHARDS = (32, 256, 256)


def write_array(folder: Path, shape: tuple[int, ...]) -> Path:
    path = folder / "sharded.zarr"
    array = zarr.create_array(
        path, shape=shape, chunks=CHUNKS, shards=SHARDS, dtype="uint16", overwrite=True
    )
    rng = np.random.default_rng(0)
    for z in range(0, shape[0], SHARDS[0]):  # a shard-thick slab at a time
        slab = (min(SHARDS[0], shape[0] - z), *shape[1:])
        array[z : z + slab[0]] = rng.integers(0, 4000, slab, dtype=np.uint16)
    return path


def ours(location: str | Path) -> Any:
    return fileglancer_ext.open(location).values


def zarr_python(location: str | Path) -> Any:
    if isinstance(location, Path):
        return zarr.open_array(location, mode="r")[...]
    return zarr.open_array(FsspecStore.from_url(str(location), read_only=True), mode="r")[...]


def measure(
    read: Callable[[Any], Any], location: Any, rounds: int, traffic: Traffic | None
) -> tuple[int | None, float | None, float]:
    """(requests per read, MB per read, median seconds) of `rounds` full reads."""
    seconds = []
    for _ in range(rounds):
        if traffic is not None:
            traffic.clear()
        started = time.perf_counter()
        read(location)
        seconds.append(time.perf_counter() - started)
    if traffic is None:
        return None, None, statistics.median(seconds)
    return traffic.count, traffic.body_bytes / 1e6, statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", type=int, nargs=3, default=[64, 1024, 1024])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fileglancer-bench-open-") as scratch:
        lab = Path(scratch) / "lab"
        lab.mkdir()
        path = write_array(lab, tuple(args.shape))
        store_url = f"sqlite:///{Path(scratch) / 'links.sqlite3'}"
        store = ShareLinkStore.from_url(store_url)
        link = store.create(getpass.getuser(), "lab", str(lab), path.name)
        store.close()
        nbytes = np.prod(args.shape) * 2
        print(
            f"array {tuple(args.shape)} uint16 ({nbytes / 1e6:.0f} MB), chunks {CHUNKS}, "
            f"shards {SHARDS}; {args.rounds} rounds, median"
        )
        rows = []
        server = LinkServer(store_url).start()
        try:
            shared = urlsplit(server.share(link.token))
            with counting_proxy(f"{shared.scheme}://{shared.netloc}") as (proxy, traffic):
                url = (proxy + shared.path).rstrip("/")
                for name, read in (("ours", ours), ("zarr-python", zarr_python)):
                    rows.append((name, "data link", *measure(read, url, args.rounds, traffic)))
        finally:
            server.stop()
        for name, read in (("ours", ours), ("zarr-python", zarr_python)):
            rows.append((name, "local", *measure(read, path, args.rounds, None)))
    print(f"{'reader':<12} {'through':<10} {'requests':>9} {'MB':>8} {'seconds':>8}")
    for name, where, requests, megabytes, seconds in rows:
        shown = "-" if requests is None else str(requests)
        mb = "-" if megabytes is None else f"{megabytes:.1f}"
        print(f"{name:<12} {where:<10} {shown:>9} {mb:>8} {seconds:>8.3f}")


if __name__ == "__main__":
    main()
