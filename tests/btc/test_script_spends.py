"""Spending arbitrary scripts on the embedded chain: P2WSH multisig, CLTV/CSV timelocks, tapscript leaves, and
the mempool/block split of Bitcoin Core's script flags and lock-time rules. Every rejection leaves the chain and
mempool unchanged.

Behaviour checked against bitcoin/bitcoin v26.0: src/validation.cpp (MemPoolAccept reasons "non-final",
"non-BIP68-final", "mandatory-script-verify-flag-failed (...)", "non-mandatory-script-verify-flag (...)";
ContextualCheckBlockHeader "time-too-new"/"time-too-old"), src/policy/policy.h (flag sets), BIP 65/68/112/342.
"""

from __future__ import annotations

import hashlib

import pytest
from bitcoin.core import CBlock
from bitcoin.core.script import (
    OP_CHECKLOCKTIMEVERIFY,
    OP_CHECKSEQUENCEVERIFY,
    OP_CHECKSIG,
    OP_DROP,
    OP_ELSE,
    OP_ENDIF,
    OP_EQUAL,
    OP_EQUALVERIFY,
    OP_IF,
    OP_NOP4,
    OP_NUMEQUAL,
    OP_SHA256,
    CScript,
    CScriptOp,
)

from hemi.btc import COIN
from hemi.btc.blocktools import solve
from hemi.btc.script import multisig_script, p2wsh_script
from hemi.btc.spend import NUMS_INTERNAL_KEY, spending_tx, taproot_tree, with_witness
from hemi.errors import BlockRejected, ScriptVerifyError, TransactionRejected

SEQ_RBF = 0xFFFFFFFD
OP_CHECKSIGADD = CScriptOp(0xBA)  # BIP 342; python-bitcoinlib predates it


def rejected(chain, tx, reason: str) -> TransactionRejected:
    before = chain.state_digest()
    with pytest.raises(TransactionRejected) as err:
        chain.send_raw(tx)
    assert err.value.reason == reason, str(err.value)
    assert chain.state_digest() == before
    return err.value


def fund(chain, wallet, spk: bytes, sats: int):
    """Pay ``sats`` to ``spk`` from ``wallet``, confirm it, return the outpoint (txid, vout)."""
    txid = wallet.send(spk, sats)
    chain.mine()
    tx = chain.tx(txid).tx
    vout = next(n for n, o in enumerate(tx.vout) if bytes(o.scriptPubKey) == spk and o.nValue == sats)
    return txid, vout


def test_p2wsh_2_of_3_multisig_spend(funded):
    """A 2-of-3 CHECKMULTISIG witness script: two signatures in key order spend it; one is not enough."""
    a, b, c, alice = (funded.wallet(n) for n in ("a", "b", "c", "alice"))
    ws = multisig_script(2, [a.pubkey, b.pubkey, c.pubkey])
    op = fund(funded, alice, p2wsh_script(ws), COIN)
    tx = spending_tx([(op, SEQ_RBF)], [(alice.script_of(), COIN - 2_000)])
    sig_a, sig_c = a.sign_segwit_v0(tx, 0, ws, COIN), c.sign_segwit_v0(tx, 0, ws, COIN)
    rejected(funded, with_witness(tx, 0, [b"", sig_a, ws]),
             "mandatory-script-verify-flag-failed (Operation not valid with the current stack size)")
    rejected(funded, with_witness(tx, 0, [b"", sig_c, sig_a, ws]),  # wrong order: NULLFAIL, then consensus
             "mandatory-script-verify-flag-failed (Script evaluated without error but finished with a false/empty "
             "top stack element)")
    good = with_witness(tx, 0, [b"", sig_a, sig_c, ws])
    txid = funded.send_raw(good)
    funded.mine()
    assert funded.confirmations(txid) == 1


def _htlc(secret_hash: bytes, claimer, refunder, locktime: int) -> bytes:
    return bytes(CScript([OP_IF, OP_SHA256, secret_hash, OP_EQUALVERIFY, claimer.pubkey, OP_CHECKSIG,
                          OP_ELSE, locktime, OP_CHECKLOCKTIMEVERIFY, OP_DROP, refunder.pubkey, OP_CHECKSIG,
                          OP_ENDIF]))


