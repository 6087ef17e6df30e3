"""A data link on a TIFF also serves it as a virtual OME-NGFF 0.4 image (`virtual_zarr`):
real clients (zarr-python, ome-zarr-py, tensorstore) read it over HTTP from a real Jupyter
server and get tifffile's pixels; stored tiles are passed through as they are.

Clients are synchronous (or run their own loop): each runs in a thread so that the server,
on the test's loop, can answer it.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr

from fileglancer_ext.links import virtual_zarr

from .conftest import public_fetch

RNG = np.random.default_rng(19)
VOLUME = RNG.integers(0, 4000, size=(2, 3, 100, 90), dtype=np.uint16)  # c, z, y, x
PLANE = VOLUME[0, 0]


def write_ome_pyramid(path: Path, volume: np.ndarray = VOLUME) -> None:
    """A two-channel OME-TIFF with two SubIFD levels, zlib tiles, names and pixel sizes."""
    metadata = {
        "axes": "CZYX",
        "Channel": {"Name": ["DAPI", "GFP"]},
        "PhysicalSizeX": 0.5,
        "PhysicalSizeY": 0.5,
        "PhysicalSizeZ": 2.0,
    }
    options = {"tile": (32, 32), "compression": "zlib"}
    with tifffile.TiffWriter(path) as tif:
        tif.write(volume, subifds=2, metadata=metadata, **options)
        tif.write(volume[:, :, ::2, ::2], subfiletype=1, **options)
        tif.write(volume[:, :, ::4, ::4], subfiletype=1, **options)


@pytest.fixture
def tiffs(share_tree: dict[str, Path]) -> Path:
    data = share_tree["data"]
    write_ome_pyramid(data / "cells.ome.tif")
    tifffile.imwrite(data / "zstd.tif", PLANE, tile=(32, 32), compression="zstd")
    tifffile.imwrite(data / "plain.tif", PLANE, tile=(32, 32))
    tifffile.imwrite(data / "lzw.tif", PLANE, tile=(32, 32), compression="lzw", predictor=True)
    rgb = RNG.integers(0, 255, size=(70, 50, 3), dtype=np.uint8)
    tifffile.imwrite(data / "rgb.tif", rgb, tile=(32, 32), photometric="rgb", compression="lzw")
    tifffile.imwrite(data / "striped.tif", PLANE)  # one uncompressed strip
    tifffile.imwrite(data / "strips.tif", PLANE, rowsperstrip=7, compression="zlib")
    (data / "fake.tif").write_text("not a TIFF at all")
    return data


@pytest.fixture
def share_url(other_store, share_tree, http_server, jp_http_port, jp_base_url) -> str:
    link = other_store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data")
    return f"http://127.0.0.1:{jp_http_port}{jp_base_url}fileglancer/s/{link.token}"


def read_virtual(url: str, level: str = "0") -> np.ndarray:
    group = zarr.open_group(url, mode="r")
    assert group.metadata.zarr_format == 2
    return np.asarray(group[level][...])


async def test_zarr_python_reads_an_ome_tiff_pyramid_with_its_metadata(tiffs, share_url):
    url = f"{share_url}/cells.ome.tif/ome.zarr"

    def read() -> tuple[dict, list[np.ndarray]]:
        group = zarr.open_group(url, mode="r")
        return dict(group.attrs), [np.asarray(group[str(i)][...]) for i in range(3)]

    attrs, levels = await asyncio.to_thread(read)
    np.testing.assert_array_equal(levels[0], VOLUME)
    np.testing.assert_array_equal(levels[1], VOLUME[:, :, ::2, ::2])
    np.testing.assert_array_equal(levels[2], VOLUME[:, :, ::4, ::4])
    multiscale = attrs["multiscales"][0]
    assert multiscale["version"] == "0.4"
    assert [a["name"] for a in multiscale["axes"]] == ["c", "z", "y", "x"]
    assert multiscale["axes"][3]["unit"] == "micrometer"
    scales = [d["coordinateTransformations"][0]["scale"] for d in multiscale["datasets"]]
    assert scales == [[1.0, 2.0, 0.5, 0.5], [1.0, 2.0, 1.0, 1.0], [1.0, 2.0, 2.0, 2.0]]
    channels = attrs["omero"]["channels"]
    assert [c["label"] for c in channels] == ["DAPI", "GFP"]
    # Windows computed from the smallest level, per channel.
    assert channels[1]["window"]["end"] == float(VOLUME[1, :, ::4, ::4].max())


@pytest.mark.parametrize("name", ["zstd.tif", "plain.tif", "cells.ome.tif"])
async def test_stored_tiles_are_passed_through_untouched(tiffs, share_url, fetch, name):
    with tifffile.TiffFile(tiffs / name) as tif:
        page = tif.pages.first
        offset, count = page.dataoffsets[4], page.databytecounts[4]  # tile row 1, column 1
        compression = page.compression
    stored = (tiffs / name).read_bytes()[offset : offset + count]
    key = "0/1/1" if name != "cells.ome.tif" else "0/0/0/1/1"
    response = await fetch(f"{name}/ome.zarr/{key}")
    assert response.code == 200
    assert response.body == stored
    zarray = json.loads((await fetch(f"{name}/ome.zarr/0/.zarray")).body)
    expected = {1: None, 8: "zlib", 50000: "zstd"}[int(compression)]
    assert (zarray["compressor"] or {}).get("id") == expected
    assert zarray["chunks"][-2:] == [32, 32] and zarray["dimension_separator"] == "/"


@pytest.mark.parametrize("name", ["zstd.tif", "plain.tif", "lzw.tif", "striped.tif", "strips.tif"])
async def test_every_layout_reads_as_tifffile_reads_it(tiffs, share_url, name):
    pixels = await asyncio.to_thread(read_virtual, f"{share_url}/{name}/ome.zarr")
    np.testing.assert_array_equal(pixels, PLANE)


async def test_an_lzw_rgb_tile_is_decoded_once_with_channels_first(tiffs, share_url, fetch):
    pixels = await asyncio.to_thread(read_virtual, f"{share_url}/rgb.tif/ome.zarr")
    np.testing.assert_array_equal(pixels, np.moveaxis(tifffile.imread(tiffs / "rgb.tif"), -1, 0))
    zarray = json.loads((await fetch("rgb.tif/ome.zarr/0/.zarray")).body)
    assert zarray["compressor"]["id"] == "zlib" and zarray["chunks"] == [3, 32, 32]


async def test_strips_are_served_in_bounded_chunks(tiffs, share_url, fetch, monkeypatch):
    monkeypatch.setattr(virtual_zarr, "STRIP_CHUNK_BYTES", 2000)  # 11 rows of 90 uint16
    tifffile.imwrite(tiffs / "long.tif", PLANE)  # one strip of 100 rows
    tifffile.imwrite(tiffs / "grouped.tif", PLANE, rowsperstrip=3, compression="zlib")
    for name, rows in (("long.tif", 11), ("grouped.tif", 9)):
        zarray = json.loads((await fetch(f"{name}/ome.zarr/0/.zarray")).body)
        assert zarray["chunks"] == [rows, 90]
        pixels = await asyncio.to_thread(read_virtual, f"{share_url}/{name}/ome.zarr")
        np.testing.assert_array_equal(pixels, PLANE)
        last = await fetch(f"{name}/ome.zarr/0/{99 // rows}/0")
        assert last.code == 200


async def test_ome_zarr_py_reads_the_virtual_image(tiffs, share_url):
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Multiscales, Reader

    def read() -> tuple[list[str], list[np.ndarray]]:
        location = parse_url(f"{share_url}/cells.ome.tif/ome.zarr")
        assert location is not None, "ome-zarr-py did not recognize the virtual image"
        image = next(node for node in Reader(location)() if node.load(Multiscales))
        axes = [axis["name"] for axis in image.metadata["axes"]]
        return axes, [np.asarray(level.compute()) for level in image.data]

    axes, levels = await asyncio.to_thread(read)
    assert axes == ["c", "z", "y", "x"] and len(levels) == 3
    np.testing.assert_array_equal(levels[0], VOLUME)
    np.testing.assert_array_equal(levels[2], VOLUME[:, :, ::4, ::4])


async def test_tensorstore_reads_the_virtual_image(tiffs, share_url):
    import tensorstore as ts

    def read(level: str) -> np.ndarray:
        spec = {
            "driver": "zarr",
            "kvstore": {"driver": "http", "base_url": f"{share_url}/cells.ome.tif/ome.zarr/"},
            "path": f"{level}/",
        }
        return ts.open(spec, read=True).result().read().result()

    np.testing.assert_array_equal(await asyncio.to_thread(read, "0"), VOLUME)
    np.testing.assert_array_equal(await asyncio.to_thread(read, "1"), VOLUME[:, :, ::2, ::2])


async def test_a_link_on_the_file_itself_serves_it_too(
    tiffs, other_store, share_tree, jp_base_url, http_server_client, http_server, jp_http_port
):
    link = other_store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data/zstd.tif")
    url = f"http://127.0.0.1:{jp_http_port}{jp_base_url}fileglancer/s/{link.token}"
    pixels = await asyncio.to_thread(read_virtual, f"{url}/zstd.tif/ome.zarr")
    np.testing.assert_array_equal(pixels, PLANE)
    plain = await public_fetch(http_server_client, jp_base_url, link.token, "zstd.tif")
    assert plain.body == (tiffs / "zstd.tif").read_bytes()  # the file itself, as before


async def test_a_replaced_file_gets_a_new_etag_and_only_its_own_chunks(tiffs, share_url, fetch):
    first = await fetch("zstd.tif/ome.zarr/0/0/0")
    assert first.code == 200
    etag = first.headers["ETag"]
    cached = await fetch("zstd.tif/ome.zarr/0/0/0", headers={"If-None-Match": etag})
    assert cached.code == 304
    changed = PLANE[::-1].copy()
    tifffile.imwrite(tiffs / "new.tif", changed, tile=(32, 32), compression="zstd")
    os.replace(tiffs / "new.tif", tiffs / "zstd.tif")
    again = await fetch("zstd.tif/ome.zarr/0/0/0", headers={"If-None-Match": etag})
    assert again.code == 200 and again.headers["ETag"] != etag
    pixels = await asyncio.to_thread(read_virtual, f"{share_url}/zstd.tif/ome.zarr")
    np.testing.assert_array_equal(pixels, changed)


async def test_a_file_that_is_not_a_tiff_is_a_clear_4xx(tiffs, fetch):
    response = await fetch("fake.tif/ome.zarr/.zattrs")
    assert response.code == 400
    body = json.loads(response.body)
    assert body["error"] == "not_servable_as_ome_zarr"
    assert "not a TIFF" in body["message"] and str(tiffs) not in body["message"]


async def test_keys_outside_the_image_are_404_for_readers_probes(tiffs, fetch):
    keys = ("zarr.json", "0/zarr.json", "0/9/9", "7/.zarray", "0/0/0/0", "0/x/0", "²/.zarray")
    for key in (*keys, "0/0/²/0/0", "0/0//0/0", "0/-1/0/0/0", "0/" + "9" * 90):
        response = await fetch(f"cells.ome.tif/ome.zarr/{key}")
        assert response.code == 404, key
        assert json.loads(response.body)["error"] == "not_found"
    missing = await fetch("nothing.tif/ome.zarr/.zattrs")
    assert missing.code == 404


async def test_the_s3_view_serves_and_lists_the_virtual_image(
    tiffs, token, http_server_client, jp_base_url, http_server, jp_http_port
):
    base = f"{jp_base_url}fileglancer/s3/{token}"
    response = await http_server_client.fetch(f"{base}/cells.ome.tif/ome.zarr/0/.zarray")
    assert json.loads(response.body)["shape"] == [2, 3, 100, 90]
    prefix = "cells.ome.tif/ome.zarr/"
    listing = await http_server_client.fetch(
        f"{base}?list-type=2&delimiter=/&prefix={prefix}", raise_error=False
    )
    text = listing.body.decode()
    assert f"<Key>{prefix}.zattrs</Key>" in text and f"<Prefix>{prefix}0/</Prefix>" in text
    url = f"http://127.0.0.1:{jp_http_port}{base}/cells.ome.tif/ome.zarr"
    pixels = await asyncio.to_thread(read_virtual, url, "1")
    np.testing.assert_array_equal(pixels, VOLUME[:, :, ::2, ::2])


def write_unknown_compression(path: Path) -> None:
    """A TIFF whose tiles claim a compression no decoder knows (tag value 60000)."""
    tifffile.imwrite(path, PLANE, tile=(32, 32), compression="lzw")
    with tifffile.TiffFile(path) as tif:
        tag = tif.pages.first.tags["Compression"]
        offset, byteorder = tag.valueoffset, tif.byteorder
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write((60000).to_bytes(2, "little" if byteorder == "<" else "big"))


async def test_an_unknown_compression_is_refused_with_its_reason(tiffs, fetch):
    write_unknown_compression(tiffs / "odd.tif")
    response = await fetch("odd.tif/ome.zarr/.zattrs")
    assert response.code == 400
    assert "cannot decode" in json.loads(response.body)["message"]


async def test_the_share_tab_opens_a_shared_tiff_in_viewers_as_ome_zarr(
    jp_fetch, share_tree, tiffs, jp_http_port, jp_base_url, http_server_client
):
    from urllib.parse import unquote

    from fileglancer_ext.formats.validate import validate_dataset

    from .conftest import api

    link = await api(jp_fetch, "POST", "links", body={"root": "lab", "path": "data/cells.ome.tif"})
    answer = await api(jp_fetch, "GET", "viewers", "lab", "data/cells.ome.tif")
    url = link["url"] + "cells.ome.tif/ome.zarr/"
    assert answer["virtual_image"] == {"url": url, "problem": None}
    viewers = {viewer["name"]: viewer["url"] for viewer in answer["viewers"]}
    assert viewers["vizarr"].endswith("?source=" + url)
    state = json.loads(unquote(viewers["Neuroglancer"].split("#!", 1)[1]))
    assert [layer["name"] for layer in state["layers"]] == ["DAPI", "GFP"]
    assert state["layers"][0]["source"]["url"] == "zarr2://" + url
    snippets = {s["title"]: s["code"] for s in answer["snippets"] if s["target"] == "link"}
    assert "zarr-python (as OME-Zarr)" in snippets and "ome-zarr-py (as OME-Zarr)" in snippets

    def run(code: str) -> np.ndarray:
        namespace: dict = {}
        exec(compile(code, "<snippet>", "exec"), namespace)
        return np.asarray(namespace["image"][...])

    served = f"http://127.0.0.1:{jp_http_port}{jp_base_url}fileglancer/s/{link['token']}/"
    code = snippets["zarr-python (as OME-Zarr)"].replace(link["url"], served)
    np.testing.assert_array_equal(await asyncio.to_thread(run, code), VOLUME)
    # The virtual metadata is valid OME-NGFF 0.4 for the project's validator.
    folder = share_tree["lab"] / "copy.ome.zarr"
    for key in (".zgroup", ".zattrs", "0/.zarray", "1/.zarray", "2/.zarray"):
        got = await public_fetch(http_server_client, jp_base_url, link["token"], url_key(key))
        (folder / key).parent.mkdir(parents=True, exist_ok=True)
        (folder / key).write_bytes(got.body)
    assert validate_dataset(folder).errors == []


def url_key(key: str) -> str:
    return f"cells.ome.tif/ome.zarr/{key}"


async def test_the_share_tab_gives_the_reason_a_tiff_cannot_be_served(jp_fetch, tiffs):
    from .conftest import api

    write_unknown_compression(tiffs / "odd.tif")
    await api(jp_fetch, "POST", "links", body={"root": "lab", "path": "data/odd.tif"})
    answer = await api(jp_fetch, "GET", "viewers", "lab", "data/odd.tif")
    assert answer["virtual_image"]["url"] is None
    assert "cannot decode" in answer["virtual_image"]["problem"]
    assert answer["viewers"] == []


async def test_fileglancer_open_reads_the_virtual_image(tiffs, share_url):
    from fileglancer_ext.notebook.opening import open_dataset

    def read() -> np.ndarray:
        return np.asarray(open_dataset(f"{share_url}/cells.ome.tif/ome.zarr/").data)

    np.testing.assert_array_equal(await asyncio.to_thread(read), VOLUME)


async def test_a_pyramid_of_reduced_pages_serves_each_level(tiffs, share_url):
    """Levels that are top-level reduced-resolution pages (not SubIFDs): tifffile's series
    levels, as slide scanners write them."""
    with tifffile.TiffWriter(tiffs / "pages.tif") as tif:
        for step in (1, 2, 4):
            extra = {"subfiletype": 1} if step > 1 else {}
            tif.write(PLANE[::step, ::step], tile=(32, 32), compression="zlib", **extra)

    def read() -> tuple[dict, list[np.ndarray]]:
        group = zarr.open_group(f"{share_url}/pages.tif/ome.zarr", mode="r")
        return dict(group.attrs), [np.asarray(group[str(i)][...]) for i in range(3)]

    attrs, levels = await asyncio.to_thread(read)
    for level, step in zip(levels, (1, 2, 4), strict=True):
        np.testing.assert_array_equal(level, PLANE[::step, ::step])
    datasets = attrs["multiscales"][0]["datasets"]
    assert [d["coordinateTransformations"][0]["scale"] for d in datasets] == [
        [1.0, 1.0],
        [2.0, 2.0],
        [4.0, 4.0],
    ]


async def test_a_file_rewritten_in_place_is_read_as_its_new_version(tiffs, share_url, fetch):
    """Same inode, same size, new bytes: the parse of the old version is not reused."""
    first = await fetch("plain.tif/ome.zarr/0/0/0")
    changed = (PLANE + 7).astype(np.uint16)
    tifffile.imwrite(tiffs / "other.tif", changed, tile=(32, 32))
    new_bytes = (tiffs / "other.tif").read_bytes()
    assert len(new_bytes) == (tiffs / "plain.tif").stat().st_size
    inode = (tiffs / "plain.tif").stat().st_ino
    with open(tiffs / "plain.tif", "r+b") as handle:
        handle.write(new_bytes)
    os.utime(tiffs / "plain.tif", ns=(1, (tiffs / "plain.tif").stat().st_mtime_ns + 10**9))
    assert (tiffs / "plain.tif").stat().st_ino == inode
    again = await fetch("plain.tif/ome.zarr/0/0/0")
    assert again.headers["ETag"] != first.headers["ETag"]
    pixels = await asyncio.to_thread(read_virtual, f"{share_url}/plain.tif/ome.zarr")
    np.testing.assert_array_equal(pixels, changed)


def parsed_image(path: Path) -> virtual_zarr.VirtualImage:
    """The server's parse of the file's current version (after a request read it)."""
    return virtual_zarr._CACHE.images[virtual_zarr._identity(path.stat())]


async def test_tile_places_are_kept_in_a_bounded_table(tiffs, share_url, monkeypatch):
    """A chunk request reads a passed-through tile's place from a table filled on first use;
    levels past the table's budget still read right, asking tifffile every time."""
    monkeypatch.setattr(virtual_zarr, "LAYOUT_CHUNKS", 80)  # levels of 72, 24, 6 chunks
    url = f"{share_url}/cells.ome.tif/ome.zarr"
    for level, expected in enumerate((VOLUME, VOLUME[:, :, ::2, ::2], VOLUME[:, :, ::4, ::4])):
        pixels = await asyncio.to_thread(read_virtual, url, str(level))
        np.testing.assert_array_equal(pixels, expected)
    image = parsed_image(tiffs / "cells.ome.tif")
    tables = [level.layout for level in image.levels]
    assert tables[1] is None and tables[0].shape == (2, 3, 4, 3, 2) and tables[2].size == 12
    with tifffile.TiffFile(tiffs / "cells.ome.tif") as tif:
        page = tif.series[0].pages[4]  # channel 1, plane 1
        places = list(zip(page.dataoffsets, page.databytecounts, strict=True))
    assert [tuple(t) for t in tables[0][1, 1].reshape(-1, 2).tolist()] == places


