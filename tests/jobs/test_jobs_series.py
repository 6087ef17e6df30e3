"""A folder of TIFF planes through the real server: listed as a file series, summarized by
the inspector, converted by a job with the pattern the form sends, refused before it starts
when a plane is missing."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fileglancer_ext.formats.validate import validate_dataset
from tests.convert.other_writers import levels
from tests.convert.test_convert_series import write_planes

from .conftest import api, api_status, job_body, submit, wait_for


def planes(lab: Path) -> np.ndarray:
    data = np.random.default_rng(2).integers(0, 4000, (2, 20, 24, 32), dtype=np.uint16)
    write_planes(lab / "planes", data, "cells_z{z:02d}_c{c}.tif")
    return data


async def test_a_folder_of_planes_is_listed_summarized_and_converted(jp_fetch, lab: Path):
    data = planes(lab)
    listed = await api(jp_fetch, "GET", "list", "lab", "")
    kinds = {entry["name"]: entry["kind"] for entry in listed["entries"]}
    assert kinds["planes"] == "tiff-series" and kinds["out"] == "directory"
    meta = await api(jp_fetch, "GET", "meta", "lab", "planes")
    assert meta["series"]["pattern"] == "cells_z{z}_c{c}.tif"
    assert meta["series"]["sizes"] == {"c": 2, "z": 20, "y": 24, "x": 32}
    assert meta["series"]["file_count"] == 40 and meta["problems"] == []

    job = await submit(
        jp_fetch,
        source="planes",
        destination="out/planes.ome.zarr",
        options={"pattern": "cells_z{z}_c{c}.tif", "ngff_version": "0.5"},
    )
    assert job["kind"] == "series-to-ome-zarr"
    done, _ = await wait_for(jp_fetch, job["id"])
    assert done["state"] == "done", done
    assert validate_dataset(lab / "out/planes.ome.zarr").valid
    np.testing.assert_array_equal(levels(lab / "out/planes.ome.zarr")[0], data)


async def test_a_gap_is_refused_before_the_job_starts_naming_the_file(jp_fetch, lab: Path):
    planes(lab)
    (lab / "planes/cells_z11_c0.tif").unlink()
    body = job_body(source="planes", destination="out/planes.ome.zarr")
    status, error = await api_status(jp_fetch, "POST", "jobs", body=body)
    assert status == 400, error
    assert "cells_z11_c0.tif is missing" in error["message"]
    assert str(lab) not in error["message"]
    assert (await api(jp_fetch, "GET", "jobs"))["jobs"] == []
