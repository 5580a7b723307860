"""``w3.hemi``: Hemi's own JSON-RPC methods as a web3.py module, in-process (``dev.w3``, attached on a fresh
devchain without importing anything else) and over HTTP against a ``hemi devchain`` server."""

from __future__ import annotations

import pytest
from web3 import Web3
from web3.exceptions import Web3RPCError

from hemi.devchain import Devchain
from hemi.server import DevchainServer
from hemi.web3.hemi_module import HemiModule


def _exercise(w3: Web3, dev: Devchain) -> None:
    height = dev.btc.height
    hashes = w3.hemi.mine_bitcoin(2)
    assert len(hashes) == 2 and dev.btc.height == height + 2 and hashes[-1] == str(dev.btc.tip)
    synced = w3.hemi.sync_bitcoin()
    assert synced["hvm_view"]["light_tip_height"] == dev.btc.height
    assert w3.hemi.hvm_view(w3.eth.block_number) == dev.hvm_view("latest").to_dict()
    state = w3.hemi.dump_state()
    assert state.startswith("0x") and w3.hemi.tunnel_info()["manager"] == dev.tunnel.manager.address
    with pytest.raises(Web3RPCError, match="n"):
        w3.hemi.mine_bitcoin(-1)
    assert dev.btc.height == height + 2  # the refused request changed nothing


def test_a_fresh_devchain_answers_hemi_methods_through_w3_hemi():
    dev = Devchain()
    _exercise(dev.w3, dev)


def test_w3_hemi_over_http():
    dev = Devchain(seed=3)
    server = DevchainServer(dev, port=0, btc_port=None)
    server.start()
    try:
        w3 = Web3(Web3.HTTPProvider(server.url), external_modules={"hemi": HemiModule})
        _exercise(w3, dev)
    finally:
        server.stop()
