"""Benchmark: TIFF -> OME-Zarr pyramid, ours against ome-zarr-py and ngff-zarr.

    python benchmarks/convert.py [--size-mib 1024] [--workers 1] [--workdir DIR] [--keep]

Writes one uint16 3D TIFF of `--size-mib` (planes of 1024 x 1024; smooth structure plus
noise, so it compresses like microscopy rather than like zeros or pure noise) with
OME-XML pixel sizes z = 8 x (y, x), then converts it to the same OME-NGFF 0.4 pyramid
(4 levels halving y and x, chunks 64 x 256 x 256, Blosc zstd level 5 with shuffle) with:

- ours: `fileglancer_ext.convert.convert_tiff_to_ome_zarr` (region tasks, `--workers`),
  in a process set up as the CLI and the pool workers are (zarr codec threads: 2);
- ome-zarr-py: `ome_zarr.writer.write_image` on a dask array over tifffile's Zarr store;
- ngff-zarr: `to_multiscales` + `to_ngff_zarr` on the same dask array (when importable).

Each runs in its own subprocess; the table shows wall time, CPU time (user + system), peak
RSS of that process, the size of the output on disk, and the ratio of the wall time to the
floor: reading the TIFF once and compressing its pixels once with the same codec and chunks
(`floor`, run the same way, Blosc using every core). A sampler thread in each process looks
at every thread's stack every 10 ms and counts the busy ones by what they are doing: read
(TIFF, or decoding a level read back), downsample, encode, write (files), other (Zarr's own
bookkeeping, imports, validation); the split is in thread-seconds, so it can exceed the wall
time when threads run side by side. Nothing is asserted: the target is printed below.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "fileglancer-bench-convert"
HEIGHT = WIDTH = 1024
CHUNKS = (64, 256, 256)
LEVELS = 4
PIXEL_SIZE = {"z": 4.0, "y": 0.5, "x": 0.5}

KINDS = ("read", "downsample", "encode", "write", "other")

# Runs in each tool's process: what every busy thread does, every 10 ms.
_SAMPLER = """
import collections, sys, threading, time

INTERVAL = 0.01
IDLE = {"wait", "select", "_worker", "get", "acquire", "sleep", "_sample", "join"}
samples = collections.Counter()


def _kind(frame):
    top = frame.f_code.co_name
    if top in IDLE:
        return None
    names = []
    if top == "run" and frame.f_code.co_filename.endswith("thread.py"):  # a native call
        call = getattr(frame.f_locals.get("self"), "fn", None)
        while hasattr(call, "func"):  # functools.partial(context.run, function, ...)
            call = next((a for a in call.args if callable(a)), call.func)
        names.append(getattr(call, "__qualname__", "") or "")
    while frame is not None:
        names.append(frame.f_code.co_filename + ":" + frame.f_code.co_name)
        frame = frame.f_back
    for name in names:
        low = name.lower()
        if "encode" in low or "compress" in low:
            return "encode"
        if "decode" in low or "tifffile" in low:
            return "read"
        if any(w in low for w in ("downsample", "skimage", "resize", "coarsen", "/scale.py")):
            return "downsample"
        if low.endswith((":_put", ":write_bytes", ":set_bytes", "localstore.set", ":_write")):
            return "write"
    return "other"


def _sample():
    me = threading.get_ident()
    while True:
        for ident, frame in sys._current_frames().items():
            if ident != me and (kind := _kind(frame)) is not None:
                samples[kind] += 1
        time.sleep(INTERVAL)


threading.Thread(target=_sample, daemon=True).start()
"""
_PRELUDE = (
    """
import json, os, resource, sys, time, warnings
warnings.simplefilter("ignore")
source, destination, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
started = time.perf_counter()
"""
    + _SAMPLER
)
_REPORT = """
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - started,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mib": usage.ru_maxrss / 1024,
                  "split": {k: n * INTERVAL for k, n in samples.items()}}))
"""
_DASK_INPUT = """
import dask.array as da, tifffile, zarr
store = tifffile.imread(source, aszarr=True)
image = da.from_zarr(zarr.open_array(store, mode="r"), chunks=(64, 256, 256))
"""

OURS = (
    _PRELUDE
    + """
