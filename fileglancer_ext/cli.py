"""The `fileglancer-ext` command (also `jupyter fileglancer`).

Each subcommand is a thin wrapper over the same domain functions the REST API uses.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fileglancer-ext",
        description="Browse, inspect, share and convert Zarr / OME-Zarr data.",
    )
    parser.add_argument("--version", action="version", version=f"fileglancer-ext {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    demo = commands.add_parser(
        "demo",
        help="write built-in sample data and start JupyterLab on it",
        description="Write built-in sample data (OME-Zarr 0.4 and 0.5, Zarr v2 and v3, "
        "TIFF and OME-TIFF, a folder of many files) and start JupyterLab there with the "
        "Fileglancer panels open. Arguments after '--' go to `jupyter lab`.",
    )
    demo.add_argument(
        "directory",
        nargs="?",
        default="fileglancer-demo",
        type=Path,
        help="where to write the data (default: ./fileglancer-demo)",
    )
    demo.add_argument("--port", type=int, default=None, help="port for JupyterLab")
    demo.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    demo.add_argument(
        "--many-files",
        type=int,
        default=5000,
        help="how many files to put in the many-files folder (default: 5000)",
    )
    demo.add_argument(
        "--data-only", action="store_true", help="write the data and exit without JupyterLab"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after a bare "--" is passed through to `jupyter lab`.
    passthrough: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, passthrough = argv[:cut], argv[cut + 1 :]
    args = build_parser().parse_args(argv)

    if args.command == "demo":
        from .demo import prepare_demo, run_demo

        if args.data_only:
            for dataset in prepare_demo(args.directory.resolve(), many_files=args.many_files):
                print(f"{dataset.name}\t{dataset.kind}\t{dataset.description}")
            return 0
        run_demo(
            args.directory,
            port=args.port,
            open_browser=not args.no_browser,
            many_files=args.many_files,
            extra=passthrough,
        )
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
