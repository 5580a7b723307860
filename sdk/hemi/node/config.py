"""A devchain's settings (:class:`DevchainConfig`) and what a snapshot of it holds (:class:`DevchainSnapshot`).

Kept apart from :mod:`hemi.node.devchain` so that the parts a devchain wires together (sequencer, OP stack, PoP,
state files) can name its configuration without importing the devchain itself.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from hemi.constants import (
    DEFAULT_CHAIN_ID,
    DEFAULT_GENESIS_TIMESTAMP,
    KEYSTONE_INTERVAL,
    L2_BLOCK_TIME,
    MAX_BTC_HEADERS_PER_BLOCK_LIMIT,
    POP_PAYOUT_DELAY,
    SUPERFINALITY_THRESHOLD,
)
from hemi.errors import HemiValueError
from hemi.node.accounts import DEFAULT_BALANCE, DEFAULT_MNEMONIC

if TYPE_CHECKING:  # for the annotation only: hemi.btc.snapshots loads when a chain takes its first snapshot
    from hemi.btc.chain import Snapshot as BtcSnapshot

__all__ = ["FORK_OPTIONS", "DevchainConfig", "DevchainSnapshot", "check_settings"]

FORK_OPTIONS = ("fork_url", "fork_block", "fork_cache", "fork_cache_dir")  # Devchain settings taken by fork mode


@dataclass(frozen=True)
class DevchainConfig:
    """Settings of a devchain; every field has a safe default (see the README's table)."""

    seed: int = 0
    chain_id: int = DEFAULT_CHAIN_ID
    mnemonic: str = DEFAULT_MNEMONIC
    accounts: int = 10
    balance: int = DEFAULT_BALANCE
    block_time: int = L2_BLOCK_TIME  # L2 seconds per block (Hemi: 12 s)
    genesis_timestamp: int = DEFAULT_GENESIS_TIMESTAMP
    gas_limit: int = 30_000_000
    base_fee: int = 1_000_000_000
    hvm_profile: str = "deployed"  # or "hvmphase0"; see docs/hvm-precompiles.md
    hvm_header_n: str | None = None  # 0x45: "empty" (deployed) or "fixed" (heminetwork d8c88dc5); None: profile's
    hvm_genesis_btc_height: int = 0  # hVM activation: Bitcoin data below this height is hidden (mainnet: 883092)
    max_btc_headers_per_block: int = 8  # op-geth core/blockchain.go getBitcoinAttributesForNextBlock
    hvm_indexer_lag: int = 2  # hVMIndexerTipLag
    automine: bool = True
    predeploy_bitcoin_kit: bool = True
    predeploy_tunnel: bool = True  # hemiBTC, BitcoinTunnelManager and the vault in genesis (hemi.node.tunnel)
    keystone_interval: int = KEYSTONE_INTERVAL  # hemi.KeystoneHeaderPeriod
    superfinality_threshold: int = SUPERFINALITY_THRESHOLD  # effective confirmations (BFG v2 rule)
    finality_rpc: str = "v2"  # optimism_btcFinalityByBlockHash answers as the newest op-node ("v2") or BSS-era ("v1")
    pop_default_miner: bool = True  # one PoP miner ("default", publish at once) from the start
    pop_auto_fund: bool = True  # fund PoP miners' Bitcoin wallets by mining when they need coins
    evm_fork: str = "prague"  # Hemi's EVM (OP Isthmus = Prague, with P256VERIFY); "cancun" keeps the older EVM
    op_stack: bool = True  # OP-stack blocks: L1-attributes deposit, L1 fee, 0x7C/0x7D system txs (hemi.node.op_stack)
    pop_payouts: bool = True  # keystone blocks carry a 0x7D PoP payout (needs op_stack; hemi.node.pop.payouts)
    pop_payout_delay: int = POP_PAYOUT_DELAY  # PoPPayoutDelay: keystone N pays the miners of keystone N - delay

    def __post_init__(self) -> None:
        for name in ("accounts", "block_time", "max_btc_headers_per_block", "hvm_indexer_lag", "chain_id",
                     "keystone_interval", "superfinality_threshold", "hvm_genesis_btc_height"):
            v = getattr(self, name)
            positive = name in ("block_time", "chain_id", "keystone_interval", "max_btc_headers_per_block")
            if isinstance(v, bool) or not isinstance(v, int) or v < (1 if positive else 0):
                raise HemiValueError(f"{name} must be a non-negative int (positive for ids, times and caps), "
                                     f"got {v!r}")
        if self.max_btc_headers_per_block > MAX_BTC_HEADERS_PER_BLOCK_LIMIT:
            raise HemiValueError(f"max_btc_headers_per_block is at most {MAX_BTC_HEADERS_PER_BLOCK_LIMIT} (the 0x7C "
                                 f"transaction carrying them has a fixed gas budget), got "
                                 f"{self.max_btc_headers_per_block}; Hemi carries 8")
        renamed = {"hbk-v1": "hvmphase0", "op-geth-latest": "deployed"}  # names before 0.2
        if self.hvm_profile in renamed:
            raise HemiValueError(f"hvm_profile {self.hvm_profile!r} was renamed: use {renamed[self.hvm_profile]!r} "
                                 f"(profiles: 'deployed', 'hvmphase0')")
        if self.evm_fork not in ("prague", "cancun"):
            raise HemiValueError(f"evm_fork is 'prague' or 'cancun', got {self.evm_fork!r}")
        if self.hvm_profile not in ("hvmphase0", "deployed"):
            raise HemiValueError(f"hvm_profile is 'deployed' or 'hvmphase0', got {self.hvm_profile!r}")
        if self.hvm_header_n not in (None, "empty", "fixed"):
            raise HemiValueError(f"hvm_header_n is 'empty', 'fixed' or None, got {self.hvm_header_n!r}")
        if self.finality_rpc not in ("v2", "v1"):
            raise HemiValueError(f"finality_rpc is 'v2' or 'v1', got {self.finality_rpc!r}")


def check_settings(names: Iterable[str]) -> None:
    """Raise :class:`~hemi.errors.HemiValueError` naming every setting in ``names`` that is neither a
    :class:`DevchainConfig` field nor a fork option, with the closest valid names (``hvm_indexr_lag`` -> did you mean
    ``hvm_indexer_lag``?), instead of Python's TypeError about ``__init__``'s keyword arguments."""
    valid = sorted({f.name for f in fields(DevchainConfig)} | set(FORK_OPTIONS))
    unknown = [n for n in names if n not in valid]
    if not unknown:
        return
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(str(name), valid, n=3)
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        parts.append(f"{name!r}{hint}")
    what = "setting" if len(unknown) == 1 else "settings"
    raise HemiValueError(f"unknown Devchain {what} {', '.join(parts)} (the settings are the fields of "
                         f"hemi.node.config.DevchainConfig; README's table lists them)")


@dataclass(frozen=True)
class DevchainSnapshot:
    """What :meth:`Devchain.snapshot` remembers: both chains, the hVM view, the clock and each part's own state."""

    id: int
    devchain_id: int
    engine: tuple
    btc: BtcSnapshot
    light: tuple[bytes, ...]
    views: int
    next_timestamp: int | None
    time_offset: int
    extra: dict[str, Any] = field(default_factory=dict)
    pending_view: Any = None  # the open block's view, when the snapshot kept a pending block

    def __repr__(self) -> str:  # short: error messages name the snapshot, not the state it holds
        return f"<DevchainSnapshot id={self.id}>"
