"""The Jupyter Server extension application and its admin-facing configuration."""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Dict, List, Unicode, Union, default

from . import __version__
from .browse import FileBrowser
from .handlers import route_table
from .inspection import DatasetInspector
from .roots import Root, RootRegistry, load_roots


class FileglancerApp(ExtensionApp):
    """Serves the fileglancer REST API under ``{base_url}/fileglancer/api``.

    Configure it in ``jupyter_server_config.py`` as ``c.FileglancerApp.<option>`` or on the
    command line as ``--FileglancerApp.<option>=...``.
    """

    name = "fileglancer"
    description = "Browse, inspect, share and convert Zarr / OME-Zarr data."
    version = __version__
    load_other_extensions = True

    roots = List(
        Union([Dict(), Unicode()]),
        default_value=[],
        config=True,
        help="""The file shares users can browse, in order. Each entry is either a mapping
        {"name": "scratch", "path": "/scratch/lab", "title": "Lab scratch",
         "smb_url": "smb://fs/scratch/lab", "unc_path": "\\\\\\\\fs\\\\scratch\\\\lab"}
        (only name and path are required; smb_url and unc_path say how the same folder is
        spelled on macOS and Windows) or the shorthand string "name=/path".
        Names must be URL-safe. Default: one root named "home" at the server's root_dir.
        A root whose path does not exist is shown as unavailable and logged; it does not
        stop the server.""",
    )

    allow_symlinks_between_roots = Bool(
        False,
        config=True,
        help="""Whether a symlink inside one root may lead into another configured root.
        Symlinks that lead outside every root are always refused.""",
    )

    link_store_url = Unicode(
        config=True,
        help="""SQLAlchemy database URL of the share-link store. Default: a SQLite file
        in the Jupyter data directory. On a JupyterHub, point every user's server and the
        link server at one PostgreSQL database, e.g.
        "postgresql+psycopg://fileglancer@db/fileglancer".""",
    )

    public_base_url = Unicode(
        "",
        config=True,
        help="""The public URL under which share links are served, e.g.
        "https://hub.example.org/services/fileglancer-links". Empty (default): links are
        built from the address of the request that created them, which is right for a
        single-user server but not for a hub link server.""",
    )

    @default("link_store_url")
    def _default_link_store_url(self) -> str:
        return "sqlite:///" + os.path.join(jupyter_data_dir(), "fileglancer", "links.sqlite3")

    def initialize_settings(self) -> None:
        self.configured_roots: list[Root]
        self.configured_roots, problems = load_roots(self.roots, self.serverapp.root_dir)
        for problem in problems:
            self.log.warning("fileglancer: %s", problem)
        self.registry = RootRegistry(
            self.configured_roots, allow_symlinks_between_roots=self.allow_symlinks_between_roots
        )
        self.browser = FileBrowser(self.registry, Path(self.serverapp.root_dir))
        self.inspector = DatasetInspector(self.registry)
        available = [root.name for root in self.configured_roots if root.available]
        self.log.info("fileglancer %s: roots %s", __version__, ", ".join(available) or "(none)")

    async def stop_extension(self) -> None:
        self.inspector.close()

    def initialize_handlers(self) -> None:
        self.handlers.extend(route_table())
