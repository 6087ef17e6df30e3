"""Neuroglancer itself reads a data link: the `neuroglancer` wheel's built web client, in
Debian's Chromium, loads the viewer state we generate, fetches metadata and chunks from the
real share route (another origin, so only CORS lets it read them) and draws each channel
in its omero colour.

The wheel's client only runs under its own Python server (served as plain files it asks
that server for a token), so the state is handed to a `neuroglancer.Viewer` on loopback
instead of being opened as our "#!" URL; the state is exactly the one in that URL.
Runs where Chromium is installed (the test command installs it); skips elsewhere.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application

from fileglancer_ext.demo.data import (
    CHANNEL_NAMES,
    OME_TIFF,
    OME_ZARR_V04,
    OME_ZARR_V05,
)
from fileglancer_ext.inspection.service import describe_dataset
from fileglancer_ext.links.handlers import share_route
from fileglancer_ext.links.serving import ShareServer
from fileglancer_ext.links.store import ShareLinkStore
from fileglancer_ext.links.virtual_zarr import virtual_summary
from fileglancer_ext.system.confined_io import ANYWHERE
from fileglancer_ext.viewers import ViewerConfig, viewers_for
from fileglancer_ext.viewers.snippets import first_level_path
from fileglancer_ext.viewers.virtual_tiff import add_virtual_image

CHROMIUM = os.environ.get("FILEGLANCER_CHROMIUM") or shutil.which("chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM, reason="needs Chromium (apt-get install chromium)")


@pytest.fixture
def share_server(tmp_path: Path) -> Iterator[tuple[ShareLinkStore, str, list[tuple[int, str]]]]:
    """The public share route on its own loopback port, as the link server runs it.

    Yields (store, base URL, (status, path) of every request answered).
    """
    store = ShareLinkStore.from_url(f"sqlite:///{tmp_path / 'links.sqlite3'}")
    shares = ShareServer(store)
    answered: list[tuple[int, str]] = []
    sockets = bind_sockets(0, "127.0.0.1")
    port = sockets[0].getsockname()[1]
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        app = Application(
            [share_route(shares)],
            log_function=lambda h: answered.append((h.get_status(), h.request.path)),
        )
        server = HTTPServer(app)
        server.add_sockets(sockets)
        loop.call_soon(started.set)
        loop.run_forever()
        server.stop()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield store, f"http://127.0.0.1:{port}", answered
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        shares.close()
        store.close()


def neuroglancer_state(summary: dict, data_url: str) -> dict:
    """The state inside our "Open in Neuroglancer" URL."""
    answer = viewers_for(summary, "/unused", data_url=data_url)
    (link,) = [v for v in answer["viewers"] if v["name"] == "Neuroglancer"]
    return json.loads(unquote(link["url"].split("#!", 1)[1]))


@pytest.mark.parametrize(
    "dataset", [OME_ZARR_V04, OME_ZARR_V05, OME_TIFF], ids=["0.4", "0.5", "ome-tiff"]
)
def test_neuroglancer_reads_a_data_link_and_draws_each_channel(demo, share_server, dataset):
    neuroglancer = pytest.importorskip("neuroglancer")
    from PIL import Image

    store, base_url, answered = share_server
    link = store.create("ada", "demo", str(demo), dataset.name)
    data_url = f"{base_url}/fileglancer/s/{link.token}/"
    if dataset is OME_TIFF:  # the file's virtual OME-Zarr, as the Share tab offers it
        name = dataset.name.rpartition("/")[2]
        answer: dict = {"viewers": [], "snippets": []}
        add_virtual_image(answer, demo / dataset.name, ANYWHERE, data_url, ViewerConfig())
        data_url = answer["virtual_image"]["url"]
        summary = virtual_summary(demo / dataset.name, ANYWHERE)
        assert data_url == f"{base_url}/fileglancer/s/{link.token}/{name}/ome.zarr/"
    else:
        summary = describe_dataset(demo / dataset.name)
    state = neuroglancer_state(summary, data_url)

    neuroglancer.set_server_bind_address("127.0.0.1")
    viewer = neuroglancer.Viewer()
    viewer.set_state(neuroglancer.ViewerState(state))
    browser = subprocess.Popen(
        [CHROMIUM, "--headless=new", "--no-sandbox", "--use-angle=swiftshader",
         "--enable-unsafe-swiftshader", "--window-size=800,800", viewer.get_viewer_url()],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        # Neuroglancer answers a screenshot once every visible chunk is drawn.
        png = viewer.screenshot(size=[600, 600]).screenshot.image
    finally:
        os.killpg(browser.pid, signal.SIGKILL)
        browser.wait()
        neuroglancer.server.stop()

    prefix = data_url.removeprefix(base_url)
    served = [path.removeprefix(prefix) for status, path in answered if status in (200, 206)]
    metadata = {"zarr.json"} if dataset is OME_ZARR_V05 else {".zattrs", ".zgroup"}
    assert metadata & set(served), f"no metadata read through the link: {served}"
    level = first_level_path(summary)
    chunk_keys = [p.split(f"{level}/", 1)[1] for p in served if p.startswith(f"{level}/")]
    channels_read = {
        int(re.split(r"[/.]", key.removeprefix("c/"))[0])
        for key in chunk_keys
        if re.match(r"^(c/)?\d", key)
    }
    # Chunks hold one channel each: every channel layer fetched its own through the link.
    assert channels_read == {0, 1, 2}
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3).astype(int)
    for channel in range(3):  # blue DAPI, green GFP, red mCherry: each dominates somewhere
        others = [c for c in range(3) if c != 2 - channel]
        dominant = pixels[:, 2 - channel] - pixels[:, others].max(axis=1)
        assert (dominant > 80).sum() > 100, f"no {CHANNEL_NAMES[channel]} pixels drawn"
