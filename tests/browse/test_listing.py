"""Directory listings: pages, sorts, filters, cursors, caching, symlinks and permissions.

Real files in tmp_path, no mocks; os.scandir is only wrapped to count the scans.
"""

from __future__ import annotations

import base64
import json
import os
import pwd
import re
import stat
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fileglancer_ext.browse import listing
from fileglancer_ext.browse.listing import DirectoryLister, ListingRequest, coarse_kind
from fileglancer_ext.browse.natural_sort import natural_key, natural_order
from fileglancer_ext.errors import BadRequest, NotFound
from tests.unprivileged import run_without_privileges

SIZES = (0, 1, 199, 200, 201, 1000)


# --- helpers --------------------------------------------------------------------------------


def make_files(directory: Path, names: list[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / name).touch()
    return directory


def settle(directory: Path, seconds_ago: float = 60.0) -> None:
    """Date the folder's mtime back, so a scan of it is trusted (see listing.RACY_SECONDS).

    Each call with another age also makes the folder look changed.
    """
    stamp = time.time() - seconds_ago
    os.utime(directory, (stamp, stamp))


def all_pages(
    lister: DirectoryLister, directory: Path, *, limit: int = 200, **params: Any
) -> list[dict[str, Any]]:
    """Every page of a listing, following the cursors."""
    pages = [lister.list_page(directory, "data", ListingRequest(limit=limit, **params))]
    while pages[-1]["next_cursor"]:
        cursor = pages[-1]["next_cursor"]
        request = ListingRequest(cursor=cursor, limit=limit, **params)
        pages.append(lister.list_page(directory, "data", request))
        assert len(pages) < 10_000, "the cursors do not end"
    return pages


def names_of(pages: list[dict[str, Any]]) -> list[str]:
    return [entry["name"] for page in pages for entry in page["entries"]]


def listed(lister: DirectoryLister, directory: Path, **params: Any) -> list[str]:
    return names_of(all_pages(lister, directory, limit=5000, **params))


@pytest.fixture
def count_scans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wraps os.scandir; the returned list grows by the path of every scan."""
    scans: list[str] = []
    real_scandir = os.scandir

    def counting_scandir(path: Any = ".") -> Any:
        scans.append(os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", counting_scandir)
    return scans


@pytest.fixture(scope="module")
def sized_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    base = tmp_path_factory.mktemp("sized")
    dirs = {
        size: make_files(base / f"n{size}", [f"f{i}.dat" for i in range(size)]) for size in SIZES
    }
    for directory in dirs.values():
        settle(directory)
    return dirs


# --- pagination -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("limit", [1, 7, 200, 5000])
def test_pages_return_every_entry_exactly_once(sized_dirs: dict[int, Path], size: int, limit: int):
    pages = all_pages(DirectoryLister(), sized_dirs[size], limit=limit)
    names = names_of(pages)
    assert sorted(names) == sorted(f"f{i}.dat" for i in range(size))
    assert len(names) == len(set(names)) == size
    assert names == [f"f{i}.dat" for i in range(size)]  # natural order: f9 before f10
    assert all(page["total"] == size for page in pages)
    assert [page["offset"] for page in pages] == list(range(0, max(size, 1), limit))
    assert all(len(page["entries"]) == limit for page in pages[:-1])
    assert pages[-1]["next_cursor"] is None


def test_a_page_has_the_documented_shape(tmp_path: Path):
    make_files(tmp_path / "d", ["a.txt"])
    (tmp_path / "d" / "a.txt").write_bytes(b"12345")
    (tmp_path / "d" / "sub").mkdir()
    page = DirectoryLister().list_page(tmp_path / "d", "/some/dir/", ListingRequest())
    assert page == {
        "path": "some/dir",
        "entries": page["entries"],
        "total": 2,
        "offset": 0,
        "next_cursor": None,
        "sort": "name",
        "order": "asc",
    }
    sub, file = page["entries"]
    me = pwd.getpwuid(os.getuid()).pw_name
    assert file == {
        "name": "a.txt",
        "path": "some/dir/a.txt",
        "is_dir": False,
        "kind": "file",
        "zarr_format": None,
        "ome_version": None,
        "problem": None,
        "size": 5,
        "mtime": (tmp_path / "d" / "a.txt").stat().st_mtime,
        "mode": stat.filemode((tmp_path / "d" / "a.txt").stat().st_mode),
        "owner": me,
        "is_symlink": False,
        "readable": True,
        "previewable": False,
    }
    assert sub["is_dir"] is True and sub["kind"] == "directory" and sub["size"] is None
    assert sub["mode"].startswith("d") and sub["path"] == "some/dir/sub"


def test_the_root_folder_gives_entry_paths_without_a_prefix(tmp_path: Path):
    make_files(tmp_path / "d", ["x"])
    page = DirectoryLister().list_page(tmp_path / "d", "", ListingRequest())
    assert page["path"] == "" and page["entries"][0]["path"] == "x"


def test_twenty_thousand_entries_page_quickly_in_natural_order(tmp_path: Path):
    names = [f"{i}.{j}" for i in range(200) for j in range(100)]
    directory = make_files(tmp_path / "chunks", names)
    lister = DirectoryLister()
    first = lister.list_page(directory, "chunks", ListingRequest())
    assert [e["name"] for e in first["entries"][:3]] == ["0.0", "0.1", "0.2"]
    assert first["entries"][10]["name"] == "0.10"
    cursor = first["next_cursor"]
    started = time.perf_counter()
    second = lister.list_page(directory, "chunks", ListingRequest(cursor=cursor))
    assert time.perf_counter() - started < 0.5  # generous: CI machines are noisy
    assert second["entries"][0]["name"] == "2.0"
    assert listed(lister, directory) == names


# --- sorting --------------------------------------------------------------------------------


def test_names_sort_naturally_and_case_insensitively(tmp_path: Path):
    names = [
        "0.10",
        "0.2",
        "0.0",
        "2.10",
        "0.1",
        "2.9",
        "item-10",
        "item-9",
        "Item-1",
        "b",
        "A",
        "a",
    ]
    directory = make_files(tmp_path / "d", names)
    expected = [
        "0.0",
        "0.1",
        "0.2",
        "0.10",
        "2.9",
        "2.10",
        "A",
        "a",
        "b",
        "Item-1",
        "item-9",
        "item-10",
    ]
    assert listed(DirectoryLister(), directory) == expected
    assert listed(DirectoryLister(), directory, order="desc") == expected[::-1]


def test_folders_come_first_in_every_sort_and_order(tmp_path: Path):
    directory = make_files(tmp_path / "d", ["a.txt", "z.txt"])
    (directory / "m-dir").mkdir()
    (directory / "b-dir").mkdir()
    lister = DirectoryLister()
    assert listed(lister, directory) == ["b-dir", "m-dir", "a.txt", "z.txt"]
    assert listed(lister, directory, order="desc") == ["m-dir", "b-dir", "z.txt", "a.txt"]
    for sort in ("size", "mtime", "kind"):
        for order in ("asc", "desc"):
            names = listed(lister, directory, sort=sort, order=order)
            assert set(names[:2]) == {"b-dir", "m-dir"}, (sort, order)


def test_size_sort_orders_files_by_bytes_then_name(tmp_path: Path):
    directory = tmp_path / "d"
    directory.mkdir()
    for name, size in [("big", 300), ("small", 1), ("tie-b", 20), ("tie-a", 20), ("empty", 0)]:
        (directory / name).write_bytes(b"x" * size)
    (directory / "folder").mkdir()
    lister = DirectoryLister()
    ascending = ["folder", "empty", "small", "tie-a", "tie-b", "big"]
    assert listed(lister, directory, sort="size") == ascending
    assert listed(lister, directory, sort="size", order="desc") == [
        "folder",
        "big",
        "tie-b",
        "tie-a",
        "small",
        "empty",
    ]


def test_mtime_sort_orders_by_modification_time(tmp_path: Path):
    directory = make_files(tmp_path / "d", ["old", "new", "middle", "same-b", "same-a"])
    base = time.time() - 1000
    for name, age in [("old", 0), ("middle", 10), ("same-b", 20), ("same-a", 20), ("new", 30)]:
        os.utime(directory / name, (base + age, base + age))
    lister = DirectoryLister()
    expected = ["old", "middle", "same-a", "same-b", "new"]
    assert listed(lister, directory, sort="mtime") == expected
    assert listed(lister, directory, sort="mtime", order="desc") == expected[::-1]


def test_size_sort_reads_sizes_again_once_they_are_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count_scans: list[str]
):
    # A file growing does not change its folder: only the age of the sizes can tell.
    directory = tmp_path / "d"
    directory.mkdir()
    (directory / "a").write_bytes(b"x")
    (directory / "b").write_bytes(b"xx")
    settle(directory)
    lister = DirectoryLister()
    assert listed(lister, directory, sort="size") == ["a", "b"]
    (directory / "a").write_bytes(b"xxx")
    assert listed(lister, directory, sort="size") == ["a", "b"]  # cached snapshot
    monkeypatch.setattr(listing, "STATS_MAX_AGE_SECONDS", 0.0)
    assert listed(lister, directory, sort="size") == ["b", "a"]
    assert len(count_scans) == 1  # the names were not read again


def test_kind_sort_groups_by_the_kind_the_name_suggests(tmp_path: Path):
    files = ["notes.csv", "b.tif", "a.ome.tiff", "data.json", "0.0.1", "README", "c.TIFF"]
    directory = make_files(tmp_path / "d", files)
    for name in ["plain", "img.zarr", "img.ome.zarr", "vol.n5"]:
        (directory / name).mkdir()
    expected = [
        "img.ome.zarr",
        "img.zarr",
        "vol.n5",
        "plain",
        "a.ome.tiff",
        "b.tif",
        "c.TIFF",
        "0.0.1",  # no extension: a numeric suffix is a chunk index
        "README",
        "notes.csv",
        "data.json",
    ]
    assert listed(DirectoryLister(), directory, sort="kind") == expected
    desc = listed(DirectoryLister(), directory, sort="kind", order="desc")
    assert desc == expected[3::-1] + expected[:3:-1]


def test_coarse_kind_reads_only_the_name():
    assert coarse_kind("x.OME.ZARR", True) == (0, "")
    assert coarse_kind("x.zarr", False)[0] > coarse_kind("x.tif", False)[0]
    assert coarse_kind(".bashrc", False) == coarse_kind("README", False)
    assert coarse_kind("a.b.Csv", False)[1] == "csv"


# --- natural order, in bulk -----------------------------------------------------------------


def reference_order(names: list[str]) -> list[str]:
    runs = [len(run) for name in names for run in re.findall(r"[0-9]+", name.casefold())]
    width = max(runs, default=0)
    return sorted(names, key=lambda name: (natural_key(name, width), name))


def in_natural_order(names: list[str]) -> list[str]:
    return [names[i] for i in natural_order(names).order.tolist()]


_name_chars = st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",))
_names = st.lists(
    st.one_of(
        st.text(_name_chars, min_size=1, max_size=12),
        st.from_regex(r"[a-cA-C._-]{0,3}[0-9]{1,4}([._-][0-9]{1,3}){0,3}", fullmatch=True),
        st.from_regex(r"(long-shared-prefix-){4}[0-9]{1,5}[a-zA-Z]?", fullmatch=True),
    ),
    unique=True,
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(_names)
def test_bulk_natural_order_equals_the_reference_sort(names: list[str]):
    natural = natural_order(names)
    assert in_natural_order(names) == reference_order(names)
    assert natural.hidden.tolist() == [name.startswith(".") for name in names]


def test_natural_order_breaks_ties_by_exact_name():
    names = ["file007", "File7", "file7", "FILE07"]
    assert in_natural_order(names) == sorted(names)  # all keys equal "file007"


def test_natural_order_handles_long_names_and_undecodable_bytes():
    prefix = "x" * 80
    names = [f"{prefix}{i}" for i in (10, 9, 100, 1)] + ["caf\udce9", "cafe", "café"]
    assert in_natural_order(names) == reference_order(names)
    assert in_natural_order(names)[-4:] == [f"{prefix}{i}" for i in (1, 9, 10, 100)]


# --- hidden and filter ----------------------------------------------------------------------


def test_hidden_entries_are_listed_only_on_request(tmp_path: Path):
    directory = make_files(tmp_path / "d", [".hidden", "shown", ".zattrs"])
    (directory / ".git").mkdir()
    lister = DirectoryLister()
    assert listed(lister, directory) == ["shown"]
    assert listed(lister, directory, hidden=True) == [".git", ".hidden", ".zattrs", "shown"]
    assert lister.list_page(directory, "", ListingRequest())["total"] == 1


def test_filter_is_a_case_insensitive_substring(tmp_path: Path):
    directory = make_files(tmp_path / "d", ["Sample_A.tif", "sample_b.TIF", "other.txt", ".sample"])
    lister = DirectoryLister()
    assert listed(lister, directory, filter="SAMPLE") == ["Sample_A.tif", "sample_b.TIF"]
    assert listed(lister, directory, filter="sample", hidden=True) == [
        ".sample",
        "Sample_A.tif",
        "sample_b.TIF",
    ]
    page = lister.list_page(directory, "", ListingRequest(filter="nothing-like-it"))
    assert page["entries"] == [] and page["total"] == 0 and page["next_cursor"] is None


def test_filter_with_glob_characters_is_a_case_insensitive_glob(tmp_path: Path):
    directory = make_files(tmp_path / "d", ["a.tif", "b.TIF", "a.tiff", "c.tif", "xa.tif"])
    lister = DirectoryLister()
    assert listed(lister, directory, filter="*.tif") == ["a.tif", "b.TIF", "c.tif", "xa.tif"]
    assert listed(lister, directory, filter="[ab].TIF") == ["a.tif", "b.TIF"]
    assert listed(lister, directory, filter="?.tif*") == ["a.tif", "a.tiff", "b.TIF", "c.tif"]


# --- caching --------------------------------------------------------------------------------


def test_later_pages_and_repeated_requests_do_not_rescan(tmp_path: Path, count_scans: list[str]):
    directory = make_files(tmp_path / "d", [f"{i}" for i in range(50)])
    settle(directory)
    lister = DirectoryLister()
    first = lister.list_page(directory, "", ListingRequest(limit=10))
    lister.list_page(directory, "", ListingRequest(limit=10, cursor=first["next_cursor"]))
    again = lister.list_page(directory, "", ListingRequest(limit=10))
    lister.list_page(directory, "", ListingRequest(sort="size", order="desc"))
    lister.list_page(directory, "", ListingRequest(filter="1", hidden=True))
    assert count_scans == [str(directory)]
    assert again["entries"] == first["entries"]


def test_adding_or_removing_an_entry_invalidates_the_cache(tmp_path: Path, count_scans: list[str]):
    directory = make_files(tmp_path / "d", ["a", "b"])
    settle(directory, 60)
    lister = DirectoryLister()
    assert listed(lister, directory) == ["a", "b"]
    (directory / "c").touch()
    settle(directory, 50)
    assert listed(lister, directory) == ["a", "b", "c"]
    (directory / "a").unlink()
    settle(directory, 40)
    assert listed(lister, directory) == ["b", "c"]
    assert listed(lister, directory, sort="mtime") != []  # a re-sort reuses the last scan
    assert len(count_scans) == 3


def test_a_folder_changed_moments_ago_is_read_again(tmp_path: Path, count_scans: list[str]):
    # Within a coarse mtime tick a second change would go unseen: do not trust such a scan.
    directory = make_files(tmp_path / "d", ["a"])
    lister = DirectoryLister()
    lister.list_page(directory, "", ListingRequest())
    lister.list_page(directory, "", ListingRequest())
    assert len(count_scans) == 2


def test_concurrent_first_requests_scan_a_folder_once(tmp_path: Path, count_scans: list[str]):
    directory = make_files(tmp_path / "d", [f"{i}" for i in range(2000)])
    settle(directory)
    lister = DirectoryLister()
    results: list[int] = []
    start = threading.Barrier(8)

    def work() -> None:
        start.wait()
        results.append(lister.list_page(directory, "", ListingRequest())["total"])

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [2000] * 8
    assert count_scans == [str(directory)]


def test_least_recently_used_listings_are_evicted(tmp_path: Path, count_scans: list[str]):
    one = make_files(tmp_path / "one", ["a"])
    two = make_files(tmp_path / "two", ["b"])
    settle(one)
    settle(two)
    lister = DirectoryLister(max_cached_listings=1)
    lister.list_page(one, "", ListingRequest())
    lister.list_page(two, "", ListingRequest())
    lister.list_page(two, "", ListingRequest())
    lister.list_page(one, "", ListingRequest())
    assert count_scans == [str(one), str(two), str(one)]


def test_the_entry_bound_evicts_large_listings(tmp_path: Path, count_scans: list[str]):
    one = make_files(tmp_path / "one", [f"{i}" for i in range(30)])
    two = make_files(tmp_path / "two", [f"{i}" for i in range(30)])
    settle(one)
    settle(two)
    lister = DirectoryLister(max_cached_entries=40)
    lister.list_page(one, "", ListingRequest())
    lister.list_page(two, "", ListingRequest())
    lister.list_page(one, "", ListingRequest())
    assert count_scans == [str(one), str(two), str(one)]


# --- cursors --------------------------------------------------------------------------------


def test_a_cursor_pages_its_snapshot_while_the_folder_changes(tmp_path: Path):
    original = [f"{i:03d}" for i in range(250)]
    directory = make_files(tmp_path / "d", original)
    settle(directory)
    lister = DirectoryLister()
    page = lister.list_page(directory, "", ListingRequest(limit=100))
    seen = [entry["name"] for entry in page["entries"]]
    for i in range(50):
        (directory / f"new-{i}").touch()
    (directory / "000").unlink()
    settle(directory, 10)
    while page["next_cursor"]:
        page = lister.list_page(
            directory, "", ListingRequest(limit=100, cursor=page["next_cursor"])
        )
        assert page["total"] == 250
        seen += [entry["name"] for entry in page["entries"]]
    assert seen == original
    fresh = lister.list_page(directory, "", ListingRequest(limit=5000))
    assert fresh["total"] == 299


@pytest.mark.parametrize("sort", ["name", "size", "mtime", "kind"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_an_expired_cursor_continues_after_its_last_entry(tmp_path: Path, sort: str, order: str):
    directory = tmp_path / "d"
    directory.mkdir()
    base = time.time() - 1000
    for i in range(40):
        path = directory / f"item-{i}{'.tif' if i % 3 == 0 else '.csv'}"
        path.write_bytes(b"x" * (i % 7))  # ties in size
        os.utime(path, (base + i % 5, base + i % 5))  # ties in mtime
    for i in range(6):
        (directory / f"dir-{i}{'.zarr' if i % 2 else ''}").mkdir()
    settle(directory)
    lister = DirectoryLister()
    expected = listed(lister, directory, sort=sort, order=order)
    request = ListingRequest(limit=7, sort=sort, order=order)
    page = lister.list_page(directory, "", request)
    seen = [entry["name"] for entry in page["entries"]]
    while page["next_cursor"]:
        lister.clear()  # every page continues by keyset, from a fresh snapshot
        request = ListingRequest(cursor=page["next_cursor"], limit=7, sort=sort, order=order)
        page = lister.list_page(directory, "", request)
        seen += [entry["name"] for entry in page["entries"]]
    assert seen == expected


def test_an_expired_cursor_of_a_changed_folder_repeats_nothing(tmp_path: Path):
    directory = make_files(tmp_path / "d", [f"f{i}" for i in range(30)])
    settle(directory)
    lister = DirectoryLister(max_cached_listings=1)
    page = lister.list_page(directory, "", ListingRequest(limit=10))
    seen = [entry["name"] for entry in page["entries"]]
    other = make_files(tmp_path / "other", ["x"])
    lister.list_page(other, "", ListingRequest())  # evicts the snapshot of d
    (directory / "f5").unlink()  # already seen
    (directory / "f25").unlink()  # not yet seen
    (directory / "f3-new").touch()  # sorts before the position reached: not shown
    (directory / "f99").touch()  # sorts after it: shown
    settle(directory, 30)
    while page["next_cursor"]:
        page = lister.list_page(directory, "", ListingRequest(limit=10, cursor=page["next_cursor"]))
        seen += [entry["name"] for entry in page["entries"]]
    assert len(seen) == len(set(seen))
    assert seen == [f"f{i}" for i in range(30) if i != 25] + ["f99"]


def test_a_cursor_for_another_listing_is_a_bad_request(tmp_path: Path):
    one = make_files(tmp_path / "one", [f"{i}" for i in range(5)])
    two = make_files(tmp_path / "two", [f"{i}" for i in range(5)])
    lister = DirectoryLister()
    cursor = lister.list_page(one, "", ListingRequest(limit=2))["next_cursor"]
    for directory, params in [(two, {}), (one, {"sort": "size"}), (one, {"hidden": True})]:
        with pytest.raises(BadRequest, match="another listing"):
            lister.list_page(directory, "", ListingRequest(cursor=cursor, limit=2, **params))
    # The limit may change between pages.
    page = lister.list_page(one, "", ListingRequest(cursor=cursor, limit=3))
    assert [entry["name"] for entry in page["entries"]] == ["2", "3", "4"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        "abc",
        _b64(b"not json"),
        _b64(b"[1, 2]"),
        _b64(json.dumps({"s": "x", "o": 3}).encode()),
        _b64(json.dumps({"s": "x", "o": -1, "l": "y", "a": ["n", 0, None]}).encode()),
        _b64(json.dumps({"s": "x", "o": 1, "l": "y", "a": ["a/b", 0, None]}).encode()),
        _b64(json.dumps({"s": "x", "o": 1, "l": "y", "a": ["n", 0, "big"]}).encode()),
        "A" * 10_000,
    ],
)
def test_a_malformed_cursor_is_a_bad_request(cursor: str):
    with pytest.raises(BadRequest, match="cursor is malformed"):
        ListingRequest(cursor=cursor)
    with pytest.raises(BadRequest, match="cursor is malformed"):
        ListingRequest.from_query({"cursor": cursor}.get)


def test_a_cursor_past_the_end_of_its_snapshot_is_a_bad_request(tmp_path: Path):
    directory = make_files(tmp_path / "d", ["a", "b", "c"])
    lister = DirectoryLister()
    cursor = lister.list_page(directory, "", ListingRequest(limit=1))["next_cursor"]
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw["o"] = 99
    with pytest.raises(BadRequest):
        lister.list_page(directory, "", ListingRequest(cursor=_b64(json.dumps(raw).encode())))


# --- query parsing --------------------------------------------------------------------------


def test_query_defaults_and_values_are_parsed():
    assert ListingRequest.from_query({}.get) == ListingRequest()
    query = {"limit": "50", "sort": "mtime", "order": "desc", "hidden": "true", "filter": "*.tif"}
    assert ListingRequest.from_query(query.get) == ListingRequest(
        limit=50, sort="mtime", order="desc", hidden=True, filter="*.tif"
    )
    assert ListingRequest.from_query({"hidden": "0", "limit": ""}.get).hidden is False


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "5001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"sort": "colour"}, "sort"),
        ({"order": "up"}, "order"),
        ({"hidden": "maybe"}, "hidden"),
        ({"filter": "x" * 2000}, "filter"),
    ],
)
def test_bad_query_values_are_bad_requests(query: dict[str, str], message: str):
    with pytest.raises(BadRequest, match=message):
        ListingRequest.from_query(query.get)


def test_limits_at_the_bounds_are_accepted():
    assert ListingRequest.from_query({"limit": "1"}.get).limit == 1
    assert ListingRequest.from_query({"limit": "5000"}.get).limit == 5000


# --- entries: symlinks, kinds, vanished entries ---------------------------------------------


@pytest.fixture
def linked(tmp_path: Path) -> tuple[Path, DirectoryLister]:
    """A folder with symlinks inside and outside `root`; the lister admits `root` only."""
    root = tmp_path / "root"
    directory = root / "d"
    directory.mkdir(parents=True)
    (directory / "target.bin").write_bytes(b"x" * 42)
    (directory / "target-dir").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.bin").write_bytes(b"x" * 7)
    (directory / "to-file").symlink_to("target.bin")
    (directory / "to-dir").symlink_to("target-dir")
    (directory / "to-outside").symlink_to(outside / "secret.bin")
    (directory / "broken").symlink_to("does-not-exist")
    real_root = root.resolve()

    def inside(real: Path) -> bool:
        return real.is_relative_to(real_root)

    return directory, DirectoryLister(entry_is_readable=inside)


def entries_by_name(lister: DirectoryLister, directory: Path) -> dict[str, dict[str, Any]]:
    page = lister.list_page(directory, "d", ListingRequest(hidden=True, limit=5000))
    return {entry["name"]: entry for entry in page["entries"]}


def test_a_symlink_inside_shows_its_target(linked: tuple[Path, DirectoryLister]):
    entries = entries_by_name(linked[1], linked[0])
    to_file, to_dir = entries["to-file"], entries["to-dir"]
    assert to_file["is_symlink"] and to_file["readable"] and to_file["size"] == 42
    assert to_file["mode"].startswith("-") and to_file["problem"] is None
    assert to_dir["is_symlink"] and to_dir["is_dir"] and to_dir["kind"] == "directory"
    assert to_dir["readable"] and to_dir["size"] is None
    assert entries["target.bin"]["is_symlink"] is False


def test_a_symlink_outside_the_roots_is_shown_but_not_readable(
    linked: tuple[Path, DirectoryLister],
):
    entry = entries_by_name(linked[1], linked[0])["to-outside"]
    assert entry["is_symlink"] and entry["readable"] is False
    assert entry["size"] is None and entry["is_dir"] is False and entry["kind"] == "file"
    assert entry["mode"].startswith("l") and "outside" in entry["problem"]


def test_a_broken_symlink_is_shown_but_not_readable(linked: tuple[Path, DirectoryLister]):
    entry = entries_by_name(linked[1], linked[0])["broken"]
    assert entry["is_symlink"] and entry["readable"] is False and entry["size"] is None
    assert entry["problem"] == "broken symbolic link"


def test_symlinked_folders_sort_with_the_folders(linked: tuple[Path, DirectoryLister]):
    names = listed(linked[1], linked[0])
    assert names[:2] == ["target-dir", "to-dir"]


def test_size_sort_does_not_use_the_size_of_a_target_outside(linked: tuple[Path, DirectoryLister]):
    directory, lister = linked
    names = listed(lister, directory, sort="size")
    # No size (outside, broken) sorts before the smallest file.
    assert names[2:4] == ["broken", "to-outside"]


def test_entries_carry_the_detected_kind(tmp_path: Path):
    directory = tmp_path / "d"
    array = directory / "a.zarr"
    array.mkdir(parents=True)
    (array / ".zarray").write_text(json.dumps({"zarr_format": 2, "shape": [1]}))
    (directory / "image.ome.tif").write_bytes(b"not really a tiff")
    entries = entries_by_name(DirectoryLister(), directory)
    assert entries["a.zarr"]["kind"] == "zarr-array" and entries["a.zarr"]["zarr_format"] == 2
    assert entries["image.ome.tif"]["kind"] == "ome-tiff"  # from the name: not confirmed


def test_an_entry_removed_after_the_snapshot_is_marked_gone(tmp_path: Path):
    directory = make_files(tmp_path / "d", ["a", "b", "c"])
    lister = DirectoryLister()
    first = lister.list_page(directory, "", ListingRequest(limit=1))
    (directory / "b").unlink()
    second = lister.list_page(directory, "", ListingRequest(limit=1, cursor=first["next_cursor"]))
    entry = second["entries"][0]
    assert entry["name"] == "b" and entry["problem"] == "no longer exists"
    assert entry["readable"] is False and entry["mtime"] is None


# --- describe -------------------------------------------------------------------------------


def test_describe_answers_the_listing_entry_with_a_confirmed_kind(tmp_path: Path):
    directory = make_files(tmp_path / "d", ["fake.tif", "plain.txt"])
    lister = DirectoryLister()
    listed_entry = entries_by_name(lister, directory)["plain.txt"]
    assert lister.describe(directory / "plain.txt", "d/plain.txt") == listed_entry
    fake = lister.describe(directory / "fake.tif", "/d/fake.tif")
    assert fake["kind"] == "file" and "not a TIFF" in fake["problem"]
    assert fake["path"] == "d/fake.tif" and fake["name"] == "fake.tif"
    folder = lister.describe(directory, "d")
    assert folder["is_dir"] and folder["name"] == "d"
    assert lister.describe(directory, "")["name"] == ""


def test_describe_of_a_missing_path_is_not_found(tmp_path: Path):
    with pytest.raises(NotFound, match="'d/gone' does not exist"):
        DirectoryLister().describe(tmp_path / "gone", "d/gone")


# --- errors ---------------------------------------------------------------------------------


def test_listing_a_file_is_a_bad_request(tmp_path: Path):
    make_files(tmp_path, ["file.txt"])
    with pytest.raises(BadRequest, match="'docs/file.txt' is not a folder") as caught:
        DirectoryLister().list_page(tmp_path / "file.txt", "docs/file.txt", ListingRequest())
    assert str(tmp_path) not in caught.value.message


def test_listing_a_missing_folder_is_not_found(tmp_path: Path):
    with pytest.raises(NotFound, match="'gone' does not exist") as caught:
        DirectoryLister().list_page(tmp_path / "gone", "gone", ListingRequest())
    assert str(tmp_path) not in caught.value.message


def test_a_folder_without_permission_is_forbidden(shared_tmp: Path):
    locked = make_files(shared_tmp / "locked", ["a"])
    locked.chmod(0)
    outcome = run_without_privileges(
        lambda: DirectoryLister().list_page(locked, "lab/locked", ListingRequest())
    )
    assert outcome["error"] == "Forbidden"
    assert outcome["message"] == "You do not have permission to list 'lab/locked'."


def test_an_unreadable_subfolder_is_listed_as_not_readable(shared_tmp: Path):
    directory = make_files(shared_tmp / "d", ["file.txt"])
    (directory / "private").mkdir(mode=0o700)
    (directory / "private").chmod(0o700)
    (directory / "secret.txt").write_text("x")
    (directory / "secret.txt").chmod(0o600)
    for path in (directory, directory / "file.txt"):
        path.chmod(0o755)

    def readable() -> dict[str, bool]:
        page = DirectoryLister().list_page(directory, "d", ListingRequest())
        return {entry["name"]: entry["readable"] for entry in page["entries"]}

    outcome = run_without_privileges(readable)
    assert outcome["result"] == {"private": False, "file.txt": True, "secret.txt": False}
