"""Keystones (heminetwork ``hemi/hemi.go``: ``KeystoneHeaderPeriod = 25``, ``L2Keystone``,
``L2KeystoneAbrev.Serialize`` and ``Hash``): which blocks are keystones, their field values, the exact 76-byte
abbreviation checked against an independent construction, and the op-geth ``kss_*``-like lookups."""

from __future__ import annotations

import hashlib

import pytest

from hemi.devchain import Devchain
from hemi.errors import HemiLookupError, HemiValueError
from hemi.node.pop.keystones import KeystoneHash, KeystoneIndex, L2Keystone, L2KeystoneAbrev, UnknownKeystoneError


def chain(blocks: int = 0, **kw):
    dev = Devchain(predeploy_bitcoin_kit=False)
    ks = KeystoneIndex(dev, **kw)
    if blocks:
        dev.mine(blocks)
    return dev, ks


def independent_abrev(version, l1, l2, parent, prev, state_root, ep) -> bytes:
    """hemi.go ``L2KeystoneAbrev.Serialize``: [0] version | [1:5] L1 BE | [5:9] L2 BE | [9:20] parent[:11] |
    [20:32] prev keystone[:12] | [32:64] state root | [64:76] ep hash[:12] (Go ``copy`` keeps leading bytes)."""
    out = bytearray(76)
    out[0] = version
    out[1:5] = l1.to_bytes(4, "big")
    out[5:9] = l2.to_bytes(4, "big")
    out[9:20] = parent[:11]
    out[20:32] = prev[:12]
    out[32:64] = state_root
    out[64:76] = ep[:12]
    return bytes(out)


def test_keystone_fields_follow_the_l2_blocks():
    dev, ks = chain(50)
    k25, k50 = ks.get(25), ks.get(50)
    b24, b25, b50 = dev.engine.block(24), dev.engine.block(25), dev.engine.block(50)
    assert k25.version == 1
    assert (k25.l1_block_number, k25.l2_block_number) == (25, 25)  # simulated L1 origin = L2 number
    assert k25.ep_hash == bytes(b25.hash)
    assert k25.parent_ep_hash == bytes(b25.header.parent_hash) == bytes(b24.hash)
    assert k25.state_root == bytes(b25.header.state_root)
    assert k25.prev_ep_keystone_hash == bytes(32)  # 25 - 25 = 0: block 0 is no keystone, so zeros
    assert k50.prev_ep_keystone_hash == bytes(b25.hash)  # the block 25 earlier
    assert k50.ep_hash == bytes(b50.hash)
    assert all(len(getattr(k50, f)) == 32 for f in ("parent_ep_hash", "prev_ep_keystone_hash", "state_root",
                                                     "ep_hash"))


def test_abbreviation_is_the_exact_76_bytes_and_hash_is_reversed_double_sha256():
    dev, ks = chain(50)
    k = ks.get(50)
    expected = independent_abrev(1, 50, 50, bytes(dev.engine.block(49).hash), bytes(dev.engine.block(25).hash),
                                 bytes(dev.engine.block(50).header.state_root), bytes(dev.engine.block(50).hash))
    assert len(k.abbreviated()) == 76
    assert k.abbreviated() == expected
    digest = hashlib.sha256(hashlib.sha256(expected).digest()).digest()
    assert bytes(k.hash) == digest  # Go Hash(): the raw double SHA-256
    assert k.hash.hex == digest[::-1].hex()  # shown as a chainhash (reversed)
    assert isinstance(k.hash, KeystoneHash)
    # round trip through the parser of hemi.NewL2KeystoneAbrevFromBytes
    a = L2KeystoneAbrev.from_bytes(expected)
    assert a == k.abbreviate() and a.hash == k.hash and a.l2_block_number == 50


def test_truncation_keeps_leading_bytes():
    k = L2Keystone(1, 7, 8, bytes(range(32)), bytes(range(100, 132)), bytes(range(50, 82)), bytes(range(200, 232)))
    raw = k.abbreviated()
    assert raw[9:20] == bytes(range(11)) and raw[20:32] == bytes(range(100, 112))
    assert raw[64:76] == bytes(range(200, 212)) and raw[1:9] == bytes.fromhex("0000000700000008")


