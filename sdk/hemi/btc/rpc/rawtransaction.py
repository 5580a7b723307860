"""Raw transaction RPCs (Bitcoin Core's ``rpc/rawtransaction.cpp``): getrawtransaction, decoderawtransaction.

The chain keeps a transaction index, so ``getrawtransaction`` finds any confirmed transaction without a
``blockhash``, as a node run with ``-txindex=1``.
"""

from __future__ import annotations

from typing import Any

from hemi.btc import params
from hemi.btc.models import Block
from hemi.errors import UnknownTransactionError
from hemi.types import Txid

from .arguments import Arg, parse_hash, parse_raw_tx, parse_verbosity
from .blockchain import confirmed_in
from .errors import NO_SUCH_TX, RPC_INVALID_ADDRESS_OR_KEY, JSONRPCError
from .scripts import tx_json
from .server import CoreRPC, rpc_method


@rpc_method("getrawtransaction", Arg("txid", "str"), Arg("verbosity|verbose", "any", 0), Arg("blockhash", "str", None))
def _getrawtransaction(rpc: CoreRPC, txid: str, verbosity: Any, blockhash: str | None) -> Any:
    chain = rpc.chain
    key = Txid(parse_hash(txid, "parameter 1"))
    level = parse_verbosity(verbosity, 0)
    out: dict[str, Any] = {}
    if blockhash is not None:
        block = rpc.block(parse_hash(blockhash, "parameter 3"), missing="Block hash not found")
        if key not in block.txids:
            raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY,
                               "No such transaction found in the provided block. Use gettransaction for wallet "
                               "transactions.")
        tx = block.cblock.vtx[block.txids.index(key)]
        out["in_active_chain"] = block.in_active_chain
        where: Block | None = block
        info = confirmed_in(chain, key, block.hash)
    else:
        if bytes(key) == bytes(params.GENESIS_BLOCK.hashMerkleRoot):
            raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY,
                               "The genesis block coinbase is not considered an ordinary transaction and cannot be "
                               "retrieved")
        try:
            info = chain.tx(key)
        except UnknownTransactionError:
            raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, NO_SUCH_TX) from None
        tx = info.tx
        where = chain.block(info.block_hash) if info.block_hash is not None else None
    if level <= 0:
        return tx.serialize().hex()
    with_undo = level >= 2 and info is not None and info.position not in (None, 0)
    out.update(tx_json(tx, include_hex=True, fee=info.fee if with_undo else None,  # type: ignore[union-attr]
                       prevouts=rpc.prevouts(tx) if with_undo else None))
    if where is not None:
        out["blockhash"] = str(where.hash)
        if where.in_active_chain:
            out["confirmations"] = where.confirmations
            out["time"] = where.header.time
            out["blocktime"] = where.header.time
        else:
            out["confirmations"] = 0
    return out


@rpc_method("decoderawtransaction", Arg("hexstring", "str"), Arg("iswitness", "bool", None))
def _decoderawtransaction(rpc: CoreRPC, hexstring: str, iswitness: bool | None) -> dict[str, Any]:
    tx, _raw = parse_raw_tx(hexstring, "TX decode failed")  # iswitness is accepted; the serialization tells
    return tx_json(tx, include_hex=False)
