"""One real hub deployment per test module: two Unix users with their servers running, the
link service on its own PostgreSQL database, and a dataset in each user's home."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy
import zarr

from tests.hub.harness import (
    REPO,
    Hub,
    LinkDatabase,
    UnixUser,
    link_database,
    missing,
    reachable_by,
    running_hub,
    unix_users,
)


@dataclass
class HubUser:
    unix: UnixUser
    token: str  # a hub API token of theirs

    @property
    def name(self) -> str:
        return self.unix.name


@dataclass
class Deployment:
    hub: Hub
    database: LinkDatabase
    a: HubUser
    b: HubUser
    image: np.ndarray  # what A's shared image (~/shared/image.zarr) holds


def make_datasets(user: UnixUser) -> np.ndarray:
    """~/shared/image.zarr (readable by all) and ~/private/ (0700), owned by `user`."""
    image = np.arange(64 * 48, dtype="uint16").reshape(64, 48)
    array = zarr.create_array(
        user.home / "shared" / "image.zarr", shape=image.shape, chunks=(32, 16), dtype="uint16"
    )
    array[:] = image
    private = user.home / "private"
    (private / "secret.zarr").mkdir(parents=True)
    (private / "secret.zarr" / "zarr.json").write_text('{"secret": true}')
    for path in [user.home / "shared", private]:
        for entry in [path, *path.rglob("*")]:
            os.chown(entry, user.uid, user.gid)
    private.chmod(0o700)
    return image


def can_make_roles(admin_url: str) -> bool:
    engine = sqlalchemy.create_engine(admin_url)
    try:
        with engine.connect() as conn:
            query = (
                "SELECT rolcreaterole AND rolcreatedb FROM pg_roles WHERE rolname = current_user"
            )
            return bool(conn.execute(sqlalchemy.text(query)).scalar())
    finally:
        engine.dispose()


def configure_server(user: UnixUser, roots: list[str]) -> None:
    """Write the user's own ~/.jupyter/jupyter_server_config.py, as any hub user may."""
    config = user.home / ".jupyter" / "jupyter_server_config.py"
    config.parent.mkdir()
    config.write_text(f"c.FileglancerApp.roots = {roots!r}\n")
    for path in (config.parent, config):
        os.chown(path, user.uid, user.gid)


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    if os.geteuid() != 0:
        pytest.skip("the hub test needs root: it creates Unix users and spawns their servers")
    admin_url = os.environ.get("FILEGLANCER_TEST_POSTGRES_URL")
    if not admin_url:
        missing("FILEGLANCER_TEST_POSTGRES_URL is not set (scripts/test-all.sh sets it)")
    if not can_make_roles(admin_url):
        missing(
            "the test PostgreSQL role may not create roles and databases "
            "(scripts/start-test-postgres.sh grants it CREATEROLE CREATEDB)"
        )
    for tool in ("useradd", "userdel", "runuser"):
        if not shutil.which(tool):
            missing(f"the hub test needs {tool}")
    with ExitStack() as stack:
        a_unix, b_unix = stack.enter_context(unix_users("a", "b"))
        for user in (a_unix, b_unix):  # their servers run this venv's Python and this checkout
            stack.enter_context(reachable_by(user.name, Path(sys.executable).resolve(), REPO))
        image = make_datasets(a_unix)
        make_datasets(b_unix)
        # B controls B's own server: a root in A's home (refused where it is private).
        configure_server(b_unix, [f"home={b_unix.home}", f"a-home={a_unix.home}"])
        database = stack.enter_context(link_database(admin_url))
        hub = stack.enter_context(running_hub(database, roots=[a_unix.home.parent]))
        a = HubUser(a_unix, hub.add_user(a_unix.name))
        b = HubUser(b_unix, hub.add_user(b_unix.name))
        hub.start_servers(a.name, b.name)
        yield Deployment(hub, database, a, b, image)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed hub test shows the end of the hub's log (servers' and service's included)."""
    report = yield
    deployment = getattr(item, "funcargs", {}).get("deployment")
    if report.failed and isinstance(deployment, Deployment):
        report.sections.append(("the hub's log, last lines", deployment.hub.log_tail()))
    return report
