"""Conversions fail clearly and leave nothing behind: bad input, existing destination,
cancel, full disk; and they report progress."""

from __future__ import annotations

import errno
import os
import stat
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile

from fileglancer_ext.convert import CancelToken, ConversionOptions, atomic, convert_tiff_to_ome_zarr
from fileglancer_ext.convert.atomic import staged_output
from fileglancer_ext.convert.plan import _ZarrReader
from fileglancer_ext.errors import (
    BadRequest,
    ConversionCancelled,
    ConversionError,
    DestinationExists,
    NotFound,
    OutOfSpace,
)
from tests.unprivileged import in_a_child

SMALL_TASKS = ConversionOptions(chunks=(16, 16), task_bytes=1 << 20)


@pytest.fixture
def stack(tmp_path: Path) -> Path:
    data = np.random.default_rng(3).integers(0, 255, (8, 64, 64), dtype=np.uint8)
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, data, photometric="minisblack", metadata=None)
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name)


def test_text_file_named_tif_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "notes.tif"
    fake.write_text("these are my notes, not an image\n")
    with pytest.raises(ConversionError, match="not a readable TIFF"):
        convert_tiff_to_ome_zarr(fake, tmp_path / "out.zarr")
    assert not (tmp_path / "out.zarr").exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize("keep", [0.5, 0.99], ids=["half", "last-bytes-missing"])
def test_truncated_tiff_is_refused(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "cut.tif"
    data = np.random.default_rng(0).integers(0, 60000, (4, 256, 256), dtype=np.uint16)
    tifffile.imwrite(path, data, photometric="minisblack", metadata=None)
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * keep)])
    with pytest.raises(ConversionError, match="truncated|corrupt"):
        convert_tiff_to_ome_zarr(path, tmp_path / "out.zarr")
    assert not (tmp_path / "out.zarr").exists() and leftovers(tmp_path) == []


def test_missing_source_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        convert_tiff_to_ome_zarr(tmp_path / "nope.tif", tmp_path / "out.zarr")


@pytest.mark.parametrize("name", sorted(atomic.RESERVED_NAMES))
def test_a_destination_named_like_the_staging_internals_is_refused(
    stack: Path, tmp_path: Path, name: str
) -> None:
    with pytest.raises(BadRequest, match="keeps for its own use"):
        convert_tiff_to_ome_zarr(stack, tmp_path / name)
    assert leftovers(tmp_path) == [] and not (tmp_path / name).exists()


