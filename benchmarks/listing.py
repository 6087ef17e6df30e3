"""Benchmark: paginated listings of huge folders against a bare scandir and the Contents API.

    python benchmarks/listing.py [--sizes 10000 100000 1000000] [--workdir DIR] [--keep]

Builds folders of N empty files named like Zarr v2 chunk keys ("12.3.45"; reused when an
earlier `--keep` run left them), then measures, per size:

- scandir: `[e.name for e in os.scandir(d)]`, the floor any listing pays;
- first page: `DirectoryLister.list_page` of a fresh lister (our cache cold; the operating
  system's cache as warm as for scandir): scan, natural sort, 200 entries with stat, kind
  and owner;
- later page: a cursor halfway through the listing, snapshot cached;
- re-sort: the first page sorted by mtime, descending, after a name-sorted first page
  (stats every entry once);
- HTTP first page: `GET /fileglancer/api/list/home/<dir>?limit=200` on a real
  `jupyter server` with the extension (cold: first request), "n/a" when the route is absent;
- Contents API: `GET /api/contents/<dir>` on the same server, what JupyterLab's file
  browser asks for, with `--contents-timeout`.

Medians of `--runs` runs, except the one-shot HTTP figures. Nothing is asserted: the
targets are printed next to the figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fileglancer_ext.browse.listing import DirectoryLister, ListingRequest

DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "fileglancer-bench-listing"
SERVER_START_TIMEOUT = 90.0


# --- test folders ---------------------------------------------------------------------------


def chunk_names(count: int) -> list[str]:
    """`count` Zarr v2 chunk keys of a cubic 3-D grid: "0.0.0", "0.0.1", ..."""
    side = max(1, math.ceil(round(count ** (1 / 3), 6)))
    grid = itertools.product(range(side), repeat=3)
    return [f"{i}.{j}.{k}" for i, j, k in itertools.islice(grid, count)]


def ensure_folder(workdir: Path, count: int) -> tuple[Path, bool]:
    """The folder of `count` empty files, built unless ready; and whether this run built it."""
    folder = workdir / f"files-{count}"
    ready = workdir / f"files-{count}.ready"
    if ready.exists() and folder.is_dir():
        return folder, False
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    fd = os.open(folder, os.O_RDONLY)
    try:
        for name in chunk_names(count):
            os.mknod(name, dir_fd=fd)  # one syscall per file: a million in ~20 s
    finally:
        os.close(fd)
    # Date it back, so the lister trusts its snapshot (a just-changed folder is re-read).
    past = time.time() - 3600
    os.utime(folder, (past, past))
    ready.touch()
    print(f"built {folder} ({count:,} files) in {time.perf_counter() - started:.1f} s")
    return folder, True


def remove_folder(workdir: Path, count: int) -> None:
    (workdir / f"files-{count}.ready").unlink(missing_ok=True)
    shutil.rmtree(workdir / f"files-{count}", ignore_errors=True)


# --- in-process measurements ----------------------------------------------------------------


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bare_scandir(folder: Path) -> list[str]:
    with os.scandir(folder) as entries:
        return [entry.name for entry in entries]


def first_page(folder: Path) -> dict:
    return DirectoryLister().list_page(folder, folder.name, ListingRequest())


def cursor_halfway(lister: DirectoryLister, folder: Path) -> str | None:
    """A cursor about halfway through the listing, reached by paging 5,000 at a time."""
    page = lister.list_page(folder, folder.name, ListingRequest(limit=5000))
    while page["next_cursor"] and page["offset"] + 2 * 5000 <= page["total"] // 2:
        page = lister.list_page(
            folder, folder.name, ListingRequest(limit=5000, cursor=page["next_cursor"])
        )
    return page["next_cursor"]


def resort_first_page(folder: Path) -> float:
    lister = DirectoryLister()
    lister.list_page(folder, folder.name, ListingRequest())
    started = time.perf_counter()
    lister.list_page(folder, folder.name, ListingRequest(sort="mtime", order="desc"))
    return time.perf_counter() - started


# --- a real Jupyter server ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterServer:
    """`jupyter server` with fileglancer_ext on a free port, token auth, root_dir=workdir."""

    def __init__(self, root_dir: Path, scratch: Path) -> None:
        self.root_dir = root_dir
        self.scratch = scratch
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = {
            "ServerApp": {
                "jpserver_extensions": {"fileglancer_ext": True},
                "root_dir": str(self.root_dir),
                "port": self.port,
                "port_retries": 0,
                "ip": "127.0.0.1",
                "open_browser": False,
                "allow_root": True,
            },
            "IdentityProvider": {"token": self.token},
        }
        config_file = self.scratch / "jupyter_server_config.json"
        config_file.write_text(json.dumps(config))
        log = open(self.scratch / "server.log", "ab")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", f"--config={config_file}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter server exited; see {self.scratch / 'server.log'}")
            try:
                self.get("/api/status", timeout=2)
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        raise RuntimeError(f"jupyter server did not start in {SERVER_START_TIMEOUT:.0f} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def get(self, path: str, timeout: float) -> tuple[int, bytes]:
        """(status, body) of an authenticated GET; URLError / TimeoutError propagate."""
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"token {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()


def timed_get(server: JupyterServer, path: str, timeout: float) -> tuple[float | None, str]:
    """Seconds for one GET, or None with a note ("n/a", "timeout after N s", "HTTP 500")."""
    started = time.perf_counter()
    try:
        status, body = server.get(path, timeout)
    except TimeoutError:
        return None, f"timeout after {timeout:.0f} s"
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError):
            return None, f"timeout after {timeout:.0f} s"
        raise
    elapsed = time.perf_counter() - started
    if status == 404:
        return None, "n/a"
    if status != 200:
        return None, f"HTTP {status}: {body[:120]!r}"
    return elapsed, ""


# --- the table ------------------------------------------------------------------------------


@dataclass
class Row:
    count: int
    scandir: float = math.nan
    first: float = math.nan
    later: float = math.nan
    resort: float = math.nan
    http_first: float | None = None
    contents: float | None = None
    notes: dict[str, str] = field(default_factory=dict)


def fmt_time(seconds: float | None, note: str = "") -> str:
    if seconds is None or math.isnan(seconds):
        return note or "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(numerator: float | None, denominator: float | None) -> str:
    if not numerator or not denominator or math.isnan(numerator) or math.isnan(denominator):
        return "-"
    return f"{numerator / denominator:.1f}x"


def print_table(rows: list[Row]) -> None:
    header = (
        "entries",
        "scandir (floor)",
        "first page",
        "first/scandir",
        "later page",
        "re-sort mtime desc",
        "HTTP first page",
        "Contents API",
        "Contents/first",
    )
    lines = [header]
    for row in rows:
        lines.append(
            (
                f"{row.count:,}",
                fmt_time(row.scandir),
                fmt_time(row.first),
                fmt_ratio(row.first, row.scandir),
                fmt_time(row.later),
                fmt_time(row.resort),
                fmt_time(row.http_first, row.notes.get("http", "")),
                fmt_time(row.contents, row.notes.get("contents", "")),
                fmt_ratio(row.contents, row.first),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rule = "-+-".join("-" * width for width in widths)
    for number, line in enumerate(lines):
        print(" | ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))
        if number == 0:
            print(rule)
    print()
    print("targets: first page of 1,000,000 <= 3x scandir; later page < 50 ms;")
    print("         Contents API of 100,000 >= 20x slower than our first page.")


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000], metavar="N"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help=f"where the folders go; on the disk to measure (default {DEFAULT_WORKDIR})",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the folders this run built, for the next run"
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per median (default 5)")
    parser.add_argument(
        "--contents-timeout",
        type=float,
        default=180.0,
        help="seconds to wait for one Contents API answer (default 180)",
    )
    parser.add_argument("--no-server", action="store_true", help="skip the HTTP measurements")
    return parser.parse_args(argv)


def measure_in_process(folder: Path, count: int, runs: int) -> Row:
    row = Row(count)
    runs = runs if count < 1_000_000 else min(runs, 3)
    first_page(folder)  # warm the operating system's caches, as scandir will find them
    row.scandir = median_seconds(lambda: bare_scandir(folder), runs)
    row.first = median_seconds(lambda: first_page(folder), runs)
    lister = DirectoryLister()
    cursor = cursor_halfway(lister, folder)
    if cursor is not None:
        request = ListingRequest(cursor=cursor)
        row.later = median_seconds(lambda: lister.list_page(folder, folder.name, request), runs)
    row.resort = statistics.median(resort_first_page(folder) for _ in range(runs))
    return row


def measure_http(server: JupyterServer, folder: Path, row: Row, timeout: float) -> bool:
    """Fill the HTTP columns; False when the server is stuck on a timed-out request."""
    row.http_first, note = timed_get(
        server, f"/fileglancer/api/list/home/{folder.name}?limit=200", 60
    )
    if note:
        row.notes["http"] = note
    row.contents, note = timed_get(server, f"/api/contents/{folder.name}", timeout)
    if note:
        row.notes["contents"] = note
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    built: list[int] = []
    rows: list[Row] = []
    scratch = Path(tempfile.mkdtemp(prefix="fileglancer-bench-server-"))
    server: JupyterServer | None = None
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, workdir {workdir}")
    try:
        for count in sorted(args.sizes):
            folder, fresh = ensure_folder(workdir, count)
            if fresh:
                built.append(count)
            print(f"measuring {count:,} entries ...", flush=True)
            row = measure_in_process(folder, count, args.runs)
            if not args.no_server:
                if server is None:
                    server = JupyterServer(workdir, scratch)
                    server.start()
                if not measure_http(server, folder, row, args.contents_timeout):
                    server.stop()  # it is still busy with the abandoned request
                    server = None
            rows.append(row)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep:
            for count in built:
                remove_folder(workdir, count)
    print()
    print_table(rows)
    if not args.keep and not built:
        print(f"(folders from an earlier --keep run stay in {workdir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
