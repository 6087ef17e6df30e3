"""The conversion jobs API through the real server: submit, poll, list, cancel, refuse."""

from __future__ import annotations

import asyncio
import getpass
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr

from fileglancer_ext.errors import FileglancerError
from fileglancer_ext.formats.validate import validate_dataset
from fileglancer_ext.jobs.submission import parse_submission
from fileglancer_ext.roots import RootRegistry, load_roots
from tests.unprivileged import run_without_privileges

from .conftest import api, api_status, job_body, sample_image, submit, wait_for


async def test_a_tiff_becomes_a_valid_ome_zarr_and_the_job_says_so(jp_fetch, lab: Path):
    queued = await submit(jp_fetch)
    assert queued["state"] == "queued" and queued["kind"] == "tiff-to-ome-zarr"
    assert queued["progress"] == 0 and queued["owner"] == getpass.getuser()
    assert queued["source"] == {"root": "lab", "path": "cells.ome.tif"}
    assert queued["destination"] == {"root": "lab", "path": "out/cells.ome.zarr"}
    assert queued["engine"] == "local" and queued["error"] is None
    assert queued["created"].endswith("Z") and queued["finished"] is None

    done, seen = await wait_for(jp_fetch, queued["id"])
    assert done["state"] == "done", done["error"]
    assert done["progress"] == 1 and done["stage"] == "done" and done["eta_seconds"] is None
    assert done["bytes_done"] == done["bytes_total"] > 0
    assert done["started"] and done["finished"]
    fractions = [job["progress"] for job in seen]
    assert fractions == sorted(fractions)
    assert done["result"]["kind"] == "ome-zarr" and "destination" not in done["result"]

    output = lab / "out" / "cells.ome.zarr"
    assert validate_dataset(output).valid
    np.testing.assert_array_equal(zarr.open_group(output, mode="r")["0"][:], sample_image())
    assert [p.name for p in (lab / "out").iterdir()] == ["cells.ome.zarr"]

    listed = await api(jp_fetch, "GET", "jobs")
    assert [job["id"] for job in listed["jobs"]] == [done["id"]]
    assert listed["jobs"][0]["state"] == "done"


async def test_jobs_are_listed_newest_first_and_bounded(jp_fetch):
    first = await submit(jp_fetch, destination="out/a.ome.zarr")
    second = await submit(jp_fetch, destination="out/b.ome.zarr")
    listed = await api(jp_fetch, "GET", "jobs")
    assert [job["id"] for job in listed["jobs"]] == [second["id"], first["id"]]
    assert len((await api(jp_fetch, "GET", "jobs", limit="1"))["jobs"]) == 1
    for job in (first, second):
        assert (await wait_for(jp_fetch, job["id"]))[0]["state"] == "done"


async def test_options_shape_the_output(jp_fetch, lab: Path):
    job = await submit(
        jp_fetch,
        destination="out/v3.ome.zarr",
        options={"ngff_version": "0.5", "chunks": [2, 32, 32], "levels": 2, "codec": "zstd"},
    )
    done, _ = await wait_for(jp_fetch, job["id"])
    assert done["state"] == "done", done["error"]
    assert done["options"]["chunks"] == [2, 32, 32]
    level0 = zarr.open_group(lab / "out" / "v3.ome.zarr", mode="r")["0"]
    assert level0.metadata.zarr_format == 3 and level0.chunks == (2, 32, 32)
    assert done["result"]["level_shapes"] == [[4, 96, 80], [4, 48, 40]]


async def test_an_ome_zarr_becomes_an_ome_tiff_when_the_name_says_so(jp_fetch, lab: Path):
    job = await submit(jp_fetch, destination="out/cells.ome.zarr")
    assert (await wait_for(jp_fetch, job["id"]))[0]["state"] == "done"
    back = await submit(jp_fetch, source="out/cells.ome.zarr", destination="out/back.ome.tif")
    assert back["kind"] == "zarr-to-tiff"
    done, _ = await wait_for(jp_fetch, back["id"])
    assert done["state"] == "done", done["error"]
    with tifffile.TiffFile(lab / "out" / "back.ome.tif") as tif:
        assert tif.is_ome
        np.testing.assert_array_equal(tif.asarray(), sample_image())


