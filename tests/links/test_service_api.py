"""The hub's link service API against a real JupyterHub: the owner comes from the hub
token, links only to what the owner's Unix account can read, and serving re-checks."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fileglancer_ext.links.service_api import TOKEN_CACHE_SECONDS
from fileglancer_ext.links.store import ShareLinkStore
from fileglancer_ext.shortlinks.store import ShortLinkStore
from tests.hub import harness
from tests.hub.harness import REPO, SERVICE_SCOPE, Hub, UnixUsers, running_hub, users_and_team

from .conftest import api, api_status, public_fetch
from .test_link_server import free_port

VIEWER_URL = "https://neuroglancer-demo.appspot.com/#!%7B%22layers%22%3A%5B%5D%7D"


@pytest.fixture(scope="module")
def users() -> Iterator[UnixUsers]:
    with users_and_team() as made:
        yield made


@pytest.fixture(scope="module")
def lab(users: UnixUsers) -> Iterator[Path]:
    """lab/ (0755) with a-private/data/ (A's, 0700) and a-shared/ (A's, 0755, files 0644)."""
    top = Path(tempfile.mkdtemp(prefix="fileglancer-hub-"))
    top.chmod(0o755)
    lab = top / "lab"
    (lab / "a-private" / "data").mkdir(parents=True)
    (lab / "a-private" / "data" / "file.txt").write_text("private of a\n")
    (lab / "a-shared").mkdir()
    (lab / "a-shared" / "file.txt").write_text("shared by a\n")
    a = pwd.getpwnam(users.a)
    for path in [lab / "a-private", *(lab / "a-private").rglob("*"), lab / "a-shared"]:
        os.chown(path, a.pw_uid, a.pw_gid)
    os.chown(lab / "a-shared" / "file.txt", a.pw_uid, a.pw_gid)
    (lab / "a-private").chmod(0o700)
    yield lab
    shutil.rmtree(top)


@pytest.fixture(scope="module")
def hub(lab: Path, users: UnixUsers) -> Iterator[Hub]:
    """The shipped hub configuration, light: no users' servers, a SQLite link store."""
    with running_hub(None, [lab]) as running:
        running.add_user(users.a)
        running.add_user(users.b)
        yield running


def request(
    method: str, url: str, *, token: str | None = None, body: Any = None
) -> tuple[int, Any]:
    """(status, decoded JSON or text) of one HTTP request; never raises for a status."""
    answer = harness.request(method, url, token=token, body=body)
    return answer.status, answer.decoded()


@pytest.fixture(scope="module")
def tokens(hub: Hub, users: UnixUsers) -> dict[str, str]:
    return {name: hub.token(name, [SERVICE_SCOPE]) for name in (users.a, users.b)}


def create(hub: Hub, lab: Path, token: str, path: str, **extra: object) -> tuple[int, dict]:
    body = {"root": "lab", "root_path": str(lab), "path": path, **extra}
    return request("POST", f"{hub.service_url}/api/links", token=token, body=body)


def test_a_shares_what_a_can_read_under_a_name_from_the_hub(hub, lab, users, tokens) -> None:
    status, link = create(hub, lab, tokens[users.a], "a-private/data", owner=users.b)
    assert status == 201, link
    assert link["owner"] == users.a  # from the token, never from the body
    assert link["root"] == "lab" and link["path"] == "a-private/data"
    assert link["url"].startswith(f"{hub.service_url}/fileglancer/s/")
    assert request("GET", link["url"] + "file.txt") == (200, "private of a\n")
    status, listed = request("GET", f"{hub.service_url}/api/links", token=tokens[users.a])
    assert link["id"] in [found["id"] for found in listed["links"]]
    query = f"?root_path={lab}&path=a-private/data"
    status, listed = request("GET", f"{hub.service_url}/api/links{query}", token=tokens[users.a])
    assert [found["id"] for found in listed["links"]] == [link["id"]]


def test_b_cannot_link_into_a_private_folder(hub, lab, users, tokens) -> None:
    status, answer = create(hub, lab, tokens[users.b], "a-private/data")
    assert status == 403, answer
    assert str(lab) not in answer["message"]
    status, answer = create(hub, lab, tokens[users.b], "a-shared")
    assert status == 201, answer  # what b can read, b may share


