"""Build and spend arbitrary scripts: P2WSH outputs for any witness script, P2TR outputs with a script tree,
signatures for one input under a given script, and transactions that spend a chosen output with a hand-made
witness. The rules these follow are BIP 141/143 (P2WSH) and BIP 341/342 (taproot, tapscript).

Typical use (a 2-of-3 P2WSH vault)::

    ws = multisig_script(2, [a.pubkey, b.pubkey, c.pubkey])
    txid = funder.send(p2wsh_script(ws), 100_000)
    tx = spending_tx([(outpoint, 0xFFFFFFFD)], [(dest_spk, 99_000)])
    sigs = [w.sign_segwit_v0(tx, 0, ws, 100_000) for w in (a, b)]
    tx = with_witness(tx, 0, [b"", *sigs, ws])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bitcoin.core import CMutableTransaction, COutPoint, CTransaction, CTxIn, CTxInWitness, CTxOut, CTxWitness
from bitcoin.core.script import CScriptWitness

from hemi.btc.address import script_address
from hemi.btc.interpreter import tapbranch_hash, tapleaf_hash, taproot_tweak_pubkey
from hemi.btc.script import multisig_script, p2tr_script, p2wsh_script
from hemi.errors import HemiValueError
from hemi.types import Txid

TAPSCRIPT_LEAF_VERSION = 0xC0
# BIP 341's suggested internal key with no known discrete log ("NUMS" point H): disables the key path
NUMS_INTERNAL_KEY = bytes.fromhex("50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0")

__all__ = ["NUMS_INTERNAL_KEY", "TaprootTree", "multisig_script", "p2wsh_script", "spending_tx", "taproot_tree",
           "with_witness"]


@dataclass(frozen=True)
class TaprootTree:
    """A P2TR output committing to ``leaves`` (tapscripts) under ``internal_key`` (32-byte x-only)."""

    internal_key: bytes
    leaves: tuple[bytes, ...]
    merkle_root: bytes
    output_key: bytes
    parity: int
    paths: tuple[bytes, ...]  # per leaf: the concatenated sibling hashes from the leaf up

    @property
    def script_pubkey(self) -> bytes:
        return p2tr_script(self.output_key)

    @property
    def address(self) -> str:
        return script_address(self.script_pubkey)

    def control_block(self, leaf: int | bytes) -> bytes:
        """The control block that proves leaf ``leaf`` (index or script) is in the tree."""
        i = self._index(leaf)
        return bytes([TAPSCRIPT_LEAF_VERSION | self.parity]) + self.internal_key + self.paths[i]

    def leaf_hash(self, leaf: int | bytes) -> bytes:
        return tapleaf_hash(TAPSCRIPT_LEAF_VERSION, self.leaves[self._index(leaf)])

    def _index(self, leaf: int | bytes) -> int:
        if isinstance(leaf, int):
            if not 0 <= leaf < len(self.leaves):
                raise HemiValueError(f"no leaf {leaf} (tree has {len(self.leaves)})")
            return leaf
        try:
            return self.leaves.index(bytes(leaf))
        except ValueError:
            raise HemiValueError("script is not a leaf of this tree") from None


def taproot_tree(internal_key: bytes, leaves: Sequence[bytes]) -> TaprootTree:
    """A balanced script tree over ``leaves`` (left to right) and the tweaked output key (BIP 341)."""
    internal_key = bytes(internal_key)
    if len(internal_key) == 33 and internal_key[0] in (2, 3):
        internal_key = internal_key[1:]
    if len(internal_key) != 32:
        raise HemiValueError("the internal key is a 32-byte x-only key (or a 33-byte compressed one)")
    if not leaves:
        raise HemiValueError("a script tree needs at least one leaf")
    # nodes: (hash, leaf indices below it); paths grow as each level pairs nodes up
    nodes = [(tapleaf_hash(TAPSCRIPT_LEAF_VERSION, bytes(s)), [i]) for i, s in enumerate(leaves)]
    paths = [b""] * len(leaves)
    while len(nodes) > 1:
        paired = []
        for j in range(0, len(nodes) - 1, 2):
            (ha, la), (hb, lb) = nodes[j], nodes[j + 1]
            for i in la:
                paths[i] += hb
            for i in lb:
                paths[i] += ha
            paired.append((tapbranch_hash(ha, hb), la + lb))
        if len(nodes) % 2:
            paired.append(nodes[-1])
        nodes = paired
    root = nodes[0][0]
    try:
        output_key, parity = taproot_tweak_pubkey(internal_key, root)
    except (ValueError, TypeError):
        raise HemiValueError("internal key is not a valid x-only public key") from None
    return TaprootTree(internal_key, tuple(bytes(s) for s in leaves), root, output_key, parity, tuple(paths))


def spending_tx(inputs: Sequence[tuple[tuple[Txid | str | bytes, int], int]],
                outputs: Sequence[tuple[bytes, int]], *, locktime: int = 0, version: int = 2) -> CTransaction:
    """An unsigned transaction spending ``((txid, vout), nSequence)`` inputs to ``(scriptPubKey, sats)`` outputs."""
    vin = [CTxIn(COutPoint(bytes(Txid(txid)), n), b"", sequence) for (txid, n), sequence in inputs]
    vout = [CTxOut(value, spk) for spk, value in outputs]
    return CTransaction(vin, vout, locktime, version)


def with_witness(tx: CTransaction | CMutableTransaction, index: int,
                 stack: Sequence[bytes]) -> CTransaction:
    """``tx`` with input ``index``'s witness set to ``stack`` (other inputs keep theirs)."""
    mtx = CMutableTransaction.from_tx(tx)
    if not 0 <= index < len(mtx.vin):
        raise HemiValueError(f"input index {index} out of range")
    stacks = [list(w.scriptWitness.stack) for w in mtx.wit.vtxinwit] if mtx.wit.vtxinwit else []
    stacks += [[] for _ in range(len(mtx.vin) - len(stacks))]
    stacks[index] = [bytes(x) for x in stack]
    mtx.wit = CTxWitness([CTxInWitness(CScriptWitness(s)) for s in stacks])
    return CTransaction.from_tx(mtx)
