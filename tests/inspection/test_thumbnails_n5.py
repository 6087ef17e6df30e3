"""Previews of N5 datasets and N5 multiscale groups written by tensorstore: the same
pixels as the same data in a plain Zarr array, the smallest level of a pyramid, and the
server's thumbnail route."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import tensorstore as ts
import zarr
from PIL import Image
from tornado.httpclient import HTTPClientError

from fileglancer_ext.errors import BadRequest
from fileglancer_ext.inspection.thumbnails.core import clear_thumbnail_cache, render_thumbnail


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_thumbnail_cache()


def _write_n5(path: Path, data: np.ndarray, block: tuple[int, ...], *, write: bool = True) -> None:
    """`data` (C order) as an N5 dataset: N5 lists dimensions fastest first."""
    spec = {
        "driver": "n5",
        "kvstore": {"driver": "file", "path": str(path)},
        "metadata": {
            "dimensions": list(reversed(data.shape)),
            "blockSize": list(reversed(block)),
            "dataType": str(data.dtype),
            "compression": {"type": "gzip"},
        },
        "create": True,
    }
    store = ts.open(spec).result()
    if write:
        store.T.write(data).result()


def _pixels(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return np.asarray(image)


def _gradient(shape: tuple[int, ...]) -> np.ndarray:
    return np.arange(np.prod(shape), dtype="uint16").reshape(shape)


def test_an_n5_dataset_looks_like_the_same_data_in_zarr(tmp_path: Path) -> None:
    data = _gradient((5, 96, 160))
    _write_n5(tmp_path / "data.n5" / "volume", data, (2, 32, 32))
    zarr.create_array(tmp_path / "same.zarr", shape=data.shape, chunks=(2, 32, 32), dtype="uint16")[
        :
    ] = data
    n5 = _pixels(render_thumbnail(tmp_path / "data.n5" / "volume", size=128))
    assert n5.shape == (77, 128, 3)  # 96 x 160, longer edge 128
    assert n5.std() > 10  # a gradient, not a blank
    same = _pixels(render_thumbnail(tmp_path / "same.zarr", size=128))
    assert np.array_equal(n5, same)


def test_an_n5_pyramid_is_drawn_from_its_smallest_level(tmp_path: Path) -> None:
    root = tmp_path / "pyramid.n5"
    _write_n5(root / "s0", np.zeros((4, 64, 64), dtype="uint16"), (4, 32, 32))
    _write_n5(root / "s1", np.zeros((4, 32, 32), dtype="uint16"), (4, 32, 32))
    _write_n5(root / "s2", _gradient((4, 16, 16)), (4, 16, 16))
    (root / "attributes.json").write_text(
        json.dumps({"n5": "4.0.0", "scales": [[1, 1, 1], [2, 2, 1], [4, 4, 1]]})
    )
    _write_n5(root / "alone", _gradient((4, 16, 16)), (4, 16, 16))
    drawn = _pixels(render_thumbnail(root, size=64))
    assert drawn.std() > 10  # s2's gradient, not the blank s0 or s1
    assert np.array_equal(drawn, _pixels(render_thumbnail(root / "alone", size=64)))


def test_missing_n5_blocks_read_as_zero(tmp_path: Path) -> None:
    _write_n5(tmp_path / "sparse.n5", np.zeros((64, 64), dtype="uint8"), (32, 32), write=False)
    pixels = _pixels(render_thumbnail(tmp_path / "sparse.n5", size=32))
    assert pixels.shape == (32, 32, 3) and not pixels.any()


def test_an_n5_group_without_levels_is_no_image(tmp_path: Path) -> None:
    group = tmp_path / "empty.n5"
    group.mkdir()
    (group / "attributes.json").write_text('{"n5": "4.0.0"}')
    with pytest.raises(BadRequest, match="no image to preview: an N5 group"):
        render_thumbnail(group)


def test_a_damaged_n5_block_is_a_bad_request(tmp_path: Path) -> None:
    _write_n5(tmp_path / "bad.n5", _gradient((64, 64)), (32, 32))
    (tmp_path / "bad.n5" / "0" / "0").write_bytes(b"not an n5 block")
    with pytest.raises(BadRequest, match="cannot decode chunk data"):
        render_thumbnail(tmp_path / "bad.n5", size=32)


# --- through the real server ----------------------------------------------------------------


@pytest.fixture
def fileglancer_config(tmp_path: Path) -> dict:
    lab = tmp_path / "lab"
    _write_n5(lab / "volume.n5", _gradient((3, 48, 48)), (3, 16, 16))
    _write_n5(lab / "unknown-codec.n5", _gradient((8, 8)), (4, 4), write=False)
    attributes = lab / "unknown-codec.n5" / "attributes.json"
    doc = json.loads(attributes.read_text())
    attributes.write_text(json.dumps({**doc, "compression": {"type": "no-such-codec"}}))
    _write_n5(lab / "bad-block.n5", _gradient((8, 8)), (4, 4))
    (lab / "bad-block.n5" / "0" / "0").write_bytes(b"not an n5 block")
    return {"roots": [f"lab={lab}"]}


async def test_the_thumbnail_route_draws_an_n5_dataset(jp_fetch) -> None:
    response = await jp_fetch(
        "fileglancer", "api", "thumbnail", "lab", "volume.n5", params={"size": "48"}
    )
    assert response.code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert _pixels(response.body).shape == (48, 48, 3)


@pytest.mark.parametrize("name", ["unknown-codec.n5", "bad-block.n5"])
async def test_n5_thumbnail_errors_never_name_the_server_path(
    jp_fetch, tmp_path: Path, name: str
) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("fileglancer", "api", "thumbnail", "lab", name)
    assert caught.value.code == 400
    message = json.loads(caught.value.response.body)["message"]
    assert message.startswith(("cannot open the N5 dataset", "cannot decode chunk data"))
    assert str(tmp_path) not in message
