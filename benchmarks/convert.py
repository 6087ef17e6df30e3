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

Each runs in its own subprocess; the table shows wall time, peak RSS of that process, and
the size of the output on disk. Nothing is asserted: the target is printed below.
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

_PRELUDE = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
source, destination, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
started = time.perf_counter()
"""
_REPORT = """
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
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
    peak_rss_mib: float | None = None
    output_mib: float | None = None
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
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return Row(tool, report["seconds"], report["peak_rss_mib"], size / (1 << 20))


def print_table(rows: list[Row], input_mib: float) -> None:
    header = ["tool", "wall time (s)", "peak RSS (MiB)", "output (MiB)", "note"]
    lines = [
        [
            r.tool,
            f"{r.seconds:.1f}" if r.seconds is not None else "n/a",
            f"{r.peak_rss_mib:.0f}" if r.peak_rss_mib is not None else "n/a",
            f"{r.output_mib:.0f}" if r.output_mib is not None else "n/a",
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
    print(f"input: {input_mib:.0f} MiB uint16; target: ours faster than ome-zarr-py with lower")
    print("peak memory; peak RSS of a 4 GiB input under 1.5 GiB.")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="input size (default 1024)")
    parser.add_argument("--workers", type=int, default=1, help="processes/threads per tool")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--keep", action="store_true", help="keep the input for the next run")
    parser.add_argument(
        "--tools",
        nargs="+",
        default=["ours", "ome-zarr-py", "ngff-zarr"],
        choices=["ours", "ome-zarr-py", "ngff-zarr"],
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, workdir {args.workdir}")
    source = args.workdir / f"input-{args.size_mib}MiB.ome.tif"
    planes = write_input(source, args.size_mib)
    scripts = {"ours": OURS, "ome-zarr-py": OME_ZARR_PY, "ngff-zarr": NGFF_ZARR}
    rows = []
    try:
        for tool in args.tools:
            out = args.workdir / f"{tool}.ome.zarr"
            rows.append(run_tool(tool, scripts[tool], source, out, args.workers))
            shutil.rmtree(out, ignore_errors=True)
    finally:
        if not args.keep:
            source.unlink(missing_ok=True)
    print()
    print_table(rows, planes * HEIGHT * WIDTH * 2 / (1 << 20))
    return 0


if __name__ == "__main__":
    sys.exit(main())
