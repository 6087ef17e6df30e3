"""`fileglancer-ext links list|create|revoke` and `fileglancer-ext serve-links`.

Both work on the same store as the Jupyter extension (same default SQLite file, or
`--store-url`), so a link made here shows up in the user's JupyterLab and vice versa.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..links.store import ShareLink, ShareLinkStore

COMMANDS = ("links", "serve-links")
SHARE_PREFIX = "/fileglancer/s"


def add_parsers(commands: argparse._SubParsersAction) -> None:
    _add_links_parser(commands)
    _add_serve_parser(commands)


def _add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store-url",
        default=None,
        help="SQLAlchemy URL of the link store (default: the extension's SQLite file in "
        "the Jupyter data directory)",
    )


def _add_links_parser(commands: argparse._SubParsersAction) -> None:
    links = commands.add_parser(
        "links",
        help="list, create or revoke share links",
        description="Manage share links in the link store the Jupyter extension uses.",
    )
    actions = links.add_subparsers(dest="links_action", metavar="ACTION")
    actions.required = True
    owner_help = "whose links (default: the current OS user, as in JupyterLab)"

    listing = actions.add_parser("list", help="list links")
    _add_store_option(listing)
    listing.add_argument("--owner", default=getpass.getuser(), help=owner_help)
    listing.add_argument("--all", action="store_true", help="include revoked and expired links")
    listing.add_argument("--public-base-url", default="", help="print full URLs under this")
    listing.add_argument("--json", action="store_true", help="print JSON")

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
    create.add_argument("--owner", default=getpass.getuser(), help=owner_help)
    create.add_argument("--expires-in", type=float, default=None, metavar="SECONDS")
    create.add_argument("--label", default=None)
    create.add_argument("--public-base-url", default="", help="print the full URL under this")
    create.add_argument("--json", action="store_true", help="print JSON")

    revoke = actions.add_parser("revoke", help="revoke a link for good")
    _add_store_option(revoke)
    revoke.add_argument("id", help="the link's id (see `links list`)")
    revoke.add_argument("--owner", default=getpass.getuser(), help=owner_help)


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
        "--io-in-threads",
        action="store_true",
        help="look links up and read files in threads, not on the event loop: for slow "
        "network storage or a remote database (costs about twice the CPU per request)",
    )


def run(args: argparse.Namespace) -> int:
    from ..database import default_store_url
    from ..errors import FileglancerError

    store_url = args.store_url or default_store_url()
    try:
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
        print(f"fileglancer-ext {args.command}: {err.message}", file=sys.stderr)
        return 2


def _link_json(link: ShareLink, public_base_url: str) -> dict:
    payload = link.to_json()
    payload["url"] = f"{public_base_url.rstrip('/')}{SHARE_PREFIX}/{link.token}/"
    return payload


def _list(args: argparse.Namespace, store: ShareLinkStore) -> int:
    found = store.list_for_owner(args.owner, include_inactive=args.all)
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
    from ..errors import BadRequest, NotFound
    from ..links.store import check_expires_in, check_label, check_shared_path

    target = Path(os.path.realpath(args.path))
    if not target.exists():
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
    rel_path = target.relative_to(root_path).as_posix()
    check_shared_path(str(target))
    link = store.create(
        args.owner,
        name,
        str(root_path),
        "" if rel_path == "." else rel_path,
        expires_in=check_expires_in(args.expires_in),
        label=check_label(args.label),
    )
    row = _link_json(link, args.public_base_url)
    print(json.dumps(row, indent=2) if args.json else f"{row['id']}\t{row['url']}")
    return 0


def _revoke(args: argparse.Namespace, store: ShareLinkStore) -> int:
    link = store.revoke(args.owner, args.id)
    print(f"revoked {link.id}")
    return 0


def _serve(args: argparse.Namespace, store_url: str) -> int:
    import asyncio
    import logging

    from ..links.server import default_base_url, serve_links

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
        )
    )
    return 0
