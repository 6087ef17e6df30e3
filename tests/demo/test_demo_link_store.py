"""The demo keeps its own link store under its folder, never the user's real one."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from tests.demo.running import running_demo


def test_links_made_in_the_demo_stay_in_the_demo_folder(tmp_path: Path):
    """A real `fileglancer-ext demo`: a data link made there is stored in the demo folder's
    database; the user's Jupyter data dir (the default store's home) gets nothing."""
    demo_dir, user_data = tmp_path / "demo", tmp_path / "user-data"
    env = {**os.environ, "JUPYTER_DATA_DIR": str(user_data)}
    with running_demo(demo_dir, "demo-links-test-token", many_files=3, env=env) as demo:
        root = demo.roots["roots"][0]["name"]
        body = {"root": root, "path": "ome-zarr-0.5/cells.ome.zarr"}
        link = demo.call("fileglancer/api/links", body)

    store = demo_dir / ".fileglancer-demo" / "links.sqlite3"
    with sqlite3.connect(store) as db:
        tokens = [row[0] for row in db.execute("SELECT token FROM fileglancer_links")]
    assert tokens == [link["token"]]
    assert not (user_data / "fileglancer").exists()
