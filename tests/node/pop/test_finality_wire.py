"""Finality on the wire, rule by rule against the upstream code:

- BFG v2 ``GET /v2/keystonefinality/{hash}``: heminetwork ``service/bfg/bfg.go`` (HEAD 7e74ba9) and
  ``api/bfgapi/bfgapi.go``; the hash parsed by btcd ``chainhash.NewHashFromStr``.
- op-node ``optimism_btcFinalityByBlockHash``: newest hemilabs/optimism ``op-node/node/bvm_api_helper.go`` (v2, BFG's
  object) and heminetwork v1.6.3 ``hemi/hemi.go`` ``L2BTCFinality`` (v1 list).

Expected values come from the devchain's Bitcoin chain (publication blocks, tip height), not from the code under
test's own output.
"""

from __future__ import annotations

import json
import time

import pytest

from hemi.devchain import Devchain
from hemi.errors import HemiValueError
from hemi.node.pop.finality_wire import (
    FinalityRpcError,
    btc_finality_by_block_hash,
    keystone_finality_http,
    parse_bfg_hash,
)

KEYS = ["l2_keystone", "block_hash", "block_height", "effective_confirmations", "super_finality"]


@pytest.fixture
def dev():
    d = Devchain(predeploy_bitcoin_kit=False, predeploy_tunnel=False)
    d.pop.set_policy("default", "offline")  # publications only when a test makes them
    d.pop.fund()
    return d


def publish(dev, n):
    """Publish keystone ``n`` and mine the block holding it; returns that block's hash and height."""
    dev.pop.publish(n)
    (block_hash,) = dev.btc.mine(1)
    return block_hash, dev.btc.height


def test_block_hash_is_in_internal_byte_order_with_bfgs_keys_in_order(dev):
    """bfg.go calculateFinality sets ``BlockHash: hash[:]`` (chainhash bytes = internal order) and api.ByteSlice
    prints plain hex; the keys follow L2KeystoneBitcoinFinalityResponse's field order (bfgapi.go)."""
    dev.mine(25)
    block_hash, height = publish(dev, 25)
    dev.btc.mine(3)
    ks = dev.keystones.get(25)
    status, body = keystone_finality_http(dev, ks.hash.hex)
    assert status == 200 and list(body) == KEYS
    assert body["block_hash"] == bytes(block_hash).hex() != block_hash.hex  # not the display (explorer) order
    assert body["block_height"] == height and body["effective_confirmations"] == dev.btc.height - height == 3
    assert body["super_finality"] is False and body["l2_keystone"] == ks.to_json()


def test_unpublished_keystone_is_200_with_empty_hash_and_no_super_finality_key(dev):
    """bfg.go:458 starts from a zero L2KeystoneBitcoinFinalityResponse; bfgapi.go declares ``SuperFinality *bool
    `json:"super_finality,omitempty"``` and ``BlockHash api.ByteSlice`` (nil prints "")."""
    dev.mine(25)
    ks = dev.keystones.get(25)
    status, body = keystone_finality_http(dev, ks.hash.hex)
    assert status == 200
    assert body == {"l2_keystone": ks.to_json(), "block_hash": "", "block_height": 0, "effective_confirmations": 0}
    assert "super_finality" not in json.loads(json.dumps(body))


def test_a_publication_in_the_tip_block_looks_unpublished(dev):
    """bfg.go:555 ``if altFin.EffectiveConfirmations > fin.EffectiveConfirmations``: strictly greater than the zero
    start, so a publication with 0 confirmations (in the tip block) is never taken."""
    dev.mine(25)
    block_hash, height = publish(dev, 25)
    assert height == dev.btc.height
    _, body = keystone_finality_http(dev, dev.keystones.get(25).hash.hex)
    assert (body["block_hash"], body["block_height"], body["effective_confirmations"]) == ("", 0, 0)
    assert "super_finality" not in body
    f = dev.finality(25)
    assert f.publication is not None and f.publication.height == height  # the Python form still names it
    dev.btc.mine(1)
    _, body = keystone_finality_http(dev, dev.keystones.get(25).hash.hex)
    assert (body["block_hash"], body["effective_confirmations"]) == (bytes(block_hash).hex(), 1)


def test_super_finality_from_ten_effective_confirmations(dev):
    """bfgapi.go ``BitcoinSuperFinality = 10``; bfg.go calculateFinality ``confirmations >= BitcoinSuperFinality``."""
    dev.mine(25)
    _, height = publish(dev, 25)
    dev.btc.mine(9)
    _, body = keystone_finality_http(dev, dev.keystones.get(25).hash.hex)
    assert body["effective_confirmations"] == 9 and body["super_finality"] is False  # present, and false
    dev.btc.mine(1)
    _, body = keystone_finality_http(dev, dev.keystones.get(25).hash.hex)
    assert body["effective_confirmations"] == 10 == dev.btc.height - height and body["super_finality"] is True


def test_a_descendants_publication_counts_and_pages_start_at_published_descendants(dev):
    """bfg.go:534-566 takes the best over the keystone and its descendants (kss_getKeystone(hash, 10)); bfg.go:559-577
    sets the next page's cursor to the newest keystone of the page that TBC found (published), so a descendant
    beyond the first page counts only when one near its end is published."""
    dev.mine(25 * 14)
    far_hash, far_height = publish(dev, 25 * 13)  # the 12th descendant: beyond the first page
    dev.btc.mine(2)
    hash25 = dev.keystones.get(25).hash.hex
    assert keystone_finality_http(dev, hash25)[1]["block_hash"] == ""
    near_hash, near_height = publish(dev, 25 * 2)  # the 1st descendant: the next page starts at it, ends at 300
    dev.btc.mine(1)
    _, body = keystone_finality_http(dev, hash25)
    assert body["block_hash"] == bytes(near_hash).hex() and body["effective_confirmations"] == 1
    publish(dev, 25 * 11)  # the 10th descendant: the next page, from it, holds keystone 325
    _, body = keystone_finality_http(dev, hash25)
    assert body["block_hash"] == bytes(far_hash).hex() and body["block_height"] == far_height
    assert body["effective_confirmations"] == dev.btc.height - far_height
    assert body["l2_keystone"]["l2_block_number"] == 25  # always the keystone asked for (bfg.go:473-483)


