"""summarize() on OME-NGFF 0.1-0.5 written by ome-zarr-py, zarr-python and ome-types."""

from __future__ import annotations

import json
import shutil
import warnings
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import zarr

from fileglancer_ext.demo.data import write_demo_data
from fileglancer_ext.formats.summary import summarize

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import (
        write_image,
        write_label_metadata,
        write_labels,
        write_plate_metadata,
        write_well_metadata,
    )

# Attribute contents from the OME-NGFF 0.4 spec examples (ngff-conformance 0.4/examples),
# inlined so that the tests do not depend on a checkout next to this one.
TRANSFORMATIONS_EXAMPLE = {
    "multiscales": [
        {
            "axes": [
                {"name": "y", "type": "space", "unit": "micrometer"},
                {"name": "x", "type": "space", "unit": "micrometer"},
            ],
            "datasets": [
                {"path": "0", "coordinateTransformations": [{"scale": [1, 1], "type": "scale"}]}
            ],
            "coordinateTransformations": [{"scale": [10, 10], "type": "scale"}],
            "version": "0.4",
            "name": "image_with_coordinateTransformations",
            "type": "foo",
            "metadata": {"key": "value"},
        }
    ]
}
LABEL_COLORS_EXAMPLE = [
    {"label-value": 1, "rgba": [255, 255, 255, 255]},
    {"label-value": 4, "rgba": [0, 255, 255, 128]},
]
BF2RAW_EXAMPLE = {"bioformats2raw.layout": 3}
OME_SERIES_EXAMPLE = {"series": ["0", "1"]}


def _write(tmp_path: Path, version: str, *, omero: dict | None = None) -> Path:
    fmt = FormatV04() if version == "0.4" else FormatV05()
    path = tmp_path / f"img-{version}.ome.zarr"
    group = zarr.open_group(path, mode="w", zarr_format=fmt.zarr_format)
    image = np.zeros((4, 2, 8, 64, 64), dtype=np.uint8)
    extra = {"omero": omero} if omero else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_image(
            image,
            group,
            scale_factors=[2],
            fmt=fmt,
            axes="tczyx",
            scale={"t": 30.0, "c": 1.0, "z": 3.0, "y": 0.25, "x": 0.25},
            axes_units={"t": "second", "z": "micrometer", "y": "micrometer", "x": "micrometer"},
            name="img",
            storage_options={"chunks": (1, 1, 8, 32, 32)},
            **extra,
        )
    return path


OMERO = {
    "channels": [
        {
            "label": "A",
            "color": "FF00FF",
            "active": False,
            "window": {"start": 1, "end": 9, "min": 0, "max": 255},
            "emissionWavelength": 520,
        },
        {"label": "B", "color": "00FFFF", "window": {"start": 0, "end": 5, "min": 0, "max": 255}},
    ],
    "rdefs": {"defaultZ": 3, "defaultT": 1, "model": "greyscale"},
}


