"""The narrow, read-only window through which the hVM sees Bitcoin.

Real Hemi keeps two Bitcoin views inside op-geth (hemilabs/op-geth ``core/blockchain.go``, ``core/vm/contracts.go``):
the *light* header chain the L2 has agreed on, and a full node whose UTXO / transaction indexes lag it (by 2 blocks,
``hVMIndexerTipLag``). Precompiles read only through
:class:`BitcoinReader`, answered at one L2 block's view; they never see the Bitcoin chain object itself.

Conventions: txids and block hashes here are **internal** byte order (as python-bitcoinlib keeps them); precompiles
convert to display order at their edge. Heights are ints; a missing thing is ``None``, never an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bitcoin.core import CTransaction


@dataclass(frozen=True)
class HeaderInfo:
    """A header the hVM knows: height, 80 raw bytes, and its hash (internal order)."""

    height: int
    raw: bytes
    hash: bytes


@dataclass(frozen=True)
class IndexedTx:
    """A transaction in the hVM's tx index, with what the precompiles report about it."""

    tx: CTransaction
    txid: bytes
    block_hash: bytes
    height: int
    size: int  # serialized size with witness
    stripped_size: int  # without witness
    spent_values: tuple[int | None, ...]  # value of the output each input spends; None when its source tx is not
    # indexed (a coinbase input, or a source below hVM activation): op-geth's TxById lookup fails there
    output_unspent: tuple[bool, ...]  # per output: still unspent in the index (False for OP_RETURN outputs)


@dataclass(frozen=True)
class Utxo:
    txid: bytes
    vout: int
    value: int


class BitcoinReader(Protocol):
    """What the EVM can learn about Bitcoin (the queries op-geth's ``core/vm/contracts.go`` makes of TBC)."""

    @property
    def light_tip_height(self) -> int:
        """Height of the newest header the L2 has agreed on (confirmations count from here)."""

    @property
    def indexed_tip(self) -> HeaderInfo | None:
        """The tip the UTXO / tx indexes have reached (what 0x44 reports); None before hVM activation."""

    def balance(self, script_pubkey: bytes) -> int:
        """Sum of indexed unspent outputs paying ``script_pubkey``."""

    def utxos(self, script_pubkey: bytes, start: int, count: int) -> Sequence[Utxo]:
        """Indexed unspent outputs paying ``script_pubkey``, skipping ``start`` items, at most ``count``."""

    def transaction(self, txid: bytes) -> IndexedTx | None:
        """An indexed transaction, or None if unknown to the index."""

    def header_at(self, height: int) -> HeaderInfo | None:
        """The indexed canonical header at ``height``, or None above the indexed tip."""
