"""The hVM precompiles byte for byte (hemilabs/op-geth core/vm/contracts.go), over real Bitcoin situations.

Every expected output is built here from python-bitcoinlib objects (the transactions, headers and scripts the chain
made), never by calling the code under test. Docstrings name the op-geth test whose behaviour each test pins (OPG-T1 =
core/vm/tbc_fullnode_synthetic*_test.go, OPG-T2 = core/vm/hvm_precompile_recover_test.go in hemilabs/op-geth).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from bitcoin.core import CBlockHeader, CTransaction

from hemi.btc import BitcoinChain
from hemi.errors import HemiValueError
from hemi.hvm.precompiles import (
    HVM_PRECOMPILES,
    PROFILE_DEPLOYED,
    PROFILE_HVMPHASE0,
    PrecompileFailure,
    run_precompile,
)
from hemi.node.bitcoin_view.btc_index import BitcoinIndexer

KINDS = ("p2wpkh", "p2sh-p2wpkh", "p2pkh", "p2wsh", "p2tr")
V1, LATEST = PROFILE_HVMPHASE0, PROFILE_DEPLOYED
BOTH = (V1, LATEST)
MAINNET_P2WPKH = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"  # BIP 173 test vector
TESTNET_P2WPKH = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"
# Compressed secp256k1 generator point: a valid public key for the pay-to-pubkey path of btcd's DecodeAddress.
G_COMPRESSED = bytes.fromhex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")


def be(n: int, size: int) -> bytes:
    return n.to_bytes(size, "big")


def disp(h: bytes) -> bytes:
    return bytes(h)[::-1]


def call(address: int, data: bytes, reader, profile: str = V1) -> tuple[bool, bytes]:
    return run_precompile(address, data, reader, profile)


def ok(address: int, data: bytes, reader, profile: str = V1) -> bytes:
    success, out = run_precompile(address, data, reader, profile)
    assert success, f"0x{address:02x} failed"
    return out


@dataclass
class World:
    btc: BitcoinChain
    ix: BitcoinIndexer
    reader: object  # light tip 110, indexed at 108 (the devchain's default lag of 2)
    fund: CTransaction  # h102: alice -> every kind of bob (+ OP_RETURN, + change)
    # h103: bob spends all five (one input of each kind) -> carol p2pkh, carol p2tr, OP_RETURN, change
    multi: CTransaction
    paging: list  # h104..h106: alice -> carol p2wpkh, 30k / 20k / 10k
    p2pk: CTransaction  # h107: alice -> pay-to-pubkey(G)
    spend: CTransaction  # h108: carol spends multi:1 (so multi:1 is spent in the index)
    late: CTransaction  # h109: mined, but above the indexed tip


@pytest.fixture(scope="module")
def w() -> World:
    btc = BitcoinChain(seed=7)
    alice, bob, carol = btc.wallet("alice"), btc.wallet("bob"), btc.wallet("carol")
    btc.mine(101, to=alice.address)
    fund = alice.build_tx(outputs=[(bob.addresses[k], 1_000_000 + 100_000 * i) for i, k in enumerate(KINDS)],
                          op_return=b"hemi-fund")
    btc.send_raw(fund)
    btc.mine(1)  # 102
    by_kind = {u.script_pubkey: u for u in bob.utxos}
    inputs = [by_kind[bob.script_of(k)] for k in KINDS]  # input i is of kind KINDS[i]
    multi = bob.build_tx(outputs=[(carol.addresses["p2pkh"], 2_000_000), (carol.addresses["p2tr"], 1_500_000)],
                         inputs=inputs, op_return=b"multi")
    btc.send_raw(multi)
    btc.mine(1)  # 103
    paging = []
    for v in (30_000, 20_000, 10_000):
        t = alice.build_tx(carol.address, v)
        btc.send_raw(t)
        btc.mine(1)  # 104, 105, 106
        paging.append(t)
    p2pk = alice.build_tx(outputs=[(bytes([33]) + G_COMPRESSED + b"\xac", 77_000)])
    btc.send_raw(p2pk)
    btc.mine(1)  # 107
    spend = carol.build_tx(alice.address, 1_000_000,
                           inputs=[u for u in carol.utxos if bytes(u.txid) == multi.GetTxid() and u.vout == 1],
                           change_kind="p2sh-p2wpkh")  # keeps carol's p2wpkh to the three paging outputs
    btc.send_raw(spend)
    btc.mine(1)  # 108
    late = alice.build_tx(carol.addresses["p2wsh"], 55_000)
    btc.send_raw(late)
    btc.mine(2)  # 109 (late), 110
    assert btc.height == 110
    ix = BitcoinIndexer(btc)
    ix.index_to(bytes(btc.block_hash(108)))
    return World(btc, ix, ix.reader(110), fund, multi, paging, p2pk, spend, late)


def header_frame(btc: BitcoinChain, height: int) -> bytes:
    h: CBlockHeader = btc.header(height).cheader
    return (be(height, 4) + disp(h.GetHash()) + be(h.nVersion & 0xFFFFFFFF, 4) + disp(h.hashPrevBlock)
            + disp(h.hashMerkleRoot) + be(h.nTime, 4) + be(h.nBits, 4) + be(h.nNonce, 4))


# ------------------------------------------------------------------------------------------------ table, outcomes


def test_table_addresses_names_and_gas():
    """OPG-T2 ``TestHvmPrecompileAddressesDistinct`` / Name() strings; gas per OPG-PP (0x47-0x49 assumed 25000)."""
    want = {
        0x40: ("BTC Balance Address", 50_000), 0x41: ("BTC UTXOs Address List", 100_000),
        0x42: ("BTC TX by TXID", 25_000), 0x43: ("BTC TX Confirmations", 5_000), 0x44: ("BTC Last Header", 5_000),
        0x45: ("BTC Header N", 6_000), 0x46: ("BTC Addr to Script", 25_000), 0x47: ("BTC Input by TXID", 25_000),
        0x48: ("BTC Output by TXID", 25_000), 0x49: ("BTC TX Get Input Witness", 25_000),
    }
    assert {a: (i.name, i.gas) for a, i in HVM_PRECOMPILES.items()} == want
    assert all(i.address == a and callable(i.fn) for a, i in HVM_PRECOMPILES.items())


def test_a_python_exception_is_the_empty_success_and_is_logged(caplog):
    """OPG-T2 recover test: a panic inside an hVM precompile is recovered into (nil, nil), i.e. empty success."""

    class Broken:
        light_tip_height = 5

        def __getattr__(self, name):
            raise RuntimeError("reader exploded")

    with caplog.at_level(logging.WARNING, logger="hemi.hvm.precompiles"):
        assert run_precompile(0x44, b"", Broken()) == (True, b"")
        assert run_precompile(0x43, bytes(32), Broken()) == (True, b"")
    assert any("0x44" in r.getMessage() for r in caplog.records)


def test_caller_errors_raise():
    with pytest.raises(HemiValueError):
        run_precompile(0x4A, b"", None)
    with pytest.raises(HemiValueError):
        run_precompile(0x40, b"", None, "hbk-v2")


def test_precompile_failure_is_not_caught_by_the_function_itself(w):
    """The raw-error outcome is an exception of the function (0x46) and (False, b"") through run_precompile."""
    with pytest.raises(PrecompileFailure):
        HVM_PRECOMPILES[0x46].fn(b"z" * 30, w.reader, V1)
    assert call(0x46, b"z" * 30, w.reader) == (False, b"")


# ------------------------------------------------------------------------------------------------ 0x40 / 0x46


@pytest.mark.parametrize("kind", KINDS)
def test_balance_and_script_of_every_address_kind(w, kind):
    """OPG-T1 ``TestSyntheticFullNodeBalanceAndTip`` (8-byte BE balance), ``TestSyntheticFullNodeAddrToScript``."""
    bob = w.btc.wallet("bob")
    addr = bob.addresses[kind]
    spk = bob.script_of(kind)
    # bob's outputs of this kind were all spent by `multi` (h103, indexed); the change of `multi` is his p2wpkh
    change = sum(o.nValue for o in w.multi.vout if bytes(o.scriptPubKey) == spk)
    assert ok(0x40, addr.encode(), w.reader) == be(change, 8)
    assert ok(0x46, addr.encode(), w.reader) == spk


def test_balance_counts_only_indexed_unspent_outputs(w):
    """OPG-T1 spend test "Balance cross-check": spent outputs leave the balance once the spending block is indexed."""
    carol = w.btc.wallet("carol")
    p2tr = carol.addresses["p2tr"]
    # multi:1 paid carol's p2tr and was spent at h108 (indexed) -> 0; p2pkh output of multi is unspent
    assert ok(0x40, p2tr.encode(), w.reader) == be(0, 8)
    assert ok(0x40, carol.addresses["p2pkh"].encode(), w.reader) == be(w.multi.vout[0].nValue, 8)
    # `late` (h109) pays carol's p2wsh but is above the indexed tip: not counted
    assert ok(0x40, carol.addresses["p2wsh"].encode(), w.reader) == be(0, 8)
    assert w.btc.balance(carol.addresses["p2wsh"]) == 55_000


def test_unfunded_address_is_eight_zero_bytes(w):
    """OPG-T1 ``TestSyntheticFullNodeBalanceAndTip`` (b): "unfunded-balance response must still be a full 8-byte
    frame"."""
    assert ok(0x40, w.btc.wallet("nobody").addresses["p2tr"].encode(), w.reader) == bytes(8)


