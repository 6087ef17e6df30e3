"""OME-NGFF validation: `validate_dataset` on real and broken datasets, and the CLI."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr
from ome_zarr.format import FormatV04, FormatV05
from ome_zarr.io import parse_url
from ome_zarr.writer import write_image, write_labels

from fileglancer_ext.cli import main
from fileglancer_ext.demo.data import write_demo_data
from fileglancer_ext.errors import BadRequest, NotFound
from fileglancer_ext.formats.validate import (
    MAX_CHECKED_WELLS,
    MAX_SCHEMA_ERRORS,
    ValidationReport,
    validate_dataset,
    validate_metadata,
)

FORMATS = {"0.4": FormatV04, "0.5": FormatV05}
NO_LABELS_VERSION = 'the labels group declares no "version"; OME-NGFF 0.5 groups carry it in "ome"'


def write_ome_image(folder: Path, version: str = "0.4", axes: str = "czyx") -> Path:
    """An OME-Zarr image written by ome-zarr's own writer: 5 levels, yx halved each time."""
    fmt = FORMATS[version]()
    path = folder / f"image-{version}.ome.zarr"
    store = parse_url(str(path), mode="w", fmt=fmt).store
    root = zarr.group(store=store, zarr_format=3 if version == "0.5" else 2)
    shape = {"czyx": (2, 3, 64, 64), "tczyx": (1, 2, 3, 64, 64)}[axes]
    write_image(np.zeros(shape, dtype="uint8"), group=root, axes=axes, fmt=fmt)
    return path


def write_old_image(folder: Path, version: str) -> Path:
    """A 0.1-0.3 image (ome-zarr no longer writes these): 0.4 arrays, older metadata."""
    path = write_ome_image(folder, "0.4", axes="tczyx")
    multiscale: dict[str, Any] = {
        "version": version,
        "datasets": [{"path": f"s{level}"} for level in range(5)],
    }
    if version == "0.3":
        multiscale["axes"] = list("tczyx")  # 0.1 and 0.2 have no axes: always 5D
    (path / ".zattrs").write_text(json.dumps({"multiscales": [multiscale]}))
    return path


def edit_json(path: Path, change: Any) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def attrs_file(image: Path) -> Path:
    return image / ".zattrs"


def ome_attrs(doc: dict[str, Any]) -> dict[str, Any]:
    """The OME object inside a metadata document, for either Zarr format."""
    return doc["attributes"]["ome"] if "attributes" in doc else doc


def group_file(image: Path) -> Path:
    return image / ("zarr.json" if (image / "zarr.json").exists() else ".zattrs")


def array_file(image: Path, level: str) -> Path:
    folder = image / level
    return folder / ("zarr.json" if (folder / "zarr.json").exists() else ".zarray")


def locations(problems: list[Any]) -> list[str]:
    return [problem.location for problem in problems]


# --- valid datasets ----------------------------------------------------------------------


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_images_written_by_ome_zarr_are_valid(tmp_path: Path, version: str):
    report = validate_dataset(write_ome_image(tmp_path, version))
    assert report.errors == [] and report.warnings == []
    assert report.valid
    assert (report.version, report.kind) == (version, "image")
    assert report.zarr_format == (3 if version == "0.5" else 2)


@pytest.mark.parametrize("version", ["0.1", "0.2", "0.3"])
def test_older_versions_are_validated_with_their_own_schemas(tmp_path: Path, version: str):
    report = validate_dataset(write_old_image(tmp_path, version))
    assert report.valid, report.errors
    assert (report.version, report.schema) == (version, "image")


def test_demo_data_images_are_valid(tmp_path: Path):
    write_demo_data(tmp_path, many_files=5)
    for name in ("ome-zarr-0.4/cells.ome.zarr", "ome-zarr-0.5/cells.ome.zarr"):
        report = validate_dataset(tmp_path / name)
        assert report.valid, (name, report.to_json())
        assert report.kind == "image"
    assert validate_dataset(tmp_path / "zarr-v2/volume.zarr").valid is False


def test_report_to_json_is_plain_json(tmp_path: Path):
    image = write_ome_image(tmp_path)
    shutil.rmtree(image / "s4")
    data = json.loads(json.dumps(validate_dataset(image).to_json()))
    assert data["valid"] is False and data["version"] == "0.4" and data["kind"] == "image"
    assert data["warnings"] == []
    [error] = data["errors"]
    assert error["location"] == ".zattrs#/multiscales/0/datasets/4/path"
    assert error["file"] == ".zattrs" and error["source"] == "structure"


