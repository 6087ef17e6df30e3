"""Datasets written by other tools (ome-zarr-py, ngff-zarr), and ome-zarr-models as an
independent check of what the conversions write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zarr

from fileglancer_ext.formats.validate import validate_dataset


def write_ome_zarr_py(path: Path, data: np.ndarray, version: str, *, labels: bool = True) -> Path:
    """A c, z, y, x image as ome-zarr-py writes it (levels s0, s1, s2 with translations),
    with a label image "cells" of as many levels under `labels/`."""
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import write_image, write_labels

    fmt = FormatV04() if version == "0.4" else FormatV05()
    group = zarr.open_group(path, mode="w", zarr_format=2 if version == "0.4" else 3)
    write_image(data, group, axes="czyx", fmt=fmt, scale_factors=[2, 4])
    if labels:
        cells = (data[0] > data[0].mean()).astype(np.uint8)
        # scaler=None: otherwise ome-zarr-py 0.18 ignores scale_factors and writes 5 levels.
        write_labels(
            cells, group, name="cells", axes="zyx", fmt=fmt, scale_factors=[2, 4], scaler=None
        )
    return path


def write_ngff_zarr(path: Path, data: np.ndarray, version: str) -> Path:
    """A z, y, x image as ngff-zarr writes it (levels at scale0/image, ...), offset in z."""
    ngff_zarr = pytest.importorskip("ngff_zarr")
    image = ngff_zarr.to_ngff_image(
        data,
        dims=["z", "y", "x"],
        scale={"z": 2.0, "y": 0.5, "x": 0.5},
        translation={"z": 10.0, "y": 0.0, "x": 0.0},
        axes_units={"z": "micrometer", "y": "micrometer", "x": "micrometer"},
    )
    multiscales = ngff_zarr.to_multiscales(image, scale_factors=[2])
    ngff_zarr.to_ngff_zarr(path, multiscales, version=version)
    return path


def ome_attrs(path: Path) -> dict:
    attrs = zarr.open_group(path, mode="r").attrs.asdict()
    return attrs.get("ome", attrs)


def datasets(path: Path) -> list[dict]:
    return ome_attrs(path)["multiscales"][0]["datasets"]


def transform(dataset: dict, kind: str) -> list[float] | None:
    found = [t[kind] for t in dataset["coordinateTransformations"] if t["type"] == kind]
    return found[0] if found else None


def levels(path: Path) -> list[np.ndarray]:
    return [zarr.open_array(path / d["path"], mode="r")[:] for d in datasets(path)]


def check_valid(path: Path) -> None:
    """Valid for the project's validator and for ome-zarr-models (which also checks that
    every label image has as many levels as its image)."""
    report = validate_dataset(path)
    assert report.valid, report.to_json()["errors"]
    group = zarr.open_group(path, mode="r")
    if group.metadata.zarr_format == 3:
        from ome_zarr_models.v05.image import Image
    else:
        from ome_zarr_models.v04.image import Image
    Image.from_zarr(group)