async def test_a_zarr_is_recompressed_to_zarr_v3(jp_fetch, lab: Path):
    job = await submit(jp_fetch, destination="out/v2.ome.zarr")
    assert (await wait_for(jp_fetch, job["id"]))[0]["state"] == "done"
    again = await submit(
        jp_fetch,
        source="out/v2.ome.zarr",
        destination="out/v3.ome.zarr",
        options={"ngff_version": "0.5", "codec": "zstd"},
    )
    assert again["kind"] == "recompress"
    done, _ = await wait_for(jp_fetch, again["id"])
    assert done["state"] == "done", done["error"]
    assert validate_dataset(lab / "out" / "v3.ome.zarr").version == "0.5"
    np.testing.assert_array_equal(
        zarr.open_group(lab / "out" / "v3.ome.zarr", mode="r")["0"][:], sample_image()
    )


async def test_a_text_file_named_tif_fails_with_the_librarys_message(jp_fetch, lab: Path):
    job = await submit(jp_fetch, source="notes.tif", destination="out/notes.ome.zarr")
    failed, _ = await wait_for(jp_fetch, job["id"])
    assert failed["state"] == "failed"
    assert failed["error"]["code"] == "conversion_failed"
    assert "notes.tif is not a readable TIFF file" in failed["error"]["message"]
    assert str(lab) not in failed["error"]["message"]
    assert list((lab / "out").iterdir()) == []


@pytest.fixture
def big_tiff(lab: Path) -> str:
    """A stack big enough, cut in 1 MiB tasks, to be cancelled while it runs."""
    data = np.random.default_rng(2).integers(0, 65535, (48, 512, 512), dtype=np.uint16)
    tifffile.imwrite(lab / "big.tif", data)
    return "big.tif"


async def test_cancelling_a_running_job_leaves_nothing_behind(jp_fetch, lab: Path, big_tiff: str):
    job = await submit(
        jp_fetch,
        source=big_tiff,
        destination="out/big.ome.zarr",
        options={"chunks": [8, 64, 64], "task_bytes": 1 << 20},
    )
    await wait_for(jp_fetch, job["id"], states=("running",))
    answer = await api(jp_fetch, "DELETE", "jobs", job["id"])
    assert answer["state"] == "cancelled" or answer["cancel_requested"] is True
    cancelled, _ = await wait_for(jp_fetch, job["id"])
    assert cancelled["state"] == "cancelled" and cancelled["started"] and cancelled["finished"]
    assert cancelled["error"] is None and cancelled["cancel_requested"] is False
    assert list((lab / "out").iterdir()) == []  # neither the destination nor a partial sibling
    again = await api(jp_fetch, "DELETE", "jobs", job["id"])  # too late: harmless
    assert again["state"] == "cancelled"


async def test_cancelling_a_queued_job_is_immediate(jp_fetch, lab: Path, big_tiff: str):
    options = {"chunks": [8, 64, 64], "task_bytes": 1 << 20}
    running = await submit(jp_fetch, source=big_tiff, destination="out/1.ome.zarr", options=options)
    queued = await submit(jp_fetch, source=big_tiff, destination="out/2.ome.zarr", options=options)
    answer = await api(jp_fetch, "DELETE", "jobs", queued["id"])
    assert answer["state"] == "cancelled" and answer["started"] is None
    await api(jp_fetch, "DELETE", "jobs", running["id"])
    assert (await wait_for(jp_fetch, running["id"]))[0]["state"] == "cancelled"
    assert list((lab / "out").iterdir()) == []


async def test_a_finished_job_stays_as_it_was_when_cancelled(jp_fetch):
    job = await submit(jp_fetch)
    done, _ = await wait_for(jp_fetch, job["id"])
    assert (await api(jp_fetch, "DELETE", "jobs", job["id"]))["state"] == "done"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (job_body(kind="tiff-to-png"), 400, "bad_request"),
        (job_body(kind="zarr-to-tiff"), 400, "bad_request"),  # the source is a file
        (job_body(options={"codec": "lzma"}), 400, "bad_request"),
        (job_body(options={"compression_level": "high"}), 400, "bad_request"),
        (job_body(options={"chunks": [0, 64]}), 400, "bad_request"),
        (job_body(options={"speed": "fast"}), 400, "bad_request"),
        (job_body(options={"workers": 64}), 400, "bad_request"),
        (job_body(options={"task_bytes": 1 << 40}), 400, "bad_request"),
        (job_body(options=[]), 400, "bad_request"),
        (job_body(source="../secret.tif"), 400, "bad_request"),
        (job_body(destination="out/../../escape.ome.zarr"), 400, "bad_request"),
        (job_body(destination=""), 400, "bad_request"),
        (job_body(destination="out/nul\x00.ome.zarr"), 400, "bad_request"),
        (job_body(destination="out/.."), 400, "bad_request"),
        # Names a staging folder holds inside: they would collide there.
        (job_body(destination="out/.replaced"), 400, "bad_request"),
        (job_body(destination="out/.fileglancer-staging"), 400, "bad_request"),
        (job_body(source="missing.tif"), 404, "not_found"),
        (job_body(destination="nowhere/x.ome.zarr"), 404, "not_found"),
        (job_body(destination="cells.ome.tif"), 409, "destination_exists"),
        ({**job_body(), "source": {"root": "elsewhere", "path": "x.tif"}}, 404, "not_found"),
        ({**job_body(), "source": "cells.ome.tif"}, 400, "bad_request"),
        ({**job_body(), "priority": 1}, 400, "bad_request"),
    ],
)
async def test_bad_submissions_are_refused_up_front(jp_fetch, body, status, code):
    answer_status, error = await api_status(jp_fetch, "POST", "jobs", body=body)
    assert (answer_status, error["error"]) == (status, code), error
    assert (await api(jp_fetch, "GET", "jobs"))["jobs"] == []


