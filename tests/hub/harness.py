"""A real JupyterHub deployment for the tests: Unix users, the link store's own PostgreSQL
role and database, and the hub (configurable-http-proxy, LocalProcessSpawner, the link
service) on free ports, configured by deploy/jupyterhub/jupyterhub_config.py.

Two uses: the end-to-end test (tests/hub/) spawns users' servers and keeps the links in
PostgreSQL; the service API tests (tests/links/test_service_api.py) run the same hub light,
with no servers and a SQLite link store. Needs root (the hub becomes each user to spawn
their server, and the tests make the users).
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import URL, create_engine, make_url, text

from fileglancer_ext.links.permissions import forget_accounts
from tests.links.test_link_server import free_port

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"
PROXY = REPO / "node_modules" / ".bin" / "configurable-http-proxy"
BIN = Path(sys.executable).parent
SERVICE = "fileglancer-links"
SERVICE_SCOPE = f"access:services!service={SERVICE}"  # what a token needs to call it
ADMIN_SERVICE = "fileglancer-test-admin"


# --- Unix users ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnixUser:
    name: str
    uid: int
    gid: int
    home: Path


def processes_of(uid: int) -> list[int]:
    """The pids of the processes running as `uid`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except FileNotFoundError:
                continue
    return pids


def missing(reason: str) -> None:
    """Skip, except in CI, where the hub and permission tests must run."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def require_root() -> None:
    if os.geteuid() != 0:
        missing("these tests create Unix users and must run as root")


@contextmanager
def unix_users(*letters: str) -> Iterator[list[UnixUser]]:
    """New Unix users with a home and a group of their own each, named so that they clash
    with no one; their processes are ended and they and their homes removed on leaving."""
    suffix = secrets.token_hex(3)
    made: list[UnixUser] = []
    try:
        for letter in letters:
            name = f"fgl{letter}{suffix}"
            subprocess.run(["useradd", "-m", "--user-group", "-s", "/bin/sh", name], check=True)
            entry = pwd.getpwnam(name)
            made.append(UnixUser(name, entry.pw_uid, entry.pw_gid, Path(entry.pw_dir)))
        forget_accounts()  # the link service's checks in this process see them at once
        yield made
    finally:
        for user in made:
            for pid in processes_of(user.uid):  # only what ran as this test's own users
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            subprocess.run(["userdel", "-r", user.name], check=False, capture_output=True)
        forget_accounts()


@dataclass(frozen=True)
class UnixUsers:
    """The permission tests' users' names: `a` and `b`, and a group `team` that only `b`
    is in (a supplementary group)."""

    a: str
    b: str
    team: str


@contextmanager
def users_and_team() -> Iterator[UnixUsers]:
    """Users a and b and the group team (b only), removed on leaving; root only."""
    require_root()
    team = f"fglteam{secrets.token_hex(3)}"
    with unix_users("a", "b") as (a, b):
        subprocess.run(["groupadd", team], check=True, capture_output=True)
        try:
            subprocess.run(["usermod", "-a", "-G", team, b.name], check=True, capture_output=True)
            forget_accounts()
            yield UnixUsers(a.name, b.name, team)
        finally:
            subprocess.run(["groupdel", team], check=False, capture_output=True)
            forget_accounts()


@contextmanager
def reachable_by(user: str, *paths: Path) -> Iterator[None]:
    """Let `user` reach `paths` (e.g. a Python under /root, 0700): give others the search
    (x) bit on each folder above them that lacks it, and restore the modes on leaving, as
    scripts/test-all.sh does for its unprivileged run. Nothing becomes listable or writable."""
    opened: list[tuple[Path, int]] = []
    try:
        for path in paths:
            for folder in reversed(path.resolve().parents):
                reaches = subprocess.run(["runuser", "-u", user, "--", "test", "-x", folder])
                if reaches.returncode != 0:
                    mode = stat.S_IMODE(folder.stat().st_mode)
                    opened.append((folder, mode))
                    folder.chmod(mode | stat.S_IXOTH)
        yield
    finally:
        for folder, mode in reversed(opened):
            folder.chmod(mode)


# --- the link store: a role and a database only the service knows the password of ---------------


@dataclass(frozen=True)
class LinkDatabase:
    url: str  # the service's URL, without the password
    password: str  # given only to the service (and to the test, as the database's admin)

    @property
    def url_with_password(self) -> str:
        return make_url(self.url).set(password=self.password).render_as_string(False)


@contextmanager
def link_database(admin_url: str) -> Iterator[LinkDatabase]:
    """A new PostgreSQL role with a random password and a database only it (and the admin)
    may connect to, dropped on leaving. `admin_url`'s role needs CREATEROLE and CREATEDB
    (scripts/start-test-postgres.sh grants them)."""
    name = f"fgl_links_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(24)  # letters, digits, - and _: safe in a literal
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'"))
        conn.execute(text(f"CREATE DATABASE {name}"))
        # Membership lets the admin end the role's sessions when dropping the database.
        conn.execute(text(f"GRANT {name} TO CURRENT_USER"))
    inside = create_engine(make_url(admin_url).set(database=name), isolation_level="AUTOCOMMIT")
    with inside.connect() as conn:
        conn.execute(text(f"REVOKE ALL ON DATABASE {name} FROM PUBLIC"))
        conn.execute(text(f"GRANT CONNECT, TEMPORARY ON DATABASE {name} TO {name}"))
        conn.execute(text("REVOKE ALL ON SCHEMA public FROM PUBLIC"))
        conn.execute(text(f"GRANT USAGE, CREATE ON SCHEMA public TO {name}"))
    inside.dispose()
    admin_parts = make_url(admin_url)
    url = URL.create(
        admin_parts.drivername,
        username=name,
        host=admin_parts.host,
        port=admin_parts.port,
        database=name,
    )
    try:
        yield LinkDatabase(url.render_as_string(False), password)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"DROP ROLE IF EXISTS {name}"))
        admin.dispose()


# --- the hub ------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def decoded(self) -> Any:
        """The body as JSON when it is JSON, else as text."""
        try:
            return self.json()
        except ValueError:
            return self.body.decode(errors="replace")


def request(
    method: str,
    url: str,
    *,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    session: requests.Session | None = None,
) -> Response:
    """One HTTP request (anonymous without `token`), redirects not followed; never raises
    on an HTTP status."""
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"token {token}"
    answer = (session or requests).request(
        method, url, json=body, headers=sent, timeout=30, allow_redirects=False
    )
    return Response(answer.status_code, dict(answer.headers), answer.content)


@dataclass
class Hub:
    """A running JupyterHub: `url` is its public address (the proxy)."""

    url: str
    admin_token: str
    service_port: int
    state: Path
    log: Path
    database: LinkDatabase  # the link service's store
    process: subprocess.Popen[bytes] | None = None
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def service_url(self) -> str:
        """The link service's public URL (through the proxy)."""
        return f"{self.url}/services/{SERVICE}"

    @property
    def service_direct_url(self) -> str:
        """The link service's own loopback address (what users' servers call)."""
        return f"http://127.0.0.1:{self.service_port}/services/{SERVICE}"

    def request(
        self,
        method: str,
        url: str,
        *,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """One HTTP request (anonymous without `token`); never raises on an HTTP status."""
        return request(method, url, token=token, body=body, headers=headers, session=self.session)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """The hub's REST API as the test's admin service; raises unless 2xx."""
        url = f"{self.url}/hub/api/{path}"
        answer = self.request(method, url, token=self.admin_token, body=body)
        assert 200 <= answer.status < 300, f"{method} {path}: {answer.status} {answer.body!r}"
        return answer.json() if answer.body else None

    def add_user(self, name: str) -> str:
        """Add `name` to the hub and return a new API token of theirs."""
        self.api("POST", f"users/{name}")
        return self.api("POST", f"users/{name}/tokens", {"note": "fileglancer test"})["token"]

    def token(self, name: str, scopes: list[str]) -> str:
        """A new API token of `name`'s with only these scopes."""
        return self.api("POST", f"users/{name}/tokens", {"scopes": scopes})["token"]

    def start_servers(self, *names: str, timeout: float = 90) -> None:
        """Start these users' servers (together) and wait until every one is ready."""
        for name in names:
            self.api("POST", f"users/{name}/server")
        self.wait(lambda: all(self.server(name).get("ready") for name in names), timeout, "servers")

    def stop_server(self, name: str, timeout: float = 30) -> None:
        self.api("DELETE", f"users/{name}/server")
        self.wait(lambda: not self.server(name), timeout, f"{name}'s server to stop")

    def server(self, name: str) -> dict[str, Any]:
        """The user's default server as the hub describes it ({} when there is none)."""
        return self.api("GET", f"users/{name}")["servers"].get("", {})

    def wait(self, done: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"the hub exited; its log:\n{self.log_tail()}")
            try:
                if done():
                    return
            except (requests.ConnectionError, AssertionError):
                pass
            time.sleep(0.3)
        raise AssertionError(
            f"waited {timeout:.0f} s for {what}; the hub's log:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def hub_config(hub: Hub, proxy_api_port: int, hub_port: int) -> str:
    """The jupyterhub_config.py the test runs: the repository's deployment file, plus what
    only a test needs (free ports, state in a temporary folder, tokens instead of logins, an
    admin service for the test)."""
    state = hub.state
    return f"""\
c = get_config()  # noqa: F821
load_subconfig({str(TEMPLATE)!r})  # noqa: F821

c.JupyterHub.bind_url = {hub.url!r}
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]
c.ConfigurableHTTPProxy.pid_file = {str(state / "proxy.pid")!r}
c.JupyterHub.db_url = "sqlite:///{state / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(state / "cookie_secret")!r}
c.JupyterHub.cleanup_servers = True
c.Spawner.start_timeout = 90
c.Spawner.http_timeout = 90
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0}}  # start servers side by side
# Users act with API tokens the test makes through the admin service: no logins.
c.JupyterHub.authenticator_class = "null"
import os
c.JupyterHub.services.append(
    {{"name": {ADMIN_SERVICE!r}, "api_token": os.environ["FILEGLANCER_TEST_HUB_ADMIN_TOKEN"]}}
)
c.JupyterHub.load_roles.append(
    {{
        "name": "fileglancer-test-admin",
        "scopes": ["admin:users", "admin:servers", "tokens", "list:services", "read:services"],
        "services": [{ADMIN_SERVICE!r}],
    }}
)
"""


@contextmanager
def running_hub(database: LinkDatabase | None, roots: list[Path]) -> Iterator[Hub]:
    """Start JupyterHub as configured by the repository's deployment file, with the link
    service over `database` (None: a SQLite store of its own, for tests that need no
    PostgreSQL) serving links into `roots`; wait until the proxy, the hub's API and the
    link service answer; stop it all (servers, service, proxy) on leaving."""
    if not PROXY.exists():
        pytest.fail("configurable-http-proxy is missing: npm install", pytrace=False)
    state = Path(tempfile.mkdtemp(prefix="fileglancer-hub-"))  # 0700: the hub's secrets
    if database is None:  # the service runs as the hub's user (root): it may write here
        database = LinkDatabase(f"sqlite:///{state / 'links.sqlite3'}", password="")
    hub = Hub(
        url=f"http://127.0.0.1:{free_port()}",
        admin_token=secrets.token_hex(32),
        service_port=free_port(),
        state=state,
        log=state / "hub.log",
        database=database,
    )
    config = state / "jupyterhub_config.py"
    config.write_text(hub_config(hub, proxy_api_port=free_port(), hub_port=free_port()))
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(REPO),  # users' servers and the service run this checkout
        "FILEGLANCER_HUB_PUBLIC_URL": hub.url,
        "FILEGLANCER_LINKS_PORT": str(hub.service_port),
        "FILEGLANCER_LINKS_DATABASE_URL": database.url,
        "FILEGLANCER_LINKS_DATABASE_PASSWORD": database.password,
        "FILEGLANCER_LINKS_ROOTS": ":".join(str(root) for root in roots),
        "FILEGLANCER_TEST_HUB_ADMIN_TOKEN": hub.admin_token,
    }
    with hub.log.open("wb") as log:
        hub.process = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(config)],
            cwd=state,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        hub.wait(lambda: hub.request("GET", f"{hub.url}/hub/api/").status == 200, 60, "the hub")
        hub.wait(
            lambda: hub.request("GET", f"{hub.service_url}/").body == b"ok\n",
            60,
            "the link service",
        )
        yield hub
    finally:
        stop(hub.process)
        stop_proxy_left_behind(state / "proxy.pid")
        shutil.rmtree(state, ignore_errors=True)


def stop_proxy_left_behind(pid_file: Path) -> None:
    """End the proxy the hub started, if the hub died without stopping it."""
    try:
        pid = int(pid_file.read_text())
        if str(PROXY).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():  # not a reused pid
            os.kill(pid, signal.SIGTERM)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        pass


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the hub then stops servers, services and its proxy); SIGKILL to its
    process group if it takes more than 30 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
