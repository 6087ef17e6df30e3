"""Kind detection on data written by the real libraries (zarr, ome-zarr, tifffile).

Every kind is checked on what its usual writer produces, and every kind of damage on a
hand-broken copy: detection must classify as well as it can and never raise.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr

from fileglancer_ext.demo import data as demo_data
from fileglancer_ext.formats import KINDS, MAX_METADATA_BYTES, KindInfo, detect_kind
from fileglancer_ext.formats import jsonio as jsonio_module
from tests.unprivileged import run_without_privileges

with warnings.catch_warnings():
    # ome_zarr.writer warns about its own deprecated Scaler default at import time.
    warnings.simplefilter("ignore", DeprecationWarning)
    from ome_zarr.format import FormatV04, FormatV05
    from ome_zarr.writer import (
        write_image,
        write_labels,
        write_plate_metadata,
        write_well_metadata,
    )


FORMATS = {"0.4": FormatV04(), "0.5": FormatV05()}


def kind_of(path: Path, *, confirm: bool = False) -> KindInfo:
    info = detect_kind(path, is_dir=path.is_dir(), confirm=confirm)
    assert info.kind in KINDS
    return info


def small_image() -> np.ndarray:
    return np.arange(32 * 32, dtype=np.uint16).reshape(32, 32)


# --- plain Zarr ---------------------------------------------------------------------------


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zarr_arrays_and_groups_from_zarr_python(tmp_path: Path, zarr_format: int):
    zarr.create_array(tmp_path / "a.zarr", shape=(4, 4), dtype="u1", zarr_format=zarr_format)
    group = zarr.create_group(tmp_path / "g.zarr", zarr_format=zarr_format)
    group.create_array("child", shape=(2,), dtype="f4")
    assert kind_of(tmp_path / "a.zarr") == KindInfo("zarr-array", zarr_format=zarr_format)
    assert kind_of(tmp_path / "g.zarr") == KindInfo("zarr-group", zarr_format=zarr_format)
    assert kind_of(tmp_path / "g.zarr" / "child") == KindInfo("zarr-array", zarr_format)


def test_a_v2_group_with_only_zattrs_is_a_group(tmp_path: Path):
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / ".zattrs").write_text('{"description": "no .zgroup"}')
    assert kind_of(tmp_path / "g") == KindInfo("zarr-group", zarr_format=2)


def test_a_v2_array_with_attributes_is_still_an_array(tmp_path: Path):
    zarr.create_array(
        tmp_path / "a", shape=(3,), dtype="i2", zarr_format=2, attributes={"multiscales": []}
    )
    assert kind_of(tmp_path / "a").kind == "zarr-array"


# --- OME-NGFF -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ome_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An image with labels, and a plate with one well, per OME-NGFF version, by ome-zarr."""
    base = tmp_path_factory.mktemp("ome")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ome-zarr's deprecation notes about its own API
        for version, fmt in FORMATS.items():
            image = zarr.open_group(
                base / version / "image.zarr", mode="w", zarr_format=fmt.zarr_format
            )
            write_image(small_image(), image, axes="yx", fmt=fmt, scale_factors=[2])
            write_labels(small_image() % 3, image, name="nuclei", axes="yx", fmt=fmt)
            plate = zarr.open_group(
                base / version / "plate.zarr", mode="w", zarr_format=fmt.zarr_format
            )
            write_plate_metadata(plate, ["A"], ["1"], ["A/1"], fmt=fmt)
            well = plate.require_group("A/1")
            write_well_metadata(well, ["0"], fmt=fmt)
            write_image(small_image(), well.require_group("0"), axes="yx", fmt=fmt)
    return base


