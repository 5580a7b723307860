"""Read-only results the chain returns: headers, blocks, transactions, unspent outputs, mempool entries."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from bitcoin.core import CBlock, CBlockHeader, CTransaction

from hemi.types import BlockHash, Txid


@dataclass(frozen=True)
class Header:
    """A block header with its height; ``raw`` is the 80 serialized bytes."""

    hash: BlockHash
    height: int
    raw: bytes

    @property
    def version(self) -> int:
        return int(struct.unpack_from("<i", self.raw, 0)[0])

    @property
    def prev_hash(self) -> BlockHash:
        return BlockHash(self.raw[4:36])

    @property
    def merkle_root(self) -> bytes:
        """Internal byte order, as in the header."""
        return self.raw[36:68]

    @property
    def time(self) -> int:
        return int(struct.unpack_from("<I", self.raw, 68)[0])

    @property
    def bits(self) -> int:
        return int(struct.unpack_from("<I", self.raw, 72)[0])

    @property
    def nonce(self) -> int:
        return int(struct.unpack_from("<I", self.raw, 76)[0])

    @property
    def cheader(self) -> CBlockHeader:
        return CBlockHeader.deserialize(self.raw)


@dataclass(frozen=True)
class Block:
    """A block the chain knows; ``confirmations`` is -1 for a block off the active chain (as Bitcoin Core)."""

    header: Header
    cblock: CBlock
    txids: tuple[Txid, ...]
    confirmations: int

    @property
    def hash(self) -> BlockHash:
        return self.header.hash

    @property
    def height(self) -> int:
        return self.header.height

    @property
    def txs(self) -> tuple[CTransaction, ...]:
        return tuple(self.cblock.vtx)

    @property
    def in_active_chain(self) -> bool:
        return self.confirmations > 0

    def serialize(self) -> bytes:
        return bytes(self.cblock.serialize())


@dataclass(frozen=True)
class TxInfo:
    """A transaction with where it is: a block of the active chain, or the mempool (``block_hash`` None)."""

    txid: Txid
    wtxid: Txid
    tx: CTransaction
    block_hash: BlockHash | None
    height: int | None
    position: int | None
    confirmations: int
    fee: int | None  # None for a coinbase

    @property
    def in_mempool(self) -> bool:
        return self.block_hash is None

    @property
    def hex(self) -> str:
        return str(self.tx.serialize().hex())


@dataclass(frozen=True)
class Utxo:
    """An unspent output. ``height`` is None for an output of an unconfirmed (mempool) transaction."""

    txid: Txid
    vout: int
    value: int
    script_pubkey: bytes
    address: str | None
    height: int | None
    coinbase: bool
    confirmations: int
    mature: bool

    @property
    def outpoint(self) -> tuple[Txid, int]:
        return (self.txid, self.vout)


@dataclass(frozen=True)
class MempoolTx:
    txid: Txid
    wtxid: Txid
    tx: CTransaction
    fee: int
    vsize: int
    weight: int

    @property
    def fee_rate(self) -> float:
        """sat/vB"""
        return self.fee / self.vsize


@dataclass(frozen=True)
class ChainTip:
    """One row of ``getchaintips``."""

    height: int
    hash: BlockHash
    branchlen: int
    status: str  # active | valid-fork | valid-headers | invalid
