"""Vectors of hemilabs/op-geth core/vm/tbc_fullnode_synthetic_spend_test.go (@a87ec50b), on the embedded chain."""

from __future__ import annotations

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


def test_spend_precompiles():
    """TestSyntheticFullNodeSpendPrecompiles (tbc_fullnode_synthetic_spend_test.go): b3's T spends cb1 and cb2 with
    distinct scriptSigs, witnesses and sequences; every input / output / witness / spent-status vector."""
    script_a, addr_a = regtest_p2pkh(0x42)
    script_b, addr_b = regtest_p2pkh(0x33)
    script_d, _ = regtest_p2pkh(0x99)
    fund1, fund2, out_b, change = 50 * COIN, 25 * COIN, 30 * COIN, 40 * COIN
    cb1 = coinbase(1, script_a, fund1, 1)
    b1 = mine(genesis(), [cb1], 1_001)
    cb2 = coinbase(2, script_a, fund2, 2)
    b2 = mine(b1, [cb2], 2_001)
    sig0, wit0, seq0 = b"\x51\x52\x53", [b"\xaa\xbb", b"\xcc"], 0xFFFFFFFE
    sig1, wit1, seq1 = b"\x61\x62", [b"\x11", b"\x22\x23", b"\x33\x34\x35"], 0xFFFFFFFD
    t = spend_tx([(cb1.GetTxid(), 0, sig0, wit0, seq0), (cb2.GetTxid(), 0, sig1, wit1, seq1)],
                 [(out_b, script_b), (change, script_a)])
    b3 = mine(b2, [coinbase(3, script_d, 10 * COIN, 3), t], 3_001)
    btc = BitcoinChain()
    insert(btc, b1, b2, b3)
    v = Vectors(indexed(btc))
    tid = rev(t.GetTxid())

    for i, (wit, value, prev, sig, seq) in enumerate(((wit0, fund1, cb1, sig0, seq0), (wit1, fund2, cb2, sig1, seq1))):
        v.eq(v.out(0x47, tid + u16(i) + b"\x03\xe8"),
             u16(len(wit)) + u64(value) + rev(prev.GetTxid()) + u16(0) + u16(len(sig)) + sig + u32(seq),
             f"btcInputByTxid input {i}")
    for i, w, elem in ((0, 0, wit0[0]), (0, 1, wit0[1]), (1, 0, wit1[0]), (1, 2, wit1[2])):
        v.eq(v.out(0x49, tid + u16(i) + u16(w) + b"\x00\xff"), u16(len(elem)) + elem, f"witness {i}/{w}")
    for i, w in ((0, 2), (1, 3)):
        v.eq(v.out(0x49, tid + u16(i) + u16(w) + b"\x00\xff"), b"", f"witness index == len ({i}/{w})")
    for i, value, spk in ((0, out_b, script_b), (1, change, script_a)):
        v.eq(v.out(0x48, tid + u16(i) + b"\x01\x00"), u64(value) + u16(len(spk)) + spk + b"\x01", f"output {i}")
    for spent in (cb1, cb2):
        v.eq(v.out(0x48, rev(spent.GetTxid()) + b"\x00\x00\x01\x00"), b"", "spent output -> (nil, nil)")
    v.eq(v.out(0x42, tid + b"\x04\x00\x08\x00"), u16(2) + u64(fund1) + u64(fund2), "deep inputs: values")
    v.eq(v.out(0x42, rev(cb1.GetTxid()) + b"\x00\x24\x00\x00"), u16(1) + u64(fund1) + b"\x00",
         "spent coinbase: outputs + spent flag 0")
    v.eq(v.out(0x42, tid + b"\x00\x24\x01\x00"), u16(2) + u64(out_b) + b"\x01" + u64(change) + b"\x01",
         "T outputs unspent")
    v.eq(v.out(0x40, addr_a.encode()), u64(change), "A's balance is the change alone")
    v.eq(v.out(0x40, addr_b.encode()), u64(out_b), "B's balance")
    v.eq(v.out(0x41, addr_a.encode() + b"\x00\x00\x00\x64"), b"\x01" + tid + u16(1) + u64(change), "A's UTXOs")
    v.eq(v.out(0x41, addr_b.encode() + b"\x00\x00\x00\x64"), b"\x01" + tid + u16(0) + u64(out_b), "B's UTXOs")
    v.eq(v.out(0x47, tid + b"\x00\x00\x00\x02"),
         u16(2) + u64(fund1) + rev(cb1.GetTxid()) + u16(0) + u16(3) + sig0[:2] + u32(seq0), "chopped input")
    v.eq(v.out(0x48, tid + b"\x00\x00\x00\x0a"), u64(out_b) + u16(25) + script_b[:10] + b"\x01", "chopped output")
    v.eq(v.out(0x49, tid + b"\x00\x00\x00\x00\x00\x01"), u16(2) + wit0[0][:1], "chopped witness")
    v.eq(v.out(0x42, tid + b"\x04\x00\x00\x00"), u16(2) + u64(fund1), "count-chop: 1 of 2 inputs")
    v.eq(v.out(0x49, rev(cb1.GetTxid()) + b"\x00\x00\x00\x00\x00\xff"), b"", "witness-less input -> (nil, nil)")
