"""The hub deployment end to end (issue 17): a real JupyterHub with its proxy, two real Unix
users and their servers, the link service as a hub-managed service over its own PostgreSQL
database. Links are made through users' servers and the service, read anonymously through
the hub's public URL, and no user can forge, list or revoke another's.

The tests share one hub (tests/hub/conftest.py) and run in this order: the last one stops
A's server.
"""

from __future__ import annotations

import json
import pwd
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
import sqlalchemy
import zarr
from aiohttp import ClientTimeout
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from fileglancer_ext.links.store import ShareLinkStore
from tests.hub.conftest import Deployment, HubUser
from tests.hub.harness import Response, processes_of
from tests.unprivileged import in_a_child

IMAGE = "shared/image.zarr"
SECRET = "private/secret.zarr"


def server_api(deployment: Deployment, user: HubUser, path: str = "") -> str:
    """The links API of `user`'s own server, through the hub's proxy."""
    return f"{deployment.hub.url}/user/{user.name}/fileglancer/api/links{path}"


def service_api(deployment: Deployment, path: str = "") -> str:
    """The link service's own API, through the hub's proxy."""
    return f"{deployment.hub.service_url}/api/links{path}"


def create_link(deployment: Deployment, user: HubUser, path: str) -> dict[str, Any]:
    answer = deployment.hub.request(
        "POST", server_api(deployment, user), token=user.token, body={"root": "home", "path": path}
    )
    assert answer.status == 201, answer.body
    return answer.json()


def public_get(
    deployment: Deployment, link: dict[str, Any], inside: str, **headers: str
) -> Response:
    """An anonymous GET of a file inside a link, at the link's public URL."""
    return deployment.hub.request("GET", link["url"] + inside, headers=headers)


def open_image(url: str) -> zarr.Array:
    """The image at a link's URL, as zarr-python reads it over HTTP, with its own
    connections (none kept from an earlier test) and a timeout instead of a hang."""
    options = {"skip_instance_cache": True, "client_kwargs": {"timeout": ClientTimeout(total=30)}}
    return zarr.open_array(url, mode="r", storage_options=options)


def s3_client(deployment: Deployment) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=f"{deployment.hub.service_url}/fileglancer/s3",
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, s3={"addressing_style": "path"}),
    )


@pytest.fixture(scope="module")
def links(deployment: Deployment) -> dict[str, dict[str, Any]]:
    """A's links to the shared image, made through A's server: 'kept' (outlives A's server)
    and 'revoked' (revoked by A in a later test)."""
    return {name: create_link(deployment, deployment.a, IMAGE) for name in ("kept", "revoked")}


def test_a_link_made_in_a_server_is_read_anonymously_through_the_hub(
    deployment: Deployment, links: dict[str, dict[str, Any]]
) -> None:
    link = links["kept"]
    assert link["owner"] == deployment.a.name
    assert link["url"].startswith(f"{deployment.hub.service_url}/fileglancer/s/")
    # A's server asked the service: the link is in the service's database.
    store = ShareLinkStore.from_url(deployment.database.url_with_password)
    assert store.get(deployment.a.name, link["id"]).token == link["token"]
    store.close()
    # zarr-python, as a notebook anywhere would read it
    array = open_image(link["url"])
    np.testing.assert_array_equal(array[:], deployment.image)
    # HTTP Range requests, as a web viewer reads chunks
    whole = public_get(deployment, link, "c/0/0")
    part = public_get(deployment, link, "c/0/0", Range="bytes=2-9")
    assert (whole.status, part.status) == (200, 206)
    assert part.body == whole.body[2:10]
    # the same link as an S3 bucket
    s3 = s3_client(deployment)
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=link["token"])["Contents"]]
    assert "zarr.json" in keys and "c/0/0" in keys
    assert s3.get_object(Bucket=link["token"], Key="c/0/0")["Body"].read() == whole.body


