"""Bitcoin Core's own script and transaction test vectors, run in full and unmodified against
``hemi.btc.verify_input`` / ``hemi.btc.check_transaction`` and the sighash functions.

Vectors: bitcoin/bitcoin v26.0 src/test/data/{script_tests,tx_valid,tx_invalid,sighash,bip341_wallet_vectors}.json
(copied to tests/data/bitcoin-core/, MIT licence there). The drivers follow src/test/script_tests.cpp
(``script_json_test``), src/test/transaction_tests.cpp (``tx_valid``, ``tx_invalid``) and src/test/sighash_tests.cpp.
"""

from __future__ import annotations

import pytest
from bitcoin.core import CTransaction, b2lx, lx
from core_vector_tools import crediting_tx, load, parse_script, spending_tx

from hemi.btc import (
    ALL_FLAGS,
    STANDARD_FLAGS,
    check_transaction,
    legacy_sighash,
    taproot_sighash,
    verify_input,
)
from hemi.btc.interpreter import tapbranch_hash, tapleaf_hash, taproot_tweak_pubkey
from hemi.btc.spend import taproot_tree, with_witness
from hemi.errors import ScriptVerifyError, TransactionRejected

SCRIPT_TESTS = [t for t in load("script_tests.json") if len(t) > 1]
TX_VALID = [t for t in load("tx_valid.json") if isinstance(t[0], list)]
TX_INVALID = [t for t in load("tx_invalid.json") if isinstance(t[0], list)]
SIGHASH = [t for t in load("sighash.json") if len(t) > 1]


def _flags(text: str) -> frozenset:
    return frozenset() if text in ("", "NONE") else frozenset(text.split(","))


def _id(t: list) -> str:
    return str(t[-1])[:60] if isinstance(t[-1], str) else ""


@pytest.mark.parametrize("case", range(len(SCRIPT_TESTS)))
def test_script_tests(case: int) -> None:
    """script_tests.json: [[wit..., amount]?, scriptSig, scriptPubKey, flags, expected error, comment?]."""
    test = SCRIPT_TESTS[case]
    witness, amount, pos = [], 0, 0
    if isinstance(test[0], list):
        *wit_hex, amount_btc = test[0]
        witness = [bytes.fromhex(w) for w in wit_hex]
        amount = round(amount_btc * 100_000_000)
        pos = 1
    script_sig, script_pubkey = parse_script(test[pos]), parse_script(test[pos + 1])
    flags, expected = _flags(test[pos + 2]), test[pos + 3]
    if "CLEANSTACK" in flags:  # as DoTest does: CLEANSTACK only exists together with P2SH and WITNESS
        flags |= {"P2SH", "WITNESS"}
    credit = crediting_tx(script_pubkey, amount)
    tx = spending_tx(script_sig, witness, credit)
    spent = [(amount, script_pubkey)]
    if expected == "OK":
        verify_input(tx, 0, spent, flags=flags)
    else:
        with pytest.raises(ScriptVerifyError) as err:
            verify_input(tx, 0, spent, flags=flags)
        assert err.value.script_error == expected, (test, str(err.value))


def _prevouts(test: list) -> tuple[CTransaction, list]:
    tx = CTransaction.deserialize(bytes.fromhex(test[1]))
    prev = {}
    for entry in test[0]:
        prev[(lx(entry[0]), entry[1] & 0xFFFFFFFF)] = (entry[3] if len(entry) > 3 else 0, parse_script(entry[2]))
    spent = [prev[(txin.prevout.hash, txin.prevout.n)] for txin in tx.vin]
    return tx, spent


def _fill(flags: frozenset) -> frozenset:
    if "CLEANSTACK" in flags:
        flags |= {"WITNESS"}
    if "WITNESS" in flags:
        flags |= {"P2SH"}
    return flags


def _trim(flags: frozenset) -> frozenset:
    if "P2SH" not in flags:
        flags -= {"WITNESS"}
    if "WITNESS" not in flags:
        flags -= {"CLEANSTACK"}
    return flags


def _all_valid(tx: CTransaction, spent: list, flags: frozenset) -> bool:
    try:
        for i in range(len(tx.vin)):
            verify_input(tx, i, spent, flags=flags)
    except ScriptVerifyError:
        return False
    return True


@pytest.mark.parametrize("case", range(len(TX_VALID)))
def test_tx_valid(case: int) -> None:
    """tx_valid.json: valid under every flag except the excluded ones, and each excluded flag is needed."""
    test = TX_VALID[case]
    tx, spent = _prevouts(test)
    check_transaction(tx)
    excluded = _flags(test[2])
    assert _all_valid(tx, spent, ALL_FLAGS - excluded), test
    for flag in excluded:  # Core's "too many flags unset" check: re-adding any excluded flag must fail it
        flags = _trim(excluded - {flag})
        if flags != excluded:
            assert not _all_valid(tx, spent, ALL_FLAGS - flags), (flag, test)


