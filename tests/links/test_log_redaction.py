"""No log line shows a whole share token or short-link key, tornado's own lines included:
an uncaught exception (a corrupt link store), a path that is not UTF-8, a URL no route
matches. Inside Jupyter and in the link server (in-process, and as the real command)."""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
from tornado.httpclient import AsyncHTTPClient

from fileglancer_ext.links.serving import ShareServer
from fileglancer_ext.shortlinks.store import ShortLinkStore
from fileglancer_ext.system.log_redaction import redact

from .conftest import serving_link_app
from .test_link_server import CLI, free_port, get


def full_text(record: logging.LogRecord) -> str:
    """Everything a handler could write of `record`: message, arguments, traceback, and
    every other attribute."""
    return "\n".join([logging.Formatter().format(record), repr(vars(record))])


def assert_no_secret(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    for record in caplog.records:
        text = full_text(record)
        for secret in secrets:
            assert secret not in text, f"{record.levelname} {record.name}: {text[:500]}"


def logged(caplog: pytest.LogCaptureFixture, level: int, fragment: str) -> bool:
    return any(
        record.levelno >= level and fragment in full_text(record) for record in caplog.records
    )


def break_store(store) -> None:
    """A corrupt link store: every lookup fails with a database error (a 500)."""
    with store.engine.begin() as connection:
        connection.execute(sqlalchemy.text("ALTER TABLE fileglancer_links RENAME TO broken"))


async def fetch(client, url: str):
    return await client.fetch(url, raise_error=False, follow_redirects=False)


@pytest.fixture
def short_key(other_store) -> str:
    return ShortLinkStore(other_store.engine).create("ada", "https://viewer.example/#!x").key


async def test_tornado_warnings_in_jupyter_show_no_token_or_key(
    http_server_client, jp_fetch, jp_base_url, token, short_key, caplog
):
    caplog.set_level(logging.DEBUG)
    for path, status in [
        (f"fileglancer/s/{token}/%ff%fe.txt", 400),  # tornado: "Invalid unicode in subpath"
        (f"fileglancer/s3/{token}/%ff", 400),
        (f"fileglancer/s3/{token}?list-type=2&prefix=%ff", 400),
        (f"fileglancer/s/{token}.x/a", 404),  # no route matches: Jupyter's 404, at warning
        (f"fileglancer/v/{short_key}/more", 404),
        (f"fileglancer/v/{short_key}", 302),
        (f"fileglancer/s/{token}/hello.txt", 200),
        (f"fileglancer/view/{token}/info/%ff", 400),
        (f"fileglancer/view/{token}/info/sub", 400),  # a folder that is no image
    ]:
        assert (await fetch(http_server_client, jp_base_url + path)).code == status, path
    # Someone else's short link, through the owners' API: a 404 at warning.
    mine = await jp_fetch("fileglancer", "api", "short-links", short_key, raise_error=False)
    assert mine.code == 404
    assert logged(caplog, logging.WARNING, f"fileglancer/s/{token[:4]}.../%ff%fe.txt")
    assert logged(caplog, logging.WARNING, f"short-links/{short_key[:4]}...")
    assert logged(caplog, logging.WARNING, f"fileglancer/v/{short_key[:4]}.../more")
    assert_no_secret(caplog, token, short_key)


async def test_an_uncaught_exception_in_jupyter_shows_no_token(
    http_server_client, jp_base_url, token, other_store, caplog
):
    caplog.set_level(logging.DEBUG)
    break_store(other_store)
    for path in (f"fileglancer/s/{token}/hello.txt", f"fileglancer/s3/{token}/hello.txt"):
        assert (await fetch(http_server_client, jp_base_url + path)).code == 500
    # tornado's "Uncaught exception GET <url>", the request's repr and the traceback.
    assert logged(caplog, logging.ERROR, "Uncaught exception")
    assert logged(caplog, logging.ERROR, "Traceback")
    assert_no_secret(caplog, token)


@pytest.fixture
def link_server(jp_asyncio_loop, other_store) -> Iterator[str]:
    """The link server's application, in this process (so caplog sees its records)."""
    with serving_link_app(jp_asyncio_loop, ShareServer(other_store)) as url:
        yield url


async def test_the_link_server_logs_no_token_or_key(
    link_server, token, short_key, other_store, caplog
):
    caplog.set_level(logging.DEBUG)
    client = AsyncHTTPClient()
    for path in (f"fileglancer/s/{token}/%ff", f"fileglancer/v/{short_key}/more",
                 f"fileglancer/v/{short_key}"):  # fmt: skip
        await fetch(client, link_server + path)
    break_store(other_store)
    assert (await fetch(client, f"{link_server}fileglancer/s/{token}/hello.txt")).code == 500
    assert logged(caplog, logging.ERROR, f"fileglancer/s/{token[:4]}...")
    assert_no_secret(caplog, token, short_key)


def test_the_link_server_command_logs_no_token(store_url, token, other_store, tmp_path: Path):
    log_file = tmp_path / "serve-links.log"
    port = free_port()
    command = [*CLI, "serve-links", "--database-url", store_url, "--port", str(port)]
    with open(log_file, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log, env=dict(os.environ))
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None and time.monotonic() < deadline
            try:
                if get(f"http://127.0.0.1:{port}/")[0] == 200:
                    break
            except OSError:  # not listening yet
                time.sleep(0.1)
        break_store(other_store)
        assert get(f"http://127.0.0.1:{port}/fileglancer/s/{token}/hello.txt")[0] == 500
    finally:
        process.terminate()
        process.wait(timeout=15)
    text = log_file.read_text()
    assert "Uncaught exception" in text and f"fileglancer/s/{token[:4]}..." in text
    assert token not in text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("GET /base/fileglancer/s/AbCdEfGh_-12/x.zarr", "GET /base/fileglancer/s/AbCd.../x.zarr"),
        ("/fileglancer/s3/AbCdEfGh?list-type=2", "/fileglancer/s3/AbCd...?list-type=2"),
        ("/user/a/fileglancer/v/KeyKeyKey", "/user/a/fileglancer/v/KeyK..."),
        ("/fileglancer/view/AbCdEfGh/tile/x?s=0", "/fileglancer/view/AbCd.../tile/x?s=0"),
        ("url=https%3A%2F%2Fh%2Ffileglancer%2Fs%2FAbCdEfGh%2F", "url=https%3A%2F%2Fh%2F"
         "fileglancer%2Fs%2FAbCd...%2F"),
        ("/fileglancer/api/short-links/KeyKey", "/fileglancer/api/short-links/KeyK..."),
        ("/fileglancer/api/links/0123456789abcdef", "/fileglancer/api/links/0123456789abcdef"),
    ],
)  # fmt: skip
def test_redact_shortens_tokens_and_keys_wherever_they_appear(text, shown):
    assert redact(text) == shown
