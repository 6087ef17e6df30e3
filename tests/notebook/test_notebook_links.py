"""`fileglancer_ext.open` on real share-link URLs (`.../fileglancer/s/TOKEN/...`), served by
the standalone link server."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import fileglancer_ext
from fileglancer_ext.demo.data import OME_TIFF, OME_ZARR_V05, write_demo_data
from fileglancer_ext.links.store import ShareLinkStore
from tests.links.test_link_server import LinkServer


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lab = tmp_path_factory.mktemp("lab")
    write_demo_data(lab, many_files=0)
    return lab


@pytest.fixture(scope="module")
def shared(lab: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Share-link URLs of the demo OME-Zarr folder and of the tiff folder."""
    store_url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'links.sqlite3'}"
    store = ShareLinkStore.from_url(store_url)
    user = getpass.getuser()
    image = store.create(user, "lab", str(lab), OME_ZARR_V05.name)
    tiffs = store.create(user, "lab", str(lab), "tiff")
    store.close()
    server = LinkServer(store_url).start()
    yield {
        "ome-zarr": server.share(image.token),
        "ome-tiff": server.share(tiffs.token, Path(OME_TIFF.name).name),
    }
    server.stop()


@pytest.mark.parametrize(
    ("key", "local"), [("ome-zarr", OME_ZARR_V05.name), ("ome-tiff", OME_TIFF.name)]
)
def test_open_a_share_link_url_like_the_local_dataset(lab, shared, key, local):
    remote = fileglancer_ext.open(shared[key], level=1)
    here = fileglancer_ext.open(lab / local, level=1)
    assert remote.dims == here.dims and remote.shape == here.shape
    assert remote.data.chunksize == here.data.chunksize
    assert remote.attrs["pixel_sizes"] == here.attrs["pixel_sizes"]
    assert remote.attrs["channels"] == here.attrs["channels"]
    np.testing.assert_array_equal(remote[2, 8].values, here[2, 8].values)
