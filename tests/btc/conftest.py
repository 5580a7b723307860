"""Fixtures of the Bitcoin tests (the ``btc`` chain itself comes from the root conftest)."""

from __future__ import annotations

import pytest


@pytest.fixture
def chain(btc):
    """The test's Bitcoin chain after 101 blocks to its default wallet: one coinbase of 50 BTC is spendable."""
    btc.mine(101, to=btc.wallet().address)
    return btc
