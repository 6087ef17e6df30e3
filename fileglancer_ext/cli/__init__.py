"""The `fileglancer-ext` command (also `jupyter fileglancer`).

Each subcommand is a thin wrapper over the same domain functions the REST API uses.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .. import __version__
from . import convert as cli_convert
from . import edit as cli_edit
from . import links as cli_links
from . import stats as cli_stats

MAX_PORT = 65535


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
    demo.add_argument(
        "--port", type=whole_number_arg(0, MAX_PORT), default=None, help="port for JupyterLab"
    )
    demo.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    demo.add_argument(
        "--many-files",
        type=whole_number_arg(0),
        default=5000,
        help="how many files to put in the many-files folder (default: 5000)",
    )
    demo.add_argument(
        "--data-only", action="store_true", help="write the data and exit without JupyterLab"
    )
    _add_info_parser(commands)
    _add_validate_parser(commands)
    cli_stats.add_parser(commands)
    cli_convert.add_parser(commands)
    cli_edit.add_parser(commands)
    cli_links.add_parsers(commands)
    return parser


def add_path_command(
    commands: argparse._SubParsersAction, name: str, path_help: str, json_help: str, **about: str
) -> argparse.ArgumentParser:
    """A command that reads one PATH and prints text or, with --json, JSON (info, validate,
    stats); `about` holds add_parser's help and description."""
    parser = commands.add_parser(name, **about)
    parser.add_argument("path", type=Path, help=path_help)
    parser.add_argument("--json", action="store_true", help=json_help)
    return parser


def fail(command: str, message: str, status: int = 2) -> int:
    """The CLI's error exit: "fileglancer-ext COMMAND: message" on stderr, and `status`."""
    print(f"fileglancer-ext {command}: {message}", file=sys.stderr)
    return status


def _add_info_parser(commands: argparse._SubParsersAction) -> None:
    info = add_path_command(
        commands,
        "info",
        "the dataset folder or TIFF file",
        "print the summary as JSON",
        help="summarize a dataset's metadata (what the inspector shows)",
        description="Summarize a Zarr v2/v3, OME-Zarr (NGFF 0.1-0.5), N5 or TIFF / OME-TIFF "
        "dataset from its metadata (never its chunks or pixels): shape, dtype, chunks, "
        "shards, codecs, axes, pixel sizes, channels, levels, OME-NGFF validation and "
        "health warnings. Exit status: 0, or 2 for a missing path.",
    )
    info.add_argument(
        "--members-offset",
        type=whole_number_arg(0),
        default=0,
        metavar="N",
        help="list a group's members from the N-th on (in name order; default 0)",
    )
    info.add_argument(
        "--members-limit",
        type=whole_number_arg(1),
        default=200,
        metavar="N",
        help="list at most N of a group's members (default 200)",
    )


def whole_number_arg(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` (to `high`), else a usage error, however
    many digits it has (int() raises past 4,300, and a huge port or process count would
    fail deep inside the library)."""

    def parse(text: str) -> int:
        from ..browse.listing import whole_number

        value = whole_number(text)
        if value is None or value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f">= {low}"
            shown = text if len(text) <= 20 else f"{text[:20]}..."
            raise argparse.ArgumentTypeError(f"expected a whole number {bound}, got {shown!r}")
        return value

    return parse


def _run_info(args: argparse.Namespace) -> int:
    from ..errors import FileglancerError
    from ..inspection.service import describe_dataset
    from .report_text import format_summary

    try:
        summary = describe_dataset(
            args.path, member_offset=args.members_offset, member_limit=args.members_limit
        )
    except FileglancerError as err:
        return fail("info", err.message)
    print(json.dumps(summary, indent=2) if args.json else format_summary(args.path, summary))
    return 0


def _add_validate_parser(commands: argparse._SubParsersAction) -> None:
    validate = add_path_command(
        commands,
        "validate",
        "the dataset folder (an OME-Zarr group)",
        "print the report as JSON",
        help="check an OME-Zarr dataset against the OME-NGFF spec",
        description="Validate an OME-Zarr dataset: its metadata against the official "
        "OME-NGFF JSON schemas (0.1-0.5) and its structure (levels exist, dimensions, "
        "scales, labels, wells), then list health warnings (what makes a valid dataset "
        "slow or unviewable, with a suggested conversion); warnings never change the exit "
        "status: 0 valid, 1 invalid, 2 usage error or missing path.",
    )
    validate.add_argument(
        "--metadata-only",
        action="store_true",
        help="check the group's own metadata only, not its levels, labels or wells",
    )
    validate.add_argument(
        "--schema",
        default=None,
        help="validate against this official schema (e.g. strict_image) instead of the "
        "one chosen by the dataset's kind",
    )
    validate.add_argument(
        "--ngff-version",
        default=None,
        help="validate as this OME-NGFF version instead of the declared one",
    )


def _run_validate(args: argparse.Namespace) -> int:
    from ..errors import FileglancerError
    from ..formats.validate import validate_dataset
    from .report_text import format_validation

    try:
        report = validate_dataset(
            args.path,
            metadata_only=args.metadata_only,
            schema=args.schema,
            version=args.ngff_version,
        )
    except FileglancerError as err:  # a missing path or a bad override: a usage error
        return fail("validate", err.message)
    health = _health(args.path)
    if args.json:
        print(json.dumps({**report.to_json(), "health": health}, indent=2))
    else:
        print(format_validation(args.path, report, health))
    # Health warnings are advice: only validation errors fail the command.
    return 0 if report.valid else 1


def _health(path: Path) -> list[dict]:
    """The dataset's health warnings (formats.health); [] when it cannot be summarized."""
    from ..errors import FileglancerError
    from ..formats.health import dataset_health
    from ..formats.summary import summarize

    try:
        return dataset_health(summarize(path))
    except FileglancerError:
        return []


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # File names that are not UTF-8 (or a terminal that is not) print as escapes, never
    # as a UnicodeEncodeError; a stream already set to pass such bytes through stays so.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")
    # Everything after a bare "--" is passed through to `jupyter lab`.
    passthrough: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, passthrough = argv[:cut], argv[cut + 1 :]
    args = build_parser().parse_args(argv)

    if args.command == "demo":
        from ..demo import prepare_demo, run_demo

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
    if args.command == "info":
        return _run_info(args)
    if args.command == "validate":
        return _run_validate(args)
    if args.command == cli_stats.COMMAND:
        return cli_stats.run(args)
    if args.command == "convert":
        return cli_convert.run(args)
    if args.command == cli_edit.COMMAND:
        return cli_edit.run(args)
    if args.command in cli_links.COMMANDS:
        return cli_links.run(args)
    return 2
