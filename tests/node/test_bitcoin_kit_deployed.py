"""The deployed hBK (profile "deployed") field by field, against the Bitcoin chain's own data and the raw 0x42 bytes.

The kit answers hemi-viem's ABI (hemilabs/hemi-viem src/contracts/bitcoin-kit-txs.ts) by parsing the newest 0x42
frame (hemilabs/op-geth core/vm/contracts.go btcTxByTxid; vectors in core/vm/tbc_fullnode_synthetic_deeptx_test.go):
a u16 witness-count word before each input when bf1 bit6 is set, a u32 prevout index, outputs on bf2 bit5, scripts
on bf2 bit4, the spent flag on bf2 bit2 (1 = unspent), count and length words reporting the full value. The world
below holds what a kit must survive: 36 inputs and 130+ outputs (over the 32-entry limit), P2PKH scriptSigs and a
67-byte P2PK script (over the 64-byte limit), witness inputs of three kinds, a coinbase, OP_RETURN and spent outputs.
Expected values come from python-bitcoinlib objects of the embedded chain; a small independent parser of the raw
0x42 answer (read with eth_call) checks the kit against the precompile bytes as well.
"""

from __future__ import annotations

import pytest
from bitcoin.core import CTransaction
from bitcoin.core.script import CScript
from web3.exceptions import ContractLogicError

from hemi.btc import COIN
from hemi.devchain import Devchain

# secp256k1's generator as an uncompressed public key: a pay-to-pubkey script of 67 bytes (> 64)
G_UNCOMPRESSED = bytes.fromhex(
    "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8")
P2PK_LONG = bytes([65]) + G_UNCOMPRESSED + b"\xac"
KINDS = ("p2wpkh", "p2tr", "p2pkh", "p2sh-p2wpkh")
FULL_FLAGS = bytes([0x7F, 0xBC, 0x2D, 0x0A])  # what the kit asks: 32 inputs/outputs, 64-byte scripts
LIMIT, SCRIPT_LIMIT = 32, 64
FAN_OUT = 131


