"""Thumbnails: decoded PNG pixels of demo and synthetic OME-Zarr images and plain arrays."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr
from PIL import Image

from fileglancer_ext.demo.data import OME_ZARR_V04, OME_ZARR_V05, ZARR_V3_SHARDED, write_demo_data
from fileglancer_ext.errors import BadRequest
from fileglancer_ext.inspection.thumbnails import core as thumbnails
from fileglancer_ext.inspection.thumbnails.core import (
    clear_thumbnail_cache,
    render_thumbnail,
    thumbnail_cache_info,
)
from fileglancer_ext.system.confined_store import ConfinedStore
from tests.unprivileged import run_without_privileges

WHITE = "FFFFFF"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    write_demo_data(root, many_files=5)
    return root


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_thumbnail_cache()


def _pixels(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.mode == "RGB"
    return np.asarray(image)


def _write_ome(
    path: Path,
    data: np.ndarray,
    axes: list[str],
    *,
    version: str = "0.4",
    omero: dict[str, Any] | None = None,
    image_label: dict[str, Any] | None = None,
    fill_value: int = 0,
    write: bool = True,
    chunks: tuple[int, ...] | None = None,
) -> zarr.Array:
    """An OME-Zarr image with two levels: "full" (garbage, never read) and "small" (data)."""
    zarr_format = 3 if version == "0.5" else 2
    group = zarr.open_group(path, mode="w", zarr_format=zarr_format)
    kinds = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}
    multiscale: dict[str, Any] = {
        "datasets": [
            {
                "path": name,
                "coordinateTransformations": [{"type": "scale", "scale": [1] * len(axes)}],
            }
            for name in ("full", "small")
        ],
    }
    if version in ("0.1", "0.2"):
        multiscale["version"] = version
    elif version == "0.3":
        multiscale.update(version=version, axes=axes)
    else:
        multiscale["axes"] = [{"name": name, "type": kinds[name]} for name in axes]
        if version == "0.4":
            multiscale["version"] = version
    attrs: dict[str, Any] = {"multiscales": [multiscale]}
    if omero is not None:
        attrs["omero"] = omero
    if image_label is not None:
        attrs["image-label"] = image_label
    if zarr_format == 3:
        group.attrs["ome"] = {"version": version, **attrs}
    else:
        group.attrs.update(attrs)
    full = group.create_array("full", shape=data.shape, dtype=data.dtype, fill_value=fill_value)
    full[:] = np.full(data.shape, 99, dtype=data.dtype)  # would show if it were read
    small = group.create_array(
        "small",
        shape=data.shape,
        dtype=data.dtype,
        chunks=chunks or data.shape,
        fill_value=fill_value,
    )
    if write:
        small[:] = data
    return small


def _omero(*channels: tuple[str, bool], start: float = 0, end: float = 1000) -> dict[str, Any]:
    return {
        "channels": [
            {"color": color, "active": active, "window": {"start": start, "end": end}}
            for color, active in channels
        ]
    }


def _halves(shape: tuple[int, ...], value: int = 1000) -> np.ndarray:
    """Zeros on the left half (x), `value` on the right half."""
    data = np.zeros(shape, dtype=np.uint16)
    data[..., shape[-1] // 2 :] = value
    return data


# --- the demo images ------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", [OME_ZARR_V04, OME_ZARR_V05], ids=["0.4", "0.5"])
@pytest.mark.parametrize("size", [256, 100])
def test_demo_ome_zarr_has_all_three_colours(demo: Path, dataset: Any, size: int) -> None:
    pixels = _pixels(render_thumbnail(demo / dataset.name, size=size))
    assert max(pixels.shape[:2]) == size
    assert pixels.max() > 100, "not all black"
    red, green, blue = (pixels[..., i].astype(int) for i in range(3))
    assert ((blue > 120) & (blue > red + 40) & (blue > green + 40)).sum() > 20  # DAPI
    assert ((green > 120) & (green > red + 40) & (green > blue + 40)).sum() > 20  # GFP
    assert ((red > 120) & (red > green + 40) & (red > blue + 40)).sum() > 20  # mCherry


def test_demo_zarr_v2_and_v3_give_the_same_picture(demo: Path) -> None:
    v4 = _pixels(render_thumbnail(demo / OME_ZARR_V04.name, size=64))
    v5 = _pixels(render_thumbnail(demo / OME_ZARR_V05.name, size=64))
    assert np.array_equal(v4, v5)


# --- synthetic images with known answers ----------------------------------------------------


def test_single_channel_window_maps_zero_to_black_and_end_to_white(tmp_path: Path) -> None:
    _write_ome(tmp_path / "img", _halves((1, 16, 32)), ["c", "y", "x"], omero=_omero((WHITE, True)))
    pixels = _pixels(render_thumbnail(tmp_path / "img", size=64))
    assert pixels.shape == (32, 64, 3)
    assert (pixels[:, :28] == 0).all()
    assert (pixels[:, 36:] == 255).all()


def test_inactive_channel_contributes_nothing(tmp_path: Path) -> None:
    data = np.stack([_halves((16, 32))[0:16], np.full((16, 32), 1000, np.uint16)])
    omero = _omero(("FF0000", True), ("00FF00", False))
    _write_ome(tmp_path / "img", data, ["c", "y", "x"], omero=omero)
    pixels = _pixels(render_thumbnail(tmp_path / "img", size=32))
    assert (pixels[..., 1] == 0).all() and (pixels[..., 2] == 0).all()
    assert (pixels[:, 20:, 0] == 255).all() and (pixels[:, :12, 0] == 0).all()


def test_without_omero_three_channels_are_red_green_blue(tmp_path: Path) -> None:
    data = np.zeros((3, 30, 30), dtype=np.uint8)
    for channel in range(3):
        data[channel, :, channel * 10 : channel * 10 + 10] = 200
    _write_ome(tmp_path / "img", data, ["c", "y", "x"], version="0.5")
    pixels = _pixels(render_thumbnail(tmp_path / "img", size=30))
    assert tuple(pixels[15, 5]) == (255, 0, 0)
    assert tuple(pixels[15, 15]) == (0, 255, 0)
    assert tuple(pixels[15, 25]) == (0, 0, 255)


def test_ngff_0_2_implicit_axes_one_channel_is_grey(tmp_path: Path) -> None:
    data = _halves((2, 1, 5, 16, 16))  # t, c, z, y, x
    data[1] = 0  # t=1 would be all black; t=0 is drawn
    _write_ome(tmp_path / "img", data, list("tczyx"), version="0.2")
    pixels = _pixels(render_thumbnail(tmp_path / "img", size=16))
    assert (pixels[:, 12:] == 255).all()
    assert (pixels[:, :4] == 0).all()
    assert (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()


def test_small_z_stack_is_max_projected_and_default_z_is_honoured(tmp_path: Path) -> None:
    data = np.zeros((1, 5, 16, 16), dtype=np.uint16)
    data[0, 0, :, :8] = 1000  # only in the first plane, not the middle one
    data[0, 4, :, 8:] = 1000  # only in the last plane
    omero = _omero((WHITE, True))
    _write_ome(tmp_path / "img", data, ["c", "z", "y", "x"], version="0.3", omero=omero)
    pixels = _pixels(render_thumbnail(tmp_path / "img", size=16))
    assert (pixels == 255).all()  # projection sees both planes

    omero["rdefs"] = {"defaultZ": 4}
    _write_ome(tmp_path / "img2", data, ["c", "z", "y", "x"], omero=omero)
    pixels = _pixels(render_thumbnail(tmp_path / "img2", size=16))
    assert (pixels[:, :8] == 0).all() and (pixels[:, 8:] == 255).all()


def test_label_image_uses_its_colours_and_a_stable_palette(tmp_path: Path) -> None:
    data = np.zeros((20, 40), dtype=np.uint32)
    data[:, 10:20] = 1
    data[:, 20:30] = 2
    data[:, 30:] = 7  # no colour given: hashed
    label = {
        "colors": [
            {"label-value": 1, "rgba": [255, 0, 0, 255]},
            {"label-value": 2, "rgba": [0, 0, 255, 255]},
        ]
    }
    _write_ome(tmp_path / "labels", data, ["y", "x"], image_label=label)
    pixels = _pixels(render_thumbnail(tmp_path / "labels", size=40))
    assert (pixels[:, :10] == 0).all()
    assert (pixels[:, 10:20] == [255, 0, 0]).all()
    assert (pixels[:, 20:30] == [0, 0, 255]).all()
    hashed = pixels[:, 30:]
    assert (hashed == hashed[0, 0]).all() and hashed[0, 0].max() >= 64
    clear_thumbnail_cache()
    again = _pixels(render_thumbnail(tmp_path / "labels", size=40))
    assert np.array_equal(pixels, again)


def test_missing_chunks_read_as_fill_value(tmp_path: Path) -> None:
    small = _write_ome(
        tmp_path / "img",
        np.zeros((1, 16, 32), dtype=np.uint16),
        ["c", "y", "x"],
        omero=_omero((WHITE, True)),
        fill_value=1000,
        write=False,
        chunks=(1, 16, 16),
    )
    small[:, :, :16] = 0  # the left chunk exists; the right one is missing
    assert sorted(os.listdir(tmp_path / "img" / "small")) == [".zarray", ".zattrs", "0.0.0"]
    pixels = _pixels(render_thumbnail(tmp_path / "img", size=32))
    assert (pixels[:, :14] == 0).all()
    assert (pixels[:, 18:] == 255).all()


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_corrupt_chunk_is_a_bad_request(tmp_path: Path, version: str) -> None:
    data, omero = _halves((1, 16, 32)), _omero((WHITE, True))
    _write_ome(tmp_path / "img", data, ["c", "y", "x"], version=version, omero=omero)
    chunk = "0.0.0" if version == "0.4" else "c/0/0/0"  # blosc (v2) and zstd (v3) frames
    (tmp_path / "img" / "small" / chunk).write_bytes(b"this is not a compressed frame" * 3)
    with pytest.raises(BadRequest, match="cannot decode chunk"):
        render_thumbnail(tmp_path / "img", size=32)


def test_empty_array_is_not_an_image(tmp_path: Path) -> None:
    zarr.create_array(tmp_path / "empty.zarr", shape=(0, 10), chunks=(5, 5), dtype="uint8")
    with pytest.raises(BadRequest, match="no image to preview"):
        render_thumbnail(tmp_path / "empty.zarr")


def test_too_large_smallest_level_is_refused(tmp_path: Path) -> None:
    group = zarr.open_group(tmp_path / "big", mode="w", zarr_format=2)
    axes = [
        {"name": "c", "type": "channel"},
        {"name": "y", "type": "space"},
        {"name": "x", "type": "space"},
    ]
    group.attrs["multiscales"] = [{"version": "0.4", "axes": axes, "datasets": [{"path": "0"}]}]
    group.create_array("0", shape=(3, 8192, 8192), dtype="uint16", chunks=(1, 1024, 1024))
    with pytest.raises(BadRequest, match="8192x8192x3.*too large for a preview"):
        render_thumbnail(tmp_path / "big")


@pytest.mark.parametrize("kind", ["folder", "group"])
def test_not_an_image_is_a_bad_request(tmp_path: Path, kind: str) -> None:
    target = tmp_path / kind
    if kind == "folder":
        target.mkdir()
        (target / "notes.txt").write_text("hello")
    else:
        zarr.open_group(target, mode="w", zarr_format=3).attrs["hello"] = "world"
    with pytest.raises(BadRequest, match="no image to preview"):
        render_thumbnail(target)


@pytest.mark.parametrize("size", [15, 1025, 0, -1, True, 256.0, "256"])
def test_bad_sizes_are_refused(demo: Path, size: Any) -> None:
    with pytest.raises(BadRequest, match="size"):
        render_thumbnail(demo / OME_ZARR_V04.name, size=size)


def test_dataset_path_cannot_leave_the_image(tmp_path: Path) -> None:
    _write_ome(tmp_path / "img", _halves((1, 8, 8)), ["c", "y", "x"])
    zattrs = tmp_path / "img" / ".zattrs"
    zattrs.write_text(zattrs.read_text().replace('"small"', '"../img/small"'))
    with pytest.raises(BadRequest, match="leaves the image"):
        render_thumbnail(tmp_path / "img")


@pytest.mark.parametrize(("name", "message"), [(".zattrs", None), ("oversized", "too large")])
def test_unusable_image_metadata_is_refused_naming_the_file(
    tmp_path: Path, name: str, message: str | None
) -> None:
    _write_ome(tmp_path / "img", _halves((1, 8, 8)), ["c", "y", "x"])
    zattrs = tmp_path / "img" / ".zattrs"
    if name == ".zattrs":
        zattrs.write_text("{not json")
        message = "malformed .zattrs"
    else:
        zattrs.write_text(" " * (4 * 2**20 + 1))
    with pytest.raises(BadRequest, match=message):
        render_thumbnail(tmp_path / "img")


def test_image_metadata_without_read_permission_is_forbidden(shared_tmp: Path) -> None:
    _write_ome(shared_tmp / "img", _halves((1, 8, 8)), ["c", "y", "x"])
    (shared_tmp / "img" / ".zattrs").chmod(0o000)
    outcome = run_without_privileges(lambda: render_thumbnail(shared_tmp / "img").hex())
    assert outcome == {"error": "Forbidden", "message": "cannot read .zattrs: permission denied"}


# --- plain arrays: bounded strided reads ----------------------------------------------------


@pytest.fixture
def store_gets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every key that the previews' zarr store reads (whole or byte ranges)."""
    keys: list[str] = []
    original_read = ConfinedStore._read

    def read(self: ConfinedStore, key: str, *args: Any) -> Any:
        keys.append(key)
        return original_read(self, key, *args)

    monkeypatch.setattr(ConfinedStore, "_read", read)
    return keys


