"""Symlinks inside a dataset never lead the readers out of the roots (issue 13, point 3).

The path a user names is confined by `RootRegistry.resolve`; these tests plant real
symlinks *inside* datasets, to metadata documents and chunks in a folder outside every
root, and check through a real server that meta, members, the listing, thumbnails, stats
and a recompress job neither show, draw, count nor copy the outside file. A symlink that
stays inside the root (or, when allowed, inside another root) still works.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
import tensorstore as ts
import zarr
from PIL import Image
from tornado.httpclient import HTTPClientError

from fileglancer_ext.convert import ConversionOptions, recompress_zarr
from fileglancer_ext.errors import ConversionError
from fileglancer_ext.system.confined_io import LeavesFolders, Within, read_bounded
from tests.unprivileged import run_without_privileges

from ..jobs.conftest import api, wait_for

SECRET = "OUTSIDE-SECRET-7f3a"
LEAVES = "it is a symbolic link that leads outside the shared folders"


def _write_array(path: Path, value: int, zarr_format: int = 3) -> None:
    array = zarr.create_array(
        path, shape=(64, 64), chunks=(32, 32), dtype="uint8", zarr_format=zarr_format
    )
    array[:] = value


def _write_n5(path: Path, value: int) -> None:
    spec = {
        "driver": "n5",
        "kvstore": {"driver": "file", "path": str(path)},
        "metadata": {
            "dimensions": [64, 64],
            "blockSize": [32, 32],
            "dataType": "uint8",
            "compression": {"type": "raw"},
        },
        "create": True,
    }
    ts.open(spec).result()[...] = np.full((64, 64), value, dtype=np.uint8)


def _chunk(path: Path, zarr_format: int) -> Path:
    return path / ("c/0/0" if zarr_format == 3 else "0.0")


def _link(link: Path, target: Path) -> None:
    link.unlink()
    link.symlink_to(target)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside every root, holding what must never reach a user."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.zattrs").write_text(
        json.dumps({"multiscales": [{"version": "0.4", "datasets": [{"path": "0"}]}], SECRET: 1})
    )
    (outside / "secret-array.json").write_text(
        json.dumps(
            {
                "zarr_format": 3,
                "node_type": "array",
                "shape": [7_777_777, 3],
                "data_type": "uint8",
                "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [1, 3]}},
                "chunk_key_encoding": {"name": "default"},
                "codecs": [{"name": "bytes"}],
                "fill_value": 0,
                "attributes": {SECRET: 1},
            }
        )
    )
    for fmt in (2, 3):
        _write_array(outside / f"bright-v{fmt}.zarr", 255, fmt)
    (outside / "big.bin").write_bytes(os.urandom(256 * 1024))
    _write_n5(outside / "bright.n5", 255)
    return outside


@pytest.fixture
def lab(tmp_path: Path, outside: Path) -> Path:
    """The root 'lab': datasets whose metadata or chunks are symlinks to `outside`."""
    lab = tmp_path / "lab"
    lab.mkdir()
    group = lab / "linked-attrs.zarr"
    group.mkdir()
    (group / ".zgroup").write_text('{"zarr_format": 2}')
    (group / ".zattrs").symlink_to(outside / "secret.zattrs")
    member = group / "member"
    member.mkdir()
    (member / "zarr.json").symlink_to(outside / "secret-array.json")
    linked_v3 = lab / "linked-v3.zarr"
    linked_v3.mkdir()
    (linked_v3 / "zarr.json").symlink_to(outside / "secret-array.json")
    for fmt in (2, 3):
        dark = lab / f"dark-v{fmt}.zarr"
        _write_array(dark, 10, fmt)
        _link(_chunk(dark, fmt), _chunk(outside / f"bright-v{fmt}.zarr", fmt))
    stats = lab / "stats.zarr"
    _write_array(stats, 10)
    (stats / "c" / "1").mkdir(exist_ok=True)
    (stats / "c" / "1" / "9").symlink_to(outside / "big.bin")
    # An N5 dataset whose first block is the outside one.
    _write_n5(lab / "dark.n5", 10)
    _link(lab / "dark.n5" / "0" / "0", outside / "bright.n5" / "0" / "0")
    # A chunk symlinked to another dataset of the same root: allowed.
    shared = lab / "shared-v3.zarr"
    _write_array(shared, 10)
    _write_array(lab / "source-v3.zarr", 200)
    _link(_chunk(shared, 3), _chunk(lab / "source-v3.zarr", 3))
    # An array whose metadata is another dataset's document in the same root: allowed.
    (lab / "sibling-meta.zarr").mkdir()
    (lab / "sibling-meta.zarr" / "zarr.json").symlink_to(lab / "source-v3.zarr" / "zarr.json")
    (lab / "out").mkdir()
    return lab


@pytest.fixture
def fileglancer_config(lab: Path, tmp_path: Path) -> dict:
    return {
        "roots": [f"lab={lab}"],
        "database_url": f"sqlite:///{tmp_path / 'store.sqlite3'}",
        "conversion_processes": 1,
    }


async def get_json(jp_fetch, *parts: str, **params: str) -> dict:
    response = await jp_fetch("fileglancer", "api", *parts, params=params)
    assert response.code == 200
    return json.loads(response.body)


async def error_of(jp_fetch, *parts: str, **params: str) -> tuple[int, str]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("fileglancer", "api", *parts, params=params)
    return caught.value.code, json.loads(caught.value.response.body)["message"]


def _pixels(body: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(body)).convert("L"))


# --- the primitive --------------------------------------------------------------------------


def test_read_bounded_checks_where_the_opened_file_really_is(lab: Path, outside: Path):
    link = lab / "linked-attrs.zarr" / ".zattrs"
    with pytest.raises(LeavesFolders):
        read_bounded(link, Within.folders(lab), limit=4096)
    # Allowed when the outside folder is one of the bases; and anywhere for the CLI.
    assert SECRET.encode() in read_bounded(link, Within.folders(lab, outside), limit=4096)
    assert SECRET.encode() in read_bounded(link, limit=4096)


def test_read_bounded_keeps_file_permissions(shared_tmp: Path):
    # O_PATH opens without read permission; the reopen through /proc must still check it.
    secret = shared_tmp / "mode-000.json"
    secret.write_text("{}")
    secret.chmod(0)
    outcome = run_without_privileges(lambda: read_bounded(secret, limit=10).decode())
    assert outcome["error"] == "PermissionError"


# --- meta, members, listing -----------------------------------------------------------------


async def test_meta_refuses_metadata_symlinked_out_of_the_root(jp_fetch):
    response = await jp_fetch("fileglancer", "api", "meta", "lab", "linked-attrs.zarr")
    assert SECRET not in response.body.decode()
    meta = json.loads(response.body)
    assert meta["kind"] == "zarr-group"  # not the outside file's "ome-zarr"
    assert {"file": ".zattrs", "message": f"cannot read .zattrs: {LEAVES}"} in meta["problems"]


async def test_meta_of_an_array_whose_zarr_json_leads_out_shows_nothing_of_it(jp_fetch):
    response = await jp_fetch("fileglancer", "api", "meta", "lab", "linked-v3.zarr")
    body = response.body.decode()
    assert SECRET not in body and "7777777" not in body
    meta = json.loads(body)
    assert meta["array"] is None or meta["array"]["shape"] is None
    assert any(LEAVES in problem["message"] for problem in meta["problems"])


async def test_members_do_not_read_a_member_s_metadata_from_outside(jp_fetch):
    response = await jp_fetch("fileglancer", "api", "members", "lab", "linked-attrs.zarr")
    assert "7777777" not in response.body.decode()
    page = json.loads(response.body)
    assert [member["name"] for member in page["members"]] == ["member"]
    assert page["members"][0]["shape"] is None


async def test_listing_detects_no_kind_from_an_outside_document(jp_fetch):
    listing = await get_json(jp_fetch, "list", "lab")
    entry = next(e for e in listing["entries"] if e["name"] == "linked-attrs.zarr")
    assert entry["kind"] == "zarr-group"
    assert entry["problem"] == f"cannot read .zattrs: {LEAVES}"
    node = await get_json(jp_fetch, "node", "lab", "linked-v3.zarr")
    assert node["problem"] == f"cannot read zarr.json: {LEAVES}"


async def test_viewers_build_nothing_from_an_outside_document(jp_fetch):
    # The Share tab's viewer states and snippets come from the metadata the meta route reads.
    attrs = await jp_fetch("fileglancer", "api", "viewers", "lab", "linked-attrs.zarr")
    assert SECRET not in attrs.body.decode()
    assert json.loads(attrs.body)["kind"] == "zarr-group"  # not the outside "ome-zarr"
    array = await jp_fetch("fileglancer", "api", "viewers", "lab", "linked-v3.zarr")
    assert SECRET not in array.body.decode() and "7777777" not in array.body.decode()


# --- thumbnails -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dark-v2.zarr", "dark-v3.zarr", "dark.n5"])
async def test_thumbnail_never_draws_an_outside_chunk(jp_fetch, name: str):
    code, message = await error_of(jp_fetch, "thumbnail", "lab", name, size="32")
    assert code == 400
    assert LEAVES in message
    assert "outside" not in message.replace(LEAVES, "")  # no server path either


async def test_thumbnail_of_an_outside_metadata_document_is_refused(jp_fetch):
    code, message = await error_of(jp_fetch, "thumbnail", "lab", "linked-v3.zarr", size="32")
    assert (code, message) == (400, f"cannot read zarr.json: {LEAVES}")


async def test_a_chunk_symlinked_inside_the_root_is_drawn(jp_fetch):
    response = await jp_fetch("fileglancer", "api", "thumbnail", "lab", "shared-v3.zarr")
    pixels = _pixels(response.body)
    assert pixels.max() > pixels.min()  # the linked chunk (200) beside the others (10)


# --- stats ----------------------------------------------------------------------------------


async def test_stats_count_a_symlink_as_itself_and_read_no_outside_metadata(
    jp_fetch, lab: Path, outside: Path
):
    stats = await get_json(jp_fetch, "stats", "lab", "stats.zarr", wait="5")
    assert stats["state"] == "done"
    assert stats["stored_bytes"] < (outside / "big.bin").stat().st_size
    linked = await get_json(jp_fetch, "stats", "lab", "linked-v3.zarr", wait="5")
    assert linked["logical_bytes"] is None and linked["chunks_expected"] is None


async def test_stats_read_metadata_symlinked_to_a_sibling_folder_of_the_root(jp_fetch):
    # Confined to the root, as meta reads it, not to the dataset's own folder.
    stats = await get_json(jp_fetch, "stats", "lab", "sibling-meta.zarr", wait="5")
    assert (stats["chunks_expected"], stats["chunks_missing"]) == (4, 4)
    assert stats["logical_bytes"] == 64 * 64
    meta = await get_json(jp_fetch, "meta", "lab", "sibling-meta.zarr")
    assert meta["array"]["shape"] == [64, 64]


class TestStatsThroughNestedRoots:
    """A folder inside two roots is counted under each root's confinement, not cached once."""

    @pytest.fixture
    def fileglancer_config(self, lab: Path) -> dict:
        return {"roots": [f"lab={lab}", f"inner={lab / 'sibling-meta.zarr'}"]}

    async def test_each_root_reads_what_it_admits(self, jp_fetch):
        through_lab = await get_json(jp_fetch, "stats", "lab", "sibling-meta.zarr", wait="5")
        through_inner = await get_json(jp_fetch, "stats", "inner", "", wait="5")
        assert through_lab["logical_bytes"] == 64 * 64
        assert through_inner["logical_bytes"] is None  # its zarr.json leads out of 'inner'


