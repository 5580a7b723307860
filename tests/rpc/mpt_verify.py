"""An independent Merkle-Patricia proof check for the tests (written from the Ethereum Yellow Paper, appendix D, not
from the trie library the devchain uses): walk the proof from the root, each hash-referenced node must hash to its
reference; returns the value at ``key`` or None when the proof shows the key absent."""

from __future__ import annotations

import rlp
from eth_hash.auto import keccak


def _nibbles(b: bytes) -> list[int]:
    out = []
    for x in b:
        out += [x >> 4, x & 15]
    return out


def _decode_path(encoded: bytes) -> tuple[list[int], bool]:
    nib = _nibbles(encoded)
    flag = nib[0]
    return (nib[1:] if flag & 1 else nib[2:]), bool(flag & 2)


def verify(root: bytes, key: bytes, proof: list[bytes]) -> bytes | None:
    path = _nibbles(keccak(key))
    nodes = {keccak(n): n for n in proof}
    ref: object = root
    while True:
        if isinstance(ref, bytes) and len(ref) == 32:
            if ref not in nodes:
                raise AssertionError(f"proof lacks the node {ref.hex()}")
            node = rlp.decode(nodes[ref])
        elif isinstance(ref, list):
            node = ref  # embedded node (under 32 bytes)
        elif ref == b"":
            return None
        else:
            raise AssertionError(f"bad reference {ref!r}")
        if len(node) == 17:
            if not path:
                return node[16] or None
            ref, path = node[path[0]], path[1:]
            if ref == b"":
                return None
        elif len(node) == 2:
            seg, leaf = _decode_path(node[0])
            if path[:len(seg)] != seg:
                return None
            path = path[len(seg):]
            if leaf:
                return node[1] if not path else None
            ref = node[1]
        else:
            raise AssertionError(f"bad node of {len(node)} items")
