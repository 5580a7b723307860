"""Mining RPCs (Bitcoin Core's ``rpc/mining.cpp``): generatetoaddress, generateblock, submitblock.

Blocks are mined by the chain itself at regtest difficulty. ``generateblock`` with ``submit`` false builds the
block for real inside ``anchor()`` and returns its bytes; the chain is left as it was.
"""

from __future__ import annotations

from typing import Any

from bitcoin.core import CBlock

from hemi.btc.address import address_to_script
from hemi.errors import BlockRejected, InvalidAddressError, TransactionRejected
from hemi.types import BlockHash, Txid

from .arguments import HEX, Arg, as_int, parse_raw_tx
from .encoding import json_type
from .errors import (
    RPC_DESERIALIZATION_ERROR,
    RPC_INVALID_ADDRESS_OR_KEY,
    RPC_TYPE_ERROR,
    RPC_VERIFY_ERROR,
    JSONRPCError,
)
from .server import CoreRPC, rpc_method


def _payout_script(address: str, message: str) -> bytes:
    """The scriptPubKey to pay ``address``; RPC_INVALID_ADDRESS_OR_KEY with Core's ``message`` if invalid."""
    try:
        return address_to_script(address)
    except InvalidAddressError:
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, message) from None


@rpc_method("generatetoaddress", Arg("nblocks", "num"), Arg("address", "str"), Arg("maxtries", "num", 1_000_000))
def _generatetoaddress(rpc: CoreRPC, nblocks: Any, address: str, maxtries: Any) -> list[str]:
    n = as_int(nblocks)
    as_int(maxtries)
    spk = _payout_script(address, "Error: Invalid address")
    return [str(h) for h in rpc.chain.mine(max(0, n), to=spk)]


@rpc_method("generateblock", Arg("output", "str"), Arg("transactions", "arr"), Arg("submit", "bool", True))
def _generateblock(rpc: CoreRPC, output: str, transactions: list, submit: bool) -> dict[str, Any]:
    chain = rpc.chain
    spk = _payout_script(output, "Error: Invalid address or descriptor")
    txs: list[Any] = []
    for item in transactions:
        if not isinstance(item, str):
            raise JSONRPCError(RPC_TYPE_ERROR, f"JSON value of type {json_type(item)} is not of expected type string")
        if len(item) == 64 and HEX.match(item):
            if Txid(item) not in chain.mempool:
                raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, f"Transaction {item} not in mempool.")
            txs.append(Txid(item))
        else:
            _tx, raw = parse_raw_tx(item, f"Transaction decode failed for {item}. Make sure the tx has at least one "
                                          "input.")
            txs.append(raw)

    def mine() -> BlockHash:
        try:
            return chain.mine(1, to=spk, txs=txs)[0]
        except (TransactionRejected, BlockRejected) as err:
            raise JSONRPCError(RPC_VERIFY_ERROR, f"TestBlockValidity failed: {err.reason}") from None

    if submit:
        return {"hash": str(mine())}
    with chain.anchor():  # build the block, keep its bytes, leave the chain as it was
        h = mine()
        return {"hash": str(h), "hex": chain.block(h).serialize().hex()}


@rpc_method("submitblock", Arg("hexdata", "str"), Arg("dummy", "any", None))
def _submitblock(rpc: CoreRPC, hexdata: str, dummy: Any) -> str | None:
    if not HEX.match(hexdata):
        raise JSONRPCError(RPC_DESERIALIZATION_ERROR, "Block decode failed")
    try:
        cblock = CBlock.deserialize(bytes.fromhex(hexdata))
    except Exception:  # noqa: BLE001 - python-bitcoinlib raises assorted errors on garbage
        raise JSONRPCError(RPC_DESERIALIZATION_ERROR, "Block decode failed") from None
    if not cblock.vtx or not cblock.vtx[0].is_coinbase():
        raise JSONRPCError(RPC_DESERIALIZATION_ERROR, "Block does not start with a coinbase")
    try:
        result = rpc.chain.submit_block(cblock)
    except BlockRejected as err:
        return err.reason
    if result is not None:
        return result  # "duplicate" / "duplicate-invalid"
    return None if rpc.chain.block(BlockHash(cblock.GetHash())).in_active_chain else "inconclusive"