@pytest.mark.parametrize(("version", "zarr_format"), [("0.4", 2), ("0.5", 3)])
def test_ome_zarr_image_plate_well_and_labels(ome_data: Path, version: str, zarr_format: int):
    base = ome_data / version
    expected = {
        "image.zarr": "ome-zarr",
        "image.zarr/labels": "ome-zarr-labels",
        "image.zarr/labels/nuclei": "ome-zarr",  # a label image is an image
        "plate.zarr": "ome-zarr-plate",
        "plate.zarr/A": "zarr-group",  # a row is a plain group
        "plate.zarr/A/1": "ome-zarr-well",
        "plate.zarr/A/1/0": "ome-zarr",
    }
    found = {rel: kind_of(base / rel) for rel in expected}
    assert {rel: info.kind for rel, info in found.items()} == expected
    assert {info.zarr_format for info in found.values()} == {zarr_format}
    for rel in ("image.zarr", "plate.zarr", "plate.zarr/A/1", "plate.zarr/A/1/0"):
        assert found[rel].ome_version == version, rel
    assert all(info.problem is None for info in found.values())


def test_pyramid_levels_of_an_ome_zarr_are_zarr_arrays(ome_data: Path):
    # Level paths are whatever multiscales names (s0, s1 in ome-zarr 0.18), never assumed.
    for version, zarr_format in (("0.4", 2), ("0.5", 3)):
        image = ome_data / version / "image.zarr"
        attrs = zarr.open_group(image, mode="r").attrs.asdict()
        multiscales = attrs["ome"]["multiscales"] if zarr_format == 3 else attrs["multiscales"]
        for dataset in multiscales[0]["datasets"]:
            assert kind_of(image / dataset["path"]) == KindInfo("zarr-array", zarr_format)


@pytest.mark.parametrize(("version", "zarr_format"), [("0.4", 2), ("0.5", 3)])
def test_bioformats2raw_layout(tmp_path: Path, version: str, zarr_format: int):
    fmt = FORMATS[version]
    root = zarr.open_group(tmp_path / "b2r.zarr", mode="w", zarr_format=zarr_format)
    layout = {"bioformats2raw.layout": 3}
    root.attrs.update(layout if zarr_format == 2 else {"ome": {"version": version, **layout}})
    ome = root.require_group("OME")
    ome.attrs.update({"series": ["0"]} if zarr_format == 2 else {"ome": {"series": ["0"]}})
    (tmp_path / "b2r.zarr" / "OME" / "METADATA.ome.xml").write_text("<OME/>")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_image(small_image(), root.require_group("0"), axes="yx", fmt=fmt)
    top = kind_of(tmp_path / "b2r.zarr")
    assert (top.kind, top.zarr_format) == ("bioformats2raw", zarr_format)
    assert top.ome_version == (None if zarr_format == 2 else version)
    assert kind_of(tmp_path / "b2r.zarr" / "OME").kind == "zarr-group"
    assert kind_of(tmp_path / "b2r.zarr" / "0").kind == "ome-zarr"


def test_a_bioformats2raw_plate_is_a_plate(tmp_path: Path):
    # The spec: a bioformats2raw root that also has "plate" is read as a plate.
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / ".zattrs").write_text(
        json.dumps({"bioformats2raw.layout": 3, "plate": {"version": "0.4", "wells": []}})
    )
    assert kind_of(tmp_path / "p") == KindInfo("ome-zarr-plate", zarr_format=2, ome_version="0.4")


@pytest.mark.parametrize(
    ("attrs", "version"),
    [
        ({"multiscales": [{"version": "0.1", "datasets": [{"path": "0"}]}]}, "0.1"),
        ({"multiscales": [{"datasets": [{"path": "0"}]}], "version": "0.3"}, "0.3"),
        ({"multiscales": [{"version": 0.2}]}, "0.2"),
        ({"multiscales": "not a list"}, None),
    ],
)
def test_early_ome_ngff_versions_are_read_from_multiscales(tmp_path: Path, attrs, version):
    (tmp_path / ".zattrs").write_text(json.dumps(attrs))
    assert kind_of(tmp_path) == KindInfo("ome-zarr", zarr_format=2, ome_version=version)


