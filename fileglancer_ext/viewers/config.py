"""Which web viewers to offer, and where they live: filled from the extension's traitlets.

The built-in viewers (Neuroglancer, vizarr, Avivator, the OME-NGFF validator) take the
dataset URL after a fixed prefix; an admin can point
them at their own deployments and add others as URL templates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

DEFAULT_NEUROGLANCER_URL = "https://neuroglancer-demo.appspot.com/"
DEFAULT_VIZARR_URL = "https://hms-dbmi.github.io/vizarr/?source="
DEFAULT_VALIDATOR_URL = "https://ome.github.io/ome-ngff-validator/?source="
DEFAULT_AVIVATOR_URL = "https://avivator.gehlenborglab.org/?image_url="
DEFAULT_MAX_CHANNELS = 6

# What each built-in viewer can open (kinds as `formats.detect.detect_kind` names them).
# An N5 group only when it is a multiscale pyramid (s0, s1, ...), which Neuroglancer reads.
NEUROGLANCER_KINDS = frozenset({"ome-zarr", "zarr-array", "n5-array", "n5-group"})
VIZARR_KINDS = frozenset({"ome-zarr", "ome-zarr-plate", "ome-zarr-well"})
# Avivator (Viv) reads bioformats2raw output and OME-Zarr on Zarr v2, i.e. OME-NGFF 0.4.
AVIVATOR_KINDS = frozenset({"ome-zarr", "bioformats2raw"})
AVIVATOR_OME_VERSIONS = frozenset({"0.4"})
VALIDATOR_KINDS = frozenset(
    {"ome-zarr", "ome-zarr-plate", "ome-zarr-well", "ome-zarr-labels", "bioformats2raw"}
)

# Placeholders an extra viewer's template may use: the URL as is, or percent-encoded whole
# (for viewers that take it inside a query parameter with its own "?" and "&").
URL_PLACEHOLDERS = ("{url}", "{url_encoded}")


@dataclass(frozen=True)
class ExtraViewer:
    """A viewer set in config: `url_template` holds `{url}` (or `{url_encoded}`).

    `versions`, when set, lists the OME-NGFF versions the viewer opens ("0.4", "0.5"): it
    is then offered only for OME datasets of those versions (never for N5 or plain Zarr).
    """

    name: str
    url_template: str
    kinds: frozenset[str]
    versions: frozenset[str] | None = None

    def opens(self, kind: str | None, ome_version: str | None) -> bool:
        """Whether this viewer can open a dataset of `kind` (and OME-NGFF `ome_version`)."""
        if kind not in self.kinds:
            return False
        return self.versions is None or (ome_version is not None and ome_version in self.versions)

    def url_for(self, data_url: str) -> str:
        """The template with the dataset URL put in."""
        return self.url_template.replace("{url}", data_url).replace(
            "{url_encoded}", quote(data_url, safe="")
        )

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> ExtraViewer:
        """Parse `{"name", "url_template", "kinds": [...]}`.

        Raises ValueError naming what is wrong (for the config loader to report).
        """
        if not isinstance(entry, Mapping):
            raise ValueError(f"an extra viewer must be a mapping, got {entry!r}")
        name, template, kinds = entry.get("name"), entry.get("url_template"), entry.get("kinds")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"extra viewer {entry!r} has no 'name'")
        if not isinstance(template, str) or not any(p in template for p in URL_PLACEHOLDERS):
            raise ValueError(f"extra viewer {name!r}: 'url_template' must contain {{url}}")
        if (
            not isinstance(kinds, list | tuple)
            or not kinds
            or not all(isinstance(k, str) for k in kinds)
        ):
            raise ValueError(f"extra viewer {name!r}: 'kinds' must be a non-empty list of kinds")
        versions = entry.get("versions")
        if versions is not None and (
            not isinstance(versions, list | tuple)
            or not versions
            or not all(isinstance(v, str) and v for v in versions)
        ):
            raise ValueError(
                f"extra viewer {name!r}: 'versions' must be a non-empty list of OME-NGFF "
                'versions such as ["0.4", "0.5"], or left out for any version'
            )
        unknown = set(entry) - {"name", "url_template", "kinds", "versions"}
        if unknown:
            raise ValueError(f"extra viewer {name!r} has unknown keys: {sorted(unknown)}")
        return cls(
            name=name.strip(),
            url_template=template,
            kinds=frozenset(kinds),
            versions=None if versions is None else frozenset(versions),
        )


@dataclass(frozen=True)
class ViewerConfig:
    """Viewer settings; the defaults are the public deployments.

    A base URL set to "" turns that built-in viewer off.
    """

    neuroglancer_url: str = DEFAULT_NEUROGLANCER_URL
    vizarr_url: str = DEFAULT_VIZARR_URL
    validator_url: str = DEFAULT_VALIDATOR_URL
    max_channels: int = DEFAULT_MAX_CHANNELS
    extra_viewers: tuple[ExtraViewer, ...] = field(default_factory=tuple)
    avivator_url: str = DEFAULT_AVIVATOR_URL

    def __post_init__(self) -> None:
        if self.max_channels < 1:
            raise ValueError(f"max_channels must be at least 1, got {self.max_channels}")

    @classmethod
    def from_settings(
        cls,
        *,
        neuroglancer_url: str = DEFAULT_NEUROGLANCER_URL,
        vizarr_url: str = DEFAULT_VIZARR_URL,
        validator_url: str = DEFAULT_VALIDATOR_URL,
        max_channels: int = DEFAULT_MAX_CHANNELS,
        extra_viewers: Iterable[Mapping[str, Any]] = (),
        avivator_url: str = DEFAULT_AVIVATOR_URL,
    ) -> ViewerConfig:
        """Build from plain traitlets values (extra viewers as JSON-like mappings).

        Raises ValueError for a malformed extra viewer or a max_channels below 1.
        """
        return cls(
            neuroglancer_url=neuroglancer_url,
            vizarr_url=vizarr_url,
            validator_url=validator_url,
            max_channels=max_channels,
            extra_viewers=tuple(ExtraViewer.from_json(e) for e in extra_viewers),
            avivator_url=avivator_url,
        )
