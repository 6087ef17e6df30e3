"""`fileglancer-ext stats PATH`: the storage statistics the inspector's Overview shows.

The same walk as the server's `GET stats` (`stats.core.scan_stats`), over the same kind of
worker pool, so a terminal gets du's figures plus chunk counts, the uncompressed size and
the compression ratio, per pyramid level.
"""

from __future__ import annotations

import argparse
import json

COMMAND = "stats"


def add_parser(commands: argparse._SubParsersAction) -> None:
    from ..inspection.stats.walk import default_walk_processes
    from . import add_path_command, whole_number_arg
    from .convert import MAX_WORKERS

    parser = add_path_command(
        commands,
        COMMAND,
        "the dataset folder (or a file)",
        "print the figures as JSON",
        help="measure a dataset's storage: bytes, chunks present and expected, ratio",
        description="Walk a dataset (or any folder) and report its stored and allocated "
        "bytes (as du), its chunk or shard files present of those the array metadata "
        "expects, its uncompressed size and compression ratio, per OME-Zarr level and in "
        "total. No chunk is opened; symlinks are not followed. Exit status: 0, or 2 for a "
        "path that is missing or cannot be read.",
    )
    parser.add_argument(
        "--processes",
        type=whole_number_arg(1, MAX_WORKERS),
        default=default_walk_processes(),
        metavar="N",
        help="worker processes for a large walk (default: the CPU cores, at most 4; "
        "1: walk in this process only)",
    )


def run(args: argparse.Namespace) -> int:
    from ..inspection.stats.core import scan_stats
    from ..inspection.stats.walk import WalkPool
    from . import fail
    from .report_text import format_stats

    pool = WalkPool(args.processes) if args.processes > 1 else None
    try:
        data = scan_stats(args.path, pool=pool).data
    except OSError as err:
        reason = err.strerror or type(err).__name__
        return fail(COMMAND, f"{args.path}: {reason}")
    finally:
        if pool is not None:
            pool.close()
    print(json.dumps(data, indent=2) if args.json else format_stats(args.path, data))
    return 0
