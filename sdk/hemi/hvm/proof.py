"""Merkle-Patricia proofs of accounts and storage slots (EIP-1186, ``eth_getProof``).

The devchain's state tries live in py-evm's node database, keyed by node hash; a proof is the list of nodes on the
path from a root to a key (``trie.HexaryTrie.get_proof``), each RLP-encoded, as geth's ``eth_getProof`` returns them
(ethereum/go-ethereum internal/ethapi/api.go ``GetProof``): the account path is keyed by ``keccak(address)`` in the
state trie, each slot's by ``keccak(slot as 32 bytes)`` in the account's storage trie. A key that is absent is
proved by the path that shows its absence, with value zero (an empty account for an address that has none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import rlp
from eth.constants import BLANK_ROOT_HASH
from eth_utils import keccak
from trie import HexaryTrie

EMPTY_CODE_HASH = keccak(b"")


@dataclass(frozen=True)
class StorageProof:
    slot: int
    value: int
    proof: tuple[bytes, ...]  # RLP-encoded nodes, root first


@dataclass(frozen=True)
class AccountProof:
    address: bytes
    nonce: int
    balance: int
    storage_root: bytes
    code_hash: bytes
    proof: tuple[bytes, ...]
    storage: tuple[StorageProof, ...]


def _encoded(nodes: Sequence[Any]) -> tuple[bytes, ...]:
    """The nodes as a proof lists them: a node under 32 bytes is embedded in its parent, not listed on its own."""
    out = [rlp.encode(n) for n in nodes]
    return tuple(x for i, x in enumerate(out) if i == 0 or len(x) >= 32)


def prove(db: Any, state_root: bytes, address: bytes, slots: Sequence[int]) -> AccountProof:
    """The proof of ``address`` and of each of ``slots`` in its storage, against ``state_root``."""
    state = HexaryTrie(db, state_root)
    key = keccak(address)
    raw = state.get(key)
    if raw:
        nonce, balance, storage_root, code_hash = rlp.decode(raw)
        nonce, balance = int.from_bytes(nonce, "big"), int.from_bytes(balance, "big")
    else:
        nonce, balance, storage_root, code_hash = 0, 0, BLANK_ROOT_HASH, EMPTY_CODE_HASH
    storage = HexaryTrie(db, storage_root)
    proofs = []
    for slot in slots:
        skey = keccak(slot.to_bytes(32, "big"))
        value = storage.get(skey)
        proofs.append(StorageProof(slot, rlp.decode(value, sedes=rlp.sedes.big_endian_int) if value else 0,
                                   _encoded(storage.get_proof(skey))))
    return AccountProof(address, nonce, balance, storage_root, code_hash, _encoded(state.get_proof(key)),
                        tuple(proofs))


def state_root_at(engine: Any, number: Any) -> bytes:
    """The root the devchain's reads at ``number`` use: None is the pending state, the head number the head plus
    direct edits (what "latest" reads), an older number that block's ``stateRoot``."""
    if number is None:
        return bytes(engine.pending_state_root)
    if number == engine.head_number:
        return bytes(engine.latest_state_root)
    return bytes(engine.block(number).header.state_root)


def prove_at(engine: Any, number: Any, address: bytes, slots: Sequence[int]) -> AccountProof:
    return prove(engine.chain.chaindb.db, state_root_at(engine, number), address, slots)