def test_address_input_guards(w):
    """OPG-T1 ``TestSyntheticFullNodePrecompileInputGuards``: MIN-1 -> empty; undecodable -> 0x40 empty, 0x46 raw error;
    ``TestSyntheticFullNodeBalanceAndTip`` fail-soft junk address."""
    for n in (0, 5, 23):
        assert call(0x40, b"m" * n, w.reader) == (True, b"")
        assert call(0x46, b"m" * n, w.reader) == (True, b"")
    junk = b"z" * 30
    assert call(0x40, junk, w.reader) == (True, b"")
    assert call(0x46, junk, w.reader) == (False, b"")
    # a real address with a flipped character (bad checksum), trailing garbage, and non-ASCII bytes
    bad = w.btc.wallet("bob").addresses["p2pkh"]
    for data in (bad[:-1].encode() + (b"1" if bad[-1] != "1" else b"2"), bad.encode() + b"\x00", b"\xff" * 30):
        assert call(0x40, data, w.reader) == (True, b"")
        assert call(0x46, data, w.reader) == (False, b"")


@pytest.mark.parametrize("addr", [MAINNET_P2WPKH, TESTNET_P2WPKH, MAINNET_P2WPKH.upper()])
def test_other_networks_bech32_decodes_to_the_same_script(w, addr):
    """btcd btcutil/address.go DecodeAddress: any registered network's segwit prefix (bc, tb, bcrt, sb) is decoded,
    never checked against the node's own network; the script is the witness program's (BIP 173 vector)."""
    program = bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6")
    assert ok(0x46, addr.encode(), w.reader, LATEST) == b"\x00\x14" + program
    assert ok(0x40, addr.encode(), w.reader, LATEST) == be(0, 8)
    assert ok(0x41, addr.encode() + b"\x00\x00\x00\x00", w.reader, LATEST) == b"\x00"


