"""The MUSTs of OME-NGFF 0.4 / 0.5 that no JSON schema expresses, on data other tools wrote.

ome-zarr-py 0.18 writes label images with their own number of levels and any pixel type, and
0.5 labels groups without "version"; tensorstore writes Zarr v3 arrays without (or with any)
`dimension_names`; zarr-python 3 writes whatever OME attributes it is given (axes out of
order, a translation before the scale). ngff-zarr refuses to write axes out of order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr
from ome_zarr.format import FormatV04, FormatV05
from ome_zarr.io import parse_url
from ome_zarr.writer import write_image, write_labels

from fileglancer_ext.formats.validate import validate_dataset

FORMATS = {"0.4": FormatV04, "0.5": FormatV05}
AXES = {
    "c": {"name": "c", "type": "channel"},
    "t": {"name": "t", "type": "time", "unit": "second"},
    "y": {"name": "y", "type": "space", "unit": "micrometer"},
    "x": {"name": "x", "type": "space", "unit": "micrometer"},
    "angle": {"name": "angle", "type": "angle"},
}


def messages(problems: list[Any]) -> list[str]:
    return [f"{p.location}: {p.message}" for p in problems]


def ome_zarr_image_with_labels(folder: Path, version: str, label_dtype: str) -> Path:
    """ome-zarr-py's writers: a 3-level image, labels written with its defaults (5 levels:
    `write_labels` ignores `scale_factors`)."""
    fmt = FORMATS[version]()
    path = folder / f"labelled-{version}.ome.zarr"
    root = zarr.group(
        store=parse_url(str(path), mode="w", fmt=fmt).store,
        zarr_format=3 if version == "0.5" else 2,
    )
    write_image(
        np.zeros((2, 64, 64), "uint16"), group=root, axes="cyx", fmt=fmt, scale_factors=[2, 4]
    )
    write_labels(np.zeros((64, 64), label_dtype), root, "cells", axes="yx", fmt=fmt)
    return path


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_ome_zarr_labels_with_other_levels_and_float_pixels_are_invalid(
    tmp_path: Path, version: str
):
    image = ome_zarr_image_with_labels(tmp_path, version, "float32")
    group, array = ("zarr.json", "zarr.json") if version == "0.5" else (".zattrs", ".zarray")
    prefix = "attributes/ome/" if version == "0.5" else ""
    key = "data_type" if version == "0.5" else "dtype"
    levels = (
        f"labels/cells/{group}#/{prefix}multiscales/0/datasets: the label image has 5 level(s) "
        "but its image has 3; they must have the same number"
    )
    pixels = f"labels/cells/s0/{array}#/{key}: a label image holds float32 pixels"
    report = validate_dataset(image)
    assert not report.valid
    found = messages(report.errors)
    assert len(found) == 2 and found[0] == levels and found[1].startswith(pixels), found
    # The label image on its own and the labels group find the same, relative to themselves.
    alone = messages(validate_dataset(image / "labels/cells").errors)
    assert sorted(alone) == sorted(m.removeprefix("labels/cells/") for m in found)
    through_group = messages(validate_dataset(image / "labels").errors)
    assert through_group == [m.removeprefix("labels/") for m in found]
    # The schemas alone (metadata_only) see none of it.
    assert validate_dataset(image, metadata_only=True).valid


@pytest.mark.parametrize("dtype", ["uint8", "int64"])
def test_integer_label_pixels_are_fine(tmp_path: Path, dtype: str):
    image = ome_zarr_image_with_labels(tmp_path, "0.5", dtype)
    problems = messages(validate_dataset(image / "labels/cells").errors)
    assert [p for p in problems if "pixels" in p] == []


def test_a_0_5_labels_group_without_version_is_a_warning_only(tmp_path: Path):
    image = ome_zarr_image_with_labels(tmp_path, "0.5", "uint8")
    assert (
        "version" not in json.loads((image / "labels/zarr.json").read_text())["attributes"]["ome"]
    )
    report = validate_dataset(image / "labels")
    [warning] = report.warnings
    assert warning.location == "zarr.json#/attributes/ome"
    assert 'declares no "version"' in warning.message
    # With the version added, the warning goes.
    doc = json.loads((image / "labels/zarr.json").read_text())
    doc["attributes"]["ome"]["version"] = "0.5"
    (image / "labels/zarr.json").write_text(json.dumps(doc))
    assert validate_dataset(image / "labels").warnings == []


def ts_level(path: Path, shape: list[int], dimension_names: list[str] | None) -> None:
    """A Zarr v3 array written by tensorstore (it writes no dimension_names unless told)."""
    import tensorstore as ts

    metadata: dict[str, Any] = {
        "shape": shape,
        "data_type": "uint16",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": shape}},
    }
    if dimension_names is not None:
        metadata["dimension_names"] = dimension_names
    spec = {
        "driver": "zarr3",
        "kvstore": {"driver": "file", "path": str(path)},
        "metadata": metadata,
        "create": True,
        "delete_existing": True,
    }
    array = ts.open(spec).result()
    array[...] = np.ones(shape, "uint16")


def multiscale(axes: list[str], levels: int, transforms: Any = None) -> dict[str, Any]:
    n = len(axes)
    return {
        "axes": [AXES[a] for a in axes],
        "datasets": [
            {
                "path": str(level),
                "coordinateTransformations": transforms(level)
                if transforms
                else [{"type": "scale", "scale": [1.0] * (n - 2) + [2.0**level] * 2}],
            }
            for level in range(levels)
        ],
    }


def zarr_python_group(path: Path, version: str, ms: dict[str, Any]) -> None:
    """An OME group written with zarr-python 3's attributes, as hand-made writers do."""
    group = zarr.open_group(str(path), mode="w", zarr_format=3 if version == "0.5" else 2)
    if version == "0.5":
        group.attrs["ome"] = {"version": "0.5", "multiscales": [ms]}
    else:
        group.attrs["multiscales"] = [{**ms, "version": "0.4"}]


