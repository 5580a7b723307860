"""JSON fields that an OP-stack node (Hemi's op-geth) adds to Ethereum's transaction and receipt shapes.

Kept out of :mod:`hemi.rpc.shapes` so that module stays the plain Ethereum face; it calls :func:`extend_tx` and
:func:`receipt_extra` for each transaction and receipt it renders. Sources: hemilabs/op-geth
``internal/ethapi/api.go`` (``newRPCTransaction``, ``marshalReceipt``), ethereum/go-ethereum the same file for
EIP-7702's ``authorizationList``.
"""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address


def q(n: int) -> str:
    return hex(n)


def addr(b: bytes | None) -> str | None:
    return None if b is None else to_checksum_address(b)


def extend_tx(out: dict, tx: Any, rec: Any | None) -> None:
    """Fields beyond Ethereum's common ones, in place: EIP-7702's authorization list; a system transaction's own
    shape (no chain id or fee caps, gas price 0, the executed nonce, a deposit's sourceHash/mint)."""
    if getattr(tx, "type_id", None) == 4:  # other types raise on authorization_list
        auths = tx.authorization_list
        out["authorizationList"] = [
            {"chainId": q(a.chain_id), "address": addr(a.address), "nonce": q(a.nonce),
             "yParity": q(a.y_parity), "r": q(a.r), "s": q(a.s)} for a in auths]
    render = getattr(tx, "rpc_fields", None)
    if render is not None:
        render(out)


def receipt_extra(tx: Any, rec: Any) -> dict:
    """op-geth's receipt additions: L1 fee fields for L2-originated transactions, deposit or PoP-payout nonces."""
    render = getattr(tx, "receipt_fields", None)
    if render is not None:
        fields: dict[str, Any] = render()
        return fields
    l1 = getattr(rec, "l1", None)
    return l1.rpc_fields() if l1 is not None else {}
