"""A devchain server for the attack tests, with small caps so each cap is reached quickly (helpers in
security_helpers.py)."""

from __future__ import annotations

import pytest

from hemi.devchain import Devchain
from hemi.server import DevchainServer, Limits

SMALL = Limits(call_timeout=0.5, batch_timeout=2.0, max_blocks=50, max_response=200_000, max_ws_connections=4,
               max_subscriptions=2, filter_timeout=1.0, max_snapshots=3, max_batch=1_000)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = DevchainServer(Devchain(seed=11), port=0, btc_port=0, limits=SMALL,
                         cookie_dir=tmp_path_factory.mktemp("datadir"))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
