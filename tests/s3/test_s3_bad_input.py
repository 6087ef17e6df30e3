"""Bad input on the anonymous S3 route: a 400 (or 416) with S3's error and a message,
never a 500. Numbers past the 4,300 digits Python's int() accepts, tokens that are not
ours, names that are not UTF-8."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET

import pytest

HUGE = "9" * 5000


def token_of(payload: str) -> str:
    return base64.urlsafe_b64encode(payload.encode()).rstrip(b"=").decode()


# Continuation tokens shaped like ours (urlsafe base64 of JSON) with what ours never hold.
NOT_A_PATH = token_of(json.dumps({"p": "", "d": "", "k": 1, "f": True}))
HUGE_NUMBER = token_of('{"p": ' + HUGE + "}")


async def s3_get(http_server_client, jp_base_url, bucket, rest, **kwargs):
    return await http_server_client.fetch(
        f"{jp_base_url}fileglancer/s3/{bucket}{rest}", raise_error=False, **kwargs
    )


def s3_error(body: bytes) -> tuple[str, str]:
    document = ET.fromstring(body)
    return document.findtext("Code") or "", document.findtext("Message") or ""


@pytest.mark.parametrize(
    "query",
    [
        f"list-type=2&max-keys={HUGE}",
        f"max-keys=-{HUGE}",
        "list-type=2&max-keys=1.5",
        "list-type=2&max-keys=ten",
        f"list-type=2&continuation-token={HUGE}",
        f"list-type=2&continuation-token={NOT_A_PATH}",
        f"list-type=2&continuation-token={HUGE_NUMBER}",
        f"list-type=2&continuation-token={token_of('[' * 6000)}",
        f"list-type=2&continuation-token={'A' * 20000}",
        f"list-type=2&delimiter={HUGE}",
        f"list-type=2&encoding-type={HUGE}",
        "list-type=2&prefix=%ff",
        "list-type=2&start-after=%c3",
    ],
)
async def test_bad_list_arguments_are_invalid_argument(
    http_server_client, jp_base_url, bucket, query
):
    response = await s3_get(http_server_client, jp_base_url, bucket, f"?{query}")
    assert response.code == 400
    code, message = s3_error(response.body)
    assert code == "InvalidArgument" and message


@pytest.mark.parametrize(
    "query",
    [f"list-type=2&prefix={HUGE}", f"list-type=2&start-after={HUGE}", f"marker={HUGE}"],
)
async def test_huge_names_in_a_listing_list_what_matches(
    http_server_client, jp_base_url, bucket, query
):
    response = await s3_get(http_server_client, jp_base_url, bucket, f"?{query}")
    assert response.code == 200
    assert ET.fromstring(response.body).tag.endswith("ListBucketResult")


async def test_a_huge_range_is_invalid_range_or_clipped(http_server_client, jp_base_url, bucket):
    past = await s3_get(
        http_server_client, jp_base_url, bucket, "/hello.txt", headers={"Range": f"bytes={HUGE}-"}
    )
    assert past.code == 416
    assert s3_error(past.body)[0] == "InvalidRange"
    clipped = await s3_get(
        http_server_client, jp_base_url, bucket, "/hello.txt", headers={"Range": f"bytes=0-{HUGE}"}
    )
    assert (clipped.code, clipped.body) == (206, b"hello, world\n")


async def test_a_key_that_is_not_utf8_is_invalid_argument(http_server_client, jp_base_url, bucket):
    response = await s3_get(http_server_client, jp_base_url, bucket, "/%ff%fe")
    assert response.code == 400
    assert s3_error(response.body) == (
        "InvalidArgument",
        "The path and query arguments must be valid UTF-8.",
    )