@pytest.mark.parametrize("case", range(len(TX_INVALID)))
def test_tx_invalid(case: int) -> None:
    """tx_invalid.json: CheckTransaction fails ("BADTX") or some input fails under the listed flags; the flags are
    minimal (dropping any one of them makes it valid)."""
    test = TX_INVALID[case]
    tx, spent = _prevouts(test)
    try:
        check_transaction(tx)
    except TransactionRejected:
        assert test[2] == "BADTX", test
        return
    flags = _flags(test[2])
    assert flags == _fill(flags), "vector with an inconsistent flag set"
    assert not _all_valid(tx, spent, flags), test
    for flag in flags:
        fewer = _trim(flags - {flag})
        assert _all_valid(tx, spent, fewer), (flag, test)


@pytest.mark.parametrize("case", range(len(SIGHASH)))
def test_sighash(case: int) -> None:
    """sighash.json: [raw tx, script, input index, hash type, expected legacy sighash]."""
    raw, script, index, hash_type, expected = SIGHASH[case]
    tx = CTransaction.deserialize(bytes.fromhex(raw))
    assert b2lx(legacy_sighash(bytes.fromhex(script), tx, index, hash_type & 0xFFFFFFFF)) == expected


def test_bip341_keypath_sighashes() -> None:
    """bip341_wallet_vectors.json keyPathSpending: every input's sighash matches (and signature hash types)."""
    vectors = load("bip341_wallet_vectors.json")["keyPathSpending"]
    checked = 0
    for vector in vectors:
        tx = CTransaction.deserialize(bytes.fromhex(vector["given"]["rawUnsignedTx"]))
        spent = [(u["amountSats"], bytes.fromhex(u["scriptPubKey"])) for u in vector["given"]["utxosSpent"]]
        for inp in vector["inputSpending"]:
            index, hash_type = inp["given"]["txinIndex"], inp["given"]["hashType"]
            digest = taproot_sighash(tx, index, spent, hash_type)
            assert digest.hex() == inp["intermediary"]["sigHash"]
            checked += 1
    assert checked == 7


def _tree(node, leaves: dict) -> bytes:
    """Merkle root of a BIP 341 vector scriptTree (a leaf object, or a list of two subtrees); records leaf hashes."""
    if isinstance(node, dict):
        h = tapleaf_hash(node["leafVersion"], bytes.fromhex(node["script"]))
        leaves[node["id"]] = h
        return h
    return tapbranch_hash(_tree(node[0], leaves), _tree(node[1], leaves))


def test_bip341_script_trees_and_output_keys() -> None:
    """bip341_wallet_vectors.json scriptPubKey: leaf hashes, Merkle roots, tweaked keys, scriptPubKeys; and a tree
    of two leaves built by hemi.btc.spend.taproot_tree gives the vector's control blocks."""
    built_trees = 0
    for vector in load("bip341_wallet_vectors.json")["scriptPubKey"]:
        given, mid, expected = vector["given"], vector["intermediary"], vector["expected"]
        internal = bytes.fromhex(given["internalPubkey"])
        leaves: dict = {}
        root = _tree(given["scriptTree"], leaves) if given["scriptTree"] else b""
        assert [leaves[i].hex() for i in sorted(leaves)] == mid.get("leafHashes", [])
        assert (root.hex() or None) == mid["merkleRoot"]
        output, _parity = taproot_tweak_pubkey(internal, root)
        assert output.hex() == mid["tweakedPubkey"]
        assert ("5120" + output.hex()) == expected["scriptPubKey"]
        tree = given["scriptTree"]
        if isinstance(tree, list) and len(tree) == 2 and all(isinstance(x, dict) for x in tree):
            if {x["leafVersion"] for x in tree} == {0xC0}:
                built = taproot_tree(internal, [bytes.fromhex(x["script"]) for x in tree])
                assert [built.control_block(i).hex() for i in range(2)] == expected["scriptPathControlBlocks"]
                built_trees += 1
    assert built_trees == 1  # the one vector whose tree is two tapscript leaves


def test_bip341_fully_signed_key_path_spends_verify() -> None:
    """bip341_wallet_vectors.json keyPathSpending: every input of the fully signed transaction verifies under
    Core's standard flags, and a flipped signature bit fails with "Invalid Schnorr signature"."""
    for vector in load("bip341_wallet_vectors.json")["keyPathSpending"]:
        tx = CTransaction.deserialize(bytes.fromhex(vector["auxiliary"]["fullySignedTx"]))
        spent = [(u["amountSats"], bytes.fromhex(u["scriptPubKey"])) for u in vector["given"]["utxosSpent"]]
        signed = {inp["given"]["txinIndex"] for inp in vector["inputSpending"]}
        for index in signed:
            verify_input(tx, index, spent, flags=STANDARD_FLAGS)
        index = min(signed)
        stack = [bytearray(w) for w in tx.wit.vtxinwit[index].scriptWitness.stack]
        stack[0][5] ^= 1
        with pytest.raises(ScriptVerifyError) as err:
            verify_input(with_witness(tx, index, [bytes(w) for w in stack]), index, spent, flags=STANDARD_FLAGS)
        assert err.value.script_error == "SCHNORR_SIG"
