"""Plain-text renderings for the terminal: `fileglancer-ext info` and `validate`.

The JSON the REST API answers is the source; these only lay it out for people.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..formats.validate import ValidationReport


def format_validation(
    path: Path, report: ValidationReport, health: list[dict[str, Any]] | None = None
) -> str:
    """A summary line, then one line per error and warning, then the health warnings."""
    verdict = "valid" if report.valid else "INVALID"
    lines = [
        f"{path}: {verdict}",
        f"  OME-NGFF version: {report.version or 'unknown'}",
        f"  kind: {report.kind or 'not OME-NGFF'}",
    ]
    for title, problems in (("error", report.errors), ("warning", report.warnings)):
        for problem in problems:
            lines.append(f"  {title}: {problem.location}: {problem.message} [{problem.source}]")
    lines.append(f"  {len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    lines += health_lines(health or [])
    return "\n".join(lines)


def health_lines(health: list[dict[str, Any]]) -> list[str]:
    """One line per health warning, with its suggested conversion when there is one."""
    lines = []
    for entry in health:
        fix = entry.get("fix")
        suggestion = ""
        if fix and "action" in fix:  # an edit of the metadata (`fileglancer-ext edit`)
            flag = {"pixel_sizes": "--pixel-size", "axes": "--unit", "channels": "--channel"}
            how = "--auto-contrast" if fix["action"] == "auto_contrast" else flag[fix["field"]]
            suggestion = f" (fix: fileglancer-ext edit {how} ...)"
        elif fix:
            options = ", ".join(f"{k}={v}" for k, v in fix["options"].items())
            suggestion = f" (fix: convert {fix['kind']}" + (f" {options}" if options else "") + ")"
        lines.append(
            f"  health {entry['severity']}: {entry['code']}: {entry['message']}{suggestion}"
        )
    return lines


def format_summary(path: Path, summary: dict[str, Any]) -> str:
    """The inspector's summary as indented text: kind, array, pyramid, channels, problems."""
    kind = summary["kind"]
    details = [f"Zarr v{summary['zarr_format']}"] if summary.get("zarr_format") else []
    if summary.get("ome_version"):
        details.append(f"OME-NGFF {summary['ome_version']}")
    lines = [f"{path}: {kind}" + (f" ({', '.join(details)})" if details else "")]
    if summary.get("array"):
        lines += _array_lines(summary["array"])
    ome = summary.get("ome") or {}
    for image in ome.get("multiscales") or []:
        lines += _multiscale_lines(image)
    if (ome.get("omero") or {}).get("channels"):
        lines += _channel_lines(ome["omero"]["channels"])
    if summary.get("tiff"):
        lines += _tiff_lines(summary["tiff"])
    if summary.get("n5"):
        lines += _n5_lines(summary["n5"])
    group = summary.get("group")
    if group and not ome.get("multiscales"):
        lines.append(f"  members: {group['members_total']}{_page_note(group)}")
        lines += [f"    {m['name']}: {m['kind']}" for m in group["members"]]
    validation = summary.get("validation")
    if validation is not None:
        verdict = "valid" if validation["valid"] else "INVALID"
        lines.append(
            f"  validation: {verdict} ({len(validation['errors'])} error(s), "
            f"{len(validation['warnings'])} warning(s); `fileglancer-ext validate` for details)"
        )
    lines += [f"  problem: {p['file']}: {p['message']}" for p in summary.get("problems", [])]
    lines += health_lines(summary.get("health") or [])
    return "\n".join(lines)