async def test_an_existing_destination_is_replaced_only_when_asked(jp_fetch, lab: Path):
    (lab / "out" / "cells.ome.zarr").mkdir()
    status, error = await api_status(jp_fetch, "POST", "jobs", body=job_body())
    assert (status, error["error"]) == (409, "destination_exists")
    job = await submit(jp_fetch, options={"overwrite": True})
    assert (await wait_for(jp_fetch, job["id"]))[0]["state"] == "done"
    assert validate_dataset(lab / "out" / "cells.ome.zarr").valid


async def test_a_destination_symlinked_out_of_the_roots_is_refused(
    jp_fetch, lab: Path, tmp_path: Path
):
    outside = tmp_path / "outside"
    outside.mkdir()
    (lab / "escape").symlink_to(outside)
    status, error = await api_status(
        jp_fetch, "POST", "jobs", body=job_body(destination="escape/x.ome.zarr")
    )
    assert (status, error["error"]) == (403, "forbidden")


def swap_for_symlink(folder: Path, target: Path) -> Path:
    """Rename `folder` aside and put a symlink to `target` in its place; the folder's new path."""
    aside = folder.with_name(folder.name + "-aside")
    folder.rename(aside)
    folder.symlink_to(target, target_is_directory=True)
    return aside


@pytest.mark.parametrize("where", ["outside the roots", "elsewhere in the root"])
async def test_a_queued_job_whose_folder_was_swapped_for_a_symlink_writes_nothing(
    jp_fetch, lab: Path, tmp_path: Path, big_tiff: str, where: str
):
    target = tmp_path / "outside" if where == "outside the roots" else lab / "elsewhere"
    target.mkdir()
    (lab / "later").mkdir()
    options = {"chunks": [8, 64, 64], "task_bytes": 1 << 20}
    busy = await submit(jp_fetch, source=big_tiff, destination="out/1.ome.zarr", options=options)
    queued = await submit(jp_fetch, destination="later/cells.ome.zarr")
    aside = swap_for_symlink(lab / "later", target)
    assert (await api(jp_fetch, "GET", "jobs", queued["id"]))["state"] == "queued"

    failed, _ = await wait_for(jp_fetch, queued["id"])
    assert failed["state"] == "failed" and failed["error"]["code"] == "location_changed"
    message = failed["error"]["message"]
    assert "'later' in 'lab'" in message and "since the job was submitted" in message
    assert str(tmp_path) not in message
    assert list(target.iterdir()) == [] and list(aside.iterdir()) == []
    assert (await wait_for(jp_fetch, busy["id"]))[0]["state"] == "done"


async def test_a_running_job_whose_folder_is_swapped_writes_nothing_through_the_symlink(
    jp_fetch, lab: Path, tmp_path: Path, big_tiff: str
):
    outside = tmp_path / "outside"
    outside.mkdir()
    options = {"chunks": [8, 64, 64], "task_bytes": 1 << 20}
    job = await submit(jp_fetch, source=big_tiff, destination="out/big.ome.zarr", options=options)
    await wait_for(jp_fetch, job["id"], states=("running",))
    while not [p for p in (lab / "out").iterdir() if ".partial-" in p.name]:
        await asyncio.sleep(0.01)
    aside = swap_for_symlink(lab / "out", outside)

    failed, _ = await wait_for(jp_fetch, job["id"])
    assert failed["state"] == "failed" and failed["error"]["code"] == "location_changed"
    assert (
        "lab:out" in failed["error"]["message"] and str(tmp_path) not in failed["error"]["message"]
    )
    # The workers wrote into the folder as checked, never through the symlink; and the
    # partial output there is gone.
    assert list(outside.iterdir()) == [] and list(aside.iterdir()) == []


