"""hemi.hvm.trie_batch: a batch of trie writes gives the root ``trie.HexaryTrie`` (py-evm's trie) gives for the same
writes one by one, and reads see the batch.

The reference is the ``trie`` library itself (ethereum/py-trie ``trie/hexary.py``), run on the same sequences:
random keys of the shape the state uses (32-byte hashed keys), short keys sharing long prefixes (extensions,
embedded nodes under 32 bytes), updates, deletions of present and absent keys, deletions that
collapse branches into leaves and extensions, and batches applied at random points.
"""

from __future__ import annotations

import random

import pytest
from eth_utils import keccak
from trie import HexaryTrie
from trie.constants import BLANK_NODE_HASH

from hemi.hvm import trie_batch
from hemi.hvm.trie_batch import BatchedHexaryTrie, apply_batch


def _value(rng: random.Random) -> bytes:
    return bytes(rng.randrange(256) for _ in range(rng.choice((1, 2, 5, 31, 40, 70))))


def _short_key(rng: random.Random) -> bytes:
    """Two bytes from a small alphabet: long shared prefixes, extensions of one nibble and nodes under 32 bytes
    (embedded in their parent). Keys of one length, as the state's: the reference trie cannot read a key that is a
    prefix of another."""
    return bytes(rng.choice((0x00, 0x01, 0x10, 0x11, 0xAB)) for _ in range(2))


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("kind", ["hashed", "short"])
def test_batched_writes_give_hexary_tries_root(seed: int, kind: str) -> None:
    rng = random.Random(seed)
    reference = HexaryTrie({})
    batched = BatchedHexaryTrie({})
    keys: list[bytes] = []
    for step in range(rng.randrange(1, 200)):
        if keys and rng.random() < 0.35:
            key = rng.choice(keys)
        else:
            key = keccak(seed.to_bytes(4, "big") + step.to_bytes(4, "big")) if kind == "hashed" \
                else _short_key(rng)
            keys.append(key)
        if rng.random() < 0.3:
            del reference[key]
            del batched[key]
        else:
            value = _value(rng)
            reference[key] = value
            batched[key] = value
        probe = rng.choice(keys)
        assert batched[probe] == reference[probe]  # reads see the batch before it is applied
        if rng.random() < 0.1:
            assert batched.root_hash == reference.root_hash
    assert batched.root_hash == reference.root_hash
    for key in keys:
        assert batched[key] == reference[key]
    assert HexaryTrie(batched.db, batched.root_hash).get_proof(keys[0]) == reference.get_proof(keys[0])


def test_deleting_everything_gives_the_blank_root_and_old_roots_stay_readable() -> None:
    db: dict[bytes, bytes] = {}
    keys = [keccak(bytes([i])) for i in range(50)]
    root = apply_batch(db, BLANK_NODE_HASH, {k: b"v" + k for k in keys})
    reference = HexaryTrie({})
    for k in keys:
        reference[k] = b"v" + k
    assert root == reference.root_hash
    assert apply_batch(db, root, dict.fromkeys(keys, b"")) == BLANK_NODE_HASH
    assert all(HexaryTrie(db, root)[k] == b"v" + k for k in keys)  # nothing was deleted from db


def test_squash_changes_rolls_the_batch_back_on_an_exception() -> None:
    t = BatchedHexaryTrie({})
    t[b"a" * 32] = b"1"
    before = t.root_hash
    t[b"b" * 32] = b"2"
    with pytest.raises(RuntimeError), t.squash_changes() as inner:
        inner[b"c" * 32] = b"3"
        raise RuntimeError("boom")
    assert t[b"c" * 32] == b""
    assert t[b"b" * 32] == b"2"
    t2 = HexaryTrie({})
    t2[b"a" * 32] = b"1"
    assert before == t2.root_hash
    t2[b"b" * 32] = b"2"
    assert t.root_hash == t2.root_hash


class _Encoded:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def encode(self) -> bytes:
        return self.data


@pytest.mark.parametrize("n", [0, 1, 2, 16, 17, 128, 129, 300])
def test_ordered_trie_root_matches_py_evms(n: int) -> None:
    """Transaction/receipt roots: keys rlp(0) = 0x80, rlp(1..127) one byte, rlp(128..) 0x81.. two bytes (py-evm's
    ``eth/db/trie.py`` ``make_trie_root_and_nodes`` is the reference)."""
    from eth.db.trie import make_trie_root_and_nodes

    from hemi.hvm.vm import ordered_trie_root

    items = tuple(_Encoded(keccak(i.to_bytes(4, "big")) * (1 + i % 3)) for i in range(n))
    assert ordered_trie_root(items) == make_trie_root_and_nodes(items)[0]


def test_a_batch_over_a_missing_node_raises_missing_trie_node_and_stays() -> None:
    """As ``HexaryTrie`` refuses a write over a node its database lacks (``MissingTrieNode``), the batch refuses when
    it is applied, and keeps the writes: reading the root again does not answer the old root as if nothing was
    written."""
    from trie.exceptions import MissingTrieNode

    full = BatchedHexaryTrie({})
    keys = [keccak(bytes([i])) for i in range(40)]
    for k in keys:
        full[k] = b"v" + k
    root = full.root_hash
    db = dict(full.db)
    child = HexaryTrie(db, root).get_node(root)[keys[0][0] >> 4]  # the root's child on key 0's path
    del db[child]
    trie_batch._decoded.clear()  # a node known by its hash is decoded from memory whatever the database: forget them
    broken = BatchedHexaryTrie(db, root)
    broken[keys[0]] = b"new"
    for _ in range(2):
        with pytest.raises(MissingTrieNode):
            broken.root_hash  # noqa: B018 - applies the batch


def test_decoded_node_cache_drops_its_older_half_when_full() -> None:
    """When the cache of decoded nodes is full, the nodes remembered last stay (the next block's batch starts from
    them) and the oldest go; it never grows past its bound."""
    saved = dict(trie_batch._decoded)
    try:
        trie_batch._decoded.clear()
        limit = trie_batch._DECODED_MAX
        keys = [keccak(i.to_bytes(4, "big")) for i in range(limit + 10)]
        for i, k in enumerate(keys):
            trie_batch._remember(k, [bytes([i % 256])])
            assert len(trie_batch._decoded) <= limit
        assert all(trie_batch.known_node(k) is not None for k in keys[-limit // 2:])
        assert trie_batch.known_node(keys[0]) is None
        assert trie_batch.known_node(keys[-1]) == [bytes([(limit + 9) % 256])]
    finally:
        trie_batch._decoded.clear()
        trie_batch._decoded.update(saved)
