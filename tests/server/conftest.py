"""One devchain server per test module, on free loopback ports, always stopped."""

from __future__ import annotations

import pytest

from hemi.node.devchain import Devchain
from hemi.server import DevchainServer


@pytest.fixture(scope="module")
def server():
    srv = DevchainServer(Devchain(seed=7), port=0, btc_port=0)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
