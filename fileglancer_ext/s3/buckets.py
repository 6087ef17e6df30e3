"""A share link as an S3 bucket: the bucket is the token, the keys are the shared files.

Plain Python, shared by the route inside Jupyter and the standalone link server. Reads go
through the share route's `ShareServer` (the same lookup on every request, confinement,
range planning and ETags); listings through `listing.ObjectLister`, inside the share as
`ShareServer.open_share` opened it.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping

from ..browse.listing import DirectoryLister
from ..errors import NotFound
from ..links.confinement import OpenShare
from ..links.serving import ShareResponse, ShareServer
from ..links.store import ShareLink
from ..links.virtual_zarr import (
    VIRTUAL_NAME,
    NotServableTiff,
    keys_from,
    parsed_version,
    split_virtual,
)
from .listing import (
    ListObjectsRequest,
    ListObjectsResult,
    ObjectEntry,
    ObjectLister,
    _decode_token,
    _encode_token,
    object_etag,
)

# Chunks a virtual OME-Zarr's listing page may pass over (not stored in the file: sparse)
# before it ends early, truncated: a page's work stays bounded whatever the image.
VIRTUAL_SKIPPED = 10_000


class ShareGone(NotFound):
    """No active link has this token (unknown, revoked or expired): S3's `NoSuchBucket`."""

    code = "share_gone"


class NoSuchObject(NotFound):
    """No file has this key in the share (S3's `NoSuchKey`)."""

    code = "no_such_key"


_GONE = "This share link does not exist, was revoked, or has expired."


class ShareBuckets:
    """Answers the S3 read operations for the links of `shares`; every method blocks briefly."""

    def __init__(self, shares: ShareServer, lister: DirectoryLister | None = None) -> None:
        self.shares = shares
        self.objects = ObjectLister(lister)

    def active_link(self, token: str) -> ShareLink:
        """The link of `token`, looked up now; ShareGone unless it is active and served here."""
        link = self.shares.active_link(token)
        if link is None:
            raise ShareGone(_GONE)
        return link

    def head_bucket(self, token: str) -> None:
        """Raises ShareGone unless the bucket exists (HeadBucket)."""
        self.active_link(token)

    def list_objects(self, token: str, request: ListObjectsRequest) -> ListObjectsResult:
        """One ListObjectsV2 page of the share of `token`. Raises ShareGone, or
        InvalidListRequest for a bad argument."""
        link = self.active_link(token)
        virtual = split_virtual(request.prefix)
        if virtual is not None:  # inside a TIFF's virtual OME-Zarr
            return _list_virtual(self.shares, token, virtual[0], request)
        try:
            check = self.shares.owner_check(link)  # on a hub: what its owner may read
            share = self.shares.open_share(link, check=check)
        except NotFound:
            raise ShareGone("The shared folder no longer exists.") from None
        with share:
            if not share.is_dir:
                return _list_shared_file(share, link.path.rpartition("/")[2], request)
            may_read = None if check is None else check.can_read_open
            return self.objects.list_objects(share, request, may_read)

    def read_object(
        self, token: str, key: str, request_headers: Mapping[str, str], *, with_body: bool
    ) -> ShareResponse:
        """What a GetObject (with_body) or HeadObject answers, as the share route plans it
        (`ShareServer.respond`); the caller closes the file. Raises ShareGone, or
        NoSuchObject when no file has that key (folders are not objects)."""
        if not _is_plain_key(key):
            self.active_link(token)
            raise NoSuchObject(f"The key '{key}' does not exist.")
        try:
            response = self.shares.respond(token, key, request_headers, with_body=with_body)
        except NotFound:
            self.active_link(token)  # only on a miss: which of the two is missing
            raise NoSuchObject(f"The key '{key}' does not exist.") from None
        if response.file is None:  # a folder, when the share route lists folders
            raise NoSuchObject(f"The key '{key}' does not exist.")
        return response


def _list_virtual(
    shares: ShareServer, token: str, file_key: str, request: ListObjectsRequest
) -> ListObjectsResult:
    """One page of the keys of a TIFF's virtual OME-Zarr under the prefix, in S3's byte
    order (`virtual_zarr.keys_from`: its metadata, and the stored chunks of passed-through
    levels), paged by continuation token; nothing when the file is no servable TIFF. A page
    passes over at most VIRTUAL_SKIPPED unstored chunks before it ends, truncated."""
    try:
        found = parsed_version(shares, token, file_key)
    except (NotFound, NotServableTiff):
        return ListObjectsResult()
    result = ListObjectsResult()
    if found is None or request.max_keys == 0:
        return result
    info, image = found
    etag = object_etag(info)[:-1] + '-z"'
    base = f"{file_key}/{VIRTUAL_NAME}/"
    low: str | None = max(_virtual_start(request), request.prefix)
    last: tuple[str, bool] | None = None  # the last key or prefix passed
    skipped = 0
    while low is not None and not result.is_truncated:
        if not low.startswith(base) and low > base:
            break  # past every key of the image
        start, low = low[len(base) :] if low.startswith(base) else "", None
        for name, size in keys_from(image, start):
            key = base + name
            if not key.startswith(request.prefix):
                break  # keys sort after the prefix's from here on
            rest = key[len(request.prefix) :]
            folder = request.delimiter == "/" and "/" in rest
            if (folder or size is not None) and result.key_count == request.max_keys:
                result.is_truncated = True
                break
            if folder:
                last = (request.prefix + rest.split("/", 1)[0] + "/", True)
                result.common_prefixes.append(last[0])
                low = last[0][:-1] + "0"  # past every key under the prefix: "/" + 1
                break
            last = (key, False)
            if size is not None:
                result.contents.append(ObjectEntry(key, size, info.st_mtime, etag))
                continue
            skipped += 1
            if skipped > VIRTUAL_SKIPPED:
                result.is_truncated = True
                break
    if result.is_truncated and last is not None:
        result.next_continuation_token = _encode_token(request, last[0], last[1])
        result.next_marker = last[0]
    return result


def _virtual_start(request: ListObjectsRequest) -> str:
    """The least key a virtual listing page may give: just after the continuation token's
    position, or after `start-after`."""
    if request.continuation_token is None:
        return request.start_after + "\0" if request.start_after else ""
    position = _decode_token(request, request.continuation_token)
    key = "/".join(position.parts)
    return key + "0" if position.is_dir else key + "\0"  # past the prefix's keys, or the key


def _is_plain_key(key: str) -> bool:
    # Listings only name keys like "a/b.txt": "a//b.txt", "./a" or "a/" would reach the same
    # or no file under another name, which S3 clients would take for a different object.
    parts = key.split("/")
    return bool(key) and all(part not in ("", ".", "..") for part in parts)


def _list_shared_file(
    share: OpenShare, name: str, request: ListObjectsRequest
) -> ListObjectsResult:
    """A link to one file is a bucket with one key, its name."""
    result = ListObjectsResult()
    listed = (
        request.max_keys > 0
        and request.continuation_token is None
        and name.startswith(request.prefix)
        and name > request.start_after
    )
    if listed and stat.S_ISREG(share.info.st_mode):
        info = share.info
        result.contents.append(ObjectEntry(name, info.st_size, info.st_mtime, object_etag(info)))
    return result
