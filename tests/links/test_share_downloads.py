"""Downloads through the share route: a revocation stops a stream, a vanished client
does not hurt, and the same holds with the blocking work in threads."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from .conftest import create_link, public_fetch, share_path


def test_sparse_file_helper_does_not_use_disk(tmp_path: Path) -> None:
    path = tmp_path / "sparse"
    with open(path, "wb") as file:
        file.truncate(1 << 30)
    assert path.stat().st_blocks * 512 < 1 << 20


class TestRevocationDuringADownload:
    @pytest.fixture
    def huge_file(self, share_tree) -> int:
        # Sparse (no disk space, reads as zeros); under the test client's 100 MB body limit.
        size = 96 * 1024 * 1024
        with open(share_tree["data"] / "huge.bin", "wb") as file:
            file.truncate(size)
        return size

    async def test_a_download_stops_soon_after_the_link_is_revoked(
        self, jp_fetch, http_server_client, jp_base_url, huge_file, other_store
    ):
        link = await create_link(jp_fetch)
        received = 0
        revoked_at: int | None = None

        def on_chunk(chunk: bytes) -> None:
            nonlocal received, revoked_at
            received += len(chunk)
            if revoked_at is None and received >= 4 * 1024 * 1024:
                other_store.revoke(link["owner"], link["id"])
                revoked_at = received

        with pytest.raises((HTTPClientError, OSError)):
            await http_server_client.fetch(
                share_path(jp_base_url, link["token"], "huge.bin"),
                streaming_callback=on_chunk,
                request_timeout=60,
            )
        assert revoked_at is not None
        # The server re-checks every 8 MB; socket buffers hold a few MB more.
        assert received < 40 * 1024 * 1024 < huge_file


async def test_a_client_that_goes_away_mid_download_does_not_break_the_server(
    jp_fetch, http_server_client, jp_base_url, share_tree, token
):
    with open(share_tree["data"] / "huge.bin", "wb") as file:
        file.truncate(512 * 1024 * 1024)
    reader, writer = await asyncio.open_connection("127.0.0.1", http_server_client.get_http_port())
    writer.write(
        f"GET {share_path(jp_base_url, token, 'huge.bin')} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    )
    await writer.drain()
    await reader.read(1024 * 1024)
    writer.close()
    await asyncio.sleep(0.2)
    response = await public_fetch(http_server_client, jp_base_url, token, "hello.txt")
    assert response.code == 200


class TestIOInThreads:
    """The same answers when the blocking work runs in threads (share_io_in_threads)."""

    @pytest.fixture
    def fileglancer_config(self, fileglancer_config) -> dict:
        return {**fileglancer_config, "share_io_in_threads": True}

    async def test_files_ranges_and_refusals(self, fetch, share_tree):
        content = (share_tree["data"] / "big.bin").read_bytes()
        assert (await fetch("big.bin")).body == content
        ranged = await fetch("big.bin", headers={"Range": "bytes=1048570-2097200"})
        assert (ranged.code, ranged.body) == (206, content[1048570:2097201])
        assert (await fetch("../private/private.txt")).code == 404
        assert (await fetch("to-secret/secret.txt")).code == 404

    async def test_a_download_still_stops_when_the_link_is_revoked(
        self, http_server_client, jp_base_url, token, other_store, share_tree
    ):
        with open(share_tree["data"] / "huge.bin", "wb") as file:
            file.truncate(96 * 1024 * 1024)
        link = other_store.lookup_active(token)
        received = 0

        def on_chunk(chunk: bytes) -> None:
            nonlocal received
            received += len(chunk)
            if other_store.lookup_active(token) is not None:
                other_store.revoke(link.owner, link.id)

        with pytest.raises((HTTPClientError, OSError)):
            await http_server_client.fetch(
                share_path(jp_base_url, token, "huge.bin"), streaming_callback=on_chunk
            )
        assert received < 40 * 1024 * 1024
