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
from itertools import islice
from typing import Any

import rlp
from eth_hash.auto import keccak  # eth-hash's own: eth_utils' wrapper re-checks its arguments on every call
from trie import HexaryTrie
from trie.constants import BLANK_NODE, BLANK_NODE_HASH
from trie.exceptions import MissingTraversalNode, MissingTrieNode
from trie.validation import validate_is_bytes

_DECODED_MAX = 2048  # decoded nodes kept (~2 MiB): the nodes the last blocks wrote and read
_decoded: dict[bytes, Any] = {}
_VALUES_MAX = 4096
_values: dict[tuple[bytes, bytes], bytes] = {}  # (root hash, key) -> value: what a trie at that root holds

Nibbles = tuple[int, ...]
Items = list[tuple[Nibbles, bytes]]  # sorted by path, paths unique; b"" deletes


def apply_batch(db: Any, root_hash: bytes, changes: Mapping[bytes, bytes]) -> bytes:
    """Write ``changes`` (key -> value; ``b""`` deletes the key) into the trie at ``root_hash`` stored in ``db``
    (node hash -> encoded node); returns the new root hash. New nodes are written to ``db``; none is deleted, so the
    old root stays readable."""
    items = sorted((_nibbles(k), v) for k, v in changes.items())
    root = BLANK_NODE if root_hash == BLANK_NODE_HASH else decoded_node(db, root_hash)
    new = _update(db, root, items)
    if new == BLANK_NODE:
        return bytes(BLANK_NODE_HASH)
    encoded = rlp_encode(new)
    digest = keccak(encoded)  # the root is always stored by its hash, even when under 32 bytes
    _remember(digest, new)  # before the write: a node store keeps a large branch by these items (known_node)
    db[digest] = encoded
    return digest


def decoded_node(db: Any, node_hash: bytes) -> Any:
    """The node stored under ``node_hash``, decoded. Decodings are shared (a node's hash names its contents, so one
    decoding serves every database holding it): callers never change a node in place, they build new lists."""
    node = _decoded.get(node_hash)
    if node is None:
        node = rlp.decode(db[node_hash])
        _remember(node_hash, node)
    return node


def known_node(node_hash: bytes) -> Any:
    """The decoded node cached under ``node_hash`` (one this process wrote or read lately), or None. The node's
    child hashes are the objects its children were stored under when the batch built them (see
    :mod:`hemi.hvm.node_store`, which keeps large branches by these references)."""
    return _decoded.get(node_hash)