# --- conversion -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [2, 3])
def test_recompress_refuses_a_chunk_symlinked_out_of_the_source(
    lab: Path, tmp_path: Path, fmt: int
):
    destination = tmp_path / "copy.zarr"
    with pytest.raises(ConversionError, match=LEAVES):
        recompress_zarr(lab / f"dark-v{fmt}.zarr", destination, ConversionOptions(workers=1))
    assert not destination.exists()


async def test_recompress_job_copies_nothing_from_outside(jp_fetch, lab: Path):
    body = {
        "source": {"root": "lab", "path": "dark-v3.zarr"},
        "destination": {"root": "lab", "path": "out/copy.zarr"},
    }
    job = await api(jp_fetch, "POST", "jobs", body=body)
    job, _ = await wait_for(jp_fetch, job["id"])
    assert job["state"] == "failed"
    assert LEAVES in job["error"]["message"]
    assert not (lab / "out" / "copy.zarr").exists()
    assert os.listdir(lab / "out") == []


@pytest.mark.parametrize(
    ("destination", "kind"), [("out/copy.zarr", "recompress"), ("out/copy.tif", "zarr-to-tiff")]
)
async def test_a_job_reads_a_chunk_symlinked_to_a_sibling_folder_of_the_root(
    jp_fetch, lab: Path, destination: str, kind: str
):
    # Confined to the source's root, as the inspector reads it, not to its own folder.
    body = {
        "source": {"root": "lab", "path": "shared-v3.zarr"},
        "destination": {"root": "lab", "path": destination},
    }
    job = await api(jp_fetch, "POST", "jobs", body=body)
    job, _ = await wait_for(jp_fetch, job["id"])
    assert (job["kind"], job["state"], job["error"]) == (kind, "done", None)
    if kind == "recompress":
        pixels = zarr.open_array(lab / destination, mode="r")[:]
    else:
        import tifffile

        pixels = tifffile.imread(lab / destination)
    assert pixels[:32, :32].min() == 200 and pixels[32:, 32:].max() == 10


