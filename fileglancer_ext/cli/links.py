"""`fileglancer-ext links list|create|revoke` and `fileglancer-ext serve-links`.

Both work on the same database as the Jupyter extension (same default SQLite file, or
`--database-url`, the extension's `database_url`), so a link made here shows up in the
user's JupyterLab and vice versa.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..links.remote import RemoteLinkService
    from ..links.store import ShareLink, ShareLinkStore
    from ..roots import Root

COMMANDS = ("links", "serve-links")
SHARE_PREFIX = "/fileglancer/s"


def add_parsers(commands: argparse._SubParsersAction) -> None:
    _add_links_parser(commands)
    _add_serve_parser(commands)


def _add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL of the extension's database, as FileglancerApp.database_url "
        "(default: the extension's SQLite file in the Jupyter data directory)",
    )
    # The former name, kept working: `database_url` warns when it was used.
    parser.add_argument("--store-url", default=None, help="deprecated: the former --database-url")


def database_url(args: argparse.Namespace) -> str:
    """The database the command works on: --database-url, else the deprecated
    --store-url (with a warning on stderr), else the extension's default."""
    from ..database import default_store_url

    if args.store_url is not None:
        print(
            f"fileglancer-ext {args.command}: --store-url is deprecated; use --database-url",
            file=sys.stderr,
        )
        if args.database_url is None:
            return args.store_url
    return args.database_url or default_store_url()


def _add_service_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--link-service-url",
        default=os.environ.get("FILEGLANCER_LINK_SERVICE_URL", ""),
        help="on a JupyterHub: the hub's link service, called with $JUPYTERHUB_API_TOKEN, "
        "as FileglancerApp.link_service_url (default: $FILEGLANCER_LINK_SERVICE_URL; "
        "empty: the database)",
    )


def _add_markers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nginx-markers",
        default=os.environ.get("FILEGLANCER_NGINX_MARKERS", ""),
        metavar="FOLDER",
        help="the live-share marker folder of deploy/nginx/fileglancer-links-cached.conf "
        "(serve-links marks the shares nginx may serve alone; a revocation deletes the "
        "link's marker, and nginx stops serving it at once; default: "
        "$FILEGLANCER_NGINX_MARKERS; empty: none)",
    )


def _add_links_parser(commands: argparse._SubParsersAction) -> None:
    links = commands.add_parser(
        "links",
        help="list, create or revoke share links",
        description="Manage share links in the link store the Jupyter extension uses.",
    )
    actions = links.add_subparsers(dest="links_action", metavar="ACTION")
    actions.required = True
    owner_help = "whose links (default: $JUPYTERHUB_USER, else the OS user, as in JupyterLab)"

    listing = actions.add_parser("list", help="list links")
    _add_store_option(listing)
    listing.add_argument("--owner", default=None, help=owner_help)
    listing.add_argument("--all", action="store_true", help="include revoked and expired links")
    listing.add_argument("--public-base-url", default="", help="print full URLs under this")
    listing.add_argument("--json", action="store_true", help="print JSON")
    _add_service_option(listing)

    create = actions.add_parser(
        "create",
        help="share a folder or file",
        description="Share PATH (a folder, e.g. a Zarr dataset, or a file). The link is "
        "recorded under a root, a named folder that contains PATH: by default PATH's "
        "parent folder, named after it; give --root NAME=FOLDER to match a root configured "
        "in Jupyter, so the link shows up in the inspector of that dataset.",
    )
    _add_store_option(create)
    create.add_argument("path", type=Path, help="the folder or file to share")
    create.add_argument("--root", default=None, metavar="NAME=FOLDER", help="the root")
    create.add_argument("--owner", default=None, help=owner_help)
    create.add_argument("--expires-in", type=float, default=None, metavar="SECONDS")
    create.add_argument("--label", default=None)
    create.add_argument("--public-base-url", default="", help="print the full URL under this")
    create.add_argument("--json", action="store_true", help="print JSON")
    _add_service_option(create)

    revoke = actions.add_parser("revoke", help="revoke a link for good")
    _add_store_option(revoke)
    revoke.add_argument("id", help="the link's id (see `links list`)")
    revoke.add_argument("--owner", default=None, help=owner_help)
    _add_service_option(revoke)
    _add_markers_option(revoke)