def test_cltv_htlc_claim_and_refund(funded):
    """BIP 65: the refund branch needs nLockTime >= the script's height and a non-final input; before that
    height the transaction is "non-final"; a lower nLockTime fails the script."""
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    secret = b"s" * 32
    lock_height = funded.height + 10
    ws = _htlc(hashlib.sha256(secret).digest(), bob, alice, lock_height)
    op1, op2 = fund(funded, alice, p2wsh_script(ws), COIN), fund(funded, alice, p2wsh_script(ws), COIN)

    claim = spending_tx([(op1, SEQ_RBF)], [(bob.script_of(), COIN - 2_000)])
    claim = with_witness(claim, 0, [bob.sign_segwit_v0(claim, 0, ws, COIN), secret, b"\x01", ws])
    funded.send_raw(claim)

    early = spending_tx([(op2, SEQ_RBF)], [(alice.script_of(), COIN - 2_000)], locktime=funded.height)
    early = with_witness(early, 0, [alice.sign_segwit_v0(early, 0, ws, COIN), b"", ws])
    err = rejected(funded, early, "mandatory-script-verify-flag-failed (Locktime requirement not satisfied)")
    assert isinstance(err.__cause__, ScriptVerifyError) and err.__cause__.script_error == "UNSATISFIED_LOCKTIME"

    refund = spending_tx([(op2, SEQ_RBF)], [(alice.script_of(), COIN - 2_000)], locktime=lock_height)
    refund = with_witness(refund, 0, [alice.sign_segwit_v0(refund, 0, ws, COIN), b"", ws])
    rejected(funded, refund, "non-final")  # the chain is not yet at that height
    with pytest.raises(TransactionRejected, match="bad-txns-nonfinal"):
        funded.mine(txs=[refund.serialize()])
    funded.mine_until(lock_height - 1)  # the next block is at lock_height: final now (IsFinalTx uses "<")
    funded.mine_until(lock_height)
    funded.send_raw(refund)


def test_csv_relative_lock(funded):
    """BIP 68/112: a CSV(5) output spends only 5 blocks after it confirmed; earlier it is "non-BIP68-final"."""
    alice = funded.wallet("alice")
    ws = bytes(CScript([5, OP_CHECKSEQUENCEVERIFY, OP_DROP, alice.pubkey, OP_CHECKSIG]))
    op = fund(funded, alice, p2wsh_script(ws), COIN)
    tx = spending_tx([(op, 5)], [(alice.script_of(), COIN - 2_000)])
    tx = with_witness(tx, 0, [alice.sign_segwit_v0(tx, 0, ws, COIN), ws])
    rejected(funded, tx, "non-BIP68-final")
    short = spending_tx([(op, 4)], [(alice.script_of(), COIN - 2_000)])
    short = with_witness(short, 0, [alice.sign_segwit_v0(short, 0, ws, COIN), ws])
    funded.mine(3)
    rejected(funded, tx, "non-BIP68-final")
    funded.mine()  # the coin now has 5 confirmations counting the next block
    rejected(funded, short, "mandatory-script-verify-flag-failed (Locktime requirement not satisfied)")
    funded.send_raw(tx)