def test_a_group_with_a_labels_key_that_is_not_a_list_is_plain(tmp_path: Path):
    (tmp_path / ".zattrs").write_text(json.dumps({"labels": "nuclei"}))
    assert kind_of(tmp_path).kind == "zarr-group"


# --- N5 -----------------------------------------------------------------------------------
# zarr 3.1 has no N5 support (zarr.n5 was removed in zarr 3), so these attributes.json
# files are written as the N5 specification defines them.


def write_n5_attributes(directory: Path, attributes: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "attributes.json").write_text(json.dumps(attributes))
    return directory


def test_n5_container_group_and_dataset(tmp_path: Path):
    root = write_n5_attributes(tmp_path / "c.n5", {"n5": "4.0.0"})
    group = write_n5_attributes(root / "setup0", {"downsamplingFactors": [[1, 1, 1]]})
    array = write_n5_attributes(
        group / "s0",
        {
            "dimensions": [64, 64, 8],
            "blockSize": [32, 32, 8],
            "dataType": "uint16",
            "compression": {"type": "gzip", "level": -1},
        },
    )
    assert kind_of(root) == KindInfo("n5-group")
    assert kind_of(group) == KindInfo("n5-group")
    assert kind_of(array) == KindInfo("n5-array")


# --- damaged metadata ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (".zarray", "garbage", KindInfo("zarr-array", 2, None, "malformed .zarray: Expecting")),
        (".zattrs", "", KindInfo("zarr-group", 2, None, "malformed .zattrs: Expecting value")),
        (".zattrs", "[1, 2]", KindInfo("zarr-group", 2, None, "malformed .zattrs: not a JSON")),
        ("zarr.json", '{"node_type": "array",,}', KindInfo("zarr-array", 3, None, "malformed")),
        ("zarr.json", '{"node_type": "gro', KindInfo("zarr-group", 3, None, "malformed")),
        ("zarr.json", '{"zarr_format": 3}', KindInfo("zarr-group", 3, None, "zarr.json has no")),
        (
            "zarr.json",
            '{"node_type": "x"}',
            KindInfo("zarr-group", 3, None, "zarr.json has an unknown"),
        ),
        ("attributes.json", "{", KindInfo("n5-group", None, None, "malformed attributes.json")),
        (".zattrs", "[" * 100_000, KindInfo("zarr-group", 2, None, "malformed .zattrs")),
        (".zattrs", b"\xff\xfe\xfa", KindInfo("zarr-group", 2, None, "malformed .zattrs")),
    ],
)
def test_malformed_metadata_is_classified_with_a_problem(tmp_path: Path, name, content, expected):
    target = tmp_path / name
    target.write_bytes(content if isinstance(content, bytes) else content.encode())
    info = kind_of(tmp_path)
    assert (info.kind, info.zarr_format) == (expected.kind, expected.zarr_format)
    assert info.problem is not None and info.problem.startswith(expected.problem)


def test_the_exact_json_error_is_in_the_problem(tmp_path: Path):
    (tmp_path / ".zattrs").write_text("")
    problem = "malformed .zattrs: Expecting value: line 1 column 1 (char 0)"
    assert kind_of(tmp_path).problem == problem


@pytest.mark.parametrize(("name", "kind"), [(".zattrs", "zarr-group"), (".zarray", "zarr-array")])
def test_metadata_over_the_limit_is_not_parsed(tmp_path: Path, name: str, kind: str):
    padding = "x" * (MAX_METADATA_BYTES + 1)
    (tmp_path / name).write_text(json.dumps({"multiscales": [{"version": "0.4"}], "pad": padding}))
    info = kind_of(tmp_path)
    assert (info.kind, info.zarr_format) == (kind, 2)
    assert info.problem.startswith(f"{name} is too large (")
    assert info.problem.endswith("bytes, over the 4 MiB limit)")


def test_metadata_just_under_the_limit_is_parsed(tmp_path: Path):
    doc = json.dumps({"multiscales": [{"version": "0.4"}], "pad": ""})
    padding = "x" * (MAX_METADATA_BYTES - len(doc))
    (tmp_path / ".zattrs").write_text(doc.replace('""', f'"{padding}"'))
    assert (tmp_path / ".zattrs").stat().st_size == MAX_METADATA_BYTES
    assert kind_of(tmp_path) == KindInfo("ome-zarr", zarr_format=2, ome_version="0.4")