@pytest.mark.parametrize("addr", ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"])
def test_other_networks_base58_is_undecodable(w, addr):
    """btcd DecodeAddress checks a base58 version byte against the node's params (regtest 0x6f / 0xc4): mainnet's
    0x00 / 0x05 give ErrUnknownAddressType, so 0x40/0x41 answer empty and 0x46 fails."""
    assert call(0x40, addr.encode(), w.reader) == (True, b"")
    assert call(0x46, addr.encode(), w.reader) == (False, b"")
    assert call(0x41, addr.encode() + b"\x00\x00\x00\x00", w.reader) == (True, b"")


def test_segwit_versions_btcd_cannot_decode(w):
    """btcd DecodeAddress supports witness v0 and v1 only (v2 -> undecodable, 0x46 raw error), and reads any
    20-byte program as P2WPKH: a v1 20-byte program pays ``OP_0 <20>`` (btcutil/address.go, the length switch)."""
    from hemi.btc.address import script_to_address

    v2 = script_to_address(bytes([0x52, 32]) + bytes(range(32)))
    v1_short = script_to_address(bytes([0x51, 20]) + bytes(range(20)))
    assert v2.startswith("bcrt1") and v1_short.startswith("bcrt1p")
    assert call(0x46, v2.encode(), w.reader) == (False, b"")
    assert call(0x40, v2.encode(), w.reader) == (True, b"")
    assert ok(0x46, v1_short.encode(), w.reader) == b"\x00\x14" + bytes(range(20))


def test_hex_public_key_is_a_pay_to_pubkey_address(w):
    """btcd DecodeAddress reads 66/130 hex characters as a public key (PayToAddrScript -> P2PK)."""
    hexkey = G_COMPRESSED.hex().encode()
    p2pk_spk = bytes([33]) + G_COMPRESSED + b"\xac"
    assert ok(0x46, hexkey, w.reader) == p2pk_spk
    assert ok(0x40, hexkey, w.reader) == be(77_000, 8)
    assert ok(0x41, hexkey + b"\x00\x00\x00\x00", w.reader) == (b"\x01" + disp(w.p2pk.GetTxid()) + be(0, 2)
                                                                 + be(77_000, 8))
    off_curve = b"02" + b"00" * 32  # x = 0 is not on secp256k1 (0^3 + 7 is not a square)
    assert call(0x46, off_curve, w.reader) == (False, b"")
    assert call(0x46, b"zz" * 33, w.reader) == (False, b"")  # 66 chars, not hex: no base58 fallback in btcd


# ------------------------------------------------------------------------------------------------ 0x41


def utxo_entry(txid: bytes, vout: int, value: int) -> bytes:
    return disp(txid) + be(vout, 2) + be(value, 8)


def test_utxo_list_pagination(w):
    """OPG-T1 ``TestSyntheticFullNodeUtxosPagination``: start = items to skip, count 0 = 10, high byte read."""
    carol = w.btc.wallet("carol").address.encode()
    # heminetwork level.go UtxosByScriptHash: key order = raw (internal) txid bytes, then vout
    entries = [utxo_entry(t.GetTxid(), 0, v) for t, v in sorted(zip(w.paging, (30_000, 20_000, 10_000), strict=True),
                                                                key=lambda tv: tv[0].GetTxid())]
    assert ok(0x41, carol + b"\x00\x00\x00\x02", w.reader) == b"\x02" + entries[0] + entries[1]
    assert ok(0x41, carol + b"\x00\x00\x02\x02", w.reader) == b"\x01" + entries[2]  # offset 2 of 3 -> the last 1
    assert ok(0x41, carol + b"\x00\x00\x01\x01", w.reader) == b"\x01" + entries[1]
    assert ok(0x41, carol + b"\x00\x00\x00\x00", w.reader) == b"\x03" + b"".join(entries)  # count 0 -> 10
    assert ok(0x41, carol + b"\x01\x00\x00\x0a", w.reader) == b"\x00"  # start 65536
    assert ok(0x41, carol + b"\x00\x00\x03\x0a", w.reader) == b"\x00"


def test_utxo_list_default_page_is_ten_in_index_order(w):
    """OPG-T1 ``TestSyntheticFullNodeUtxosByAddress``: framing count ‖ n×(txid ‖ vout(2) ‖ value(8)), index order."""
    alice = w.btc.wallet("alice")
    addr = alice.address.encode()
    # alice's p2wpkh: coinbases of h2..h101 (h1 was spent by `fund`) and her change outputs
    expected = []
    for h in range(1, 109):
        block = w.btc.block(h)
        for tx in block.txs:
            for n, o in enumerate(tx.vout):
                if bytes(o.scriptPubKey) == alice.script_of("p2wpkh"):
                    expected.append((tx.GetTxid(), n, o.nValue))
    spent = {(i.prevout.hash, i.prevout.n) for h in range(1, 109) for tx in w.btc.block(h).txs[1:] for i in tx.vin}
    expected = sorted(e for e in expected if (e[0], e[1]) not in spent)  # leveldb key order: raw txid, then vout
    assert len(expected) > 20
    assert ok(0x41, addr + b"\x00\x00\x00\x00", w.reader) == b"\x0a" + b"".join(utxo_entry(*e) for e in expected[:10])
    assert ok(0x41, addr + b"\x00\x00\x0f\xff", w.reader) == (bytes([len(expected) - 15])
                                                              + b"".join(utxo_entry(*e) for e in expected[15:]))


def test_utxo_list_guards(w):
    """OPG-T1 ``TestSyntheticFullNodePrecompileInputGuards`` (MIN+4-1 -> empty); unfunded -> 0x00; junk -> empty."""
    for n in (0, 4, 27):
        assert call(0x41, b"m" * n, w.reader) == (True, b"")
    assert ok(0x41, w.btc.wallet("nobody").address.encode() + b"\x00\x00\x00\x00", w.reader) == b"\x00"
    assert call(0x41, b"z" * 30 + b"\x00\x00\x00\x00", w.reader) == (True, b"")


# ------------------------------------------------------------------------------------------------ 0x43


def test_confirmations_count_from_the_light_tip_while_indexes_lag(w):
    """OPG-T1 ``TestSyntheticFullNodeTxConfirmations``: uint32(lightTip - txHeight + 1), light tip != indexed tip."""
    assert w.reader.light_tip_height == 110 and w.reader.indexed_tip.height == 108
    assert ok(0x43, disp(w.fund.GetTxid()), w.reader) == be(110 - 102 + 1, 4)
    # in the indexed tip: >= 3 with lag 2 (OPG-C btcTxConfirmations)
    assert ok(0x43, disp(w.spend.GetTxid()), w.reader) == be(3, 4)
    coinbase_102 = w.btc.block(102).txs[0].GetTxid()
    assert ok(0x43, disp(coinbase_102), w.reader) == be(9, 4)


def test_confirmations_unknown_txid_is_a_raw_error(w):
    """OPG-T1 ``TestSyntheticFullNodeTxConfirmations`` tripwire (1): not found -> raw error (CALL fails, gas burned)."""
    assert call(0x43, b"\xab" * 32, w.reader) == (False, b"")
    # mined at h109 but above the indexed tip: unknown to the hVM too
    assert call(0x43, disp(w.late.GetTxid()), w.reader) == (False, b"")
    # internal byte order instead of display order is a different (unknown) txid
    assert call(0x43, w.fund.GetTxid(), w.reader) == (False, b"")


def test_confirmations_wrap_when_the_light_tip_is_below_the_tx(w):
    """OPG-T1 ``TestSyntheticFullNodeTxConfirmations`` tripwire (2): uint64 underflow then uint32 cast, no clamp."""
    low = w.ix.reader(100)
    assert ok(0x43, disp(w.fund.GetTxid()), low) == be(0xFFFFFFFF, 4)  # 100 - 102 + 1 = -1
    assert ok(0x43, disp(w.spend.GetTxid()), w.ix.reader(105)) == be((105 - 108 + 1) & 0xFFFFFFFF, 4)


def test_confirmations_wrong_lengths(w):
    """OPG-T1 ``TestSyntheticFullNodePrecompileInputGuards`` "btcTxConfirmations 31!=32" -> empty success."""
    txid = disp(w.fund.GetTxid())
    for data in (b"", txid[:31], txid + b"\x00", txid + bytes(32)):
        assert call(0x43, data, w.reader) == (True, b"")


# ------------------------------------------------------------------------------------------------ 0x44 / 0x45


@pytest.mark.parametrize("profile", BOTH)
def test_last_header_is_the_indexed_tip_frame(w, profile):
    """OPG-T1 ``TestSyntheticFullNodeBalanceAndTip`` (c): 116-byte frame of the UTXO-indexed tip, input ignored."""
    frame = header_frame(w.btc, 108)
    assert len(frame) == 116
    for data in (b"", b"\x01", bytes(100)):
        assert ok(0x44, data, w.reader, profile) == frame


def test_header_n_hvmphase0_returns_canonical_indexed_headers(w):
    """Intended 0x45 (the hvmphase0 profile; heminetwork main d8c88dc5): the header at that height up to the indexed
    tip, else empty."""
    for h in (0, 1, 55, 107, 108):
        assert ok(0x45, be(h, 4), w.reader) == header_frame(w.btc, h)
    for h in (109, 110, 0xFFFFFFFF):
        assert ok(0x45, be(h, 4), w.reader) == b""


def test_header_n_deployed_is_always_empty(w):
    """OPG-T1 ``TestSyntheticFullNodeHeaderNLibraryLimitation``: BlockInTxIndex key-length bug, always (nil, nil)."""
    for h in (0, 2, 108):
        assert ok(0x45, be(h, 4), w.reader, LATEST) == b""


@pytest.mark.parametrize("profile", BOTH)
def test_header_n_wrong_lengths(w, profile):
    """OPG-T1 ``TestSyntheticFullNodePrecompileInputGuards`` "btcHeaderN 3!=4" -> empty success."""
    for data in (b"", b"\x00", b"\x00\x00\x01", b"\x00\x00\x00\x01\x00"):
        assert call(0x45, data, w.reader, profile) == (True, b"")


def test_reader_follows_the_index_after_a_reorg(w):
    """OPG-T1 ``TestSyntheticFullNodeReorgUnwind``: after the indexes unwind across a fork, 0x44 and lookups follow."""
    btc = BitcoinChain(seed=11)
    alice, bob = btc.wallet("alice"), btc.wallet("bob")
    btc.mine(101, to=alice.address)
    t = alice.send(bob.address, 123_000)
    btc.mine(2)
    ix = BitcoinIndexer(btc)
    ix.index_to(bytes(btc.tip))
    assert ok(0x40, bob.address.encode(), ix.reader(btc.height)) == be(123_000, 8)
    btc.reorg(2, drop=[t])
    ix.index_to(bytes(btc.tip))
    r = ix.reader(btc.height)
    assert ok(0x40, bob.address.encode(), r) == be(0, 8)
    assert ok(0x42, bytes(t.display_bytes) + b"\x40\x00\x00\x00", r) == b""
    assert ok(0x44, b"", r) == header_frame(btc, btc.height)


# ------------------------------------------------------------------------------------------------ fixed-width guards

FIXED_WIDTH = {0x42: 36, 0x43: 32, 0x45: 4, 0x47: 36, 0x48: 36, 0x49: 38}


@pytest.mark.parametrize("address", sorted(FIXED_WIDTH))
@pytest.mark.parametrize("profile", BOTH)
def test_every_wrong_length_is_the_empty_success(w, address, profile):
    """OPG-T1 ``TestSyntheticFullNodePrecompileInputGuards``: each fixed-width precompile rejects every other length
    with ErrHVMInvalidPrecompileInput, which the runner turns into the empty success (OPG-C runPrecompile)."""
    want = FIXED_WIDTH[address]
    txid = disp(w.multi.GetTxid())
    valid = {0x42: txid + HBK_GET_TX, 0x43: txid, 0x45: be(5, 4), 0x47: txid + be(0, 2) + be(16, 2),
             0x48: txid + be(0, 2) + be(16, 2), 0x49: txid + be(0, 2) + be(0, 2) + be(0xFF, 2)}[address]
    assert len(valid) == want
    assert ok(address, valid, w.reader, profile) != b"" or (address, profile) == (0x45, LATEST)
    padded = valid + bytes(64)
    for n in range(0, 70):
        if n != want:
            assert call(address, padded[:n], w.reader, profile) == (True, b""), n


# ------------------------------------------------------------------------------------------------ 0x42


def spent_outpoints(btc: BitcoinChain, upto: int) -> set:
    return {(i.prevout.hash, i.prevout.n) for h in range(1, upto + 1) for tx in btc.block(h).txs[1:] for i in tx.vin}


def witness_count(tx: CTransaction, i: int) -> int:
    return len(tx.wit.vtxinwit[i].scriptWitness.stack) if i < len(tx.wit.vtxinwit) else 0


def ref_tx_frame(btc: BitcoinChain, tx: CTransaction, flags: bytes, profile: str, indexed: int = 108) -> bytes:
    """op-geth contracts.go btcTxByTxid frame written out independently of the code under test (standard scripts:
    unspendable = OP_RETURN)."""
    bf1, bf2, bf3, bf4 = flags
    latest = profile == LATEST
    spent = spent_outpoints(btc, indexed)
    max_in, max_out = 1 << ((bf3 >> 3) & 7), 1 << (bf3 & 7)
    max_sig, max_spk = 1 << (4 + ((bf4 >> 2) & 3)), 1 << (4 + (bf4 & 3))
    out = b""
    if bf1 & 0x40:
        out += disp(bytes(btc.tx(tx.GetTxid()).block_hash))
    if bf1 & 0x20:
        out += be(tx.nVersion, 4)
    if bf1 & 0x10:
        out += be(len(tx.serialize()), 4) + be(len(tx.serialize(params={"include_witness": False})), 4)
    if bf1 & 0x08:
        out += be(tx.nLockTime, 4)
    if bf1 & 0x04:
        if tx.is_coinbase():
            return b""  # the coinbase input's source tx cannot be looked up: the whole call is (nil, nil)
        out += be(len(tx.vin), 2)
        for i, txin in enumerate(tx.vin[:max_in]):
            if latest and bf1 & 0x40:
                out += be(witness_count(tx, i), 2)
            out += be(btc.tx(txin.prevout.hash).tx.vout[txin.prevout.n].nValue, 8)
            if bf1 & 0x02:
                out += disp(txin.prevout.hash) + be(txin.prevout.n, 4 if latest else 2)
            if bf1 & 0x01:
                out += be(len(txin.scriptSig), 2) + bytes(txin.scriptSig)[:max_sig]
            if bf2 & 0x80:
                out += be(txin.nSequence, 4)
    outputs_bit, script_bit = (0x20, 0x10) if latest else (0x40, 0x20)
    if bf2 & outputs_bit:
        listed = [(n, o) for n, o in enumerate(tx.vout)
                  if bf2 & 0x08 or bytes(o.scriptPubKey)[:1] != b"\x6a"]
        out += be(len(listed), 2)
        for n, o in listed[:max_out]:
            spk = bytes(o.scriptPubKey)
            out += be(o.nValue, 8)
            if bf2 & script_bit:
                out += be(len(spk), 2) + spk[:max_spk]
            if bf2 & 0x04:
                unspent = spk[:1] != b"\x6a" and (tx.GetTxid(), n) not in spent
                out += b"\x01" if unspent else b"\x00"
    return out


HBK_GET_TX = bytes([0x7F, 0xFE, (5 << 3) | 5, (2 << 2) | 2])  # BitcoinKit.sol getTransactionByTxId
HBK_EXISTS = bytes([0x04, 0x00, (5 << 3) | 5, (2 << 2) | 2])  # BitcoinKit.sol transactionExists


def hbk_parse(out: bytes) -> dict:
    """BitcoinKit.sol's getTransactionByTxId parser (BTC-TC), transcribed: raises if the frame is too short."""
    pos = 0

    def take(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(out):
            raise ValueError("slice out of range")
        chunk = out[pos:pos + n]
        pos += n
        return chunk

    tx = {"block": take(32), "version": int.from_bytes(take(4), "big"), "size": int.from_bytes(take(4), "big"),
          "vsize": int.from_bytes(take(4), "big"), "locktime": int.from_bytes(take(4), "big")}
    n_in = int.from_bytes(take(2), "big")
    tx["inputs"] = []
    for _ in range(min(n_in, 32)):
        value, txid, index = int.from_bytes(take(8), "big"), take(32), int.from_bytes(take(2), "big")
        full = int.from_bytes(take(2), "big")
        sig = take(min(full, 64))
        tx["inputs"].append((value, txid, index, full, sig, int.from_bytes(take(4), "big")))
    n_out = int.from_bytes(take(2), "big")
    tx["outputs"] = []
    for _ in range(min(n_out, 32)):
        value, full = int.from_bytes(take(8), "big"), int.from_bytes(take(2), "big")
        script = take(min(full, 64))
        tx["outputs"].append((value, full, script, take(1) != b"\x00"))
    tx["total_inputs"], tx["total_outputs"], tx["consumed"] = n_in, n_out, pos
    return tx


def test_bitcoin_kit_get_transaction_frame_hvmphase0(w):
    """BTC-TC ``BitcoinKit.getTransactionByTxId`` (bf1=0x7F, bf2=0xFE, 32 in/out, 64-byte scripts) parses the
    ``max/hvmphase0`` layout (OPG-C0) exactly; every input kind, a truncated P2PKH scriptSig, an OP_RETURN and a
    spent output (flag 0) included."""
    tx, fund = w.multi, w.fund
    block = w.btc.block(103)
    expected = disp(bytes(block.hash)) + be(tx.nVersion, 4) + be(len(tx.serialize()), 4) \
        + be(len(tx.serialize(params={"include_witness": False})), 4) + be(tx.nLockTime, 4) + be(5, 2)
    for txin in tx.vin:
        sig = bytes(txin.scriptSig)
        expected += be(fund.vout[txin.prevout.n].nValue, 8) + disp(txin.prevout.hash) + be(txin.prevout.n, 2) \
            + be(len(sig), 2) + sig[:64] + be(txin.nSequence, 4)
    expected += be(4, 2)
    for n, flag in enumerate((1, 0, 0, 1)):  # carol p2pkh, carol p2tr (spent at 108), OP_RETURN, bob's change
        spk = bytes(tx.vout[n].scriptPubKey)
        expected += be(tx.vout[n].nValue, 8) + be(len(spk), 2) + spk[:64] + bytes([flag])
    out = ok(0x42, disp(tx.GetTxid()) + HBK_GET_TX, w.reader)
    assert out == expected
    assert len(bytes(tx.vin[2].scriptSig)) > 64  # the P2PKH input's scriptSig is truncated, full length reported
    parsed = hbk_parse(out)
    assert parsed["consumed"] == len(out) and parsed["total_inputs"] == 5 and parsed["total_outputs"] == 4
    assert [i[0] for i in parsed["inputs"]] == [1_000_000 + 100_000 * k for k in range(5)]
    assert [o[3] for o in parsed["outputs"]] == [True, False, False, True]  # "isSpent" = the 1-means-unspent flag
    assert parsed["block"] == disp(bytes(block.hash)) and parsed["version"] == 2


def test_bitcoin_kit_parser_misreads_the_newest_layout(w):
    """hemilabs/bitcoin-tunnel-contracts BitcoinKit.sol: under the newest layout (witness word, u32 prevVout)
    BitcoinKit's parse is misaligned."""
    out = ok(0x42, disp(w.multi.GetTxid()) + HBK_GET_TX, w.reader, LATEST)
    assert out == ref_tx_frame(w.btc, w.multi, HBK_GET_TX, LATEST)
    try:
        parsed = hbk_parse(out)
    except ValueError:
        return
    assert parsed["consumed"] != len(out) or [i[0] for i in parsed["inputs"]] != [1_000_000 + 100_000 * k
                                                                                   for k in range(5)]


@pytest.mark.parametrize("profile", BOTH)
def test_transaction_exists_call(w, profile):
    """BTC-TC ``transactionExists`` (bf1=0x04): count ‖ values; unknown -> empty (OPG-T1 ``TxByTxid`` unknown txid);
    a coinbase -> empty (its input's null source tx is unlookupable, OPG-T1 spend test)."""
    tx = w.multi
    out = ok(0x42, disp(tx.GetTxid()) + HBK_EXISTS, w.reader, profile)
    assert out == be(5, 2) + b"".join(be(1_000_000 + 100_000 * k, 8) for k in range(5))
    assert ok(0x42, b"\xde" + bytes(31) + HBK_EXISTS, w.reader, profile) == b""
    assert ok(0x42, disp(w.late.GetTxid()) + HBK_EXISTS, w.reader, profile) == b""  # above the indexed tip
    coinbase = w.btc.block(102).txs[0]
    assert ok(0x42, disp(coinbase.GetTxid()) + HBK_EXISTS, w.reader, profile) == b""


def test_containing_block_only(w):
    """OPG-T1 ``TestSyntheticFullNodeTxByTxid``: bf1=0x40 -> the 32-byte containing block hash (display order)."""
    for h in (102, 103, 108):
        for tx in w.btc.block(h).txs:
            for profile in BOTH:
                out = ok(0x42, disp(tx.GetTxid()) + b"\x40\x00\x00\x00", w.reader, profile)
                assert out == disp(bytes(w.btc.block_hash(h)))


def test_newest_layout_frames_of_opg_t1(w):
    """OPG-T1 frames: run(0x38,0,0,0) -> version ‖ size ‖ strippedSize ‖ locktime; run(0x44,0,0x08,0) -> blockHash ‖
    n ‖ per input [witCount ‖ value]; run(0x00,0x24,..) -> outputs + spent flag (spent cb1 reports 0)."""
    tx = w.multi
    txid = disp(tx.GetTxid())
    stripped = len(tx.serialize(params={"include_witness": False}))
    assert ok(0x42, txid + b"\x38\x00\x00\x00", w.reader, LATEST) == (
        be(2, 4) + be(len(tx.serialize()), 4) + be(stripped, 4) + be(0, 4))
    want = disp(bytes(w.btc.block_hash(103))) + be(5, 2)
    for i in range(2):  # bf3=0x08 -> maxInputs 2
        want += be(witness_count(tx, i), 2) + be(1_000_000 + 100_000 * i, 8)
    assert ok(0x42, txid + b"\x44\x00\x08\x00", w.reader, LATEST) == want
    assert witness_count(tx, 0) == 2 and witness_count(tx, 2) == 0 and witness_count(tx, 4) == 1
    # hvmphase0 has no witness word even though bit6 is set: the block hash, then the value-only inputs
    assert ok(0x42, txid + b"\x44\x00\x08\x00", w.reader, V1) == (
        disp(bytes(w.btc.block_hash(103))) + be(5, 2) + be(1_000_000, 8) + be(1_100_000, 8))
    # outputs + spent: bf2=0x24 (latest) lists the 3 spendable outputs, max 2 -> carol p2pkh (1), carol p2tr (0)
    assert ok(0x42, txid + b"\x00\x24\x01\x00", w.reader, LATEST) == (
        be(3, 2) + be(2_000_000, 8) + b"\x01" + be(1_500_000, 8) + b"\x00")
    # the same bits mean "script + spent-by" in hvmphase0 with no outputs flag: nothing
    assert ok(0x42, txid + b"\x00\x24\x01\x00", w.reader, V1) == b""
    # the spent coinbase path (OPG-T1 dCb): the h102 coinbase output is unspent, the h1 one was spent by `fund`
    cb1 = w.btc.block(1).txs[0]
    assert ok(0x42, disp(cb1.GetTxid()) + b"\x00\x24\x00\x00", w.reader, LATEST) == (
        be(1, 2) + be(cb1.vout[0].nValue, 8) + b"\x00")
    assert ok(0x42, disp(cb1.GetTxid()) + b"\x00\x44\x00\x00", w.reader, V1) == (
        be(1, 2) + be(cb1.vout[0].nValue, 8) + b"\x00")


def test_truncation_reports_full_counts_and_lengths(w):
    """OPG-T1 count-chop: txInLen reports the FULL count while only maxInputs entries are emitted; script chops keep
    the full length word (OPG-T1 (F),(G),(H))."""
    tx = w.multi
    txid = disp(tx.GetTxid())
    # 1 input, 1 output, 16-byte scripts, with sources, sigs, sequences, scripts, unspendable and spent flag
    out = ok(0x42, txid + bytes([0x07, 0xFC, 0x00, 0x00]), w.reader, V1)
    i0 = tx.vin[0]
    spk0 = bytes(tx.vout[0].scriptPubKey)
    assert out == (be(5, 2) + be(1_000_000, 8) + disp(i0.prevout.hash) + be(i0.prevout.n, 2) + be(0, 2)
                   + be(i0.nSequence, 4) + be(4, 2) + be(2_000_000, 8) + be(25, 2) + spk0[:16] + b"\x01")
    # the P2PKH input (index 2) with 16-byte sig cap: length word says the full length
    out = ok(0x42, txid + bytes([0x05, 0x00, 0x10, 0x00]), w.reader, V1)  # 4 inputs with sigs
    sig2 = bytes(tx.vin[2].scriptSig)
    sig1 = bytes(tx.vin[1].scriptSig)  # P2SH-P2WPKH redeem script push, 23 bytes
    assert out == (be(5, 2) + be(1_000_000, 8) + be(0, 2) + be(1_100_000, 8) + be(23, 2) + sig1[:16]
                   + be(1_200_000, 8) + be(len(sig2), 2) + sig2[:16] + be(1_300_000, 8) + be(0, 2))
    for profile in BOTH:
        for flags in (bytes([0x07, 0xFC, 0x00, 0x00]), bytes([0x05, 0x00, 0x10, 0x00]),
                      bytes([0x07, 0xFE, 0x3F, 0x0F])):
            assert ok(0x42, txid + flags, w.reader, profile) == ref_tx_frame(w.btc, tx, flags, profile)


def test_unspendable_outputs_are_excluded_from_the_count_unless_asked(w):
    """op-geth contracts.go btcTxByTxid: the output count excludes OP_RETURN unless bf2 bit3 is set; entries
    likewise."""
    tx = w.fund  # 5 payments, OP_RETURN at index 5, change at 6
    txid = disp(tx.GetTxid())
    without = ok(0x42, txid + bytes([0x00, 0x40, 0x07, 0x00]), w.reader, V1)
    assert without == be(6, 2) + b"".join(be(o.nValue, 8) for n, o in enumerate(tx.vout) if n != 5)
    with_ = ok(0x42, txid + bytes([0x00, 0x48, 0x07, 0x00]), w.reader, V1)
    assert with_ == be(7, 2) + b"".join(be(o.nValue, 8) for o in tx.vout)
    assert ok(0x42, txid + bytes([0x00, 0x28, 0x07, 0x00]), w.reader, LATEST) == with_


def test_reserved_bits_emit_nothing_in_hvmphase0(w):
    """OPG-C0: bf1 bit7 (tx hash), bf2 bit4 (output address) and bf2 bit1 (spent-by) are reserved."""
    txid = disp(w.fund.GetTxid())
    assert ok(0x42, txid + bytes([0x80, 0x12, 0x3F, 0x0F]), w.reader, V1) == b""
    base = ok(0x42, txid + bytes([0x20, 0x64, 0x3F, 0x0F]), w.reader, V1)
    assert ok(0x42, txid + bytes([0xA0, 0x76, 0x3F, 0x0F]), w.reader, V1) == base


# A deterministic sample of flag combinations, checked against the reference for several transactions.
_FLAG_SAMPLE = [bytes([a, b, c, d]) for a, b, c, d in
                [(0x7F, 0xFE, 0x2D, 0x0A), (0xFF, 0xFF, 0xFF, 0xFF), (0x00, 0x00, 0x00, 0x00),
                 (0x3F, 0xFC, 0x12, 0x05), (0x40, 0x3C, 0x09, 0x03), (0x47, 0xBC, 0x00, 0x00),
                 (0x1B, 0x6C, 0x3F, 0x0C), (0x04, 0x80, 0x38, 0x00)]]
_FLAG_SAMPLE += [bytes(((i * 37 + 11) % 256, (i * 91 + 5) % 256, (i * 13) % 64, (i * 7) % 16)) for i in range(24)]


@pytest.mark.parametrize("profile", BOTH)
def test_flag_combinations_match_the_reference(w, profile):
    """op-geth contracts.go btcTxByTxid (and max/hvmphase0) field order and both layouts, over many flag combinations
    and transactions of every shape."""
    txs = [w.fund, w.multi, w.spend, w.p2pk, *w.paging, w.btc.block(102).txs[0], w.btc.block(1).txs[0]]
    for tx in txs:
        for flags in _FLAG_SAMPLE:
            got = ok(0x42, disp(tx.GetTxid()) + flags, w.reader, profile)
            assert got == ref_tx_frame(w.btc, tx, flags, profile), (tx.GetTxid()[::-1].hex(), flags.hex())


# ------------------------------------------------------------------------------------------------ 0x47


@pytest.mark.parametrize("profile", BOTH)
def test_input_by_txid_every_input_kind(w, profile):
    """OPG-T1 ``TestSyntheticFullNodeSpendPrecompiles`` assertInput: witnessCount(2) ‖ value(8) ‖ prevTxid(32) ‖
    prevIdx(2) ‖ sigLen(2) ‖ sig ‖ seq(4), index and max at offsets 32..35."""
    tx = w.multi
    for i, txin in enumerate(tx.vin):
        sig = bytes(txin.scriptSig)
        want = (be(witness_count(tx, i), 2) + be(w.fund.vout[txin.prevout.n].nValue, 8) + disp(txin.prevout.hash)
                + be(txin.prevout.n, 2) + be(len(sig), 2) + sig + be(txin.nSequence, 4))
        assert ok(0x47, disp(tx.GetTxid()) + be(i, 2) + be(1000, 2), w.reader, profile) == want


def test_input_by_txid_chops_the_script_sig(w):
    """OPG-T1 "chopped input": sigLen word = FULL length, only max bytes appended, sequence follows."""
    tx = w.multi
    txin = tx.vin[2]  # P2PKH: signature + pubkey
    sig = bytes(txin.scriptSig)
    out = ok(0x47, disp(tx.GetTxid()) + be(2, 2) + be(2, 2), w.reader)
    assert out == (be(0, 2) + be(1_200_000, 8) + disp(txin.prevout.hash) + be(txin.prevout.n, 2) + be(len(sig), 2)
                   + sig[:2] + be(txin.nSequence, 4))
    assert ok(0x47, disp(tx.GetTxid()) + be(2, 2) + be(0, 2), w.reader)[44:] == be(len(sig), 2) + be(0xFFFFFFFD, 4)


def test_input_by_txid_empty_cases(w):
    """OPG-T1: index out of range / unknown tx -> (nil, nil); a coinbase input -> (nil, nil) (null source tx)."""
    tx = w.multi
    assert ok(0x47, disp(tx.GetTxid()) + be(5, 2) + be(100, 2), w.reader) == b""
    assert ok(0x47, disp(tx.GetTxid()) + be(0xFFFF, 2) + be(100, 2), w.reader) == b""
    assert ok(0x47, b"\x01" * 32 + be(0, 2) + be(100, 2), w.reader) == b""
    coinbase = w.btc.block(103).txs[0]
    assert ok(0x47, disp(coinbase.GetTxid()) + be(0, 2) + be(100, 2), w.reader) == b""


# ------------------------------------------------------------------------------------------------ 0x48


@pytest.mark.parametrize("profile", BOTH)
def test_output_by_txid_unspent_outputs(w, profile):
    """OPG-T1 assertOutput: value(8) ‖ pkScriptLen(2) ‖ pkScript ‖ 1 (= UNSPENT, inverse of the field name)."""
    tx = w.multi
    for n in (0, 3):
        spk = bytes(tx.vout[n].scriptPubKey)
        want = be(tx.vout[n].nValue, 8) + be(len(spk), 2) + spk + b"\x01"
        assert ok(0x48, disp(tx.GetTxid()) + be(n, 2) + be(256, 2), w.reader, profile) == want


def test_output_by_txid_spent_and_op_return_are_empty(w):
    """OPG-T1 "DISCOVERED LIMITATION": a spent output returns (nil, nil); so does an OP_RETURN (never in the set)."""
    txid = disp(w.multi.GetTxid())
    assert ok(0x48, txid + be(1, 2) + be(256, 2), w.reader) == b""  # spent at h108
    assert ok(0x48, txid + be(2, 2) + be(256, 2), w.reader) == b""  # OP_RETURN
    # one block earlier in the index, multi:1 was still unspent
    ix = BitcoinIndexer(w.btc)
    ix.index_to(bytes(w.btc.block_hash(107)))
    spk = bytes(w.multi.vout[1].scriptPubKey)
    assert ok(0x48, txid + be(1, 2) + be(256, 2), ix.reader(109)) == be(1_500_000, 8) + be(34, 2) + spk + b"\x01"


def test_output_by_txid_chop_and_range(w):
    """OPG-T1 "chopped output": pkLen word = FULL length, only max bytes, spent byte follows; out of range -> empty."""
    txid = disp(w.multi.GetTxid())
    spk = bytes(w.multi.vout[0].scriptPubKey)
    assert ok(0x48, txid + be(0, 2) + be(10, 2), w.reader) == be(2_000_000, 8) + be(25, 2) + spk[:10] + b"\x01"
    assert ok(0x48, txid + be(0, 2) + be(0, 2), w.reader) == be(2_000_000, 8) + be(25, 2) + b"\x01"
    assert ok(0x48, txid + be(4, 2) + be(10, 2), w.reader) == b""
    assert ok(0x48, b"\x02" * 32 + be(0, 2) + be(10, 2), w.reader) == b""


# ------------------------------------------------------------------------------------------------ 0x49


@pytest.mark.parametrize("profile", BOTH)
def test_input_witness_elements(w, profile):
    """OPG-T1 assertWitness: fullLen(2) ‖ element, for every (input, witness index) of every input kind."""
    tx = w.multi
    txid = disp(tx.GetTxid())
    seen = 0
    for i in range(len(tx.vin)):
        stack = [bytes(x) for x in tx.wit.vtxinwit[i].scriptWitness.stack]
        for j, element in enumerate(stack):
            got = ok(0x49, txid + be(i, 2) + be(j, 2) + be(0xFF, 2), w.reader, profile)
            assert got == be(len(element), 2) + element
            seen += 1
        # witness index == len -> (nil, nil) (OPG-T1 boundary probe); no witness at all (P2PKH) -> (nil, nil)
        assert ok(0x49, txid + be(i, 2) + be(len(stack), 2) + be(0xFF, 2), w.reader, profile) == b""
    assert seen == 2 + 2 + 0 + 2 + 1


def test_input_witness_chop_range_and_coinbase(w):
    """OPG-T1 "chopped witness": length word = FULL length, maxLen bytes appended; the coinbase's BIP 141 reserved
    value is a real witness element."""
    tx = w.multi
    txid = disp(tx.GetTxid())
    sig = bytes(tx.wit.vtxinwit[0].scriptWitness.stack[0])
    assert ok(0x49, txid + be(0, 2) + be(0, 2) + be(1, 2), w.reader) == be(len(sig), 2) + sig[:1]
    assert ok(0x49, txid + be(0, 2) + be(0, 2) + be(0, 2), w.reader) == be(len(sig), 2)
    assert ok(0x49, txid + be(5, 2) + be(0, 2) + be(0xFF, 2), w.reader) == b""
    assert ok(0x49, b"\x03" * 32 + be(0, 2) + be(0, 2) + be(0xFF, 2), w.reader) == b""
    coinbase = w.btc.block(103).txs[0]
    assert ok(0x49, disp(coinbase.GetTxid()) + bytes(4) + be(0xFF, 2), w.reader) == be(32, 2) + bytes(32)
