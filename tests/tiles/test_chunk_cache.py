"""The viewer's decoded-chunk cache over real files: neighbouring tiles decode a shared
chunk once, the cache stays under its byte bound, a rewritten chunk file (zarr v2, a v3
shard, an N5 block, a TIFF) shows its new pixels, and tiles drawn in parallel threads are
the tiles drawn one by one without the cache."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
import zarr
from PIL import Image

from fileglancer_ext.errors import BadRequest
from fileglancer_ext.system.confined_io import ANYWHERE, Within
from fileglancer_ext.tiles.chunkcache import CHUNK_CACHE, CachedLevel, ChunkCache
from fileglancer_ext.tiles.service import TileQuery, render_tile
from tests.inspection.test_thumbnails_n5 import _write_n5


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    before = CHUNK_CACHE.max_bytes
    CHUNK_CACHE.clear()
    yield
    CHUNK_CACHE.resize(before)
    CHUNK_CACHE.clear()


def _ome(path: Path, data: np.ndarray, chunks: tuple[int, ...], **options) -> zarr.Array:
    """A one-level OME-Zarr (y, x) image of `data` (Zarr v2 unless `zarr_format=3`)."""
    fmt = options.pop("zarr_format", 2)
    group = zarr.open_group(path, mode="w", zarr_format=fmt)
    array = group.create_array("0", shape=data.shape, chunks=chunks, dtype=data.dtype, **options)
    array[:] = data
    axes = [{"name": name, "type": "space"} for name in "yx"]
    datasets = [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1, 1]}]}]
    multiscales = [{"version": "0.4" if fmt == 2 else "0.5", "axes": axes, "datasets": datasets}]
    window = {"start": 0, "end": 255, "min": 0, "max": 255}
    omero = {"channels": [{"color": "FFFFFF", "window": window}]}
    if fmt == 2:
        group.attrs.update({"multiscales": multiscales, "omero": omero})
    else:
        group.attrs["ome"] = {"version": "0.5", "multiscales": multiscales, "omero": omero}
    return array


def _pixels(path: Path, **query) -> np.ndarray:
    window = {"channels": (0,), "windows": ((0.0, 255.0),)}  # grey = the value
    png = render_tile(path, ANYWHERE, TileQuery(**{"scale": 0, "x": 0, "y": 0, **window, **query}))
    return np.asarray(Image.open(BytesIO(png)))


def _pattern(side: int) -> np.ndarray:
    yy, xx = np.mgrid[0:side, 0:side]
    return ((yy * 7 + xx * 3) % 251).astype(np.uint8)


def test_a_second_tile_over_the_same_chunk_decodes_nothing_new(tmp_path: Path) -> None:
    _ome(tmp_path / "img", _pattern(2048), (1024, 1024))
    _pixels(tmp_path / "img")
    assert (CHUNK_CACHE.stats().misses, CHUNK_CACHE.stats().hits) == (1, 0)
    for x, y in [(1, 0), (0, 1), (3, 3)]:  # all in the 1024 x 1024 chunk (0, 0)
        _pixels(tmp_path / "img", x=x, y=y)
    assert (CHUNK_CACHE.stats().misses, CHUNK_CACHE.stats().hits) == (1, 3)
    _pixels(tmp_path / "img", x=4, y=0)  # the next chunk
    assert CHUNK_CACHE.stats().misses == 2


def test_the_cache_stays_under_its_byte_bound(tmp_path: Path) -> None:
    _ome(tmp_path / "img", _pattern(2048), (256, 256))
    CHUNK_CACHE.resize(3 * 256 * 256)  # three chunks of uint8
    for x in range(8):
        _pixels(tmp_path / "img", x=x, y=0)
        assert CHUNK_CACHE.stats().bytes <= 3 * 256 * 256
    stats = CHUNK_CACHE.stats()
    assert (stats.entries, stats.misses, stats.evictions) == (3, 8, 5)
    _pixels(tmp_path / "img", x=7, y=0)  # still there
    _pixels(tmp_path / "img", x=0, y=0)  # pushed out
    assert (CHUNK_CACHE.stats().hits, CHUNK_CACHE.stats().misses) == (1, 9)


def _rewrite_zarr(path: Path, value: int, **options) -> None:
    array = zarr.open_array(path / "0", mode="r+")
    chunk = path / "0" / ("0.0" if array.metadata.zarr_format == 2 else "c/0/0")
    stamp = chunk.stat().st_mtime_ns
    array[:] = value
    os.utime(chunk, ns=(stamp, stamp))  # same size and mtime: the ctime still tells


def test_a_rewritten_zarr_chunk_shows_its_new_pixels(tmp_path: Path) -> None:
    _ome(tmp_path / "img", np.full((64, 64), 10, np.uint8), (64, 64))
    assert _pixels(tmp_path / "img").max() == 10
    _rewrite_zarr(tmp_path / "img", 200)
    assert _pixels(tmp_path / "img").min() == 200


def test_a_rewritten_shard_shows_its_new_pixels(tmp_path: Path) -> None:
    data = np.full((64, 64), 10, np.uint8)
    _ome(tmp_path / "img", data, (16, 16), shards=(64, 64), zarr_format=3)
    assert _pixels(tmp_path / "img").max() == 10
    assert CHUNK_CACHE.stats().misses == 16  # the inner chunks are the cache's unit
    _rewrite_zarr(tmp_path / "img", 200)
    assert _pixels(tmp_path / "img").min() == 200


def test_a_chunk_written_after_it_was_missing_shows_its_pixels(tmp_path: Path) -> None:
    array = _ome(tmp_path / "img", np.zeros((64, 64), np.uint8), (32, 32))
    assert not (tmp_path / "img" / "0" / "1.1").exists()  # all fill value: never written
    assert _pixels(tmp_path / "img")[32:, 32:].max() == 0
    array[32:, 32:] = 99
    assert _pixels(tmp_path / "img")[32:, 32:].min() == 99


def test_a_new_fill_value_shows_in_missing_chunks(tmp_path: Path) -> None:
    _ome(tmp_path / "img", np.zeros((64, 64), np.uint8), (32, 32))  # no chunk written
    assert _pixels(tmp_path / "img").max() == 0
    zarray = tmp_path / "img" / "0" / ".zarray"
    zarray.write_text(zarray.read_text().replace('"fill_value": 0', '"fill_value": 77'))
    assert _pixels(tmp_path / "img").min() == 77


def test_a_rewritten_n5_block_shows_its_new_pixels(tmp_path: Path) -> None:
    import tensorstore as ts

    _write_n5(tmp_path / "img.n5", np.full((64, 64), 10, np.uint8), (32, 32))
    assert _pixels(tmp_path / "img.n5").max() == 10
    spec = {"driver": "n5", "kvstore": {"driver": "file", "path": str(tmp_path / "img.n5")}}
    ts.open(spec).result().write(np.full((64, 64), 200, np.uint8)).result()
    assert _pixels(tmp_path / "img.n5").min() == 200


def test_a_cached_chunk_replaced_by_a_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    _ome(root / "img", np.full((64, 64), 10, np.uint8), (64, 64))
    outside.mkdir()
    (outside / "0.0").write_bytes((root / "img" / "0" / "0.0").read_bytes())
    within = Within.folders(root)
    query = TileQuery(scale=0, x=0, y=0)
    render_tile(root / "img", within, query)  # cached
    (root / "img" / "0" / "0.0").unlink()
    (root / "img" / "0" / "0.0").symlink_to(outside / "0.0")
    with pytest.raises(BadRequest, match="leads outside the shared folders"):
        render_tile(root / "img", within, query)


def test_a_rewritten_tiff_shows_its_new_pixels(tmp_path: Path) -> None:
    import tifffile

    tifffile.imwrite(tmp_path / "img.tif", np.full((64, 64), 10, np.uint8), tile=(32, 32))
    assert _pixels(tmp_path / "img.tif").max() == 10
    tifffile.imwrite(tmp_path / "img.tif", np.full((64, 64), 200, np.uint8), tile=(32, 32))
    assert _pixels(tmp_path / "img.tif").min() == 200


def test_tiles_drawn_in_parallel_are_the_tiles_drawn_without_the_cache(tmp_path: Path) -> None:
    _ome(tmp_path / "img", _pattern(1024), (512, 512))
    cells = [(x, y) for x in range(4) for y in range(4)] * 2
    with ThreadPoolExecutor(8) as pool:
        cached = list(pool.map(lambda cell: _pixels(tmp_path / "img", x=cell[0], y=cell[1]), cells))
    assert CHUNK_CACHE.stats().misses == 4  # each chunk decoded by one thread only
    CHUNK_CACHE.resize(0)
    for cell, pixels in zip(cells, cached, strict=True):
        assert np.array_equal(pixels, _pixels(tmp_path / "img", x=cell[0], y=cell[1]))


def test_a_cached_level_reads_what_the_array_reads() -> None:
    """Selections across chunks, integer axes, big chunks kept by plane only."""
    data = np.arange(4 * 6 * 50 * 70, dtype=np.uint16).reshape(4, 6, 50, 70)
    rng = np.random.default_rng(1)
    for max_bytes in (2**20, 4096):  # 4096: each chunk is kept for the planes read only
        level = CachedLevel(data, (2, 4, 16, 16), "mem", lambda _: None, ChunkCache(max_bytes))
        for _ in range(50):
            y0, x0 = int(rng.integers(0, 49)), int(rng.integers(0, 69))
            y1, x1 = int(rng.integers(y0 + 1, 51)), int(rng.integers(x0 + 1, 71))
            c, z = int(rng.integers(0, 4)), int(rng.integers(0, 6))
            for selection in [
                (c, z, slice(y0, y1), slice(x0, x1)),
                (slice(0, 3), z, slice(y0, y1), x0),
            ]:
                assert np.array_equal(level[selection], data[selection])
        assert level.cache.stats().bytes <= max_bytes


async def test_the_cache_size_is_the_servers_viewer_chunk_cache_mb(
    jp_fetch, tmp_path: Path
) -> None:
    response = await jp_fetch("fileglancer", "api", "roots")
    assert json.loads(response.body) is not None
    assert CHUNK_CACHE.max_bytes == 3 * 2**20


@pytest.fixture
def fileglancer_config(tmp_path: Path) -> dict:
    return {"roots": [f"lab={tmp_path}"], "viewer_chunk_cache_mb": 3}