def _remember(node_hash: bytes, node: Any) -> None:
    if len(_decoded) >= _DECODED_MAX:
        # the older half goes (a dict keeps insertion order): the nodes the last blocks wrote stay, so the next
        # batch does not decode its trie's root again (and the node store keeps sharing their child hashes)
        for key in list(islice(_decoded, _DECODED_MAX // 2)):
            del _decoded[key]
    _decoded[node_hash] = node


# ---------------------------------------------------------------------------------------------- encodings
# The trie library's helpers for these go through generators and decorators; these are the same encodings
# (hex-prefix: Yellow Paper appendix C; RLP: appendix B) for the shapes a trie node has (lists of bytes and lists).

# Nibbles go through hex text: bytes.hex and bytes.translate do per byte in C what a Python loop would.
_TO_NIBBLES = bytes.maketrans(b"0123456789abcdef", bytes(range(16)))
_FROM_NIBBLES = bytes.maketrans(bytes(range(16)), b"0123456789abcdef")


def _nibbles(data: bytes) -> Nibbles:
    return tuple(data.hex().encode().translate(_TO_NIBBLES))


def _path_key(path: Nibbles, leaf: bool) -> bytes:
    """Hex-prefix encoding of ``path``: flag nibble 2 for a leaf, 0 for an extension, +1 when the length is odd."""
    flag = 2 if leaf else 0
    nibs = bytes((flag + 1, *path)) if len(path) % 2 else bytes((flag, 0, *path))
    return bytes.fromhex(nibs.translate(_FROM_NIBBLES).decode())


def _key_path(node: list) -> Nibbles:
    """The path of a leaf or extension node (its hex-prefix key decoded)."""
    nibs = _nibbles(node[0])
    return nibs[1:] if nibs[0] & 1 else nibs[2:]


def _is_leaf(node: list) -> bool:
    return len(node) == 2 and node[0][0] & 0x20 != 0  # hex-prefix flag 2 or 3


def rlp_encode(item: Any) -> bytes:
    """RLP of nested lists of byte strings (a trie node, an account's fields). A node's items are mostly 32-byte
    hashes and empty strings, encoded here without a call each."""
    if type(item) is not list:
        return _rlp_string(item)
    parts = []
    for x in item:
        if type(x) is list:
            parts.append(rlp_encode(x))
            continue
        n = len(x)
        if n == 32:
            parts.append(b"\xa0" + x)
        elif n == 0:
            parts.append(b"\x80")
        else:
            parts.append(_rlp_string(x))
    payload = b"".join(parts)
    n = len(payload)
    return (bytes((0xC0 + n,)) if n < 56 else _length_prefix(n, 0xC0)) + payload


def _rlp_string(item: Any) -> bytes:
    n = len(item)
    if n == 1 and item[0] < 0x80:
        return bytes(item)
    return (bytes((0x80 + n,)) if n < 56 else _length_prefix(n, 0x80)) + bytes(item)


def rlp_uint(n: int) -> bytes:
    """An integer as RLP's byte string: big-endian, no leading zeros, 0 empty (what ``rlp.encode`` writes for it)."""
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


def _length_prefix(n: int, offset: int) -> bytes:
    if n < 56:
        return bytes((offset + n,))
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((offset + 55 + len(size),)) + size


# ---------------------------------------------------------------------------------------------- the batch


def _load(db: Any, ref: Any) -> Any:
    """The node a branch or extension slot refers to."""
    if ref == BLANK_NODE or isinstance(ref, list):  # empty, or embedded in its parent
        return ref
    return decoded_node(db, ref)


def _ref(db: Any, node: Any) -> Any:
    """How a parent refers to ``node``: embedded when its encoding is under 32 bytes, else its stored hash."""
    if node == BLANK_NODE:
        return BLANK_NODE
    encoded = rlp_encode(node)
    if len(encoded) < 32:
        return node
    digest = keccak(encoded)
    # the next block's batch starts from these nodes: no need to decode them again; remembered before the write, as
    # in apply_batch
    _remember(digest, node)
    db[digest] = encoded
    return digest


def _update(db: Any, node: Any, items: Items) -> Any:
    """``node`` with ``items`` (paths relative to it) written in; returns the new node (not stored) or BLANK_NODE."""
    if not items:
        return node
    if node == BLANK_NODE:
        return _build(db, [(p, v) for p, v in items if v])
    if len(node) == 17:
        return _update_branch(db, list(node), items, set())
    if _is_leaf(node):
        merged = dict(items)
        merged.setdefault(_key_path(node), node[1])
        return _build(db, sorted((p, v) for p, v in merged.items() if v))
    # an extension: descend when every path goes through it, else split it into a branch and go on from there
    prefix = _key_path(node)
    n = len(prefix)
    if all(p[:n] == prefix for p, _ in items):
        child = _update(db, _load(db, node[1]), [(p[n:], v) for p, v in items])
        return _with_prefix(db, prefix, child)
    branch = [BLANK_NODE] * 17
    branch[prefix[0]] = node[1] if n == 1 else [_path_key(prefix[1:], False), node[1]]
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
        return [_path_key((), True), branch[16]] if branch[16] else BLANK_NODE
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
    if len(child) == 17:
        return [_path_key(prefix, False), _ref(db, child)]
    return [_path_key(prefix + _key_path(child), _is_leaf(child)), child[1]]


def _build(db: Any, items: Items) -> Any:
    """A new trie of ``items`` (sorted, non-empty values)."""
    if not items:
        return BLANK_NODE
    if len(items) == 1:
        return [_path_key(items[0][0], True), items[0][1]]
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
            changes = self._changes
            try:
                root = apply_batch(self.db, self._root, changes)
            except KeyError as exc:  # a node of the old trie is not in the database: the batch stays, unapplied
                missing = exc.args[0] if exc.args and isinstance(exc.args[0], bytes) else b""
                raise MissingTrieNode(missing, self._root, next(iter(changes))) from None
            self._root, self._changes = root, {}
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
            value = bytes(self._get(root, _nibbles(key)))
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