def test_b_cannot_link_into_a_private_folder_through_b_server(deployment: Deployment) -> None:
    a, b = deployment.a, deployment.b
    # B's server is B's own: B may configure it with a root in A's home.
    answer = deployment.hub.request(
        "POST",
        server_api(deployment, b),
        token=b.token,
        body={"root": "a-home", "path": SECRET},
    )
    assert answer.status == 403, answer.body
    answer = deployment.hub.request(
        "POST", server_api(deployment, b), token=b.token, body={"root": "home", "path": "."}
    )
    assert answer.status == 201, answer.body  # B may share B's own home
    assert a.name not in answer.body.decode()


def test_b_cannot_link_into_a_private_folder_by_calling_the_service(
    deployment: Deployment,
) -> None:
    a, b = deployment.a, deployment.b
    body = {"root": "home", "root_path": str(a.unix.home), "path": SECRET}
    answer = deployment.hub.request("POST", service_api(deployment), token=b.token, body=body)
    assert answer.status == 403, answer.body
    assert str(a.unix.home) not in answer.body.decode()  # no server path in messages
    # Without a hub token the service makes nothing.
    answer = deployment.hub.request("POST", service_api(deployment), body=body)
    assert answer.status in (401, 403), answer.body
    # A may share what A can read, calling the service directly as well.
    body["path"] = IMAGE
    answer = deployment.hub.request("POST", service_api(deployment), token=a.token, body=body)
    assert answer.status == 201, answer.body
    assert answer.json()["owner"] == a.name


