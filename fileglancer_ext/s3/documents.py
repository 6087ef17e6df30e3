"""The XML documents S3 clients parse: ListObjectsV2 results and errors.

Built with ElementTree, so every name is escaped; with `encoding-type=url` keys and
prefixes are percent-encoded as well (botocore asks for it and decodes them), so that
names XML 1.0 cannot carry still reach the client.
"""

from __future__ import annotations

import time
from urllib.parse import quote
from xml.etree.ElementTree import Element, SubElement, tostring

from .listing import ListObjectsRequest, ListObjectsResult

S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"


def list_objects_xml(bucket: str, request: ListObjectsRequest, result: ListObjectsResult) -> bytes:
    """The `ListBucketResult` of a ListObjectsV2 (or v1) call."""

    def name(text: str) -> str:
        return quote(text, safe="/") if request.url_encoded else text

    root = Element("ListBucketResult", xmlns=S3_NAMESPACE)
    _add(root, "Name", bucket)
    _add(root, "Prefix", name(request.prefix))
    if request.delimiter:
        _add(root, "Delimiter", name(request.delimiter))
    _add(root, "MaxKeys", str(request.max_keys))
    if request.url_encoded:
        _add(root, "EncodingType", "url")
    _add(root, "IsTruncated", "true" if result.is_truncated else "false")
    if request.version == 1:
        _add(root, "Marker", name(request.start_after))
        if result.next_marker is not None:
            _add(root, "NextMarker", name(result.next_marker))
    else:
        _add(root, "KeyCount", str(result.key_count))
        if request.continuation_token is not None:
            _add(root, "ContinuationToken", request.continuation_token)
        if result.next_continuation_token is not None:
            _add(root, "NextContinuationToken", result.next_continuation_token)
        if request.start_after:
            _add(root, "StartAfter", name(request.start_after))
    for entry in result.contents:
        contents = SubElement(root, "Contents")
        _add(contents, "Key", name(entry.key))
        _add(contents, "LastModified", iso_timestamp(entry.mtime))
        _add(contents, "ETag", entry.etag)
        _add(contents, "Size", str(entry.size))
        _add(contents, "StorageClass", "STANDARD")
    for prefix in result.common_prefixes:
        _add(SubElement(root, "CommonPrefixes"), "Prefix", name(prefix))
    return _document(root)


def location_xml() -> bytes:
    """GetBucketLocation: the default region, which every client accepts."""
    return _document(Element("LocationConstraint", xmlns=S3_NAMESPACE))


def error_xml(code: str, message: str, resource: str, request_id: str) -> bytes:
    """An S3 `<Error>`: clients read `Code` (botocore's `ClientError` code) and `Message`."""
    root = Element("Error")
    _add(root, "Code", code)
    _add(root, "Message", message)
    _add(root, "Resource", resource)
    _add(root, "RequestId", request_id)
    return _document(root)


def iso_timestamp(seconds: float) -> str:
    """S3's timestamp form, e.g. 2026-11-26T05:00:00.000Z."""
    millis = int(seconds * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def _add(parent: Element, tag: str, text: str) -> None:
    SubElement(parent, tag).text = text


def _document(root: Element) -> bytes:
    return tostring(root, encoding="UTF-8", xml_declaration=True)
