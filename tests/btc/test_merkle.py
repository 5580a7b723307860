"""Merkle proofs (SPV): built by the chain, checked against headers, tampering detected."""

from __future__ import annotations

import dataclasses

from hemi.btc import COIN, verify_merkle_proof
from hemi.btc.merkle import merkle_branch, merkle_root, root_from_branch


def test_branch_reaches_root_for_every_leaf_and_odd_sizes():
    for n in range(1, 12):
        leaves = [bytes([i]) * 32 for i in range(n)]
        root = merkle_root(leaves)
        for i in range(n):
            assert root_from_branch(leaves[i], merkle_branch(leaves, i), i) == root


def test_chain_merkle_proof_verifies_and_tampering_fails(funded):
    alice = funded.wallet("alice")
    ids = [alice.send(funded.wallet("bob").address_of(k), COIN) for k in ("p2wpkh", "p2tr", "p2pkh")]
    (bh,) = funded.mine()
    for txid in ids:
        proof = funded.merkle_proof(txid)
        assert proof.block_hash == bh and proof.header == funded.header(bh).raw
        assert verify_merkle_proof(proof)
        assert verify_merkle_proof(proof, header=funded.header(bh).raw)
        assert not verify_merkle_proof(proof, header=funded.header(bh.__class__(funded.block_hash(-2))).raw)
        assert not verify_merkle_proof(dataclasses.replace(proof, index=proof.index ^ 1))
        assert not verify_merkle_proof(dataclasses.replace(proof, txid=ids[0] if txid != ids[0] else ids[1]))
        forged = bytearray(proof.header)
        forged[40] ^= 1
        assert not verify_merkle_proof(dataclasses.replace(proof, header=bytes(forged)))
    assert proof.to_dict()["block_hash"] == str(bh)
