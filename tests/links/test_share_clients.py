"""Real clients read shares over HTTP: zarr-python (v2 and v3 arrays) and ome-zarr-py.

They are synchronous (or run their own event loop), while the Jupyter test server runs in
the test's loop: each client runs in a thread so the server can answer it.
"""

from __future__ import annotations

import asyncio
import getpass
from pathlib import Path

import numpy as np
import pytest
import zarr


@pytest.fixture
def datasets(share_tree: dict[str, Path]) -> dict[str, np.ndarray]:
    """A Zarr v2 and a v3 array and an OME-Zarr image inside the shared folder."""
    rng = np.random.default_rng(5)
    volume = rng.integers(0, 60000, size=(20, 33, 17), dtype=np.uint16)
    for name, zarr_format in (("v2.zarr", 2), ("v3.zarr", 3)):
        array = zarr.create_array(
            share_tree["data"] / name,
            shape=volume.shape,
            chunks=(8, 16, 8),
            dtype=volume.dtype,
            zarr_format=zarr_format,
        )
        array[:] = volume
    image = rng.integers(0, 255, size=(2, 64, 48), dtype=np.uint8)
    from ome_zarr.io import parse_url
    from ome_zarr.writer import write_image

    group = zarr.open_group(parse_url(share_tree["data"] / "cells.ome.zarr", mode="w").store)
    write_image(image, group, axes="cyx", scaler=None, storage_options={"chunks": (1, 32, 32)})
    return {"volume": volume, "image": image}


@pytest.fixture
def share_url(other_store, share_tree, http_server, jp_http_port, jp_base_url) -> str:
    # `http_server` is what accepts connections on jp_http_port.
    link = other_store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data")
    return f"http://127.0.0.1:{jp_http_port}{jp_base_url}fileglancer/s/{link.token}"


@pytest.mark.parametrize("name", ["v2.zarr", "v3.zarr"])
async def test_zarr_python_reads_a_shared_array(datasets, share_url, name):
    def read() -> tuple[int, np.ndarray, np.ndarray]:
        array = zarr.open_array(f"{share_url}/{name}", mode="r")
        return array.metadata.zarr_format, array[:], array[3:11, 5:30, 2]

    zarr_format, whole, part = await asyncio.to_thread(read)
    assert zarr_format == int(name[1])
    np.testing.assert_array_equal(whole, datasets["volume"])
    np.testing.assert_array_equal(part, datasets["volume"][3:11, 5:30, 2])


async def test_ome_zarr_py_reads_a_shared_image(datasets, share_url):
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Multiscales, Reader

    def read() -> tuple[list[str], np.ndarray]:
        location = parse_url(f"{share_url}/cells.ome.zarr")
        assert location is not None, "ome-zarr-py did not recognize the share"
        image = next(node for node in Reader(location)() if node.load(Multiscales))
        axes = [axis["name"] for axis in image.metadata["axes"]]
        return axes, np.asarray(image.data[0].compute())

    axes, pixels = await asyncio.to_thread(read)
    assert axes == ["c", "y", "x"]
    np.testing.assert_array_equal(pixels, datasets["image"])