# --- broken structure --------------------------------------------------------------------


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_a_missing_level_folder_is_named(tmp_path: Path, version: str):
    image = write_ome_image(tmp_path, version)
    shutil.rmtree(image / "s2")
    report = validate_dataset(image)
    assert not report.valid
    [error] = report.errors
    prefix = "zarr.json#/attributes/ome/" if version == "0.5" else ".zattrs#/"
    assert error.location == prefix + "multiscales/0/datasets/2/path"
    assert "'s2'" in error.message and "does not exist" in error.message
    # The check reads metadata only, so metadata_only skips it.
    assert validate_dataset(image, metadata_only=True).valid


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_a_level_with_the_wrong_number_of_dimensions(tmp_path: Path, version: str):
    image = write_ome_image(tmp_path, version)
    edit_json(array_file(image, "s1"), lambda doc: doc.update(shape=doc["shape"][1:]))
    report = validate_dataset(image)
    [error] = report.errors
    assert error.file == array_file(image, "s1").relative_to(image).as_posix()
    assert error.pointer == "shape"
    assert "3 dimensions" in error.message and "4 axes" in error.message


def test_a_scale_of_the_wrong_length(tmp_path: Path):
    image = write_ome_image(tmp_path)

    def drop_one(doc: dict[str, Any]) -> None:
        doc["multiscales"][0]["datasets"][1]["coordinateTransformations"][0]["scale"].pop()

    edit_json(attrs_file(image), drop_one)
    [error] = validate_dataset(image).errors
    assert error.location == ".zattrs#/multiscales/0/datasets/1/coordinateTransformations/0/scale"
    assert "3 values" in error.message and "4 axes" in error.message


def test_a_level_that_grows(tmp_path: Path):
    image = write_ome_image(tmp_path)
    edit_json(array_file(image, "s3"), lambda doc: doc.update(shape=[2, 3, 64, 64]))
    errors = validate_dataset(image).errors
    assert "s3/.zarray#/shape" in locations(errors)
    assert any("must not grow" in error.message for error in errors)


def test_a_level_that_does_not_shrink_is_a_warning(tmp_path: Path):
    image = write_ome_image(tmp_path)
    edit_json(array_file(image, "s1"), lambda doc: doc.update(shape=[2, 3, 64, 64]))
    report = validate_dataset(image)
    assert report.valid
    assert locations(report.warnings) == ["s1/.zarray#/shape"]


def test_omero_channels_that_do_not_match_the_c_axis_are_a_warning(tmp_path: Path):
    image = write_ome_image(tmp_path)
    channel = {"color": "FF0000", "window": {"start": 0, "end": 255, "min": 0, "max": 255}}
    omero = {"channels": [channel]}
    edit_json(attrs_file(image), lambda doc: doc.update(omero=omero))
    report = validate_dataset(image)
    assert report.valid
    [warning] = report.warnings
    assert warning.location == ".zattrs#/omero/channels"
    assert "1 channel" in warning.message and "2" in warning.message


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_labels_written_by_ome_zarr_are_valid(tmp_path: Path, version: str):
    image = write_ome_image(tmp_path, version)
    root = zarr.open_group(str(image), mode="r+")
    colors = {"colors": [{"label-value": 1, "rgba": [255, 0, 0, 255]}]}
    labels = np.zeros((3, 64, 64), dtype="uint8")
    write_labels(labels, root, "cells", axes="zyx", fmt=FORMATS[version](), label_metadata=colors)
    expected = {image: "image", image / "labels": "labels", image / "labels/cells": "label-image"}
    for path, kind in expected.items():
        report = validate_dataset(path)
        assert report.valid, (path, report.to_json())
        assert (report.kind, report.version) == (kind, version)
        # ome-zarr-py 0.18 writes a 0.5 labels group without "version": a warning, once.
        unversioned = version == "0.5" and kind != "label-image"
        assert [w.message for w in report.warnings] == ([NO_LABELS_VERSION] if unversioned else [])
    shutil.rmtree(image / "labels/cells")
    [error] = validate_dataset(image).errors
    assert error.location.endswith("labels/0") and "'cells'" in error.message


def test_a_listed_label_image_that_is_missing(tmp_path: Path):
    image = write_ome_image(tmp_path)
    labels = image / "labels"
    labels.mkdir()
    (labels / ".zgroup").write_text('{"zarr_format": 2}')
    (labels / ".zattrs").write_text('{"labels": ["cells"]}')
    [error] = validate_dataset(image).errors
    assert error.location == "labels/.zattrs#/labels/0"
    assert "'cells'" in error.message