@pytest.mark.parametrize(("version", "zarr_format"), [("0.4", 2), ("0.5", 3)])
def test_ome_zarr_py_writer(tmp_path: Path, version: str, zarr_format: int) -> None:
    summary = summarize(_write(tmp_path, version, omero=OMERO))
    assert summary["kind"] == "ome-zarr"
    assert summary["zarr_format"] == zarr_format and summary["ome_version"] == version
    assert summary["problems"] == []
    (ms,) = summary["ome"]["multiscales"]
    assert ms["name"] == "img" and ms["axes_inferred"] is False
    assert [(a["name"], a["type"], a["unit"]) for a in ms["axes"]] == [
        ("t", "time", "second"),
        ("c", "channel", None),
        ("z", "space", "micrometer"),
        ("y", "space", "micrometer"),
        ("x", "space", "micrometer"),
    ]
    assert [d["path"] for d in ms["datasets"]] == ["s0", "s1"]
    s0, s1 = ms["datasets"]
    assert s0["shape"] == [4, 2, 8, 64, 64] and s1["shape"] == [4, 2, 8, 32, 32]
    assert s0["chunks"] == [1, 1, 8, 32, 32] and s0["dtype"] == "uint8"
    # Each level carries its own encoding, so the inspector can show the image's codecs.
    assert s0["codecs"] and all("name" in codec for codec in s0["codecs"])
    assert s0["chunks_expected"] == 4 * 2 * 1 * 2 * 2
    assert s0["logical_bytes"] == 4 * 2 * 8 * 64 * 64
    assert s0["pixel_size"] == {
        "z": {"value": 3.0, "unit": "micrometer"},
        "y": {"value": 0.25, "unit": "micrometer"},
        "x": {"value": 0.25, "unit": "micrometer"},
    }
    assert s1["pixel_size"]["x"] == {"value": 0.5, "unit": "micrometer"}
    assert s1["pixel_size"]["z"]["value"] == 3.0
    assert ms["time_spacing"] == {"value": 30.0, "unit": "second"}
    omero = summary["ome"]["omero"]
    assert [c["label"] for c in omero["channels"]] == ["A", "B"]
    assert [c["color"] for c in omero["channels"]] == ["FF00FF", "00FFFF"]
    assert omero["channels"][0]["active"] is False
    assert omero["channels"][0]["window"] == {"start": 1, "end": 9, "min": 0, "max": 255}
    assert omero["channels"][0]["emissionWavelength"] == 520
    assert omero["rdefs"] == {"defaultZ": 3, "defaultT": 1, "model": "greyscale"}
    assert [m["name"] for m in summary["group"]["members"]] == ["s0", "s1"]
    meta_file = "zarr.json" if zarr_format == 3 else ".zattrs"
    assert meta_file in summary["raw"]
    level_file = "s1/zarr.json" if zarr_format == 3 else "s1/.zarray"
    assert summary["raw"][level_file]["shape"] == [4, 2, 8, 32, 32]