def test_tapscript_leaf_spend(funded):
    """A two-leaf tree under the NUMS internal key: the CHECKSIGADD 2-of-2 leaf and a hash-lock leaf spend by
    script path; a tampered control block is a witness program mismatch (BIP 341/342)."""
    alice, a, b = funded.wallet("alice"), funded.wallet("a"), funded.wallet("b")
    multi = bytes(CScript([a.key.xonly_pubkey, OP_CHECKSIG, b.key.xonly_pubkey, OP_CHECKSIGADD, 2, OP_NUMEQUAL]))
    hashlock = bytes(CScript([OP_SHA256, hashlib.sha256(b"x").digest(), OP_EQUAL]))
    tree = taproot_tree(NUMS_INTERNAL_KEY, [multi, hashlock])
    op = fund(funded, alice, tree.script_pubkey, COIN)
    tx = spending_tx([(op, SEQ_RBF)], [(alice.script_of(), COIN - 2_000)])
    spent = [(COIN, tree.script_pubkey)]
    sig_a = a.sign_tapscript(tx, 0, spent, tree.leaf_hash(multi))
    sig_b = b.sign_tapscript(tx, 0, spent, tree.leaf_hash(multi))
    bad_cb = bytearray(tree.control_block(multi))
    bad_cb[-1] ^= 1
    rejected(funded, with_witness(tx, 0, [sig_b, sig_a, multi, bytes(bad_cb)]),
             "mandatory-script-verify-flag-failed (Witness program hash mismatch)")
    txid = funded.send_raw(with_witness(tx, 0, [sig_b, sig_a, multi, tree.control_block(multi)]))
    funded.mine()
    assert funded.confirmations(txid) == 1
    op2 = fund(funded, alice, tree.script_pubkey, COIN)
    tx2 = spending_tx([(op2, SEQ_RBF)], [(alice.script_of(), COIN - 2_000)])
    funded.send_raw(with_witness(tx2, 0, [b"x", hashlock, tree.control_block(1)]))


def test_policy_flag_failure_is_non_mandatory_but_valid_in_a_block(funded):
    """OP_NOP4 is discouraged by policy (DISCOURAGE_UPGRADABLE_NOPS) but valid by consensus: refused by the
    mempool with "non-mandatory-script-verify-flag (...)", accepted when mined."""
    alice = funded.wallet("alice")
    ws = bytes(CScript([OP_NOP4, alice.pubkey, OP_CHECKSIG]))
    op = fund(funded, alice, p2wsh_script(ws), COIN)
    tx = spending_tx([(op, SEQ_RBF)], [(alice.script_of(), COIN - 2_000)])
    tx = with_witness(tx, 0, [alice.sign_segwit_v0(tx, 0, ws, COIN), ws])
    rejected(funded, tx, "non-mandatory-script-verify-flag (NOPx reserved for soft-fork upgrades)")
    funded.mine(txs=[tx.serialize()])
    assert funded.confirmations(tx.GetTxid()[::-1].hex()) == 1


def test_sighash_single_without_output_signs_one(funded):
    """Legacy SIGHASH_SINGLE with no matching output signs the number 1 (Core's quirk) instead of failing."""
    from hemi.btc import legacy_sighash

    alice = funded.wallet("alice")
    tx = spending_tx([((b"\x11" * 32, 0), SEQ_RBF), ((b"\x22" * 32, 0), SEQ_RBF)], [(alice.script_of(), 1000)])
    assert legacy_sighash(alice.script_of("p2pkh"), tx, 1, 3) == (1).to_bytes(32, "little")


def _block_on_tip(chain, time: int) -> CBlock:
    from hemi.btc.blocktools import create_coinbase
    from hemi.btc.merkle import merkle_root
    from hemi.btc.params import BLOCK_VERSION, REGTEST_NBITS
    from hemi.btc.tx import tx_hashes

    cb = create_coinbase(chain.height + 1, value=0, script_pubkey=b"\x51", wtxids=[], extranonce=7)
    root = merkle_root([tx_hashes(cb).txid])
    _nonce, header, _ = solve(BLOCK_VERSION, bytes(chain.tip), root, time, REGTEST_NBITS)
    return CBlock.deserialize(header + b"\x01" + cb.serialize())


@pytest.mark.parametrize("delta,reason", [(2 * 3600 + 1, "time-too-new"), (0xFFFFFFFF, "time-too-new")])
def test_block_time_too_far_in_future(btc, delta, reason):
    """A block more than 2 h past the simulated clock is refused, and mining goes on afterwards."""
    btc.mine(3)
    before = btc.state_digest()
    with pytest.raises(BlockRejected) as err:
        btc.submit_block(_block_on_tip(btc, min(btc.adjusted_time() + delta, 0xFFFFFFFF)))
    assert err.value.reason == reason
    assert btc.state_digest() == before
    btc.submit_block(_block_on_tip(btc, btc.adjusted_time() + 2 * 3600))  # exactly at the limit is fine
    btc.mine(2)
    assert btc.height == 6