def test_sharded_plain_array_is_strided_and_reads_a_bounded_number_of_chunks(
    demo: Path, store_gets: list[str]
) -> None:
    pixels = _pixels(render_thumbnail(demo / ZARR_V3_SHARDED.name, size=128))
    assert pixels.shape == (128, 128, 3)
    assert pixels.max() == 255 and pixels.min() < 60
    chunk_reads = [key for key in store_gets if key.startswith("c/")]
    # z=64 of (128, 512, 512) in (32, 64, 64) chunks: the plane spans 8 x 8 inner chunks,
    # in 4 shards; each inner chunk is one byte-range read, plus a shard index or two.
    assert 0 < len(chunk_reads) <= 64 + 8
    assert {key.split("/")[1] for key in chunk_reads} == {"1"}  # z=64: only the second z shard


def test_plain_array_with_many_chunks_touches_at_most_the_budget(
    tmp_path: Path, store_gets: list[str]
) -> None:
    array = zarr.create_array(
        tmp_path / "wide.zarr", shape=(3, 2000, 3000), chunks=(1, 50, 50), dtype="uint8"
    )
    array[1, 900:1100, 1400:1600] = 255  # the centre; every other chunk is missing
    pixels = _pixels(render_thumbnail(tmp_path / "wide.zarr", size=64))
    assert max(pixels.shape[:2]) == 64
    assert pixels.max() == 255
    chunk_reads = [key for key in store_gets if key.startswith("c/")]
    assert 0 < len(chunk_reads) <= thumbnails.MAX_PLAIN_CHUNKS
    assert all(key.startswith("c/1/") for key in chunk_reads)