def test_b_cannot_list_read_change_or_revoke_a_links(hub, lab, users, tokens) -> None:
    _, link = create(hub, lab, tokens[users.a], "a-shared")
    b = tokens[users.b]
    _, listed = request("GET", f"{hub.service_url}/api/links", token=b)
    assert link["id"] not in [found["id"] for found in listed["links"]]
    one = f"{hub.service_url}/api/links/{link['id']}"
    for method, body in (("GET", None), ("PATCH", {"label": "mine"}), ("DELETE", None)):
        status, answer = request(method, one, token=b, body=body)
        assert status == 404 and answer["error"] == "not_found", (method, answer)
    status, still = request("GET", one, token=tokens[users.a])
    assert status == 200 and still["active"] and still["label"] is None
    status, revoked = request("DELETE", one, token=tokens[users.a])
    assert status == 200 and not revoked["active"]
    assert request("GET", link["url"] + "file.txt")[0] == 404  # at once


def test_tokens_the_hub_does_not_vouch_for(hub, lab, users) -> None:
    url = f"{hub.service_url}/api/links"
    status, answer = request("GET", url)
    assert status == 401 and answer["error"] == "unauthorized"
    assert request("GET", url, token="not-a-token")[0] == 401
    unscoped = hub.token(users.a, [f"users:activity!user={users.a}"])
    status, answer = create(hub, lab, unscoped, "a-shared")
    assert status == 403 and SERVICE_SCOPE in answer["message"]


def test_only_into_the_service_roots_and_for_real_accounts(hub, lab, users, tokens) -> None:
    status, answer = request(
        "POST",
        f"{hub.service_url}/api/links",
        token=tokens[users.a],
        body={"root": "etc", "root_path": "/etc", "path": "passwd"},
    )
    assert status == 403, answer
    status, answer = create(hub, lab, tokens[users.a], "../../etc")
    assert status == 400, answer
    ghost = f"{users.a}ghost"
    hub.add_user(ghost)  # a hub user with no Unix account
    status, answer = create(hub, lab, hub.token(ghost, [SERVICE_SCOPE]), "a-shared")
    assert status == 403, answer


def test_a_forged_row_is_not_served(hub, lab, users) -> None:
    """A row written straight into the store (as a user's server with the store's
    credentials could) serves only what its owner could read."""
    store = ShareLinkStore.from_url(hub.database.url)
    try:
        forged = store.create(users.b, "lab", str(lab), "a-private/data")
        genuine = store.create(users.a, "lab", str(lab), "a-private/data")
    finally:
        store.close()
    for share in (f"{hub.service_url}/fileglancer/s/", f"{hub.service_url}/fileglancer/s3/"):
        assert request("GET", f"{share}{forged.token}/file.txt")[0] == 404
        assert request("GET", f"{share}{genuine.token}/file.txt") == (200, "private of a\n")
    status, listing = request("GET", f"{hub.service_url}/fileglancer/s3/{forged.token}?list-type=2")
    assert status == 404 and "file.txt" not in str(listing)


def test_a_chmod_ends_serving_at_once(hub, lab, users, tokens) -> None:
    _, link = create(hub, lab, tokens[users.a], "a-shared")
    shared = lab / "a-shared"
    assert request("GET", link["url"] + "file.txt")[0] == 200
    try:
        (shared / "file.txt").chmod(0o000)
        assert request("GET", link["url"] + "file.txt")[0] == 404
        (shared / "file.txt").chmod(0o644)
        shared.chmod(0o000)
        assert request("GET", link["url"] + "file.txt")[0] == 404
    finally:
        shared.chmod(0o755)
        (shared / "file.txt").chmod(0o644)
    assert request("GET", link["url"] + "file.txt")[0] == 200


# --- a user's server and its CLI with `link_service_url` -------------------------------------


@pytest.fixture
def link_service_url(hub: Hub) -> str:
    return f"{hub.service_url}/"


@pytest.fixture
def fileglancer_config(link_service_url: str, lab: Path, tmp_path: Path) -> dict:
    """The user's server: the lab root, links through the hub's service, its own
    database for the rest."""
    return {
        "roots": [f"lab={lab}"],
        "link_service_url": link_service_url,
        "database_url": f"sqlite:///{tmp_path / 'local.sqlite3'}",
    }