from fileglancer_ext.convert import ConversionOptions, convert_tiff_to_ome_zarr
from fileglancer_ext.convert.plan import configure_conversion_process
configure_conversion_process()  # as the CLI and the pool workers do
options = ConversionOptions(chunks=(64, 256, 256), levels=4, workers=workers)
convert_tiff_to_ome_zarr(source, destination, options)
"""
    + _REPORT
)

OME_ZARR_PY = (
    _PRELUDE
    + _DASK_INPUT
    + """
import numcodecs
from ome_zarr.format import FormatV04
from ome_zarr.writer import write_image
import dask
dask.config.set(num_workers=workers)
group = zarr.open_group(destination, mode="w", zarr_format=2)
compressor = numcodecs.Blosc(cname="zstd", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)
write_image(image, group, scale_factors=[2, 4, 8], fmt=FormatV04(), axes="zyx",
            scale={"z": 4.0, "y": 0.5, "x": 0.5},
            storage_options={"chunks": (64, 256, 256), "compressor": compressor})
"""
    + _REPORT
)

# The floor: read the TIFF once, plane by plane, and compress level 0 once in the same
# chunks and codec, Blosc's own threads on every core; the bytes are not written.
FLOOR = (
    _PRELUDE
    + """
import numcodecs, numpy as np, tifffile
numcodecs.blosc.set_nthreads(os.cpu_count())
codec = numcodecs.Blosc(cname="zstd", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)


def read_tiff(pages):
    return np.stack([page.asarray() for page in pages])


def encode(chunk):
    return codec.encode(np.ascontiguousarray(chunk))


with tifffile.TiffFile(source) as tif:
    pages = tif.series[0].pages
    for z in range(0, len(pages), 64):
        slab = read_tiff(pages[z : z + 64])
        for y in range(0, slab.shape[1], 256):
            for x in range(0, slab.shape[2], 256):
                encode(slab[:, y : y + 256, x : x + 256])
"""
    + _REPORT
)

NGFF_ZARR = (
    _PRELUDE
    + _DASK_INPUT
    + """
import dask
import ngff_zarr as nz
dask.config.set(num_workers=workers)
ngff_image = nz.to_ngff_image(image, dims=["z", "y", "x"], scale={"z": 4.0, "y": 0.5, "x": 0.5})
factors = [{"z": 1, "y": 2 ** n, "x": 2 ** n} for n in range(1, 4)]
multiscales = nz.to_multiscales(ngff_image, scale_factors=factors, chunks=(64, 256, 256),
                                method=nz.Methods.ITKWASM_BIN_SHRINK)
