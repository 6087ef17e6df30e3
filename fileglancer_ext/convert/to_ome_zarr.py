"""Any region-readable source -> OME-Zarr 0.4 (Zarr v2) or 0.5 (Zarr v3) with a pyramid."""

from __future__ import annotations

import time
from pathlib import Path

from .atomic import check_destination, staged_output
from .controls import NO_CONTROLS, RunControls
from .ome_zarr_out import (
    channel_windows,
    check_ome_zarr,
    create_level_arrays,
    write_ome_metadata,
)
from .options import ConversionOptions, default_chunks, full_sizes, shard_shape
from .overrides import with_overrides
from .plan import ConversionPlan, execute_plan, region_tasks
from .pyramid import plan_levels
from .result import ConversionResult, stored_bytes
from .source import SourceImage


def write_source_as_ome_zarr(
    source: SourceImage,
    destination: Path,
    options: ConversionOptions,
    controls: RunControls = NO_CONTROLS,
) -> ConversionResult:
    """Write `source` as an OME-Zarr pyramid at `destination`, atomically.

    Level 0 is copied region by region from the source; level n+1 is read back from level
    n and downsampled. Raises DestinationExists, ConversionCancelled, OutOfSpace or
    ConversionError; in every such case nothing is left at or next to `destination`.
    """
    started = time.perf_counter()
    options = options.validated().with_version("0.4")
    destination = Path(destination)
    check_destination(destination, overwrite=options.overwrite)
    source = with_overrides(source, options)  # pixel sizes, units, axes, channels given
    meta = source.metadata
    axes = meta.axes
    chunks = (
        full_sizes(options.chunks, source.shape)
        if options.chunks
        else default_chunks(axes, source.shape)
    )
    shards = shard_shape(options.shards, chunks, source.shape) if options.shards else None
    method = options.downsampling_method
    levels = plan_levels(
        axes,
        source.shape,
        meta.scale_tuple(),
        chunks,
        options.levels,
        units=meta.units,
        translation=meta.translation_tuple(),
        method=method,
    )
    itemsize = source.dtype.itemsize

    with staged_output(destination, overwrite=options.overwrite, check=check_ome_zarr) as root:
        targets = create_level_arrays(root, axes, levels, source.dtype, chunks, shards, options)
        plan = ConversionPlan(itemsize)
        previous = source.ref
        for index, (level, target) in enumerate(zip(levels, targets, strict=True)):
            tasks = region_tasks(
                previous,
                target,
                level.shape,
                shards or chunks,
                level.factors,
                method,
                itemsize,
                options.task_bytes,
            )
            plan.stages.append((f"level {index}", tasks))
            previous = target
        tracker = controls.tracker(plan.bytes_total)
        with controls.running(options.workers) as running:
            execute_plan(plan, running, tracker)
        tracker.check_cancelled()
        windows = channel_windows(targets[-1], axes, options.task_bytes)
        write_ome_metadata(root, meta, levels, options, windows, source.dtype)
        tracker.start_stage("validating")  # `check_ome_zarr`, as the output is moved
    tracker.finish()
    return ConversionResult(
        destination,
        "ome-zarr",
        [level.shape for level in levels],
        plan.bytes_total,
        stored_bytes(destination),
        time.perf_counter() - started,
    )
