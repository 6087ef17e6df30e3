"""Server configuration for the UI tests: a real JupyterLab with three roots, on the port
playwright.config.js picked (FILEGLANCER_UI_TEST_PORT), so a demo on 8888 does not clash.

The roots are made fresh for each run: the demo data (plus a 100,000-file folder "big", a
Zarr group of 450 members and a hidden file), an empty scratch folder, and a root whose
folder does not exist (it must show as unavailable, not break the browser). A file at the
server root lies outside every root.
"""

import atexit
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import zarr
from jupyterlab.galata import configure_jupyter_server

from fileglancer_ext.demo.data import write_demo_data

WORKDIR_PREFIX = "fileglancer-ui-tests-"


def _remove_stale_workdirs() -> None:
    """Delete the folders of earlier test servers that are gone.

    Playwright stops its web server with SIGKILL, so atexit never runs there; each run
    leaves 100,000 files behind unless the next run clears them. A folder is stale when
    the server that wrote its pid file is dead, or it has no pid file and is over an hour old.
    """
    for old in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        try:
            pid = int((old / ".server.pid").read_text())
        except (OSError, ValueError):
            try:
                stale = time.time() - old.stat().st_mtime > 3600
            except OSError:
                continue
        else:
            try:
                os.kill(pid, 0)
                stale = False
            except ProcessLookupError:
                stale = True
            except OSError:
                stale = False  # alive, but not ours to signal
        if stale:
            shutil.rmtree(old, ignore_errors=True)


_remove_stale_workdirs()
workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX))
(workdir / ".server.pid").write_text(str(os.getpid()), encoding="utf-8")
# On a clean shutdown (playwright.config.js stops the server with SIGTERM and waits).
atexit.register(shutil.rmtree, workdir, ignore_errors=True)

# Galata's helper makes a root folder, a workspaces folder and a bash rc file in the
# temporary folder, and nothing removes them: it makes them inside the workdir instead.
galata_tmp = workdir / ".galata"
galata_tmp.mkdir()
tempfile.tempdir = str(galata_tmp)
try:
    configure_jupyter_server(c)  # noqa: F821 (`c` is the config object Jupyter passes in)
finally:
    tempfile.tempdir = None
c.ServerApp.port = int(os.environ.get("FILEGLANCER_UI_TEST_PORT", "8888"))  # noqa: F821
# Deleting in JupyterLab (Galata removes each test's folder) must not fill root's Trash.
c.FileContentsManager.delete_to_trash = False  # noqa: F821
demo = workdir / "demo"
scratch = workdir / "scratch"
scratch.mkdir()
write_demo_data(demo, many_files=200)


def _write_empty_files(folder: Path, count: int) -> None:
    """count empty files item-000001.txt ... (raw os calls: 100,000 of them take seconds)."""
    folder.mkdir()
    flags = os.O_CREAT | os.O_WRONLY | os.O_EXCL
    for number in range(1, count + 1):
        os.close(os.open(folder / f"item-{number:06d}.txt", flags, 0o644))


# The browser must scroll a 100,000-entry folder to its end without rendering every row.
_write_empty_files(demo / "big", 100_000)
# A hidden entry for the show-hidden toggle, and a file JupyterLab serves outside every root.
(demo / ".hidden-notes.txt").write_text("Only shown with hidden files on.\n", encoding="utf-8")
# An OME-Zarr whose metadata breaks the spec (axes of the wrong type, a missing level), for
# the inspector's validation tab. Hand-written on purpose: no library writes invalid data.
invalid = demo / "invalid" / "broken.ome.zarr"
invalid.mkdir(parents=True)
(invalid / ".zgroup").write_text('{"zarr_format": 2}', encoding="utf-8")
(invalid / ".zattrs").write_text(
    json.dumps(
        {
            "multiscales": [
                {
                    "version": "0.4",
                    "axes": [{"name": "y", "type": "space"}, {"name": "x", "type": 7}],
                    "datasets": [
                        {
                            "path": "0",
                            "coordinateTransformations": [{"type": "scale", "scale": [1, 1]}],
                        }
                    ],
                }
            ]
        }
    ),
    encoding="utf-8",
)
# A copy of the demo OME-Zarr for the metadata editor to change (and undo), so the other
# specs read the demo image as it was written.
shutil.copytree(demo / "ome-zarr-0.4" / "cells.ome.zarr", demo / "editing" / "cells.ome.zarr")
# A Zarr group of more members than the inspector lists at once (200): "Show more" pages.
many_members = zarr.open_group(demo / "groups" / "many-members.zarr", mode="w", zarr_format=3)
for number in range(450):
    many_members.create_group(f"m{number:03d}")
(workdir / "outside-the-roots.txt").write_text("Not in any root.\n", encoding="utf-8")

c.ServerApp.root_dir = str(workdir)  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821 (CI runs as root)
# Data links of the test run live and die with it, not in the user's Jupyter data dir.
c.FileglancerApp.database_url = f"sqlite:///{workdir / 'links.sqlite3'}"  # noqa: F821
c.FileglancerApp.roots = [  # noqa: F821
    {"name": "demo", "path": str(demo), "title": "Demo data"},
    {"name": "scratch", "path": str(scratch), "title": "Scratch"},
    {"name": "missing", "path": str(workdir / "not-there"), "title": "Missing share"},
]
