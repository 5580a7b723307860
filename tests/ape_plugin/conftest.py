"""The ape face, driven through ape's own API: one ``hemi:local`` connection per module, each test inside a
snapshot of it (taken and restored through the provider, so through the devchain's snapshots)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def provider():
    """ape connected to ``hemi:local`` (the devchain provider), as ``ape console --network hemi:local`` would be."""
    from ape import networks

    with networks.parse_network_choice("hemi:local") as provider:
        yield provider


@pytest.fixture
def dev(provider):
    """The devchain behind the provider, with everything a test does to it undone afterwards."""
    from ape import chain

    snapshot = chain.snapshot()
    automine = provider.auto_mine
    try:
        yield provider.devchain
    finally:
        provider.auto_mine = automine
        chain.restore(snapshot)
