"""The deployed kit's 0x42 parser never reverts on a frame the precompile can emit, whatever the transaction's shape.

Transactions too odd to build on regtest (up to 70 inputs and outputs, scriptSigs and scripts up to 300 bytes,
32-bit prevout indices, big witness stacks, OP_RETURN and unparseable scripts) are framed by the devchain's own 0x42
(``hemi.hvm.precompiles.btc_tx_by_txid``, profile "deployed", with the kit's flags 7F BC 2D 0A) and parsed by
``BitcoinKit.parseTransaction`` through contracts/test/BitcoinKitHarness.sol. The parse must equal the transaction:
counts are the real ones, at most 32 entries, scripts cut at 64 bytes with the truncation flags right (layout:
hemilabs/op-geth core/vm/contracts.go btcTxByTxid).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bitcoin.core import COutPoint, CTransaction, CTxIn, CTxInWitness, CTxOut, CTxWitness
from bitcoin.core.script import CScript, CScriptWitness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hemi.compiler import compile
from hemi.devchain import Devchain
from hemi.hvm.precompiles import btc_tx_by_txid
from hemi.hvm.view import IndexedTx

HARNESS = Path(__file__).resolve().parents[2] / "contracts" / "test" / "BitcoinKitHarness.sol"
FLAGS = bytes([0x7F, 0xBC, 0x2D, 0x0A])
LIMIT = 32
BLOCK = bytes(range(32))


class OneTx:
    """A reader that knows one transaction: what 0x42 needs to frame it."""

    def __init__(self, itx: IndexedTx) -> None:
        self.itx = itx

    def transaction(self, txid: bytes):
        return self.itx if txid == self.itx.txid else None


@pytest.fixture(scope="module")
def harness():
    art = compile(HARNESS)["BitcoinKitHarness"]
    dev = Devchain(predeploy_bitcoin_kit=False, predeploy_tunnel=False)
    w3 = dev.w3
    factory = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": dev.accounts[0]}))
    return w3.eth.contract(address=receipt.contractAddress, abi=art.abi)


scripts = st.binary(max_size=300)
inputs = st.lists(st.tuples(st.binary(min_size=32, max_size=32), st.integers(0, 2**32 - 2), scripts,
                            st.integers(0, 2**32 - 1), st.lists(st.binary(max_size=3), max_size=40),
                            st.integers(0, 21 * 10**14)), min_size=1, max_size=70)
outputs = st.lists(st.tuples(st.integers(0, 21 * 10**14), st.one_of(scripts, st.binary(max_size=80).map(
    lambda d: b"\x6a" + bytes([len(d)]) + d)), st.booleans()), max_size=70)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ins=inputs, outs=outputs, version=st.integers(0, 2**32 - 1), locktime=st.integers(0, 2**32 - 1))
def test_any_frame_parses_to_the_transaction(harness, ins, outs, version, locktime):
    vin = [CTxIn(COutPoint(h, n), CScript(sig), seq) for h, n, sig, seq, _, _ in ins]
    wit = CTxWitness([CTxInWitness(CScriptWitness(stack)) for *_, stack, _ in ins])
    tx = CTransaction(vin, [CTxOut(v, CScript(s)) for v, s, _ in outs], locktime, version & 0x7FFFFFFF, wit)
    stripped = CTransaction(vin, tx.vout, tx.nLockTime, tx.nVersion)
    txid = tx.GetTxid()
    itx = IndexedTx(tx=tx, txid=txid, block_hash=BLOCK, height=1, size=len(tx.serialize()),
                    stripped_size=len(stripped.serialize()), spent_values=tuple(v for *_, v in ins),
                    output_unspent=tuple(u and not s.startswith(b"\x6a") for _, s, u in outs))
    frame = btc_tx_by_txid(txid[::-1] + FLAGS, OneTx(itx), "deployed")
    assert frame, "0x42 frames every transaction without a coinbase input"
    got = harness.functions.parseTxFrame(frame).call()

    assert list(got[:5]) == [BLOCK[::-1], tx.nVersion, itx.size, itx.stripped_size, locktime]
    assert (got[7], got[8]) == (len(vin), len(outs))
    assert (got[9], got[10]) == (len(vin) <= LIMIT, len(outs) <= LIMIT)
    want_in = [(len(stack), value, h[::-1], n, sig[:64], seq, len(sig), len(sig) <= 64)
               for h, n, sig, seq, stack, value in ins[:LIMIT]]
    assert [tuple(i) for i in got[5]] == want_in
    want_out = []
    for v, s, unspent in outs[:LIMIT]:
        is_return = s[:1] == b"\x6a"
        data = s[2:2 + s[1]][:62] if is_return and len(s) > 1 and 1 <= s[1] <= 0x4B else None
        want_out.append((v, s[:64], "", is_return, data, not itx.output_unspent[outs.index((v, s, unspent))],
                         len(s), len(s) <= 64))
    for o, w in zip(got[6], want_out, strict=True):
        assert (o[0], o[1], o[2], o[3], o[5], o[6], o[7]) == (w[0], w[1], w[2], w[3], w[5], w[6], w[7])
        if w[4] is not None:
            assert o[4] == w[4]  # the first push after OP_RETURN, cut with the script
    assert len(got[6]) == min(len(outs), LIMIT)
