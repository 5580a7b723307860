"""Hemi's public networks as data: chain ids, public RPC addresses and the block time (the config and the ecosystem
both read them; this module imports nothing). Not named ``networks``: a submodule of that name would replace the
``networks`` hook of ``ape_hemi/__init__.py`` as an attribute of the package once imported.

Chain ids and RPC addresses: hemilabs/docs ``network-details.md``; hemi-viem ``src/chains/hemi.ts``.
"""

from __future__ import annotations

NETWORKS = {
    # network: (chain_id, network_id)
    "mainnet": (43111, 43111),
    "testnet": (743111, 743111),  # "Hemi Sepolia"
}

# Default RPC of ape's `node` provider on each network when none is configured (`node: hemi: mainnet: uri: ...`).
PUBLIC_RPC_URLS = {
    "mainnet": "https://rpc.hemi.network/rpc",
    "testnet": "https://testnet.rpc.hemi.network/rpc",
}

BLOCK_TIME = 12  # L2 seconds per block on Hemi (heminetwork ``cmd/popmd/README.md``)

