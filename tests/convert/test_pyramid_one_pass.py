"""A pyramid made in one pass over level 0 (every level from each region in memory)
holds the same pixels, bit for bit, as one made level by level (each level read back from
the one before), for every downsampling method, odd sizes, 2D to 5D, Zarr v2 and sharded v3;
and what a conversion writes that way reads back in ome-zarr-py and validates."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr

from fileglancer_ext.convert import ConversionOptions, convert_tiff_to_ome_zarr
from fileglancer_ext.convert.ome_zarr_out import create_level_arrays
from fileglancer_ext.convert.plan import (
    ConversionPlan,
    InProcessExecutor,
    ZarrArrayRef,
    execute_plan,
    pyramid_stages,
    region_tasks,
)
from fileglancer_ext.convert.progress import ProgressTracker
from fileglancer_ext.convert.pyramid import plan_levels

from .other_writers import check_valid

CASES = {
    # axes, shape, chunks, pixel sizes
    "2d": ("yx", (97, 131), (16, 32), (1.0, 1.0)),
    "3d-anisotropic": ("zyx", (9, 75, 61), (4, 16, 8), (4.0, 1.0, 1.0)),
    "5d": ("tczyx", (2, 3, 7, 41, 53), (1, 1, 4, 8, 16), (1.0, 1.0, 1.0, 1.0, 1.0)),
}


def _source(path: Path, shape: tuple[int, ...], method: str) -> ZarrArrayRef:
    rng = np.random.default_rng(len(shape))
    if method == "mode":  # labels: few values, large patches
        data = (rng.integers(0, 4, shape) * (rng.random(shape) > 0.3)).astype(np.uint16)
    else:
        data = rng.integers(0, 65535, shape, dtype=np.uint16)
    zarr.create_array(path, data=data, chunks=shape)
    return ZarrArrayRef(str(path))


def _pyramid(root: Path, case: str, method: str, version: str, one_pass: bool) -> list:
    axes, shape, chunks, scale = CASES[case]
    source = _source(root.parent / f"{root.name}-source.zarr", shape, method)
    shards = tuple(2 * c for c in chunks) if version == "0.5" else None
    options = ConversionOptions(ngff_version=version, downsampling=method)
    levels = plan_levels(axes, shape, scale, chunks, None, method=method)
    assert len(levels) >= 3
    targets = create_level_arrays(root, axes, levels, np.dtype("uint16"), chunks, shards, options)
    unit = shards or chunks
    plan = ConversionPlan(2)
    if one_pass:
        # A budget that makes several tasks, each making more than one level.
        plan.stages = pyramid_stages(
            source,
            targets,
            [lv.shape for lv in levels],
            [lv.factors for lv in levels],
            unit,
            method,
            2,
            max(16384, 2 * int(np.prod(shape)) // 4),
        )
        assert any(task.cascade for _, tasks in plan.stages for task in tasks)
        assert any(len(tasks) > 1 for _, tasks in plan.stages)
    else:
        previous = source
        for index, (level, target) in enumerate(zip(levels, targets, strict=True)):
            tasks = region_tasks(previous, target, level.shape, unit, level.factors, method, 2, 1)
            plan.stages.append((f"level {index}", tasks))
            previous = target
    tracker = ProgressTracker(None, None, plan.bytes_total)
    execute_plan(plan, InProcessExecutor(), tracker)
    assert tracker.bytes_done == plan.bytes_total
    return [zarr.open_array(t.path, mode="r")[...] for t in targets]


@pytest.mark.parametrize("version", ["0.4", "0.5"], ids=["v2", "v3-sharded"])
@pytest.mark.parametrize("method", ["mean", "mode", "nearest"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_one_pass_equals_level_by_level(tmp_path: Path, case: str, method: str, version: str):
    one_pass = _pyramid(tmp_path / "one-pass", case, method, version, one_pass=True)
    by_level = _pyramid(tmp_path / "by-level", case, method, version, one_pass=False)
    assert [a.shape for a in one_pass] == [a.shape for a in by_level]
    for made, expected in zip(one_pass, by_level, strict=True):
        np.testing.assert_array_equal(made, expected)


def test_a_small_budget_splits_the_pyramid_into_passes(tmp_path: Path) -> None:
    """Where a block covering every level's chunks would pass the budget, a pass stops and
    the next reads back the last level it wrote."""
    shapes = [(64, 1024, 1024), (64, 512, 512), (64, 256, 256), (64, 128, 128)]
    factors = [(1, 1, 1)] + [(1, 2, 2)] * 3
    targets = [ZarrArrayRef(str(tmp_path / str(n))) for n in range(4)]

    def passes(budget: int) -> list[tuple[str, int]]:
        stages = pyramid_stages(
            "source", targets, shapes, factors, (64, 256, 256), "mean", 2, budget
        )
        return [(name, len(tasks)) for name, tasks in stages]

    assert passes(128 << 20) == [("levels 0-3", 1)]
    assert passes(32 << 20) == [("levels 0-1", 4), ("levels 2-3", 1)]
    assert passes(8 << 20) == [("level 0", 16), ("level 1", 4), ("level 2", 1), ("level 3", 1)]


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_a_one_pass_conversion_reads_back_in_ome_zarr_py_and_validates(
    tmp_path: Path, version: str
) -> None:
    data = np.random.default_rng(5).integers(0, 4000, (2, 21, 150, 130), dtype=np.uint16)
    source = tmp_path / "in.ome.tif"
    sizes = {"PhysicalSizeZ": 4.0, "PhysicalSizeY": 1.0, "PhysicalSizeX": 1.0}  # z waits
    tifffile.imwrite(source, data, ome=True, metadata={"axes": "CZYX", **sizes})
    out = tmp_path / f"out-{version}.ome.zarr"
    shards = (8, 64, 64) if version == "0.5" else None
    options = ConversionOptions(ngff_version=version, chunks=(8, 32, 32), shards=shards)
    result = convert_tiff_to_ome_zarr(source, out, options)
    assert len(result.level_shapes) >= 3
    check_valid(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ome_zarr.io import parse_url
        from ome_zarr.reader import Reader

    image = list(Reader(parse_url(str(out)))())[0]
    levels = [np.asarray(level) for level in image.data]
    np.testing.assert_array_equal(levels[0], data)
    assert [lv.shape for lv in levels] == [tuple(s) for s in result.level_shapes]
    # Level 1 holds the 2x2 block means of level 0 (rounded), as made level by level.
    expected = data[:, :, 0::2, 0::2].astype(np.float32)
    for dy, dx in ((0, 1), (1, 0), (1, 1)):
        expected += data[:, :, dy::2, dx::2]
    np.testing.assert_array_equal(levels[1], np.rint(expected / 4).astype(np.uint16))


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_chunks_that_hold_only_the_fill_value_are_left_out(tmp_path: Path, version: str) -> None:
    """Zarr's scan for empty chunks is skipped only where every chunk's first pixel differs
    from the fill value; a block with empty chunks still leaves them out, in v2 and v3."""
    data = np.random.default_rng(9).integers(1, 255, (64, 64), dtype=np.uint8)
    data[:32, 32:] = 0  # one empty 32 x 32 chunk
    data[32:, :32] = 0
    data[33, 1] = 7  # a chunk whose first pixel is fill, but which is not empty
    source = tmp_path / "in.tif"
    tifffile.imwrite(source, data, photometric="minisblack", metadata=None)
    out = tmp_path / "out.ome.zarr"
    options = ConversionOptions(ngff_version=version, chunks=(32, 32), levels=1)
    convert_tiff_to_ome_zarr(source, out, options)
    level = zarr.open_array(out / "0", mode="r")
    np.testing.assert_array_equal(level[...], data)
    assert level.nchunks_initialized == 3  # of 4: the empty one is not stored
