"""`fileglancer-ext convert` end to end through the CLI's main()."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tifffile

from fileglancer_ext.cli import main
from fileglancer_ext.formats.validate import validate_dataset

from .test_convert_tiff import write_ome_tiff


@pytest.fixture
def source(tmp_path: Path) -> tuple[Path, np.ndarray]:
    data = np.random.default_rng(2).integers(0, 999, (3, 4, 64, 64), dtype=np.uint16)
    return write_ome_tiff(tmp_path / "cells.ome.tif", data), data


def test_convert_tiff_to_ome_zarr_and_back(
    source: tuple[Path, np.ndarray], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = source
    zarr_out = tmp_path / "cells.ome.zarr"
    status = main(
        [
            "convert",
            str(path),
            str(zarr_out),
            "--ngff-version",
            "0.5",
            "--chunks",
            "2,32,32",
            "--shards",
            "4,64,64",
            "--json",
        ]
    )
    assert status == 0
    result = json.loads(capsys.readouterr().out)
    assert result["kind"] == "ome-zarr" and result["level_shapes"][0] == [3, 4, 64, 64]
    assert validate_dataset(zarr_out).valid

    tiff_out = tmp_path / "back.ome.tif"
    assert main(["convert", str(zarr_out), str(tiff_out), "--quiet"]) == 0
    assert "wrote" in capsys.readouterr().out
    np.testing.assert_array_equal(tifffile.imread(tiff_out), data)


def test_convert_reports_problems_with_exit_status(
    source: tuple[Path, np.ndarray], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = source
    existing = tmp_path / "taken.ome.zarr"
    existing.mkdir()
    assert main(["convert", str(path), str(existing), "--quiet"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "missing.tif"), str(tmp_path / "o.zarr")]) == 2
    assert main(["convert", str(path), str(tmp_path / "o.zarr"), "--shards", "64,64"]) == 2
    assert "sharding needs Zarr v3" in capsys.readouterr().err
    fake = tmp_path / "fake.tif"
    fake.write_text("not an image")
    assert main(["convert", str(fake), str(tmp_path / "f.zarr"), "--quiet"]) == 1
    assert "not a readable TIFF" in capsys.readouterr().err


def test_destination_name_picks_the_conversion(
    source: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    from fileglancer_ext.convert import ConversionOptions, conversion_kind, convert
    from fileglancer_ext.errors import BadRequest, NotFound

    path, data = source
    zarr_out = tmp_path / "c.ome.zarr"
    assert conversion_kind(path, zarr_out, ConversionOptions()) == "tiff-to-ome-zarr"
    convert(path, zarr_out)
    assert conversion_kind(zarr_out, tmp_path / "x.tif", ConversionOptions()) == "zarr-to-tiff"
    assert conversion_kind(zarr_out, tmp_path / "y.zarr", ConversionOptions()) == "recompress"
    assert (
        conversion_kind(zarr_out, tmp_path / "y.zarr", ConversionOptions(level=1))
        == "extract-level"
    )
    assert convert(zarr_out, tmp_path / "plain.tif").kind == "tiff"
    assert convert(zarr_out, tmp_path / "again.ome.tif").kind == "ome-tiff"
    with pytest.raises(BadRequest, match="cannot convert"):
        convert(path, tmp_path / "copy.tif")
    # A source gone since the job was checked: named, never by its server path.
    with pytest.raises(NotFound, match=r"^no such file or folder: gone\.zarr$"):
        conversion_kind(tmp_path / "gone.zarr", tmp_path / "y.zarr", ConversionOptions())
