"""Benchmark: serving share links against tornado's StaticFileHandler (and nginx if present).

    python benchmarks/share.py [--clients 8] [--seconds 5] [--workdir DIR]

Writes chunk-sized files (64 KiB and 4 MiB, random bytes, so nothing compresses), then
serves the same folder three ways, each in its own process on a free loopback port:

- ours: `fileglancer-ext serve-links` over a SQLite link store, one link to the folder
  (every request looks its token up in the store, confines the path and streams in blocks);
- static: tornado's own `StaticFileHandler` on the same folder, the same stack without links;
- nginx: `nginx` with sendfile, when it is installed ("n/a" otherwise);
- nginx + ours: deploy/nginx/fileglancer-links.conf in front of a second link server started
  with `--accel-redirect` (it decides every request, nginx sends the file; `--deciders N`
  link server processes in nginx's upstream), when nginx is installed;
- nginx + ours cached: deploy/nginx/fileglancer-links-cached.conf in front of the same link
  servers (with `--nginx-markers`): they decide once per share and second (auth_request),
  nginx serves the files while the share's live marker exists (revocation at once);
- ours S3: the same link server's S3 API (`GetObject` of `/fileglancer/s3/{token}/{key}`).

Then `ListObjectsV2` (pages of 1000 keys, `delimiter=/`) walks folders of `--list-sizes`
empty files through the S3 API, beside the plain route's JSON folder listing
(`--directory-listing`, which stops at 10,000 entries): the first page after a restart
(a cold scan of the folder), the whole walk, and keys/s.

An aiohttp client in this process keeps `--clients` requests in flight for `--seconds` per
case, cycling over the files, and checks every answer's length; `--rounds` rounds visit
the servers in turn. Figures: each server's median round in requests/s and MB/s (10^6
bytes), ours / static, and the CPU time per request of the server's processes (the steadiest
figure on a busy machine: the load of other processes hardly moves it). Loopback only;
nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import aiohttp

DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "fileglancer-bench-share"
FILE_SETS = {"64 KiB": (64 * 1024, 256), "4 MiB": (4 * 1024 * 1024, 16)}
START_TIMEOUT = 30.0


# --- files and servers ----------------------------------------------------------------------


def ensure_files(folder: Path) -> dict[str, list[str]]:
    """The files of each size (written unless present), as paths relative to `folder`."""
    names: dict[str, list[str]] = {}
    for label, (size, count) in FILE_SETS.items():
        sub = folder / f"chunks-{size}"
        sub.mkdir(parents=True, exist_ok=True)
        names[label] = []
        for i in range(count):
            path = sub / f"{i}.0.0"
            if not path.exists() or path.stat().st_size != size:
                path.write_bytes(os.urandom(size))
            names[label].append(f"{sub.name}/{path.name}")
    return names


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server process; `base` is the URL that file paths are appended to."""

    def __init__(self, name: str, command: list[str], base: str, health: str) -> None:
        self.name, self.command, self.base, self.health = name, command, base, health
        self.process: subprocess.Popen[bytes] | None = None
        self.helpers: list[Server] = []

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            self.command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {' '.join(self.command)}")
            try:
                with urllib.request.urlopen(self.health, timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start in {START_TIMEOUT:.0f} s")

    def cpu_seconds(self) -> float | None:
        """User + system CPU time so far of the server's processes (nginx's workers too)
        and of those it relies on (`helpers`: the link servers deciding for nginx); Linux."""
        if self.process is None:
            return None
        total = 0.0
        for server in (self, *self.helpers):
            pending = [server.process.pid] if server.process else []
            while pending:
                pid = pending.pop()
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
                except OSError:
                    return None
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                pending.extend(int(child) for child in children)
        return total

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def link_server(folder: Path, scratch: Path, probe: str, extra: list[str]) -> Server:
    store_url = f"sqlite:///{scratch / 'links.sqlite3'}"
    cli = [sys.executable, "-m", "fileglancer_ext.cli"]
    created = subprocess.run(
        [*cli, "links", "create", str(folder), "--database-url", store_url, "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    token = json.loads(created.stdout)["token"]
    port = free_port()
    base = f"http://127.0.0.1:{port}/fileglancer/s/{token}/"
    command = [*cli, "serve-links", "--database-url", store_url, "--port", str(port)]
    return Server("ours", [*command, "--base-url", "/", *extra], base, base + probe)


def another_process(server: Server) -> Server:
    """The same link server (same store and options) once more, on its own port."""
    old, port = server.base.split(":")[2].split("/")[0], str(free_port())
    command = [port if arg == old else arg for arg in server.command]
    base = server.base.replace(f":{old}/", f":{port}/")
    return Server(server.name, command, base, server.health.replace(f":{old}/", f":{port}/"))


def s3_link_server(folder: Path, scratch: Path, probe: str, extra: list[str]) -> Server:
    """Our link server answering S3 GetObject: the bucket is the token, keys are paths."""
    server = link_server(folder, scratch / "s3", probe, extra)
    token = server.base.rstrip("/").rsplit("/", 1)[1]
    base = server.base.replace(f"/fileglancer/s/{token}/", f"/fileglancer/s3/{token}/")
    return Server("ours S3", server.command, base, base + probe)


def listing_server(folder: Path, scratch: Path) -> tuple[Server, str, str]:
    """A link server with folder listings on: (server, S3 bucket URL, share URL)."""
    server = link_server(folder, scratch / "listing", "", ["--directory-listing"])
    token = server.base.rstrip("/").rsplit("/", 1)[1]
    bucket = server.base.replace(f"/fileglancer/s/{token}/", f"/fileglancer/s3/{token}")
    return server, bucket, server.base


def ensure_listing_folders(folder: Path, sizes: list[int]) -> dict[int, str]:
    """Folders of `size` empty files each (written unless present): {size: name}."""
    names: dict[int, str] = {}
    for size in sizes:
        sub = folder / f"listing-{size}"
        sub.mkdir(parents=True, exist_ok=True)
        if sum(1 for _ in os.scandir(sub)) != size:
            for i in range(size):
                (sub / f"{i}.0").touch()
        names[size] = sub.name
    return names


@dataclass
class ListingResult:
    first_page: float  # seconds
    walk: float  # seconds for every page
    keys: int
    pages: int


async def list_objects_walk(bucket: str, prefix: str) -> ListingResult:
    """Every ListObjectsV2 page of `prefix` in turn, following continuation tokens."""
    first = 0.0
    keys = pages = 0
    token: str | None = None
    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        while True:
            params = {"list-type": "2", "prefix": prefix, "delimiter": "/", "max-keys": "1000"}
            if token:
                params["continuation-token"] = token
            async with session.get(bucket, params=params) as response:
                body = await response.text()
            if response.status != 200:
                raise RuntimeError(f"{bucket}: HTTP {response.status}")
            pages += 1
            keys += body.count("<Key>")
            if pages == 1:
                first = time.perf_counter() - started
            if "<IsTruncated>true</IsTruncated>" not in body:
                break
            token = body.split("<NextContinuationToken>", 1)[1].split("<", 1)[0]
        return ListingResult(first, time.perf_counter() - started, keys, pages)


async def plain_listing(share: str, name: str) -> ListingResult:
    """The plain route's JSON listing of a folder (one answer, at most 10,000 entries)."""
    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        async with session.get(share + name) as response:
            listing = await response.json()
        elapsed = time.perf_counter() - started
    return ListingResult(elapsed, elapsed, len(listing["entries"]), 1)


def measure_listings(folder: Path, scratch: Path, sizes: list[int]) -> None:
    """Print the S3 ListObjectsV2 walk beside the plain route's listing, per folder size."""
    if not sizes:
        return
    names = ensure_listing_folders(folder, sizes)
    print()
    header = ("entries", "listing", "first page", "whole folder", "pages", "keys/s")
    lines = [header]
    for size, name in names.items():
        # A fresh server per size: its first page is a cold scan of the folder.
        server, bucket, share = listing_server(folder, scratch)
        with server:
            cold = asyncio.run(list_objects_walk(bucket, f"{name}/"))
            warm = asyncio.run(list_objects_walk(bucket, f"{name}/"))
            plain = asyncio.run(plain_listing(share, name))
        for label, result in (("S3 cold", cold), ("S3 cached", warm), ("plain JSON", plain)):
            lines.append(
                (
                    f"{size:,}",
                    label,
                    f"{result.first_page * 1e3:,.1f} ms",
                    f"{result.walk * 1e3:,.0f} ms",
                    f"{result.pages}",
                    f"{result.keys / result.walk:,.0f}" + ("" if result.keys == size else "*"),
                )
            )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for number, line in enumerate(lines):
        print(" | ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))
        if number == 0:
            print("-+-".join("-" * width for width in widths))
    print("* the plain route lists at most 10,000 entries of a folder.")


STATIC_SERVER = """
import asyncio, sys
from tornado import web
async def main():
    app = web.Application([(r"/static/(.*)", web.StaticFileHandler, {"path": sys.argv[2]})])
    app.listen(int(sys.argv[1]), address="127.0.0.1")
    await asyncio.Event().wait()
asyncio.run(main())
"""


def static_server(folder: Path, probe: str) -> Server:
    port = free_port()
    base = f"http://127.0.0.1:{port}/static/"
    command = [sys.executable, "-c", STATIC_SERVER, str(port), str(folder)]
    return Server("static", command, base, base + probe)


NGINX_SITE = Path(__file__).parents[1] / "deploy" / "nginx" / "fileglancer-links.conf"
NGINX_CACHED_SITE = NGINX_SITE.with_name("fileglancer-links-cached.conf")
ACCEL_PREFIX = "/_fileglancer_files"
NGINX_MARKERS = "/var/lib/fileglancer/nginx-markers"  # in the cached configuration


def nginx_server(
    folder: Path,
    scratch: Path,
    probe: str,
    upstreams: list[Server] | None = None,
    site_file: Path = NGINX_SITE,
) -> Server | None:
    """Plain nginx serving `folder`; or, given link servers `upstreams` (started with
    --accel-redirect, one store), the repository's nginx configuration `site_file` in
    front of them."""
    nginx = shutil.which("nginx")
    if nginx is None:
        return None
    port = free_port()
    cached = site_file == NGINX_CACHED_SITE
    prefix = scratch / ("nginx-cached" if cached else "nginx-accel" if upstreams else "nginx")
    prefix.mkdir(exist_ok=True)
    if not upstreams:
        site = f"server {{ listen 127.0.0.1:{port}; root {folder}; }}"
        base = f"http://127.0.0.1:{port}/"
    else:  # the shipped configuration, on this run's ports
        ports = [server.base.split(":")[2].split("/")[0] for server in upstreams]
        servers = " ".join(f"server 127.0.0.1:{upstream_port};" for upstream_port in ports)
        site = site_file.read_text().replace("server 127.0.0.1:8765;", servers)
        site = site.replace("listen 8080;", f"listen 127.0.0.1:{port};")
        site = site.replace("/var/cache/nginx/fileglancer-decisions", str(prefix / "cache"))
        site = site.replace(f"-f {NGINX_MARKERS}/", f"-f {scratch / 'markers'}/")
        base = upstreams[0].base.replace(f":{ports[0]}/", f":{port}/")
    user = "user root;" if os.geteuid() == 0 else ""  # workers read what the link server reads
    (prefix / "nginx.conf").write_text(
        f"""daemon off; worker_processes 1; pid {prefix}/nginx.pid; error_log {prefix}/error.log;
{user} events {{ worker_connections 256; }}
http {{ access_log off; sendfile on; client_body_temp_path {prefix};
  proxy_temp_path {prefix}; fastcgi_temp_path {prefix}; uwsgi_temp_path {prefix};
  scgi_temp_path {prefix};
  {site} }}
"""
    )
    command = [nginx, "-p", str(prefix), "-e", str(prefix / "error.log")]
    command += ["-c", str(prefix / "nginx.conf")]
    name = "nginx + ours cached" if cached else "nginx + ours" if upstreams else "nginx"
    server = Server(name, command, base, base + probe)
    server.helpers = upstreams or []
    return server


# --- the load ---------------------------------------------------------------------------------


@dataclass
class Result:
    requests: int
    bytes: int
    seconds: float
    server_cpu: float | None = None  # seconds of the server's CPU time

    @property
    def cpu_per_request(self) -> float | None:
        if self.server_cpu is None or not self.requests:
            return None
        return self.server_cpu / self.requests

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def megabytes_per_second(self) -> float:
        return self.bytes / self.seconds / 1e6


async def load(base: str, names: list[str], size: int, clients: int, seconds: float) -> Result:
    """`clients` concurrent GET loops over `names` for `seconds`; checks each length."""
    done = 0
    received = 0
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        # A short warm-up (connections, page cache), then the measured run.
        deadline = time.perf_counter() + 0.5

        async def client(offset: int) -> None:
            nonlocal done, received
            i = offset
            while time.perf_counter() < deadline:
                async with session.get(base + names[i % len(names)]) as response:
                    body = await response.read()
                if response.status != 200 or len(body) != size:
                    raise RuntimeError(f"{base}: HTTP {response.status}, {len(body)} bytes")
                done += 1
                received += len(body)
                i += clients

        await asyncio.gather(*(client(i) for i in range(clients)))
        done = received = 0
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(client(i) for i in range(clients)))
        elapsed = time.perf_counter() - started
    return Result(done, received, elapsed)


# --- main -------------------------------------------------------------------------------------


def median_run(results: list[Result] | None) -> Result | None:
    if not results:
        return None
    return sorted(results, key=lambda result: result.per_second)[len(results) // 2]


def print_table(rows: list[tuple[str, dict[str, Result | None]]]) -> None:
    header = (
        "files",
        "server",
        "requests/s",
        "MB/s",
        "vs static",
        "vs nginx",
        "server CPU/request",
    )
    lines = [header]
    for label, results in rows:
        static, nginx = results.get("static"), results.get("nginx")
        for name, result in results.items():
            if result is None:
                lines.append((label, name, "n/a", "n/a", "", "", ""))
                continue
            ratio = f"{result.per_second / static.per_second:.2f}x" if static else "-"
            to_nginx = f"{result.per_second / nginx.per_second:.2f}x" if nginx else "-"
            cpu = result.cpu_per_request
            cpu_text = "-" if cpu is None else f"{cpu * 1e6:,.0f} us"
            lines.append(
                (
                    label,
                    name,
                    f"{result.per_second:,.0f}",
                    f"{result.megabytes_per_second:,.0f}",
                    ratio,
                    to_nginx,
                    cpu_text,
                )
            )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for number, line in enumerate(lines):
        print(" | ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))
        if number == 0:
            print("-+-".join("-" * width for width in widths))
    print()
    print("targets: ours >= 0.8x static, nginx + ours >= 0.7x nginx, for both file sizes.")
    print("CPU/request: of the server's processes (nginx's workers, the deciding link servers).")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="requests in flight (8)")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per case (3)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, interleaved (3)")
    parser.add_argument(
        "--deciders",
        type=int,
        default=1,
        help="link server processes behind nginx in the nginx + ours case (1)",
    )
    parser.add_argument(
        "--servers",
        nargs="*",
        help="measure only these (e.g. nginx 'nginx + ours' 'nginx + ours cached'; all)",
    )
    parser.add_argument(
        "--io-in-threads",
        action="store_true",
        help="run our link server with --io-in-threads (slow-storage mode)",
    )
    parser.add_argument(
        "--list-sizes",
        type=int,
        nargs="*",
        default=[10_000, 100_000],
        help="folder sizes the S3 listing walks (10000 100000; none to skip)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help=f"where the files go; kept for the next run (default {DEFAULT_WORKDIR})",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folder = args.workdir.resolve() / "data"
    names = ensure_files(folder)
    probe = next(iter(names.values()))[0]
    scratch = Path(tempfile.mkdtemp(prefix="fileglancer-bench-share-"))
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.clients} clients, "
        f"{args.rounds} x {args.seconds:g} s per case, files in {folder}"
    )
    threads = ["--io-in-threads"] if args.io_in_threads else []
    # Deciding for nginx: link servers answering with X-Accel-Redirect, never measured alone.
    accel = ["--accel-redirect", ACCEL_PREFIX, "--nginx-markers", str(scratch / "markers")]
    decider = link_server(folder, scratch / "accel", probe, [*threads, *accel])
    deciders = [decider, *(another_process(decider) for _ in range(args.deciders - 1))]
    servers = {
        "ours": link_server(folder, scratch, probe, threads),
        "static": static_server(folder, probe),
        "nginx": nginx_server(folder, scratch, probe),
        "nginx + ours": nginx_server(folder, scratch, probe, deciders)
        if shutil.which("nginx")
        else None,
        "nginx + ours cached": nginx_server(folder, scratch, probe, deciders, NGINX_CACHED_SITE),
        "ours S3": s3_link_server(folder, scratch, probe, threads),
    }
    if args.servers:
        servers = {name: server for name, server in servers.items() if name in args.servers}
    behind_nginx = [servers.get(name) for name in ("nginx + ours", "nginx + ours cached")]
    # Every server is measured in every round, interleaved, so that load from elsewhere on
    # the machine hits them alike; the table shows each one's median round.
    runs: dict[tuple[str, str], list[Result]] = {}
    try:
        with contextlib.ExitStack() as running:
            if any(server is not None for server in behind_nginx):
                for process in deciders:  # before the nginx in front of them
                    running.enter_context(process)
            for server in servers.values():
                if server is not None:
                    running.enter_context(server)
            for round_number in range(1, args.rounds + 1):
                print(f"round {round_number} of {args.rounds} ...", flush=True)
                for label, (size, _) in FILE_SETS.items():
                    for name, server in servers.items():
                        if server is not None:
                            cpu_before = server.cpu_seconds()
                            result = asyncio.run(
                                load(server.base, names[label], size, args.clients, args.seconds)
                            )
                            cpu_after = server.cpu_seconds()
                            if cpu_before is not None and cpu_after is not None:
                                result.server_cpu = cpu_after - cpu_before
                            runs.setdefault((label, name), []).append(result)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rows = [
        (label, {name: median_run(runs.get((label, name))) for name in servers})
        for label in FILE_SETS
    ]
    print()
    print_table(rows)
    listing_scratch = Path(tempfile.mkdtemp(prefix="fileglancer-bench-list-"))
    try:
        measure_listings(folder, listing_scratch, args.list_sizes)
    finally:
        shutil.rmtree(listing_scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
