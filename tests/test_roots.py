"""Parsing and checking the configured roots, without a server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fileglancer_ext.roots import RootConfigError, load_roots, parse_root_entry


def test_default_is_one_home_root_at_the_server_root_dir(tmp_path: Path):
    roots, problems = load_roots([], str(tmp_path))
    assert problems == []
    assert [(r.name, r.title, r.path, r.available) for r in roots] == [
        ("home", "Home", tmp_path.resolve(), True)
    ]


def test_shorthand_and_mapping_entries_are_both_accepted(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    roots, problems = load_roots(
        [f"a={tmp_path / 'a'}", {"name": "b", "path": str(tmp_path / "b"), "title": "Bee"}],
        "/unused",
    )
    assert problems == []
    assert [(r.name, r.title) for r in roots] == [("a", "a"), ("b", "Bee")]


def test_json_string_entry_from_the_command_line_is_accepted(tmp_path: Path):
    root = parse_root_entry(f'{{"name": "lab", "path": "{tmp_path}", "smb_url": "smb://fs/lab"}}')
    assert (root.name, root.path, root.smb_url) == ("lab", tmp_path, "smb://fs/lab")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("no-equals-sign", "should look like 'name=/path'"),
        ({"path": "/tmp"}, "root name None"),
        ({"name": "../etc", "path": "/tmp"}, "root name '../etc'"),
        ({"name": "a b", "path": "/tmp"}, "root name 'a b'"),
        ({"name": "rel", "path": "relative/dir"}, "must be absolute"),
        ({"name": "nopath"}, "has no 'path'"),
        ({"name": "x", "path": "/tmp", "colour": "red"}, "unknown keys: colour"),
        ("{not json", "is not valid JSON"),
        (42, "should be a mapping"),
    ],
)
def test_malformed_entries_are_rejected_with_a_reason(entry, message: str):
    with pytest.raises(RootConfigError) as caught:
        parse_root_entry(entry)
    assert message in str(caught.value)


def test_missing_file_and_unreadable_roots_are_kept_but_unavailable(tmp_path: Path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("not a directory")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0)
    roots, problems = load_roots(
        [f"gone={tmp_path / 'gone'}", f"file={a_file}", f"locked={locked}"], "/unused"
    )
    reasons = {root.name: root.problem for root in roots}
    # Users see the reason, never the server's path; the admin's log lines name it.
    assert reasons["gone"] == "its folder does not exist"
    assert reasons["file"] == "its path is not a folder"
    if os.geteuid() != 0:  # root reads everything, so only an ordinary user sees this one
        assert reasons["locked"] == "its folder is not readable by this server's user"
    assert len(problems) == (3 if os.geteuid() != 0 else 2)
    assert f"root 'gone' ({tmp_path / 'gone'}) is unavailable: its folder does not exist" in (
        problems
    )
    locked.chmod(0o700)


def test_duplicate_names_keep_the_first(tmp_path: Path):
    roots, problems = load_roots([f"a={tmp_path}", f"a={tmp_path / 'x'}"], "/unused")
    assert [root.path for root in roots] == [tmp_path.resolve()]
    assert problems == ["ignoring a second root named 'a'"]


def test_available_root_paths_are_resolved_through_symlinks(tmp_path: Path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    roots, _ = load_roots([f"l={tmp_path / 'link'}"], "/unused")
    assert roots[0].path == real.resolve()


def test_home_directory_is_expanded(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert parse_root_entry("h=~").path == tmp_path
