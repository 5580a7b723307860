"""Blockchain RPCs (Bitcoin Core's ``rpc/blockchain.cpp``): blocks, headers, chain info and tips, gettxout.

Blocks are looked up by hash in the whole block tree, as Core does, so a block of a stale branch answers too (with
``confirmations`` -1 where Core gives it). ``invalidateblock`` / ``reconsiderblock`` drive the chain's own reorgs.
"""

from __future__ import annotations

from typing import Any

from hemi.btc.chain import BitcoinChain
from hemi.btc.models import TxInfo
from hemi.errors import BlockRejected, ReorgError, UnknownTransactionError
from hemi.types import BlockHash, Txid

from .arguments import Arg, as_int, parse_hash, parse_verbosity
from .encoding import btc_amount, difficulty
from .errors import RPC_INVALID_PARAMETER, RPC_MISC_ERROR, JSONRPCError
from .scripts import script_pubkey_json, tx_json
from .server import CoreRPC, rpc_method


@rpc_method("getblockcount")
def _getblockcount(rpc: CoreRPC) -> int:
    return rpc.chain.height


@rpc_method("getbestblockhash")
def _getbestblockhash(rpc: CoreRPC) -> str:
    return str(rpc.chain.tip)


@rpc_method("getblockhash", Arg("height", "num"))
def _getblockhash(rpc: CoreRPC, height: Any) -> str:
    h = as_int(height)
    if not 0 <= h <= rpc.chain.height:
        raise JSONRPCError(RPC_INVALID_PARAMETER, "Block height out of range")
    return str(rpc.chain.block_hash(h))


@rpc_method("getblockheader", Arg("blockhash", "str"), Arg("verbose", "bool", True))
def _getblockheader(rpc: CoreRPC, blockhash: str, verbose: bool) -> Any:
    block = rpc.block(parse_hash(blockhash, "hash"))
    return rpc.header_json(block) if verbose else block.header.raw.hex()


@rpc_method("getblock", Arg("blockhash", "str"), Arg("verbosity|verbose", "any", 1))
def _getblock(rpc: CoreRPC, blockhash: str, verbosity: Any) -> Any:
    level = parse_verbosity(verbosity, 1)
    block = rpc.block(parse_hash(blockhash, "blockhash"))
    if level <= 0:
        return block.serialize().hex()
    out = rpc.header_json(block)
    stripped = len(block.cblock.serialize({"include_witness": False}))
    size = len(block.serialize())
    out.update(strippedsize=stripped, size=size, weight=stripped * 3 + size)
    if level == 1:
        out["tx"] = [str(t) for t in block.txids]
        return out
    txs = []
    for pos, tx in enumerate(block.cblock.vtx):
        info = confirmed_in(rpc.chain, block.txids[pos], block.hash) if pos > 0 else None
        fee = info.fee if info is not None else None  # undo data exists for blocks of the active chain
        prevouts = rpc.prevouts(tx) if level >= 3 and info is not None else None
        txs.append(tx_json(tx, include_hex=True, fee=fee, prevouts=prevouts))
    out["tx"] = txs
    return out


def confirmed_in(chain: BitcoinChain, txid: Txid, block_hash: BlockHash) -> TxInfo | None:
    """The chain's record of ``txid`` if its transaction index places it in ``block_hash``, else None."""
    try:
        info = chain.tx(txid)
    except UnknownTransactionError:
        return None
    return info if info.block_hash == block_hash else None


@rpc_method("getblockchaininfo")
def _getblockchaininfo(rpc: CoreRPC) -> dict[str, Any]:
    chain = rpc.chain
    tip = chain.header()
    headers = max((t.height for t in chain.chain_tips() if t.status != "invalid"), default=chain.height)
    return {
        "chain": "regtest",
        "blocks": chain.height,
        "headers": headers,
        "bestblockhash": str(tip.hash),
        "difficulty": difficulty(tip.bits),
        "time": tip.time,
        "mediantime": chain.median_time_past(),
        "verificationprogress": 1,
        "initialblockdownload": False,  # the simulated clock is always "now": a regtest node out of IBD
        "chainwork": rpc.chainwork(tip.height, tip.bits),
        "size_on_disk": sum(rpc.block_size(chain.block_hash(h)) + 8 for h in range(chain.height + 1)),
        "pruned": False,
        "warnings": [],
    }


@rpc_method("getdifficulty")
def _getdifficulty(rpc: CoreRPC) -> float:
    return difficulty(rpc.chain.header().bits)


@rpc_method("getchaintips")
def _getchaintips(rpc: CoreRPC) -> list[dict[str, Any]]:
    return [{"height": t.height, "hash": str(t.hash), "branchlen": t.branchlen, "status": t.status}
            for t in rpc.chain.chain_tips()]  # the chain lists the active tip even when it has (invalid) children


@rpc_method("invalidateblock", Arg("blockhash", "str"))
def _invalidateblock(rpc: CoreRPC, blockhash: str) -> None:
    block = rpc.block(parse_hash(blockhash, "blockhash"))
    try:
        rpc.chain.invalidate_block(block.hash)
    except ReorgError as err:
        raise JSONRPCError(RPC_MISC_ERROR, str(err)) from None


@rpc_method("reconsiderblock", Arg("blockhash", "str"))
def _reconsiderblock(rpc: CoreRPC, blockhash: str) -> None:
    block = rpc.block(parse_hash(blockhash, "blockhash"))
    try:
        rpc.chain.reconsider_block(block.hash)
    except BlockRejected:
        pass  # as Core: the block stays invalid, the call itself succeeds


@rpc_method("gettxout", Arg("txid", "str"), Arg("n", "num"), Arg("include_mempool", "bool", True))
def _gettxout(rpc: CoreRPC, txid: str, n: Any, include_mempool: bool) -> dict[str, Any] | None:
    txid = parse_hash(txid, "txid")
    vout = as_int(n)
    if vout < 0:
        return None
    utxo = rpc.chain.get_txout(Txid(txid), vout, include_mempool=include_mempool)
    if utxo is None:
        return None
    return {"bestblock": str(rpc.chain.tip), "confirmations": utxo.confirmations, "value": btc_amount(utxo.value),
            "scriptPubKey": script_pubkey_json(utxo.script_pubkey), "coinbase": utxo.coinbase}

