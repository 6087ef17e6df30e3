"""A conversion job corrects a wrong pixel size of an OME-TIFF on the way (jobs API options)."""

from __future__ import annotations

from pathlib import Path

from tests.editing.helpers import read_back
from tests.jobs.conftest import (  # noqa: F401 - fixtures: a root with an OME-TIFF, a job store
    api,
    api_status,
    fileglancer_config,
    job_body,
    lab,
    store_url,
    wait_for,
)


async def test_a_job_overrides_the_pixel_sizes_and_units(jp_fetch, lab: Path):  # noqa: F811
    options = {
        "pixel_sizes": {"z": 2, "x": 0.25, "y": 0.25},
        "units": {"space": "micrometer"},
        "image_name": "cells",
    }
    job = await api(jp_fetch, "POST", "jobs", body=job_body(options=options))
    job, _ = await wait_for(jp_fetch, job["id"], timeout=60)
    assert job["state"] == "done", job
    read = read_back(lab / "out" / "cells.ome.zarr")
    assert read["coordinateTransformations"][0][0]["scale"][-3:] == [2, 0.25, 0.25]
    assert read["name"] == "cells"
    assert [a.get("unit") for a in read["axes"]][-3:] == ["micrometer"] * 3

    bad = job_body(destination="out/bad.ome.zarr", options={"units": {"space": "furlong"}})
    status, error = await api_status(jp_fetch, "POST", "jobs", body=bad)
    assert status == 400 and "furlong" in error["message"]
    # A z stack has no channel to label: said, not silently dropped.
    labels = job_body(destination="out/labels.ome.zarr", options={"channel_labels": ["DAPI"]})
    job = await api(jp_fetch, "POST", "jobs", body=labels)
    job, _ = await wait_for(jp_fetch, job["id"], timeout=60)
    assert job["state"] == "failed" and "no channel axis" in job["error"]["message"], job
