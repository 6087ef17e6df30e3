"""Memory stays bounded by the task size, not the input size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import tifffile

MiB = 1 << 20
PLANES, HEIGHT, WIDTH = 160, 1024, 1024  # 320 MiB of uint16

CHILD = """
import json, resource, sys
from fileglancer_ext.convert import ConversionOptions, convert_tiff_to_ome_zarr
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
options = ConversionOptions(chunks=(32, 128, 128), codec="blosc-lz4", task_bytes=16 << 20)
result = convert_tiff_to_ome_zarr(sys.argv[1], sys.argv[2], options)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"baseline_kib": baseline, "peak_kib": peak, "levels": result.level_shapes}))
"""


def _write_big_tiff(path: Path) -> None:
    ramp = np.arange(WIDTH, dtype=np.uint16)[None, :] + np.arange(HEIGHT, dtype=np.uint16)[:, None]

    def planes():
        for z in range(PLANES):
            yield ramp + np.uint16(z)

    with tifffile.TiffWriter(path) as tif:
        tif.write(
            planes(), shape=(PLANES, HEIGHT, WIDTH), dtype=np.uint16, photometric="minisblack"
        )


def test_peak_memory_is_far_below_the_input_size(tmp_path: Path) -> None:
    source = tmp_path / "big.tif"
    _write_big_tiff(source)
    input_bytes = PLANES * HEIGHT * WIDTH * 2
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(source), str(tmp_path / "big.ome.zarr")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    grown = (report["peak_kib"] - report["baseline_kib"]) * 1024
    print(f"peak RSS grew {grown / MiB:.0f} MiB")
    assert report["levels"][0] == [PLANES, HEIGHT, WIDTH]
    # The tasks hold 16 MiB of pixels each; allow codec buffers and the zarr machinery.
    assert grown < input_bytes / 3, f"grew {grown / MiB:.0f} MiB for {input_bytes / MiB:.0f} MiB"
