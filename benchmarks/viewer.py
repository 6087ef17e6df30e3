"""Time to the first full view and to a zoomed full-resolution view of the image viewer,
and the bytes each reads, on a 3-channel OME-Zarr 0.4 pyramid made for the run.

The viewer (src/viewer/) asks `viewer-info` once, then one PNG tile per visible 256 px tile
(`tiles.service.render_tile`). This script calls the same service functions in process:

* first view: `describe` + every tile of the coarsest scale that fits a `--viewport` wide
  canvas (what OpenSeadragon asks first when an image opens);
* zoomed view: the scale-0 (full resolution) tiles of a viewport at the image's centre.

Bytes read are the process's `rchar` (/proc/self/io): every byte read by a read syscall,
page cache included, so chunks read twice count twice. Tiles are drawn one after the other
(a browser asks ~6 at a time). Run: `python benchmarks/viewer.py --side 16384` (a 1.5 GiB
image; `--side 20480` for 2.3 GiB) or a smaller `--side 4096` for a quick look.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np

from fileglancer_ext.system.confined_io import ANYWHERE
from fileglancer_ext.tiles.service import TILE_SIZE, TileQuery, describe, render_tile

CHANNELS = 3
CHUNK = 512


def rchar() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


def write_pyramid(path: Path, side: int) -> int:
    """A (c, y, x) uint16 OME-Zarr 0.4 of `side` x `side`, levels halved down to <= 512;
    returns the uncompressed bytes of level 0."""
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
            chunks=(1, CHUNK, CHUNK),
            dtype="uint16",
        )
        rows = max(CHUNK, (64 * 2**20) // (CHANNELS * size * 2) // CHUNK * CHUNK)
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


def view(path: Path, scale: int, tiles: list[tuple[int, int]]) -> tuple[float, int]:
    started, read = time.perf_counter(), rchar()
    for x, y in tiles:
        render_tile(path, ANYWHERE, TileQuery(scale=scale, x=x, y=y))
    return time.perf_counter() - started, rchar() - read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--side", type=int, default=4096, help="level-0 width and height")
    parser.add_argument("--viewport", type=int, nargs=2, default=(1024, 768))
    parser.add_argument("--folder", type=Path, default=None, help="where to write the image")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.folder) as tmp:
        path = Path(tmp) / "bench.ome.zarr"
        started = time.perf_counter()
        size = write_pyramid(path, args.side)
        print(
            f"wrote {args.side} x {args.side} x {CHANNELS} uint16 ({size / 2**30:.2f} GiB) "
            f"in {time.perf_counter() - started:.0f} s"
        )
        width, height = args.viewport
        started, read = time.perf_counter(), rchar()
        info = describe(path, ANYWHERE)
        info_s, info_bytes = time.perf_counter() - started, rchar() - read
        fit = max(0, math.ceil(math.log2(args.side / min(width, height))))
        scale = min(fit, info["maxScale"])
        span = TILE_SIZE * 2**scale
        count = math.ceil(args.side / span)
        first_s, first_bytes = view(
            path, scale, [(x, y) for x in range(count) for y in range(count)]
        )
        print(f"viewer-info: {info_s * 1000:.0f} ms, {info_bytes / 2**20:.2f} MiB read")
        print(
            f"first full view: scale {scale}, {count * count} tiles, "
            f"{(info_s + first_s) * 1000:.0f} ms, {(info_bytes + first_bytes) / 2**20:.1f} MiB read"
        )
        cx, cy = args.side // 2, args.side // 2
        xs = range((cx - width // 2) // TILE_SIZE, (cx + width // 2 - 1) // TILE_SIZE + 1)
        ys = range((cy - height // 2) // TILE_SIZE, (cy + height // 2 - 1) // TILE_SIZE + 1)
        zoom_s, zoom_bytes = view(path, 0, [(x, y) for x in xs for y in ys])
        print(
            f"zoomed full-resolution view: {len(xs) * len(ys)} tiles, {zoom_s * 1000:.0f} ms, "
            f"{zoom_bytes / 2**20:.1f} MiB read (of {size / 2**20:.0f} MiB at level 0)"
        )


if __name__ == "__main__":
    main()