def test_bad_and_unknown_hashes_answer_bfgs_http_error():
    """bfg.go:451-454 ``chainhash.NewHashFromStr`` failing → 400 "invalid keystone length"; bfg.go:468-470 op-geth
    not knowing the keystone → 404 "unknown keystone: ..."; the body is HTTPError{timestamp, trace, error}
    (bfg.go:71-75, Errorf: Unix seconds and 8 random bytes in hex)."""
    dev = Devchain(predeploy_bitcoin_kit=False, predeploy_tunnel=False)
    before = int(time.time())
    for bad in ("zz", "0x" + "11" * 31, "1" * 65, " 11"):
        status, body = keystone_finality_http(dev, bad)
        assert status == 400 and list(body) == ["timestamp", "trace", "error"]
        assert body["error"] == "invalid keystone length"
        assert before <= body["timestamp"] <= int(time.time()) + 1
        assert len(body["trace"]) == 16 and int(body["trace"], 16) >= 0
    status, body = keystone_finality_http(dev, "11" * 32)
    assert status == 404 and list(body) == ["timestamp", "trace", "error"]
    assert body["error"].startswith("unknown keystone: ")
    assert keystone_finality_http(dev, "")[0] == 404  # "" decodes to the zero hash: valid, unknown


def test_the_path_hash_is_display_order_as_chainhash_parses_it(dev):
    """btcd chainhash.Decode: the string is the byte-reversed hash; shorter strings fill its most significant
    end, an odd count gets a leading zero. The raw (internal-order) digest is therefore a different, unknown hash."""
    assert parse_bfg_hash("01") == b"\x01" + bytes(31)
    assert parse_bfg_hash("abc") == bytes.fromhex("bc0a") + bytes(30)
    assert parse_bfg_hash("") == bytes(32)
    with pytest.raises(HemiValueError):
        parse_bfg_hash("g" * 64)
    dev.mine(25)
    ks = dev.keystones.get(25)
    assert keystone_finality_http(dev, ks.hash.hex)[0] == 200
    assert keystone_finality_http(dev, bytes(ks.hash).hex())[0] == 404


def test_op_node_v2_is_bfgs_object_for_the_keystone_providing_finality(dev):
    """bvm_api_helper.go getBTCFinalityForBlockNum: the next keystone at or above the block, its abbreviated hash
    sent to BFG's /v2/keystonefinality, BFG's JSON decoded and returned as is."""
    dev.mine(30)
    publish(dev, 25)
    dev.btc.mine(4)
    block7 = bytes(dev.engine.block(7).hash)
    v2 = btc_finality_by_block_hash(dev, block7)
    assert v2 == keystone_finality_http(dev, dev.keystones.get(25).hash.hex)[1]
    assert v2["effective_confirmations"] == 4 and list(v2) == KEYS


def test_op_node_v1_is_the_legacy_list(dev):
    """heminetwork v1.6.3 hemi/hemi.go: L2BTCFinality{l2_keystone, btc_pub_height, btc_pub_header_hash (ByteSlice
    of the internal-order hash), btc_finality = tip − effectiveHeight − 9 + 1}; bfgd returns height −1 and a nil
    hash while unpublished (database/bfgd/postgres/postgres.go)."""
    dev.mine(30)
    block7 = bytes(dev.engine.block(7).hash)
    (before,) = btc_finality_by_block_hash(dev, block7, "v1")
    assert (before["btc_pub_height"], before["btc_pub_header_hash"], before["btc_finality"]) == (-1, "", -9)
    block_hash, height = publish(dev, 25)
    dev.btc.mine(4)
    (after,) = btc_finality_by_block_hash(dev, block7, "v1")
    assert list(after) == ["l2_keystone", "btc_pub_height", "btc_pub_header_hash", "btc_finality"]
    assert after["btc_pub_height"] == height and after["btc_pub_header_hash"] == bytes(block_hash).hex()
    assert after["btc_finality"] == dev.btc.height - height - 9 + 1


def test_op_node_errors(dev):
    """bvm_api_helper.go: "keystone %d providing finality for block %d not yet produced, L2 tip = %d"; an unknown
    block hash fails InfoByHash. Both are plain errors (JSON-RPC -32000), in v1 and v2."""
    dev.mine(3)
    for version in ("v2", "v1"):
        with pytest.raises(FinalityRpcError, match="keystone 25 providing finality for block 2 not yet produced, "
                                                   "L2 tip = 3") as err:
            btc_finality_by_block_hash(dev, bytes(dev.engine.block(2).hash), version)
        assert err.value.code == -32000
        with pytest.raises(FinalityRpcError, match="not found"):
            btc_finality_by_block_hash(dev, b"\x42" * 32, version)
    with pytest.raises(HemiValueError):
        btc_finality_by_block_hash(dev, bytes(dev.engine.block(2).hash), "v3")
    with pytest.raises(HemiValueError, match="finality_rpc"):
        Devchain(finality_rpc="v3")
