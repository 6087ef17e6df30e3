"""Time to the first full view and to a zoomed full-resolution view of the image viewer,
and the bytes each reads, on a 3-channel OME-Zarr 0.4 pyramid made for the run.

The viewer (src/viewer/) asks `viewer-info` once, then one PNG tile per visible 256 px tile
(`tiles.service.render_tile`). This script calls the same service functions in process:

* first view: `describe` + every tile of the coarsest scale that fits a `--viewport` wide
  canvas (what OpenSeadragon asks first when an image opens);
* zoomed view: the scale-0 (full resolution) tiles of a viewport at the image's centre.

Each is measured three times: without the decoded-chunk cache (`tiles.chunkcache`; every
tile decodes its chunks, a 1024 px chunk up to 16 times), with it emptied first (cold),
and with it as the first two left it, redrawing the same views with other windows (warm:
what a contrast change or a pan back costs). Bytes read are the process's `rchar`
(/proc/self/io): every byte read by a read syscall, page cache included (the image was
just written: the page cache is warm in every column), so chunks read twice count twice.
Tiles are drawn one after the other (a browser asks ~6 at a time); times are the median of
`--repeat` runs of the three columns. Run:
`python benchmarks/viewer.py` (19000 x 19000 x 3 uint16 in 1024 px chunks: 2.0 GiB at
level 0, written in a few minutes) or `--side 4096` for a quick look.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from fileglancer_ext.system.confined_io import ANYWHERE
from fileglancer_ext.tiles.chunkcache import CHUNK_CACHE, DEFAULT_MAX_BYTES
from fileglancer_ext.tiles.service import TILE_SIZE, TileQuery, describe, render_tile

CHANNELS = 3


def rchar() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


def write_pyramid(path: Path, side: int, chunk: int) -> int:
    """A (c, y, x) uint16 OME-Zarr 0.4 of `side` x `side` in chunks of (1, chunk, chunk),
    levels halved down to <= 512; returns the uncompressed bytes of level 0."""
    import zarr

    group = zarr.open_group(path, mode="w", zarr_format=2)
    rng = np.random.default_rng(0)
    levels, size = [], side
    while True:
        levels.append(size)
        if size <= 512:
            break
        size //= 2
    datasets = []
    for index, size in enumerate(levels):
        array = group.create_array(
            str(index),
            shape=(CHANNELS, size, size),
            chunks=(1, chunk, chunk),
            dtype="uint16",
        )
        rows = max(chunk, (64 * 2**20) // (CHANNELS * size * 2) // chunk * chunk)
        for y0 in range(0, size, rows):
            y1 = min(size, y0 + rows)
            if index == 0:
                yy = np.arange(y0, y1, dtype=np.float32)[:, None]
                xx = np.arange(size, dtype=np.float32)[None, :]
                slab = np.empty((CHANNELS, y1 - y0, size), np.uint16)
                for c in range(CHANNELS):
                    wave = np.sin(xx / (40 + 30 * c)) * np.cos(yy / (50 + 20 * c))
                    noise = rng.integers(0, 400, size=(y1 - y0, size))
                    slab[c] = (2000 + 1500 * wave + noise).astype(np.uint16)
            else:
                above = group[str(index - 1)][:, 2 * y0 : 2 * y1, :]
                slab = above[:, ::2, ::2]
            array[:, y0:y1, :] = slab
        datasets.append(
            {
                "path": str(index),
                "coordinateTransformations": [
                    {"type": "scale", "scale": [1.0, 0.5 * 2**index, 0.5 * 2**index]}
                ],
            }
        )
    group.attrs["multiscales"] = [
        {
            "version": "0.4",
            "axes": [
                {"name": "c", "type": "channel"},
                {"name": "y", "type": "space", "unit": "micrometer"},
                {"name": "x", "type": "space", "unit": "micrometer"},
            ],
            "datasets": datasets,
        }
    ]
    colors = ["0000FF", "00FF00", "FF0000"]
    group.attrs["omero"] = {
        "channels": [
            {"color": color, "window": {"start": 500, "end": 4000, "min": 0, "max": 65535}}
            for color in colors
        ]
    }
    return CHANNELS * side * side * 2


def view(path: Path, scale: int, tiles: list[tuple[int, int]], **style) -> tuple[float, int]:
    started, read = time.perf_counter(), rchar()
    for x, y in tiles:
        render_tile(path, ANYWHERE, TileQuery(scale=scale, x=x, y=y, **style))
    return time.perf_counter() - started, rchar() - read


# Columns: the chunk cache's size (0: none), whether it is emptied first, the tiles' style.
RUNS = {
    "no chunk cache": (0, True, {}),
    "cache, cold": (DEFAULT_MAX_BYTES, True, {}),
    # The same view drawn again with other windows: new tile URLs (the browser's cache
    # misses), the same chunks.
    "cache, warm (contrast changed)": (
        DEFAULT_MAX_BYTES,
        False,
        {"channels": (0, 1, 2), "windows": ((800.0, 3500.0),) * CHANNELS},
    ),
}


def measure(
    path: Path, views: list[tuple[int, list[tuple[int, int]]]], max_bytes: int, empty: bool, style
) -> list[tuple[float, int, int]]:
    """(seconds, bytes read, chunks decoded) of viewer-info plus the first view, then of
    each other view, with the chunk cache at `max_bytes` (`empty`: emptied first)."""
    CHUNK_CACHE.resize(max_bytes)
    if empty:
        CHUNK_CACHE.clear()
    started, read = time.perf_counter(), rchar()
    describe(path, ANYWHERE)
    extra = (time.perf_counter() - started, rchar() - read)
    results = []
    for scale, cells in views:
        before = CHUNK_CACHE.stats().misses
        seconds, read_bytes = view(path, scale, cells, **style)
        results.append(
            (seconds + extra[0], read_bytes + extra[1], CHUNK_CACHE.stats().misses - before)
        )
        extra = (0.0, 0)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--side",
        type=int,
        default=19000,
        help="level-0 width and height (default 19000: 2.0 GiB; 4096 for a quick look)",
    )
    parser.add_argument("--chunk", type=int, default=1024, help="chunk width and height")
    parser.add_argument("--viewport", type=int, nargs=2, default=(1024, 768))
    parser.add_argument("--repeat", type=int, default=3, help="runs of the three columns")
    parser.add_argument("--folder", type=Path, default=None, help="where to write the image")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.folder) as tmp:
        path = Path(tmp) / "bench.ome.zarr"
        started = time.perf_counter()
        size = write_pyramid(path, args.side, args.chunk)
        print(
            f"wrote {args.side} x {args.side} x {CHANNELS} uint16 ({size / 2**30:.2f} GiB, "
            f"chunks {args.chunk} x {args.chunk}) in {time.perf_counter() - started:.0f} s"
        )
        width, height = args.viewport
        info = describe(path, ANYWHERE)
        fit = max(0, math.ceil(math.log2(args.side / min(width, height))))
        scale = min(fit, info["maxScale"])
        count = math.ceil(args.side / (TILE_SIZE * 2**scale))
        whole = [(x, y) for x in range(count) for y in range(count)]
        cx, cy = args.side // 2, args.side // 2
        xs = range((cx - width // 2) // TILE_SIZE, (cx + width // 2 - 1) // TILE_SIZE + 1)
        ys = range((cy - height // 2) // TILE_SIZE, (cy + height // 2 - 1) // TILE_SIZE + 1)
        zoomed = [(x, y) for x in xs for y in ys]
        views = [(scale, whole), (0, zoomed)]
        # (seconds, bytes read, chunks decoded) per run and view, for each repetition.
        found = [[measure(path, views, *run) for run in RUNS.values()] for _ in range(args.repeat)]
        names = [
            f"first full view (viewer-info + {len(whole)} tiles, scale {scale})",
            f"zoomed full-resolution view ({len(zoomed)} tiles, scale 0)",
        ]
        rows: dict[str, list[str]] = {name: [] for name in names}
        for column, (max_bytes, _, _) in enumerate(RUNS.values()):
            for row, name in enumerate(names):
                seconds = statistics.median(rep[column][row][0] for rep in found)
                _, read_bytes, decoded = found[-1][column][row]
                figures = f"{seconds * 1000:.0f} ms, {read_bytes / 2**20:.1f} MiB read"
                if max_bytes:
                    figures += f", {decoded} chunks decoded"
                rows[name].append(figures)
        print(f"\n| view | {' | '.join(RUNS)} |")
        print("|---" * (len(RUNS) + 1) + "|")
        for name, figures in rows.items():
            print(f"| {name} | {' | '.join(figures)} |")
        print(f"\n(level 0: {size / 2**20:,.0f} MiB; load average {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
