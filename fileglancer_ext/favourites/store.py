"""The favourites store: each user's starred places (root, path, name, kind) in order.

The browser saves the whole (short) list at once, so the store replaces a user's list in
one transaction. A user who never saved has no row in `fileglancer_favourite_owners`:
that is how the browser knows to move the favourites it kept per workspace here, once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
)

from ..database import Migration, Store
from ..errors import BadRequest
from ..links.store import storable_text

COMPONENT = "favourites"
MAX_FAVOURITES = 500
MAX_FIELD_LENGTH = 4096

metadata = MetaData()
favourites = Table(
    "fileglancer_favourites",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(255), nullable=False),
    Column("position", Integer, nullable=False),
    Column("root", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", String(64), nullable=False),
    Index("ix_fileglancer_favourites_owner", "owner", "position"),
)
favourite_owners = Table(
    "fileglancer_favourite_owners",
    metadata,
    Column("owner", String(255), primary_key=True),
    Column("updated", Float, nullable=False),
)


def _create_favourites_tables(conn: Connection) -> None:
    metadata.create_all(conn)


# Append only: a released migration is never edited (see database.migrate).
MIGRATIONS: Sequence[Migration] = (_create_favourites_tables,)


@dataclass(frozen=True)
class Favourite:
    """One starred place: a root's name, the root-relative path, and what the listing
    knew of it (its name and kind, for the label and icon)."""

    root: str
    path: str
    name: str
    kind: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check_favourites(value: Any) -> list[Favourite]:
    """The list a request body gives, checked; BadRequest naming what is wrong. A place
    given twice is kept once (the first)."""
    if not isinstance(value, list):
        raise BadRequest("'favourites' must be a list of {root, path, name, kind}.")
    if len(value) > MAX_FAVOURITES:
        raise BadRequest(f"At most {MAX_FAVOURITES} favourites can be kept.")
    checked: list[Favourite] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise BadRequest(f"Favourite {index + 1} must be an object.")
        fields: dict[str, str] = {}
        for field in ("root", "path", "name", "kind"):
            text = item.get(field)
            if not isinstance(text, str) or len(text) > MAX_FIELD_LENGTH:
                raise BadRequest(f"Favourite {index + 1} needs '{field}' as text.")
            if not storable_text(text):
                raise BadRequest(f"Favourite {index + 1}: '{field}' is not valid Unicode text.")
            fields[field] = text
        if not fields["root"]:
            raise BadRequest(f"Favourite {index + 1} needs the name of its root.")
        key = (fields["root"], fields["path"])
        if key not in seen:
            seen.add(key)
            checked.append(Favourite(**fields))
    return checked


class FavouriteStore(Store):
    """Favourites per user: each user reads and replaces only their own list."""

    component = COMPONENT
    migrations = MIGRATIONS

    def list_for_owner(self, owner: str) -> tuple[list[Favourite], bool]:
        """The owner's favourites in their order, and whether the owner ever saved a list
        (False: the browser may bring the favourites it kept per workspace)."""
        query = (
            select(favourites.c.root, favourites.c.path, favourites.c.name, favourites.c.kind)
            .where(favourites.c.owner == owner)
            .order_by(favourites.c.position)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            saved = (
                conn.execute(
                    select(favourite_owners.c.owner).where(favourite_owners.c.owner == owner)
                ).first()
                is not None
            )
        return [Favourite(**row) for row in rows], saved

    def replace(self, owner: str, places: Any) -> list[Favourite]:
        """Make `places` (a request's list, checked here) the owner's favourites."""
        checked = check_favourites(places)
        with self.engine.begin() as conn:
            conn.execute(favourites.delete().where(favourites.c.owner == owner))
            if checked:
                conn.execute(
                    favourites.insert(),
                    [
                        {"owner": owner, "position": position, **place.to_json()}
                        for position, place in enumerate(checked)
                    ],
                )
            conn.execute(favourite_owners.delete().where(favourite_owners.c.owner == owner))
            conn.execute(favourite_owners.insert().values(owner=owner, updated=time.time()))
        return checked
