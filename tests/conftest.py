"""Shared fixtures: fresh chains are cheap (101 blocks take ~30 ms), so most tests build their own."""

from __future__ import annotations

import pytest

from hemi.btc import BitcoinChain


@pytest.fixture
def btc() -> BitcoinChain:
    return BitcoinChain(seed=0)


@pytest.fixture
def funded(btc: BitcoinChain) -> BitcoinChain:
    """A chain where wallet "alice" has one mature 50 BTC coinbase (block 1) and 100 immature ones."""
    btc.mine(101, to=btc.wallet("alice").address)
    return btc