def test_block_time_not_after_mtp(btc):
    btc.mine(12)
    with pytest.raises(BlockRejected) as err:
        btc.submit_block(_block_on_tip(btc, btc.median_time_past()))
    assert err.value.reason == "time-too-old"
    btc.mine()


def test_sigop_cost_limit(funded):
    """GetTransactionSigOpCost: a witness script's CHECKMULTISIG without a key count costs 20; over 16000 in one
    transaction is "bad-txns-too-many-sigops" (MAX_STANDARD_TX_SIGOPS_COST, bitcoin/bitcoin src/policy/policy.h),
    checked before the scripts run."""
    alice = funded.wallet("alice")
    ws = bytes([0xAE]) * 801
    op = fund(funded, alice, p2wsh_script(ws), COIN)
    tx = spending_tx([(op, SEQ_RBF)], [(alice.script_of(), COIN - 50_000)])
    err = rejected(funded, with_witness(tx, 0, [ws]), "bad-txns-too-many-sigops")
    assert err.detail == "16020"


def test_script_failure_over_rpc_is_26_with_core_text(funded):
    """sendrawtransaction reports a script failure as RPC_VERIFY_REJECTED (-26) with Core's reason string."""
    import bitcoin.rpc

    from hemi.btc.rpc import raw_proxy

    alice = funded.wallet("alice")
    lock = funded.height + 50
    ws = bytes(CScript([lock, OP_CHECKLOCKTIMEVERIFY, OP_DROP, alice.pubkey, OP_CHECKSIG]))
    op = fund(funded, alice, p2wsh_script(ws), COIN)
    tx = spending_tx([(op, SEQ_RBF)], [(alice.script_of(), COIN - 2_000)], locktime=funded.height)
    tx = with_witness(tx, 0, [alice.sign_segwit_v0(tx, 0, ws, COIN), ws])
    before = funded.state_digest()
    with pytest.raises(bitcoin.rpc.JSONRPCError) as err:
        raw_proxy(funded).sendrawtransaction(tx.serialize().hex())
    assert err.value.error == {"code": -26, "message": "mandatory-script-verify-flag-failed (Locktime requirement "
                                                       "not satisfied)"}
    assert funded.state_digest() == before


def test_witness_standardness(funded):
    """IsWitnessStandard (bitcoin/bitcoin src/policy/policy.cpp): a P2WSH stack item over 80 bytes is not relayed
    ("bad-witness-nonstandard") but is valid in a block."""
    alice = funded.wallet("alice")
    ws = bytes(CScript([OP_DROP, alice.pubkey, OP_CHECKSIG]))
    op = fund(funded, alice, p2wsh_script(ws), COIN)
    tx = spending_tx([(op, SEQ_RBF)], [(alice.script_of(), COIN - 2_000)])
    tx = with_witness(tx, 0, [alice.sign_segwit_v0(tx, 0, ws, COIN), b"\x00" * 81, ws])
    rejected(funded, tx, "bad-witness-nonstandard")
    funded.mine(txs=[tx.serialize()])


def test_invalid_script_in_a_block_is_refused_and_changes_nothing(funded):
    """Blocks verify with the consensus flags: a tx failing CLTV makes the block invalid with Core's reason
    (bitcoin/bitcoin src/validation.cpp ConnectBlock), and the chain stays as it was."""
    alice = funded.wallet("alice")
    lock = funded.height + 50
    ws = bytes(CScript([lock, OP_CHECKLOCKTIMEVERIFY, OP_DROP, alice.pubkey, OP_CHECKSIG]))
    op = fund(funded, alice, p2wsh_script(ws), COIN)
    tx = spending_tx([(op, SEQ_RBF)], [(alice.script_of(), COIN - 2_000)], locktime=funded.height)
    tx = with_witness(tx, 0, [alice.sign_segwit_v0(tx, 0, ws, COIN), ws])
    before, height = funded.state_digest(), funded.height
    with pytest.raises(TransactionRejected) as err:
        funded.mine(txs=[tx.serialize()])
    assert err.value.reason == "mandatory-script-verify-flag-failed (Locktime requirement not satisfied)"
    assert funded.state_digest() == before and funded.height == height
