"""The short-link store: an unguessable key standing for a long viewer URL, per owner.

A Neuroglancer URL carries its whole scene (several kB), which breaks in chats and papers;
a short link is stable while its owner re-points it after adjusting the scene. Kept in the
share links' database as its own component ("shortlinks") with its own migrations.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    MetaData,
    String,
    Table,
    Text,
    select,
)

from ..database import Migration, Store, iso_time, refuse_other_changes
from ..errors import BadRequest
from ..links.store import check_label, storable_text

COMPONENT = "shortlinks"
# A Neuroglancer state with many layers runs to tens of kB; beyond this it is not a URL.
MAX_URL_LENGTH = 100_000

metadata = MetaData()
short_links = Table(
    "fileglancer_short_links",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("url", Text, nullable=False),
    Column("label", Text),
    Column("created", Float, nullable=False),
    Column("updated", Float, nullable=False),
    Index("ix_fileglancer_short_links_owner", "owner", "created"),
)


def _create_short_links_table(conn: Connection) -> None:
    short_links.create(conn)


# Append only: a released migration is never edited (see database.migrate).
MIGRATIONS: Sequence[Migration] = (_create_short_links_table,)


@dataclass(frozen=True)
class ShortLink:
    """One short link; times are POSIX seconds."""

    key: str
    owner: str
    url: str
    label: str | None
    created: float
    updated: float

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "url": self.url,
            "label": self.label,
            "created": iso_time(self.created),
            "updated": iso_time(self.updated),
        }


def check_url(value: Any) -> str:
    """A viewer URL that may be redirected to: absolute http(s), no whitespace or controls
    (which could split the Location header). Raises BadRequest naming the problem."""
    if not isinstance(value, str) or not value:
        raise BadRequest("'url' must be the full viewer URL, as text.")
    if len(value) > MAX_URL_LENGTH:
        raise BadRequest(f"'url' is longer than {MAX_URL_LENGTH} characters.")
    if any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        raise BadRequest("'url' must not contain spaces or control characters.")
    if not storable_text(value):
        raise BadRequest("'url' must be valid Unicode text.")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise BadRequest("'url' must be an absolute http:// or https:// URL.")
    return value


class ShortLinkStore(Store):
    """Short links. Owners see and change only their own links: another user's key is
    the same NotFound as a key that does not exist."""

    component = COMPONENT
    migrations = MIGRATIONS

    def create(self, owner: str, url: Any, label: Any = None) -> ShortLink:
        """A new short link to `url`; BadRequest for a URL or label that cannot be stored."""
        now = time.time()
        link = ShortLink(
            # 96 random bits: short enough to type, too many to guess.
            key=secrets.token_urlsafe(12),
            owner=owner,
            url=check_url(url),
            label=check_label(label),
            created=now,
            updated=now,
        )
        with self.engine.begin() as conn:
            conn.execute(short_links.insert().values(**link.__dict__))
        return link

    def list_for_owner(self, owner: str) -> list[ShortLink]:
        """The owner's short links, newest first."""
        query = (
            select(short_links)
            .where(short_links.c.owner == owner)
            .order_by(short_links.c.created.desc())
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [ShortLink(**row) for row in rows]

    def get(self, owner: str, key: str) -> ShortLink:
        """The owner's short link `key`; NotFound for anyone else's."""
        missing = f"You have no short link '{key}'."
        return ShortLink(**self._owned_row(short_links, short_links.c.key, key, owner, missing))

    def update(self, owner: str, key: str, changes: Mapping[str, Any]) -> ShortLink:
        """Re-point (`url`) and/or relabel (`label`); returns the updated link. BadRequest
        for anything else to change (a request body's keys)."""
        changes = dict(changes)
        values: dict[str, Any] = {}
        if "url" in changes:
            values["url"] = check_url(changes.pop("url"))
        if "label" in changes:
            values["label"] = check_label(changes.pop("label"))
        refuse_other_changes(changes, "a short link")
        self.get(owner, key)  # NotFound for anyone else's
        if values:
            values["updated"] = time.time()
        self._update_owned(short_links, short_links.c.key, key, owner, values)
        return self.get(owner, key)

    def delete(self, owner: str, key: str) -> ShortLink:
        """Delete the link for good (its URL then answers 404); returns what it was."""
        link = self.get(owner, key)
        with self.engine.begin() as conn:
            conn.execute(
                short_links.delete().where(short_links.c.key == key, short_links.c.owner == owner)
            )
        return link

    def resolve(self, key: str) -> ShortLink | None:
        """The short link of `key`, whoever owns it, or None (the public redirect)."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(short_links).where(short_links.c.key == key)).mappings().first()
            )
        return None if row is None else ShortLink(**row)
