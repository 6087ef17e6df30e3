"""The demo keeps its own link store under its folder, never the user's real one."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
TOKEN = "demo-links-test-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(url: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_links_made_in_the_demo_stay_in_the_demo_folder(tmp_path: Path):
    """A real `fileglancer-ext demo`: a data link made there is stored in the demo folder's
    database; the user's Jupyter data dir (the default store's home) gets nothing."""
    port, demo_dir, user_data = _free_port(), tmp_path / "demo", tmp_path / "user-data"
    env = {**os.environ, "JUPYTER_DATA_DIR": str(user_data)}
    process = subprocess.Popen(
        [
            str(BIN / "fileglancer-ext"),
            "demo",
            str(demo_dir),
            "--no-browser",
            "--port",
            str(port),
            "--many-files",
            "3",
            "--",
            f"--IdentityProvider.token={TOKEN}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    api = f"http://127.0.0.1:{port}/fileglancer/api"
    try:
        roots = None
        deadline = time.monotonic() + 90
        while roots is None and time.monotonic() < deadline and process.poll() is None:
            try:
                roots = _call(f"{api}/roots")
            except OSError:
                time.sleep(0.5)
        assert roots is not None, "the demo server did not answer"
        root = roots["roots"][0]["name"]
        link = _call(f"{api}/links", {"root": root, "path": "ome-zarr-0.5/cells.ome.zarr"})
    finally:
        process.terminate()
        process.communicate(timeout=30)

    store = demo_dir / ".fileglancer-demo" / "links.sqlite3"
    with sqlite3.connect(store) as db:
        tokens = [row[0] for row in db.execute("SELECT token FROM fileglancer_links")]
    assert tokens == [link["token"]]
    assert not (user_data / "fileglancer").exists()
