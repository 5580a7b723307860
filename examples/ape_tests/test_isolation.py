"""ape's test isolation on hemi:local is a devchain snapshot of both chains: each run below mines Bitcoin and sends
ether, and each starts from the same state, which it could not if either chain leaked between tests."""

import pytest


@pytest.mark.parametrize("run", [1, 2])
def test_every_test_starts_from_the_same_two_chains(run, chain, accounts, btc, devchain):
    assert btc.height == 0 and devchain.hvm_view().light_tip_height == 0
    assert accounts[1].balance == 10_000 * 10**18
    start = chain.blocks.height

    btc.mine(5)
    devchain.sync_btc()
    accounts[0].transfer(accounts[1], "1 ether")

    assert btc.height == 5 and accounts[1].balance == 10_001 * 10**18
    assert chain.blocks.height > start
