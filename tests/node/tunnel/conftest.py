"""A devchain with the tunnel predeployed and a Bitcoin wallet ("alice") holding mature coins; each test runs inside
an anchor of it, so the module pays for the funding once."""

from __future__ import annotations

import pytest

from hemi.devchain import Devchain


@pytest.fixture(scope="module")
def base():
    dev = Devchain()
    alice = dev.btc.wallet("alice")
    dev.btc.mine(5, to=alice.address)  # five 50 BTC coinbases, mature after the next 100 blocks
    dev.btc.mine(101)
    dev.sync_btc()
    return dev


@pytest.fixture
def dev(base):
    with base.anchor():
        yield base


@pytest.fixture
def alice(dev):
    return dev.btc.wallet("alice")