def test_unreadable_metadata_is_a_problem_not_an_error(tmp_path: Path, monkeypatch):
    (tmp_path / ".zarray").write_text("{}")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # Shadow the reader inside the module only: works the same when the tests run as root.
    monkeypatch.setattr(jsonio_module, "read_bounded", refuse)
    info = kind_of(tmp_path)
    assert info == KindInfo("zarr-array", 2, None, "cannot read .zarray: permission denied")


def test_unreadable_metadata_and_folders_for_an_ordinary_user(shared_tmp: Path):
    (shared_tmp / "a").mkdir()
    (shared_tmp / "a" / ".zattrs").write_text("{}")
    (shared_tmp / "a" / ".zattrs").chmod(0)
    (shared_tmp / "locked").mkdir(mode=0)

    def kinds() -> list[dict]:
        return [
            kind_of(shared_tmp / "a").to_json(),
            kind_of(shared_tmp / "locked").to_json(),
            kind_of(shared_tmp / "locked", confirm=True).to_json(),
        ]

    a, locked, confirmed = run_without_privileges(kinds)["result"]
    assert a["problem"] == "cannot read .zattrs: permission denied"
    assert KindInfo(**locked) == KindInfo("directory")
    assert confirmed["problem"] == "cannot read this folder: permission denied"


def test_a_folder_named_like_metadata_is_ignored(tmp_path: Path):
    (tmp_path / "zarr.json").mkdir()
    assert kind_of(tmp_path) == KindInfo("directory")


# --- TIFF ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiffs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("tiff")
    stack = np.zeros((3, 64, 64), dtype=np.uint8)
    tifffile.imwrite(base / "stack.tif", stack, photometric="minisblack", metadata=None)
    tifffile.imwrite(base / "UPPER.TIFF", stack, photometric="minisblack")
    tifffile.imwrite(base / "big.btf", stack, bigtiff=True, photometric="minisblack")
    tifffile.imwrite(base / "big.tf8", stack, bigtiff=True, byteorder=">", photometric="minisblack")
    tifffile.imwrite(base / "cells.ome.tif", stack, ome=True, photometric="minisblack")
    tifffile.imwrite(base / "cells.OME.TIFF", stack, ome=True, photometric="minisblack")
    tifffile.imwrite(base / "secret-ome.tif", stack, ome=True, photometric="minisblack")
    # tifffile writes OME-XML for any *.ome.tif name unless told not to.
    tifffile.imwrite(base / "not-ome.ome.tif", stack, photometric="minisblack", ome=False)
    (base / "notes.tif").write_text("these are my notes, not an image\n")
    (base / "empty.tiff").write_bytes(b"")
    whole = (base / "stack.tif").read_bytes()
    (base / "cut-in-header.tif").write_bytes(whole[:4])
    (base / "cut-in-ifd.tif").write_bytes(whole[:12])
    (base / "cut-in-pixels.tif").write_bytes(whole[:1000])
    (base / "readme.txt").write_text("hello")
    (base / "zarr.json").write_text("{}")
    return base


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("stack.tif", "tiff"),
        ("UPPER.TIFF", "tiff"),
        ("big.btf", "tiff"),
        ("big.tf8", "tiff"),
        ("cells.ome.tif", "ome-tiff"),
        ("cells.OME.TIFF", "ome-tiff"),
        ("secret-ome.tif", "tiff"),  # only the content says it is OME
        ("notes.tif", "tiff"),  # the name is all a listing looks at
        ("readme.txt", "file"),
        ("zarr.json", "file"),
    ],
)
def test_files_are_classified_by_suffix_without_reading(tiffs: Path, name: str, kind: str):
    assert detect_kind(tiffs / name, is_dir=False) == KindInfo(kind)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("stack.tif", KindInfo("tiff")),
        ("UPPER.TIFF", KindInfo("tiff")),
        ("big.btf", KindInfo("tiff")),
        ("big.tf8", KindInfo("tiff")),
        ("cells.ome.tif", KindInfo("ome-tiff")),
        ("cells.OME.TIFF", KindInfo("ome-tiff")),
        ("secret-ome.tif", KindInfo("ome-tiff")),
        ("not-ome.ome.tif", KindInfo("tiff", problem="named .ome.tif but has no OME-XML metadata")),
        ("notes.tif", KindInfo("file", problem="named .tif but not a TIFF file")),
        ("empty.tiff", KindInfo("file", problem="named .tiff but not a TIFF file")),
        ("readme.txt", KindInfo("file")),
    ],
)
def test_confirm_reads_the_header_of_the_selected_file(tiffs: Path, name: str, expected):
    assert detect_kind(tiffs / name, is_dir=False, confirm=True) == expected