def write_plate(folder: Path, wells: int) -> Path:
    plate = folder / "plate.zarr"
    plate.mkdir()
    (plate / ".zgroup").write_text('{"zarr_format": 2}')
    listed = [{"path": f"A/{n}", "rowIndex": 0, "columnIndex": n} for n in range(wells)]
    columns = [{"name": str(n)} for n in range(wells)]
    attrs = {"plate": {"version": "0.4", "rows": [{"name": "A"}], "columns": columns}}
    attrs["plate"]["wells"] = listed
    (plate / ".zattrs").write_text(json.dumps(attrs))
    return plate


def test_plate_wells_must_exist_and_only_the_first_hundred_are_checked(tmp_path: Path):
    plate = write_plate(tmp_path, wells=MAX_CHECKED_WELLS + 50)
    well = plate / "A" / "0"
    well.mkdir(parents=True)
    (well / ".zgroup").write_text('{"zarr_format": 2}')
    report = validate_dataset(plate)
    assert report.kind == "plate"
    assert len(report.errors) == MAX_CHECKED_WELLS - 1  # A/0 exists
    assert report.errors[0].location == ".zattrs#/plate/wells/1/path"
    [warning] = report.warnings
    assert f"first {MAX_CHECKED_WELLS} of {MAX_CHECKED_WELLS + 50}" in warning.message


def grid_plate(folder: Path, rows: int, columns: int, change: Any = None) -> Path:
    """A 0.4 plate of rows x columns wells (none of them on disk), after `change(plate)`."""
    row_names = [f"R{r}" for r in range(rows)]
    wells = [
        {"path": f"{row_names[r]}/{c}", "rowIndex": r, "columnIndex": c}
        for r in range(rows)
        for c in range(columns)
    ]
    plate = {
        "version": "0.4",
        "rows": [{"name": name} for name in row_names],
        "columns": [{"name": str(c)} for c in range(columns)],
        "wells": wells,
    }
    if change is not None:
        change(plate)
    folder.mkdir()
    (folder / ".zgroup").write_text('{"zarr_format": 2}')
    (folder / ".zattrs").write_text(json.dumps({"plate": plate}))
    return folder


def plant_layout_errors(plate: dict[str, Any]) -> None:
    """The mistakes the plate tests look for, planted at the end of the wells."""
    wells = plate["wells"]
    wells.append(dict(wells[3]))  # the same well twice
    wells[-2]["rowIndex"] = len(plate["rows"])  # a row the plate does not have
    wells[-3]["path"] = "Z9/0"  # a row name that is not in rows
    wells[-4]["columnIndex"] = 0  # an index that is not the column of the path
    wells[-5]["path"] = wells[0]["path"]  # another well at the same place


def test_plate_validation_time_grows_linearly_with_the_wells(tmp_path: Path):
    """A 5,000-well .zattrs took 45 s (jsonschema compares every pair of wells for
    uniqueItems); it must cost about ten times a 500-well one, not a hundred."""
    validate_dataset(grid_plate(tmp_path / "warm-up", 2, 2))  # loads the schemas
    small = grid_plate(tmp_path / "small", 20, 25, plant_layout_errors)
    big = grid_plate(tmp_path / "big", 50, 100, plant_layout_errors)

    def seconds(plate: Path, runs: int) -> float:
        best = float("inf")
        for _ in range(runs):
            # CPU time, not wall time: other processes on a busy CI machine do not count.
            started = time.process_time()
            report = validate_dataset(plate)
            best = min(best, time.process_time() - started)
        assert report.kind == "plate" and not report.valid
        return best

    assert seconds(big, 3) < 20 * seconds(small, 3)


