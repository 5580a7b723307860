"""What the tunnel needs from the devchain that hosts it, as typed Protocols (no ``Devchain`` import).

The tunnel drives both chains the way a user, the portal and the vault operator would: it builds Bitcoin
transactions on ``btc``, runs and sends EVM transactions through the ``engine``, orders Bitcoin-derived inputs
through the ``sequencer``, and mines. :class:`TunnelHost` lists exactly those parts; ``hemi.node.devchain.Devchain``
satisfies it structurally, so the tunnel modules never import the devchain (which imports them) and the import
graph stays one-way: devchain -> tunnel. The small Protocols below stand for the devchain's parts whose own modules
import the devchain back (the sequencer, the OP-stack block builder) or which may move (the hVM view).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from hemi.btc.chain import BitcoinChain
from hemi.hvm.engine import EvmEngine, TxRecord
from hemi.node.accounts import DevAccount
from hemi.types import HashLike

__all__ = ["BitcoinViewLike", "HostConfig", "OpStackLike", "SequencerLike", "TunnelHost"]


class HostConfig(Protocol):
    """The devchain settings the tunnel reads."""

    @property
    def hvm_profile(self) -> str: ...  # the tunnel's contracts need hBK's "deployed" ABI

    @property
    def hvm_indexer_lag(self) -> int: ...  # how far the indexed Bitcoin tip trails the light tip

    @property
    def gas_limit(self) -> int: ...


class BitcoinViewLike(Protocol):
    """The hVM's view of Bitcoin after an L2 block (``dev.hvm_view(n)``)."""

    @property
    def indexed_height(self) -> int: ...

    @property
    def light_tip_height(self) -> int: ...


class SequencerLike(Protocol):
    """The forced-input queue (``dev.sequencer``): Bitcoin-derived inputs ordered at the front of an L2 block."""

    @property
    def dropped(self) -> Sequence[tuple[Any, str]]: ...  # (input, why it was refused when its turn came)

    def submit(self, tx: dict[str, Any], *, depends_on: Sequence[HashLike] = (), label: str = "",
               mine: bool = True) -> int: ...

    def tx_of(self, input_id: int) -> bytes | None: ...

    def waiting(self) -> list[tuple[Any, str]]: ...

    def cancel(self, input_id: int) -> bool: ...


class OpStackLike(Protocol):
    """The OP-stack block builder (``dev.op``): its system transactions reserve gas at the top of every block and
    their senders send nothing else."""

    def admit(self, tx: Any, sender: bytes) -> None: ...


class TunnelHost(Protocol):
    """The devchain as the tunnel sees it: two chains, the sequencer, accounts, the clock and mining."""

    # read-only members (properties), so that the devchain's own, richer types satisfy them
    @property
    def btc(self) -> BitcoinChain: ...

    @property
    def engine(self) -> EvmEngine: ...

    @property
    def sequencer(self) -> SequencerLike: ...

    @property
    def op(self) -> OpStackLike | None: ...  # None when the devchain runs without OP-stack blocks

    @property
    def config(self) -> HostConfig: ...

    @property
    def accounts(self) -> list[DevAccount]: ...

    @property
    def next_timestamp(self) -> int: ...

    def key_for(self, address: str | bytes) -> DevAccount | None: ...

    def is_impersonated(self, address: bytes) -> bool: ...

    def include(self, tx: Any, sender: bytes, *, signed: bool = True) -> TxRecord: ...

    def mine(self, n: int = 1) -> list[int]: ...

    def sync_btc(self, *, max_blocks: int = 10_000) -> int: ...

    def hvm_view(self, block: int | str = "latest") -> BitcoinViewLike: ...

    def time_travel(self, *, seconds: int = 0, blocks: int = 0) -> None: ...