@pytest.mark.parametrize("name", ["cut-in-header.tif", "cut-in-ifd.tif", "cut-in-pixels.tif"])
def test_a_truncated_tiff_is_a_problem_not_an_error(tiffs: Path, name: str):
    info = detect_kind(tiffs / name, is_dir=False, confirm=True)
    assert info.kind == "tiff"
    assert info.problem is not None and info.problem.startswith("damaged TIFF file")


def test_a_tiff_that_vanished_is_a_problem_not_an_error(tmp_path: Path):
    info = detect_kind(tmp_path / "gone.tif", is_dir=False, confirm=True)
    assert info.kind == "tiff" and info.problem.startswith("cannot read this file")


# --- plain entries, the JSON form, and the demo data --------------------------------------


def test_plain_folders_and_files(tmp_path: Path):
    (tmp_path / "folder" / "sub").mkdir(parents=True)
    (tmp_path / "folder" / "notes.md").write_text("# hi")
    assert kind_of(tmp_path / "folder") == KindInfo("directory")
    assert kind_of(tmp_path / "folder", confirm=True) == KindInfo("directory")
    assert kind_of(tmp_path / "folder" / "notes.md") == KindInfo("file")


def test_to_json_has_every_field():
    info = KindInfo("ome-zarr", zarr_format=3, ome_version="0.5")
    assert info.to_json() == {
        "kind": "ome-zarr",
        "zarr_format": 3,
        "ome_version": "0.5",
        "problem": None,
    }
    assert json.loads(json.dumps(KindInfo("file", problem="x").to_json()))["problem"] == "x"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    destination = tmp_path_factory.mktemp("demo")
    demo_data.write_demo_data(destination, many_files=5)
    return destination


EXPECTED_DEMO_DETAILS = {
    demo_data.OME_ZARR_V04.name: (2, "0.4"),
    demo_data.OME_ZARR_V05.name: (3, "0.5"),
    demo_data.ZARR_V2_ARRAY.name: (2, None),
    demo_data.ZARR_V3_SHARDED.name: (3, None),
}


@pytest.mark.parametrize("dataset", demo_data.DEMO_DATASETS, ids=lambda d: d.name)
def test_every_demo_dataset_is_detected_as_its_kind(demo: Path, dataset: demo_data.DemoDataset):
    path = demo / dataset.name
    expected_kind = dataset.kind
    for confirm in (False, True):
        info = kind_of(path, confirm=confirm)
        assert (info.kind, info.problem) == (expected_kind, None)
        if dataset.name in EXPECTED_DEMO_DETAILS:
            assert (info.zarr_format, info.ome_version) == EXPECTED_DEMO_DETAILS[dataset.name]


def test_nothing_in_the_demo_data_makes_detection_fail(demo: Path):
    for directory, dirnames, filenames in os.walk(demo):
        for name in dirnames:
            assert kind_of(Path(directory, name), confirm=True).problem is None
        for name in filenames:
            assert kind_of(Path(directory, name), confirm=True).problem is None
