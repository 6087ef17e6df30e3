"""What the inspector's Share tab shows for one dataset of a root: its data link (if the
user has one), the viewers that can open it through that link, code snippets for the
local path and the link, and the path in each operating system's spelling.

It joins three domain pieces, each tested on its own: `RootRegistry` (confinement, of the
path and of the metadata read inside the dataset),
`ShareLinkService` (the user's link) and `viewers.viewers_for` (pure URL and code
building from the metadata summary).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..formats.summary import summarize
from ..links.creation import ShareLinkService
from ..links.remote import RemoteLinkService
from ..links.store import ShareLink
from ..roots import RootRegistry
from . import ViewerConfig, viewers_for


class DatasetViewers:
    """Viewers, snippets and path forms of the datasets in the roots; blocking calls."""

    def __init__(
        self,
        registry: RootRegistry,
        links: ShareLinkService | RemoteLinkService,
        config: ViewerConfig,
    ) -> None:
        self.registry = registry
        self.links = links
        self.config = config

    def describe(
        self,
        owner: str,
        root: str,
        path: str,
        link_json: Callable[[ShareLink], dict[str, Any]],
    ) -> dict[str, Any]:
        """`{"kind", "data_url", "link", "viewers", "snippets", "paths"}` for (root, path).

        `link_json` turns the owner's link into its JSON with a public `url` (the URL
        depends on the request or the configured public base URL). Raises what
        `RootRegistry.resolve` raises for a path that cannot be read.
        """
        location = self.registry.resolve(root, path)
        real, relative = location.real, location.path
        configured = self.registry.get(root)
        # Read as the meta route reads it: only inside the root (`RootRegistry.within`).
        summary = summarize(real, within=self.registry.within(root))
        link = self.links.find_for_path(owner, root, relative)
        link_payload = link_json(link) if link is not None else None
        local_path = str(configured.path / relative) if relative else str(configured.path)
        answer = viewers_for(
            summary,
            local_path,
            data_url=link_payload["url"] if link_payload else None,
            root=configured,
            relative_path=relative,
            config=self.config,
        )
        answer["link"] = link_payload
        if link_payload is None:
            answer["data_url"] = None
        return answer
