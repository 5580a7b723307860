"""Block consensus rules with Bitcoin Core's reject reasons: the checks of a block before it joins the block tree,
and the per-transaction checks shared by connecting a block and assembling one.

The transaction rules themselves live in :mod:`hemi.btc.validation` (``CheckTransaction``, ``CheckTxInputs``,
``IsFinalTx``, relay policy) and :mod:`hemi.btc.txrules` (BIP 68, sigop cost, scripts); this module composes them
into block rules. Sources (bitcoin/bitcoin v26.0): src/validation.cpp ``CheckBlock``, ``ContextualCheckBlockHeader``,
``ContextualCheckBlock`` (BIP 34 height, BIP 141 witness commitment), ``ConnectBlock`` ("bad-blk-sigops",
"bad-cb-amount"); src/consensus/consensus.h ``MAX_BLOCK_SIGOPS_COST``.
"""

from __future__ import annotations

from collections.abc import Callable

from bitcoin.core import CBlock, CTransaction
from bitcoin.core.script import CScript
from bitcoin.core.serialize import SerializationError

from hemi.btc import params
from hemi.btc.blocktools import bits_to_target, create_coinbase, witness_commitment_script
from hemi.btc.coins import Coin, Outpoint
from hemi.btc.merkle import merkle_root
from hemi.btc.tx import TxHashes, tx_hashes
from hemi.btc.txrules import MAX_BLOCK_SIGOPS_COST, check_spend_context, sigop_cost
from hemi.btc.validation import check_inputs, check_transaction, is_coinbase, is_final
from hemi.errors import BlockRejected, InvalidHexError, TransactionRejected


def decode_block(block: CBlock | bytes | str) -> CBlock:
    """A ``CBlock`` from itself, raw bytes or hex; ``InvalidHexError`` ("Block decode failed") otherwise."""
    if isinstance(block, CBlock):
        return block
    try:
        raw = bytes.fromhex(block) if isinstance(block, str) else bytes(block)
        return CBlock.deserialize(raw)
    except (ValueError, SerializationError, IndexError, TypeError) as err:
        raise InvalidHexError(f"Block decode failed: {err}") from None


def check_block_header(block: CBlock, block_hash: bytes, *, prev_mtp: int, adjusted_time: int) -> None:
    """Proof of work and ``ContextualCheckBlockHeader``'s timestamp rules for a header on a known parent."""
    if block.nBits != params.REGTEST_NBITS:
        raise BlockRejected("bad-diffbits", "incorrect proof of work")
    if int.from_bytes(block_hash, "little") > bits_to_target(block.nBits):
        raise BlockRejected("high-hash", "proof of work failed")
    if block.nTime <= prev_mtp:
        raise BlockRejected("time-too-old", "block's timestamp is too early")
    if block.nTime > adjusted_time + params.MAX_FUTURE_BLOCK_TIME:
        raise BlockRejected("time-too-new", "block timestamp too far in the future")


def check_block(block: CBlock, height: int) -> list[TxHashes]:
    """Context-free block checks plus BIP 34 and the BIP 141 commitment; returns every transaction's hashes."""
    if not block.vtx:
        raise BlockRejected("bad-blk-length", "no transactions")
    if not is_coinbase(block.vtx[0]):
        raise BlockRejected("bad-cb-missing", "first tx is not coinbase")
    hashes = [tx_hashes(tx) for tx in block.vtx]
    if merkle_root([h.txid for h in hashes]) != block.hashMerkleRoot:
        raise BlockRejected("bad-txnmrklroot", "hashMerkleRoot mismatch")
    if len({h.txid for h in hashes}) != len(hashes):
        raise BlockRejected("bad-txns-duplicate", "duplicate transaction")
    if sum(h.weight for h in hashes) > params.MAX_BLOCK_WEIGHT:
        raise BlockRejected("bad-blk-weight")
    for i, (tx, h) in enumerate(zip(block.vtx, hashes, strict=True)):
        if i and is_coinbase(tx):
            raise BlockRejected("bad-cb-multiple", "more than one coinbase")
        try:
            check_transaction(tx, h)
        except TransactionRejected as err:
            raise BlockRejected(err.reason, "transaction check failed") from None
    expect = bytes(create_coinbase(height, value=0, script_pubkey=b"").vin[0].scriptSig)[: len(CScript([height]))]
    if bytes(block.vtx[0].vin[0].scriptSig)[: len(expect)] != expect:
        raise BlockRejected("bad-cb-height", "block height mismatch in coinbase")
    commitment = witness_commitment_script([h.wtxid for h in hashes])
    has_commitment = any(bytes(o.scriptPubKey)[:6] == commitment[:6] for o in block.vtx[0].vout)
    if has_commitment:
        last = [bytes(o.scriptPubKey) for o in block.vtx[0].vout if bytes(o.scriptPubKey)[:6] == commitment[:6]][-1]
        wit = block.vtx[0].wit.vtxinwit
        reserved = list(wit[0].scriptWitness.stack) if wit else []
        if reserved != [params.WITNESS_RESERVED_VALUE] or last[:38] != commitment:
            raise BlockRejected("bad-witness-merkle-match", "witness merkle commitment mismatch")
    elif any(tx.has_witness() for tx in block.vtx):
        raise BlockRejected("unexpected-witness")
    return hashes


def check_tx_in_block(tx: CTransaction, lookup: Callable[[Outpoint], Coin | None], *, height: int, prev_mtp: int,
                      mtp_at: Callable[[int], int]) -> tuple[int, list[Coin], int]:
    """``ConnectBlock``'s checks of one non-coinbase transaction of a block at ``height`` whose parent has median
    time past ``prev_mtp``: finality, inputs, BIP 68 and scripts under the consensus flags.

    Returns (fee, spent coins, sigop cost); raises ``TransactionRejected`` with Core's reason."""
    if not is_final(tx, height, prev_mtp):
        raise TransactionRejected("bad-txns-nonfinal")
    fee, coins = check_inputs(tx, lookup, height)
    check_spend_context(tx, coins, height=height, prev_mtp=prev_mtp, mtp_at=mtp_at, policy=False)
    return fee, coins, sigop_cost(tx, [c.spk for c in coins])


def add_block_sigops(total: int, cost: int) -> int:
    """The block's sigop cost so far plus ``cost``; "bad-blk-sigops" past ``MAX_BLOCK_SIGOPS_COST``."""
    total += cost
    if total > MAX_BLOCK_SIGOPS_COST:
        raise TransactionRejected("bad-blk-sigops", "out-of-bounds SigOpCount")
    return total


def check_coinbase_amount(coinbase: CTransaction, height: int, fees: int) -> None:
    """The coinbase may claim at most the subsidy plus the block's fees ("bad-cb-amount")."""
    reward = sum(o.nValue for o in coinbase.vout)
    limit = params.block_subsidy(height) + fees
    if reward > limit:
        raise BlockRejected("bad-cb-amount", f"coinbase pays too much (actual={reward} vs limit={limit})")
