"""Receipts of the tunnel's transactions, made from the engine's records in the shape web3.py gives them.

``Tunnel.confirm``, ``finalize`` and ``challenge`` return the receipt of the transaction they sent; users read it
as a web3 receipt (``receipt.status``, ``receipt["from"]``, ``contract.events.X().process_receipt(receipt)``), so
it is built here as web3 formats ``eth_getTransactionReceipt``: an ``AttributeDict`` with ``HexBytes`` hashes, int
quantities and checksummed addresses, its logs alike, and the OP-stack fields (L1 fee, deposit nonce) as op-geth
adds them (hemilabs/op-geth internal/ethapi/api.go ``marshalReceipt``), left as 0x-hex as web3 leaves fields it does
not know. ``tests/node/tunnel/test_receipts.py`` checks it equals what ``dev.w3`` answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address
from hexbytes import HexBytes

from hemi.hvm.engine import EvmEngine, TxRecord

if TYPE_CHECKING:
    from web3.datastructures import AttributeDict

__all__ = ["web3_receipt"]


def _effective_gas_price(tx: Any, base_fee: int) -> int:
    if getattr(tx, "is_op_system", False):  # deposits and the other system transactions pay nothing
        return 0
    if getattr(tx, "type_id", None):  # EIP-1559 and later: the tip is capped by the fee cap
        return int(min(tx.max_fee_per_gas, base_fee + tx.max_priority_fee_per_gas))
    return int(tx.gas_price)


def _op_fields(rec: TxRecord) -> dict[str, Any]:
    render = getattr(rec.tx, "receipt_fields", None)  # a system transaction's own fields
    if render is not None:
        return dict(render())
    return dict(rec.l1.rpc_fields()) if rec.l1 is not None else {}


def web3_receipt(engine: EvmEngine, rec: TxRecord) -> AttributeDict[str, Any]:
    """The receipt of the mined transaction ``rec`` as web3.py formats it."""
    # deferred: importing web3 takes longer than starting a devchain, and only a receipt handed to a user needs it
    from web3.datastructures import AttributeDict

    block = engine.block(rec.block_number)
    r, tx = rec.receipt, rec.tx
    block_hash, tx_hash = HexBytes(block.hash), HexBytes(tx.hash)
    logs = [AttributeDict({
        "address": to_checksum_address(lg.address),
        "topics": [HexBytes(t.to_bytes(32, "big")) for t in lg.topics],
        "data": HexBytes(lg.data), "blockNumber": rec.block_number, "blockHash": block_hash,
        "transactionHash": tx_hash, "transactionIndex": rec.index, "logIndex": rec.log_index_start + i,
        "removed": False}) for i, lg in enumerate(r.logs)]
    return AttributeDict({
        "transactionHash": tx_hash, "transactionIndex": rec.index, "blockHash": block_hash,
        "blockNumber": rec.block_number, "from": to_checksum_address(rec.sender),
        "to": to_checksum_address(tx.to) if tx.to else None, "cumulativeGasUsed": r.gas_used,
        "gasUsed": rec.gas_used, "effectiveGasPrice": _effective_gas_price(tx, block.header.base_fee_per_gas),
        "contractAddress": None if rec.contract_address is None else to_checksum_address(rec.contract_address),
        "logs": logs, "logsBloom": HexBytes(r.bloom.to_bytes(256, "big")), "type": getattr(tx, "type_id", None) or 0,
        "status": 0 if rec.error else 1, **_op_fields(rec)})
