"""The deployed behaviours the op-geth test files pin only in passing, each checked against its upstream source:
btcd ``btcutil/address.go`` DecodeAddress (0x40/0x41/0x46), heminetwork ``database/tbcd/level/level.go``
UtxosByScriptHash (0x41 order), op-geth ``core/vm/contracts.go`` btcOutputByTxid (0x48 on an OP_RETURN output) and
btcHeaderN's two modes."""

from __future__ import annotations

import pytest
from bitcoin import base58
from bitcoin.core.script import OP_RETURN, CScript
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
from hemi.btc.address import script_to_address
from hemi.node.bitcoin_view.btc_index import BitcoinIndexer

COIN = 100_000_000
PROGRAM = bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6")  # BIP 173 test vector program
BIP173_MAINNET = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
BIP173_TESTNET = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"
BIP350_P2TR = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
G_X = bytes.fromhex("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")


@pytest.fixture(scope="module")
def v() -> Vectors:
    return Vectors(indexed(BitcoinChain()))


@pytest.mark.parametrize("addr,script", [
    (BIP173_MAINNET, b"\x00\x14" + PROGRAM),
    (BIP173_TESTNET, b"\x00\x14" + PROGRAM),
    (BIP173_MAINNET.upper(), b"\x00\x14" + PROGRAM),
    (script_to_address(b"\x00\x14" + PROGRAM), b"\x00\x14" + PROGRAM),  # bcrt1q...
    (BIP350_P2TR, b"\x51\x20" + G_X),
    (script_to_address(b"\x51\x14" + PROGRAM), b"\x00\x14" + PROGRAM),  # v1 with 20 bytes: read as P2WPKH
    (str(base58.CBase58Data.from_bytes(PROGRAM, 0x6F)), b"\x76\xa9\x14" + PROGRAM + b"\x88\xac"),  # testnet3 = regtest
    (str(base58.CBase58Data.from_bytes(PROGRAM, 0xC4)), b"\xa9\x14" + PROGRAM + b"\x87"),
])
def test_decode_address_as_btcd(v, addr, script):
    """btcd btcutil/address.go DecodeAddress: a registered network's segwit prefix (bc, tb, bcrt, sb) is never
    checked against the node's network; witness v1 with a 20-byte program is newAddressWitnessPubKeyHash; base58
    versions are the node's (regtest shares testnet3's 0x6f / 0xc4)."""
    v.eq(v.out(0x46, addr.encode()), script, f"0x46 {addr}")
    v.eq(v.out(0x40, addr.encode()), u64(0), f"0x40 {addr} decodes (unfunded)")


def test_simnet_prefix_is_registered(v):
    """btcd chaincfg registers simnet's "sb" prefix too: an sb1 address decodes (built from BIP 173's checksum)."""
    from bitcoin.segwit_addr import encode

    sb = encode("sb", 0, PROGRAM)
    v.eq(v.out(0x46, sb.encode()), b"\x00\x14" + PROGRAM, "sb1 P2WPKH")
    other = encode("xy", 0, PROGRAM)  # not a registered prefix: falls to base58, which fails
    v.eq(v.run(0x46, other.encode()), (False, b""), "unregistered prefix")


@pytest.mark.parametrize("addr", [BIP173_MAINNET[:10] + BIP173_MAINNET[10:].upper(),  # mixed case
                                  "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",  # mainnet base58 version 0x00
                                  script_to_address(bytes([0x52, 32]) + bytes(32))])  # witness v2
def test_undecodable_addresses(v, addr):
    """btcd DecodeAddress errors: bech32 mixed case, a base58 version of another network (ErrUnknownAddressType),
    witness versions other than 0 and 1 (UnsupportedWitnessVerError): 0x40 empty, 0x46 raw error."""
    v.eq(v.run(0x40, addr.encode()), (True, b""), f"0x40 {addr}")
    v.eq(v.run(0x46, addr.encode()), (False, b""), f"0x46 {addr}")


def test_hostile_address_input_is_linear(v):
    """A contract may send megabytes as an "address": no decoder path accepts more than 130 characters (bech32
    <= 90, hex key 66/130, base58check of 25 bytes <= 35), so the answer is immediate whatever the length."""
    from hemi.hvm.btcd_address import MAX_ADDRESS_CHARS, decode_address_script

    for n in (10_000, 1_000_000):
        for data in (b"bc1" + b"q" * n, b"1" * n, b"1" + b"z" * n):
            assert v.run(0x40, data) == (True, b"") and v.run(0x46, data) == (False, b"")
    # the refusal is the length check, before any decoding: the longest decodable form is a 130-char hex key
    key = "04" + "11" * 64
    assert len(key) == MAX_ADDRESS_CHARS
    assert decode_address_script((key + "0").encode()) is None