@pytest.fixture
def as_user(monkeypatch, tokens):
    """Run the user's server with this hub user's own token (as the spawner gives it)."""

    def become(name: str) -> None:
        monkeypatch.setenv("JUPYTERHUB_API_TOKEN", tokens[name])

    return become


async def test_the_user_server_links_go_through_the_service(
    jp_fetch, jp_base_url, http_server_client, as_user, hub, lab, users, tokens, tmp_path
) -> None:
    as_user(users.a)
    link = await api(jp_fetch, "POST", "links", body={"root": "lab", "path": "a-shared//."})
    assert link["owner"] == users.a and link["path"] == "a-shared"
    assert link["url"].startswith(f"{hub.service_url}/fileglancer/s/")
    # The service has it, under a's name; this server's own database has no link at all.
    _, listed = request("GET", f"{hub.service_url}/api/links", token=tokens[users.a])
    assert link["id"] in [found["id"] for found in listed["links"]]
    local = ShareLinkStore.from_url(f"sqlite:///{tmp_path / 'local.sqlite3'}")
    try:
        assert local.list_for_owner(users.a, include_inactive=True) == []
    finally:
        local.close()
    found = await api(jp_fetch, "GET", "links", root="lab", path="a-shared")
    assert {item["path"] for item in found["links"]} == {"a-shared"}
    assert [item["url"] for item in found["links"] if item["id"] == link["id"]] == [link["url"]]
    viewers = await api(jp_fetch, "GET", "viewers", "lab", "a-shared")
    assert viewers["link"]["id"] == link["id"] and viewers["link"]["url"] == link["url"]
    # The share is served by the hub's service, never by this server.
    assert request("GET", link["url"] + "file.txt") == (200, "shared by a\n")
    mine = await public_fetch(http_server_client, jp_base_url, link["token"], "file.txt")
    assert mine.code == 404
    revoked = await api(jp_fetch, "DELETE", "links", link["id"])
    assert revoked["active"] is False
    assert request("GET", link["url"] + "file.txt")[0] == 404


async def test_the_user_server_cannot_link_what_its_user_cannot_read(
    jp_fetch, as_user, users
) -> None:
    as_user(users.b)  # the server itself runs as root here: the service checks for b
    status, error = await api_status(
        jp_fetch, "POST", "links", body={"root": "lab", "path": "a-private/data"}
    )
    assert status == 403 and error["error"] == "forbidden", error


# Nothing listens there (a port just freed).
@pytest.mark.parametrize("link_service_url", [f"http://127.0.0.1:{free_port()}/services/x/"])
async def test_a_link_service_that_is_down_is_a_503(
    jp_fetch, as_user, users, link_service_url
) -> None:
    as_user(users.a)
    status, error = await api_status(
        jp_fetch, "POST", "links", body={"root": "lab", "path": "a-shared"}
    )
    assert status == 503 and error["message"] == "The link service is unreachable.", error
    status, error = await api_status(jp_fetch, "GET", "links")
    assert status == 503


def redirect_of(url: str) -> tuple[int, str | None]:
    """(status, Location) of a GET that does not follow redirects (a stranger's browser
    would)."""

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    try:
        with urllib.request.build_opener(Stay).open(url, timeout=30) as response:
            return response.status, response.headers.get("Location")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Location")


