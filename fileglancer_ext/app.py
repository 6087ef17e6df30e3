"""The Jupyter Server extension application and its admin-facing configuration."""

from __future__ import annotations

import asyncio
import re
import warnings
from pathlib import Path
from urllib.parse import unquote

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from traitlets import Bool, Dict, Float, Int, List, Unicode, Union, default

from . import __version__, web
from .browse import handlers as browse_handlers
from .browse.service import FileBrowser
from .database import default_store_url
from .editing import handlers as editing_handlers
from .editing.service import MetadataEditor
from .favourites import handlers as favourites_handlers
from .favourites.store import FavouriteStore
from .inspection import handlers as inspection_handlers
from .inspection.service import DatasetInspector
from .inspection.stats.service import StatsService
from .inspection.stats.walk import default_walk_processes
from .jobs import handlers as jobs_handlers
from .jobs.engines import DaskEngine, LocalProcessEngine, default_processes_per_job
from .jobs.runner import JobRunner
from .jobs.service import ConversionJobService
from .jobs.store import JobStore
from .links import handlers as links_handlers
from .links import view_route, viewers_route
from .links.creation import ShareLinkService, default_owner
from .links.handlers import ShareHandler
from .links.nginx_markers import NginxMarkers
from .links.remote import RemoteLinkService
from .links.serving import ShareServer
from .links.store import ShareLinkStore
from .roots import Root, RootRegistry, load_roots
from .s3 import handlers as s3_handlers
from .shortlinks import handlers as shortlinks_handlers
from .shortlinks.remote import RemoteShortLinkStore
from .shortlinks.store import ShortLinkStore
from .system import log_redaction
from .tiles import handlers as tiles_handlers
from .tiles.chunkcache import CHUNK_CACHE, DEFAULT_MAX_BYTES
from .viewers import ViewerConfig
from .viewers.config import (
    DEFAULT_AVIVATOR_URL,
    DEFAULT_MAX_CHANNELS,
    DEFAULT_NEUROGLANCER_URL,
    DEFAULT_VALIDATOR_URL,
    DEFAULT_VIZARR_URL,
)
from .viewers.service import DatasetViewers