def test_utxo_order_is_leveldb_key_order():
    """heminetwork database/tbcd/level/level.go UtxosByScriptHash: keys 'h' ‖ sha256(script) ‖ txid ‖ vout(u32 BE),
    so 0x41 lists an address's UTXOs by raw (internal) txid bytes, then vout; start skips; count 0 means 10."""
    btc = BitcoinChain(seed=3)
    alice, bob = btc.wallet("alice"), btc.wallet("bob")
    btc.mine(101, to=alice.address)
    for k in range(4):
        btc.send_raw(alice.build_tx(outputs=[(bob.address, 10_000 + 1000 * k + j) for j in range(3)]))
    btc.mine(1)
    ix = BitcoinIndexer(btc)
    ix.index_to(bytes(btc.tip))
    v = Vectors(ix)
    spk = bob.script_of("p2wpkh")
    utxos = sorted((bytes(u.txid), u.vout, u.value) for u in btc.utxos(bob.address))
    assert len(utxos) == 12 and any(a[0] == b[0] for a, b in zip(utxos, utxos[1:], strict=False))
    entry = [rev(t) + u16(n) + u64(val) for t, n, val in utxos]
    addr = bob.address.encode()
    v.eq(v.out(0x41, addr + b"\x00\x00\x00\x00"), b"\x0a" + b"".join(entry[:10]), "count 0 -> first 10 in key order")
    v.eq(v.out(0x41, addr + b"\x00\x00\x05\x04"), b"\x04" + b"".join(entry[5:9]), "start 5, count 4")
    v.eq(v.out(0x41, addr + b"\x00\x00\x0b\xff"), b"\x01" + entry[11], "the last one")
    assert spk == btc.utxos(bob.address)[0].script_pubkey


def test_output_by_txid_on_op_return_is_empty():
    """op-geth core/vm/contracts.go btcOutputByTxid: ScriptHashAvailableToSpend errors for an outpoint not in the
    UTXO set (an OP_RETURN never enters it) and the precompile returns (nil, nil); 0x42 reports flag 0 for it."""
    script_a, _ = regtest_p2pkh(0x42)
    cb1 = coinbase(1, script_a, 50 * COIN, 1)
    b1 = mine(genesis(), [cb1], 1)
    op_return = bytes(CScript([OP_RETURN, b"hvm"]))
    t = spend_tx([(cb1.GetTxid(), 0, b"\x51", [], 0xFFFFFFFF)], [(1 * COIN, script_a), (0, op_return)])
    b2 = mine(b1, [coinbase(2, script_a, 50 * COIN, 2), t], 2)
    btc = BitcoinChain()
    insert(btc, b1, b2)
    v = Vectors(indexed(btc))
    tid = rev(t.GetTxid())
    v.eq(v.out(0x48, tid + b"\x00\x01\x01\x00"), b"", "0x48 on the OP_RETURN output")
    v.eq(v.out(0x48, tid + b"\x00\x00\x01\x00"), u64(COIN) + u16(25) + script_a + b"\x01", "0x48 on the payment")
    v.eq(v.out(0x42, tid + b"\x00\x2c\x01\x00"), u16(2) + u64(COIN) + b"\x01" + u64(0) + b"\x00",
         "0x42 with unspendables: OP_RETURN flag 0")


def test_header_n_modes():
    """0x45: 'empty' is every heminetwork release v1.0.0-v2.0.0 (op-geth TestSyntheticFullNodeHeaderNLibraryLimitation);
    'fixed' is heminetwork main since d8c88dc5: the header at that height while it is in the indexed chain."""
    from hemi.hvm.precompiles import run_precompile

    script, _ = regtest_p2pkh(0x42)
    blocks = full_chain(4, script, 50 * COIN)
    btc = BitcoinChain()
    insert(btc, *blocks)
    ix = indexed(btc, blocks[2])
    r = ix.reader(4)
    h = blocks[1].header
    want = (u32(2) + rev(blocks[1].hash) + u32(4) + rev(h[4:36]) + rev(h[36:68]) + u32(blocks[1].time)
            + u32(0x207FFFFF) + h[76:80][::-1])
    assert run_precompile(0x45, u32(2), r) == (True, b"")
    assert run_precompile(0x45, u32(2), r, header_n="empty") == (True, b"")
    assert run_precompile(0x45, u32(2), r, header_n="fixed") == (True, want)
    assert run_precompile(0x45, u32(4), r, header_n="fixed") == (True, b"")  # above the indexed tip
    assert run_precompile(0x45, u32(2), r, "hvmphase0") == (True, want)  # the old profile keeps the intended one