# --- cache ----------------------------------------------------------------------------------


def test_repeat_requests_hit_the_cache_until_metadata_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_ome(tmp_path / "img", _halves((1, 8, 8)), ["c", "y", "x"], omero=_omero((WHITE, True)))
    renders: list[Any] = []
    original = thumbnails._render

    def counting(*args: Any) -> bytes:
        renders.append(args)
        return original(*args)

    monkeypatch.setattr(thumbnails, "_render", counting)
    first = render_thumbnail(tmp_path / "img", size=32)
    assert render_thumbnail(tmp_path / "img", size=32) == first
    assert len(renders) == 1
    assert thumbnail_cache_info()["hits"] == 1
    render_thumbnail(tmp_path / "img", size=48)  # another size is another entry
    assert len(renders) == 2

    level_meta = tmp_path / "img" / "small" / ".zarray"
    stat = level_meta.stat()
    os.utime(level_meta, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    render_thumbnail(tmp_path / "img", size=32)
    assert len(renders) == 3


def test_concurrent_requests_agree(demo: Path) -> None:
    results: list[bytes] = []
    lock = threading.Lock()

    def work() -> None:
        png = render_thumbnail(demo / OME_ZARR_V05.name, size=64)
        with lock:
            results.append(png)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and len(set(results)) == 1