def _add_serve_parser(commands: argparse._SubParsersAction) -> None:
    from . import MAX_PORT, whole_number_arg

    serve = commands.add_parser(
        "serve-links",
        help="serve share links without Jupyter (e.g. as a JupyterHub service)",
        description="Serve only the public share route, /fileglancer/s/{token}/..., reading "
        "the link store. Stateless: run it as a JupyterHub service, or several behind a "
        "proxy. Stops on SIGINT or SIGTERM.",
    )
    _add_store_option(serve)
    serve.add_argument(
        "--port", type=whole_number_arg(0, MAX_PORT), default=8765, help="port (default 8765)"
    )
    serve.add_argument("--ip", default="127.0.0.1", help="address (default 127.0.0.1)")
    serve.add_argument(
        "--base-url",
        default=None,
        help="URL prefix of every route (default: $JUPYTERHUB_SERVICE_PREFIX, else /)",
    )
    serve.add_argument(
        "--allowed-origins",
        nargs="+",
        default=["*"],
        metavar="ORIGIN",
        help="web origins whose pages may read shares (CORS; default: *)",
    )
    serve.add_argument(
        "--directory-listing",
        action="store_true",
        help="answer a folder inside a share with a JSON listing (default: 404)",
    )
    serve.add_argument(
        "--roots",
        nargs="+",
        default=None,
        metavar="FOLDER",
        help="serve only links into these folders (e.g. the hub's configured roots); "
        "recommended on a hub, where every user's server can write to the link store",
    )
    serve.add_argument(
        "--hub-auth",
        action="store_true",
        help="be the hub users' links API (the only writer of links), authenticated by "
        "JupyterHub; on by default when run as a JupyterHub service "
        "($JUPYTERHUB_API_TOKEN and $JUPYTERHUB_API_URL set); needs --roots",
    )
    serve.add_argument(
        "--check-owner-permissions",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="serve a link only while its owner's Unix account can read what it serves "
        "(default: on with hub auth)",
    )
    serve.add_argument(
        "--public-base-url",
        default="",
        help="the public URL of this service (e.g. https://hub.example.org/services/"
        "fileglancer-links), for the links' URLs (default: as the request reached it)",
    )
    serve.add_argument(
        "--io-in-threads",
        action="store_true",
        help="look links up and read files in threads, not on the event loop: for slow "
        "network storage or a remote database (costs about twice the CPU per request)",
    )
    serve.add_argument(
        "--accel-redirect",
        type=_accel_prefix_arg,
        default=None,
        metavar="PREFIX",
        help="behind nginx: answer a permitted file with X-Accel-Redirect to nginx's "
        "internal location PREFIX and let nginx send it (deploy/nginx/fileglancer-links.conf)",
    )
    _add_markers_option(serve)


