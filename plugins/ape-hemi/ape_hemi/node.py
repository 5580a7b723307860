"""ape's ``node`` provider on Hemi's public networks, defaulting to Hemi's public RPC.

ape's node provider finds an RPC in this order: a configured one (``node: hemi: mainnet: uri: ...`` in
ape-config.yaml, or ``--network hemi:mainnet:https://...``), ``WEB3_PROVIDER_URI``, then the public RPCs ape knows
from the evmchains package, which does not list Hemi. This subclass adds Hemi's own public endpoints
(:data:`ape_hemi.ecosystem.PUBLIC_RPC_URLS`) as the last resort; everything else is ape's.
"""

from __future__ import annotations

from typing import ClassVar

from ape_node import Node

from ape_hemi.ecosystem import PUBLIC_RPC_URLS


class HemiNode(Node):
    """ape's ``node`` provider for ``hemi:mainnet`` and ``hemi:testnet``."""

    NAME: ClassVar[str | None] = "node"

    @property
    def _default_http_uri(self) -> str | None:
        return super()._default_http_uri or PUBLIC_RPC_URLS.get(self.network.name)
