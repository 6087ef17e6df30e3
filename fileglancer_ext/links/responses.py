"""HTTP semantics of a shared file: status, headers and byte range for a GET or HEAD.

`plan_response` reads the request's `Range`, `If-Range`, `If-None-Match` and
`If-Modified-Since` headers (RFC 9110) as a static file server does (tornado's
StaticFileHandler is the model), so viewers can fetch parts of chunks and revalidate
cheaply. Plain Python: the route inside Jupyter and the link server share it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from typing import TYPE_CHECKING

from ..errors import RangeNotSatisfiable

if TYPE_CHECKING:
    from .serving import SharedFile


@dataclass(frozen=True)
class ResponsePlan:
    """What to answer: status, headers, and the byte range of the file to send."""

    status: int
    headers: dict[str, str]
    offset: int = 0
    length: int = 0
    message: str = ""  # why a 416 was answered


_BYTE_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")
_FAR_PAST_ANY_FILE = 2**63


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(offset, length) of a single `Range: bytes=...`; None to send the whole file.

    Other units and multi-range requests are ignored (allowed by RFC 9110: the client
    gets the whole file). Raises RangeNotSatisfiable for a malformed byte range or one
    that starts at or past the end.
    """
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    shown = header if len(header) <= 60 else header[:57] + "..."
    match = _BYTE_RANGE.match(spec)
    if match is None or match.groups() == ("", ""):
        raise RangeNotSatisfiable(f"The range '{shown}' is malformed.")
    first, last = match.groups()
    if first == "":  # "-N": the last N bytes
        length = min(_position(last), size)
        if length == 0:
            raise RangeNotSatisfiable(f"The range '{shown}' selects no bytes.")
        return size - length, length
    start = _position(first)
    end = size - 1 if last == "" else min(_position(last), size - 1)
    if start >= size or (last != "" and _position(last) < start):
        raise RangeNotSatisfiable(f"The range '{shown}' is outside the file ({size} bytes).")
    return start, end - start + 1


def _position(digits: str) -> int:
    """The number `digits` spell, capped past any file size: int() refuses more than
    4,300 digits (and a long one costs time), while leading zeros change nothing."""
    significant = digits.lstrip("0")
    return int(significant or "0") if len(significant) <= 19 else _FAR_PAST_ANY_FILE


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    # Weak comparison (RFC 9110 13.1.2): W/ prefixes do not matter for If-None-Match.
    candidates = (tag.strip().removeprefix("W/") for tag in header.split(","))
    return etag in candidates


def _not_modified_since(header: str, mtime: float) -> bool:
    try:
        since = parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    return int(mtime) <= since


def plan_response(shared: SharedFile, request_headers: Mapping[str, str]) -> ResponsePlan:
    """Status, headers and byte range for a GET or HEAD of `shared`."""
    validators = {
        "ETag": shared.etag,
        "Last-Modified": formatdate(shared.mtime, usegmt=True),
        "Accept-Ranges": "bytes",
        # Revalidate every time (cheap: 304): a cache must not outlive a revoked link.
        "Cache-Control": "private, no-cache",
    }
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        if _etag_matches(if_none_match, shared.etag):
            return ResponsePlan(304, validators)
    elif _not_modified_since(request_headers.get("If-Modified-Since", ""), shared.mtime):
        return ResponsePlan(304, validators)

    headers = {**validators, "Content-Type": shared.content_type}
    range_header = request_headers.get("Range")
    if_range = request_headers.get("If-Range")
    if range_header and (if_range is None or if_range.strip() == shared.etag):
        try:
            byte_range = parse_range(range_header, shared.size)
        except RangeNotSatisfiable as err:
            unsatisfiable = {**validators, "Content-Range": f"bytes */{shared.size}"}
            return ResponsePlan(416, unsatisfiable, message=err.message)
        if byte_range is not None:
            offset, length = byte_range
            last = offset + length - 1
            headers["Content-Range"] = f"bytes {offset}-{last}/{shared.size}"
            headers["Content-Length"] = str(length)
            return ResponsePlan(206, headers, offset, length)
    headers["Content-Length"] = str(shared.size)
    return ResponsePlan(200, headers, 0, shared.size)