@pytest.fixture(scope="module")
def world():
    dev = Devchain(hvm_profile="deployed")
    btc = dev.btc
    alice, bob, carol = btc.wallet("alice"), btc.wallet("bob"), btc.wallet("carol")
    btc.mine(2, to=alice.address_of("p2pkh"))
    btc.mine(101, to=alice.address)
    outs = [(bob.address_of(KINDS[i % 4]), 100_000 + i) for i in range(FAN_OUT)] + [(P2PK_LONG, 50_000)]
    fan_out = btc.send_raw(alice.build_tx(outputs=outs, op_return=b"hemi fan-out"))
    legacy = btc.send_raw(alice.build_tx(carol.address_of("p2pkh"), COIN, from_kind="p2pkh"))
    btc.mine(1)
    mine = {u.vout: u for u in bob.utxos if u.txid == fan_out}
    spend = [mine[v] for v in sorted(mine) if v < 35] + [mine[128]]
    fan_in = btc.send_raw(bob.build_tx(carol.address, 3 * COIN // 100, inputs=spend, op_return=b"in"))
    btc.mine(4)
    dev.sync_btc()
    coinbase = btc.block(105).txids[0]
    return dev, {"fan_out": fan_out, "fan_in": fan_in, "legacy": legacy, "coinbase": coinbase}


def kit(dev):
    return dev.bitcoin_kit.functions


# ------------------------------------------------------------------------------------------ expected from the chain


def _witness_count(tx: CTransaction, i: int) -> int:
    wit = tx.wit.vtxinwit
    return len(wit[i].scriptWitness.stack) if i < len(wit) else 0


def _push_after_op_return(script: bytes) -> bytes:
    ops = list(CScript(script))
    return bytes(ops[1]) if len(ops) > 1 and isinstance(ops[1], bytes) else b""


def expected_input(dev, tx: CTransaction, i: int) -> tuple:
    txin = tx.vin[i]
    source = dev.btc.tx(txin.prevout.hash[::-1].hex()).tx
    sig = bytes(txin.scriptSig)
    return (_witness_count(tx, i), source.vout[txin.prevout.n].nValue, txin.prevout.hash[::-1], txin.prevout.n,
            sig[:SCRIPT_LIMIT], txin.nSequence, len(sig), len(sig) <= SCRIPT_LIMIT)


def expected_output(dev, txid, tx: CTransaction, vout: int) -> tuple:
    spk = bytes(tx.vout[vout].scriptPubKey)
    is_return = spk[:1] == b"\x6a"
    spent = dev.btc.get_txout(txid, vout, include_mempool=False) is None  # an OP_RETURN is never in the UTXO set
    return (tx.vout[vout].nValue, spk[:SCRIPT_LIMIT], "", is_return,
            _push_after_op_return(spk) if is_return else b"", spent, len(spk), len(spk) <= SCRIPT_LIMIT)


def expected_tx(dev, txid, *, coinbase: bool = False) -> tuple:
    info = dev.btc.tx(txid)
    tx = info.tx
    stripped = CTransaction(tx.vin, tx.vout, tx.nLockTime, tx.nVersion)
    inputs = [] if coinbase else [expected_input(dev, tx, i) for i in range(min(len(tx.vin), LIMIT))]
    outputs = [expected_output(dev, txid, tx, v) for v in range(min(len(tx.vout), LIMIT))]
    total_in = 0 if coinbase else len(tx.vin)
    return (info.block_hash.display_bytes, tx.nVersion, len(tx.serialize()), len(stripped.serialize()), tx.nLockTime,
            inputs, outputs, total_in, len(tx.vout), not coinbase and total_in <= LIMIT, len(tx.vout) <= LIMIT)


# ------------------------------------------------------------------------------------ independent 0x42 frame parser


def precompile_0x42(dev, txid, flags: bytes = FULL_FLAGS) -> bytes:
    data = bytes(txid.display_bytes) + flags
    return bytes(dev.w3.eth.call({"to": "0x" + "00" * 19 + "42", "data": "0x" + data.hex()}))


def parse_frame(raw: bytes) -> dict:
    """The newest layout for bf1=0x7F, bf2=0xBC (op-geth contracts.go btcTxByTxid, field by field)."""
    pos = 0

    def take(n: int) -> bytes:
        nonlocal pos
        pos += n
        assert pos <= len(raw), "frame shorter than its fields"
        return raw[pos - n:pos]

    def u(n: int) -> int:
        return int.from_bytes(take(n), "big")

    frame = {"block": take(32), "version": u(4), "size": u(4), "stripped": u(4), "locktime": u(4)}
    n_in = u(2)
    frame["inputs"] = [(u(2), u(8), take(32), u(4), take(min(ln := u(2), SCRIPT_LIMIT)), ln, u(4))
                       for _ in range(min(n_in, LIMIT))]
    n_out = u(2)
    frame["outputs"] = [(u(8), take(min(ln := u(2), SCRIPT_LIMIT)), ln, u(1)) for _ in range(min(n_out, LIMIT))]
    frame["n_in"], frame["n_out"] = n_in, n_out
    assert pos == len(raw), "trailing bytes"
    return frame


# ---------------------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("name", ["fan_out", "fan_in", "legacy"])
def test_get_transaction_by_txid_is_the_chains_transaction(world, name):
    dev, txs = world
    txid = txs[name]
    assert kit(dev).getTransactionByTxId(txid.display_bytes).call() == expected_tx(dev, txid)


@pytest.mark.parametrize("name", ["fan_out", "fan_in", "legacy"])
def test_the_kit_reads_the_precompile_bytes_field_by_field(world, name):
    """Each Transaction field is the 0x42 frame's field (op-geth contracts.go btcTxByTxid emit order)."""
    dev, txs = world
    txid = txs[name]
    frame = parse_frame(precompile_0x42(dev, txid))
    got = kit(dev).getTransactionByTxId(txid.display_bytes).call()
    assert (got[0], got[1], got[2], got[3], got[4]) == (frame["block"], frame["version"], frame["size"],
                                                        frame["stripped"], frame["locktime"])
    assert (got[7], got[8]) == (frame["n_in"], frame["n_out"])
    assert [(i[0], i[1], i[2], i[3], i[4], i[6], i[5]) for i in got[5]] == frame["inputs"]
    assert [(o[0], o[1], o[6], 0 if o[5] else 1) for o in got[6]] == frame["outputs"]


def test_truncation_is_reported_not_hidden(world):
    dev, txs = world
    fan_out = kit(dev).getTransactionByTxId(txs["fan_out"].display_bytes).call()
    assert fan_out[8] == len(dev.btc.tx(txs["fan_out"]).tx.vout) > FAN_OUT and len(fan_out[6]) == LIMIT
    assert fan_out[10] is False
    fan_in = kit(dev).getTransactionByTxId(txs["fan_in"].display_bytes).call()
    assert fan_in[7] == 36 and len(fan_in[5]) == LIMIT and fan_in[9] is False
    p2pkh = [i for i in fan_in[5] if i[0] == 0 and i[6] > SCRIPT_LIMIT]
    assert p2pkh and all(len(i[4]) == SCRIPT_LIMIT and i[7] is False for i in p2pkh)
    assert sorted({i[0] for i in fan_in[5]}) == [0, 1, 2]  # p2pkh, p2tr (key path), p2wpkh / p2sh-p2wpkh
    tx = dev.btc.tx(txs["fan_out"]).tx
    vout = [bytes(o.scriptPubKey) for o in tx.vout].index(P2PK_LONG)
    long_out = kit(dev).getSpecificTxOutput(txs["fan_out"].display_bytes, vout).call()
    assert (long_out[1], long_out[6], long_out[7]) == (P2PK_LONG[:SCRIPT_LIMIT], len(P2PK_LONG), False)


def test_spent_and_op_return_outputs(world):
    dev, txs = world
    txid = txs["fan_out"]
    tx = dev.btc.tx(txid).tx
    got = kit(dev).getTransactionByTxId(txid.display_bytes).call()[6]
    spent = {v for v in range(LIMIT) if dev.btc.get_txout(txid, v, include_mempool=False) is None}
    assert {v for v, o in enumerate(got) if o[5]} == spent and set(range(min(35, LIMIT))) <= spent
    fan_in = kit(dev).getTransactionByTxId(txs["fan_in"].display_bytes).call()[6]
    (ret,) = [o for o in fan_in if o[3]]
    assert ret[4] == b"in" and ret[5] is True  # an OP_RETURN is never available to spend: flag 0
    ret_in = [bytes(o.scriptPubKey)[:1] for o in dev.btc.tx(txs["fan_in"]).tx.vout].index(b"\x6a")
    assert kit(dev).getSpecificTxOutput(txs["fan_in"].display_bytes, ret_in).call() == ret
    # the fan-out's OP_RETURN sits past index 127, where only 0x48 reaches, and 0x48 answers empty for an output
    # that is not in the UTXO set (op-geth contracts.go btcOutputByTxid): the kit cannot read it there
    ret_vout = [bytes(o.scriptPubKey)[:1] for o in tx.vout].index(b"\x6a")
    assert ret_vout >= 128
    with pytest.raises(ContractLogicError, match="output not found"):
        kit(dev).getSpecificTxOutput(txid.display_bytes, ret_vout).call()


def test_specific_inputs_and_outputs_at_every_index(world):
    """Inputs past 32 come from 0x47, outputs up to 127 from 0x42, past 127 from 0x48 (unspent only)."""
    dev, txs = world
    fan_in, fan_out = txs["fan_in"], txs["fan_out"]
    tx_in, tx_out = dev.btc.tx(fan_in).tx, dev.btc.tx(fan_out).tx
    for i in (0, 31, 32, 35):
        got = kit(dev).getSpecificTxInput(fan_in.display_bytes, i).call()
        assert got == expected_input(dev, tx_in, i), i
    with pytest.raises(ContractLogicError, match="input not found"):
        kit(dev).getSpecificTxInput(fan_in.display_bytes, 36).call()
    for v in (0, 40, 127, 129, len(tx_out.vout) - 1):
        if v >= 128 and dev.btc.get_txout(fan_out, v, include_mempool=False) is None:
            continue
        assert kit(dev).getSpecificTxOutput(fan_out.display_bytes, v).call() == \
            expected_output(dev, fan_out, tx_out, v), v
    # vout 128 is spent by fan_in: 0x48 knows only unspent outputs, so past index 127 the kit cannot read it
    assert dev.btc.get_txout(fan_out, 128, include_mempool=False) is None
    with pytest.raises(ContractLogicError, match="output not found"):
        kit(dev).getSpecificTxOutput(fan_out.display_bytes, 128).call()
    with pytest.raises(ContractLogicError, match="output not found"):
        kit(dev).getSpecificTxOutput(fan_out.display_bytes, len(tx_out.vout)).call()


def test_counts_are_the_real_counts(world):
    dev, txs = world
    for name in ("fan_out", "fan_in", "legacy"):
        tx = dev.btc.tx(txs[name]).tx
        assert kit(dev).getTxInputCount(txs[name].display_bytes).call() == len(tx.vin)
        assert kit(dev).getTxOutputCount(txs[name].display_bytes).call() == len(tx.vout)


def test_a_coinbase_is_returned_without_inputs(world):
    """0x42 gives nothing when asked for a coinbase's inputs (its null prevout cannot be looked up; op-geth
    tbc_fullnode_synthetic_deeptx_test.go notes "a coinbase input bails earlier"), so the kit returns the
    transaction's other fields and outputs with containsAllInputs false instead of reverting."""
    dev, txs = world
    cb = txs["coinbase"]
    assert precompile_0x42(dev, cb) == b""
    got = kit(dev).getTransactionByTxId(cb.display_bytes).call()
    assert got == expected_tx(dev, cb, coinbase=True)
    assert got[5] == [] and got[9] is False and any(o[3] for o in got[6])  # the witness commitment OP_RETURN
    assert kit(dev).transactionExists(cb.display_bytes).call() is True
    assert kit(dev).getTxOutputCount(cb.display_bytes).call() == len(dev.btc.tx(cb).tx.vout)
    with pytest.raises(ContractLogicError, match="input not found"):
        kit(dev).getSpecificTxInput(cb.display_bytes, 0).call()


def test_unknown_txids(world):
    dev, _ = world
    unknown = b"\x42" * 32
    assert kit(dev).transactionExists(unknown).call() is False
    for fn in ("getTransactionByTxId", "getTxInputCount", "getTxOutputCount"):
        with pytest.raises(ContractLogicError, match="Bitcoin transaction not found"):
            getattr(kit(dev), fn)(unknown).call()
    with pytest.raises(ContractLogicError):
        kit(dev).getTxConfirmations(unknown).call()


def test_addresses_balances_utxos_and_headers(world):
    dev, txs = world
    bob = dev.btc.wallet("bob")
    for kind in KINDS:
        addr = bob.address_of(kind)
        assert kit(dev).getBitcoinAddressBalance(addr).call() == dev.btc.balance(addr)
        assert kit(dev).isAddressValid(addr).call() is True
        assert kit(dev).getScriptForAddress(addr).call() == bob.script_of(kind)
        page = kit(dev).getUTXOsForBitcoinAddress(addr, 0, 200).call()
        assert sorted((u[0], u[1], u[2]) for u in page) == \
            sorted((u.txid.display_bytes, u.vout, u.value) for u in dev.btc.utxos(addr))
        assert {u[3] for u in page} == {bob.script_of(kind)}
    assert kit(dev).isAddressValid("not a bitcoin address at all").call() is False
    with pytest.raises(ContractLogicError):
        kit(dev).getScriptForAddress("not a bitcoin address at all").call()
    view = dev.hvm_view()
    last = kit(dev).getLastHeader().call()
    hdr = dev.btc.header(view.indexed_height)
    assert (last[0], last[1], last[3], last[5], last[6], last[7]) == \
        (view.indexed_height, hdr.hash.display_bytes, hdr.prev_hash.display_bytes, hdr.time, hdr.bits, hdr.nonce)
    # 0x45 is always empty on deployed Hemi (op-geth TestSyntheticFullNodeHeaderNLibraryLimitation)
    with pytest.raises(ContractLogicError, match="Failed to retrieve specified Bitcoin header"):
        kit(dev).getHeaderN(1).call()
    conf = view.light_tip_height - dev.btc.tx(txs["fan_in"]).height + 1
    assert kit(dev).getTxConfirmations(txs["fan_in"].display_bytes).call() == conf


def test_hvmphase0_profile_predeploys_the_published_kit():
    """Under hvmphase0 the kit is the published one (hemilabs/bitcoin-tunnel-contracts BitcoinKit.sol): its
    Transaction has no witnessElements, and Output carries a spentDetail."""
    dev = Devchain(hvm_profile="hvmphase0")
    alice = dev.btc.wallet("alice")
    dev.btc.mine(101, to=alice.address)
    txid = alice.send(dev.btc.wallet("bob").address, COIN, op_return=b"p0")
    dev.btc.mine(3)
    dev.sync_btc()
    got = dev.bitcoin_kit.functions.getTransactionByTxId(txid.display_bytes).call()
    tx = dev.btc.tx(txid).tx
    assert [o[0] for o in got[6]] == [o.nValue for o in tx.vout]
    assert [(i[1], i[2]) for i in got[5]] == [(t.prevout.hash[::-1], t.prevout.n) for t in tx.vin]
    assert len(got[5][0]) == 7 and len(got[6][0]) == 9  # the published Input / Output shapes
    assert dev.bitcoin_kit.functions.getTransactionOutputsByTxId(txid.display_bytes).call() == got[6]
