"""`confined_io` on its own: the descriptor-level reads (os.read, no file object), the stat
taken once on the checked descriptor, and `Within`'s precomputed prefixes."""

from __future__ import annotations

import os
import pickle
import threading
from pathlib import Path

import pytest

from fileglancer_ext.system.confined_io import (
    ANYWHERE,
    LeavesFolders,
    NotRegularFile,
    TooLarge,
    Within,
    _read_upto,
    open_regular,
    read_bounded,
    read_bounded_stat,
    read_json,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "root" / "data").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.json").write_text('{"secret": true}')
    (tmp_path / "root" / "data" / "doc.json").write_text('{"inside": true}')
    return tmp_path / "root"


def _run_briefly(call):
    """`call()` in a thread that must finish within 5 s (a FIFO open would block)."""
    outcome: list[object] = []

    def target() -> None:
        try:
            outcome.append(call())
        except BaseException as err:  # noqa: BLE001 - handed back to the test
            outcome.append(err)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(5)
    assert not thread.is_alive(), "the read blocked"
    return outcome[0]


def test_reads_the_whole_document_and_the_stat_of_the_file_read(root: Path):
    doc = root / "data" / "doc.json"
    os.utime(doc, (1_000_000, 1_234_567))
    (root / "link.json").symlink_to(doc)
    raw, st = read_bounded_stat(root / "link.json", Within.folders(root), limit=1024)
    assert raw == b'{"inside": true}'
    # The stat is the target's (the file the descriptor reads), not the link's.
    assert (st.st_ino, st.st_size, st.st_mtime) == (doc.stat().st_ino, len(raw), 1_234_567)
    assert read_json(root / "link.json", Within.folders(root), limit=1024) == {"inside": True}


def test_an_empty_file_and_one_at_the_limit_are_read(root: Path):
    (root / "empty").write_bytes(b"")
    (root / "exact").write_bytes(b"x" * 100)
    assert read_bounded(root / "empty", Within.folders(root), limit=0) == b""
    assert read_bounded(root / "exact", Within.folders(root), limit=100) == b"x" * 100
    with pytest.raises(TooLarge) as caught:
        read_bounded(root / "exact", Within.folders(root), limit=99)
    assert (caught.value.size, caught.value.limit) == (100, 99)


def test_a_file_larger_than_its_stat_says_is_read_on_up_to_the_limit():
    # /proc files stat as 0 bytes but hold more: the "it grew" path, on a real file.
    status = Path("/proc/self/status")
    if not status.is_file():
        pytest.skip("no /proc")
    raw = read_bounded(status, ANYWHERE, limit=1 << 20)
    assert raw.startswith(b"Name:") and b"\nPid:" in raw
    with pytest.raises(TooLarge) as caught:
        read_bounded(status, ANYWHERE, limit=10)
    assert caught.value.size is None


def test_short_reads_are_read_on_until_the_end():
    # A pipe hands out what has been written so far: every os.read is short.
    r, w = os.pipe()

    def writer() -> None:
        for _ in range(5):
            os.write(w, b"abcd")
            threading.Event().wait(0.02)
        os.close(w)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert _read_upto(r, 12) == b"abcd" * 3  # n reached: stops there
        assert _read_upto(r, 100) == b"abcd" * 2  # the end comes first
    finally:
        thread.join()
        os.close(r)


def test_a_symlink_out_of_the_folders_is_refused_and_one_between_bases_is_read(root: Path):
    outside = root.parent / "outside"
    (root / "data" / "out.json").symlink_to(outside / "secret.json")
    (root / "data" / "rel.json").symlink_to("../../outside/secret.json")
    for name in ("out.json", "rel.json"):
        with pytest.raises(LeavesFolders):
            read_bounded(root / "data" / name, Within.folders(root), limit=1024)
    # Several bases (allow_symlinks_between_roots): an absolute link into another is read.
    both = Within.folders(root, outside)
    assert read_json(root / "data" / "out.json", both, limit=1024) == {"secret": True}


def test_a_fifo_or_device_is_refused_without_blocking(root: Path):
    os.mkfifo(root / "data" / ".zattrs")
    (root / "data" / "zero").symlink_to("/dev/zero")
    within = Within.folders(root)
    for path in (root / "data" / ".zattrs", root / "data" / "zero"):
        err = _run_briefly(lambda path=path: read_bounded(path, within, limit=1024))
        assert isinstance(err, NotRegularFile), err
        err = _run_briefly(lambda path=path: read_bounded(path, ANYWHERE, limit=1024))
        assert isinstance(err, NotRegularFile), err
    with pytest.raises(IsADirectoryError):
        read_bounded(root / "data", within, limit=1024)


def test_a_symlink_swapped_back_and_forth_never_yields_the_outside_file(root: Path):
    # One thread flips data/flip.json between an inside and an outside target while this one
    # reads it: every read is either the inside document or refused, never the secret.
    inside, outside = root / "data" / "doc.json", root.parent / "outside" / "secret.json"
    link, tmp = root / "data" / "flip.json", root / "data" / "flip.tmp"
    link.symlink_to(inside)
    stop = threading.Event()

    def flipper() -> None:
        targets = (outside, inside)
        i = 0
        while not stop.is_set():
            tmp.symlink_to(targets[i % 2])
            os.replace(tmp, link)
            i += 1

    thread = threading.Thread(target=flipper)
    thread.start()
    seen = {"inside": 0, "refused": 0}
    try:
        within = Within.folders(root)
        for _ in range(3000):
            try:
                raw = read_bounded(link, within, limit=1024)
            except LeavesFolders:
                seen["refused"] += 1
            except FileNotFoundError:
                continue
            else:
                assert raw == b'{"inside": true}'
                seen["inside"] += 1
    finally:
        stop.set()
        thread.join()
    assert seen["inside"] and seen["refused"], seen


def test_a_descriptor_stays_on_the_file_checked(root: Path):
    link = root / "data" / "moving.json"
    link.symlink_to(root / "data" / "doc.json")
    fd = open_regular(link, Within.folders(root))
    try:
        link.unlink()
        link.symlink_to(root.parent / "outside" / "secret.json")
        assert os.read(fd, 100) == b'{"inside": true}'
    finally:
        os.close(fd)


def test_within_prefixes_admit_only_paths_under_a_base(tmp_path: Path):
    a, ab = tmp_path / "a", tmp_path / "ab"
    a.mkdir(), ab.mkdir()
    within = Within.folders(a)
    assert within.admits(str(a)) and within.admits(f"{a}/x/y")
    assert not within.admits(str(ab)) and not within.admits(f"{ab}/x")
    assert not within.admits(str(tmp_path))
    assert Within(("/",)).admits("/etc/passwd")
    assert Within(()).admits("/") is False
    assert ANYWHERE.admits("/anything")


def test_within_survives_pickling_and_compares_by_its_bases(tmp_path: Path):
    within = Within.folders(tmp_path, "/srv")
    copy = pickle.loads(pickle.dumps(within))
    assert copy == within and hash(copy) == hash(within)
    assert copy.admits(f"{tmp_path}/x") and not copy.admits("/srvx")
    assert repr(within) == f"Within(bases=({str(tmp_path)!r}, '/srv'))"
    assert pickle.loads(pickle.dumps(ANYWHERE)) == ANYWHERE
