"""Health warnings: valid datasets that are slow or unviewable, each with a suggested fix."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr

from fileglancer_ext.cli import main
from fileglancer_ext.demo.data import DEMO_DATASETS, OME_ZARR_V04, write_demo_data
from fileglancer_ext.formats.health import dataset_health
from fileglancer_ext.formats.summary import summarize
from fileglancer_ext.inspection.service import describe_dataset


def codes(path: Path) -> dict[str, dict]:
    return {entry["code"]: entry for entry in dataset_health(summarize(path))}


def ome_image(path: Path, shape, chunks, *, levels=1, units=True, omero=True, fmt=2):
    """A small OME-Zarr written with zarr (metadata only: no chunk is written)."""
    group = zarr.open_group(path, mode="w", zarr_format=fmt)
    axes = [{"name": "c", "type": "channel"}] + [
        {"name": n, "type": "space", **({"unit": "micrometer"} if units else {})} for n in "yx"
    ]
    datasets = []
    for level in range(levels):
        factor = 2**level
        level_shape = (shape[0], shape[1] // factor, shape[2] // factor)
        group.create_array(str(level), shape=level_shape, chunks=chunks, dtype="uint16")
        scale = [1.0, 0.5 * factor, 0.5 * factor]
        datasets.append(
            {"path": str(level), "coordinateTransformations": [{"type": "scale", "scale": scale}]}
        )
    ms = {"version": "0.4", "axes": axes, "datasets": datasets}
    attrs = {"multiscales": [ms]}
    if omero:
        attrs["omero"] = {
            "channels": [{"label": f"ch{i}", "color": "FF0000"} for i in range(shape[0])]
        }
    group.attrs.update(attrs if fmt == 2 else {"ome": {"version": "0.5", **attrs}})
    return path


def test_large_image_with_one_level_suggests_building_a_pyramid(tmp_path):
    found = codes(ome_image(tmp_path / "a.zarr", (1, 8192, 8192), (1, 512, 512)))
    warning = found["single-resolution"]
    assert warning["severity"] == "warning"
    assert warning["fix"] == {"kind": "extract-level", "options": {"level": 0, "levels": 5}}


def test_pyramid_is_not_single_resolution(tmp_path):
    found = codes(ome_image(tmp_path / "a.zarr", (1, 8192, 8192), (1, 512, 512), levels=5))
    assert "single-resolution" not in found


def test_huge_chunks_suggest_recompressing_with_smaller_chunks(tmp_path):
    found = codes(ome_image(tmp_path / "a.zarr", (1, 8192, 8192), (1, 8192, 8192), levels=5))
    assert found["chunks-too-large"]["fix"] == {
        "kind": "recompress",
        "options": {"chunks": [512, 512]},
    }


def test_tiny_chunks_are_slow(tmp_path):
    found = codes(ome_image(tmp_path / "a.zarr", (1, 1024, 1024), (1, 32, 32)))
    assert found["chunks-too-small"]["fix"]["kind"] == "recompress"


def test_a_small_array_in_one_small_chunk_is_fine(tmp_path):
    assert "chunks-too-small" not in codes(ome_image(tmp_path / "a.zarr", (1, 16, 16), (1, 16, 16)))


def test_too_many_chunk_files_in_one_folder_is_computed_not_listed(tmp_path):
    path = tmp_path / "flat.zarr"
    zarr.create_array(path, shape=(400_000, 4), chunks=(1, 4), dtype="uint8", zarr_format=2)
    warning = codes(path)["too-many-files-in-folder"]
    assert "400,000" in warning["message"]
    assert warning["fix"] == {"kind": "recompress", "options": {"ngff_version": "0.5"}}


def test_nested_v3_chunks_are_not_one_folder(tmp_path):
    path = tmp_path / "nested.zarr"
    zarr.create_array(path, shape=(400_000, 4), chunks=(1, 4), dtype="uint8", zarr_format=3)
    assert "too-many-files-in-folder" not in codes(path)


def test_missing_units_and_unnamed_channels(tmp_path):
    found = codes(
        ome_image(tmp_path / "a.zarr", (2, 64, 64), (1, 64, 64), units=False, omero=False)
    )
    assert "y, x" in found["missing-units"]["message"]
    # An edit of the metadata cures these: the fix says which (the inspector's editor).
    assert found["missing-units"]["fix"] == {"action": "edit", "field": "axes"}
    assert found["unnamed-channels"]["severity"] == "warning"
    assert found["unnamed-channels"]["fix"] == {"action": "edit", "field": "channels"}
    assert found["channels-without-windows"]["fix"] == {"action": "auto_contrast"}


def test_zarr_v2_gets_an_info_hint_towards_ngff_05(tmp_path):
    v2 = codes(ome_image(tmp_path / "v2.zarr", (1, 64, 64), (1, 64, 64)))
    assert v2["zarr-v2"]["severity"] == "info"
    assert v2["zarr-v2"]["fix"] == {"kind": "recompress", "options": {"ngff_version": "0.5"}}
    assert "zarr-v2" not in codes(ome_image(tmp_path / "v3.zarr", (1, 64, 64), (1, 64, 64), fmt=3))


def test_plain_tiff_suggests_ome_zarr_and_lacks_pixel_sizes(tmp_path):
    path = tmp_path / "plain.tif"
    tifffile.imwrite(path, np.zeros((3000, 64), np.uint8), metadata=None)
    found = codes(path)
    assert found["plain-tiff"]["severity"] == "info"
    assert found["plain-tiff"]["fix"] == {"kind": "tiff-to-ome-zarr", "options": {"levels": None}}
    assert found["single-resolution"]["fix"]["kind"] == "tiff-to-ome-zarr"
    assert found["missing-pixel-sizes"]["severity"] == "warning"


def test_entries_have_the_documented_shape(tmp_path):
    for entry in codes(
        ome_image(tmp_path / "a.zarr", (2, 4096, 64), (1, 16, 16), units=False)
    ).values():
        assert set(entry) == {"code", "severity", "message", "fix"}
        assert entry["severity"] in ("warning", "info")
        fix = entry["fix"]
        assert fix is None or set(fix) in ({"kind", "options"}, {"action"}, {"action", "field"})


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo")
    write_demo_data(path, many_files=0)
    return path


@pytest.mark.parametrize(
    "dataset", [d for d in DEMO_DATASETS if d.kind != "tiff"], ids=lambda d: d.name
)
def test_well_formed_demo_data_has_no_serious_warning(demo, dataset):
    health = describe_dataset(demo / dataset.name)["health"]
    assert [h for h in health if h["severity"] == "warning"] == []


def test_validate_lists_health_without_changing_its_exit_status(demo, capsys):
    path = demo / OME_ZARR_V04.name
    assert main(["validate", "--json", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [h["code"] for h in report["health"]] == ["zarr-v2"]
    assert main(["validate", str(path)]) == 0
    assert "health info: zarr-v2" in capsys.readouterr().out
