"""What the node's protocol parts need from the devchain that holds them, as Protocols.

A part (keystones, PoP miners, finality, the OP stack, the sequencer) gets the devchain as one of these narrow
interfaces, never as :class:`~hemi.node.devchain.Devchain` itself, and parts that need each other receive each
other explicitly (``PopPayouts(keystones, pop)``). So no part imports the devchain module, the import graph of
``hemi.node`` has no cycle, and this file lists everything a part may touch:

- :class:`Chains`: the two chains (keystones, PoP miners read them);
- :class:`ChainControl`: plus the configuration, the L2 clock and mining (finality drives both chains);
- :class:`NodeContext`: plus the hVM's view of Bitcoin per L2 block and the dev keys (sequencer, OP stack);
- :class:`StatefulPart`: what a part offers back, when a devchain snapshot must hold its own state.

:class:`~hemi.node.devchain.Devchain` satisfies all three (mypy checks it where the parts are built).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from hemi.btc.chain import BitcoinChain
from hemi.hvm.engine import EvmEngine
from hemi.node.accounts import DevAccount
from hemi.node.bitcoin_view.hvm_view import HvmView
from hemi.node.config import DevchainConfig

__all__ = ["ChainControl", "Chains", "NodeContext", "StatefulPart"]


class Chains(Protocol):
    """The embedded Bitcoin chain and the L2 engine."""

    @property
    def btc(self) -> BitcoinChain: ...

    @property
    def engine(self) -> EvmEngine: ...


class ChainControl(Chains, Protocol):
    """The chains plus the devchain's settings, its L2 clock and mining."""

    @property
    def config(self) -> DevchainConfig: ...

    @property
    def automine(self) -> bool: ...

    @property
    def next_timestamp(self) -> int:
        """The timestamp the next L2 block gets."""
        ...

    def mine(self, n: int = 1) -> list[int]:
        """Seal ``n`` L2 blocks."""
        ...

    def sync_btc(self, *, max_blocks: int = 10_000) -> int:
        """Mine L2 blocks until the hVM view holds every Bitcoin block the rules allow."""
        ...


class NodeContext(ChainControl, Protocol):
    """Everything the sequencer and the OP stack use: the chains, the clock, the hVM views and the dev keys."""

    @property
    def pending_view(self) -> HvmView | None:
        """The view of the L2 block being built, once its Bitcoin-attributes step ran (None before)."""
        ...

    @property
    def light_hashes(self) -> Sequence[bytes]:
        """The hVM's light chain: Bitcoin block hashes by height, as far as the L2 blocks carried them."""
        ...

    def hvm_view(self, block: int | str = "latest") -> HvmView:
        """The view after L2 block ``block``."""
        ...

    def view_for(self, number: int) -> HvmView:
        """The view the transactions of L2 block ``number`` read (the one the block before it left)."""
        ...

    def key_for(self, address: str | bytes) -> DevAccount | None:
        """The dev account (with its key) of ``address``, if the devchain holds one."""
        ...

    def is_impersonated(self, address: bytes) -> bool: ...


class StatefulPart(Protocol):
    """A part whose own state (beyond the chains) a devchain snapshot holds: PoP miners, the OP stack's queue, the
    tunnel's operator."""

    def snapshot_state(self) -> Any: ...

    def restore_state(self, state: Any) -> None: ...
