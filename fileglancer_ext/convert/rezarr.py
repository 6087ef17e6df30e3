"""Zarr -> Zarr: recompress (codec, level, chunks, shards), Zarr v2 -> v3 (OME-NGFF 0.4 ->
0.5) and back, and one resolution level extracted as an OME-Zarr of its own.

The source is read only through `ome_zarr_in`, inside `within` (a job: the source's root;
by default its own folder): a chunk symlinked out of it, or a FIFO, stops the conversion
instead of being copied."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConversionError, NotFound
from .atomic import check_destination, staged_output
from .controls import NO_CONTROLS, RunControls
from .ome_zarr_in import ZarrInput, open_zarr_input
from .ome_zarr_out import (
    check_ome_zarr,
    compressors_for,
    write_labels_group,
    write_ome_metadata,
)
from .options import ConversionOptions, full_sizes, shard_shape
from .plan import (
    ConversionPlan,
    ZarrArrayRef,
    execute_plan,
    region_tasks,
)
from .pyramid import Level
from .result import ConversionResult, stored_bytes
from .source import SourceImage
from .to_ome_zarr import write_source_as_ome_zarr


def rewrite_zarr(
    source: Path,
    destination: Path,
    options: ConversionOptions,
    controls: RunControls = NO_CONTROLS,
) -> ConversionResult:
    """Copy every level of an OME-Zarr (or a plain array) with the encoding in `options`:
    Zarr format from `ngff_version` (default: the source's), codec, chunks (default: the
    source's), shards. Pixels are copied, never recomputed: each level keeps its scale
    and translation, the multiscale its own account of how its levels were made, and the
    label images of its `labels` group are re-encoded alike. Levels are written as "0",
    "1", ... (largest first), as the new metadata names them, whatever the source called
    them ("s0", "scale0/image"). Errors as in `write_source_as_ome_zarr`."""
    started = time.perf_counter()
    options = options.validated()
    destination = Path(destination)
    check_destination(destination, overwrite=options.overwrite)
    image = open_zarr_input(source, controls.within)
    options = options.with_version("0.5" if image.zarr_format == 3 else "0.4")
    labels = {name: _open_label(image, name) for name in image.labels}
    import zarr

    check = check_ome_zarr if image.is_ome else None
    with staged_output(destination, overwrite=options.overwrite, check=check) as root:
        plans: list[ConversionPlan] = []
        if image.is_ome:
            zarr.open_group(root, mode="w", zarr_format=options.zarr_format)
        finish = [_plan_copy(image, root, options, plans, "")]
        if labels:
            zarr.open_group(root / "labels", mode="w", zarr_format=options.zarr_format)
        for name, label in labels.items():
            zarr.open_group(root / "labels" / name, mode="w", zarr_format=options.zarr_format)
            finish.append(_plan_copy(label, root / "labels" / name, options, plans, f"{name} "))
        tracker = controls.tracker(sum(p.bytes_total for p in plans))
        with controls.running(options.workers) as running:
            for plan in plans:
                execute_plan(plan, running, tracker)
        tracker.check_cancelled()
        shapes = [write() for write in finish][0]
        if labels:
            write_labels_group(root, list(labels), options)
        if check is not None:
            tracker.start_stage("validating")
    tracker.finish()
    return ConversionResult(
        destination,
        "ome-zarr" if image.is_ome else "zarr-array",
        shapes,
        sum(p.bytes_total for p in plans),
        stored_bytes(destination),
        time.perf_counter() - started,
    )


def _open_label(image: ZarrInput, name: str) -> ZarrInput:
    """The label image `name` of `image`'s labels group, as a conversion input."""
    try:
        return open_zarr_input(image.path / "labels" / name, image.within)
    except (ConversionError, NotFound) as err:
        raise ConversionError(
            f"its label image {name!r} cannot be re-encoded ({err.message}); nothing was written"
        ) from None


def _plan_copy(
    image: ZarrInput,
    root: Path,
    options: ConversionOptions,
    plans: list[ConversionPlan],
    stage: str,
) -> Callable[[], list[tuple[int, ...]]]:
    """Add the plan copying every level of `image` into `root` to `plans`; return what
    writes its metadata once the pixels are there (it answers the level shapes)."""
    arrays = [image.open_level(i) for i in range(len(image.level_paths))]
    dtype = np.dtype(arrays[0].dtype)
    plan = ConversionPlan(dtype.itemsize)
    for index, array in enumerate(arrays):
        path = root / str(index) if image.is_ome else root
        target, unit = _create_like(path, array, image, options)
        tasks = region_tasks(
            image.level_ref(index),
            target,
            tuple(array.shape),
            unit,
            (1,) * array.ndim,
            "nearest",
            dtype.itemsize,
            options.task_bytes,
        )
        plan.stages.append((f"{stage}level {index}", tasks))
    plans.append(plan)

    def write_metadata() -> list[tuple[int, ...]]:
        if image.is_ome:
            levels = [
                Level(tuple(a.shape), scale, (1,) * a.ndim, shift)
                for a, scale, shift in zip(
                    arrays, image.level_scales, image.level_translations, strict=True
                )
            ]
            write_ome_metadata(
                root,
                image.metadata,
                levels,
                options,
                None,
                dtype,
                image.omero,
                provenance=image.provenance,
                image_label=image.image_label,
            )
        return [tuple(a.shape) for a in arrays]

    return write_metadata


def _create_like(
    path: Path, array: Any, image: ZarrInput, options: ConversionOptions
) -> tuple[ZarrArrayRef, tuple[int, ...]]:
    """An empty array shaped like `array` with the new encoding; and its write unit."""
    import zarr

    shape = tuple(array.shape)
    chunks = full_sizes(options.chunks, shape) if options.chunks else tuple(array.chunks)
    extra: dict[str, Any] = {}
    unit = chunks
    if options.zarr_format == 3:
        extra["dimension_names"] = (
            list(image.metadata.axes)
            if image.is_ome
            else (getattr(array.metadata, "dimension_names", None))
        )
        if options.shards:
            unit = shard_shape(options.shards, chunks, shape)
            extra["shards"] = unit
    else:
        extra["chunk_key_encoding"] = {"name": "v2", "separator": "/"}
    zarr.create_array(
        path,
        shape=shape,
        dtype=array.dtype,
        chunks=chunks,
        compressors=compressors_for(options, np.dtype(array.dtype)),
        fill_value=array.fill_value,
        attributes=None if image.is_ome else image.attributes,
        zarr_format=options.zarr_format,
        **extra,
    )
    return ZarrArrayRef(str(path), writable=True), unit


def extract_level(
    source: Path,
    destination: Path,
    options: ConversionOptions,
    controls: RunControls = NO_CONTROLS,
) -> ConversionResult:
    """Level `options.level` of an OME-Zarr as a new OME-Zarr whose level 0 it is, with
    that level's pixel sizes and translation, in the source's NGFF version unless
    `options.ngff_version` says otherwise; `options.levels` (default 1) levels are built
    below it."""
    options = options.validated()
    if options.level is None:
        raise ConversionError("say which level to extract")
    image = open_zarr_input(source, controls.within)
    if not image.is_ome:
        raise ConversionError(f"{Path(source).name} is not an OME-Zarr image")
    options = options.with_version("0.5" if image.zarr_format == 3 else "0.4")
    array = image.open_level(options.level)
    axes = image.metadata.axes
    scale = image.level_scales[options.level]
    shift = image.level_translations[options.level] or ()
    meta = replace(
        image.metadata,
        scale=dict(zip(axes, scale, strict=True)),
        translation=dict(zip(axes, shift, strict=False)),
        name=f"{image.metadata.name} (level {options.level})",
    )
    source_image = SourceImage(
        image.level_ref(options.level), tuple(array.shape), np.dtype(array.dtype), meta
    )
    if options.levels is None:
        options = replace(options, levels=1)
    return write_source_as_ome_zarr(source_image, destination, options, controls)