def format_stats(path: Path, stats: dict[str, Any]) -> str:
    """`fileglancer-ext stats` as text: the totals, then one line per pyramid level."""
    on_disk = stats["stored_bytes"] + stats["dir_bytes"]
    lines = [
        f"{path}: {stats['kind']}",
        f"  stored: {_bytes(stats['stored_bytes'])} in {stats['files']} files "
        f"({_bytes(on_disk)} with {stats['dirs']} folders, as du -sb: {on_disk}); "
        f"allocated {_bytes(stats['allocated_bytes'])}",
    ]
    if stats["chunk_files"] is not None:
        lines.append(f"  {_total_chunk_text(stats)}")
    if stats["logical_bytes"] is not None:
        lines.append(f"  uncompressed: {_bytes(stats['logical_bytes'])}{_ratio_text(stats)}")
    for level in stats["levels"] or []:
        lines.append(
            f"  level {level['path']}: {_chunk_text(level)}, "
            f"{_bytes(level['stored_bytes'])} stored{_ratio_text(level)}"
        )
    if stats["unreadable"]:
        lines.append(f"  unreadable: {stats['unreadable']} (left out of every figure)")
    lines.append(f"  walked in {stats['elapsed']:.2f} s")
    return "\n".join(lines)


def _total_chunk_text(stats: dict[str, Any]) -> str:
    """The totals' chunk files: a pyramid's expected ones are its levels' (labels and other
    arrays of the tree have their own grids), so they are set against the levels' files."""
    levels = stats["levels"]
    if not levels or stats["chunks_expected"] is None:
        return _chunk_text(stats)
    in_levels = sum(level["chunk_files"] or 0 for level in levels)
    text = _chunk_text({**stats, "chunk_files": in_levels})
    return f"{text} in the levels, {stats['chunk_files']} in all"


def _chunk_text(figures: dict[str, Any]) -> str:
    present, expected = figures["chunk_files"], figures["chunks_expected"]
    if expected is None:
        return f"{present} chunk files"
    missing = figures["chunks_missing"]
    return f"{present} of {expected} chunk files" + (f" ({missing} missing)" if missing else "")


def _ratio_text(figures: dict[str, Any]) -> str:
    ratio = figures["compression_ratio"]
    return "" if ratio is None else f", compression ratio {ratio:.2f}x"


def _n5_lines(n5: dict[str, Any]) -> list[str]:
    """An N5 dataset's shape, blocks, type and compression, or a group's scale levels and
    children; shapes in C order (z, y, x), as zarr and the inspector show them."""
    dataset, group = n5.get("dataset"), n5.get("group")
    if dataset:
        compression = (dataset.get("compression") or {}).get("type", "?")
        shape, block = dataset.get("shape_c_order"), dataset.get("block_shape_c_order")
        return [
            f"  shape: {_dims(shape) if shape else '?'}  blocks: {_dims(block) if block else '?'}"
            f"  type: {dataset.get('data_type')}  compression: {compression}",
            f"  {dataset.get('chunks_expected')} blocks expected, uncompressed: "
            f"{_bytes(dataset.get('logical_bytes'))}",
        ]
    if not group:
        return []
    lines = []
    multiscale = group.get("multiscale") or {}
    resolution = multiscale.get("pixel_resolution") or {}
    if resolution.get("dimensions"):
        sizes = " x ".join(_number(v) for v in resolution["dimensions"])
        lines.append(f"  pixel resolution (x, y, z...): {sizes} {resolution.get('unit') or ''}")
    for level in multiscale.get("levels") or []:
        shape = level.get("shape_c_order")
        lines.append(f"  level {level['path']}: {_dims(shape) if shape else '?'}")
    lines.append(f"  children: {group['children_total']}")
    return lines


def _array_lines(array: dict[str, Any]) -> list[str]:
    lines = [
        f"  shape: {_dims(array['shape'])}  dtype: {array['dtype'] or array['data_type']}"
        + (" (big-endian)" if array.get("byte_order") == "big" else ""),
        f"  chunks: {_dims(array['chunk_shape'])}",
    ]
    if array.get("shard_shape"):
        lines.append(f"  shards: {_dims(array['shard_shape'])}")
    codecs = ", ".join(codec["name"] for codec in array.get("codecs") or []) or "none"
    lines.append(f"  codecs: {codecs}")
    if array.get("dimension_names"):
        # A null name is an unnamed dimension, not one called "None".
        names = [str(n) if n is not None else "(no name)" for n in array["dimension_names"]]
        lines.append(f"  dimensions: {', '.join(names)}")
    expected = array["chunks_expected"]
    lines.append(
        f"  chunks expected: {'?' if expected is None else f'{expected:,}'}  "
        f"uncompressed: {_bytes(array['logical_bytes'])}"
    )
    return lines


