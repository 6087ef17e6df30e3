"""`fileglancer_ext.open` on real share-link URLs (`.../fileglancer/s/TOKEN/...`), served by
the standalone link server."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import dask
import numpy as np
import pytest
import tifffile
import zarr
from zarr.storage import FsspecStore

import fileglancer_ext
from fileglancer_ext.demo.data import OME_TIFF, OME_ZARR_V05, write_demo_data
from fileglancer_ext.links.store import ShareLinkStore
from tests.links.test_link_server import LinkServer
from tests.notebook.counting_proxy import counting_proxy

SHARDED = "sharded.zarr"
TIFF_FILE = "tiled.tif"


def write_sharded(path: Path) -> np.ndarray:
    """A zarr-python 3 array of 4 shards, each of 2 x 2 x 2 inner chunks."""
    data = np.random.default_rng(3).integers(0, 4000, (32, 256, 256), dtype=np.uint16)
    array = zarr.create_array(
        path, shape=data.shape, chunks=(8, 64, 128), shards=(16, 128, 256), dtype=data.dtype
    )
    array[...] = data
    return data


def write_tiled_tiff(path: Path) -> np.ndarray:
    """A tifffile OME-TIFF of 16 x 512 x 512 pixels in 64 x 64 tiles, uncompressed."""
    data = np.random.default_rng(4).integers(0, 4000, (16, 512, 512), dtype=np.uint16)
    tifffile.imwrite(path, data, tile=(64, 64), ome=True, metadata={"axes": "ZYX"})
    return data


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lab = tmp_path_factory.mktemp("lab")
    write_demo_data(lab, many_files=0)
    write_sharded(lab / SHARDED)
    write_tiled_tiff(lab / TIFF_FILE)
    return lab


@pytest.fixture(scope="module")
def shared(lab: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Share-link URLs of the demo OME-Zarr folder and of the tiff folder."""
    store_url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'links.sqlite3'}"
    store = ShareLinkStore.from_url(store_url)
    user = getpass.getuser()
    image = store.create(user, "lab", str(lab), OME_ZARR_V05.name)
    tiffs = store.create(user, "lab", str(lab), "tiff")
    sharded = store.create(user, "lab", str(lab), SHARDED)
    tiff_file = store.create(user, "lab", str(lab), TIFF_FILE)
    store.close()
    server = LinkServer(store_url).start()
    yield {
        "ome-zarr": server.share(image.token),
        "ome-tiff": server.share(tiffs.token, Path(OME_TIFF.name).name),
        "sharded": server.share(sharded.token),
        "tiff-file": server.share(tiff_file.token),  # a link to the file: no name in it
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


def through_proxy(url: str, proxy: str) -> str:
    """`url` (on the link server) as reached through the counting proxy at `proxy`."""
    return proxy + urlsplit(url).path


def test_a_sharded_array_reads_whole_shards_as_zarr_python_does(lab, shared):
    """One dask task per shard: a full read makes about as many requests as zarr-python's
    (one per shard), not one per inner chunk with the shard index fetched again each time."""
    expected = zarr.open_array(lab / SHARDED, mode="r")[...]
    link = urlsplit(shared["sharded"])
    with counting_proxy(f"{link.scheme}://{link.netloc}") as (proxy, traffic):
        url = through_proxy(shared["sharded"], proxy)
        image = fileglancer_ext.open(url)
        assert image.data.chunksize == (16, 128, 256)
        np.testing.assert_array_equal(image.values, expected)
        ours = traffic.count
        traffic.clear()
        store = FsspecStore.from_url(url.rstrip("/"), read_only=True)
        np.testing.assert_array_equal(zarr.open_array(store, mode="r")[...], expected)
        theirs = traffic.count
    assert theirs >= 4  # one per shard at least
    assert ours <= theirs + 4, (ours, theirs)  # a few more metadata probes, no more


def test_a_data_link_to_a_tiff_file_opens_lazily_through_range_requests(lab, shared):
    """The link to a TIFF file has no file name in it: the file is recognized by its first
    bytes, and a region reads only the tiles it needs, never the whole file."""
    expected = tifffile.imread(lab / TIFF_FILE)
    link = urlsplit(shared["tiff-file"])
    with counting_proxy(f"{link.scheme}://{link.netloc}") as (proxy, traffic):
        image = fileglancer_ext.open(through_proxy(shared["tiff-file"], proxy))
        assert image.dims == ("z", "y", "x") and image.shape == expected.shape
        np.testing.assert_array_equal(image[3, 64:128, 64:128].values, expected[3, 64:128, 64:128])
        size = (lab / TIFF_FILE).stat().st_size
        assert traffic.body_bytes < size / 4, traffic.requests
    np.testing.assert_array_equal(fileglancer_ext.open(shared["tiff-file"]).values, expected)


def test_dask_chunks_follow_shards_locally_and_split_large_shards_on_inner_chunks(lab):
    image = fileglancer_ext.open(lab / SHARDED)
    assert image.data.chunksize == (16, 128, 256)
    with dask.config.set({"array.chunk-size": "300KiB"}):  # a shard is 1 MiB
        split = fileglancer_ext.open(lab / SHARDED)
    assert split.data.chunksize == (8, 64, 256)  # whole inner chunks, inside one shard
    np.testing.assert_array_equal(split.values, image.values)