def test_a_folder_the_user_cannot_write_is_refused(shared_tmp: Path):
    # As an unprivileged user (root writes everywhere): the check the jobs API makes.
    lab = shared_tmp / "lab"
    lab.mkdir()
    tifffile.imwrite(lab / "cells.ome.tif", sample_image(), ome=True, metadata={"axes": "ZYX"})
    (lab / "cells.ome.tif").chmod(0o644)
    for name, mode in (("locked", 0o555), ("open", 0o777)):
        (lab / name).mkdir(mode=mode)
        (lab / name).chmod(mode)
    registry = RootRegistry(load_roots([f"lab={lab}"], str(lab))[0])

    def submit_each() -> dict[str, str]:
        outcomes = {}
        for folder in ("locked", "open"):
            body = job_body(destination=f"{folder}/x.ome.zarr")
            try:
                outcomes[folder] = parse_submission(body, registry).kind
            except FileglancerError as err:
                outcomes[folder] = err.code
        return outcomes

    assert run_without_privileges(submit_each)["result"] == {
        "locked": "forbidden",
        "open": "tiff-to-ome-zarr",
    }


async def test_another_users_job_is_not_found(jp_fetch, other_store):
    from fileglancer_ext.jobs.model import ConversionJob

    theirs = ConversionJob(
        id="00ff00ff00ff00ff",
        owner="someone-else",
        kind="tiff-to-ome-zarr",
        source_root="lab",
        source_path="cells.ome.tif",
        destination_root="lab",
        destination_path="out/theirs.ome.zarr",
        options={},
        engine="local",
        state="done",
        runner="elsewhere:1",
    )
    other_store.create(theirs)
    for method in ("GET", "DELETE"):
        status, error = await api_status(jp_fetch, method, "jobs", theirs.id)
        assert (status, error["error"]) == (404, "not_found")
    assert (await api(jp_fetch, "GET", "jobs"))["jobs"] == []


@pytest.mark.parametrize(
    ("method", "parts"),
    [("GET", ("jobs",)), ("POST", ("jobs",)), ("GET", ("jobs", "ab")), ("DELETE", ("jobs", "ab"))],
)
async def test_the_jobs_api_needs_a_logged_in_user(http_server_client, jp_base_url, method, parts):
    response = await http_server_client.fetch(
        f"{jp_base_url}fileglancer/api/{'/'.join(parts)}",
        method=method,
        body="{}" if method == "POST" else None,
        raise_error=False,
    )
    assert response.code == 403


async def test_a_job_whose_output_does_not_validate_fails_and_leaves_nothing(
    jp_fetch, lab: Path, monkeypatch: pytest.MonkeyPatch
):
    from tests.convert.test_convert_validated import break_the_axes

    break_the_axes(monkeypatch)
    queued = await submit(jp_fetch)
    failed, seen = await wait_for(jp_fetch, queued["id"])

    assert failed["state"] == "failed" and "done" not in [job["state"] for job in seen]
    assert failed["error"]["code"] == "invalid_output"
    assert "does not validate, so nothing was kept" in failed["error"]["message"]
    assert "axes" in failed["error"]["message"] and str(lab) not in failed["error"]["message"]
    assert list((lab / "out").iterdir()) == []


async def test_the_inspectors_fix_re_encodes_an_ome_zarr_py_image_with_its_labels(
    jp_fetch, lab: Path
):
    from tests.convert.other_writers import check_valid, datasets, levels, write_ome_zarr_py

    data = sample_image((2, 3, 64, 48))
    write_ome_zarr_py(lab / "written.ome.zarr", data, "0.4")
    # What "Fix: convert" submits for a Zarr v2 dataset (formats/health.py).
    job = await submit(
        jp_fetch,
        source="written.ome.zarr",
        destination="out/fixed.ome.zarr",
        kind="recompress",
        options={"ngff_version": "0.5"},
    )
    done, _ = await wait_for(jp_fetch, job["id"])
    assert done["state"] == "done", done["error"]

    fixed = lab / "out" / "fixed.ome.zarr"
    check_valid(fixed)
    assert [d["coordinateTransformations"] for d in datasets(fixed)] == [
        d["coordinateTransformations"] for d in datasets(lab / "written.ome.zarr")
    ]
    for before, after in zip(
        levels(lab / "written.ome.zarr" / "labels" / "cells"),
        levels(fixed / "labels" / "cells"),
        strict=True,
    ):
        np.testing.assert_array_equal(before, after)
