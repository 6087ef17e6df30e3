"""Benchmark: storage statistics of a Zarr folder of many chunk files against `du -sb`.

    python benchmarks/stats.py [--sizes 100000 1000000] [--layouts nested flat]
                               [--workdir DIR] [--runs 3] [--processes N]

Builds (or reuses, when an earlier run finished it) a Zarr v2 array per size and layout,
of small chunk files (40-140 bytes, written with os.open/os.write) plus `.zarray`:
"nested" ("/" chunk keys) has `count / 1000` row folders of 1000 chunk files each; "flat"
(Zarr v2's default "." keys) has every chunk file in the array's own folder. Then, per
size and layout, with the operating system's caches warm (one untimed run of each first):

- du: `du -sb <folder>`, the median of `--runs` runs;
- in process: `inspection.stats.core.scan_stats(<folder>)` walking in this thread only;
- server: the same with a `WalkPool` of `--processes` workers, as the server walks
  (`FileglancerApp.stats_processes`, default: the CPU cores, at most 4);
- ratio: each / du (the target is <= 1.5);
- match: whether du's figure equals ours (`stored_bytes + dir_bytes`: du counts folders).

Prints one table. Nothing is asserted: CI machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fileglancer_ext.inspection.stats.core import scan_stats
from fileglancer_ext.inspection.stats.walk import WalkPool, default_walk_processes

DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "fileglancer-bench-stats"
FILES_PER_FOLDER = 1000
CHUNK_SIDE = 4


# --- test folders ---------------------------------------------------------------------------


def ensure_folder(workdir: Path, count: int, layout: str = "nested") -> Path:
    """The Zarr array folder of `count` chunk files, built unless a finished one is there."""
    name = f"chunks-{count}" if layout == "nested" else f"chunks-{count}-{layout}"
    folder = workdir / f"{name}.zarr"
    ready = workdir / f"{name}.ready"
    if ready.exists() and folder.is_dir():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    rows = max(1, count // FILES_PER_FOLDER)
    columns = min(count, FILES_PER_FOLDER)
    separator = "/" if layout == "nested" else "."
    _write_zarray(folder, rows, columns, separator)
    payload = os.urandom(256)
    flat_fd = os.open(folder, os.O_RDONLY) if layout == "flat" else None
    try:
        for row in range(rows):
            if flat_fd is None:
                (folder / str(row)).mkdir()
            fd = flat_fd if flat_fd is not None else os.open(folder / str(row), os.O_RDONLY)
            prefix = f"{row}." if flat_fd is not None else ""
            try:
                for column in range(columns):
                    size = 40 + (row * 7 + column) % 101
                    _write_chunk(fd, f"{prefix}{column}", payload[:size])
            finally:
                if fd != flat_fd:
                    os.close(fd)
    finally:
        if flat_fd is not None:
            os.close(flat_fd)
    ready.touch()
    print(
        f"built {folder} ({rows * columns:,} chunk files) in {time.perf_counter() - started:.1f} s"
    )
    return folder


def _write_zarray(folder: Path, rows: int, columns: int, separator: str) -> None:
    metadata = {
        "zarr_format": 2,
        "shape": [rows * CHUNK_SIDE, columns * CHUNK_SIDE],
        "chunks": [CHUNK_SIDE, CHUNK_SIDE],
        "dtype": "<u2",
        "compressor": None,
        "fill_value": 0,
        "order": "C",
        "filters": None,
        "dimension_separator": separator,
    }
    (folder / ".zarray").write_text(json.dumps(metadata))


def _write_chunk(dir_fd: int, name: str, data: bytes) -> None:
    # Relative to the open row folder: no path walk per file.
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644, dir_fd=dir_fd)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


# --- measurements ---------------------------------------------------------------------------


def du_bytes(folder: Path) -> int:
    out = subprocess.run(["du", "-sb", str(folder)], check=True, capture_output=True, text=True)
    return int(out.stdout.split()[0])


def median_seconds(work: Callable[[], object], runs: int) -> float:
    work()  # warm the caches; not timed
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(folder: Path, runs: int, pool: WalkPool) -> dict[str, object]:
    stats = scan_stats(folder, pool=pool).data
    return {
        "du": median_seconds(lambda: du_bytes(folder), runs),
        "alone": median_seconds(lambda: scan_stats(folder), runs),
        "pooled": median_seconds(lambda: scan_stats(folder, pool=pool), runs),
        "match": du_bytes(folder) == stats["stored_bytes"] + stats["dir_bytes"],
        "stats": stats,
    }


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[100_000, 1_000_000], help="chunk files"
    )
    parser.add_argument(
        "--layouts", nargs="+", choices=["nested", "flat"], default=["nested", "flat"]
    )
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="where to build")
    parser.add_argument("--runs", type=int, default=3, help="runs per median (default 3)")
    parser.add_argument(
        "--processes", type=int, default=default_walk_processes(), help="walk pool workers"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pool = WalkPool(args.processes)
    pool.start(wait=True)  # a running server's pool is up after its first large walk
    try:
        rows = [
            (count, layout, measure(ensure_folder(args.workdir, count, layout), args.runs, pool))
            for count in args.sizes
            for layout in args.layouts
        ]
    finally:
        pool.close()
    print()
    print(
        f"| chunk files | layout | du -sb (s) | in process (s) | ratio | server, "
        f"{args.processes} processes (s) | ratio (target <= 1.5) | bytes match du |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|:---:|")
    for count, layout, row in rows:
        du, stats = float(row["du"]), dict(row["stats"])  # type: ignore[arg-type]
        alone, pooled = float(row["alone"]), float(row["pooled"])  # type: ignore[arg-type]
        total = stats["stored_bytes"] + stats["dir_bytes"]
        figures = f"{'yes' if row['match'] else 'NO'} ({total:,})"
        print(
            f"| {stats['chunk_files']:,} of {count:,} | {layout} | {du:.3f} | {alone:.3f} "
            f"| {alone / du:.2f} | {pooled:.3f} | {pooled / du:.2f} | {figures} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
