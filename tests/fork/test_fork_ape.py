"""ape's fork networks: ``hemi:mainnet-fork`` / ``hemi:testnet-fork`` run the devchain forked from a URL (here our
own ``hemi devchain`` server stands in for the network's RPC), with ape's snapshots on the forked state."""

from __future__ import annotations

import pytest

pytest.importorskip("ape")


@pytest.mark.parametrize("network", ["hemi:mainnet-fork", "hemi:testnet-fork"])
def test_fork_network_runs_the_forked_devchain(remote, network):
    from ape import chain, networks

    settings = {"fork_url": remote.url, "fork_block_number": remote.fork_block - 1, "fork_cache": False}
    with networks.parse_network_choice(network, provider_settings=settings) as provider:
        assert provider.network.is_fork and provider.network.name == network.split(":")[1]
        dev = provider.devchain
        assert dev.fork is not None and dev.fork.url == remote.url and dev.fork.number == remote.fork_block - 1
        assert provider.chain_id == remote.dev.config.chain_id
        assert chain.blocks.head.number == remote.fork_block - 1
        assert provider.get_balance(remote.whale) == 5 * 10**18
        snap = chain.snapshot()
        provider.set_balance(remote.whale, 1)
        chain.mine(2)
        assert provider.get_balance(remote.whale) == 1 and chain.blocks.head.number == remote.fork_block + 1
        chain.restore(snap)
        assert provider.get_balance(remote.whale) == 5 * 10**18
        assert chain.blocks.head.number == remote.fork_block - 1
        assert "forked from" in provider.connection_str