def test_abbreviation_parser_rejects_bad_input():
    good = L2Keystone(1, 1, 25, bytes(32), bytes(32), bytes(32), bytes(32)).abbreviated()
    with pytest.raises(HemiValueError):
        L2KeystoneAbrev.from_bytes(good[:75])
    with pytest.raises(HemiValueError):
        L2KeystoneAbrev.from_bytes(b"\x02" + good[1:])
    with pytest.raises(HemiValueError):
        L2KeystoneAbrev.from_bytes(b"")


def test_to_json_uses_the_wire_keys():
    _, ks = chain(25)
    j = ks.get(25).to_json()
    assert list(j) == ["version", "l1_block_number", "l2_block_number", "parent_ep_hash", "prev_ep_keystone_hash",
                       "state_root", "ep_hash"]
    assert j["prev_ep_keystone_hash"] == "00" * 32 and j["l2_block_number"] == 25
    assert len(j["ep_hash"]) == 64 and not j["ep_hash"].startswith("0x")


def test_a_keystone_every_25_blocks_and_configurable():
    _, ks = chain(80)
    assert [k.l2_block_number for k in ks] == [25, 50, 75]
    assert len(ks) == 3
    assert not ks.is_keystone(0) and ks.is_keystone(25) and not ks.is_keystone(26) and ks.is_keystone(100)
    dev, ks10 = chain(35, interval=10)
    assert [k.l2_block_number for k in ks10] == [10, 20, 30]
    assert ks10.get(20).prev_ep_keystone_hash == bytes(dev.engine.block(10).hash)
    assert ks10.get(10).prev_ep_keystone_hash == bytes(32)
    with pytest.raises(HemiValueError):
        KeystoneIndex(dev, interval=0)


def test_kss_like_lookups():
    _, ks = chain(130)
    latest = ks.latest(3)
    assert [k.l2_block_number for k in latest] == [125, 100, 75]  # newest first
    assert [k.l2_block_number for k in ks.latest(50)] == [125, 100, 75, 50, 25]
    with pytest.raises(HemiValueError):
        ks.latest(51)
    k50 = ks.get(50)
    assert [k.l2_block_number for k in ks.get_with_descendants(k50.hash, 2)] == [50, 75, 100]
    assert [k.l2_block_number for k in ks.get_with_descendants(k50.hash, 50)] == [50, 75, 100, 125]
    assert ks.get_with_descendants(ks.get(125).hash, 10) == [ks.get(125)]
    # by KeystoneHash, display hex, raw digest bytes
    assert ks.get(k50.hash) == ks.get(k50.hash.hex) == ks.get(bytes(k50.hash)) == k50
    assert k50.hash in ks and "00" * 32 not in ks


def test_keystone_for_is_the_next_keystone_at_or_above():
    _, ks = chain(30)
    assert ks.keystone_for(1).l2_block_number == 25
    assert ks.keystone_for(25).l2_block_number == 25
    assert ks.keystone_for(0).l2_block_number == 25
    assert ks.keystone_for(26) is None  # keystone 50 not mined yet
    assert ks.keystone_number_for(26) == 50


def test_unknown_keystones_are_typed_lookup_errors():
    _, ks = chain(30)
    with pytest.raises(UnknownKeystoneError, match="not a keystone"):
        ks.get(30)
    with pytest.raises(UnknownKeystoneError, match="not mined"):
        ks.get(50)
    with pytest.raises(UnknownKeystoneError, match="unknown keystone"):
        ks.get("11" * 32)
    with pytest.raises(HemiLookupError):
        ks.get_with_descendants(bytes(32), 1)
    with pytest.raises(HemiValueError):
        ks.get("nothex")
    _, empty = chain(0)
    assert empty.latest(5) == [] and list(empty) == []


def test_reverts_never_serve_a_stale_keystone():
    dev, ks = chain(20)
    snap = dev.snapshot()
    dev.mine(5)
    old = ks.get(25)
    dev.revert(snap)
    with pytest.raises(UnknownKeystoneError):
        ks.get(25)
    dev.time_travel(seconds=7)  # a different timestamp: a different block 25
    dev.mine(5)
    new = ks.get(25)
    assert new != old and new.ep_hash == bytes(dev.engine.block(25).hash)
    with pytest.raises(UnknownKeystoneError):
        ks.get(old.hash)
    assert ks.get(new.hash) == new
