"""A real `fileglancer-ext demo` process for the tests that need the README's run command."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.links.test_link_server import free_port

BIN = Path(sys.executable).parent


@dataclass
class RunningDemo:
    base: str
    token: str
    roots: dict[str, Any]
    output: str = field(default="")  # what the demo printed, once it has stopped

    def call(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """GET (or POST `body` to) a path of the demo server, as its user."""
        request = urllib.request.Request(
            f"{self.base}/{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
            method="GET" if body is None else "POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


@contextmanager
def running_demo(
    demo_dir: Path, token: str, *, many_files: int, env: dict[str, str] | None = None
) -> Iterator[RunningDemo]:
    """Start `fileglancer-ext demo DEMO_DIR` on a free port, wait (up to 90 s) until its API
    answers, and stop it (SIGTERM) on leaving; `output` then holds what it printed."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "fileglancer-ext"),
            "demo",
            str(demo_dir),
            "--no-browser",
            "--port",
            str(port),
            "--many-files",
            str(many_files),
            "--",
            f"--IdentityProvider.token={token}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    demo = RunningDemo(f"http://127.0.0.1:{port}", token, {})
    try:
        deadline = time.monotonic() + 90
        while not demo.roots and time.monotonic() < deadline and process.poll() is None:
            try:
                demo.roots = demo.call("fileglancer/api/roots")
            except OSError:
                time.sleep(0.5)
        assert demo.roots, "the demo server did not answer"
        yield demo
    finally:
        process.terminate()
        demo.output, _ = process.communicate(timeout=30)