async def test_the_user_server_short_links_go_through_the_service(
    jp_fetch, jp_base_url, http_server_client, as_user, hub, users, tokens, tmp_path
) -> None:
    as_user(users.a)
    made = await api(jp_fetch, "POST", "short-links", body={"url": VIEWER_URL, "label": "fig"})
    assert made["short_url"] == f"{hub.service_url}/fileglancer/v/{made['key']}"
    assert redirect_of(made["short_url"]) == (302, VIEWER_URL)  # a's server not involved
    listed = await api(jp_fetch, "GET", "short-links")
    assert [link["key"] for link in listed["short_links"]] == [made["key"]]
    moved = VIEWER_URL + "-moved"
    changed = await api(jp_fetch, "PATCH", "short-links", made["key"], body={"url": moved})
    assert changed["url"] == moved and changed["short_url"] == made["short_url"]
    assert redirect_of(made["short_url"]) == (302, moved)
    # Neither kept nor redirected by a's server (it has no store credentials to need).
    local = ShortLinkStore.from_url(f"sqlite:///{tmp_path / 'local.sqlite3'}")
    try:
        assert local.list_for_owner(users.a) == []
    finally:
        local.close()
    mine = await http_server_client.fetch(
        f"{jp_base_url}fileglancer/v/{made['key']}", follow_redirects=False, raise_error=False
    )
    assert mine.code == 404

    one = f"{hub.service_url}/api/short-links/{made['key']}"
    b = tokens[users.b]
    _, of_b = request("GET", f"{hub.service_url}/api/short-links", token=b)
    assert of_b == {"short_links": []}
    for method, body in (
        ("GET", None),
        ("PATCH", {"url": "https://evil.example/"}),
        ("DELETE", None),
    ):
        status, answer = request(method, one, token=b, body=body)
        assert status == 404 and answer["error"] == "not_found", (method, answer)
    assert redirect_of(made["short_url"]) == (302, moved)
    status, answer = request("GET", f"{hub.service_url}/api/short-links")
    assert status == 401 and answer["error"] == "unauthorized"
    status, answer = request("POST", f"{hub.service_url}/api/short-links", body={"url": moved})
    assert status == 401

    await api(jp_fetch, "DELETE", "short-links", made["key"])
    assert redirect_of(made["short_url"])[0] == 404


def test_a_revoked_token_changes_nothing_at_once_and_reads_soon_after(hub, lab, users) -> None:
    made = hub.api("POST", f"users/{users.a}/tokens", {"scopes": [SERVICE_SCOPE]})
    token, links = made["token"], f"{hub.service_url}/api/links"
    assert request("GET", links, token=token)[0] == 200  # the service now has it cached
    hub.api("DELETE", f"users/{users.a}/tokens/{made['id']}")
    status, answer = create(hub, lab, token, "a-shared")
    assert status == 401, answer
    body = {"url": VIEWER_URL}
    assert request("POST", f"{hub.service_url}/api/short-links", token=token, body=body)[0] == 401
    time.sleep(TOKEN_CACHE_SECONDS + 1)
    assert request("GET", links, token=token)[0] == 401


def test_the_cli_goes_through_the_service(hub, lab, users, tokens) -> None:
    env = {
        "JUPYTERHUB_API_TOKEN": tokens[users.a],
        "JUPYTERHUB_USER": users.a,
        "FILEGLANCER_LINK_SERVICE_URL": f"{hub.service_url}/",
        "PYTHONPATH": str(REPO),
    }
    run = [sys.executable, "-m", "fileglancer_ext.cli", "links"]
    made = subprocess.run(
        [*run, "create", str(lab / "a-shared"), "--root", f"lab={lab}", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    assert made.returncode == 0, made.stderr
    link = json.loads(made.stdout)
    assert link["owner"] == users.a and link["url"].startswith(hub.service_url)
    listed = subprocess.run(
        [*run, "list", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    assert link["id"] in [row["id"] for row in json.loads(listed.stdout)]
    refused = subprocess.run(
        [*run, "create", str(lab / "a-private"), "--root", f"lab={lab}"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env, "JUPYTERHUB_API_TOKEN": tokens[users.b]},
    )
    assert refused.returncode != 0 and "permission" in refused.stderr, refused.stderr


def test_as_a_hub_service_serve_links_needs_its_roots(tmp_path: Path) -> None:
    hub_env = {"JUPYTERHUB_API_TOKEN": "x", "JUPYTERHUB_API_URL": "http://127.0.0.1:1/hub/api"}
    run = [sys.executable, "-m", "fileglancer_ext.cli", "serve-links", "--port", "0"]
    store = ["--database-url", f"sqlite:///{tmp_path / 'links.sqlite3'}"]
    refused = subprocess.run(
        [*run, *store], capture_output=True, text=True, timeout=60, env={**os.environ, **hub_env}
    )
    assert refused.returncode != 0 and "--roots" in refused.stderr, refused.stderr
    no_hub = {key: value for key, value in os.environ.items() if not key.startswith("JUPYTERHUB")}
    refused = subprocess.run(
        [*run, *store, "--hub-auth"], capture_output=True, text=True, timeout=60, env=no_hub
    )
    assert refused.returncode != 0 and "JUPYTERHUB_API_TOKEN" in refused.stderr, refused.stderr