def test_tensorstore_levels_without_or_with_other_dimension_names(tmp_path: Path):
    image = tmp_path / "ts.ome.zarr"
    zarr_python_group(image, "0.5", multiscale(["c", "y", "x"], 2))
    ts_level(image / "0", [2, 32, 32], None)
    ts_level(image / "1", [2, 16, 16], ["c", "row", "col"])
    found = messages(validate_dataset(image).errors)
    assert found == [
        "0/zarr.json#/dimension_names: dimension_names is missing; OME-NGFF 0.5 requires the "
        'axes\' names ["c", "y", "x"]',
        '1/zarr.json#/dimension_names: dimension_names ["c", "row", "col"] differ from the '
        'axes\' names ["c", "y", "x"]',
    ]
    # A null name (zarr-python writes one as given) is no name: it differs too.
    zarr.create_array(
        str(image / "1"),
        shape=(2, 16, 16),
        dtype="uint16",
        dimension_names=["c", None, "x"],
        overwrite=True,
    )
    assert json.loads((image / "1/zarr.json").read_text())["dimension_names"][1] is None
    assert len(validate_dataset(image).errors) == 2
    # Named as the axes, as ngff-zarr and ome-zarr-py write them, they are valid.
    for level, shape in (("0", [2, 32, 32]), ("1", [2, 16, 16])):
        ts_level(image / level, shape, ["c", "y", "x"])
    assert validate_dataset(image).valid


@pytest.mark.parametrize("version", ["0.4", "0.5"])
@pytest.mark.parametrize(
    ("axes", "expected"),
    [
        (["y", "x", "c"], "axis 'c' (channel) comes after 'x' (space)"),
        (["c", "t", "y", "x"], "axis 't' (time) comes after 'c' (channel)"),
        (["angle", "c", "y", "x"], "at most one channel or custom axis"),
    ],
)
def test_axes_out_of_order_written_by_zarr_python(
    tmp_path: Path, version: str, axes: list[str], expected: str
):
    image = tmp_path / "axes.ome.zarr"
    zarr_python_group(image, version, multiscale(axes, 1))
    zarr.create_array(
        str(image / "0"),
        shape=[2] * (len(axes) - 2) + [16, 16],
        dtype="uint8",
        zarr_format=3 if version == "0.5" else 2,
        **({"dimension_names": axes} if version == "0.5" else {}),
    )
    report = validate_dataset(image, metadata_only=True)
    [error] = report.errors
    assert expected in error.message
    assert error.pointer.startswith(("attributes/ome/multiscales/0/axes", "multiscales/0/axes"))
    assert error.source == "structure"


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_a_translation_before_the_scale_written_by_zarr_python(tmp_path: Path, version: str):
    def transforms(level: int) -> list[dict[str, Any]]:
        return [
            {"type": "translation", "translation": [0.0, 0.5 * level, 0.5 * level]},
            {"type": "scale", "scale": [1.0, 2.0**level, 2.0**level]},
        ]

    image = tmp_path / "shifted.ome.zarr"
    zarr_python_group(image, version, multiscale(["c", "y", "x"], 2, transforms))
    for level, side in ((0, 32), (1, 16)):
        zarr.create_array(
            str(image / str(level)),
            shape=[2, side, side],
            dtype="uint8",
            zarr_format=3 if version == "0.5" else 2,
            **({"dimension_names": ["c", "y", "x"]} if version == "0.5" else {}),
        )
    prefix = "zarr.json#/attributes/ome/" if version == "0.5" else ".zattrs#/"
    for metadata_only in (True, False):
        errors = validate_dataset(image, metadata_only=metadata_only).errors
        assert [e.location for e in errors] == [
            f"{prefix}multiscales/0/datasets/{n}/coordinateTransformations/0" for n in (0, 1)
        ]
        assert "listed before the scale" in errors[0].message


def test_a_0_5_label_image_of_another_version_is_inconsistent(tmp_path: Path):
    image = ome_zarr_image_with_labels(tmp_path, "0.5", "uint8")
    label = image / "labels/cells/zarr.json"
    doc = json.loads(label.read_text())
    doc["attributes"]["ome"]["version"] = "0.6"
    label.write_text(json.dumps(doc))
    found = messages(validate_dataset(image).errors)
    assert (
        "labels/cells/zarr.json#/attributes/ome/version: the label image declares version 0.6 "
        "but its image 0.5; the version must be consistent within a hierarchy"
    ) in found


def test_ngff_zarr_images_meet_the_new_rules(tmp_path: Path):
    """ngff-zarr 0.50 orders axes, names dimensions and lists the translation last."""
    import ngff_zarr as nz

    image = nz.to_ngff_image(
        np.zeros((64, 64, 3), "uint8"),
        dims=["y", "x", "c"],
        scale={"y": 0.5, "x": 0.5, "c": 1.0},
        translation={"y": 0.0, "x": 0.0, "c": 0.0},
    )
    for version in ("0.4", "0.5"):
        path = tmp_path / f"ngff-zarr-{version}.ome.zarr"
        nz.to_ngff_zarr(str(path), nz.to_multiscales(image, scale_factors=[2]), version=version)
        report = validate_dataset(path)
        assert report.valid and report.warnings == [], report.to_json()