def test_demo_data(tmp_path: Path) -> None:
    write_demo_data(tmp_path, many_files=5)
    for name, fmt in (("ome-zarr-0.4", 2), ("ome-zarr-0.5", 3)):
        summary = summarize(tmp_path / name / "cells.ome.zarr")
        assert summary["kind"] == "ome-zarr" and summary["zarr_format"] == fmt
        assert summary["problems"] == []
        omero = summary["ome"]["omero"]
        assert [c["label"] for c in omero["channels"]] == ["DAPI", "GFP", "mCherry"]
        assert [c["color"] for c in omero["channels"]] == ["0000FF", "00FF00", "FF0000"]
        (ms,) = summary["ome"]["multiscales"]
        assert [d["path"] for d in ms["datasets"]] == ["s0", "s1", "s2"]
        for level, dataset in enumerate(ms["datasets"]):
            size = dataset["pixel_size"]
            assert size["z"] == {"value": 2.0, "unit": "micrometer"}
            assert size["y"] == {"value": 0.5 * 2**level, "unit": "micrometer"}
            assert size["x"] == {"value": 0.5 * 2**level, "unit": "micrometer"}
            assert dataset["shape"] == [3, 16, 256 // 2**level, 256 // 2**level]


def _levels(group: zarr.Group, paths: list[str], shape: tuple[int, ...]) -> None:
    for index, path in enumerate(paths):
        level = tuple(s // 2**index if i >= len(shape) - 2 else s for i, s in enumerate(shape))
        group.create_array(path, shape=level, dtype="uint16")


@pytest.mark.parametrize("version", ["0.1", "0.2"])
def test_hand_built_01_02_infers_tczyx(tmp_path: Path, version: str) -> None:
    group = zarr.open_group(tmp_path / "old.zarr", mode="w", zarr_format=2)
    # Declared order is not alphabetical: never assume "0, 1, 2".
    _levels(group, ["full", "half", "quarter"], (1, 2, 3, 16, 16))
    group.attrs["multiscales"] = [
        {
            "version": version,
            "name": "example",
            "datasets": [{"path": "full"}, {"path": "half"}, {"path": "quarter"}],
            "type": "gaussian",
            "metadata": {"method": "skimage.transform.pyramid_gaussian"},
        }
    ]
    summary = summarize(tmp_path / "old.zarr")
    assert summary["ome_version"] == version and summary["problems"] == []
    (ms,) = summary["ome"]["multiscales"]
    assert ms["axes_inferred"] is True
    assert [a["name"] for a in ms["axes"]] == list("tczyx")
    assert [a["type"] for a in ms["axes"]] == ["time", "channel", "space", "space", "space"]
    assert [d["path"] for d in ms["datasets"]] == ["full", "half", "quarter"]
    assert [d["shape"][-1] for d in ms["datasets"]] == [16, 8, 4]
    assert ms["type"] == "gaussian" and ms["metadata"]["method"].startswith("skimage")
    assert ms["datasets"][0]["pixel_size"] == {}  # no transforms before 0.4


def test_hand_built_03_axes_as_strings(tmp_path: Path) -> None:
    group = zarr.open_group(tmp_path / "v03.zarr", mode="w", zarr_format=2)
    _levels(group, ["0", "1"], (5, 32, 32))
    group.attrs["multiscales"] = [
        {"version": "0.3", "axes": ["z", "y", "x"], "datasets": [{"path": "0"}, {"path": "1"}]}
    ]
    summary = summarize(tmp_path / "v03.zarr")
    (ms,) = summary["ome"]["multiscales"]
    assert ms["axes_inferred"] is False
    assert ms["axes"] == [{"name": n, "type": "space", "unit": None} for n in "zyx"]
    assert ms["datasets"][1]["shape"] == [5, 16, 16]


def test_global_transformations_combine_with_levels(tmp_path: Path) -> None:
    group = zarr.open_group(tmp_path / "t.zarr", mode="w", zarr_format=2)
    group.create_array("0", shape=(4, 4), dtype="u1")
    example = json.loads(json.dumps(TRANSFORMATIONS_EXAMPLE))  # a deep copy
    example["multiscales"][0]["datasets"][0]["coordinateTransformations"].append(
        {"type": "translation", "translation": [1.0, 2.0]}
    )
    group.attrs.update(example)
    summary = summarize(tmp_path / "t.zarr")
    (level,) = summary["ome"]["multiscales"][0]["datasets"]
    assert level["scale"] == [1, 1]
    assert level["world_scale"] == [10, 10]
    assert level["world_translation"] == [10.0, 20.0]
    assert level["pixel_size"]["y"] == {"value": 10, "unit": "micrometer"}
    assert summary["ome"]["multiscales"][0]["type"] == "foo"


def test_labels(tmp_path: Path) -> None:
    path = _write(tmp_path, "0.4")
    group = zarr.open_group(path, mode="r+")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_labels(
            np.zeros((4, 2, 8, 64, 64), dtype=np.uint8),
            group,
            name="cells",
            scale_factors=[2],
            axes="tczyx",
            fmt=FormatV04(),
            label_metadata={
                "colors": [{"label-value": 1, "rgba": [255, 0, 0, 255]}],
                "properties": [{"label-value": 1, "class": "nucleus"}],
                "source": {"image": "../../"},
            },
        )
    summary = summarize(path)
    (label,) = summary["ome"]["labels"]
    assert label["name"] == "cells"
    assert label["colors"] == [{"label-value": 1, "rgba": [255, 0, 0, 255]}]
    assert label["properties"] == [{"label-value": 1, "class": "nucleus"}]
    assert label["source"] == {"image": "../../"}
    labels_summary = summarize(path / "labels")
    assert labels_summary["kind"] == "ome-zarr-labels"
    assert [x["name"] for x in labels_summary["ome"]["labels"]] == ["cells"]
    one = summarize(path / "labels" / "cells")
    assert one["ome"]["image_label"]["colors"][0]["label-value"] == 1
    assert one["ome"]["multiscales"][0]["datasets"][0]["shape"] == [4, 2, 8, 64, 64]


def test_label_metadata_from_the_spec_example(tmp_path: Path) -> None:
    group = zarr.open_group(tmp_path / "img.zarr", mode="w", zarr_format=2)
    labels_group = group.create_group("labels")
    labels_group.create_group("seg")
    write_label_metadata(labels_group, "seg", colors=LABEL_COLORS_EXAMPLE, fmt=FormatV04())
    group["labels"].attrs["labels"] = ["seg", "missing"]
    summary = summarize(tmp_path / "img.zarr" / "labels")
    seg, missing = summary["ome"]["labels"]
    assert seg["colors"] == LABEL_COLORS_EXAMPLE
    assert missing["name"] == "missing" and missing["colors"] is None
    assert [p["file"] for p in summary["problems"]] == ["missing"]


def test_plate_and_well(tmp_path: Path) -> None:
    root = zarr.open_group(tmp_path / "plate.zarr", mode="w", zarr_format=2)
    write_plate_metadata(
        root,
        rows=["A", "B"],
        columns=["1", "2", "3"],
        wells=["A/1", "B/3"],
        acquisitions=[{"id": 0, "name": "first"}],
        field_count=2,
        name="my plate",
        fmt=FormatV04(),
    )
    well = root.create_group("A").create_group("1")
    write_well_metadata(well, [{"path": "0", "acquisition": 0}, "1"], fmt=FormatV04())
    plate = summarize(tmp_path / "plate.zarr")
    assert plate["kind"] == "ome-zarr-plate" and plate["ome_version"] == "0.4"
    p = plate["ome"]["plate"]
    assert p["rows"] == ["A", "B"] and p["columns"] == ["1", "2", "3"]
    assert p["wells"] == [
        {"path": "A/1", "rowIndex": 0, "columnIndex": 0},
        {"path": "B/3", "rowIndex": 1, "columnIndex": 2},
    ]
    assert p["wells_total"] == 2 and p["field_count"] == 2 and p["name"] == "my plate"
    assert p["acquisitions"] == [{"id": 0, "name": "first"}]
    w = summarize(tmp_path / "plate.zarr" / "A" / "1")
    assert w["kind"] == "ome-zarr-well"
    assert w["ome"]["well"]["images"] == [
        {"path": "0", "acquisition": 0},
        {"path": "1", "acquisition": None},
    ]


def _ome_xml() -> str:
    from ome_types.model import (
        OME,
        Channel,
        Image,
        Instrument,
        Objective,
        ObjectiveSettings,
        Pixels,
    )

    objective = Objective(id="Objective:0:0", model="Plan-Apo 63x", nominal_magnification=63.0)
    objective.lens_na = 1.4
    pixels = Pixels(
        id="Pixels:0",
        dimension_order="XYZCT",
        type="uint16",
        size_x=64,
        size_y=32,
        size_z=1,
        size_c=2,
        size_t=1,
        physical_size_x=0.1,
        physical_size_y=0.1,
        channels=[
            Channel(id="Channel:0:0", name="DAPI", emission_wavelength=461.0),
            Channel(
                id="Channel:0:1",
                name="GFP",
                emission_wavelength=510.0,
                excitation_wavelength=488.0,
            ),
        ],
    )
    image = Image(
        id="Image:0",
        name="series 0",
        acquisition_date=datetime(2024, 5, 1, 12, 30),
        pixels=pixels,
        objective_settings=ObjectiveSettings(id="Objective:0:0"),
    )
    ome = OME(images=[image], instruments=[Instrument(id="Instrument:0", objectives=[objective])])
    return ome.to_xml()


def test_bioformats2raw_layout(tmp_path: Path) -> None:
    root_path = tmp_path / "bf.zarr"
    root = zarr.open_group(root_path, mode="w", zarr_format=2)
    root.attrs.update(BF2RAW_EXAMPLE)
    ome = root.create_group("OME")
    ome.attrs.update(OME_SERIES_EXAMPLE)
    (root_path / "OME" / "METADATA.ome.xml").write_text(_ome_xml())
    for series in ("0", "1"):
        _write(tmp_path, "0.4")
        shutil.move(tmp_path / "img-0.4.ome.zarr", root_path / series)
    summary = summarize(root_path)
    assert summary["kind"] == "bioformats2raw"
    bf = summary["ome"]["bioformats2raw"]
    assert bf["layout"] == 3
    assert bf["series"] == ["0", "1"] and bf["series_source"] == "OME/series"
    (image,) = bf["ome_xml"]["images"]
    assert image["name"] == "series 0"
    assert image["acquisition_date"].startswith("2024-05-01T12:30")
    assert [c["name"] for c in image["channels"]] == ["DAPI", "GFP"]
    assert image["channels"][1]["emission_wavelength"] == {"value": 510.0, "unit": "nm"}
    assert image["channels"][1]["excitation_wavelength"] == {"value": 488.0, "unit": "nm"}
    assert image["objective"]["model"] == "Plan-Apo 63x"
    assert image["objective"]["nominal_magnification"] == 63.0
    assert image["objective"]["lens_na"] == 1.4
    assert image["physical_size"]["x"] == {"value": 0.1, "unit": "µm"}
    assert image["size"] == {"X": 64, "Y": 32, "Z": 1, "C": 2, "T": 1}
    assert [m["name"] for m in summary["group"]["members"]] == ["0", "1", "OME"]
    # Without the OME group's list, numeric subgroups are the series.
    (root_path / "OME" / ".zattrs").write_text("{}")
    bf = summarize(root_path)["ome"]["bioformats2raw"]
    assert bf["series"] == ["0", "1"] and bf["series_source"] == "numeric subgroups"
    # A broken OME-XML is a problem, not an exception.
    (root_path / "OME" / "METADATA.ome.xml").write_text("<OME><broken")
    summary = summarize(root_path)
    assert summary["ome"]["bioformats2raw"]["ome_xml"] is None
    assert [p["file"] for p in summary["problems"]] == ["OME/METADATA.ome.xml"]


def test_missing_level_is_a_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, "0.4", omero=OMERO)
    shutil.rmtree(path / "s1")
    summary = summarize(path)
    assert [p["file"] for p in summary["problems"]] == ["s1"]
    assert "s1" in summary["problems"][0]["message"]
    s0, s1 = summary["ome"]["multiscales"][0]["datasets"]
    assert s1["path"] == "s1" and s1["shape"] is None
    assert s1["pixel_size"]["x"]["value"] == 0.5  # from the metadata, still known
    assert s0["shape"] == [4, 2, 8, 64, 64]
    assert len(summary["ome"]["omero"]["channels"]) == 2


def test_metadata_paths_never_leave_the_dataset(tmp_path: Path) -> None:
    outside = zarr.open_group(tmp_path / "secret", mode="w", zarr_format=2)
    outside.create_array("arr", shape=(2,), dtype="u1")
    group = zarr.open_group(tmp_path / "img.zarr", mode="w", zarr_format=2)
    (tmp_path / "img.zarr" / "link").symlink_to(tmp_path / "secret" / "arr")
    group.attrs["multiscales"] = [
        {
            "version": "0.4",
            "axes": [{"name": "x", "type": "space"}],
            "datasets": [{"path": "../secret/arr"}, {"path": "/etc"}, {"path": "link"}],
        }
    ]
    summary = summarize(tmp_path / "img.zarr")
    levels = summary["ome"]["multiscales"][0]["datasets"]
    assert [d["shape"] for d in levels] == [None, None, None]
    assert len(summary["problems"]) == 3
    assert not any(name.startswith(("..", "/", "link")) for name in summary["raw"])
