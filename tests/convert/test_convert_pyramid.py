"""Pyramid geometry and block downsampling."""

from __future__ import annotations

import numpy as np

from fileglancer_ext.convert.pyramid import downsample, plan_levels


def test_mean_rounds_integers_and_averages_partial_edge_blocks() -> None:
    block = np.array([[1, 2, 5], [3, 4, 6]], dtype=np.uint8)
    # 2.5 and 5.5 round half to even; the edge column [5, 6] is averaged on its own.
    np.testing.assert_array_equal(downsample(block, (2, 2), "mean"), [[2, 6]])
    floats = np.array([[1.0, 2.0], [3.0, 5.0]], dtype=np.float32)
    assert downsample(floats, (2, 2), "mean").dtype == np.float32
    assert downsample(floats, (2, 2), "mean")[0, 0] == np.float32(2.75)


def test_mode_keeps_the_majority_label_and_breaks_ties_by_position() -> None:
    labels = np.array([[5, 5, 1, 2], [5, 9, 2, 1]], dtype=np.uint32)
    np.testing.assert_array_equal(downsample(labels, (2, 2), "mode"), [[5, 1]])
    assert downsample(labels, (2, 2), "nearest").tolist() == [[5, 1]]


def test_odd_sizes_round_up_and_anisotropic_z_waits() -> None:
    levels = plan_levels("zyx", (9, 101, 101), (3.0, 1.0, 1.0), (8, 32, 32), None)
    assert [lv.shape for lv in levels] == [(9, 101, 101), (9, 51, 51), (5, 26, 26)]
    assert levels[-1].scale == (6.0, 4.0, 4.0)
    assert levels[1].factors == (1, 2, 2) and levels[2].factors == (2, 2, 2)


def test_channels_and_time_are_never_downsampled() -> None:
    levels = plan_levels("tcyx", (2, 3, 64, 64), (1.0, 1.0, 1.0, 1.0), (1, 1, 16, 16), None)
    assert [lv.shape[:2] for lv in levels] == [(2, 3)] * len(levels)
    assert levels[-1].shape[2:] == (16, 16)


def test_sizes_compare_in_one_unit_and_levels_move_to_their_blocks_centre() -> None:
    units = {"z": "micrometer", "y": "nanometer", "x": "nanometer"}
    mean = plan_levels("zyx", (16, 64, 64), (0.2, 100.0, 100.0), (8, 8, 8), 3, units=units)
    assert [lv.factors for lv in mean[1:]] == [(1, 2, 2), (2, 2, 2)]
    assert [lv.translation for lv in mean] == [(0, 0, 0), (0, 50, 50), (0.1, 150, 150)]
    # "nearest" keeps each block's first pixel, and so its place.
    nearest = plan_levels(
        "zyx", (16, 64, 64), (0.2, 100.0, 100.0), (8, 8, 8), 3, units=units, method="nearest"
    )
    assert [lv.translation for lv in nearest] == [(0, 0, 0)] * 3