async def test_a_rewritten_file_is_read_with_its_own_tile_places(tiffs, share_url, fetch):
    """The table belongs to one version: a rewrite in place whose tiles moved (same inode)
    gets a new ETag and its own bytes, never tiles read at the old places."""
    url = f"{share_url}/zstd.tif/ome.zarr"
    np.testing.assert_array_equal(await asyncio.to_thread(read_virtual, url), PLANE)
    first = await fetch("zstd.tif/ome.zarr/0/1/1")
    changed = RNG.integers(0, 60000, size=PLANE.shape, dtype=np.uint16)  # tiles grow
    inode = (tiffs / "zstd.tif").stat().st_ino
    with open(tiffs / "zstd.tif", "r+b") as handle:
        tifffile.imwrite(handle, changed, tile=(32, 32), compression="zstd")
    assert (tiffs / "zstd.tif").stat().st_ino == inode
    again = await fetch("zstd.tif/ome.zarr/0/1/1")
    assert again.headers["ETag"] != first.headers["ETag"] and again.body != first.body
    np.testing.assert_array_equal(await asyncio.to_thread(read_virtual, url), changed)


async def test_a_chunk_larger_than_a_header_block_is_sent_whole(tiffs, share_url, fetch):
    """A chunk of 128 KiB (sent after its headers, not joined to them) arrives whole, also
    as a range, and HEAD gives its headers alone."""
    big = RNG.integers(0, 65535, size=(256, 256), dtype=np.uint16)
    tifffile.imwrite(tiffs / "big.tif", big, tile=(256, 256))
    response = await fetch("big.tif/ome.zarr/0/0/0")
    assert response.code == 200 and response.body == big.tobytes()
    assert int(response.headers["Content-Length"]) == big.nbytes
    part = await fetch("big.tif/ome.zarr/0/0/0", headers={"Range": "bytes=100-70099"})
    assert part.code == 206 and part.body == big.tobytes()[100:70100]
    head = await fetch("big.tif/ome.zarr/0/0/0", method="HEAD")
    assert (
        head.code == 200 and head.body == b"" and head.headers["ETag"] == response.headers["ETag"]
    )