def _accel_prefix_arg(value: str) -> str:
    from ..links.accel import accel_prefix

    try:
        return accel_prefix(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def run(args: argparse.Namespace) -> int:
    from ..errors import FileglancerError
    from . import fail

    try:
        if args.command == "links" and args.link_service_url:
            return _remote(args)
        store_url = database_url(args)
        if args.command == "serve-links":
            return _serve(args, store_url)
        from ..links.store import ShareLinkStore

        store = ShareLinkStore.from_url(store_url)
        try:
            action = {"list": _list, "create": _create, "revoke": _revoke}[args.links_action]
            return action(args, store)
        finally:
            store.close()
    except FileglancerError as err:
        return fail(args.command, err.message)


def _link_json(link: ShareLink, public_base_url: str) -> dict:
    from ..links.remote import RemoteShareLink

    payload = link.to_json()
    payload["url"] = f"{public_base_url.rstrip('/')}{SHARE_PREFIX}/{link.token}/"
    if isinstance(link, RemoteShareLink) and link.url and not public_base_url:
        payload["url"] = link.url  # where the hub's link service serves it
    return payload


def _list(args: argparse.Namespace, store: ShareLinkStore) -> int:
    from ..links.creation import default_owner

    found = store.list_for_owner(args.owner or default_owner(), include_inactive=args.all)
    return _print_list(args, found)


def _print_list(args: argparse.Namespace, found: list[ShareLink]) -> int:
    rows = [_link_json(link, args.public_base_url) for link in found]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        state = "active" if row["active"] else ("revoked" if row["revoked"] else "expired")
        print(
            "\t".join(
                [
                    row["id"],
                    state,
                    f"{row['root']}/{row['path']}",
                    row["url"],
                    row["expires"] or "never",
                    row["label"] or "",
                ]
            )
        )
    return 0


def _create(args: argparse.Namespace, store: ShareLinkStore) -> int:
    """Through the UI's link service: the same checks (readable by this user, a file or a
    folder, confined to the root), the same recorded identity and message."""
    from ..errors import Forbidden
    from ..links.creation import ShareLinkService, default_owner
    from ..roots import RootRegistry

    owner = args.owner or default_owner()
    if owner != default_owner() and os.geteuid() != 0:
        # A link records that its owner could read what it shares: checked as this user.
        raise Forbidden(
            f"Links are created under your own name ({default_owner()}); only root may "
            "create links for another owner."
        )
    roots, name, rel_path = _target_root(args)
    service = ShareLinkService(store, RootRegistry(roots))
    link = service.create(owner, name, rel_path, expires_in=args.expires_in, label=args.label)
    return _print_created(args, link)


def _target_root(args: argparse.Namespace) -> tuple[list[Root], str, str]:
    """The root the CLI's PATH is recorded under (as Jupyter's configuration would give
    it), its name and PATH relative to it."""
    from ..errors import BadRequest, NotFound
    from ..roots import load_roots

    target = Path(os.path.realpath(args.path))
    if not os.path.lexists(target):
        raise NotFound(f"{args.path} does not exist.")
    if args.root:
        name, sep, folder = args.root.partition("=")
        if not sep or not name or not folder:
            raise BadRequest("--root must look like NAME=FOLDER.")
        root_path = Path(os.path.realpath(folder))
    else:
        root_path = target.parent
        name = re.sub(r"[^A-Za-z0-9._-]", "-", root_path.name).strip("-.") or "root"
    if not target.is_relative_to(root_path):
        raise BadRequest(f"{args.path} is not inside the root {root_path}.")
    # The root as Jupyter's configuration would give it: the same name rules and checks.
    roots, problems = load_roots([{"name": name, "path": str(root_path)}], str(root_path))
    if problems or not roots or not roots[0].available:
        why = problems[0] if problems else roots[0].problem
        raise BadRequest(f"--root {name}={root_path}: {why}")
    rel_path = target.relative_to(root_path).as_posix()
    return roots, name, "" if rel_path == "." else rel_path


def _print_created(args: argparse.Namespace, link: ShareLink) -> int:
    row = _link_json(link, args.public_base_url)
    print(json.dumps(row, indent=2) if args.json else f"{row['id']}\t{row['url']}")
    return 0


def _revoke(args: argparse.Namespace, store: ShareLinkStore) -> int:
    from ..links.creation import default_owner
    from ..links.nginx_markers import NginxMarkers

    if args.nginx_markers:
        store.nginx_markers = NginxMarkers(args.nginx_markers)
    link = store.revoke(args.owner or default_owner(), args.id)
    print(f"revoked {link.id}")
    return 0


def _remote(args: argparse.Namespace) -> int:
    """`links ...` through the hub's link service: the hub says whose links these are."""
    from ..errors import Forbidden
    from ..links.creation import default_owner
    from ..links.remote import RemoteLinkService
    from ..roots import RootRegistry

    owner = default_owner()
    if args.owner not in (None, owner):
        raise Forbidden("On a hub the link service decides whose links these are.")
    if args.links_action == "create":
        roots, name, rel_path = _target_root(args)
        service: RemoteLinkService = RemoteLinkService(args.link_service_url, RootRegistry(roots))
        link = service.create(owner, name, rel_path, expires_in=args.expires_in, label=args.label)
        return _print_created(args, link)
    service = RemoteLinkService(args.link_service_url, RootRegistry([]))
    if args.links_action == "list":
        found = service.list_for_owner(owner, include_inactive=args.all)
        return _print_list(args, [link for link, _ in found])
    link = service.revoke(owner, args.id)
    print(f"revoked {link.id}")
    return 0


def _serve(args: argparse.Namespace, store_url: str) -> int:
    import asyncio
    import logging

    from ..errors import BadRequest
    from ..links.server import default_base_url, hub_service_name, serve_links

    hub_service = hub_service_name()
    if args.hub_auth and hub_service is None:
        raise BadRequest("--hub-auth needs $JUPYTERHUB_API_TOKEN and $JUPYTERHUB_API_URL.")
    if hub_service is not None and not args.roots:
        # The service writes links for every user: it must know which folders it serves.
        raise BadRequest("As a JupyterHub service, give --roots (the hub's shared folders).")
    if hub_service is not None and importlib.util.find_spec("jupyterhub") is None:
        raise BadRequest("As a JupyterHub service it needs jupyterhub: fileglancer-ext[hub].")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(
        serve_links(
            store_url,
            port=args.port,
            ip=args.ip,
            base_url=args.base_url if args.base_url is not None else default_base_url(),
            allowed_origins=args.allowed_origins,
            directory_listing=args.directory_listing,
            io_in_threads=args.io_in_threads,
            allowed_roots=args.roots,
            hub_service=hub_service,
            check_owner_permissions=args.check_owner_permissions,
            public_base_url=args.public_base_url,
            accel_redirect=args.accel_redirect,
            nginx_markers=args.nginx_markers or None,
        )
    )
    return 0
