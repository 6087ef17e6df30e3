"""The share-link store: who shared which folder, under which secret token, until when.

A link records the root's name *and* its real filesystem path next to the path inside it,
so that the standalone link server, which has no Jupyter configuration, can confine every
request to the shared folder on its own (see `serving.py`).
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Float,
    Index,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    inspect,
    or_,
    select,
)

from ..database import Migration, Store, iso_time, refuse_other_changes
from ..errors import BadRequest
from .confinement import FileIdentity, read_identity
from .nginx_markers import NginxMarkers
from .token_lookup import TokenLookup

COMPONENT = "links"

# At most this often the store records a link's last access: serving many chunks a
# second must not turn every read into a database write.
LAST_ACCESS_RESOLUTION = 60.0
MAX_LABEL_LENGTH = 200
MAX_EXPIRY_SECONDS = 100 * 365 * 24 * 3600

metadata = MetaData()
links = Table(
    "fileglancer_links",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token", String(64), nullable=False, unique=True),
    Column("owner", String(255), nullable=False),
    Column("root_name", String(64), nullable=False),
    Column("root_path", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("created", Float, nullable=False),
    Column("expires", Float),
    Column("label", Text),
    Column("revoked", Float),
    Column("last_access", Float),
    # What was shared (st_dev, st_ino), as decimal text: exact up to 2**64 in every
    # database. Null for links made before release 2 until first served (see serving.py).
    Column("target_device", String(20)),
    Column("target_inode", String(20)),
    # Its birth time (ns, statx), where the filesystem tells it: an inode number freed
    # by a deletion is given at once to the next folder made there (ext4).
    Column("target_birth", String(24)),
    Index("ix_fileglancer_links_owner", "owner", "root_name", "path"),
)


# The per-request query (see token_lookup.py); columns in ShareLink's field order.
_LOOKUP_ACTIVE = select(links).where(
    links.c.token == bindparam("token"),
    links.c.revoked.is_(None),
    or_(links.c.expires.is_(None), links.c.expires > bindparam("now")),
)


def _create_links_table(conn: Connection) -> None:
    links.create(conn)


_IDENTITY_COLUMNS = ("target_device", "target_inode")


def _add_target_identity(conn: Connection) -> None:
    # A database made by the first migration of this release already has the columns (it
    # creates the table as `links` defines it now); one made by an older release has not.
    present = {column["name"] for column in inspect(conn).get_columns(links.name)}
    for name in _IDENTITY_COLUMNS:
        if name not in present:
            conn.exec_driver_sql(f"ALTER TABLE {links.name} ADD COLUMN {name} VARCHAR(20)")


def _add_target_birth(conn: Connection) -> None:
    present = {column["name"] for column in inspect(conn).get_columns(links.name)}
    if "target_birth" not in present:
        conn.exec_driver_sql(f"ALTER TABLE {links.name} ADD COLUMN target_birth VARCHAR(24)")


# Append only: a released migration is never edited (see database.migrate).
MIGRATIONS: Sequence[Migration] = (_create_links_table, _add_target_identity, _add_target_birth)


def new_token() -> str:
    """A share token: 192 random bits, URL-safe, and a bucket name every S3 client takes
    (tensorstore's refuses one that starts or ends with "-" or "_")."""
    while True:
        token = secrets.token_urlsafe(24)
        if token[0].isalnum() and token[-1].isalnum():
            return token


@dataclass(frozen=True)
class ShareLink:
    """One share link. Times are POSIX seconds; `revoked` is when, or None."""

    id: str
    token: str
    owner: str
    root_name: str
    root_path: str
    path: str
    created: float
    expires: float | None
    label: str | None
    revoked: float | None
    last_access: float | None
    target_device: str | None = None
    target_inode: str | None = None
    target_birth: str | None = None

    @property
    def identity(self) -> FileIdentity | None:
        """(st_dev, st_ino) of what was shared, or None when not recorded (older links)."""
        if self.target_device is None or self.target_inode is None:
            return None
        return int(self.target_device), int(self.target_inode)

    @property
    def birth(self) -> int | None:
        """The birth time (ns) of what was shared, or None when not known."""
        return None if self.target_birth is None else int(self.target_birth)

    def is_active(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return self.revoked is None and (self.expires is None or self.expires > now)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "token": self.token,
            "owner": self.owner,
            "root": self.root_name,
            "path": self.path,
            "label": self.label,
            "created": iso_time(self.created),
            "expires": iso_time(self.expires),
            "revoked": self.revoked is not None,
            "last_access": iso_time(self.last_access),
            "active": self.is_active(),
        }


def check_expires_in(value: Any) -> float | None:
    """`expires_in` from a request or the command line: seconds > 0, or None for never."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest("'expires_in' must be a number of seconds, or null for never.")
    if not 0 < value <= MAX_EXPIRY_SECONDS:
        raise BadRequest("'expires_in' must be between 1 second and 100 years.")
    return float(value)


def check_label(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_LABEL_LENGTH:
        raise BadRequest(f"'label' must be text of at most {MAX_LABEL_LENGTH} characters.")
    if not storable_text(value):
        raise BadRequest("'label' must be valid Unicode text, without NUL characters.")
    return value.strip() or None


def check_shared_path(path: str) -> str:
    """`path` if a link can record it; BadRequest for a name that is not UTF-8 (it could
    be neither stored as text nor spelled in a URL)."""
    if not storable_text(path):
        raise BadRequest("Names that are not UTF-8 cannot be shared.")
    return path


def storable_text(text: str) -> bool:
    """Whether the database can store `text`: valid Unicode (no lone surrogate, as
    `os.fsdecode` makes of bytes that are not UTF-8) and no NUL (PostgreSQL refuses it)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


class ShareLinkStore(Store):
    """Share links. Owners only ever see their own links: asking for another user's link
    by id is the same NotFound as asking for one that does not exist."""

    component = COMPONENT
    migrations = MIGRATIONS

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._lookup = TokenLookup(engine, _LOOKUP_ACTIVE)
        # Per process, when each link's last access was last written (see `touch`).
        self._touched: dict[str, float] = {}
        # nginx's live-share markers (nginx_markers.py), withdrawn on revocation.
        self.nginx_markers: NginxMarkers | None = None

    def close(self) -> None:
        self._lookup.close()
        super().close()

    def create(
        self,
        owner: str,
        root_name: str,
        root_path: str,
        path: str,
        *,
        expires_in: float | None = None,
        label: str | None = None,
        identity: FileIdentity | None = None,
        birth: int | None = None,
    ) -> ShareLink:
        """A new active link; `root_path` is the root's real path, `path` posix inside it.

        `identity` (and `birth`) is what the link shares, as the caller checked it; by
        default the store looks it up (None when nothing is there now: recorded when first
        served)."""
        if identity is None:
            identity, birth = read_identity(root_path, path) or (None, None)
        now = time.time()
        link = ShareLink(
            id=secrets.token_hex(8),
            # 192 random bits, URL-safe: the only secret between a share and the world.
            token=new_token(),
            owner=owner,
            root_name=root_name,
            root_path=root_path,
            path=path.strip("/"),
            created=now,
            expires=None if expires_in is None else now + expires_in,
            label=label,
            revoked=None,
            last_access=None,
            target_device=None if identity is None else str(identity[0]),
            target_inode=None if identity is None else str(identity[1]),
            target_birth=None if birth is None else str(birth),
        )
        with self.engine.begin() as conn:
            conn.execute(links.insert().values(**link.__dict__))
        return link

    def record_identity(
        self, link_id: str, identity: FileIdentity, birth: int | None = None
    ) -> FileIdentity:
        """Record what a link made before identities were recorded shares, unless another
        server did first; returns the identity now recorded."""
        with self.engine.begin() as conn:
            conn.execute(
                links.update()
                .where(links.c.id == link_id, links.c.target_inode.is_(None))
                .values(
                    target_device=str(identity[0]),
                    target_inode=str(identity[1]),
                    target_birth=None if birth is None else str(birth),
                )
            )
            row = conn.execute(
                select(links.c.target_device, links.c.target_inode).where(links.c.id == link_id)
            ).first()
        if row is None or row[1] is None:
            return identity
        return int(row[0]), int(row[1])

    def list_for_owner(
        self,
        owner: str,
        *,
        root_name: str | None = None,
        path: str | None = None,
        include_inactive: bool = False,
        root_path: str | None = None,
    ) -> list[ShareLink]:
        """The owner's links, newest first; by default only those that still work.
        (`root_path`: of the root at that real path, as the hub's link service knows it.)"""
        query = select(links).where(links.c.owner == owner)
        if root_name is not None:
            query = query.where(links.c.root_name == root_name)
        if root_path is not None:
            query = query.where(links.c.root_path == root_path)
        if path is not None:
            query = query.where(links.c.path == path.strip("/"))
        if not include_inactive:
            query = query.where(_active(time.time()))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(links.c.created.desc())).mappings().all()
        return [ShareLink(**row) for row in rows]

    def find_for_path(self, owner: str, root_name: str, path: str) -> ShareLink | None:
        """The owner's newest active link of exactly (root, path), or None."""
        found = self.list_for_owner(owner, root_name=root_name, path=path)
        return found[0] if found else None

    def get(self, owner: str, link_id: str) -> ShareLink:
        """The owner's link `link_id`, revoked or not; NotFound for anyone else's."""
        missing = f"You have no share link '{link_id}'."
        return ShareLink(**self._owned_row(links, links.c.id, link_id, owner, missing))

    def update(self, owner: str, link_id: str, /, **changes: Any) -> ShareLink:
        """Change `label` and/or `expires_in` (None: never expires); returns the new link.
        BadRequest naming any other field (a request body's keys, "owner" included)."""
        values: dict[str, Any] = {}
        if "label" in changes:
            values["label"] = check_label(changes.pop("label"))
        if "expires_in" in changes:
            expires_in = check_expires_in(changes.pop("expires_in"))
            values["expires"] = None if expires_in is None else time.time() + expires_in
        refuse_other_changes(changes, "a share link")
        link = self.get(owner, link_id)  # NotFound for anyone else's
        # A new expiry may be sooner than a decision nginx keeps: nginx asks again.
        with self._withdrawn(link.token):
            self._update_owned(links, links.c.id, link_id, owner, values)
        return self.get(owner, link_id)

    def revoke(self, owner: str, link_id: str) -> ShareLink:
        """Revoke the link for good (revoking twice is harmless); returns it."""
        link = self.get(owner, link_id)
        if link.revoked is None:
            with self._withdrawn(link.token), self.engine.begin() as conn:
                conn.execute(
                    links.update()
                    .where(links.c.id == link_id, links.c.revoked.is_(None))
                    .values(revoked=time.time())
                )
        return self.get(owner, link_id)

    def _withdrawn(self, token: str) -> contextlib.AbstractContextManager[None]:
        """Around a change that may end a link: nginx no longer serves it alone from the
        start, and cannot again before the change is committed (nginx_markers.py)."""
        if self.nginx_markers is None:
            return contextlib.nullcontext()
        return self.nginx_markers.withdrawn(token)

    def lookup_active(self, token: str) -> ShareLink | None:
        """The link of `token` if it is neither revoked nor expired, right now; else None."""
        row = self._lookup.first_row(token)
        return None if row is None else ShareLink(*row)

    def touch_due(self, link: ShareLink) -> bool:
        """Whether `touch(link)` would write; cheap, in memory."""
        last = self._touched.get(link.id, link.last_access or 0.0)
        return time.time() - last >= LAST_ACCESS_RESOLUTION

    def claim_touch(self, link: ShareLink) -> float | None:
        """If the link's last access is due to be written, the time to write (and it is no
        longer due for this process); else None. Cheap, in memory: call it per request,
        then `write_last_access` off the serving path."""
        if not self.touch_due(link):
            return None
        now = time.time()
        self._touched[link.id] = now
        return now

    def write_last_access(self, link_id: str, when: float) -> None:
        # Conditional, so replicated servers do not all write within the same minute.
        with self.engine.begin() as conn:
            conn.execute(
                links.update()
                .where(
                    links.c.id == link_id,
                    or_(
                        links.c.last_access.is_(None),
                        links.c.last_access < when - LAST_ACCESS_RESOLUTION,
                    ),
                )
                .values(last_access=when)
            )

    def touch(self, link: ShareLink) -> None:
        """Record an access now, at most once per LAST_ACCESS_RESOLUTION per link."""
        when = self.claim_touch(link)
        if when is not None:
            self.write_last_access(link.id, when)


def _active(now: float) -> ColumnElement[bool]:
    return and_(links.c.revoked.is_(None), or_(links.c.expires.is_(None), links.c.expires > now))
