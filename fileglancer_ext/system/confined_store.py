"""A read-only zarr-python store whose every read goes through `confined_io`.

zarr's `LocalStore` opens `root / key` as it finds it: a chunk or metadata document
symlinked to a file outside the shared folders would be read, and a FIFO named like a
chunk would block the reading thread. `ConfinedStore` reads each key with
`confined_io.open_file` instead: a missing key is still missing (fill value), a key that is
a FIFO, device or socket, or that leads outside `within`, raises `confined_io.Refused`
naming the key (never the server's path). Listing and existence checks are LocalStore's:
they read no content.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from zarr.abc.store import ByteRequest, OffsetByteRequest, RangeByteRequest, SuffixByteRequest
from zarr.core.buffer import Buffer, BufferPrototype, default_buffer_prototype
from zarr.core.common import concurrent_map
from zarr.storage import LocalStore

from .confined_io import ANYWHERE, Refused, Within, open_file


class ConfinedStore(LocalStore):
    """`LocalStore` at `root`, read-only, reading only regular files inside `within`."""

    def __init__(self, root: Path | str, *, within: Within = ANYWHERE, read_only: bool = True):
        # Always read-only: `read_only` is accepted because zarr passes it (`LocalStore.open`).
        super().__init__(root, read_only=True)
        self.within = within

    def with_read_only(self, read_only: bool = True) -> ConfinedStore:
        return type(self)(self.root, within=self.within)  # never writable either

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and getattr(other, "within", None) == self.within

    def get_sync(
        self,
        key: str,
        *,
        prototype: BufferPrototype | None = None,
        byte_range: ByteRequest | None = None,
    ) -> Buffer | None:
        self._ensure_open_sync()
        return self._read(key, prototype or default_buffer_prototype(), byte_range)

    async def get(
        self,
        key: str,
        prototype: BufferPrototype | None = None,
        byte_range: ByteRequest | None = None,
    ) -> Buffer | None:
        import asyncio

        if not self._is_open:
            await self._open()
        prototype = prototype or default_buffer_prototype()
        return await asyncio.to_thread(self._read, key, prototype, byte_range)

    async def get_partial_values(
        self,
        prototype: BufferPrototype,
        key_ranges: Iterable[tuple[str, ByteRequest | None]],
    ) -> list[Buffer | None]:
        import asyncio

        args = [(self._read, key, prototype, byte_range) for key, byte_range in key_ranges]
        return await concurrent_map(args, asyncio.to_thread, limit=None)

    def _read(
        self, key: str, prototype: BufferPrototype, byte_range: ByteRequest | None
    ) -> Buffer | None:
        try:
            handle = open_file(self.root / key, self.within)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        except Refused as err:
            raise Refused(err.errno, f"cannot read {key!r}: {err.strerror}") from None
        with handle:
            return prototype.buffer.from_bytes(_read_range(handle, byte_range))


def _read_range(handle: io.BufferedReader, byte_range: ByteRequest | None) -> bytes:
    if byte_range is None:
        return handle.read()
    size = handle.seek(0, os.SEEK_END)
    if isinstance(byte_range, RangeByteRequest):
        handle.seek(byte_range.start)
        return handle.read(byte_range.end - byte_range.start)
    if isinstance(byte_range, OffsetByteRequest):
        handle.seek(byte_range.offset)
    elif isinstance(byte_range, SuffixByteRequest):
        handle.seek(max(0, size - byte_range.suffix))
    else:
        raise TypeError(f"Unexpected byte_range, got {byte_range}.")
    return handle.read()


def open_confined_array(path: Path | str, within: Within = ANYWHERE, **kwargs: Any) -> Any:
    """`zarr.open_array(path, mode="r", **kwargs)` reading through a `ConfinedStore`."""
    import zarr

    return zarr.open_array(store=ConfinedStore(path, within=within), mode="r", **kwargs)


def open_confined(path: Path | str, within: Within = ANYWHERE, **kwargs: Any) -> Any:
    """`zarr.open(path, mode="r", **kwargs)` (an array or a group) through a `ConfinedStore`."""
    import zarr

    return zarr.open(store=ConfinedStore(path, within=within), mode="r", **kwargs)
