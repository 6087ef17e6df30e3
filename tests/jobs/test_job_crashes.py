"""A real `jupyter server` killed with -9 mid-conversion: its workers die with it, and the
next server marks the job interrupted and removes its partial output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile

from tests.links.test_link_server import free_port

TOKEN = "crash-test-token"
# 96 planes of 512 x 512 uint16 (48 MiB) in 1 MiB tasks: seconds of work for two workers.
BIG_JOB = {
    "source": {"root": "lab", "path": "big.tif"},
    "destination": {"root": "lab", "path": "out/big.ome.zarr"},
    "options": {"chunks": [8, 64, 64], "task_bytes": 1 << 20, "codec": "zstd"},
}


class JupyterServer:
    """`jupyter server` with fileglancer_ext on a free loopback port, in its own session."""

    def __init__(self, home: Path, lab: Path, store_url: str) -> None:
        self.home, self.port = home, free_port()
        self.config = {
            "ServerApp": {
                "jpserver_extensions": {"fileglancer_ext": True},
                "port": self.port,
                "ip": "127.0.0.1",
                "open_browser": False,
                "root_dir": str(lab),
                "IdentityProvider": {"token": TOKEN},
            },
            "IdentityProvider": {"token": TOKEN},
            "FileglancerApp": {
                "roots": [f"lab={lab}"],
                "database_url": store_url,
                "conversion_processes": 2,
            },
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> JupyterServer:
        config_dir = self.home / "config"
        config_dir.mkdir(parents=True, exist_ok=True)
        (config_dir / "jupyter_server_config.json").write_text(json.dumps(self.config))
        env = {
            **source_env(),
            "JUPYTER_CONFIG_DIR": str(config_dir),
            "JUPYTER_DATA_DIR": str(self.home / "data"),
            "JUPYTER_RUNTIME_DIR": str(self.home / "runtime"),
        }
        self.log = open(self.home / f"server-{self.port}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", "--allow-root"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.home / f"server-{self.port}.log").read_text()
            try:
                self.call("GET", "jobs")
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the Jupyter server did not start")

    def call(self, method: str, *parts: str, body: Any = None) -> Any:
        url = f"http://127.0.0.1:{self.port}/fileglancer/api/{'/'.join(parts)}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            url, data=data, method=method, headers={"Authorization": f"token {TOKEN}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no clean-up of any kind
        self.process.wait()
        self.log.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.log.close()


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for a reaper has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def source_env() -> dict[str, str]:
    """This environment, with this checkout first on PYTHONPATH (for a child Python)."""
    root = Path(__file__).resolve().parents[2]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }


def assert_ended(workers: set[int]) -> None:
    """The processes `workers` (of a killed owner) are all gone within 10 seconds."""
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in workers if alive(pid)] == []


def kill_all(owner: subprocess.Popen, workers: set[int]) -> None:
    """Leave nothing running, whatever the test found."""
    if owner.poll() is None:
        owner.kill()
        owner.wait()
    for pid in workers:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def partials(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name)


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    root = tmp_path / "lab"
    (root / "out").mkdir(parents=True)
    data = np.random.default_rng(5).integers(0, 65535, (96, 512, 512), dtype=np.uint16)
    tifffile.imwrite(root / "big.tif", data)
    return root


def test_a_killed_server_leaves_no_process_and_the_next_one_cleans_up(
    tmp_path: Path, lab: Path
) -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc")
    store_url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    server = JupyterServer(tmp_path / "home", lab, store_url).start()
    workers: set[int] = set()
    try:
        job = server.call("POST", "jobs", body=BIG_JOB)
        deadline = time.monotonic() + 60
        while True:  # until the workers write and a partial folder exists
            live = server.call("GET", "jobs", job["id"])
            assert live["state"] in ("queued", "running"), live
            if live["progress"] > 0.05 and partials(lab / "out"):
                break
            assert time.monotonic() < deadline, "the job did not get going"
            time.sleep(0.05)
        workers = descendants(server.process.pid)
        assert len(workers) >= 3  # the forkserver, its pool workers, the resource tracker
        server.kill()
        assert_ended(workers)
        assert partials(lab / "out") != []  # what a crash leaves, until a server starts

        again = JupyterServer(tmp_path / "home2", lab, store_url).start()
        try:
            ended = again.call("GET", "jobs", job["id"])
            assert ended["state"] == "interrupted" and ended["error"]["code"] == "interrupted"
            deadline = time.monotonic() + 10
            while partials(lab / "out") and time.monotonic() < deadline:
                time.sleep(0.1)
            assert list((lab / "out").iterdir()) == []
        finally:
            again.stop()
    finally:
        server.stop()
        for pid in workers:  # never leave a process behind, even when the test fails
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


# A process that starts the storage statistics' walk pool and waits, as a server would.
_WALK_POOL_OWNER = """
import sys, time
from fileglancer_ext.inspection.stats.walk import WalkPool
pool = WalkPool(2)
pool.start(wait=True)
print("ready", flush=True)
time.sleep(600)
"""


def test_the_walk_pool_of_a_killed_server_ends_with_it() -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc")
    env = source_env()
    owner = subprocess.Popen(
        [sys.executable, "-c", _WALK_POOL_OWNER], env=env, stdout=subprocess.PIPE
    )
    workers: set[int] = set()
    try:
        assert owner.stdout is not None and owner.stdout.readline() == b"ready\n"
        workers = descendants(owner.pid)
        assert len(workers) >= 3  # the forkserver, two workers (and a resource tracker)
        owner.kill()
        owner.wait()
        assert_ended(workers)
    finally:
        kill_all(owner, workers)


def test_the_workers_of_a_killed_cli_conversion_end_with_it(lab: Path) -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc")
    env = source_env()
    command = [sys.executable, "-m", "fileglancer_ext.cli", "convert", "big.tif"]
    options = ["--workers", "2", "--task-mib", "1", "--chunks", "8,64,64", "--quiet"]
    cli = subprocess.Popen([*command, "out/big.ome.zarr", *options], cwd=lab, env=env)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 3 or not partials(lab / "out"):  # the pool is converting
            assert cli.poll() is None, "the conversion ended before it could be killed"
            assert time.monotonic() < deadline, "the conversion did not get going"
            time.sleep(0.05)
            workers = descendants(cli.pid)
        cli.kill()
        cli.wait()
        assert_ended(workers)
    finally:
        kill_all(cli, workers)
