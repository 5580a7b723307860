"""Vectors (A)-(H) of hemilabs/op-geth core/vm/tbc_fullnode_synthetic_deeptx_test.go (@a87ec50b), on the embedded
chain: btcTxByTxid's deployed frame (bit6 witness-count alias, u32 prevVout, bf2 bit5 outputs / bit4 script)."""

from __future__ import annotations

from bitcoin.core.script import OP_RETURN, CScript
from upstream_synthetic import (
    Vectors,
    coinbase,
    genesis,
    indexed,
    insert,
    mine,
    regtest_p2pkh,
    rev,
    spend_tx,
    u16,
    u32,
    u64,
)

from hemi.btc import BitcoinChain

COIN = 100_000_000


def test_deep_tx_by_txid_bitflags():
    """TestSyntheticFullNodeDeepTxByTxidBitflags (tbc_fullnode_synthetic_deeptx_test.go), cases (A)-(H)."""
    script_a, _ = regtest_p2pkh(0x42)
    script_b, _ = regtest_p2pkh(0x33)
    script_d, _ = regtest_p2pkh(0x99)
    op_return = bytes(CScript([OP_RETURN, b"hvm"]))  # txscript.NullDataScript([]byte("hvm"))
    fund1, fund2, out_b, change = 50 * COIN, 25 * COIN, 30 * COIN, 40 * COIN
    cb1 = coinbase(1, script_a, fund1, 1)
    b1 = mine(genesis(), [cb1], 60_001)
    cb2 = coinbase(2, script_a, fund2, 2)
    b2 = mine(b1, [cb2], 61_001)
    sig0, wit0, seq0 = b"\x51" * 20, [b"\xaa\xbb", b"\xcc"], 0xFFFFFFFE
    sig1, wit1, seq1 = b"\x61\x62", [b"\x11", b"\x22\x23", b"\x33\x34\x35"], 0xFFFFFFFD
    t = spend_tx([(cb1.GetTxid(), 0, sig0, wit0, seq0), (cb2.GetTxid(), 0, sig1, wit1, seq1)],
                 [(out_b, script_b), (0, op_return), (change, script_a)])
    b3 = mine(b2, [coinbase(3, script_d, 10 * COIN, 3), t], 62_001)
    btc = BitcoinChain()
    insert(btc, b1, b2, b3)
    v = Vectors(indexed(btc))

    def run(*flags: int) -> bytes:
        return v.out(0x42, rev(t.GetTxid()) + bytes(flags))

    size, stripped = len(t.serialize()), len(t.serialize(params={"include_witness": False}))
    assert size != stripped
    v.eq(run(0x38, 0, 0, 0), u32(1) + u32(size) + u32(stripped) + u32(0), "(A) version, sizes, locktime")
    ins = [(fund1, cb1, sig0, seq0), (fund2, cb2, sig1, seq1)]
    v.eq(run(0x07, 0x80, 0x08, 0x04),
         u16(2) + b"".join(u64(val) + rev(p.GetTxid()) + u32(0) + u16(len(s)) + s + u32(q) for val, p, s, q in ins),
         "(B) inputs with source (u32 vout), scriptSig, sequence")
    v.eq(run(0x44, 0, 0x08, 0), rev(b3.hash) + u16(2) + u16(2) + u64(fund1) + u16(3) + u64(fund2),
         "(C) bit6: block hash and a witness-count word per input")
    v.eq(run(0, 0x30, 0x01, 0x01),
         u16(2) + u64(out_b) + u16(25) + script_b + u64(change) + u16(25) + script_a, "(D) spendable outputs")
    v.eq(run(0, 0x38, 0x02, 0x01),
         u16(3) + u64(out_b) + u16(25) + script_b + u64(0) + u16(len(op_return)) + op_return + u64(change) + u16(25)
         + script_a, "(E) outputs including the OP_RETURN")
    v.eq(run(0, 0x20, 0, 0), u16(2) + u64(out_b), "(F) output count-chop")
    v.eq(run(0x05, 0, 0x08, 0), u16(2) + u64(fund1) + u16(20) + sig0[:16] + u64(fund2) + u16(2) + sig1,
         "(G) input scriptSig chop")
    v.eq(run(0, 0x30, 0x01, 0), u16(2) + u64(out_b) + u16(25) + script_b[:16] + u64(change) + u16(25) + script_a[:16],
         "(H) output script chop")
