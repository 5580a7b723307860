"""python-bitcoinlib against the Bitcoin port; hemi_*, kss_*, optimism_* and BFG's endpoint over HTTP."""

from __future__ import annotations

import http.client
import json

import pytest
from web3 import Web3


@pytest.fixture(scope="module")
def w3(server):
    return Web3(Web3.HTTPProvider(server.url, request_kwargs={"timeout": 30}))


def rpc(w3, method, *params):
    resp = w3.provider.make_request(method, list(params))
    return resp


def get(server, path):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, json.loads(r.read())
    finally:
        conn.close()


def test_bitcoin_proxy_sees_hemi_mine_bitcoin(server, w3):
    import bitcoin
    import bitcoin.rpc

    bitcoin.SelectParams("regtest")
    proxy = bitcoin.rpc.Proxy(service_url=server.btc_url)
    before = proxy.getblockcount()
    hashes = rpc(w3, "hemi_mineBitcoin", 3)["result"]
    assert len(hashes) == 3
    assert proxy.getblockcount() == before + 3
    assert proxy.getbestblockhash()[::-1].hex() == hashes[-1]
    raw = bitcoin.rpc.RawProxy(service_url=server.btc_url)
    assert raw.getblockchaininfo()["chain"] == "regtest"
    with pytest.raises(bitcoin.rpc.JSONRPCError):
        raw.nosuchmethod()


def test_bitcoin_port_answers_get_with_405(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.btc_port, timeout=10)
    conn.request("GET", "/")
    r = conn.getresponse()
    r.read()
    conn.close()
    assert r.status == 405


def test_hemi_controls(server, w3):
    alice = server.dev.btc.wallet("alice").address
    mined = rpc(w3, "hemi_mineBitcoin", "0x2", alice)["result"]
    assert len(mined) == 2
    sync = rpc(w3, "hemi_syncBitcoin")["result"]
    assert sync["hvm_view"]["light_tip_hash"] == mined[-1]
    view = rpc(w3, "hemi_hvmView", "latest")["result"]
    assert view == sync["hvm_view"]
    new = rpc(w3, "hemi_reorgBitcoin", 1)["result"]
    assert len(new) == 2 and new[0] != mined[-1]
    assert rpc(w3, "hemi_reorgBitcoin", 0)["error"]["code"] in (-32000, -32602)
    assert rpc(w3, "hemi_dumpState", "/nonexistent/x")["error"]["code"] == -32602  # a path: never a file name


def test_kss_finality_and_bfg(server, w3):
    status, _ = get(server, "/v2/keystonefinality/" + "11" * 32)
    assert status == 404
    assert get(server, "/v2/keystonefinality/zz")[0] == 400
    target = w3.eth.block_number
    block_hash = w3.eth.get_block(target)["hash"].to_0x_hex()
    interval = server.dev.config.keystone_interval
    if server.dev.keystones.keystone_number_for(target) > target:  # not yet covered by a keystone: -32000
        err = rpc(w3, "optimism_btcFinalityByBlockHash", block_hash)["error"]
        assert err["code"] == -32000  # hemi-viem falls back to btc_finality -9 on exactly this code

    fin = rpc(w3, "hemi_superfinalize", target)["result"]
    assert fin["superfinal"] is True and fin["l2_block"] == target
    ks_hash = fin["keystone_hash"]

    status, bfg = get(server, f"/v2/keystonefinality/{ks_hash}")
    assert status == 200
    assert set(bfg) == {"l2_keystone", "block_hash", "block_height", "effective_confirmations", "super_finality"}
    assert bfg["super_finality"] is True and bfg["effective_confirmations"] >= 10
    with server.lock:
        assert bfg == server.dev.finality(target).to_bfg_v2()

    # the newest op-node answers BFG's object for the keystone providing finality (hemilabs/optimism
    # op-node/node/bvm_api_helper.go getBTCFinalityForBlockNum)
    assert rpc(w3, "optimism_btcFinalityByBlockHash", block_hash)["result"] == bfg

    got = rpc(w3, "kss_getKeystone", ks_hash, 0)["result"]
    assert got == {"keystones": [bfg["l2_keystone"]]}
    latest = rpc(w3, "kss_getLatestKeystones", 50)["result"]["keystones"]
    assert latest[0]["l2_block_number"] % interval == 0
    assert [k["l2_block_number"] for k in latest] == sorted((k["l2_block_number"] for k in latest), reverse=True)
    assert rpc(w3, "kss_getLatestKeystones", 51)["result"]["error"]["message"] == "count too large"
    assert "error" in rpc(w3, "kss_getKeystone", "22" * 32, 1)["result"]

    assert rpc(w3, "hemi_finality", block_hash)["result"]["superfinal"] is True
    assert rpc(w3, "hemi_popPublish")["result"]  # a txid


def test_hemi_provenance_of_a_plain_tx_is_an_error_not_a_crash(server, w3):
    tx = w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": w3.eth.accounts[1], "value": 1})
    err = rpc(w3, "hemi_provenance", tx.to_0x_hex())["error"]
    assert err["code"] == -32602 and "consumed no Bitcoin-derived input" in err["message"]
    assert w3.eth.chain_id == 31337