# --- between roots --------------------------------------------------------------------------


class TestSymlinksBetweenRoots:
    """With `allow_symlinks_between_roots`, a chunk in another root is read; never beyond."""

    @pytest.fixture
    def fileglancer_config(self, lab: Path, outside: Path) -> dict:
        return {
            "roots": [f"lab={lab}", f"other={outside}"],
            "allow_symlinks_between_roots": True,
        }

    async def test_a_chunk_in_another_root_is_drawn(self, jp_fetch):
        response = await jp_fetch("fileglancer", "api", "thumbnail", "lab", "dark-v3.zarr")
        assert _pixels(response.body).max() == 255

    async def test_the_listing_reads_metadata_from_another_root(self, jp_fetch):
        listing = await get_json(jp_fetch, "list", "lab")
        entry = next(e for e in listing["entries"] if e["name"] == "linked-attrs.zarr")
        assert (entry["kind"], entry["problem"]) == ("ome-zarr", None)


class TestOtherRootWithoutTheSwitch:
    @pytest.fixture
    def fileglancer_config(self, lab: Path, outside: Path) -> dict:
        return {"roots": [f"lab={lab}", f"other={outside}"]}

    async def test_a_chunk_in_another_root_is_refused(self, jp_fetch):
        code, message = await error_of(jp_fetch, "thumbnail", "lab", "dark-v3.zarr")
        assert code == 400 and LEAVES in message

    async def test_the_listing_reads_no_metadata_from_another_root(self, jp_fetch):
        listing = await get_json(jp_fetch, "list", "lab")
        entry = next(e for e in listing["entries"] if e["name"] == "linked-attrs.zarr")
        assert entry["problem"] == f"cannot read .zattrs: {LEAVES}"
