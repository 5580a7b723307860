"""Merkle roots, branches and SPV proofs over txids (internal byte order), as in Bitcoin Core's consensus/merkle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hemi.btc.tx import sha256d
from hemi.types import BlockHash, Txid


def merkle_root(hashes: Sequence[bytes]) -> bytes:
    """Root of the tree over ``hashes``; an odd level duplicates its last node (CVE-2012-2459 shape kept)."""
    if not hashes:
        raise ValueError("a merkle tree needs at least one leaf")
    level = list(hashes)
    while len(level) > 1:
        if len(level) & 1:
            level.append(level[-1])
        level = [sha256d(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def merkle_branch(hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Sibling hashes from leaf ``index`` up to (not including) the root."""
    if not 0 <= index < len(hashes):
        raise IndexError(f"leaf {index} out of range for {len(hashes)} leaves")
    branch: list[bytes] = []
    level = list(hashes)
    while len(level) > 1:
        if len(level) & 1:
            level.append(level[-1])
        branch.append(level[index ^ 1])
        level = [sha256d(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
        index >>= 1
    return branch


def root_from_branch(leaf: bytes, branch: Sequence[bytes], index: int) -> bytes:
    h = leaf
    for sibling in branch:
        h = sha256d(sibling + h) if index & 1 else sha256d(h + sibling)
        index >>= 1
    return h


@dataclass(frozen=True)
class MerkleProof:
    """An SPV proof that ``txid`` sits at ``index`` of the block whose header is ``header`` (80 raw bytes)."""

    txid: Txid
    block_hash: BlockHash
    index: int
    branch: tuple[bytes, ...]
    header: bytes

    @property
    def merkle_root(self) -> bytes:
        return self.header[36:68]

    def to_dict(self) -> dict:
        return {
            "txid": str(self.txid),
            "block_hash": str(self.block_hash),
            "index": self.index,
            "branch": [h[::-1].hex() for h in self.branch],
            "header": self.header.hex(),
        }


def verify_merkle_proof(proof: MerkleProof, header: bytes | None = None) -> bool:
    """True if ``proof`` links its txid to the header's merkle root and the header hashes to its block hash.

    Pass ``header`` (80 raw bytes) to check against a header obtained independently of the proof.
    """
    hdr = proof.header if header is None else bytes(header)
    if len(hdr) != 80 or sha256d(hdr) != bytes(proof.block_hash):
        return False
    if proof.index < 0 or len(proof.branch) > 32 or (proof.index >> len(proof.branch)) != 0:
        return False
    return root_from_branch(bytes(proof.txid), proof.branch, proof.index) == hdr[36:68]