nz.to_ngff_zarr(destination, multiscales, version="0.4")
"""
    + _REPORT
)


@dataclass
class Row:
    tool: str
    seconds: float | None = None
    cpu_seconds: float | None = None
    peak_rss_mib: float | None = None
    output_mib: float | None = None
    split: dict[str, float] | None = None
    note: str = ""


def write_input(path: Path, size_mib: int) -> int:
    """The benchmark TIFF, built plane by plane (reused when present); returns its planes."""
    import numpy as np
    import tifffile

    planes = max(CHUNKS[0], size_mib * (1 << 20) // (HEIGHT * WIDTH * 2))
    if path.exists():
        with tifffile.TiffFile(path) as tif:
            if tif.series[0].shape == (planes, HEIGHT, WIDTH):
                return planes
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    rng = np.random.default_rng(0)

    def frames():
        for z in range(planes):
            smooth = 2000 + 1500 * np.sin(xx / 37.0 + z / 9.0) * np.cos(yy / 53.0 - z / 17.0)
            yield (smooth + rng.normal(0, 40, smooth.shape)).clip(0, 65535).astype(np.uint16)

    metadata = {"axes": "ZYX", **{f"PhysicalSize{a.upper()}": s for a, s in PIXEL_SIZE.items()}}
    started = time.perf_counter()
    with tifffile.TiffWriter(path, bigtiff=True, ome=True) as tif:
        tif.write(
            frames(),
            shape=(planes, HEIGHT, WIDTH),
            dtype=np.uint16,
            metadata=metadata,
            photometric="minisblack",
        )
    print(f"wrote {path} ({planes} planes) in {time.perf_counter() - started:.1f} s", flush=True)
    return planes


def run_tool(tool: str, script: str, source: Path, out: Path, workers: int) -> Row:
    shutil.rmtree(out, ignore_errors=True)
    print(f"running {tool} ...", flush=True)
    done = subprocess.run(
        [sys.executable, "-c", script, str(source), str(out), str(workers)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        return Row(tool, note=last[:60])
    report = json.loads(done.stdout.strip().splitlines()[-1])
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) if out.exists() else 0
    return Row(
        tool,
        report["seconds"],
        report["cpu_seconds"],
        report["peak_rss_mib"],
        size / (1 << 20),
        report["split"],
    )


def print_table(rows: list[Row], input_mib: float, load: tuple[float, float]) -> None:
    floors = [r.seconds for r in rows if r.tool == "floor" and r.seconds]
    floor = min(floors) if floors else None
    header = ["tool", "wall (s)", "CPU (s)", "x floor", "peak RSS (MiB)", "output (MiB)"]
    header += [f"{k} (thread-s)" for k in KINDS] + ["note"]

    def figure(value: float | None, form: str) -> str:
        return format(value, form) if value is not None else "n/a"

    lines = [
        [
            r.tool,
            figure(r.seconds, ".1f"),
            figure(r.cpu_seconds, ".1f"),
            figure(r.seconds / floor if r.seconds and floor else None, ".1f"),
            figure(r.peak_rss_mib, ".0f"),
            figure(r.output_mib, ".0f") if r.tool != "floor" else "-",
            *(figure((r.split or {}).get(k, 0.0) if r.split else None, ".1f") for k in KINDS),
            r.note,
        ]
        for r in rows
    ]
    widths = [max(len(x) for x in column) for column in zip(header, *lines, strict=True)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for line in lines:
        print(" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))
    print()
    best = {
        t: min((r.seconds for r in rows if r.tool == t and r.seconds), default=None)
        for t in ("ours", "ome-zarr-py")
    }
    if best["ours"] and best["ome-zarr-py"]:
        print(
            f"ours is {best['ome-zarr-py'] / best['ours']:.1f}x faster than ome-zarr-py (best runs)"
        )
    print(
        f"input: {input_mib:.0f} MiB uint16; load average {load[0]:.1f} before, "
        f"{load[1]:.1f} after, on {os.cpu_count()} CPUs"
    )
    print("target: ours 3x faster than ome-zarr-py; peak RSS under 1.5 GiB and flat in the")
    print("input size (compare the 1 GiB and 4 GiB runs).")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="input size (default 1024)")
    parser.add_argument("--workers", type=int, default=1, help="processes/threads per tool")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--keep", action="store_true", help="keep the input for the next run")
    parser.add_argument(
        "--tools",
        nargs="+",
        default=["floor", "ours", "ome-zarr-py", "ngff-zarr"],
        choices=["floor", "ours", "ome-zarr-py", "ngff-zarr"],
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each tool")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, workdir {args.workdir}")
    source = args.workdir / f"input-{args.size_mib}MiB.ome.tif"
    planes = write_input(source, args.size_mib)
    scripts = {"floor": FLOOR, "ours": OURS, "ome-zarr-py": OME_ZARR_PY, "ngff-zarr": NGFF_ZARR}
    rows = []
    load_before = os.getloadavg()[0]
    try:
        for _ in range(args.repeat):
            for tool in args.tools:
                out = args.workdir / f"{tool}.ome.zarr"
                rows.append(run_tool(tool, scripts[tool], source, out, args.workers))
                shutil.rmtree(out, ignore_errors=True)
    finally:
        if not args.keep:
            source.unlink(missing_ok=True)
    print()
    load = (load_before, os.getloadavg()[0])
    print_table(rows, planes * HEIGHT * WIDTH * 2 / (1 << 20), load)
    return 0


if __name__ == "__main__":
    sys.exit(main())