def _tiff_lines(tiff: dict[str, Any]) -> list[str]:
    flavor = ", ".join(tiff["flavors"]) or "plain"
    lines = [f"  TIFF ({flavor}), {tiff['series_total']} series, {_bytes(tiff['file_size'])}"]
    for series in tiff["series"]:
        lines.append(
            f"  series {series['index']}: {_dims(series['shape'])} ({series['axes']})  "
            f"dtype: {series['dtype']}"
        )
        for level in series["levels"]:
            layout = (
                f"tiles {_dims(level['tile'])}"
                if level["tile"]
                else f"strips of {level['rows_per_strip']} rows"
            )
            lines.append(
                f"    level {level['level']}: {_dims(level['shape'])}  {layout}  "
                f"{level['compression']}  {level['photometric']}"
            )
        sizes = series["pixel_size"]
        if sizes:
            shown = ", ".join(f"{a} {v['value']:g} {v.get('unit') or ''}" for a, v in sizes.items())
            lines.append(f"    pixel size: {shown.strip()}")
        spacing = series.get("time_spacing")
        if spacing:
            lines.append(
                f"    time interval: {spacing['value']:g} {spacing.get('unit') or ''}".rstrip()
            )
        for index, channel in enumerate(series["channels"]):
            color = f" #{channel['color']}" if channel.get("color") else ""
            window = channel.get("window") or {}
            shown = f" window {_number(window.get('start'))}-{_number(window.get('end'))}"
            lines.append(
                f"    channel {index}: {channel.get('name') or '(no name)'}{color}"
                + (shown if window else "")
            )
    return lines


def _multiscale_lines(image: dict[str, Any]) -> list[str]:
    axes = ", ".join(
        axis["name"] + (f" [{axis['unit']}]" if axis.get("unit") else "") for axis in image["axes"]
    )
    lines = [f"  image {image.get('name') or ''}".rstrip() + f": axes {axes}"]
    for level in image["datasets"]:
        sizes = level.get("pixel_size") or {}
        pixel = ", ".join(
            f"{axis} {v['value']:g} {v.get('unit') or ''}".rstrip() for axis, v in sizes.items()
        )
        shape = _dims(level["shape"]) if level.get("shape") else "?"
        lines.append(f"    level {level['path']}: {shape}" + (f"  pixel {pixel}" if pixel else ""))
    return lines


def _channel_lines(channels: Iterable[dict[str, Any]]) -> list[str]:
    lines = ["  channels:"]
    for index, channel in enumerate(channels):
        window = channel.get("window") or {}
        shown = f" window {_number(window.get('start'))}-{_number(window.get('end'))}"
        shown = shown if window else ""
        color = f" #{channel['color']}" if channel.get("color") else ""
        lines.append(f"    {index}: {channel.get('label') or '(no name)'}{color}{shown}")
    return lines


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _dims(values: Iterable[int] | None) -> str:
    """ "4 x 512 x 512", or "?" for what malformed metadata left unknown."""
    return "?" if values is None else " x ".join(str(value) for value in values)


def _bytes(count: int | None) -> str:
    if count is None:
        return "?"
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"


def _page_note(group: dict[str, Any]) -> str:
    """ " (101-200 listed; --members-offset 200 for more)" when not every member is listed."""
    first, listed = group.get("members_offset", 0), len(group["members"])
    if first == 0 and not group.get("members_truncated"):
        return ""
    shown = f"{first + 1}-{first + listed}" if listed else "none"
    more = f"; --members-offset {first + listed} for more" if group.get("members_truncated") else ""
    return f" ({shown} listed{more})"
