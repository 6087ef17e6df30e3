"""A conversion never calls a broken output done: the project's validator checks the
staged output before it is moved into place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr

from fileglancer_ext.cli import main
from fileglancer_ext.convert import to_ome_zarr

from .test_convert_tiff import write_ome_tiff


def break_the_axes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The metadata writer, made to write multiscales without axes (the schema needs them)."""
    write = to_ome_zarr.write_ome_metadata

    def write_broken(root: Path, *args: Any, **kwargs: Any) -> None:
        write(root, *args, **kwargs)
        group = zarr.open_group(root, mode="r+")
        attrs = group.attrs.asdict()
        ome = attrs.get("ome", attrs)
        del ome["multiscales"][0]["axes"]
        group.attrs.put(attrs)

    monkeypatch.setattr(to_ome_zarr, "write_ome_metadata", write_broken)


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_the_cli_fails_an_invalid_output_and_leaves_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    version: str,
) -> None:
    data = np.random.default_rng(3).integers(0, 999, (3, 4, 64, 64), dtype=np.uint16)
    source = write_ome_tiff(tmp_path / "cells.ome.tif", data)
    break_the_axes(monkeypatch)
    out = tmp_path / "cells.ome.zarr"
    status = main(["convert", str(source), str(out), "--ngff-version", version, "--quiet"])

    assert status == 1
    error = capsys.readouterr().err
    assert "does not validate, so nothing was kept" in error and "axes" in error
    assert str(tmp_path) not in error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cells.ome.tif"]


def test_a_valid_output_is_validated_before_it_is_done(tmp_path: Path) -> None:
    from fileglancer_ext.convert import ConversionOptions, convert_tiff_to_ome_zarr

    data = np.random.default_rng(3).integers(0, 999, (2, 4, 64, 64), dtype=np.uint16)
    source = write_ome_tiff(tmp_path / "cells.ome.tif", data)
    stages: list[str] = []
    convert_tiff_to_ome_zarr(
        source,
        tmp_path / "cells.ome.zarr",
        ConversionOptions(levels=2),
        progress=lambda report: stages.append(report.stage),
    )
    assert stages[-2:] == ["validating", "done"]


def test_a_re_encoding_whose_labels_group_does_not_validate_fails_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fileglancer_ext.convert import ConversionOptions, rezarr
    from fileglancer_ext.convert.atomic import InvalidOutput

    from .other_writers import write_ome_zarr_py

    data = np.random.default_rng(3).integers(0, 999, (2, 4, 32, 32), dtype=np.uint16)
    source = write_ome_zarr_py(tmp_path / "in.ome.zarr", data, "0.4")

    def write_broken(root: Path, names: list[str], options: Any) -> None:
        zarr.open_group(root / "labels", mode="a").attrs.update({"labels": "cells"})

    monkeypatch.setattr(rezarr, "write_labels_group", write_broken)
    with pytest.raises(InvalidOutput, match="labels/.zattrs"):
        rezarr.rewrite_zarr(source, tmp_path / "out.ome.zarr", ConversionOptions())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.ome.zarr"]
