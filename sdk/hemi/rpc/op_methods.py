"""OP-stack controls over JSON-RPC (registered into :data:`hemi.rpc.eth.METHODS` when imported).

``hemi_sendDepositTransaction(tx)`` queues a deposit as if it came from L1 (what the OptimismPortal's
``depositTransaction`` becomes on L2): ``tx`` is ``{"from", "to"?, "value"?, "mint"?, "gas"?, "data"|"input"?,
"sourceHash"?, "mine"?}`` (quantities as 0x-hex; no ``to`` creates a contract). It opens the next L2 block after the
L1-attributes deposit (:meth:`hemi.node.op_stack.OpStack.deposit`); the result is its transaction hash.
"""

from __future__ import annotations

from typing import Any

from hemi.errors import HemiValueError
from hemi.rpc.eth import EthApi, RPCError, d, method, parse_addr, parse_data, parse_q


@method("hemi_sendDepositTransaction")
def _send_deposit(api: EthApi, tx: Any) -> str:
    if api.dev.op is None:
        raise RPCError(-32000, "this devchain has no OP-stack blocks (created with op_stack=False)")
    if not isinstance(tx, dict) or not tx.get("from"):
        raise RPCError(-32602, "a deposit is an object with at least `from`")
    source = tx.get("sourceHash")
    try:
        h = api.dev.op.deposit(
            sender=parse_addr(tx["from"], "from"), to=parse_addr(tx["to"], "to") if tx.get("to") else None,
            value=parse_q(tx.get("value", "0x0"), "value"), mint=parse_q(tx.get("mint", "0x0"), "mint"),
            gas=parse_q(tx.get("gas", hex(100_000)), "gas"), data=parse_data(tx.get("data", tx.get("input")), "data"),
            source_hash=parse_data(source, "sourceHash") if source else None, mine=bool(tx.get("mine", True)))
    except HemiValueError as err:
        raise RPCError(-32602, str(err)) from None
    return d(h)
