"""S3 fixtures: the share fixtures, an S3 endpoint on the test server, real S3 clients.

The clients are synchronous (boto3) or run their own event loop (s3fs), while the Jupyter
test server runs in the test's loop: tests call them through `asyncio.to_thread`.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from urllib.parse import unquote

import boto3
import botocore
import pytest
from botocore.config import Config

from tests.links.conftest import (  # noqa: F401 - fixtures
    fileglancer_config,
    other_store,
    share_tree,
    store_url,
)


@pytest.fixture
def endpoint(http_server, jp_http_port: int, jp_base_url: str) -> str:
    # `http_server` is what accepts connections on jp_http_port. botocore would quote the
    # "%" of a base URL such as "/a%40b/" again: it is given the decoded spelling.
    return f"http://127.0.0.1:{jp_http_port}{unquote(jp_base_url)}fileglancer/s3"


@pytest.fixture
def bucket(other_store, share_tree: dict[str, Path], jp_serverapp) -> str:  # noqa: F811
    """A link to lab/data, made in the store (as the CLI would): its token is the bucket."""
    return other_store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data").token


@pytest.fixture
def s3_client(endpoint: str):
    """An anonymous, path-style boto3 client of the S3 endpoint."""
    config = Config(
        signature_version=botocore.UNSIGNED,
        s3={"addressing_style": "path"},
        retries={"max_attempts": 1},
    )
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", config=config)


@pytest.fixture
def s3fs_options(endpoint: str) -> dict:
    """fsspec storage options for s3fs reading the endpoint anonymously."""
    return {"anon": True, "client_kwargs": {"endpoint_url": endpoint}, "skip_instance_cache": True}