class TestListings:
    """With folder listings on, the virtual image lists as a folder does."""

    @pytest.fixture
    def fileglancer_config(self, listing_config) -> dict:
        return listing_config

    async def test_the_virtual_image_and_its_levels_list_their_keys(self, tiffs, fetch):
        root = json.loads((await fetch("cells.ome.tif/ome.zarr/")).body)
        assert [(e["name"], e["kind"]) for e in root["entries"]] == [
            (".zattrs", "file"),
            (".zgroup", "file"),
            ("0", "directory"),
            ("1", "directory"),
            ("2", "directory"),
        ]
        level = json.loads((await fetch("cells.ome.tif/ome.zarr/1/")).body)
        assert [e["name"] for e in level["entries"]] == [".zarray", ".zattrs"]
        zarray = await fetch("cells.ome.tif/ome.zarr/1/.zarray")
        assert level["entries"][0]["size"] == len(zarray.body)


@pytest.fixture
def threaded_link_server(jp_asyncio_loop, other_store):
    """The standalone link server, its I/O in threads, on a loopback port."""
    from fileglancer_ext.links.serving import ShareServer

    from .conftest import serving_link_app

    shares = ShareServer(other_store, use_threads=True)
    with serving_link_app(jp_asyncio_loop, shares, "/links/") as url:
        yield url


async def test_the_link_server_serves_the_virtual_image_sandboxed(
    tiffs, threaded_link_server, token
):
    """The standalone link server answers the same keys, with the sandbox headers of every
    share answer."""
    from tornado.httpclient import AsyncHTTPClient

    from .test_share_sandbox import assert_sandboxed

    share = f"{threaded_link_server}fileglancer/s/{token}"
    url = f"{share}/cells.ome.tif/ome.zarr"
    client = AsyncHTTPClient()
    for key in (".zattrs", "0/.zarray", "0/1/2/3/2"):
        assert_sandboxed(await client.fetch(f"{url}/{key}"))
    refused = await client.fetch(f"{share}/fake.tif/ome.zarr/.zattrs", raise_error=False)
    assert refused.code == 400
    assert_sandboxed(refused)
    pixels = await asyncio.to_thread(read_virtual, url, "2")
    np.testing.assert_array_equal(pixels, VOLUME[:, :, ::4, ::4])
