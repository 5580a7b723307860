"""Merkle Patricia trie updates applied as one batch: each changed node is encoded and hashed once per batch.

py-evm writes a block's state into its tries key by key (``trie.HexaryTrie.set``): every key re-encodes, re-hashes
and stores each node on its path, then prunes the nodes it replaced, so the upper nodes of the account trie are
rebuilt once per changed account and a block's state root was a third of an automined transfer. Here the changes to
one trie wait in a dict until its root is asked for; :func:`apply_batch` then walks the old trie once, rebuilding
only the nodes on changed paths, each once, and stores only the final nodes (no intermediate node is written, so
there is nothing to prune).

Nodes are the ``trie`` library's decoded form (``rlp.decode`` of a node: lists of bytes; a child is ``b""``, a
32-byte node hash or an embedded node of under 32 encoded bytes) and keys its hex-prefix encoding, so the trie built
is the canonical one of the Yellow Paper (appendix D) and its root is the one ``HexaryTrie`` computes for the same
contents (tests/hvm/test_trie_batch.py checks that on random insert/update/delete sequences).

:class:`BatchedHexaryTrie` is a ``HexaryTrie`` whose ``set``/``delete`` go into the batch; reads see the batch first,
then the trie at the last root; reading ``root_hash`` applies the batch. py-evm makes a fresh trie per block and
per account, which would traverse and decode the same nodes again each block; two bounded caches, shared by every
trie because a trie's contents are named by its root hash, spare that: decoded nodes by hash (:func:`decoded_node`)
and values by (root, key), filled by reads and by each batch with what it wrote under its new root (a block reads
mostly what the block before wrote: L1Block's slots, the fee vaults, the sender).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import rlp
from eth_utils import keccak
from rlp.codec import encode_raw
from trie import HexaryTrie
from trie.constants import BLANK_NODE, BLANK_NODE_HASH, NODE_TYPE_BRANCH, NODE_TYPE_LEAF
from trie.exceptions import MissingTraversalNode, MissingTrieNode
from trie.utils.nibbles import bytes_to_nibbles
from trie.utils.nodes import compute_extension_key, compute_leaf_key, extract_key, get_node_type
from trie.validation import validate_is_bytes

_DECODED_MAX = 4096  # decoded nodes kept (a few MiB): the account trie's upper nodes and the hot contracts' paths
_decoded: dict[bytes, Any] = {}
_VALUES_MAX = 16384
_values: dict[tuple[bytes, bytes], bytes] = {}  # (root hash, key) -> value: what a trie at that root holds

Nibbles = tuple[int, ...]
Items = list[tuple[Nibbles, bytes]]  # sorted by path, paths unique; b"" deletes


def apply_batch(db: Any, root_hash: bytes, changes: Mapping[bytes, bytes]) -> bytes:
    """Write ``changes`` (key -> value; ``b""`` deletes the key) into the trie at ``root_hash`` stored in ``db``
    (node hash -> encoded node); returns the new root hash. New nodes are written to ``db``; none is deleted, so the
    old root stays readable."""
    items = sorted((tuple(bytes_to_nibbles(k)), v) for k, v in changes.items())
    root = BLANK_NODE if root_hash == BLANK_NODE_HASH else decoded_node(db, root_hash)
    new = _update(db, root, items)
    if new == BLANK_NODE:
        return bytes(BLANK_NODE_HASH)
    encoded = encode_raw(new)
    digest = keccak(encoded)  # the root is always stored by its hash, even when under 32 bytes
    db[digest] = encoded
    return digest


def decoded_node(db: Any, node_hash: bytes) -> Any:
    """The node stored under ``node_hash``, decoded. Decodings are shared (a node's hash names its contents, so one
    decoding serves every database holding it): callers never change a node in place, they build new lists."""
    node = _decoded.get(node_hash)
    if node is None:
        node = rlp.decode(db[node_hash])
        if len(_decoded) >= _DECODED_MAX:
            _decoded.clear()
        _decoded[node_hash] = node
    return node


def _load(db: Any, ref: Any) -> Any:
    """The node a branch or extension slot refers to."""
    if ref == BLANK_NODE or isinstance(ref, list):  # empty, or embedded in its parent
        return ref
    return decoded_node(db, ref)


def _ref(db: Any, node: Any) -> Any:
    """How a parent refers to ``node``: embedded when its encoding is under 32 bytes, else its stored hash."""
    if node == BLANK_NODE:
        return BLANK_NODE
    encoded = encode_raw(node)
    if len(encoded) < 32:
        return node
    digest = keccak(encoded)
    db[digest] = encoded
    return digest


def _update(db: Any, node: Any, items: Items) -> Any:
    """``node`` with ``items`` (paths relative to it) written in; returns the new node (not stored) or BLANK_NODE."""
    if not items:
        return node
    if node == BLANK_NODE:
        return _build(db, [(p, v) for p, v in items if v])
    kind = get_node_type(node)
    if kind == NODE_TYPE_LEAF:
        merged = dict(items)
        key = tuple(extract_key(node))
        merged.setdefault(key, node[1])
        return _build(db, sorted((p, v) for p, v in merged.items() if v))
    if kind == NODE_TYPE_BRANCH:
        return _update_branch(db, list(node), items, set())
    # an extension: descend when every path goes through it, else split it into a branch and go on from there
    prefix = tuple(extract_key(node))
    n = len(prefix)
    if all(p[:n] == prefix for p, _ in items):
        child = _update(db, _load(db, node[1]), [(p[n:], v) for p, v in items])
        return _with_prefix(db, prefix, child)
    branch = [BLANK_NODE] * 17
    branch[prefix[0]] = node[1] if n == 1 else [compute_extension_key(prefix[1:]), node[1]]
    return _update_branch(db, branch, items, {prefix[0]} if n > 1 else set())


def _update_branch(db: Any, branch: list, items: Items, touched: set[int]) -> Any:
    """A branch node with ``items`` written in, normalised (a branch left with one entry becomes a leaf or an
    extension). ``touched`` are slots holding a node not yet referenced (it is referenced when the branch stays)."""
    i, end = 0, len(items)
    if not items[0][0]:  # the empty path: the branch's own value
        branch[16] = items[0][1]
        i = 1
    while i < end:
        nibble = items[i][0][0]
        j = i
        while j < end and items[j][0][0] == nibble:
            j += 1
        branch[nibble] = _update(db, _load(db, branch[nibble]), [(p[1:], v) for p, v in items[i:j]])
        touched.add(nibble)
        i = j
    children = [k for k in range(16) if branch[k] != BLANK_NODE]
    if not children:
        return [compute_leaf_key(()), branch[16]] if branch[16] else BLANK_NODE
    if len(children) == 1 and not branch[16]:
        k = children[0]
        return _with_prefix(db, (k,), _load(db, branch[k]))
    for k in touched:
        if branch[k] != BLANK_NODE:
            branch[k] = _ref(db, branch[k])
    return branch


def _with_prefix(db: Any, prefix: Nibbles, child: Any) -> Any:
    """``child`` reached through ``prefix``: a leaf or extension absorbs it; a branch gets an extension above."""
    if child == BLANK_NODE:
        return BLANK_NODE
    kind = get_node_type(child)
    if kind == NODE_TYPE_LEAF:
        return [compute_leaf_key(prefix + tuple(extract_key(child))), child[1]]
    if kind == NODE_TYPE_BRANCH:
        return [compute_extension_key(prefix), _ref(db, child)]
    return [compute_extension_key(prefix + tuple(extract_key(child))), child[1]]


def _build(db: Any, items: Items) -> Any:
    """A new trie of ``items`` (sorted, non-empty values)."""
    if not items:
        return BLANK_NODE
    if len(items) == 1:
        return [compute_leaf_key(items[0][0]), items[0][1]]
    first, last = items[0][0], items[-1][0]
    common = 0
    limit = min(len(first), len(last))
    while common < limit and first[common] == last[common]:
        common += 1
    if common:
        return _with_prefix(db, first[:common], _build(db, [(p[common:], v) for p, v in items]))
    return _update_branch(db, [BLANK_NODE] * 17, items, set())


class BatchedHexaryTrie(HexaryTrie):
    """A ``HexaryTrie`` whose writes wait in a batch until its root is read (see the module docstring)."""

    def __init__(self, db: Any, root_hash: bytes = BLANK_NODE_HASH, prune: bool = False,
                 ref_count: Any = None) -> None:
        self._changes: dict[bytes, bytes] = {}
        super().__init__(db, root_hash, prune=prune, ref_count=ref_count)

    _root: bytes

    @property  # HexaryTrie's slot; every use of it goes through here
    def root_hash(self) -> bytes:
        if self._changes:
            changes, self._changes = self._changes, {}
            self._root = root = apply_batch(self.db, self._root, changes)
            if len(_values) + len(changes) > _VALUES_MAX:
                _values.clear()
            for key, value in changes.items():  # the next block's reads of what this one wrote need no traversal
                _values[root, key] = value
        return self._root

    @root_hash.setter
    def root_hash(self, value: bytes) -> None:
        self._changes = {}  # pointing the trie at another root drops what was written on top of the old one
        self._root = value

    def get(self, key: bytes) -> bytes:
        validate_is_bytes(key)
        value = self._changes.get(key)
        if value is not None:
            return value
        root = self._root  # the trie before the batch (reading does not apply it)
        value = _values.get((root, key))
        if value is not None:
            return value
        try:
            value = bytes(self._get(root, bytes_to_nibbles(key)))
        except MissingTraversalNode as exc:
            raise MissingTrieNode(exc.missing_node_hash, root, key, exc.nibbles_traversed) from exc
        if len(_values) >= _VALUES_MAX:
            _values.clear()
        _values[root, key] = value
        return value

    def get_node(self, node_hash: Any) -> Any:
        if isinstance(node_hash, bytes) and len(node_hash) == 32 and node_hash != BLANK_NODE_HASH:
            return decoded_node(self.db, node_hash)
        return super().get_node(node_hash)

    def set(self, key: bytes, value: bytes) -> None:
        validate_is_bytes(key)
        validate_is_bytes(value)
        self._changes[key] = value

    def delete(self, key: bytes) -> None:
        validate_is_bytes(key)
        self._changes[key] = BLANK_NODE

    @contextlib.contextmanager
    def squash_changes(self) -> Iterator[BatchedHexaryTrie]:
        """Writes inside the block land in the batch, which writes only final nodes already; on an exception the
        trie is as before the block."""
        root, changes = self._root, dict(self._changes)
        try:
            yield self
        except BaseException:
            self._root, self._changes = root, changes
            raise
