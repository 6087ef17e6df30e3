"""`fileglancer-ext convert SRC DEST [options]`: the conversion library in a terminal."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

DESCRIPTION = """\
Convert between TIFF / OME-TIFF / CZI and OME-Zarr (0.4 on Zarr v2, 0.5 on Zarr v3),
or re-encode a Zarr. What runs follows from SOURCE and DESTINATION: a TIFF or CZI file
becomes an OME-Zarr folder; an OME-Zarr becomes a *.ome.tif (OME-TIFF, the pyramid in
SubIFDs) or a *.tif (plain TIFF); a Zarr becomes another Zarr (recompressed, v2 <-> v3,
or one level with --level); --kind names the conversion instead. The output appears
only when complete.

Exit status: 0 done, 1 conversion failed, 2 usage error or missing input, 130 interrupted.
"""

# More processes than any machine has cores for; beyond C int they cannot even be asked for.
MAX_WORKERS = 1024

EXAMPLES = """\
examples:
  fileglancer-ext convert cells.ome.tif cells.ome.zarr
  fileglancer-ext convert stack.tif stack.ome.zarr --ngff-version 0.5 --chunks 64,256,256 \\
      --shards 128,1024,1024
  fileglancer-ext convert labels.tif labels.ome.zarr --labels
  fileglancer-ext convert cells.ome.zarr cells.ome.tif            # pyramid as SubIFDs
  fileglancer-ext convert cells.ome.zarr plane.tif --level 2      # one level, plain TIFF
  fileglancer-ext convert old.ome.zarr new.ome.zarr --ngff-version 0.5   # Zarr v2 -> v3
  fileglancer-ext convert cells.ome.zarr small.ome.zarr --level 2        # extract a level
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the `convert` subcommand to the CLI's subparsers."""
    from ..convert.options import CODECS, DOWNSAMPLING, NGFF_VERSIONS, TIFF_COMPRESSIONS
    from ..convert.registry import AUTO, KINDS
    from . import whole_number_arg

    parser = commands.add_parser(
        "convert",
        help="convert TIFF/OME-TIFF/CZI to OME-Zarr, OME-Zarr to OME-TIFF, or Zarr to Zarr",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", type=Path, help="TIFF/OME-TIFF/CZI file or Zarr folder")
    parser.add_argument("destination", type=Path, help="*.zarr folder or *.tif file to create")
    out = parser.add_argument_group("OME-Zarr output")
    parser.add_argument(
        "--kind",
        choices=(AUTO, *KINDS),
        default=AUTO,
        help="the conversion to run (default: auto, from SOURCE and DESTINATION)",
    )
    out.add_argument(
        "--ngff-version",
        choices=NGFF_VERSIONS,
        default=None,
        help="0.4 writes Zarr v2, 0.5 writes Zarr v3 (default: an OME-Zarr source's, else 0.4)",
    )
    out.add_argument(
        "--chunks", type=_sizes, help="chunk sizes of the trailing axes, e.g. 64,256,256"
    )
    out.add_argument("--shards", type=_sizes, help="shard sizes (0.5 only), multiples of --chunks")
    out.add_argument("--codec", default="blosc-zstd", choices=CODECS)
    out.add_argument("--compression-level", type=int, default=5, help="codec level (default 5)")
    out.add_argument(
        "--levels",
        type=_levels,
        default=None,
        help="number of pyramid levels, or 'auto' until one chunk (default)",
    )
    out.add_argument(
        "--downsampling",
        choices=DOWNSAMPLING,
        help="default: mean, or mode with --labels",
    )
    out.add_argument("--labels", action="store_true", help="the image is a label image")
    src = parser.add_argument_group("input")
    src.add_argument("--series", type=int, default=0, help="TIFF series or CZI scene (default 0)")
    src.add_argument(
        "--level",
        type=int,
        default=None,
        help="resolution level of an OME-Zarr to write (TIFF) or extract",
    )
    meta = parser.add_argument_group(
        "OME metadata of the output (overriding what the source says; as `edit`)"
    )
    meta.add_argument("--pixel-size", metavar="AXIS=SIZE,...", help="e.g. z=2,y=0.5,x=0.5")
    meta.add_argument(
        "--unit", metavar="UNIT|AXIS=UNIT,...", help="micrometer (every space axis) or t=second"
    )
    meta.add_argument(
        "--axis-names",
        metavar="AXES",
        help="the output's axes in order, e.g. cyx: pages are channels",
    )
    meta.add_argument("--name", help="the image's name")
    meta.add_argument(
        "--channel",
        action="append",
        default=[],
        metavar="INDEX:label=...,color=RRGGBB",
        help="a channel's label and colour; repeat for more channels",
    )
    tif = parser.add_argument_group("TIFF output")
    tif.add_argument("--tiff-compression", default="zlib", choices=TIFF_COMPRESSIONS)
    tif.add_argument("--tiff-tile", type=int, default=512, help="tile size (default 512)")
    tif.add_argument(
        "--bigtiff",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="force BigTIFF on or off (default: when needed)",
    )
    run = parser.add_argument_group("running")
    run.add_argument("--overwrite", action="store_true", help="replace an existing destination")
    run.add_argument(
        "--workers",
        type=whole_number_arg(1, MAX_WORKERS),
        default=1,
        help="worker processes (default 1)",
    )
    run.add_argument(
        "--task-mib",
        type=int,
        default=32,
        help="MiB of pixels one task holds; bounds memory (default 32)",
    )
    run.add_argument("--json", action="store_true", help="print the result as JSON")
    run.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Run `convert` for parsed arguments; return the exit status."""
    from ..convert import ConversionOptions, convert
    from ..convert.plan import configure_conversion_process
    from ..errors import BadRequest, ConversionError, FileglancerError, NotFound
    from . import fail

    configure_conversion_process()

    try:
        meta_options = metadata_options(args)
    except ValueError as err:  # a malformed --pixel-size, --unit or --channel
        return fail("convert", str(err))
    try:
        options = ConversionOptions(
            ngff_version=args.ngff_version,
            chunks=args.chunks,
            shards=args.shards,
            codec=args.codec,
            compression_level=args.compression_level,
            levels=args.levels,
            downsampling=args.downsampling,
            labels=args.labels,
            series=args.series,
            level=args.level,
            overwrite=args.overwrite,
            tiff_compression=args.tiff_compression,
            tiff_tile=args.tiff_tile,
            bigtiff=args.bigtiff,
            task_bytes=args.task_mib << 20,
            workers=args.workers,
            **meta_options,
        )
        bar = None if args.quiet else ProgressBar(sys.stderr)
        # The registry's checks, then its writer: as a job, minus the roots.
        result = convert(args.source, args.destination, options, kind=args.kind, progress=bar)
        if bar is not None:
            bar.close()
    except KeyboardInterrupt:
        print("\nfileglancer-ext convert: interrupted; nothing was written", file=sys.stderr)
        return 130

    except (BadRequest, NotFound) as err:
        return fail("convert", err.message)
    except (ConversionError, FileglancerError) as err:
        return fail("convert", err.message, 1)
    for warning in result.warnings:
        print(f"fileglancer-ext convert: warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        shapes = ", ".join("x".join(map(str, s)) for s in result.level_shapes)
        print(
            f"wrote {result.destination} ({result.kind}; levels {shapes}; "
            f"{result.bytes_stored / 2**20:.1f} MiB on disk) in {result.seconds:.1f} s"
        )
    return 0


class ProgressBar:
    """A one-line text progress bar (a plain line per stage when not a terminal)."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.started = time.monotonic()
        self.stage = ""

    def __call__(self, report: Any) -> None:
        if self.interactive:
            filled = int(self.WIDTH * report.fraction)
            elapsed = time.monotonic() - self.started
            rate = report.bytes_done / elapsed / 2**20 if elapsed > 0 else 0.0
            line = (
                f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {report.fraction:6.1%} "
                f"{report.stage:<10} {rate:7.1f} MiB/s"
            )
            self.stream.write(line)
            self.stream.flush()
        elif report.stage != self.stage:
            self.stream.write(f"{report.fraction:6.1%} {report.stage}\n")
        self.stage = report.stage

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()


def metadata_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ConversionOptions metadata fields of --pixel-size, --unit, --axis-names, --name
    and --channel (parsed as `edit` parses them)."""
    from .edit import channel_edit, pairs, parse_number

    options: dict[str, Any] = {"axis_names": args.axis_names, "image_name": args.name}
    if args.pixel_size:
        sizes = pairs(args.pixel_size, "--pixel-size")
        options["pixel_sizes"] = {a: parse_number(v, "--pixel-size") for a, v in sizes.items()}
    if args.unit:
        options["units"] = pairs(args.unit, "--unit") if "=" in args.unit else {"space": args.unit}
    if args.channel:
        edits = sorted((channel_edit(text) for text in args.channel), key=lambda e: e["index"])
        if [e["index"] for e in edits] != list(range(len(edits))):
            raise ValueError("--channel: give channels 0, 1, ... in turn, each once")
        if any(set(e) - {"index", "label", "color"} for e in edits):
            raise ValueError("--channel: a conversion takes label and color")
        if any("label" in e for e in edits):
            options["channel_labels"] = tuple(
                e.get("label", f"Channel {e['index']}") for e in edits
            )
        if any("color" in e for e in edits):
            options["channel_colors"] = tuple(e.get("color", "FFFFFF") for e in edits)
    return options


def _sizes(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.replace("x", ",").split(",") if part)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 64,256,256, got {text!r}") from None


def _levels(text: str) -> int | None:
    if text == "auto":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'auto', got {text!r}") from None
