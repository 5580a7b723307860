"""The devchain's in-memory node database: py-evm's ``MemoryDB`` with its large branch nodes kept by reference.

The database keeps every trie node ever written, so that any earlier state can be read, proved or reverted to. A
block changes a few paths, and each changed path writes a new copy of its branch nodes: the account trie's root,
and the root and first level of EIP-2935's history storage (a new slot each block), are branches of 370 to 530
bytes, most of them the 32-byte hashes of children that did not change. Stored as bytes, each copy repeats those
hashes. :class:`NodeStore` keeps such a node as the tuple of its 17 items instead, whose child hashes are the very
objects the children are stored under (the batched trie, :mod:`hemi.hvm.trie_batch`, names a new child by the
digest it stores it under, and a new branch copies its unchanged children from the branch it replaces): the hashes
are not repeated, and a 530-byte branch costs 176 bytes.

A read returns the node's encoding, made again from the tuple (``rlp_encode`` of the items is the canonical RLP the
node was written as: the tuple is the decoding the trie kept of exactly those bytes under their hash). Nothing
outside sees the difference: reads, iteration and a saved state's database give the same bytes as a plain
``MemoryDB`` (tests/hvm/test_node_store.py compares the two under the same batches, and checks a devchain's store).
"""

from __future__ import annotations

from typing import Any

from eth.db.backends.memory import MemoryDB

from hemi.hvm.trie_batch import known_node, rlp_encode

# below this encoded size a branch has few children and its bytes are as small as the tuple (176 bytes for 17
# items, plus any child hash not shared with the database's keys)
_PACK_MIN = 300


class NodeStore(MemoryDB):
    """``MemoryDB`` whose values are bytes or, for a large branch node, the tuple of its items (module docstring)."""

    def __getitem__(self, key: bytes) -> bytes:
        value = self.kv_store[key]
        if type(value) is tuple:
            return rlp_encode(list(value))
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        if len(value) >= _PACK_MIN:
            node = known_node(key)
            # a branch whose every item is a byte string (a child held inline is a list: such a branch stays
            # bytes), and whose encoding is the value: a node is cached under its hash, so it always is for a trie
            # node; the check (a few microseconds, a few nodes a block) keeps any other writer's bytes as written
            if (node is not None and len(node) == 17 and all(type(item) is bytes for item in node)
                    and rlp_encode(node) == value):
                self.kv_store[key] = tuple(node)  # type: ignore[assignment]
                return
        self.kv_store[key] = value

    def __repr__(self) -> str:
        return f"NodeStore({len(self.kv_store)} entries)"


def packed_count(db: Any) -> int:
    """How many values of ``db`` (a :class:`NodeStore`) are kept as tuples (the tests read it)."""
    return sum(1 for value in db.kv_store.values() if type(value) is tuple)
