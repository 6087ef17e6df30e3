"""A real JupyterHub (with configurable-http-proxy) on free ports, running the link server
as a hub-managed service, for the service API tests. Small on purpose: the end-to-end
tests (tests/hub/) have the full deployment."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .test_link_server import free_port

REPO = Path(__file__).resolve().parents[2]
SERVICE = "fileglancer-links"
SERVICE_SCOPE = f"access:services!service={SERVICE}"
STARTUP_SECONDS = 60


def proxy_command() -> str:
    found = shutil.which("configurable-http-proxy") or str(
        REPO / "node_modules" / ".bin" / "configurable-http-proxy"
    )
    if not os.path.exists(found):
        pytest.fail("configurable-http-proxy is missing: npm install", pytrace=False)
    return found


@dataclass
class Hub:
    """A running hub: its public URL, an admin token, the link service's URL, store."""

    url: str
    admin_token: str
    service_url: str  # through the hub's proxy, ending in "/"
    database_url: str
    log: Path

    def api(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = request(
            method, f"{self.url}hub/api/{path}", token=self.admin_token, body=body
        )
        assert status < 300, (status, answer)
        return answer

    def add_user(self, name: str) -> None:
        self.api("POST", f"users/{name}")

    def token(self, user: str, scopes: list[str]) -> str:
        return self.api("POST", f"users/{user}/tokens", {"scopes": scopes})["token"]


def request(
    method: str, url: str, *, token: str | None = None, body: Any = None
) -> tuple[int, Any]:
    """(status, decoded JSON or text) of one HTTP request; never raises for a status."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token is not None:
        headers["Authorization"] = f"token {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


@contextmanager
def running_hub(workdir: Path, roots: list[str]) -> Iterator[Hub]:
    """JupyterHub + proxy in `workdir`, the link service over SQLite, serving `roots`."""
    proxy_port, api_port, hub_port, service_port = (free_port() for _ in range(4))
    admin_token = secrets.token_hex(32)
    database_url = f"sqlite:///{workdir / 'links.sqlite3'}"
    serve = "import sys; from fileglancer_ext.cli import main; sys.exit(main())"
    config = {
        "proxy_port": proxy_port,
        "api_port": api_port,
        "hub_port": hub_port,
        "service_port": service_port,
        "admin_token": admin_token,
        "proxy": proxy_command(),
        "command": [sys.executable, "-c", serve, "serve-links", "--port", str(service_port)]
        + ["--database-url", database_url, "--roots", *roots],
        "pythonpath": str(REPO),
    }
    (workdir / "hub.json").write_text(json.dumps(config))
    (workdir / "jupyterhub_config.py").write_text(HUB_CONFIG)
    log = workdir / "hub.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", "jupyterhub_config.py"],
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{proxy_port}/"
    hub = Hub(url, admin_token, f"{url}services/{SERVICE}/", database_url, log)
    try:
        _wait_for(hub, process)
        yield hub
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(hub: Hub, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"JupyterHub exited:\n{hub.log.read_text()[-4000:]}", pytrace=False)
        try:
            hub_up = request("GET", f"{hub.url}hub/api/")[0] == 200
            service_up = request("GET", hub.service_url)[0] == 200
        except OSError:
            hub_up = service_up = False
        if hub_up and service_up:
            return
        time.sleep(0.3)
    pytest.fail(f"JupyterHub did not start:\n{hub.log.read_text()[-4000:]}", pytrace=False)


# The configuration a hub needs for the link service (see the README's hub section).
HUB_CONFIG = """
import json

settings = json.load(open("hub.json"))
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = settings["proxy_port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['api_port']}"
c.ConfigurableHTTPProxy.command = [settings["proxy"]]
c.ConfigurableHTTPProxy.pid_file = "proxy.pid"
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.db_url = "sqlite:///jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "cookie_secret"
c.JupyterHub.services = [
    {
        "name": "fileglancer-links",
        "url": f"http://127.0.0.1:{settings['service_port']}",
        "command": settings["command"],
        "environment": {"PYTHONPATH": settings["pythonpath"]},
        "display": False,
        "oauth_no_confirm": True,
    },
    {"name": "test-admin", "api_token": settings["admin_token"]},
]
c.JupyterHub.load_roles = [
    # Every user may call the link service; their servers' tokens ask for it below.
    {"name": "user", "scopes": ["self", "access:services!service=fileglancer-links"]},
    {
        "name": "test-admin",
        "scopes": ["admin:users", "tokens", "admin:servers"],
        "services": ["test-admin"],
    },
]
c.Spawner.server_token_scopes = [
    "users:activity!user",
    "access:servers!server",
    "access:services!service=fileglancer-links",
]
"""
