"""The standalone link server (as a hub runs it) answers S3 clients and short links too."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore
import pytest
from botocore.config import Config
from tornado.httpclient import AsyncHTTPClient

from fileglancer_ext.links.serving import ShareServer
from fileglancer_ext.links.store import ShareLinkStore
from fileglancer_ext.shortlinks.store import ShortLinkStore
from tests.links.conftest import serving_link_app


@pytest.fixture
def link_server(share_tree: dict[str, Path], tmp_path: Path, jp_asyncio_loop) -> Iterator[tuple]:
    """The link server's application on a loopback port, in the tests' event loop (as
    pytest-jupyter's `http_server`); yields (base URL, store)."""
    store = ShareLinkStore.from_url(f"sqlite:///{tmp_path / 'links.sqlite3'}")
    shares = ShareServer(store, allowed_roots=[str(share_tree["lab"])])
    try:
        with serving_link_app(jp_asyncio_loop, shares, "/links/") as url:
            yield url, store
    finally:
        store.close()


async def test_the_link_server_serves_buckets_to_boto3(link_server, share_tree):
    base, store = link_server
    token = store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data").token
    config = Config(signature_version=botocore.UNSIGNED, s3={"addressing_style": "path"})
    client = boto3.client(
        "s3", endpoint_url=f"{base}fileglancer/s3", region_name="us-east-1", config=config
    )

    def read() -> tuple[list[str], bytes]:
        listed = client.list_objects_v2(Bucket=token, Prefix="sub/")
        body = client.get_object(Bucket=token, Key="sub/inner.txt")["Body"].read()
        return [item["Key"] for item in listed["Contents"]], body

    assert await asyncio.to_thread(read) == (["sub/inner.txt"], b"inner")


async def test_the_link_server_redirects_short_links(link_server):
    base, store = link_server
    short = ShortLinkStore(store.engine).create("ann", "https://viewer.example/#!state")
    client = AsyncHTTPClient()
    found = await client.fetch(
        f"{base}fileglancer/v/{short.key}", follow_redirects=False, raise_error=False
    )
    assert (found.code, found.headers["Location"]) == (302, "https://viewer.example/#!state")
    missing = await client.fetch(
        f"{base}fileglancer/v/unknown", follow_redirects=False, raise_error=False
    )
    assert missing.code == 404
