"""The editing functions without a server: a full disk, no permission, time spacing, the
CLI (`fileglancer-ext edit`)."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest
import zarr

from fileglancer_ext.cli import main
from fileglancer_ext.editing import (
    EditTarget,
    InvalidValue,
    auto_contrast,
    edit_metadata,
    editable,
    undo,
)
from fileglancer_ext.editing.contrast import MAX_SAMPLES, _sample
from fileglancer_ext.errors import BadRequest, Forbidden, OutOfSpace
from fileglancer_ext.formats.model import read_ngff_image
from fileglancer_ext.formats.validate import validate_dataset
from tests.editing.helpers import group_document, image, read_back, snapshot
from tests.unprivileged import in_a_child, run_without_privileges


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_a_write_over_the_size_limit_leaves_the_old_metadata_intact(tmp_path: Path, version):
    path = image(tmp_path / "img.zarr", version, consolidated=True)
    before = snapshot(path)
    limit = max(len(raw) for raw in before.values()) + 64

    def edit_with_a_file_size_limit() -> str:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails: EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        try:
            edit_metadata(EditTarget(path), {"name": "x" * 400, "auto_contrast": True}, "*")
        except OutOfSpace as err:
            return err.message
        return "written"

    _, code, message = in_a_child(edit_with_a_file_size_limit)
    assert code == 0 and "not changed" in message
    assert snapshot(path) == before  # no temporary file left either
    read_back(path)


def test_a_full_disk_leaves_the_old_metadata_intact(tmp_path: Path):
    """A real full file system: a small tmpfs (needs root and mount; else skipped)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(disk)])
    if mounted.returncode != 0:
        pytest.skip("this machine cannot mount a tmpfs")
    try:
        path = image(disk / "img.zarr", "0.4")
        fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
        try:  # fill the disk to the last block
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        before = snapshot(path)
        with pytest.raises(OutOfSpace):
            edit_metadata(EditTarget(path), {"name": "y" * 500}, "*")
        assert snapshot(path) == before
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_without_write_permission_an_edit_is_forbidden(shared_tmp: Path):
    path = image(shared_tmp / "img.zarr", "0.4")
    # Read-only for everyone, its owner included: as root the edit runs as `nobody`, and
    # scripts/test-all.sh runs this file again as an ordinary user who owns the files.
    for sub in [path, *path.rglob("*")]:
        sub.chmod(0o555 if sub.is_dir() else 0o444)
    before = snapshot(path)

    def edit_as_nobody() -> dict:
        view = editable(EditTarget(path))
        try:
            edit_metadata(EditTarget(path), {"name": "mine"}, view["etag"])
        except Forbidden as err:
            return {
                "writable": view["writable"],
                "reason": view.get("reason_not_writable"),
                "error": err.message,
            }
        return {"writable": view["writable"]}

    try:
        outcome = run_without_privileges(edit_as_nobody)["result"]
        assert outcome["writable"] is False and "may not write" in outcome["reason"]
        assert "may not write" in outcome["error"]
        assert str(shared_tmp) not in json.dumps(outcome)
        assert snapshot(path) == before
    finally:  # let the temporary folder be removed
        for sub in [path, *path.rglob("*")]:
            if sub.is_dir():
                sub.chmod(0o755)


def test_time_spacing_and_a_preview_of_a_time_series(tmp_path: Path):
    from ome_zarr.format import FormatV04
    from ome_zarr.writer import write_image

    group = zarr.open_group(tmp_path / "t.zarr", mode="w", zarr_format=2)
    data = np.zeros((3, 1, 2, 32, 32), np.uint8)
    write_image(data, group, axes="tczyx", fmt=FormatV04(), scale_factors=[2])
    target = EditTarget(tmp_path / "t.zarr")
    units = [
        {"name": "t", "type": "time", "unit": "second"},
        {"name": "c", "type": "channel"},
        *({"name": n, "type": "space", "unit": "micrometer"} for n in "zyx"),
    ]
    result = edit_metadata(target, {"time_spacing": 2.5, "axes": units}, "*")
    assert result.editable["time_spacing"] == 2.5
    assert [
        t[0]["scale"][0] for t in read_back(tmp_path / "t.zarr")["coordinateTransformations"]
    ] == [2.5, 2.5]
    undone = undo(target, result.etag)
    assert undone.editable["time_spacing"] == 1