def test_users_servers_hold_no_database_credentials(deployment: Deployment) -> None:
    a, b, database = deployment.a, deployment.b, deployment.database
    service = next(
        pid
        for pid in processes_of(0)
        if b"serve-links" in cmdline(pid) and database.url.encode() in cmdline(pid)
    )
    assert database.password.encode() not in cmdline(service)  # readable by every user
    assert database.password.encode() in Path(f"/proc/{service}/environ").read_bytes()
    for user in (a, b):
        servers = [pid for pid in processes_of(user.unix.uid) if b"singleuser" in cmdline(pid)]
        assert servers, f"{user.name}'s server is not running"
        for pid in servers:
            seen = cmdline(pid) + Path(f"/proc/{pid}/environ").read_bytes()
            assert database.password.encode() not in seen
            assert b"postgresql" not in seen

    def as_a_user() -> dict[str, str]:
        """What A can learn and do: the service's environment, and the database with no or
        a guessed password."""
        outcome = {}
        try:
            Path(f"/proc/{service}/environ").read_bytes()
            outcome["environ"] = "read"
        except PermissionError:
            outcome["environ"] = "refused"
        for password in (None, "fileglancer", a.name):
            url = sqlalchemy.make_url(database.url).set(password=password)
            engine = sqlalchemy.create_engine(url)
            try:
                with engine.connect():
                    outcome[str(password)] = "connected"
            except sqlalchemy.exc.OperationalError:
                outcome[str(password)] = "refused"
            finally:
                engine.dispose()
        return outcome

    _, code, outcome = in_a_child(as_a_user, as_user=pwd.getpwnam(a.name))
    assert code == 0
    assert outcome == {
        "environ": "refused",
        "None": "refused",
        "fileglancer": "refused",
        a.name: "refused",
    }


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def test_forged_rows_do_not_serve_what_their_owner_cannot_read(deployment: Deployment) -> None:
    a, b, hub = deployment.a, deployment.b, deployment.hub
    # B writes a row with the settings B's server has (its own database), as B.
    forged_by_b = subprocess.run(
        [
            "runuser",
            "-u",
            b.name,
            "--",
            "env",
            f"HOME={b.unix.home}",
            sys.executable,
            "-c",
            "import sys; from fileglancer_ext.database import default_store_url; "
            "from fileglancer_ext.links.store import ShareLinkStore; "
            "store = ShareLinkStore.from_url(default_store_url()); "
            "print(store.create(sys.argv[1], 'home', sys.argv[2], sys.argv[3]).token)",
            b.name,
            str(a.unix.home),
            SECRET,
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    ).stdout.strip()
    # The test, with the service's own database access, forges rows too.
    store = ShareLinkStore.from_url(deployment.database.url_with_password)
    for_b = store.create(b.name, "home", str(a.unix.home), SECRET)
    for_a = store.create(a.name, "home", str(a.unix.home), SECRET)  # A may read it
    store.close()

    def read(token: str) -> int:
        return hub.request("GET", f"{hub.service_url}/fileglancer/s/{token}/zarr.json").status

    assert read(forged_by_b) == 404  # never in the service's database
    assert read(for_b.token) == 404
    assert read(for_a.token) == 200


def test_b_cannot_list_or_revoke_a_links(
    deployment: Deployment, links: dict[str, dict[str, Any]]
) -> None:
    a, b, hub = deployment.a, deployment.b, deployment.hub
    link = links["revoked"]
    for api in (server_api(deployment, b), service_api(deployment)):
        listed = hub.request("GET", api, token=b.token)
        assert listed.status == 200, listed.body
        assert link["id"] not in {each["id"] for each in listed.json()["links"]}
    for api in (server_api(deployment, b), service_api(deployment)):
        one = f"{api}/{link['id']}"
        assert hub.request("GET", one, token=b.token).status == 404
        assert hub.request("PATCH", one, token=b.token, body={"label": "b's"}).status == 404
        assert hub.request("DELETE", one, token=b.token).status == 404
    assert hub.request("GET", service_api(deployment)).status in (401, 403)  # anonymous
    # A sees it, unchanged and still serving.
    mine = hub.request("GET", server_api(deployment, a), token=a.token).json()["links"]
    assert {each["id"]: each["label"] for each in mine}[link["id"]] is None
    assert public_get(deployment, link, "zarr.json").status == 200


def test_a_revocation_ends_reads_at_once(
    deployment: Deployment, links: dict[str, dict[str, Any]]
) -> None:
    a, hub = deployment.a, deployment.hub
    link = links["revoked"]
    assert public_get(deployment, link, "zarr.json").status == 200
    revoked = hub.request("DELETE", server_api(deployment, a, f"/{link['id']}"), token=a.token)
    assert revoked.status == 200 and revoked.json()["revoked"], revoked.body
    assert public_get(deployment, link, "zarr.json").status == 404
    with pytest.raises(ClientError, match="NoSuchBucket"):
        s3_client(deployment).get_object(Bucket=link["token"], Key="zarr.json")
    assert public_get(deployment, links["kept"], "zarr.json").status == 200


def test_the_cli_in_a_server_makes_links_through_the_service(deployment: Deployment) -> None:
    a = deployment.a
    server = next(pid for pid in processes_of(a.unix.uid) if b"singleuser" in cmdline(pid))
    # A's terminal: the environment A's server runs in, hub token included.
    environ = Path(f"/proc/{server}/environ").read_bytes().rstrip(b"\0").split(b"\0")
    command = ["runuser", "-u", a.name, "--", "env", "-i", *(item.decode() for item in environ)]
    command += [sys.executable, "-m", "fileglancer_ext.cli", "links"]
    image = str(a.unix.home / IMAGE)
    made = subprocess.run(
        [*command, "create", image, "--root", f"home={a.unix.home}", "--json"],
        capture_output=True,
        text=True,
        cwd=a.unix.home,
        check=True,
    )
    link = json.loads(made.stdout)
    assert link["owner"] == a.name
    assert public_get(deployment, link, "zarr.json").status == 200
    listed = subprocess.run(
        [*command, "list", "--json"], capture_output=True, text=True, cwd=a.unix.home, check=True
    )
    assert link["id"] in {each["id"] for each in json.loads(listed.stdout)}
    store = ShareLinkStore.from_url(deployment.database.url_with_password)
    assert store.get(a.name, link["id"]).token == link["token"]
    store.close()


def test_a_link_outlives_the_server_that_made_it(
    deployment: Deployment, links: dict[str, dict[str, Any]]
) -> None:
    a, hub = deployment.a, deployment.hub
    hub.stop_server(a.name)
    assert not [pid for pid in processes_of(a.unix.uid) if b"singleuser" in cmdline(pid)]
    array = open_image(links["kept"]["url"])
    np.testing.assert_array_equal(array[:], deployment.image)
    # A still manages their links with the service, server or not.
    mine = hub.request("GET", service_api(deployment), token=a.token)
    assert mine.status == 200, mine.body
    assert links["kept"]["id"] in {each["id"] for each in mine.json()["links"]}
