"""Vectors of hemilabs/op-geth core/vm/tbc_fullnode_synthetic_reorg_test.go (@a87ec50b), on the embedded chain."""

from __future__ import annotations

from upstream_synthetic import Vectors, coinbase, genesis, indexed, insert, mine, regtest_p2pkh, rev, u64

from hemi.btc import BitcoinChain

COIN = 100_000_000


def test_reorg_unwind():
    """TestSyntheticFullNodeReorgUnwind (tbc_fullnode_synthetic_reorg_test.go): index chain A (c1,a2,a3), then the
    heavier chain B (c1,b2,b3,b4) wins; the indexer reports a3 until moved, then unwinds to c1 and winds to b4."""
    script_a, addr_a = regtest_p2pkh(0x42)
    script_b, addr_b = regtest_p2pkh(0x33)
    script_c, addr_c = regtest_p2pkh(0x55)
    vc, va, vb = 10 * COIN, 50 * COIN, 30 * COIN
    c1 = mine(genesis(), [coinbase(1, script_c, vc, 5_001)], 5_011)
    a2 = mine(c1, [coinbase(2, script_a, va, 11_001)], 11_011)
    a3 = mine(a2, [coinbase(3, script_a, va, 12_001)], 12_011)
    btc = BitcoinChain()
    insert(btc, c1, a2, a3)
    ix = indexed(btc, a3)
    v = Vectors(ix)

    def tip() -> tuple[bytes, bytes]:
        out = v.out(0x44, b"")
        return out[0:4], rev(out[4:36])

    v.eq(v.out(0x40, addr_c.encode()), u64(vc), "ancestor c1 credits C")
    v.eq(v.out(0x40, addr_a.encode()), u64(2 * va), "chain A credits A twice")
    v.eq(v.out(0x40, addr_b.encode()), u64(0), "B has nothing yet")
    v.eq(tip()[0], (3).to_bytes(4, "big"), "indexed tip height 3")
    b2 = mine(c1, [coinbase(2, script_b, vb, 21_001)], 21_011)
    b3 = mine(b2, [coinbase(3, script_b, vb, 22_001)], 22_011)
    b4 = mine(b3, [coinbase(4, script_b, vb, 23_001)], 23_011)
    insert(btc, b2, b3, b4)
    assert bytes(btc.tip) == b4.hash  # the heavier chain won
    v.eq(tip(), ((3).to_bytes(4, "big"), a3.hash), "0x44 reports the indexed tip a3, not the header tip b4")
    ix.index_to(b4.hash)
    v.eq(v.out(0x40, addr_a.encode()), u64(0), "chain A unwound")
    v.eq(v.out(0x40, addr_b.encode()), u64(3 * vb), "chain B credited")
    v.eq(v.out(0x40, addr_c.encode()), u64(vc), "ancestor c1 survives")
    v.eq(tip(), ((4).to_bytes(4, "big"), b4.hash), "indexed tip b4")
    v.eq(v.out(0x42, rev(b2.txid()) + b"\x40\x00\x00\x00"), rev(b2.hash), "chain B tx resolves to b2")
    v.eq(v.out(0x42, rev(a3.txid()) + b"\x40\x00\x00\x00"), b"", "chain A tx gone")
    v.eq(v.out(0x42, rev(c1.txid()) + b"\x40\x00\x00\x00"), rev(c1.hash), "c1 coinbase stays indexed")