def test_the_cli_edits_previews_and_undoes(tmp_path: Path, capsys):
    path = image(tmp_path / "img.zarr", "0.5", consolidated=True)
    before = snapshot(path)
    assert main(["validate", str(path)]) == 0  # its health warnings name the edit that cures
    assert "(fix: fileglancer-ext edit --auto-contrast ...)" in capsys.readouterr().out
    args = ["edit", str(path), "--pixel-size", "z=2,y=0.5,x=0.5", "--unit", "micrometer"]
    args += ["--channel", "0:label=DAPI,color=0000FF,window=100-900", "--auto-contrast", "1"]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr()
    assert "pixel_sizes[1]: 1.0 -> 2.0" in out.out and "dry run" in out.err
    assert snapshot(path) == before

    assert main(args) == 0
    assert 'channels[0].label: null -> "DAPI"' in capsys.readouterr().out
    read = read_back(path)
    assert read["coordinateTransformations"][0][0]["scale"] == [1, 2, 0.5, 0.5]
    assert read["channel_names"][0] == "DAPI" and read["contrast_limits"][0] == [100, 900]

    assert main(["edit", str(path), "--undo"]) == 0
    assert snapshot(path) == before
    assert main(["edit", str(path), "--pixel-size", "q=1"]) == 2
    assert "no axis 'q'" in capsys.readouterr().err
    assert main(["edit", str(path), "--unit", "furlong"]) == 1
    assert "axes[1].unit" in capsys.readouterr().err
    assert group_document(path).read_bytes() == before["zarr.json"]


def test_ngff_03_images_edit_channels_but_store_no_pixel_sizes(tmp_path: Path):
    path = image(tmp_path / "old.zarr", "0.4")
    attrs = json.loads((path / ".zattrs").read_text())
    ms = attrs["multiscales"][0]
    ms.update(version="0.3", axes=["c", "z", "y", "x"])
    for dataset in ms["datasets"]:
        dataset.pop("coordinateTransformations")
    (path / ".zattrs").write_text(json.dumps(attrs))
    target = EditTarget(path)
    assert editable(target)["geometry_editable"] is False
    with pytest.raises(InvalidValue) as caught:
        edit_metadata(target, {"pixel_sizes": [1, 2, 1, 1]}, "*")
    assert caught.value.field == "pixel_sizes"
    result = edit_metadata(target, {"channels": [{"index": 1, "label": "GFP"}]}, "*")
    assert result.editable["channels"][1]["label"] == "GFP"
    assert validate_dataset(path).valid


def test_auto_contrast_samples_a_bounded_part_of_a_large_level(tmp_path: Path):
    from ome_zarr.format import FormatV05
    from ome_zarr.writer import write_image

    group = zarr.open_group(tmp_path / "big.zarr", mode="w", zarr_format=3)
    data = np.arange(3000 * 3000, dtype=np.uint16).reshape(1, 3000, 3000) % 1000
    write_image(data, group, axes="cyx", fmt=FormatV05(), scale_factors=[])
    target = EditTarget(tmp_path / "big.zarr")
    image_model = read_ngff_image(tmp_path / "big.zarr")
    array = zarr.open_array(tmp_path / "big.zarr" / "s0", mode="r")
    assert _sample(array, image_model, 0).size <= MAX_SAMPLES < data.size
    window = auto_contrast(target)["channels"][0]["window"]
    assert 0 <= window["start"] < 10 and 990 < window["end"] <= 999


def test_an_image_of_a_bioformats2raw_layout_is_edited_not_the_layout(tmp_path: Path):
    root = tmp_path / "layout.zarr"
    group = zarr.open_group(root, mode="w", zarr_format=2)
    group.attrs["bioformats2raw.layout"] = 3
    zarr.open_group(root / "OME", mode="w", zarr_format=2).attrs["series"] = ["0"]
    image(root / "0", "0.4")
    zarr.consolidate_metadata(str(root))
    with pytest.raises(BadRequest, match="open one of its images"):
        editable(EditTarget(root))
    result = edit_metadata(EditTarget(root / "0"), {"pixel_sizes": [1, 3, 1, 1]}, "*")
    assert result.changes == [{"field": "pixel_sizes[1]", "old": 1, "new": 3}]
    consolidated = json.loads((root / ".zmetadata").read_text())["metadata"]["0/.zattrs"]
    assert (
        consolidated["multiscales"][0]["datasets"][0]["coordinateTransformations"][0]["scale"][1]
        == 3
    )
    assert validate_dataset(root).valid
    read_back(root / "0")
