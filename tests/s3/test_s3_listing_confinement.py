"""An S3 listing reads no metadata outside the share (issue 13, point 3).

ListObjects lists through the same `DirectoryLister` as the browser, which detects each
entry's kind from its metadata. The share's `to-private` and `to-secret` symlinks lead to a
sibling folder of the root and to a folder outside it; their `.zattrs` must never be read,
whether the user's server or the link server (which has no roots) lists the share. Whether
a file was read is told by its access time, set two days back (relatime then updates it on
the next read).
"""

from __future__ import annotations

import asyncio
import getpass
import os
import time
from pathlib import Path

import boto3
import botocore
import pytest
from botocore.config import Config

from .test_link_server_s3 import link_server  # noqa: F401 - a fixture

TWO_DAYS = 2 * 86400


@pytest.fixture
def watched(share_tree: dict[str, Path]) -> list[Path]:
    """Zarr metadata in the folders the share's symlinks lead to, last read two days ago."""
    files = []
    for folder in (share_tree["private"], share_tree["secret"]):
        (folder / ".zgroup").write_text('{"zarr_format": 2}')
        (folder / ".zattrs").write_text('{"multiscales": []}')
        files += [folder / ".zgroup", folder / ".zattrs"]
    for path in files:
        os.utime(path, (time.time() - TWO_DAYS, path.stat().st_mtime))
    return files


def _read_since_set_back(files: list[Path]) -> list[str]:
    return [path.name for path in files if time.time() - path.stat().st_atime < TWO_DAYS / 2]


def _keys(client, bucket: str, **args: str) -> list[str]:
    listed = client.list_objects_v2(Bucket=bucket, **args)
    return [item["Key"] for item in listed.get("Contents", [])] + [
        prefix["Prefix"] for prefix in listed.get("CommonPrefixes", [])
    ]


async def test_the_user_server_lists_without_reading_outside_the_share(
    s3_client, bucket: str, watched: list[Path]
):
    assert _read_since_set_back(watched) == []  # the access times took
    keys = await asyncio.to_thread(_keys, s3_client, bucket)
    delimited = await asyncio.to_thread(_keys, s3_client, bucket, Delimiter="/")
    assert "hello.txt" in keys and "sub/" in delimited
    assert _read_since_set_back(watched) == []


async def test_the_link_server_lists_without_reading_outside_the_share(
    link_server,  # noqa: F811
    share_tree: dict[str, Path],
    watched: list[Path],
):
    base, store = link_server
    token = store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data").token
    config = Config(signature_version=botocore.UNSIGNED, s3={"addressing_style": "path"})
    client = boto3.client(
        "s3", endpoint_url=f"{base}fileglancer/s3", region_name="us-east-1", config=config
    )
    keys = await asyncio.to_thread(_keys, client, token, Delimiter="/")
    assert "hello.txt" in keys
    assert _read_since_set_back(watched) == []
