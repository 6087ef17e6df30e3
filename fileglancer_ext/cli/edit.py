"""`fileglancer-ext edit PATH ...`: correct an OME-Zarr image's metadata in place, through
the same `editing` functions as PATCH meta/ (validated, atomic, undoable), and print the
changes field by field."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

COMMAND = "edit"


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        COMMAND,
        help="correct an OME-Zarr image's OME metadata in place (validated, undoable)",
        description="Change an OME-Zarr image's name, axes, pixel sizes, translation, time "
        "spacing and channels. The result is validated against the OME-NGFF schema of its "
        "version before anything is written; every document is replaced atomically and the "
        "previous bytes are kept for --undo.",
    )
    parser.add_argument(
        "path", type=Path, help="the image group (e.g. image.zarr, plate.zarr/A/1/0)"
    )
    parser.add_argument("--name", help="the image's name")
    parser.add_argument(
        "--pixel-size", metavar="AXIS=SIZE,...", help="level 0's pixel sizes, e.g. z=2,y=0.5,x=0.5"
    )
    parser.add_argument(
        "--unit",
        metavar="UNIT|AXIS=UNIT,...",
        help="a unit for every space axis (micrometer) or per axis (t=second,z=micrometer)",
    )
    parser.add_argument("--axis-names", metavar="A,B,...", help="new names of all axes, in order")
    parser.add_argument("--translation", metavar="AXIS=OFFSET,...", help="level 0's offset")
    parser.add_argument("--time-spacing", type=float, help="time between time points")
    parser.add_argument(
        "--channel",
        action="append",
        default=[],
        metavar="INDEX:key=value,...",
        help="a channel's label, color (RRGGBB), window (START-END) and active (true/false), "
        "e.g. 0:label=DAPI,color=0000FF; repeat for more channels",
    )
    parser.add_argument(
        "--auto-contrast",
        nargs="?",
        const="all",
        metavar="INDEXES",
        help="windows from the data (percentiles of the smallest level); all channels or 0,2",
    )
    parser.add_argument("--dry-run", action="store_true", help="show the changes, write nothing")
    parser.add_argument("--undo", action="store_true", help="undo the last edit")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


class _Usage(ValueError):
    """A malformed command-line value."""


def pairs(text: str, option: str) -> dict[str, str]:
    pairs = {}
    for part in filter(None, text.split(",")):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise _Usage(f"{option} takes AXIS=VALUE pairs, got {part!r}")
        pairs[key.strip()] = value.strip()
    return pairs


def parse_number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _Usage(f"{option}: {text!r} is not a number") from None


def _by_axis(view: dict[str, Any], pairs: dict[str, str], option: str) -> dict[int, str]:
    names = [axis["name"] for axis in view["axes"]]
    unknown = sorted(set(pairs) - set(names))
    if unknown:
        raise _Usage(f"{option}: no axis {unknown[0]!r} (the axes are {', '.join(names)})")
    return {names.index(name): value for name, value in pairs.items()}


def channel_edit(text: str) -> dict[str, Any]:
    index, sep, rest = text.partition(":")
    if not sep or not index.strip().isdigit():
        raise _Usage(f"--channel takes INDEX:key=value,..., got {text!r}")
    edit: dict[str, Any] = {"index": int(index)}
    for key, value in pairs(rest, "--channel").items():
        if key == "window":
            start, dash, end = (
                value.rpartition("-") if value.count("-") != 1 else value.partition("-")
            )
            if not dash:
                raise _Usage(f"--channel window takes START-END, got {value!r}")
            edit["window"] = {
                "start": parse_number(start, "--channel"),
                "end": parse_number(end, "--channel"),
            }
        elif key == "active":
            edit["active"] = value.lower() in ("1", "true", "yes", "on")
        elif key in ("label", "color"):
            edit[key] = value
        else:
            raise _Usage(f"--channel: unknown key {key!r} (label, color, window, active)")
    return edit


def changes_from(args: argparse.Namespace, view: dict[str, Any]) -> dict[str, Any]:
    """The PATCH body the arguments ask for, given the image's editable view."""
    body: dict[str, Any] = {}
    if args.name is not None:
        body["name"] = args.name
    axes = [dict(axis) for axis in view["axes"]]
    touched_axes = False
    if args.axis_names:
        names = [n.strip() for n in args.axis_names.split(",")]
        if len(names) != len(axes):
            raise _Usage(f"--axis-names: the image has {len(axes)} axes, got {len(names)} names")
        for axis, name in zip(axes, names, strict=True):
            axis["name"] = name
        touched_axes = True
    if args.unit:
        if "=" in args.unit:
            for index, unit in _by_axis(view, pairs(args.unit, "--unit"), "--unit").items():
                axes[index]["unit"] = unit
        else:
            for axis in axes:
                if axis.get("type") == "space":
                    axis["unit"] = args.unit
        touched_axes = True
    if touched_axes:
        body["axes"] = axes
    if args.pixel_size:
        sizes: list[float | None] = [None] * len(axes)
        for index, text in _by_axis(
            view, pairs(args.pixel_size, "--pixel-size"), "--pixel-size"
        ).items():
            sizes[index] = parse_number(text, "--pixel-size")
        body["pixel_sizes"] = sizes
    if args.translation:
        offsets = list(view["translation"] or [0.0] * len(axes))
        for index, text in _by_axis(
            view, pairs(args.translation, "--translation"), "--translation"
        ).items():
            offsets[index] = parse_number(text, "--translation")
        body["translation"] = offsets
    if args.time_spacing is not None:
        body["time_spacing"] = args.time_spacing
    if args.channel:
        body["channels"] = [channel_edit(text) for text in args.channel]
    if args.auto_contrast:
        if args.auto_contrast == "all":
            body["auto_contrast"] = True
        else:
            try:
                body["auto_contrast"] = [int(i) for i in args.auto_contrast.split(",")]
            except ValueError:
                raise _Usage("--auto-contrast takes channel indexes like 0,2") from None
    return body


def run(args: argparse.Namespace) -> int:
    from ..editing import EditTarget, edit_metadata, editable, undo
    from ..errors import FileglancerError
    from . import fail

    target = EditTarget(args.path.resolve())
    try:
        view = editable(target)
        if args.undo:
            result = undo(target, view["etag"])
        else:
            body = changes_from(args, view)
            if not body:
                return fail(COMMAND, "nothing to change: give --pixel-size, --unit, --channel, ...")
            result = edit_metadata(target, body, view["etag"], dry_run=args.dry_run)
    except _Usage as err:
        return fail(COMMAND, str(err))
    except FileglancerError as err:
        field = getattr(err, "field", None)
        return fail(COMMAND, f"{field}: {err.message}" if field else err.message, 1)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
        return 0
    for change in result.changes:
        print(f"{change['field']}: {json.dumps(change['old'])} -> {json.dumps(change['new'])}")
    if not result.changes:
        print("nothing changed")
    elif not result.written:
        print("(dry run: nothing was written)", file=sys.stderr)
    return 0
