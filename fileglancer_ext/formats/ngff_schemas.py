"""The official OME-NGFF JSON schemas, shipped with this package.

The schemas of every spec version lie in `schemas/<version>/` beside this module (their
origin and licence: `schemas/LICENSE.md`), so validation needs no other package.
They refer to each other by absolute `https://ngff.openmicroscopy.org/...` URLs; we register
every schema of a version in one `referencing.Registry` under its `$id` and under its
canonical URL, so those references resolve locally and nothing is ever fetched.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterator
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# The released versions; later ones (0.6) are drafts.
NGFF_VERSIONS = ("0.1", "0.2", "0.3", "0.4", "0.5")
_SUFFIX = ".schema"
_CANONICAL = "https://ngff.openmicroscopy.org/{version}/schemas/{name}.schema"


class UnknownSchema(LookupError):
    """No schema of that name exists for that version (or the version itself is unknown)."""


@cache
def load_schemas(version: str) -> dict[str, dict[str, Any]]:
    """Every schema of `version`, by short name ("image", "strict_plate"...).

    Raises UnknownSchema for a version we have no schemas for. Cached: read once.
    """
    if version not in NGFF_VERSIONS:
        raise UnknownSchema(f"no OME-NGFF schemas for version {version!r}")
    folder = files(__package__) / "schemas" / version
    schemas: dict[str, dict[str, Any]] = {}
    for entry in folder.iterdir():
        if entry.is_file() and entry.name.endswith(_SUFFIX):
            schemas[entry.name.removesuffix(_SUFFIX)] = json.loads(entry.read_text("utf-8"))
    return schemas


def schema_names(version: str) -> list[str]:
    """The schema names available for `version`, sorted; raises UnknownSchema for a bad version."""
    return sorted(load_schemas(version))


@cache
def _registry(version: str) -> Registry:
    resources: list[tuple[str, Resource]] = []
    for name, contents in load_schemas(version).items():
        # The strict_* schemas declare no $schema; they are 2020-12 like the rest.
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        uris = {_CANONICAL.format(version=version, name=name)}
        # Some $ids are not canonical (0.2's image is on localhost, 0.4's bf2raw "latest").
        if isinstance(contents.get("$id"), str):
            uris.add(contents["$id"])
        resources.extend((uri, resource) for uri in uris)
    # No `retrieve` callable: an unknown reference raises instead of going to the network.
    return Registry().with_resources(resources)


@cache
def get_validator(version: str, name: str) -> Validator:
    """A ready jsonschema validator for schema `name` of `version`; raises UnknownSchema."""
    schemas = load_schemas(version)
    if name not in schemas:
        known = ", ".join(sorted(schemas))
        raise UnknownSchema(f"OME-NGFF {version} has no {name!r} schema (it has: {known})")
    schema = schemas[name]
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    linear = jsonschema.validators.extend(cls, validators={"uniqueItems": unique_items})
    return linear(schema, registry=_registry(version))


def unique_items(
    validator: Validator, unique: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """The uniqueItems keyword in linear time. jsonschema compares every pair of objects
    (a plate's 5,000 wells took 45 s); here each item becomes a hashable value once."""
    if not unique or not validator.is_type(instance, "array"):
        return
    first_of: dict[Hashable, int] = {}
    for index, item in enumerate(instance):
        first = first_of.setdefault(_json_value(item), index)
        if first != index:
            yield ValidationError(f"items {first} and {index} are equal")
            return


def _json_value(value: Any) -> Hashable:
    # Equal exactly when JSON Schema calls them equal: 1 and 1.0 are, true and 1 are not,
    # and the order of an object's members does not matter.
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, dict):
        return ("object", frozenset((key, _json_value(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return ("array", tuple(_json_value(item) for item in value))
    return value
