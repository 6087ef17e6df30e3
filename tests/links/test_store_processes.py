"""No link is lost: a real Jupyter server writes links to its SQLite store while other
processes (the `links` command, a reader opening the store in a loop) read it, then the
server is killed with SIGKILL and started again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_link_server import CLI, free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "store-processes-test-token"

# Opens and closes the store again and again, as `links list` or a link server starting
# and stopping would; stops when `stop` (its first argument) exists.
READER = """
import sys, time
from pathlib import Path
from fileglancer_ext.links.store import ShareLinkStore
stop, url = Path(sys.argv[1]), sys.argv[2]
while not stop.exists():
    store = ShareLinkStore.from_url(url)
    store.list_for_owner("nobody-in-particular")
    store.close()
    time.sleep(0.02)
"""


class JupyterServer:
    """`jupyter server` with fileglancer_ext, as a user runs it (its own session, so that
    SIGKILL reaches its children too)."""

    def __init__(self, tmp_path: Path, lab: Path, store_url: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        jupyter = tmp_path / "jupyter"
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
            "JUPYTER_DATA_DIR": str(jupyter / "data"),
            "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
        }
        self.command = [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            "--allow-root",
            f"--port={self.port}",
            "--ip=127.0.0.1",
            f"--ServerApp.root_dir={lab}",
            f"--IdentityProvider.token={TOKEN}",
            '--ServerApp.jpserver_extensions={"fileglancer_ext": True}',
            f"--FileglancerApp.roots=lab={lab}",
            f"--FileglancerApp.database_url={store_url}",
        ]
        self.log = tmp_path / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> JupyterServer:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                self.api("GET", "links")
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the Jupyter server did not start")

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.base}/fileglancer/api/{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {TOKEN}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def kill(self) -> None:
        """SIGKILL, the server and whatever it started: no clean shutdown of anything."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        self.process = None


@pytest.fixture
def folders(tmp_path: Path) -> Path:
    """A root of 40 folders to share."""
    lab = tmp_path / "lab"
    for number in range(40):
        (lab / f"d{number}").mkdir(parents=True)
    return lab


@pytest.fixture
def server(tmp_path: Path, folders: Path, store_url: str) -> Iterator[JupyterServer]:
    server = JupyterServer(tmp_path, folders, store_url)
    yield server.start()
    server.kill()


def listed_by_the_cli(store_url: str) -> set[str]:
    done = subprocess.run(
        [*CLI, "links", "list", "--json", "--database-url", store_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return {link["id"] for link in json.loads(done.stdout)}


def test_no_acknowledged_link_is_lost_to_readers_or_a_kill(
    server: JupyterServer, tmp_path: Path, store_url: str
):
    stop = tmp_path / "stop-reading"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(stop), store_url], env=server.env)
    acknowledged: list[str] = []
    try:
        for round_ in range(4):
            for number in range(round_ * 10, round_ * 10 + 10):
                link = server.api("POST", "links", {"root": "lab", "path": f"d{number}"})
                acknowledged.append(link["id"])
            # Another process sees every link the server has acknowledged, every time.
            missing = set(acknowledged) - listed_by_the_cli(store_url)
            assert not missing, f"round {round_}: {len(missing)} links not visible to the CLI"
    finally:
        stop.touch()
        assert reader.wait(timeout=30) == 0

    server.kill()
    assert set(acknowledged) <= listed_by_the_cli(store_url)
    server.start()  # restarted on the same store
    assert {link["id"] for link in server.api("GET", "links")["links"]} == set(acknowledged)