def test_plate_layout_errors_are_found_among_thousands_of_wells(tmp_path: Path):
    plate = grid_plate(tmp_path / "plate.zarr", 50, 100, plant_layout_errors)
    report = validate_dataset(plate)
    found = [(p.source, p.location, p.message) for p in report.errors if "missing" not in p.message]
    assert found == [
        (
            "schema",
            ".zattrs#/plate/wells",
            "plate/wells must not contain duplicates (items 3 and 5000 are equal)",
        ),
        ("structure", ".zattrs#/plate/wells/4996/path", "well 'R0/0' is also wells/0"),
        (
            "structure",
            ".zattrs#/plate/wells/4996/rowIndex",
            "rowIndex 49 is row 'R49'; the path 'R0/0' is in 'R0'",
        ),
        (
            "structure",
            ".zattrs#/plate/wells/4996/columnIndex",
            "columnIndex 96 is column '96'; the path 'R0/0' is in '0'",
        ),
        (
            "structure",
            ".zattrs#/plate/wells/4997/columnIndex",
            "columnIndex 0 is column '0'; the path 'R49/97' is in '97'",
        ),
        (
            "structure",
            ".zattrs#/plate/wells/4998/path",
            "row 'Z9' of the path 'Z9/0' is not in rows",
        ),
        (
            "structure",
            ".zattrs#/plate/wells/4998/columnIndex",
            "columnIndex 98 is column '98'; the path 'Z9/0' is in '0'",
        ),
        (
            "structure",
            ".zattrs#/plate/wells/4999/rowIndex",
            "rowIndex 50 is not a row of the plate, which has 50",
        ),
    ]
    # The layout is a structural check: only the schema's error without them.
    assert [p.source for p in validate_dataset(plate, metadata_only=True).errors] == ["schema"]


@pytest.mark.parametrize(
    ("second", "duplicate"),
    [
        ({"x": 1.0, "name": "1"}, True),  # 1 == 1.0, and member order does not matter
        ({"name": "1", "x": True}, False),  # true is not 1
        ({"name": "1", "x": [1]}, False),
    ],
)
def test_unique_items_follows_json_schema_equality(second: dict[str, Any], duplicate: bool):
    columns = [{"name": "1", "x": 1}, second]
    plate = {"plate": {"version": "0.4", "rows": [{"name": "A"}], "columns": columns}}
    plate["plate"]["wells"] = [{"path": "A/1", "rowIndex": 0, "columnIndex": 0}]
    problems = validate_metadata(plate, "0.4", "plate")
    expected = ["plate/columns must not contain duplicates (items 0 and 1 are equal)"]
    assert [problem.message for problem in problems] == (expected if duplicate else [])


def test_a_plate_with_every_well_misplaced_reports_a_bounded_number_of_errors(
    tmp_path: Path,
):
    def shift_rows(plate: dict[str, Any]) -> None:
        for well in plate["wells"]:
            well["rowIndex"] = (well["rowIndex"] + 1) % len(plate["rows"])

    report = validate_dataset(grid_plate(tmp_path / "plate.zarr", 50, 100, shift_rows))
    layout = [p for p in report.errors if p.source == "structure" and "missing" not in p.message]
    assert len(layout) == MAX_SCHEMA_ERRORS + 1
    assert layout[0].message == "rowIndex 1 is row 'R1'; the path 'R0/0' is in 'R0'"
    assert layout[-1].location == ".zattrs#/plate/wells"
    assert layout[-1].message == f"... and {5000 - MAX_SCHEMA_ERRORS} more such errors"


# --- broken metadata ---------------------------------------------------------------------


