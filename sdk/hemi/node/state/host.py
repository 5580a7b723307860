"""The devchain as the state format sees it: every attribute a state file saves or restores, as a Protocol.

:mod:`hemi.node.state` turns a devchain into data and back without importing :mod:`hemi.node.devchain` (which
imports it): this Protocol names what it reads and writes, including the devchain's private attributes, since a
saved state is the devchain's whole inside. :func:`hemi.node.state.codec.check_fields` makes sure nothing is missed.
"""

from __future__ import annotations

from typing import Any, Protocol

from hemi.btc.chain import BitcoinChain
from hemi.hvm.engine import EvmEngine
from hemi.hvm.registry import PrecompileRegistry
from hemi.hvm.view import BitcoinReader
from hemi.node.bitcoin_view.btc_index import BitcoinIndexer
from hemi.node.bitcoin_view.hvm_view import HvmView, LightView
from hemi.node.config import DevchainConfig, DevchainSnapshot
from hemi.node.op_stack import OpStack
from hemi.node.pop.finality import FinalityService
from hemi.node.pop.keystones import KeystoneIndex
from hemi.node.pop.publications import PopNetwork
from hemi.node.sequencer import Sequencer

__all__ = ["SavedDevchain"]


class SavedDevchain(Protocol):
    """What a state file holds of a devchain (docs/state-files.md)."""

    config: DevchainConfig
    btc: BitcoinChain
    engine: EvmEngine
    precompiles: PrecompileRegistry
    automine: bool
    op: OpStack | None
    sequencer: Sequencer
    keystones: KeystoneIndex
    pop: PopNetwork
    _tunnel: Any  # hemi.node.tunnel.Tunnel or None: its module types the devchain it serves (saved by state.protocols)
    _light: LightView
    _indexer: BitcoinIndexer
    _views: list[HvmView]
    _pending_view: HvmView | None
    _next_timestamp: int | None
    _time_offset: int
    _snapshots: dict[int, DevchainSnapshot]
    _impersonated: set[bytes]
    _finality: FinalityService
    fork: Any  # hemi.node.fork.remote.ForkRemote or None: a forked devchain is never saved

    def bitcoin_reader(self, number: int) -> BitcoinReader: ...

    def note_precompile_read(self, address: int, data: bytes) -> None: ...