# Every feature's handlers module lists its routes, bound to the app's services, in
# `routes(app)` (the API's own version route is in `web`).
FEATURES = (
    web,
    browse_handlers,
    inspection_handlers,
    editing_handlers,
    links_handlers,
    viewers_route,
    view_route,
    jobs_handlers,
    s3_handlers,
    shortlinks_handlers,
    favourites_handlers,
    tiles_handlers,
)


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

    database_url = Unicode(
        config=True,
        help="""SQLAlchemy URL of the extension's database: share links, short links and
        conversion jobs, each in its own tables, all through one engine per server.
        Default: a SQLite file in the Jupyter data directory. On a JupyterHub, point every
        user's server and the link server (`fileglancer-ext serve-links --database-url`)
        at one PostgreSQL database, e.g. "postgresql+psycopg://fileglancer@db/fileglancer".""",
    )

    link_store_url = Unicode(
        "",
        config=True,
        help="""Deprecated: the former name of database_url, used (with a warning) when
        database_url is not set.""",
    )

    public_base_url = Unicode(
        "",
        config=True,
        help="""The public URL under which share links are served, e.g.
        "https://hub.example.org/services/fileglancer-links". Empty (default): links are
        built from the address of the request that created them, which is right for a
        single-user server but not for a hub link server.""",
    )

    link_service_url = Unicode(
        "",
        config=True,
        help="""The hub's link service (`fileglancer-ext serve-links` as a JupyterHub
        service), e.g. "http://127.0.0.1:8765/services/fileglancer-links/". When set, this
        server creates, lists and revokes links and short links only through it, with its
        own hub token (which needs the scope access:services!service=<the service's
        name>), and its own share and short-link routes serve none. Empty (default): they
        are kept in database_url.""",
    )

    share_allowed_origins = List(
        Unicode(),
        default_value=["*"],
        config=True,
        help="""Web origins (e.g. "https://neuroglancer-demo.appspot.com") whose pages may
        read shares from a browser (CORS). "*" (default): any page, which is what share links
        are for; they carry no cookies or Jupyter credentials.""",
    )

    share_directory_listing = Bool(
        False,
        config=True,
        help="""Whether a GET of a folder inside a share answers with a JSON listing of its
        entries (name, kind, size). Off (default): folders answer 404, and only clients that
        know the layout (Zarr, N5) can read a share.""",
    )

    nginx_markers = Unicode(
        "",
        config=True,
        help="""The live-share marker folder of deploy/nginx/fileglancer-links-cached.conf
        (`serve-links --nginx-markers`), when links revoked here are served by nginx: a
        revocation or an expiry change deletes the link's marker, and nginx stops serving
        the link at once. Empty (default): none (nginx would stop within two seconds).""",
    )

    share_io_in_threads = Bool(
        False,
        config=True,
        help="""Whether the share route looks links up and reads files in threads rather
        than on the server's event loop. Off (default), like tornado's StaticFileHandler: the
        cheapest for local disks and the page cache. Turn it on when the roots are on slow
        network storage or the link store is a remote database, so that one slow read does
        not hold up every other request; it costs about twice the CPU per request.""",
    )

    neuroglancer_url = Unicode(
        DEFAULT_NEUROGLANCER_URL,
        config=True,
        help="""The Neuroglancer deployment that "Open in Neuroglancer" uses (the viewer
        state goes after "#!"). A self-hosted copy works the same; "" hides Neuroglancer.""",
    )

    vizarr_url = Unicode(
        DEFAULT_VIZARR_URL,
        config=True,
        help="""The vizarr deployment for OME-Zarr images and plates; the data link's URL is
        appended. "" hides vizarr.""",
    )

    avivator_url = Unicode(
        DEFAULT_AVIVATOR_URL,
        config=True,
        help="""The Avivator deployment for OME-Zarr 0.4 images and bioformats2raw output;
        the data link's URL is appended. "" hides Avivator.""",
    )

    ome_ngff_validator_url = Unicode(
        DEFAULT_VALIDATOR_URL,
        config=True,
        help="""The OME-NGFF validator web app for OME-Zarr data links; the link's URL is
        appended. "" hides it.""",
    )

    viewer_max_channels = Int(
        DEFAULT_MAX_CHANNELS,
        min=1,
        config=True,
        help="""At most this many channels of an image become Neuroglancer layers (one layer
        per channel, coloured and windowed from the omero metadata).""",
    )

    viewer_chunk_cache_mb = Int(
        DEFAULT_MAX_BYTES // 2**20,
        min=0,
        config=True,
        help="""MiB of decoded chunks the in-JupyterLab viewer keeps between tiles (one
        cache per server, least recently used chunks dropped first; a chunk whose file
        changes is decoded again). 0: no cache, every tile decodes its chunks.""",
    )

    extra_viewers = List(
        Dict(),
        default_value=[],
        config=True,
        help="""More web viewers to offer for shared datasets, each
        {"name": "My viewer", "url_template": "https://viewer.example/?url={url}",
         "kinds": ["ome-zarr", "zarr-array"], "versions": ["0.5"]}. The template takes
        {url} (the data link's URL) or {url_encoded}; "kinds" lists the dataset kinds the
        viewer opens; the optional "versions" lists the OME-NGFF versions it opens (the
        viewer is then not offered for other versions, N5 or plain Zarr).""",
    )

    stats_processes = Int(
        config=True,
        min=1,
        help="""Worker processes that walk large datasets for the storage statistics (a
        walk past 10,000 entries goes on in them; they start at the first such walk and
        stay while the server runs). 1: walk in the server's own threads only. Default: the
        number of CPU cores, at most 4. On slow network storage more processes than cores
        can help: each waits on its own metadata requests.""",
    )

    conversion_workers = Int(
        1,
        min=1,
        config=True,
        help="""How many conversion jobs run at once; later ones wait in a queue. Each
        running job uses `conversion_processes` worker processes (or the Dask cluster).""",
    )

    conversion_processes = Int(
        config=True,
        min=1,
        help="""Worker processes of one running conversion job (a pool started for the job
        and stopped when it ends). Default: the number of CPU cores less one, at least 1.
        At most conversion_workers x conversion_processes processes convert at once.""",
    )

    dask_scheduler_address = Unicode(
        "",
        config=True,
        help="""Address of a dask.distributed scheduler (e.g. "tcp://10.0.0.5:8786", as
        started by dask-jobqueue on SLURM) on which conversions run instead of local
        processes. Its workers need fileglancer-ext installed and must see the roots at the
        same paths. Needs the 'distributed' package (pip install fileglancer-ext[dask]).
        Empty (default): local processes.""",
    )

    dask_connect_timeout = Float(
        10.0,
        min=0.1,
        config=True,
        help="""Seconds a conversion job waits to reach the Dask scheduler before it fails
        with a message saying so.""",
    )

    @default("conversion_processes")
    def _default_conversion_processes(self) -> int:
        return default_processes_per_job()

    @default("stats_processes")
    def _default_stats_processes(self) -> int:
        return default_walk_processes()

    @default("database_url")
    def _default_database_url(self) -> str:
        return self.link_store_url or default_store_url()

    def _warn_if_deprecated_settings(self) -> None:
        """Say once, at start-up, that `link_store_url` is an old name (never its value:
        a database URL may hold a password)."""
        if not self.link_store_url:
            return
        message = "FileglancerApp.link_store_url is deprecated; set FileglancerApp.database_url"
        if self.link_store_url != self.database_url:
            message += " (database_url is set too, and is the one used)"
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        self.log.warning("fileglancer: %s", message)

    def initialize_settings(self) -> None:
        # Share tokens and short-link keys are credentials: no log line shows them whole.
        log_redaction.install([self.serverapp.log, self.log])
        self.configured_roots: list[Root]
        self.configured_roots, problems = load_roots(self.roots, self.serverapp.root_dir)
        for problem in problems:
            self.log.warning("fileglancer: %s", problem)
        self.registry = RootRegistry(
            self.configured_roots, allow_symlinks_between_roots=self.allow_symlinks_between_roots
        )
        self.browser = FileBrowser(self.registry, Path(self.serverapp.root_dir))
        self.inspector = DatasetInspector(
            self.registry, StatsService(processes=self.stats_processes)
        )
        self.editor = MetadataEditor(self.registry)
        self._warn_if_deprecated_settings()
        # The link, short-link and job stores share one engine (`database.engine_for`).
        self.link_store = ShareLinkStore.from_url(self.database_url)
        if self.nginx_markers:
            self.link_store.nginx_markers = NginxMarkers(self.nginx_markers)
        self.link_service: ShareLinkService | RemoteLinkService
        if self.link_service_url:
            # On a hub the service is the links' only writer and server: nothing here.
            self.link_service = RemoteLinkService(self.link_service_url, self.registry)
            served_owners: list[str] = []
        else:
            self.link_service = ShareLinkService(self.link_store, self.registry)
            served_owners = [default_owner()]
        self.short_link_store: ShortLinkStore | RemoteShortLinkStore
        if self.link_service_url:  # kept and redirected by the hub's link service too
            self.short_link_store = RemoteShortLinkStore(self.link_service_url)
        else:
            self.short_link_store = ShortLinkStore.from_url(self.database_url)
        self.favourite_store = FavouriteStore.from_url(self.database_url)
        self.share_server = ShareServer(
            self.link_store,
            directory_listing=self.share_directory_listing,
            use_threads=self.share_io_in_threads,
            # Links recorded by others in a shared store must not reach past these roots.
            allowed_roots=[str(root.path) for root in self.configured_roots if root.available],
            # Nor be answered here at all: a shared page would run in this server's origin
            # (the link server is every user's public face). The owner the links API records.
            owners=served_owners,
        )
        CHUNK_CACHE.resize(self.viewer_chunk_cache_mb * 2**20)
        self.viewers = DatasetViewers(self.registry, self.link_service, self._viewer_config())
        self._initialize_jobs()
        available = [root.name for root in self.configured_roots if root.available]
        self.log.info("fileglancer %s: roots %s", __version__, ", ".join(available) or "(none)")

    def _initialize_jobs(self) -> None:
        """The conversion jobs: their store (in the extension's database) and runner."""
        self.job_store = JobStore.from_url(self.database_url)
        if self.dask_scheduler_address:
            engine: DaskEngine | LocalProcessEngine = DaskEngine(
                self.dask_scheduler_address, self.dask_connect_timeout
            )
        else:
            engine = LocalProcessEngine(self.conversion_processes)
        # Marks the jobs of a dead server interrupted and removes their partial outputs.
        self.job_runner = JobRunner(
            self.job_store, engine, self.registry, max_running_jobs=self.conversion_workers
        )
        self.job_service = ConversionJobService(self.job_store, self.job_runner, self.registry)
        self.log.info(
            "fileglancer: up to %d conversion job(s) at once, each on %s",
            self.conversion_workers,
            engine.describe(),
        )

    def _viewer_config(self) -> ViewerConfig:
        """The viewer settings; a malformed extra viewer is logged and left out."""
        extra = []
        for entry in self.extra_viewers:
            try:
                ViewerConfig.from_settings(extra_viewers=[entry])
            except ValueError as err:
                self.log.warning("fileglancer: extra viewer ignored: %s", err)
            else:
                extra.append(entry)
        return ViewerConfig.from_settings(
            neuroglancer_url=self.neuroglancer_url,
            vizarr_url=self.vizarr_url,
            avivator_url=self.avivator_url,
            validator_url=self.ome_ngff_validator_url,
            max_channels=self.viewer_max_channels,
            extra_viewers=extra,
        )

    async def stop_extension(self) -> None:
        self.inspector.close()
        self.share_server.close()
        self.link_store.close()
        self.short_link_store.close()
        self.favourite_store.close()
        # Running conversions stop between tasks and clean up; off the event loop.
        await asyncio.to_thread(self.job_runner.shutdown)
        self.job_store.close()

    def initialize_handlers(self) -> None:
        for feature in FEATURES:
            self.handlers.extend(feature.routes(self))
        # HTTP clients such as aiohttp (zarr, fsspec) normalize "%40" in a path to "@", so a
        # base URL like "/user/a%40b/" must also answer shares under its decoded spelling.
        base_url = self.serverapp.base_url
        if unquote(base_url) != base_url:
            for pattern, handler, *rest in self.handlers:
                if isinstance(handler, type) and issubclass(handler, ShareHandler):
                    alias = url_path_join(re.escape(unquote(base_url)), pattern)
                    self.serverapp.web_app.add_handlers(".*$", [(alias, handler, *rest)])
