"""Vectors of hemilabs/op-geth core/vm/tbc_fullnode_synthetic_test.go (@a87ec50b), on the embedded chain.

Each test rebuilds its upstream function's blocks byte for byte (upstream_synthetic) and compares every output the
upstream test asserts. Expected bytes are written from the upstream assertions, never from the code under test.
"""

from __future__ import annotations

from upstream_synthetic import (
    Vectors,
    coinbase,
    full_chain,
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
MIN = 24  # MIN_BTC_ADDRESS_LENGTH


def frame(b, height: int) -> bytes:
    """btcLastHeader's 116 bytes, field by field as the upstream test asserts them."""
    h = b.header
    return (u32(height) + rev(b.hash) + u32(int.from_bytes(h[0:4], "little")) + rev(h[4:36])
            + rev(h[36:68]) + u32(int.from_bytes(h[68:72], "little")) + u32(int.from_bytes(h[72:76], "little"))
            + u32(int.from_bytes(h[76:80], "little")))


def chain_of(n: int, fill: int = 0x42):
    script, addr = regtest_p2pkh(fill)
    blocks = full_chain(n, script, 50 * COIN)
    btc = BitcoinChain()
    insert(btc, *blocks)
    return btc, blocks, addr


def test_balance_and_tip():
    """TestSyntheticFullNodeBalanceAndTip (tbc_fullnode_synthetic_test.go)."""
    btc, blocks, addr = chain_of(3)
    v = Vectors(indexed(btc))
    v.eq(v.out(0x40, addr.encode()), u64(3 * 50 * COIN), "balance of the funded address")
    v.eq(v.out(0x40, regtest_p2pkh(0x11)[1].encode()), u64(0), "unfunded address -> 8 zero bytes")
    v.eq(v.out(0x40, b"z" * (MIN + 6)), b"", "undecodable address -> (nil, nil)")
    v.eq(v.out(0x44, b""), frame(blocks[2], 3), "btcLastHeader 116-byte frame of the indexed tip")


def test_utxos_by_address():
    """TestSyntheticFullNodeUtxosByAddress (tbc_fullnode_synthetic_test.go); the order is heminetwork's leveldb key
    order (database/tbcd/level/level.go UtxosByScriptHash): raw txid bytes, then vout."""
    btc, blocks, addr = chain_of(3)
    v = Vectors(indexed(btc))
    want = b"\x03" + b"".join(rev(t) + u16(0) + u64(50 * COIN) for t in sorted(b.txid() for b in blocks))
    v.eq(v.out(0x41, addr.encode() + b"\x00\x00\x00\x64"), want, "3 coinbase UTXOs")
    v.eq(v.out(0x41, regtest_p2pkh(0x11)[1].encode() + b"\x00\x00\x00\x64"), b"\x00", "unfunded -> count 0")


def test_tx_by_txid():
    """TestSyntheticFullNodeTxByTxid (tbc_fullnode_synthetic_test.go)."""
    btc, blocks, _ = chain_of(3)
    v = Vectors(indexed(btc))
    for i, b in enumerate(blocks):
        v.eq(v.out(0x42, rev(b.txid()) + b"\x40\x00\x00\x00"), rev(b.hash), f"containing block of cb{i + 1}")
    unknown = bytearray(36)
    unknown[0], unknown[32] = 0xDE, 0x40
    v.eq(v.out(0x42, bytes(unknown)), b"", "unknown txid -> (nil, nil)")


def test_tx_confirmations():
    """TestSyntheticFullNodeTxConfirmations (tbc_fullnode_synthetic_test.go): 5 blocks, indexed to 3, upstream tip
    at 3 -> 3/2/1; unknown txid -> raw error; upstream tip 1 below tx height 3 -> wrapped 0xFFFFFFFF."""
    btc, blocks, _ = chain_of(5)
    ix = indexed(btc, blocks[2])
    v = Vectors(ix, light_tip=3)
    for i in range(3):
        v.eq(v.out(0x43, rev(blocks[i].txid())), u32(3 - (i + 1) + 1), f"confirmations of block {i + 1}")
    v.eq(v.run(0x43, b"\xab" * 32), (False, b""), "unknown txid -> raw error (CALL fails)")
    low = Vectors(ix, light_tip=1)
    low.eq(low.out(0x43, rev(blocks[2].txid())), u32(1 - 3 + 1), "tx above the upstream tip -> wrapped count")


def test_addr_to_script():
    """TestSyntheticFullNodeAddrToScript (tbc_fullnode_synthetic_test.go)."""
    btc, _, addr = chain_of(1)
    v = Vectors(indexed(btc))
    v.eq(v.out(0x46, addr.encode()), regtest_p2pkh(0x42)[0], "regtest P2PKH script")


def test_precompile_input_guards():
    """TestSyntheticFullNodePrecompileInputGuards (tbc_fullnode_synthetic_test.go): wrong lengths -> the
    ErrHVMInvalidPrecompileInput no-op (empty success); a well-sized junk address -> 0x46 raw error."""
    btc, _, _ = chain_of(1)
    v = Vectors(indexed(btc))
    for addr, n in ((0x43, 31), (0x45, 3), (0x42, 35), (0x47, 35), (0x48, 35), (0x49, 37), (0x40, 5), (0x41, 5),
                    (0x46, 5), (0x40, MIN - 1), (0x46, MIN - 1), (0x41, MIN + 3)):
        v.eq(v.run(addr, bytes(n)), (True, b""), f"0x{addr:02x} with {n} bytes")
    v.eq(v.run(0x46, b"z" * 30), (False, b""), "0x46 junk address -> decode error")


def test_header_n_library_limitation():
    """TestSyntheticFullNodeHeaderNLibraryLimitation (tbc_fullnode_synthetic_test.go): 0x45 returns nothing for a
    height whose header exists (the pinned heminetwork BlockInTxIndex defect)."""
    btc, _, _ = chain_of(4)
    v = Vectors(indexed(btc))
    v.eq(v.out(0x45, u32(2)), b"", "btcHeaderN(2) -> (nil, nil)")


def test_precompile_query_cache_results():
    """TestSyntheticFullNodePrecompileQueryCache (tbc_fullnode_synthetic_test.go): the fixture's every
    cache-bearing precompile returns data (the cache itself is dead code in op-geth and not modelled)."""
    script_a, addr_a = regtest_p2pkh(0x42)
    script_b, _ = regtest_p2pkh(0x33)
    cb1 = coinbase(1, script_a, 50 * COIN, 1)
    b1 = mine(genesis(), [cb1], 7_001)
    cb2 = coinbase(2, script_a, 25 * COIN, 2)
    spend = spend_tx([(cb1.GetTxid(), 0, b"\x51", [b"\xaa\xbb"], 0xFFFFFFFF)],
                     [(30 * COIN, script_b), (19 * COIN, script_a)])
    b2 = mine(b1, [cb2, spend], 8_001)
    btc = BitcoinChain()
    insert(btc, b1, b2)
    v = Vectors(indexed(btc), light_tip=2)
    s = rev(spend.GetTxid())
    for addr, data in ((0x40, addr_a.encode()), (0x41, addr_a.encode() + b"\x00\x00\x00\x64"),
                       (0x46, addr_a.encode()), (0x44, b""), (0x42, rev(cb1.GetTxid()) + b"\x40\x00\x00\x00"),
                       (0x43, rev(cb1.GetTxid())), (0x47, s + b"\x00\x00\x03\xe8"), (0x48, s + b"\x00\x00\x01\x00"),
                       (0x49, s + b"\x00\x00\x00\x00\x00\xff")):
        ok, out = v.run(addr, data)
        v.eq(ok and len(out) > 0, True, f"0x{addr:02x} returns data")


def test_utxos_pagination():
    """TestSyntheticFullNodeUtxosPagination (tbc_fullnode_synthetic_test.go): start = items to skip, count 0 = 10."""
    btc, blocks, addr = chain_of(3)
    v = Vectors(indexed(btc))
    entries = [rev(t) + u16(0) + u64(50 * COIN) for t in sorted(b.txid() for b in blocks)]

    def page(start: int, size: int) -> bytes:
        return v.out(0x41, addr.encode() + start.to_bytes(3, "big") + bytes([size]))

    v.eq(page(0, 2), b"\x02" + entries[0] + entries[1], "offset 0 size 2")
    v.eq(page(2, 2), b"\x01" + entries[2], "offset 2 size 2 -> the remaining one")
    v.eq(page(0, 0), b"\x03" + b"".join(entries), "size 0 -> default 10")
    v.eq(page(1 << 16, 10), b"\x00", "the high page byte is read")
