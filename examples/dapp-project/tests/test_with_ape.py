"""The same contract through ape (skipped where ape is not installed or is switched off): ape compiles it with the
`hemi_sdk` dependency resolving "@hemi/...", ape's accounts deploy it, and hemi's devchain fixture is ape's chain."""

import pytest

pytest.importorskip("ape")


@pytest.fixture
def ape_reader(request, bitcoin_kit):
    try:
        project = request.getfixturevalue("project")  # ape's fixture: only while ape's plugin runs the session
    except pytest.FixtureLookupError:
        pytest.skip("ape's pytest plugin is off (-p no:ape_test)")
    accounts = request.getfixturevalue("accounts")
    return accounts[0].deploy(project.BtcTipReader, bitcoin_kit.address)


def test_ape_and_hemi_fixtures_share_one_chain(ape_reader, request, devchain, btc):
    accounts, chain = request.getfixturevalue("accounts"), request.getfixturevalue("chain")
    assert chain.provider.devchain is devchain
    btc.mine(4)
    devchain.sync_btc()
    receipt = ape_reader.record(sender=accounts[0])
    assert ape_reader.lastSeenHeight() == 4 and receipt.events[0].height == 4