def test_truncated_zattrs_is_an_error_not_an_exception(tmp_path: Path):
    image = write_ome_image(tmp_path)
    text = attrs_file(image).read_text()
    attrs_file(image).write_text(text[: len(text) // 2])
    report = validate_dataset(image)
    [error] = report.errors
    assert error.location == ".zattrs"
    assert "not valid JSON" in error.message


def test_axes_that_are_not_a_list_is_a_schema_error(tmp_path: Path):
    image = write_ome_image(tmp_path)
    edit_json(attrs_file(image), lambda doc: doc["multiscales"][0].update(axes="czyx"))
    report = validate_dataset(image)
    assert not report.valid
    error = next(e for e in report.errors if e.location == ".zattrs#/multiscales/0/axes")
    assert error.source == "schema"
    assert "must be an array, got string" in error.message


def test_every_schema_error_is_reported_with_its_path(tmp_path: Path):
    image = write_ome_image(tmp_path, "0.5")

    def break_two_things(doc: dict[str, Any]) -> None:
        doc["attributes"]["ome"]["multiscales"][0]["axes"][2]["name"] = 5
        del doc["attributes"]["ome"]["multiscales"][0]["datasets"][0]["path"]

    edit_json(image / "zarr.json", break_two_things)
    found = locations(validate_dataset(image, metadata_only=True).errors)
    assert "zarr.json#/attributes/ome/multiscales/0/axes/2" in found
    assert "zarr.json#/attributes/ome/multiscales/0/datasets/0" in found


def test_validate_metadata_returns_all_errors():
    attrs = {"multiscales": [{"version": "0.4", "axes": "xy", "datasets": "nope"}]}
    problems = validate_metadata(attrs, "0.4", "image")
    assert {p.pointer for p in problems} >= {"multiscales/0/axes", "multiscales/0/datasets"}
    assert all(p.file == ".zattrs" and p.source == "schema" for p in problems)


def test_a_plain_zarr_array_is_not_ome(tmp_path: Path):
    zarr.create_array(str(tmp_path / "a.zarr"), shape=(4, 4), dtype="uint8", zarr_format=2)
    report = validate_dataset(tmp_path / "a.zarr")
    assert not report.valid and report.kind is None
    [error] = report.errors
    assert error.location == ".zarray" and "plain Zarr array" in error.message


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "not a Zarr dataset"),
        ({".zgroup": '{"zarr_format": 2}'}, "without OME-NGFF metadata"),
        ({"zarr.json": '{"zarr_format": 3, "node_type": "group"}'}, "without OME-NGFF"),
        ({".zgroup": "{}", ".zattrs": '{"multiscales": [{}]}'}, "no OME-NGFF version"),
        ({".zgroup": "{}", ".zattrs": '{"multiscales": [{"version": "9.9"}]}'}, "'9.9'"),
        ({".zgroup": "{}", ".zattrs": "[1, 2]"}, "must be a JSON object"),
    ],
)
def test_folders_that_are_not_valid_ome_zarr(tmp_path: Path, files: dict[str, str], message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    report = validate_dataset(tmp_path)
    assert not report.valid
    assert any(message in error.message for error in report.errors), report.errors


def test_a_file_is_not_a_dataset_and_a_missing_path_raises(tmp_path: Path):
    (tmp_path / "x.tif").write_bytes(b"II*\x00")
    assert "not a folder" in validate_dataset(tmp_path / "x.tif").errors[0].message
    with pytest.raises(NotFound):
        validate_dataset(tmp_path / "missing")


def test_unknown_overrides_are_bad_requests(tmp_path: Path):
    image = write_ome_image(tmp_path)
    with pytest.raises(BadRequest):
        validate_dataset(image, schema="no_such_schema")
    with pytest.raises(BadRequest):
        validate_dataset(image, version="7.0")
    strict = validate_dataset(image, schema="strict_image", version="0.4")
    assert strict.schema == "strict_image"


def test_schemas_resolve_without_the_network(tmp_path: Path, monkeypatch):
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("tried to fetch a schema over the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    for version in ("0.4", "0.5"):
        for schema in ("strict_image", "strict_label", "strict_plate", "strict_well"):
            report = validate_dataset(
                write_ome_image(tmp_path / version / schema, version),
                schema=schema,
                version=version,
            )
            assert isinstance(report, ValidationReport)


# --- the CLI -------------------------------------------------------------------------------


def test_cli_valid_dataset_exits_0(tmp_path: Path, capsys):
    image = write_ome_image(tmp_path, "0.5")
    assert main(["validate", str(image)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "0.5" in out and "image" in out


def test_cli_invalid_dataset_exits_1_and_names_the_problem(tmp_path: Path, capsys):
    image = write_ome_image(tmp_path)
    shutil.rmtree(image / "s1")
    assert main(["validate", str(image)]) == 1
    out = capsys.readouterr().out
    assert "INVALID" in out
    assert ".zattrs#/multiscales/0/datasets/1/path" in out and "'s1'" in out
    assert main(["validate", "--metadata-only", str(image)]) == 0


def test_cli_json_output(tmp_path: Path, capsys):
    image = write_ome_image(tmp_path)
    shutil.rmtree(image / "s1")
    assert main(["validate", "--json", str(image)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is False and data["version"] == "0.4"
    assert [e["location"] for e in data["errors"]] == [".zattrs#/multiscales/0/datasets/1/path"]
    assert data["warnings"] == []


def test_cli_usage_errors_exit_2(tmp_path: Path, capsys):
    assert main(["validate", str(tmp_path / "missing")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["validate", "--schema", "bogus", str(tmp_path)]) == 2
    assert "bogus" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["validate"])
    assert exited.value.code == 2


def test_well_images_must_exist(tmp_path: Path):
    well = tmp_path / "well.zarr"
    (well / "0").mkdir(parents=True)
    (well / ".zgroup").write_text('{"zarr_format": 2}')
    (well / "0" / ".zgroup").write_text('{"zarr_format": 2}')
    images = [{"path": "0"}, {"path": "1"}]
    (well / ".zattrs").write_text(json.dumps({"well": {"version": "0.4", "images": images}}))
    report = validate_dataset(well)
    assert report.kind == "well"
    assert locations(report.errors) == [".zattrs#/well/images/1/path"]
    assert validate_dataset(well, metadata_only=True).valid
