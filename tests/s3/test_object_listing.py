"""ListObjectsV2 over a folder tree, without HTTP: pages, tokens, prefixes, confinement."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fileglancer_ext.browse.listing import DirectoryLister, ListingRequest
from fileglancer_ext.links.confinement import open_target
from fileglancer_ext.s3.listing import InvalidListRequest, ListObjectsRequest, ObjectLister


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """shared/ with nested folders, odd names, an empty folder and a symlink loop."""
    shared = tmp_path / "shared"
    for folder in ("a/x", "a/y", "b", "empty", "c*[1]"):
        (shared / folder).mkdir(parents=True)
    for path in ("a/x/1", "a/x/2", "a/y/1", "a/top", "b/one", "c*[1]/z", "chunk 9", "chunk 10"):
        (shared / path).write_text(path)
    (shared / "a" / "loop").symlink_to(shared)  # back up: not entered
    (tmp_path / "outside.txt").write_text("outside")
    (shared / "out").symlink_to(tmp_path / "outside.txt")  # leaves the share: not listed
    return shared


def list_objects(lister: ObjectLister, target: Path, request: ListObjectsRequest):
    """One page of the shared folder `target`, opened as the share route opens it."""
    with open_target(os.fspath(target), []) as share:
        return lister.list_objects(share, request)


def every_key(lister: ObjectLister, target: Path, page: int, **arguments) -> list[str]:
    """All keys and prefixes, page by page, following continuation tokens."""
    found: list[str] = []
    token = None
    while True:
        request = ListObjectsRequest(max_keys=page, continuation_token=token, **arguments)
        result = list_objects(lister, target, request)
        found += [entry.key for entry in result.contents] + result.common_prefixes
        assert result.key_count <= page
        if not result.is_truncated:
            return found
        token = result.next_continuation_token
        lister.lister.clear()  # tokens do not depend on the cached snapshot


ALL_KEYS = ["a/x/1", "a/x/2", "a/y/1", "a/top", "b/one", "c*[1]/z", "chunk 9", "chunk 10"]


@pytest.mark.parametrize("page", [1, 2, 3, 1000])
def test_a_recursive_listing_names_every_file_once_in_walk_order(tree, page):
    assert every_key(ObjectLister(), tree, page) == ALL_KEYS


@pytest.mark.parametrize("page", [1, 4])
def test_a_delimited_listing_is_one_folder_with_folders_as_prefixes(tree, page):
    lister = ObjectLister()
    top = every_key(lister, tree, page, delimiter="/")
    # An empty folder is a prefix too (it is a folder); the link leaving the share is not.
    expected = ["a/", "b/", "c*[1]/", "empty/", "chunk 9", "chunk 10"]
    assert sorted(top) == sorted(expected) and len(top) == len(expected)
    # "a/loop" leads back up to the share: not a prefix, or a walk would never end.
    assert sorted(every_key(lister, tree, page, delimiter="/", prefix="a/")) == [
        "a/top",
        "a/x/",
        "a/y/",
    ]


def test_a_prefix_may_end_inside_a_name_and_glob_characters_are_literal(tree):
    lister = ObjectLister()
    assert every_key(lister, tree, 10, prefix="ch") == ["chunk 9", "chunk 10"]
    assert every_key(lister, tree, 10, prefix="c*") == ["c*[1]/z"]
    assert every_key(lister, tree, 10, prefix="C") == []  # exact, not case-insensitive
    assert every_key(lister, tree, 10, prefix="nothing/") == []


def test_start_after_skips_up_to_a_key(tree):
    lister = ObjectLister()
    assert every_key(lister, tree, 10, start_after="a/x/2") == ALL_KEYS[2:]
    assert every_key(lister, tree, 10, start_after="a/x") == ALL_KEYS  # a folder: its keys follow
    assert every_key(lister, tree, 10, prefix="b/", start_after="a") == ["b/one"]
    assert every_key(lister, tree, 10, prefix="b/", start_after="z") == []


def test_a_token_from_another_listing_is_refused(tree):
    lister = ObjectLister()
    first = list_objects(lister, tree, ListObjectsRequest(max_keys=1))
    other = ListObjectsRequest(prefix="a/", continuation_token=first.next_continuation_token)
    with pytest.raises(InvalidListRequest):
        list_objects(lister, tree, other)
    with pytest.raises(InvalidListRequest):
        list_objects(lister, tree, ListObjectsRequest(continuation_token="not-a-token"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"max-keys": "-1"}, "negative"),
        ({"max-keys": "many"}, "whole number"),
        ({"delimiter": ","}, "delimiter"),
        ({"encoding-type": "base64"}, "encoding-type"),
    ],
)
def test_bad_arguments_are_invalid_list_requests(query, message):
    with pytest.raises(InvalidListRequest, match=message):
        ListObjectsRequest.from_query(query.get)


def test_max_keys_above_1000_is_capped():
    assert ListObjectsRequest.from_query({"max-keys": "5000"}.get).max_keys == 1000


def test_a_cursor_after_a_name_continues_after_it_even_once_it_is_gone(tmp_path):
    for name in ("f1", "f2", "f10", "f3"):
        (tmp_path / name).write_text(name)
    (tmp_path / "d").mkdir()
    lister = DirectoryLister()
    request = ListingRequest(limit=10)
    cursor = lister.cursor_after(tmp_path, request, "f2", False)
    (tmp_path / "f2").unlink()
    page = lister.list_page(tmp_path, "", ListingRequest(cursor=cursor, limit=10))
    assert [entry["name"] for entry in page["entries"]] == ["f3", "f10"]  # natural order
    after_folder = lister.cursor_after(tmp_path, request, "d", True)
    page = lister.list_page(tmp_path, "", ListingRequest(cursor=after_folder, limit=10))
    assert [entry["name"] for entry in page["entries"]] == ["f1", "f3", "f10"]
