"""hemi.hvm.node_store: the devchain's node database keeps large branch nodes as tuples of their items, and reads,
iteration and saved states give exactly the bytes a plain dict (py-evm's ``MemoryDB``) would hold.

The references are a plain dict written by the same batches, the ``trie`` library's own reader
(ethereum/py-trie ``trie/hexary.py``) at every root the batches made, and content addressing itself: every value in
the store under a 32-byte key is a trie node, contract code or the genesis header, stored under its keccak hash
(the other keys are py-evm's genesis bookkeeping, such as ``v1:canonical_head_hash``).
"""

from __future__ import annotations

import random

from eth_utils import keccak
from trie import HexaryTrie
from trie.constants import BLANK_NODE_HASH

from hemi import Devchain
from hemi.hvm import trie_batch
from hemi.hvm.node_store import NodeStore, packed_count
from hemi.hvm.trie_batch import apply_batch


def _engine_store(dev: Devchain) -> NodeStore:
    store = dev.engine.chain.chaindb.db.wrapped_db
    assert isinstance(store, NodeStore)
    return store


def test_random_tries_read_back_as_from_a_plain_dict() -> None:
    """Batches of writes to a 3,000-key trie (full 16-child branches at the top, as the account trie's root and the
    history contract's storage), into a NodeStore and into a dict: the same roots, keys and bytes, and the trie
    library reads every earlier root's contents from the store."""
    rng = random.Random(7)
    store, plain = NodeStore(), {}
    root_s = root_p = BLANK_NODE_HASH
    contents: dict[bytes, bytes] = {}
    history: list[tuple[bytes, dict[bytes, bytes]]] = []
    keys = [keccak(i.to_bytes(4, "big")) for i in range(3000)]
    for round_ in range(40):
        if round_ == 0:
            batch = {k: rng.randbytes(rng.choice((1, 33, 70))) for k in keys}
        else:
            batch = {rng.choice(keys): rng.choice((b"", rng.randbytes(rng.choice((1, 33, 70))))) for _ in range(5)}
        for k, v in batch.items():
            if v:
                contents[k] = v
            else:
                contents.pop(k, None)
        root_s = apply_batch(store, root_s, batch)
        root_p = apply_batch(plain, root_p, batch)
        assert root_s == root_p
        history.append((root_s, dict(contents)))
    assert set(store) == set(plain) and len(store) == len(plain)
    assert all(store[k] == plain[k] for k in plain)
    assert packed_count(store) >= 40  # at least each round's new root
    for root, expected in history[::8]:
        reader = HexaryTrie(store, root)
        assert {k: reader.get(k) for k in keys if reader.get(k)} == expected


def test_devchain_store_is_content_addressed_and_shares_child_hashes() -> None:
    """After 300 automined transfers (more nodes than the decoded-node cache holds), every value read from the
    engine's store hashes to its key, large branches are kept packed, their child hashes are the store's own key
    objects, and a balance at an early block still reads right."""
    dev = Devchain()
    w3 = dev.w3
    a, b = w3.eth.accounts[:2]
    start = w3.eth.get_balance(b)
    for _ in range(10):
        w3.eth.send_transaction({"from": a, "to": b, "value": 1})
    early = w3.eth.block_number
    for _ in range(290):
        w3.eth.send_transaction({"from": a, "to": b, "value": 1})
    store = _engine_store(dev)
    assert all(keccak(store[k]) == k for k in store if len(k) == 32)
    packed = [v for v in store.kv_store.values() if type(v) is tuple]
    assert len(packed) >= 300  # the account trie's root is a large branch, new each block
    assert all(len(v) == 17 for v in packed)
    key_ids = {id(k) for k in store.kv_store}
    children = [item for v in packed for item in v[:16] if len(item) == 32]
    shared = sum(id(item) in key_ids for item in children)
    assert shared > 0.9 * len(children), (shared, len(children))
    assert w3.eth.get_balance(b, block_identifier=early) == start + 10
    assert w3.eth.get_balance(b) == start + 300


def test_a_value_that_is_not_the_cached_nodes_encoding_is_kept_as_written() -> None:
    """Only a node's own encoding is packed: other bytes under a cached node's hash stay as they were given."""
    store = NodeStore()
    node = [keccak(bytes([i])) for i in range(16)] + [b""]
    encoded = trie_batch.rlp_encode(node)
    key = keccak(encoded)
    trie_batch._remember(key, node)
    store[key] = encoded
    assert type(store.kv_store[key]) is tuple and store[key] == encoded
    other = encoded[:-1] + b"\x01"  # same length, not the node's encoding
    store[key] = other
    assert store.kv_store[key] == other and store[key] == other
    assert packed_count(store) == 0


def test_saved_state_holds_the_bytes_and_loads() -> None:
    """A saved state's database is every node's bytes (each hashing to its key); loading it reads the same chain."""
    dev = Devchain()
    w3 = dev.w3
    a, b = w3.eth.accounts[:2]
    for _ in range(40):
        w3.eth.send_transaction({"from": a, "to": b, "value": 3})
    data = dev.dump_state_data()
    loaded = Devchain.load_state_data(data)
    store = _engine_store(loaded)
    assert set(store) == set(_engine_store(dev))
    assert all(keccak(store[k]) == k for k in store if len(k) == 32)
    assert loaded.w3.eth.get_block("latest")["stateRoot"] == w3.eth.get_block("latest")["stateRoot"]
    assert loaded.w3.eth.get_balance(b, block_identifier=20) == w3.eth.get_balance(b, block_identifier=20)
    loaded.w3.eth.send_transaction({"from": a, "to": b, "value": 3})
    assert loaded.w3.eth.get_balance(b) == w3.eth.get_balance(b) + 3
