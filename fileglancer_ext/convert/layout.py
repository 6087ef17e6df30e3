"""Every series of a multi-series file -> one OME-Zarr in the bioformats2raw layout.

The root group says `bioformats2raw.layout` 3; its `OME` group lists the images in
`series` ("0", "1", ...) and keeps the file's OME-XML as `OME/METADATA.ome.xml`; each
series is an OME-Zarr image of its own (`0/`, `1/`, ...) written and validated as a single
image is. This is what bioformats2raw writes and what the inspector, ome-zarr-py and
napari read as a set of images.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from .atomic import check_destination, staged_output
from .controls import RunControls
from .ome_zarr_out import check_ome_zarr, write_ome_xml
from .options import ConversionOptions
from .progress import Progress
from .result import ConversionResult, stored_bytes
from .source import SourceImage

LAYOUT_VERSION = 3


def every_series(
    series: int | str | None, available: Sequence[int], default: bool
) -> list[int] | None:
    """The series to write as a layout, or None for one image: `series` "all" means every
    one; None (unset) every one when there are several and `default` says a reader means
    them all (a multi-series OME-TIFF, a multi-scene CZI; a plain TIFF's second series is
    mostly a thumbnail or a mask); a number that one alone."""
    if series == "all" or (series is None and default and len(available) > 1):
        return list(available)
    return None


def write_layout(
    open_series: Sequence[Callable[[], SourceImage]],
    destination: Path,
    options: ConversionOptions,
    controls: RunControls,
    ome_xml: str | None,
) -> ConversionResult:
    """Write each series (`open_series[i]()` opens series i) as image `i` of a
    bioformats2raw layout at `destination`, atomically; errors as a single image's."""
    from .to_ome_zarr import write_source_as_ome_zarr

    started = time.perf_counter()
    options = options.validated().with_version("0.4")
    destination = Path(destination)
    check_destination(destination, overwrite=options.overwrite)
    sources = [open_one() for open_one in open_series]
    sizes = [math.prod(s.shape) * s.dtype.itemsize for s in sources]
    inner = replace(options, overwrite=False)
    names = [str(index) for index in range(len(sources))]
    shapes: list[tuple[int, ...]] = []
    processed = 0
    with staged_output(destination, overwrite=options.overwrite, check=check_layout) as root:
        _write_root(root, names, options, ome_xml)
        for index, source in enumerate(sources):
            source = replace(source, metadata=replace(source.metadata, ome_xml=None))
            share = _share(controls, sum(sizes[:index]), sizes[index], sum(sizes), index)
            result = write_source_as_ome_zarr(source, root / names[index], inner, share)
            shapes += result.level_shapes[:1]
            processed += result.bytes_processed
    if controls.progress is not None:
        total = sum(sizes)
        controls.progress(Progress(1.0, total, total, "done"))
    return ConversionResult(
        destination,
        "ome-zarr",
        shapes,
        processed,
        stored_bytes(destination),
        time.perf_counter() - started,
    )


def _write_root(root: Path, names: list[str], options: ConversionOptions, xml: str | None) -> None:
    """The layout's root group and its `OME` group (with the OME-XML, when there is one)."""
    import zarr

    group = zarr.open_group(root, mode="w", zarr_format=options.zarr_format)
    if options.zarr_format == 2:
        group.attrs.update({"bioformats2raw.layout": LAYOUT_VERSION})
    else:
        group.attrs.update({"ome": {"version": "0.5", "bioformats2raw.layout": LAYOUT_VERSION}})
    if xml:
        write_ome_xml(root, xml, options.zarr_format, series=names)
    else:
        ome = zarr.open_group(root / "OME", mode="w", zarr_format=options.zarr_format)
        attrs = {"series": names}
        ome.attrs.update(
            attrs if options.zarr_format == 2 else {"ome": {"version": "0.5", **attrs}}
        )


def _share(controls: RunControls, before: int, size: int, total: int, index: int) -> RunControls:
    """`controls` for series `index`: its reports scaled into its share of the whole."""
    report = controls.progress
    if report is None:
        return controls

    def scaled(progress: Progress) -> None:
        done = before + round(progress.fraction * size)
        stage = f"series {index}, {progress.stage}" if progress.stage != "done" else "writing"
        report(Progress(done / max(1, total), done, total, stage))

    return replace(controls, progress=scaled)


def check_layout(path: Path) -> None:
    """InvalidOutput unless the layout validates (its images were checked as written)."""
    check_ome_zarr(path)
