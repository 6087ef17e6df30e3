"""Benchmark: viewing a shared OME-TIFF through its virtual OME-Zarr against converting first.

    python benchmarks/tiff_share.py [--size-mib 2048] [--clients 8] [--seconds 5]

Writes one OME-TIFF pyramid of `--size-mib` (uint16 planes of 4096 x 4096, two channels,
512 x 512 tiles, zlib level 1, two SubIFD levels; smooth structure plus noise so it
compresses like microscopy), links its folder with the CLI and serves the link with the
standalone link server (`fileglancer-ext serve-links`, its own process). Then:

1. First view: the time until a viewer has the first 1024 x 1024 view (every channel of the
   middle plane at full resolution: `.zgroup`, `.zattrs`, `0/.zarray` and the 2 x 2 tiles
   per channel under the centre, fetched as a viewer does; a fresh server parses the TIFF
   on the first request, which is timed too) through the link's virtual OME-Zarr, against
   converting the file first with our converter (`convert_tiff_to_ome_zarr`, same chunks,
   3 levels, its default codec) and then fetching the same view of the converted OME-Zarr
   through the same link.
2. Chunk requests/s: `--clients` aiohttp clients in flight for `--seconds`, cycling over
   the same level-0 chunk keys, through the virtual view and through the converted
   OME-Zarr, each on a link-server process of its own, in turn for `--rounds` rounds
   (median; the goal is virtual / converted >= 0.8).
3. Server memory: the link server's RSS once the first view is served (the parsed TIFF and
   the libraries loaded), and its peak (VmHWM) after the 8 clients read, for each.

Chunk phase, also: the server's CPU time per request (less sensitive to a busy machine than
requests/s), and the same figures for the TIFF's own level-0 tiles copied out as files of
a plain Zarr (`image.tiles.zarr`): the same bytes the virtual view sends, through the plain
file path, which tells the cost of the virtual view from that of the tiles' size.

Nothing is asserted: the figures are printed as a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).parent))
from share import Server, link_server  # noqa: E402 - the share benchmark's server helpers

DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "fileglancer-bench-tiff-share"
SIDE, TILE, CHANNELS = 4096, 512, 2
VIEW = 1024


def write_tiff(path: Path, size_mib: int) -> int:
    """The benchmark OME-TIFF (reused when present); returns its planes per channel."""
    import numpy as np
    import tifffile

    planes = max(2, size_mib * (1 << 20) // (SIDE * SIDE * 2 * CHANNELS))  # keeps a z axis
    if path.exists():
        with tifffile.TiffFile(path) as tif:
            if tif.series[0].shape == (CHANNELS, planes, SIDE, SIDE):
                return planes
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
    rng = np.random.default_rng(0)

    def plane(c: int, z: int, step: int) -> np.ndarray:
        y, x = yy[::step, ::step], xx[::step, ::step]
        smooth = 2000 + 1500 * np.sin(x / (37.0 + c) + z / 9.0) * np.cos(y / 53.0 - z / 17.0)
        noise = rng.normal(0, 40, smooth.shape)
        return (smooth + noise).clip(0, 65535).astype(np.uint16)

    def frames(step: int):  # tile by tile, as tifffile takes an iterator for tiled pages
        for c in range(CHANNELS):
            for z in range(planes):
                image = plane(c, z, step)
                for y in range(0, image.shape[0], TILE):
                    for x in range(0, image.shape[1], TILE):
                        yield image[y : y + TILE, x : x + TILE]

    options = {
        "tile": (TILE, TILE),
        "compression": "zlib",
        "compressionargs": {"level": 1},
        "dtype": np.uint16,
        "photometric": "minisblack",
    }
    metadata = {"axes": "CZYX", "PhysicalSizeX": 0.5, "PhysicalSizeY": 0.5, "PhysicalSizeZ": 2.0}
    started = time.perf_counter()
    with tifffile.TiffWriter(path, bigtiff=True, ome=True) as tif:
        shape = (CHANNELS, planes, SIDE, SIDE)
        tif.write(frames(1), shape=shape, subifds=2, metadata=metadata, **options)
        for step in (2, 4):
            reduced = (CHANNELS, planes, SIDE // step, SIDE // step)
            tif.write(frames(step), shape=reduced, subfiletype=1, metadata=None, **options)
    took = time.perf_counter() - started
    print(f"wrote {path} ({path.stat().st_size / (1 << 20):.0f} MiB) in {took:.1f} s", flush=True)
    return planes


def write_tiles(source: Path, destination: Path) -> None:
    """The TIFF's level-0 tiles, as stored, as the chunk files of a Zarr (reused)."""
    import tifffile

    if (destination / "0" / ".zarray").exists():
        return
    with tifffile.TiffFile(source) as tif, open(source, "rb") as raw:
        series = tif.series[0]
        for index, page in enumerate(series.pages):
            c, z = divmod(index, series.shape[1])
            for tile, (offset, count) in enumerate(
                zip(page.dataoffsets, page.databytecounts, strict=True)
            ):
                y, x = divmod(tile, SIDE // TILE)
                folder = destination / "0" / str(c) / str(z) / str(y)
                folder.mkdir(parents=True, exist_ok=True)
                raw.seek(offset)
                (folder / str(x)).write_bytes(raw.read(count))
        shape = list(series.shape)
    zarray = {
        "zarr_format": 2,
        "shape": shape,
        "chunks": [1, 1, TILE, TILE],
        "dtype": "<u2",
        "compressor": {"id": "zlib", "level": 1},
        "fill_value": 0,
        "order": "C",
        "filters": None,
        "dimension_separator": "/",
    }
    (destination / ".zgroup").write_text(json.dumps({"zarr_format": 2}))
    (destination / ".zattrs").write_text("{}")
    (destination / "0" / ".zarray").write_text(json.dumps(zarray))


def convert(source: Path, destination: Path) -> float:
    """Seconds our converter takes to the same chunks (in a process set up as the CLI's)."""
    shutil.rmtree(destination, ignore_errors=True)
    script = (
        "import sys, warnings; warnings.simplefilter('ignore')\n"
        "from fileglancer_ext.convert import ConversionOptions, convert_tiff_to_ome_zarr\n"
        "from fileglancer_ext.convert.plan import configure_conversion_process\n"
        "configure_conversion_process()\n"
        f"options = ConversionOptions(chunks=({TILE}, {TILE}), levels=3, workers=2)\n"
        "convert_tiff_to_ome_zarr(sys.argv[1], sys.argv[2], options)\n"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", script, str(source), str(destination)], check=True)
    return time.perf_counter() - started


def view_keys(planes: int) -> list[str]:
    """The chunk keys of the first view: every channel, the middle plane, the centre."""
    middle, first = planes // 2, (SIDE // 2 - VIEW // 2) // TILE
    tiles = range(first, first + VIEW // TILE)
    return [f"0/{c}/{middle}/{y}/{x}" for c in range(CHANNELS) for y in tiles for x in tiles]


def first_view(url: str, planes: int) -> float:
    """Seconds a viewer needs for metadata and the first view's chunks (8 in flight)."""
    keys = [".zgroup", ".zattrs", "0/.zarray"]

    async def run() -> None:
        async with aiohttp.ClientSession() as session:
            for key in keys:
                async with session.get(url + key) as response:
                    assert response.status == 200, (key, response.status)
                    await response.read()

            async def one(key: str) -> None:
                async with session.get(url + key) as response:
                    assert response.status == 200, (key, response.status)
                    await response.read()

            await asyncio.gather(*(one(key) for key in view_keys(planes)))

    started = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - started


def chunk_keys(planes: int) -> list[str]:
    grid = SIDE // TILE
    return [
        f"0/{c}/{z}/{y}/{x}"
        for c in range(CHANNELS)
        for z in range(planes)
        for y in range(grid)
        for x in range(grid)
    ]


def requests_per_second(
    url: str, keys: list[str], clients: int, seconds: float
) -> tuple[float, float]:
    """(requests/s, MB/s) of `clients` clients cycling over `keys` for `seconds`."""

    async def run() -> tuple[int, int]:
        done = received = 0
        deadline = time.perf_counter() + seconds
        connector = aiohttp.TCPConnector(limit=clients)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def client(start: int) -> None:
                nonlocal done, received
                index = start
                while time.perf_counter() < deadline:
                    async with session.get(url + keys[index % len(keys)]) as response:
                        assert response.status == 200, response.status
                        body = await response.read()  # (not `+= await`: a lost update)
                    received += len(body)
                    done += 1
                    index += clients

            await asyncio.gather(*(client(i) for i in range(clients)))
        return done, received

    started = time.perf_counter()
    count, received = asyncio.run(run())
    took = time.perf_counter() - started
    return count / took, received / took / 1e6


def memory_mib(server: Server, field: str = "VmHWM") -> float:
    """The server's peak (VmHWM) or current (VmRSS) resident memory, NaN off Linux."""
    try:
        status = Path(f"/proc/{server.process.pid}/status").read_text()  # type: ignore[union-attr]
    except (AttributeError, OSError):
        return float("nan")
    line = next(line for line in status.splitlines() if line.startswith(field))
    return int(line.split()[1]) / 1024


def measure(data: Path, scratch: Path, planes: int, args) -> dict[str, dict[str, float]]:
    """First view, requests/s (median of alternating rounds) and memory of the virtual
    view and of the converted OME-Zarr, each on a fresh link server of its own."""
    # Up once it serves a plain file: the TIFF is parsed by the first view, and timed so.
    (data / "ready.txt").write_text("ready\n")
    paths = {
        "virtual": "image.ome.tif/ome.zarr/",
        "converted": "image.ome.zarr/",
        "tiles": "image.tiles.zarr/",
    }
    servers = {name: link_server(data, scratch, "ready.txt", []) for name in paths}
    figures: dict[str, dict[str, float]] = {name: {} for name in paths}
    rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in paths}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    keys = chunk_keys(planes)
    with servers["virtual"], servers["converted"], servers["tiles"]:
        urls = {name: servers[name].base + path for name, path in paths.items()}
        for name, url in urls.items():
            figures[name]["first_view_s"] = first_view(url, planes)
            figures[name]["rss_after_view_mib"] = memory_mib(servers[name], "VmRSS")
            requests_per_second(url, keys[: args.clients * 4], args.clients, 1.0)  # warm up
        for _ in range(args.rounds):  # in turn: a busy machine's load hits all alike
            for name, url in urls.items():
                started = servers[name].cpu_seconds() or 0.0
                rate, throughput = requests_per_second(url, keys, args.clients, args.seconds)
                used = (servers[name].cpu_seconds() or 0.0) - started
                rounds[name].append((rate, throughput))
                cpu[name].append(used / (rate * args.seconds) * 1e6)
        for name in paths:
            rate, throughput = statistics.median(rounds[name])  # the median round by rate
            figures[name]["requests_per_s"] = rate
            figures[name]["mb_per_s"] = throughput
            figures[name]["cpu_us_per_request"] = statistics.median(cpu[name])
            figures[name]["peak_rss_mib"] = memory_mib(servers[name])
    return figures


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=2048, help="level 0's size (2 GiB)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--rounds", type=int, default=3, help="requests/s rounds per server")
    parser.add_argument(
        "--keep", action="store_true", help="keep the files (and the conversion) for another run"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = args.workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    source = data / "image.ome.tif"
    planes = write_tiff(source, args.size_mib)
    timing = args.workdir / "convert-seconds.json"
    if timing.exists() and (data / "image.ome.zarr" / ".zattrs").exists():
        convert_s = json.loads(timing.read_text())  # a kept conversion of this file
    else:
        print("converting with our converter ...", flush=True)
        convert_s = convert(source, data / "image.ome.zarr")
        timing.write_text(json.dumps(convert_s))
    write_tiles(source, data / "image.tiles.zarr")
    # The page cache holds the file either way after writing: both paths read it warm.
    figures = measure(data, args.workdir, planes, args)
    virtual, converted, tiles = figures["virtual"], figures["converted"], figures["tiles"]
    rows = [
        (
            "first 1024x1024 view (s)",
            virtual["first_view_s"],
            convert_s + converted["first_view_s"],
        ),
        ("  of which converting (s)", 0.0, convert_s),
        ("chunk requests/s", virtual["requests_per_s"], converted["requests_per_s"]),
        ("  MB/s (chunks as stored: sizes differ)", virtual["mb_per_s"], converted["mb_per_s"]),
        (
            "  server CPU per request (us)",
            virtual["cpu_us_per_request"],
            converted["cpu_us_per_request"],
        ),
        (
            "server RSS after first view (MiB)",
            virtual["rss_after_view_mib"],
            converted["rss_after_view_mib"],
        ),
        ("server peak RSS, 8 clients (MiB)", virtual["peak_rss_mib"], converted["peak_rss_mib"]),
    ]
    size = source.stat().st_size / (1 << 20)
    print(
        f"\nOME-TIFF {size:.0f} MiB on disk, {planes} planes x {CHANNELS} channels of "
        f"{SIDE}x{SIDE} uint16, tiles {TILE}, clients {args.clients}, "
        f"median of {args.rounds} rounds of {args.seconds:.0f} s"
    )
    print(f"{'':40}{'virtual view':>14}{'convert first':>15}{'ratio':>8}")
    for label, ours, theirs in rows:
        ratio = f"{ours / theirs:.2f}" if theirs else ""
        print(f"{label:40}{ours:14.2f}{theirs:15.2f}{ratio:>8}")
    print(
        f"the TIFF's tiles as plain files: {tiles['requests_per_s']:.2f} requests/s, "
        f"{tiles['mb_per_s']:.2f} MB/s, {tiles['cpu_us_per_request']:.2f} us CPU per request "
        f"(virtual / tiles: {virtual['requests_per_s'] / tiles['requests_per_s']:.2f})"
    )
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if not args.keep:
        shutil.rmtree(args.workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
