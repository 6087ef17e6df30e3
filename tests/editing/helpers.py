"""Images to edit, written by ome-zarr-py, and the independent readers that check edits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import zarr

from tests.convert.other_writers import check_valid, write_ome_zarr_py


def image(folder: Path, version: str, *, consolidated: bool = False) -> Path:
    """A c, z, y, x uint16 image (levels s0, s1, s2) by ome-zarr-py, no omero."""
    data = np.random.default_rng(1).integers(100, 1000, (2, 4, 64, 64), dtype=np.uint16)
    path = write_ome_zarr_py(folder, data, version, labels=False)
    if consolidated:
        zarr.consolidate_metadata(str(path))
    return path


def plate(folder: Path, version: str) -> Path:
    """A one-well plate (A/1) whose field 0 is an image, consolidated at the plate."""
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import write_image, write_plate_metadata, write_well_metadata

    fmt = FormatV04() if version == "0.4" else FormatV05()
    root = zarr.open_group(folder, mode="w", zarr_format=2 if version == "0.4" else 3)
    write_plate_metadata(root, ["A"], ["1"], ["A/1"], fmt=fmt)
    well = root.require_group("A").require_group("1")
    write_well_metadata(well, [{"path": "0"}], fmt=fmt)
    data = np.random.default_rng(2).integers(0, 500, (2, 2, 32, 32), dtype=np.uint16)
    write_image(data, well.require_group("0"), axes="czyx", fmt=fmt, scale_factors=[2])
    zarr.consolidate_metadata(str(folder))
    return folder


def read_back(path: Path) -> dict:
    """The image's metadata as ome-zarr-py reads it; also validated by ome-zarr-models."""
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Reader

    check_valid(path)
    nodes = list(Reader(parse_url(str(path)))())
    return nodes[0].metadata


def group_document(path: Path) -> Path:
    return path / "zarr.json" if (path / "zarr.json").exists() else path / ".zattrs"


def snapshot(path: Path) -> dict[str, bytes]:
    """Every metadata document's bytes under `path` (hidden undo and temp files too)."""
    return {
        str(p.relative_to(path)): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file() and (p.name.startswith(".") or p.name == "zarr.json")
    }