def test_existing_destination_is_kept_unless_overwrite(stack: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.ome.zarr"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    with pytest.raises(DestinationExists):
        convert_tiff_to_ome_zarr(stack, out)
    assert (out / "precious.txt").read_text() == "keep me"

    convert_tiff_to_ome_zarr(stack, out, ConversionOptions(overwrite=True))
    assert not (out / "precious.txt").exists() and (out / "zarr.json").exists() is False
    assert (out / ".zattrs").exists()
    assert leftovers(tmp_path) == []


def test_bad_options_are_refused_before_any_work(stack: Path, tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match="sharding needs Zarr v3"):
        convert_tiff_to_ome_zarr(
            stack, tmp_path / "o", ConversionOptions(chunks=(16, 16), shards=(32, 32))
        )
    with pytest.raises(BadRequest, match="codec"):
        convert_tiff_to_ome_zarr(stack, tmp_path / "o", ConversionOptions(codec="lzma"))
    with pytest.raises(BadRequest, match="unknown conversion option"):
        ConversionOptions.from_json({"colour": "blue"})
    assert not (tmp_path / "o").exists()


def test_cancel_mid_job_leaves_nothing(stack: Path, tmp_path: Path) -> None:
    token = CancelToken()
    seen: list[float] = []

    def cancel_after_some_progress(report: object) -> None:
        # Once the pixels are being written (this small stack is one task: all its levels
        # are made in one pass, so no report comes between its start and its end).
        seen.append(report.fraction)  # type: ignore[attr-defined]
        if report.stage.startswith("level"):  # type: ignore[attr-defined]
            token.cancel()

    out = tmp_path / "out.ome.zarr"
    with pytest.raises(ConversionCancelled):
        convert_tiff_to_ome_zarr(
            stack, out, SMALL_TASKS, progress=cancel_after_some_progress, cancel=token
        )
    assert token.is_set() and seen
    assert not out.exists() and leftovers(tmp_path) == []


def test_full_disk_is_reported_and_leaves_nothing(
    stack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes = 0
    original = _ZarrReader.write

    def write_until_the_disk_is_full(self: _ZarrReader, region: object, data: object) -> None:
        nonlocal writes
        writes += 1
        if writes > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        original(self, region, data)  # type: ignore[arg-type]

    monkeypatch.setattr(_ZarrReader, "write", write_until_the_disk_is_full)
    out = tmp_path / "out.ome.zarr"
    with pytest.raises(OutOfSpace, match="no space left"):
        convert_tiff_to_ome_zarr(stack, out, SMALL_TASKS)
    assert not out.exists() and leftovers(tmp_path) == []


def test_progress_rises_to_one_through_every_level(stack: Path, tmp_path: Path) -> None:
    reports = []
    result = convert_tiff_to_ome_zarr(
        stack, tmp_path / "o.zarr", SMALL_TASKS, progress=reports.append
    )
    fractions = [r.fraction for r in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert reports[-1].bytes_done == reports[-1].bytes_total == reports[0].bytes_total
    stages = [r.stage for r in reports]
    # Every level is made in one pass over level 0, and the stage says so.
    assert f"levels 0-{len(result.level_shapes) - 1}" in stages and stages[-1] == "done"


def test_cancel_with_a_pool_waits_for_running_tasks_then_leaves_nothing(
    stack: Path, tmp_path: Path
) -> None:
    import concurrent.futures as cf

    from fileglancer_ext.convert import FuturesExecutor

    token = CancelToken()
    out = tmp_path / "out.ome.zarr"
    with cf.ThreadPoolExecutor(2) as pool, pytest.raises(ConversionCancelled):
        convert_tiff_to_ome_zarr(
            stack,
            out,
            SMALL_TASKS,
            progress=lambda report: token.cancel() if report.stage.startswith("level") else None,
            cancel=token,
            executor=FuturesExecutor(pool, max_in_flight=2),
        )
    assert not out.exists() and leftovers(tmp_path) == []


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 1 MiB tmpfs (needs root; skipped where mounting is not allowed)."""
    import subprocess

    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def test_a_really_full_disk_is_reported_and_leaves_nothing(
    tmp_path: Path, small_disk: Path
) -> None:
    noise = np.random.default_rng(8).integers(0, 65535, (12, 256, 256), dtype=np.uint16)
    source = tmp_path / "noise.tif"
    tifffile.imwrite(source, noise, photometric="minisblack", metadata=None)
    out = small_disk / "noise.ome.zarr"
    with pytest.raises(OutOfSpace):
        convert_tiff_to_ome_zarr(source, out, ConversionOptions(codec="none"))
    assert list(small_disk.iterdir()) == []


def test_a_folder_swapped_for_a_symlink_mid_conversion_gets_nothing_through_it(
    stack: Path, tmp_path: Path
) -> None:
    from fileglancer_ext.convert.atomic import LocationChanged

    folder, outside = tmp_path / "out", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    aside = tmp_path / "out-aside"

    def swap_once_writing(report: object) -> None:
        if report.bytes_done > 0 and not aside.exists():  # type: ignore[attr-defined]
            folder.rename(aside)
            folder.symlink_to(outside, target_is_directory=True)

    with pytest.raises(LocationChanged, match="moved or replaced"):
        convert_tiff_to_ome_zarr(
            stack, folder / "out.ome.zarr", SMALL_TASKS, progress=swap_once_writing
        )
    # Written into the folder as it was checked (never through the symlink), then removed.
    assert list(outside.iterdir()) == [] and list(aside.iterdir()) == []


def test_a_destination_folder_named_through_a_symlink_is_written_into(
    stack: Path, tmp_path: Path
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    convert_tiff_to_ome_zarr(stack, tmp_path / "link" / "out.ome.zarr", SMALL_TASKS)
    assert [p.name for p in real.iterdir()] == ["out.ome.zarr"]


def write_dataset(destination: Path, text: str, *, overwrite: bool) -> None:
    with staged_output(destination, overwrite=overwrite) as out:
        out.mkdir()
        (out / "zarr.json").write_text(text)


@pytest.mark.skipif(atomic._renameat2_call is None, reason="no renameat2 here")
def test_overwriting_swaps_datasets_so_the_name_is_never_missing(tmp_path: Path) -> None:
    destination = tmp_path / "out.zarr"
    write_dataset(destination, "0", overwrite=False)
    seen: list[str] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            try:
                if not stat.S_ISDIR(os.stat(destination).st_mode):
                    seen.append("not a folder")
            except FileNotFoundError:
                seen.append("missing")

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        for i in range(1, 300):
            write_dataset(destination, str(i), overwrite=True)
    finally:
        stop.set()
        reader.join()
    assert seen == []
    assert (destination / "zarr.json").read_text() == "299" and leftovers(tmp_path) == []


@pytest.mark.parametrize("renameat2", [True, False], ids=["renameat2", "fallback"])
def test_both_ways_of_moving_into_place_create_replace_and_keep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renameat2: bool
) -> None:
    if renameat2 and atomic._renameat2_call is None:
        pytest.skip("no renameat2 here")
    if not renameat2:
        monkeypatch.setattr(atomic, "_renameat2_call", None)
    destination = tmp_path / "out.zarr"
    write_dataset(destination, "first", overwrite=False)
    with pytest.raises(DestinationExists):
        write_dataset(destination, "second", overwrite=False)
    assert (destination / "zarr.json").read_text() == "first"
    write_dataset(destination, "third", overwrite=True)
    assert (destination / "zarr.json").read_text() == "third"
    (tmp_path / "single").write_text("a file, replaced by a dataset")
    write_dataset(tmp_path / "single", "fourth", overwrite=True)
    assert (tmp_path / "single" / "zarr.json").read_text() == "fourth"
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(atomic._renameat2_call is None, reason="no renameat2 here")
def test_a_folder_made_at_the_destination_just_before_the_move_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another user's folder appears after the last look at the name, right before the
    # rename (whichever rename it is): without overwrite it is theirs, never replaced.
    destination = tmp_path / "out.zarr"
    armed: list[bool] = []

    def appear() -> None:
        if armed:
            armed.clear()
            destination.mkdir()

    real = atomic._renameat2_call

    def appearing_first(*args: Any) -> int:
        appear()
        return real(*args)  # type: ignore[misc]

    monkeypatch.setattr(atomic, "_renameat2_call", appearing_first, raising=False)

    def work() -> str:
        sys.addaudithook(lambda event, args: appear() if event == "os.rename" else None)
        try:
            with staged_output(destination, overwrite=False) as out:
                out.mkdir()
                (out / "zarr.json").write_text("mine")
                armed.append(True)
        except DestinationExists:
            return "theirs kept"
        return "moved into place"

    _, code, outcome = in_a_child(work)
    assert (code, outcome) == (0, "theirs kept")
    assert list(destination.iterdir()) == [] and leftovers(tmp_path) == []
