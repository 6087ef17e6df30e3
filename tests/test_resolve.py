"""Confinement: RootRegistry.resolve turns (root, relative path) into a real path or refuses.

The fixture tree is real directories and symlinks; the property-based tests at the end
throw crafted paths at the same tree and check that nothing ever lands outside the roots.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fileglancer_ext.errors import BadRequest, FileglancerError, Forbidden, NotFound
from fileglancer_ext.roots import Root, RootRegistry, check_availability
from tests.unprivileged import run_without_privileges

# The lab root's symlinks: name -> target (relative targets are relative to the link).
LAB_SYMLINKS = {
    "inside": "data",
    "to_etc": "/etc",
    "to_root": "/",
    "to_parent": "..",
    "to_scratch": "../scratch/shared",
    "to_lab2": "../lab2",
    "to_lab2_file": "../lab2/secret.txt",
    "chain1": "chain2",
    "chain2": "data/sub",
    "chain_out1": "chain_out2",
    "chain_out2": "/etc",
    "dangling": "nowhere",
    "dangling_out": "/nonexistent-fileglancer-target",
    "loop_a": "loop_b",
    "loop_b": "loop_a",
    "to_self": ".",
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """base/{lab, lab2, scratch, outside}; only lab and scratch are roots (see `roots`)."""
    base = tmp_path_factory.mktemp("confinement").resolve()
    lab = base / "lab"
    (lab / "data" / "sub").mkdir(parents=True)
    (lab / "data" / "file.txt").write_text("inside")
    (lab / "data" / "sub" / "deep.txt").write_text("deep")
    (lab / "back\\slash").write_text("a name with a backslash")
    (lab / "~").mkdir()
    (lab / "%2e%2e").mkdir()
    (lab / "日本語 é").mkdir()
    (base / "lab2").mkdir()
    (base / "lab2" / "secret.txt").write_text("next door")
    (base / "scratch" / "shared").mkdir(parents=True)
    (base / "scratch" / "shared" / "x.txt").write_text("scratch")
    (base / "outside").mkdir()
    (base / "outside" / "secret.txt").write_text("secret")
    for name, target in LAB_SYMLINKS.items():
        (lab / name).symlink_to(target)
    return base


def make_registry(tree: Path, *, between: bool = False, extra: list[Root] = ()) -> RootRegistry:
    roots = [
        check_availability(Root("lab", tree / "lab", "Lab")),
        check_availability(Root("scratch", tree / "scratch", "Scratch")),
        *extra,
    ]
    return RootRegistry(roots, allow_symlinks_between_roots=between)


@pytest.fixture(scope="module")
def registry(tree: Path) -> RootRegistry:
    return make_registry(tree)


@pytest.fixture(scope="module")
def linked_registry(tree: Path) -> RootRegistry:
    return make_registry(tree, between=True)


# --- ordinary paths -----------------------------------------------------------------------


@pytest.mark.parametrize("rel_path", ["", "/", "/.", "./", "."])
def test_empty_and_slash_mean_the_root_itself(registry: RootRegistry, tree: Path, rel_path):
    assert registry.resolve("lab", rel_path).real == tree / "lab"
    assert registry.relative("lab", tree / "lab") == ""


@pytest.mark.parametrize(
    "rel_path", ["data/file.txt", "/data/file.txt", "data/file.txt/", "data//file.txt", "./data/."]
)
def test_extra_slashes_and_dots_are_tolerated(registry: RootRegistry, tree: Path, rel_path):
    real = registry.resolve("lab", rel_path).real
    assert real.parent == tree / "lab" / "data" or real == tree / "lab" / "data"
    assert registry.relative("lab", real) in ("data/file.txt", "data")


def test_backslash_is_part_of_a_name_not_a_separator(registry: RootRegistry, tree: Path):
    assert registry.resolve("lab", "back\\slash").real == tree / "lab" / "back\\slash"
    with pytest.raises(NotFound):
        registry.resolve("lab", "data\\..\\..\\outside")


@pytest.mark.parametrize("name", ["~", "%2e%2e", "日本語 é"])
def test_names_that_look_special_elsewhere_are_plain_names_here(
    registry: RootRegistry, tree: Path, name: str
):
    assert registry.resolve("lab", name).real == tree / "lab" / name


def test_symlink_inside_the_root_resolves_to_its_target(registry: RootRegistry, tree: Path):
    assert registry.resolve("lab", "inside/file.txt").real == tree / "lab" / "data" / "file.txt"
    assert registry.resolve("lab", "to_self").real == tree / "lab"


def test_symlink_chain_inside_the_root_is_followed_to_the_end(registry, tree: Path):
    real = registry.resolve("lab", "chain1/deep.txt").real
    assert real == tree / "lab" / "data" / "sub" / "deep.txt"
    assert registry.relative("lab", real) == "data/sub/deep.txt"


# --- requests that are malformed ----------------------------------------------------------


@pytest.mark.parametrize("rel_path", ["a\x00b", "\x00", "data/file.txt\x00.png"])
def test_nul_bytes_are_a_bad_request(registry: RootRegistry, rel_path: str):
    with pytest.raises(BadRequest, match="NUL"):
        registry.resolve("lab", rel_path)


@pytest.mark.parametrize(
    "rel_path", ["..", "../lab2", "data/..", "data/../data", "/data/sub/../../..", "a/../../"]
)
def test_any_dotdot_component_is_a_bad_request(registry: RootRegistry, rel_path: str):
    with pytest.raises(BadRequest, match=r"'\.\.'") as caught:
        registry.resolve("lab", rel_path)
    assert (caught.value.status, caught.value.code) == (400, "bad_request")


@pytest.mark.parametrize(
    "rel_path", ["//etc/passwd", "//", "///data", "C:\\Windows", "c:/x", "/C:\\x", "Z:/"]
)
def test_absolute_paths_are_a_bad_request(registry: RootRegistry, rel_path: str):
    with pytest.raises(BadRequest, match="absolute path"):
        registry.resolve("lab", rel_path)


def test_a_name_that_cannot_be_encoded_is_a_bad_request(registry: RootRegistry):
    with pytest.raises(BadRequest, match="not a valid file name"):
        registry.resolve("lab", "bad\ud800name")


# --- leaving the root ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "rel_path",
    [
        "to_etc",
        "to_etc/passwd",
        "to_root",
        "to_root/etc",
        "to_parent",
        "to_parent/outside/secret.txt",
        "chain_out1",
        "chain_out1/hostname",
        "dangling_out",
    ],
)
def test_symlinks_pointing_outside_are_forbidden(registry: RootRegistry, rel_path: str):
    with pytest.raises(Forbidden, match="points outside the shared folders") as caught:
        registry.resolve("lab", rel_path)
    assert (caught.value.status, caught.value.code) == (403, "forbidden")


def test_a_sibling_whose_name_extends_the_root_name_is_outside(registry, tree: Path):
    # "/x/lab" is a string prefix of "/x/lab2" but not a parent of it.
    for rel_path in ("to_lab2", "to_lab2_file"):
        with pytest.raises(Forbidden):
            registry.resolve("lab", rel_path)
    assert not registry.is_inside("lab", tree / "lab2" / "secret.txt")
    assert registry.locate(tree / "lab2") is None


def test_symlink_into_another_root_is_forbidden_by_default(registry: RootRegistry):
    with pytest.raises(Forbidden, match="points outside the shared folders"):
        registry.resolve("lab", "to_scratch/x.txt")


def test_symlink_into_another_root_is_allowed_when_switched_on(linked_registry, tree: Path):
    real = linked_registry.resolve("lab", "to_scratch/x.txt").real
    assert real == tree / "scratch" / "shared" / "x.txt"
    assert linked_registry.locate(real) == ("scratch", "shared/x.txt")
    with pytest.raises(ValueError):
        linked_registry.relative("lab", real)  # it belongs to scratch, not lab


def test_the_switch_does_not_open_paths_outside_every_root(linked_registry: RootRegistry):
    for rel_path in ("to_etc", "to_lab2", "to_parent", "chain_out1"):
        with pytest.raises(Forbidden):
            linked_registry.resolve("lab", rel_path)


# --- missing and unreadable ---------------------------------------------------------------


@pytest.mark.parametrize("rel_path", ["nope", "nope/deeper/x", "data/file.txt/child", "dangling"])
def test_missing_paths_are_not_found_naming_root_and_path(registry, tree: Path, rel_path: str):
    with pytest.raises(NotFound) as caught:
        registry.resolve("lab", rel_path)
    error = caught.value
    assert (error.status, error.code) == (404, "not_found")
    assert f"'{rel_path}'" in error.message and "'lab'" in error.message
    assert str(tree) not in error.message


def test_a_symlink_loop_is_not_found_with_a_reason(registry: RootRegistry):
    with pytest.raises(NotFound, match="loop of symbolic links"):
        registry.resolve("lab", "loop_a")


def test_a_path_under_an_unreadable_directory_is_forbidden(shared_tmp: Path):
    # As an unprivileged user: root reads every directory.
    locked = shared_tmp / "locked"
    (locked / "inner").mkdir(parents=True)
    locked.chmod(0)
    registry = RootRegistry([check_availability(Root("home", shared_tmp, "Home"))])
    outcome = run_without_privileges(lambda: str(registry.resolve("home", "locked/inner")))
    assert outcome.get("error") == "Forbidden", outcome
    assert "You do not have permission to read 'locked/inner'" in outcome["message"]


def test_a_permission_error_while_statting_is_forbidden(registry, tree: Path, monkeypatch):
    # The same rule as above, for a test run as root: make the stat itself refuse.
    real_stat = os.stat
    denied = tree / "lab" / "data" / "sub"

    def refusing_stat(path, *args, **kwargs):
        if Path(path) == denied:
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", refusing_stat)
    with pytest.raises(Forbidden, match="You do not have permission to read 'data/sub' in 'lab'"):
        registry.resolve("lab", "data/sub")


# --- roots themselves ---------------------------------------------------------------------


def test_unknown_root_is_not_found(registry: RootRegistry):
    with pytest.raises(NotFound, match="no shared folder named 'nope'"):
        registry.resolve("nope", "")
    with pytest.raises(NotFound):
        registry.get("nope")
    assert registry.is_inside("nope", Path("/")) is False


def test_unavailable_root_is_forbidden_with_the_reason(tree: Path):
    gone = check_availability(Root("gone", tree / "gone", "Gone"))
    registry = make_registry(tree, extra=[gone])
    with pytest.raises(Forbidden, match="'gone' is unavailable: .* does not exist") as caught:
        registry.resolve("gone", "")
    assert caught.value.status == 403
    assert registry.get("lab").name == "lab"
    assert [root.name for root in registry.roots] == ["lab", "scratch", "gone"]


def test_a_root_given_through_a_symlink_is_compared_by_its_real_path(tree: Path, tmp_path: Path):
    alias = tmp_path / "lab-alias"
    alias.symlink_to(tree / "lab")
    registry = RootRegistry([Root("lab", alias, "Lab")])  # deliberately not resolved
    assert registry.resolve("lab", "inside").real == tree / "lab" / "data"
    assert registry.relative("lab", tree / "lab" / "data") == "data"


def test_locate_names_the_deepest_of_nested_roots(tree: Path):
    data = check_availability(Root("data", tree / "lab" / "data", "Data"))
    registry = make_registry(tree, extra=[data])
    assert registry.locate(tree / "lab" / "data" / "sub") == ("data", "sub")
    assert registry.locate(tree / "lab" / "data") == ("data", "")
    assert registry.locate(tree / "lab" / "~") == ("lab", "~")
    assert registry.locate(tree / "lab" / "inside") == ("data", "")  # resolved first
    assert registry.locate(tree / "outside") is None


def test_is_inside_marks_symlink_entries_without_raising(registry, linked_registry, tree: Path):
    lab = tree / "lab"
    assert registry.is_inside("lab", lab / "inside")
    assert not registry.is_inside("lab", lab / "to_etc")
    assert not registry.is_inside("lab", lab / "to_scratch")
    assert linked_registry.is_inside("lab", lab / "to_scratch")
    assert not linked_registry.is_inside("lab", lab / "to_lab2")
    assert registry.is_inside("lab", lab / "dangling")  # dangling, but would stay inside
    assert not registry.is_inside("lab", Path("/tmp/\x00"))


# --- property-based: crafted paths never escape -------------------------------------------

# Pieces of path-traversal tricks and names that are special on some other system.
TRICKS = [
    "..",
    ".",
    "",
    "~",
    "%2e%2e",
    "%2f",
    "\\",
    "..\\..",
    "...",
    "\x00",
    "C:",
    "C:\\",
    "\udc80",
]
TREE_NAMES = ["data", "sub", "file.txt", "lab", "lab2", "scratch", "shared", "etc", *LAB_SYMLINKS]

noisy_paths = st.builds(
    lambda lead, segments, seps: (
        lead + "".join(segment + sep for segment, sep in zip(segments, seps, strict=False))
    ),
    st.sampled_from(["", "/", "//", "\\", "C:\\", "~/"]),
    st.lists(st.sampled_from(TREE_NAMES + TRICKS) | st.text(max_size=4), max_size=8),
    st.lists(st.sampled_from(["/", "//", "", "\\"]), min_size=8, max_size=8),
)

PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def draw_tree_walk(data: st.DataObject, tree: Path) -> str:
    """A path that follows real entries of the tree, symlinks included, then maybe a trick.

    Walking the real tree makes most drawn paths valid, so symlink targets are really
    resolved rather than most paths failing early with 404.
    """
    lexical, parts = tree / "lab", []
    for _ in range(data.draw(st.integers(0, 5), label="depth")):
        real = Path(os.path.realpath(lexical))
        if not real.is_relative_to(tree) or not real.is_dir():
            break  # already outside the fixture (or a file): no need to wander /proc
        names = sorted(os.listdir(real))
        if not names:
            break
        parts.append(data.draw(st.sampled_from(names), label="name"))
        lexical = lexical / parts[-1]
    parts.extend(data.draw(st.lists(st.sampled_from(TRICKS), max_size=2), label="tail"))
    seps = data.draw(
        st.lists(st.sampled_from(["/", "//"]), min_size=len(parts), max_size=len(parts))
    )
    lead = data.draw(st.sampled_from(["", "/", "//"]), label="lead")
    return lead + "".join(part + sep for part, sep in zip(parts, seps, strict=True))


def assert_resolves_safely(registry: RootRegistry, tree: Path, rel_path: str) -> None:
    try:
        real = registry.resolve("lab", rel_path).real
    except FileglancerError as error:
        assert error.status in (400, 403, 404)
        assert str(tree) not in error.message
        return
    assert real.exists() and Path(os.path.realpath(real)) == real
    if real.is_relative_to(tree / "lab"):
        return
    assert registry.allow_symlinks_between_roots, f"{rel_path!r} escaped to {real}"
    assert real.is_relative_to(tree / "scratch"), f"{rel_path!r} escaped to {real}"


@PROPERTY_SETTINGS
@given(data=st.data())
def test_walks_through_the_tree_stay_inside_the_root(registry, tree: Path, data):
    assert_resolves_safely(registry, tree, draw_tree_walk(data, tree))


@PROPERTY_SETTINGS
@given(data=st.data())
def test_walks_reach_other_roots_only_with_the_switch(linked_registry, tree: Path, data):
    assert_resolves_safely(linked_registry, tree, draw_tree_walk(data, tree))


@PROPERTY_SETTINGS
@given(rel_path=noisy_paths)
def test_crafted_paths_resolve_inside_the_root_or_fail(registry, tree: Path, rel_path: str):
    assert_resolves_safely(registry, tree, rel_path)


@PROPERTY_SETTINGS
@given(rel_path=noisy_paths)
def test_crafted_paths_reach_other_roots_only_with_the_switch(
    linked_registry, tree: Path, rel_path: str
):
    assert_resolves_safely(linked_registry, tree, rel_path)


@PROPERTY_SETTINGS
@given(rel_path=st.text(max_size=30))
def test_arbitrary_text_never_escapes(registry, tree: Path, rel_path: str):
    assert_resolves_safely(registry, tree, rel_path)
