"""ListObjectsV2 inside a TIFF's virtual OME-Zarr (`<file.tif>/ome.zarr/`) lists its metadata
and the chunks the file stores, in S3's byte order, page by page (`s3/buckets.py`,
`links/virtual_zarr.keys_from`), with the sizes and ETags GetObject gives."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import botocore.exceptions
import numpy as np
import pytest
import tifffile

from fileglancer_ext.s3 import buckets
from tests.links.test_tiff_virtual import PLANE, write_ome_pyramid

PREFIX = "cells.ome.tif/ome.zarr/"


def chunk_keys(level: int, grid: tuple[int, ...]) -> list[str]:
    return [f"{level}/" + "/".join(map(str, i)) for i in np.ndindex(*grid)]


# c, z, y, x chunks of 32 x 32 of the levels of VOLUME (2, 3, 100, 90)
EXPECTED = sorted(
    [".zattrs", ".zgroup"]
    + [f"{i}/{name}" for i in range(3) for name in (".zarray", ".zattrs")]
    + chunk_keys(0, (2, 3, 4, 3))
    + chunk_keys(1, (2, 3, 2, 2))
    + chunk_keys(2, (2, 3, 1, 1))
)


@pytest.fixture
def cells(share_tree: dict[str, Path]) -> Path:
    write_ome_pyramid(share_tree["data"] / "cells.ome.tif")
    return share_tree["data"] / "cells.ome.tif"


def list_all(s3_client, bucket: str, prefix: str, page_size: int, **extra) -> list[dict]:
    pages = s3_client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": page_size}, **extra
    )
    return list(pages)


async def test_every_chunk_is_listed_once_in_byte_order_with_its_size(cells, bucket, s3_client):
    pages = await asyncio.to_thread(list_all, s3_client, bucket, PREFIX, 7)
    items = [item for page in pages for item in page.get("Contents", [])]
    keys = [item["Key"] for item in items]
    assert keys == [PREFIX + key for key in EXPECTED]  # each once, S3's order, no folder
    assert all(page["KeyCount"] == 7 for page in pages[:-1])

    def get(key: str) -> dict:
        return s3_client.get_object(Bucket=bucket, Key=key)

    for item in (items[0], items[20], items[-1]):  # .zattrs, a level-0 chunk, a level-2 one
        found = await asyncio.to_thread(get, item["Key"])
        assert len(found["Body"].read()) == item["Size"]
        assert found["ETag"] == item["ETag"]


async def test_a_level_lists_its_folders_and_the_last_axis_its_chunks(cells, bucket, s3_client):
    def lists(prefix: str, **extra) -> dict:
        return s3_client.list_objects_v2(Bucket=bucket, Prefix=prefix, Delimiter="/", **extra)

    level = await asyncio.to_thread(lists, PREFIX + "0/")
    assert [item["Key"] for item in level["Contents"]] == [
        PREFIX + "0/.zarray",
        PREFIX + "0/.zattrs",
    ]
    assert [p["Prefix"] for p in level["CommonPrefixes"]] == [PREFIX + "0/0/", PREFIX + "0/1/"]
    row = await asyncio.to_thread(lists, PREFIX + "0/1/2/3/")
    assert [item["Key"] for item in row["Contents"]] == [PREFIX + f"0/1/2/3/{x}" for x in range(3)]
    with tifffile.TiffFile(cells) as tif:  # channel 1, plane 2, tile row 3
        sizes = tif.series[0].pages[5].databytecounts[9:12]
    assert [item["Size"] for item in row["Contents"]] == list(sizes)
    after = await asyncio.to_thread(lists, PREFIX, StartAfter=PREFIX + ".zgroup")
    assert [p["Prefix"] for p in after["CommonPrefixes"]] == [PREFIX + f"{i}/" for i in range(3)]
    assert "Contents" not in after
    partial = await asyncio.to_thread(lists, PREFIX + "0/1/2/3/1")
    assert [item["Key"] for item in partial["Contents"]] == [PREFIX + "0/1/2/3/1"]


def write_sparse(path: Path) -> None:
    """An uncompressed tiled TIFF whose tiles 1 and 2 are not stored (byte count 0)."""
    tifffile.imwrite(path, PLANE, tile=(32, 32))
    with tifffile.TiffFile(path) as tif:
        tag = tif.pages.first.tags["TileByteCounts"]
        offset, code = tag.valueoffset, tif.byteorder + {3: "H", 4: "I", 16: "Q"}[tag.dtype]
    with open(path, "r+b") as handle:
        size = struct.calcsize(code)
        handle.seek(offset + size)
        handle.write(struct.pack(code, 0) * 2)


async def test_unstored_chunks_are_not_listed_and_a_page_passes_few(
    share_tree, bucket, s3_client, monkeypatch
):
    """A chunk the file does not store (GetObject: 404) is not listed; a page that passes
    over more than VIRTUAL_SKIPPED of them ends there, and the next resumes after them."""
    write_sparse(share_tree["data"] / "sparse.tif")
    monkeypatch.setattr(buckets, "VIRTUAL_SKIPPED", 1)
    prefix = "sparse.tif/ome.zarr/0/"
    pages = await asyncio.to_thread(list_all, s3_client, bucket, prefix, 1000)
    keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
    stored = [f"{y}/{x}" for y in range(4) for x in range(3) if (y, x) not in ((0, 1), (0, 2))]
    assert keys == [prefix + key for key in (".zarray", ".zattrs", *stored)]
    assert [page["KeyCount"] for page in pages] == [3, 9]  # the first stopped at tile 0/2

    def get(key: str) -> int:
        try:
            s3_client.get_object(Bucket=bucket, Key=key)
        except botocore.exceptions.ClientError as err:
            return err.response["ResponseMetadata"]["HTTPStatusCode"]
        return 200

    assert await asyncio.to_thread(get, prefix + "0/1") == 404


async def test_a_file_that_is_not_a_tiff_lists_nothing(share_tree, bucket, s3_client):
    (share_tree["data"] / "fake.tif").write_text("not a TIFF")

    def lists() -> dict:
        return s3_client.list_objects_v2(Bucket=bucket, Prefix="fake.tif/ome.zarr/")

    assert (await asyncio.to_thread(lists))["KeyCount"] == 0
