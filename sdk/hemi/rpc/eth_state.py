"""``eth_*`` methods that read an account's state at a block: balance, nonce, code, storage, and ``eth_getProof``
(EIP-1186), an account's fields with Merkle proofs of it and of storage slots, as geth answers
(ethereum/go-ethereum internal/ethapi/api.go ``GetProof``; ethereum/execution-apis src/eth/state.yaml). The proofs
are computed by the engine (``prove_at``, through :mod:`hemi.node.api`); each storage result echoes the key as the
caller wrote it.

"latest" proves the state the devchain's "latest" reads: the head block's ``stateRoot``, or, after a direct edit
(``anvil_setBalance`` and friends) since the head was sealed, the root holding that edit (anvil behaves the same).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.params import Handler, addr, d, parse_addr, parse_data, parse_uint256, q

MAX_PROOF_KEYS = 1024  # one request holds the devchain: bound the work a single call can ask for


def get_balance(api: RpcContext, address: Any, tag: Any = "latest") -> str:
    return q(api.engine.state(api.state_number(tag)).get_balance(parse_addr(address)))


def get_tx_count(api: RpcContext, address: Any, tag: Any = "latest") -> str:
    return q(api.engine.state(api.state_number(tag)).get_nonce(parse_addr(address)))


def get_code(api: RpcContext, address: Any, tag: Any = "latest") -> str:
    return d(api.engine.state(api.state_number(tag)).get_code(parse_addr(address)))


def get_storage(api: RpcContext, address: Any, slot: Any, tag: Any = "latest") -> str:
    value = api.engine.state(api.state_number(tag)).get_storage(parse_addr(address), parse_uint256(slot, "slot"))
    return d(value.to_bytes(32, "big"))


def _slot(key: Any) -> int:
    """A storage key: 0x-hex of at most 32 bytes (geth accepts both a quantity and 32-byte data)."""
    if not isinstance(key, str) or key[:2] not in ("0x", "0X") or len(key) > 66 or len(key) < 3:
        raise RPCError(-32602, f"invalid storage key {key!r}: expected 0x-hex of at most 32 bytes")
    raw = key[2:]
    return int.from_bytes(parse_data("0x" + ("0" * (len(raw) % 2)) + raw, "storage key"), "big")


def get_proof(api: RpcContext, address: Any, keys: Any, tag: Any = "latest") -> dict[str, Any]:
    account = parse_addr(address)
    if not isinstance(keys, list):
        raise RPCError(-32602, "invalid storage keys: expected an array of 0x-hex keys")
    if len(keys) > MAX_PROOF_KEYS:
        raise RPCError(-32602, f"too many storage keys: {len(keys)} (at most {MAX_PROOF_KEYS})")
    slots = [_slot(k) for k in keys]
    from hemi.node.api import prove_at  # deferred: the proof code loads on the first eth_getProof, not with every face

    p = prove_at(api.engine, api.state_number(tag), account, slots)
    return {
        "address": addr(account), "accountProof": [d(n) for n in p.proof], "balance": q(p.balance),
        "codeHash": d(p.code_hash), "nonce": q(p.nonce), "storageHash": d(p.storage_root),
        "storageProof": [{"key": k, "value": q(s.value), "proof": [d(n) for n in s.proof]}
                         for k, s in zip(keys, p.storage, strict=True)],
    }


METHODS: Mapping[str, Handler] = MappingProxyType({
    "eth_getBalance": get_balance, "eth_getTransactionCount": get_tx_count, "eth_getCode": get_code,
    "eth_getStorageAt": get_storage, "eth_getProof": get_proof,
})
