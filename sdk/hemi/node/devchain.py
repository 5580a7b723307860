"""The hVM devchain: an EVM whose Bitcoin precompiles read the embedded Bitcoin chain through Hemi's lagging view.

``Devchain()`` wires three parts together: a :class:`~hemi.btc.BitcoinChain`, the EVM engine with this devchain's
own precompile registry (0x40–0x49 mounted), and the per-block Bitcoin view (light tip, lagging indexes). As in
op-geth, the headers an L2 block carries become visible after that block: its own transactions, and every call, read
the live view, the one left by the latest sealed block (docs/hvm-precompiles.md). Everything is deterministic:
the seed fixes Bitcoin, the L2 clock advances ``block_time`` seconds per block, and nothing reads the wall clock.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hemi.btc.chain import BitcoinChain
from hemi.btc.chain import Snapshot as BtcSnapshot
from hemi.errors import HemiValueError, SnapshotError
from hemi.hvm.engine import EvmEngine, GenesisAccount
from hemi.hvm.precompiles import HVM_PRECOMPILES, run_precompile
from hemi.hvm.registry import PrecompileFailure, PrecompileRegistry, to_address
from hemi.node.accounts import DEFAULT_BALANCE, DEFAULT_MNEMONIC, DevAccount, derive_accounts
from hemi.node.bitcoin_view.hvm_view import HvmView, LightView
from hemi.types import BlockHash

DEFAULT_CHAIN_ID = 31337  # anvil's and Hardhat's local id; not Hemi mainnet (43111) or testnet (743111)
HBK_ADDRESS = "0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12"  # BitcoinKit v1 on Hemi mainnet (hemilabs/docs ``tooling/contract-addresses.md``)
# hvm_profile -> (kit contract, interface) artifacts: the kit that answers the ABI hemi-viem calls reads the newest
# 0x42 frame; the published BitcoinKit.sol's ABI and parser go with the Oct-2024 layout (docs/hbk.md)
BITCOIN_KIT_ARTIFACTS = {"deployed": ("BitcoinKit", "IBitcoinKit"),
                         "hvmphase0": ("BitcoinKitHvmPhase0", "IBitcoinKitHvmPhase0")}
DEFAULT_GENESIS_TIMESTAMP = 1_735_689_600  # 2025-01-01T00:00:00Z: fixed, so block hashes never depend on the clock
_snapshot_ids = itertools.count(1)


@dataclass(frozen=True)
class DevchainConfig:
    """Settings of a devchain; every field has a safe default (see the README's table)."""

    seed: int = 0
    chain_id: int = DEFAULT_CHAIN_ID
    mnemonic: str = DEFAULT_MNEMONIC
    accounts: int = 10
    balance: int = DEFAULT_BALANCE
    block_time: int = 12  # L2 seconds per block (Hemi: 12 s)
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
    keystone_interval: int = 25  # hemi.KeystoneHeaderPeriod
    superfinality_threshold: int = 10  # effective confirmations (BFG v2 rule)
    finality_rpc: str = "v2"  # optimism_btcFinalityByBlockHash answers as the newest op-node ("v2") or BSS-era ("v1")
    pop_default_miner: bool = True  # one PoP miner ("default", publish at once) from the start
    pop_auto_fund: bool = True  # fund PoP miners' Bitcoin wallets by mining when they need coins
    evm_fork: str = "prague"  # Hemi's EVM (OP Isthmus = Prague, with P256VERIFY); "cancun" keeps the older EVM
    op_stack: bool = True  # OP-stack blocks: L1-attributes deposit, L1 fee, 0x7C/0x7D system txs (hemi.node.op_stack)
    pop_payouts: bool = True  # keystone blocks carry a 0x7D PoP payout (needs op_stack; hemi.node.pop.payouts)
    pop_payout_delay: int = 200  # PoPPayoutDelay: keystone N pays the miners of keystone N - delay

    def __post_init__(self) -> None:
        for name in ("accounts", "block_time", "max_btc_headers_per_block", "hvm_indexer_lag", "chain_id",
                     "keystone_interval", "superfinality_threshold", "hvm_genesis_btc_height"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < (1 if name in ("block_time", "chain_id", "keystone_interval",
                                                                                    "max_btc_headers_per_block")
                                                                     else 0):
                raise HemiValueError(f"{name} must be a non-negative int (positive for ids, times and caps), "
                                     f"got {v!r}")
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


@dataclass(frozen=True)
class DevchainSnapshot:
    id: int
    devchain_id: int
    engine: tuple
    btc: BtcSnapshot
    light: tuple[bytes, ...]
    views: int
    next_timestamp: int | None
    time_offset: int
    extra: dict = field(default_factory=dict)


class Devchain:
    """An in-process Hemi devchain: ``dev.w3``, ``dev.btc``, ``dev.mine()``, ``dev.anchor()``..."""

    def __init__(self, seed: int = 0, **config: Any) -> None:
        self.config = DevchainConfig(seed=seed, **config)
        cfg = self.config
        self.btc = BitcoinChain(seed=seed)
        self.precompiles = PrecompileRegistry(cfg.evm_fork)
        self._accounts: list[DevAccount] = derive_accounts(cfg.mnemonic, cfg.accounts)
        self._keys = {a.canonical: a for a in self._accounts}
        self._impersonated: set[bytes] = set()
        alloc = {a.canonical: GenesisAccount(balance=cfg.balance) for a in self._accounts}
        if cfg.predeploy_bitcoin_kit:
            alloc[to_address(HBK_ADDRESS)] = GenesisAccount(code=_bitcoin_kit_code(cfg.hvm_profile))
        if cfg.predeploy_tunnel:  # initialized through genesis storage, not transactions: start-up stays cheap
            from hemi.node import tunnel_genesis

            alloc.update(tunnel_genesis.tunnel_alloc(self.btc, tunnel_genesis.shipped_runtime_code()))
            operator = tunnel_genesis.operator_account(self.btc)
            self._keys[operator.canonical] = operator  # the simulated operator signs its own transactions
        self.op = None
        self.pop_payouts = None
        if cfg.op_stack:  # L1Block and GasPriceOracle predeploys; every block opens with its system transactions
            from hemi.hvm.l1_fee import L1CostModel
            from hemi.node.op_stack import OpConfig, OpStack, predeploy_alloc

            op_config = OpConfig()
            alloc.update(predeploy_alloc(op_config))
            self.op = OpStack(self, op_config)
            if cfg.pop_payouts:
                from hemi.node.pop.payouts import PopPayouts, pop_payouts_alloc

                alloc.update(pop_payouts_alloc(keystone_interval=cfg.keystone_interval))
                self.pop_payouts = PopPayouts(self, delay=cfg.pop_payout_delay)
        self.engine = EvmEngine(chain_id=cfg.chain_id, alloc=alloc, precompiles=self.precompiles.table,
                                genesis_timestamp=cfg.genesis_timestamp, gas_limit=cfg.gas_limit,
                                base_fee=cfg.base_fee, randao_seed=f"hemi-sdk/{seed}".encode(),
                                fork=cfg.evm_fork, l1_cost=L1CostModel() if cfg.op_stack else None)
        self.automine = cfg.automine
        self._light = LightView(self.btc, max_headers=cfg.max_btc_headers_per_block, lag=cfg.hvm_indexer_lag)
        from hemi.node.bitcoin_view.btc_index import BitcoinIndexer

        self._indexer = BitcoinIndexer(self.btc, visible_from=cfg.hvm_genesis_btc_height)
        genesis_view = self._make_view(0, [], None)
        self._views: list[HvmView] = [genesis_view]
        self._pending_view: HvmView | None = None
        self._next_timestamp: int | None = None
        self._time_offset = 0
        self._snapshots: dict[int, DevchainSnapshot] = {}
        self._block_listeners: list = []
        self._stateful: list[str] = ["op"] if self.op is not None else []
        from hemi.node.sequencer import Sequencer

        self.sequencer = Sequencer(self)
        self._mount_hvm_precompiles()
        from hemi.node.pop.finality import FinalityService
        from hemi.node.pop.keystones import KeystoneIndex
        from hemi.node.pop.publications import PopNetwork

        self.keystones = KeystoneIndex(self, interval=cfg.keystone_interval)
        self.pop = PopNetwork(self, self.keystones, default_miner=cfg.pop_default_miner,
                              auto_fund=cfg.pop_auto_fund)
        self.on_block(self.pop.on_block)  # PoP miners react to new keystones (not to Bitcoin changes: see pop/publications.py)
        self._stateful.append("pop")
        self._finality = FinalityService(self, self.keystones, self.pop,
                                         superfinality_threshold=cfg.superfinality_threshold)
        self._tunnel = None
        if cfg.predeploy_tunnel:
            from hemi.node.tunnel import Tunnel

            self._tunnel = Tunnel(self)
            self.on_block(self._tunnel.on_block)  # the simulated operator reacts to withdrawals
            self._stateful.append("tunnel")
        self._w3 = None

    # ------------------------------------------------------------------ accounts

    @property
    def accounts(self) -> list[DevAccount]:
        """The funded dev accounts (checksummed address strings with ``.private_key``)."""
        return list(self._accounts)

    def key_for(self, address: str | bytes) -> DevAccount | None:
        return self._keys.get(to_address(address))

    # ------------------------------------------------------------------ web3

    @property
    def w3(self):
        """A ``web3.Web3`` bound to this devchain in-process (no HTTP)."""
        if self._w3 is None:
            from hemi.web3.provider import make_web3

            self._w3 = make_web3(self)
        return self._w3

    @property
    def bitcoin_kit(self):
        """hBK as a web3 contract at its Hemi mainnet address, with the ABI of the kit predeployed for the profile
        (``IBitcoinKit``, or ``IBitcoinKitHvmPhase0`` under ``hvm_profile="hvmphase0"``)."""
        from hemi.compiler import shipped

        interface = BITCOIN_KIT_ARTIFACTS[self.config.hvm_profile][1]
        return self.w3.eth.contract(address=HBK_ADDRESS, abi=shipped.load(interface).abi)

    @property
    def tunnel(self):
        """The Bitcoin tunnel (:class:`hemi.node.tunnel.Tunnel`): deposits, withdrawals, the operator, audit."""
        if self._tunnel is None:
            from hemi.errors import TunnelError

            raise TunnelError("this devchain has no Bitcoin tunnel: it was created with predeploy_tunnel=False")
        return self._tunnel

    # ------------------------------------------------------------------ the Bitcoin view

    def _make_view(self, l2_block: int, added: list[bytes], fork: int | None) -> HvmView:
        light = self._light
        idx_hash = light.hashes[light.indexed_height]
        return HvmView(l2_block, light.tip_height, BlockHash(light.hashes[-1]), light.indexed_height,
                       BlockHash(idx_hash), tuple(BlockHash(h) for h in added), fork)

    def _open_block(self) -> HvmView:
        """Start the pending L2 block as Hemi's sequencer does: the Bitcoin-attributes step first (new headers into
        the view), then every forced input whose Bitcoin dependencies that view now holds. Done once per block."""
        if self._pending_view is None:
            added, fork = self._light.step()
            self._pending_view = self._make_view(self.engine.head_number + 1, added, fork)
            if self.op is not None:  # system transactions first: L1 attributes, deposits, PoP payout, 0x7C
                if not self.engine.pending_txs:  # they run in the block's own time, as everything after them
                    self.engine.set_pending_timestamp(self.next_timestamp)
                self.op.open_block(self.next_timestamp, self._pending_view)  # 0x7C carries this block's headers
            for item in self.sequencer.take_ready(self._views[-1]):  # the block reads the live view, not its own
                self._apply_forced(item)
        return self._pending_view

    def _apply_forced(self, item) -> None:
        """Order one forced input at the front of the pending block; a refused one is kept in sequencer.dropped."""
        try:
            tx, sender, signed = self._tx_from_fields(item.tx)
            self.engine.validate(tx, sender)
        except (ValueError, HemiValueError) as err:
            self.sequencer.dropped.append((item, str(err)))
            return
        self.sequencer.start_reads()
        try:
            rec = self.engine.apply(tx) if signed else self.engine.apply_unsigned(tx, sender)
        finally:
            reads = self.sequencer.end_reads()
        deps = tuple(dict.fromkeys(item.depends_on + reads))
        self.sequencer.record(rec.tx.hash, self.engine.head_number + 1, rec.index, "forced", deps,
                              self._views[-1], item.label, input_id=item.id)

    def _tx_from_fields(self, body: dict) -> tuple[Any, bytes, bool]:
        """(tx, sender, signed) from eth-style fields; nonce, gas and fees are filled now, at ordering time."""
        if "raw" in body:
            tx = self.engine.decode_raw(body["raw"])
            return tx, tx.sender, True
        sender = to_address(body["from"])
        to = to_address(body["to"]) if body.get("to") else b""
        data = body.get("data", body.get("input")) or b""
        if isinstance(data, str):
            data = bytes.fromhex(data[2:] if data.startswith("0x") else data)
        value = _int(body.get("value", 0))
        nonce = self.engine.state().get_nonce(sender)
        gas = body.get("gas")
        if gas is None:
            probe = self.engine.build_unsigned(nonce=nonce, gas=self.config.gas_limit, to=to, value=value,
                                               data=bytes(data), max_fee=0)
            try:
                gas = self.engine.estimate_gas(probe, sender)
            except Exception:  # noqa: BLE001 - a reverting forced input is still ordered; its receipt shows why
                gas = 1_000_000
        tx = self.engine.build_unsigned(nonce=nonce, gas=_int(gas), to=to, value=value, data=bytes(data))
        key = self.key_for(sender)
        if key is not None and not self.is_impersonated(sender):
            return tx.as_signed_transaction(key.key, chain_id=self.config.chain_id), sender, True
        if self.is_impersonated(sender):
            return tx, sender, False
        raise HemiValueError(f"forced input from {body['from']}: no key for it and not impersonated")

    def hvm_view(self, block: int | str = "latest") -> HvmView:
        """The Bitcoin view after L2 block ``block``: the headers it carried and the light / indexed tips they led to.

        Block ``n``'s headers become visible after it (op-geth moves its view once a block is head): transactions of
        block ``n + 1``, and every ``eth_call`` while ``n`` is the head, read ``hvm_view(n)``; block ``n``'s own
        transactions read ``hvm_view(n - 1)`` (``sequencer.ordering(tx).view`` records the view each one read).
        """
        return self._views[self._block_number(block)]

    def _view_for(self, number: int) -> HvmView:
        """The view transactions of L2 block ``number`` read: the one the block before left (live at the time)."""
        return self._views[max(0, min(number, len(self._views)) - 1)]

    def _reader_for(self, number: int):
        # op-geth's precompiles read one live TBC (core/vm/contracts.go: "blockExecutionContext is never assigned"):
        # a call at an older block, and the pending block, read the view of the latest sealed block
        view = self._views[-1]
        if bytes(self._indexer.tip.hash) != bytes(view.indexed_hash):
            self._indexer.index_to(bytes(view.indexed_hash))
        return self._indexer.reader(view.light_tip_height)

    def _restore_indexer(self) -> None:
        current = self._views[-1]
        if bytes(self._indexer.tip.hash) != bytes(current.indexed_hash):
            self._indexer.index_to(bytes(current.indexed_hash))

    def _mount_hvm_precompiles(self) -> None:
        for address, info in HVM_PRECOMPILES.items():
            self.precompiles.register(address, _HvmPrecompile(self, address), gas=info.gas, name=info.name)

    # ------------------------------------------------------------------ Proof-of-Proof finality

    def finality(self, target: Any = "latest"):
        """Bitcoin finality of an L2 block (number or hash) or EVM tx hash, as Hemi's finality service computes it:
        the next keystone at or above it, its first publication on the canonical Bitcoin chain, effective
        confirmations (best over the keystone and its descendants) and ``superfinal``. Recomputed on every call."""
        return self._finality.finality(target)

    def superfinalize(self, target: Any = "latest", **limits: Any):
        """Drive both chains until ``target`` is superfinal (mine L2 to the keystone, let PoP miners publish, mine
        Bitcoin, sync the view); raises ``NotSuperfinalizable`` naming the cause when it cannot happen."""
        return self._finality.superfinalize(target, **limits)

    def provenance(self, tx_hash: Any):
        """The chain of trust of an EVM transaction that consumed Bitcoin-derived input (see hemi.node.provenance)."""
        from hemi.node.provenance import build_provenance

        return build_provenance(self, tx_hash)

    # ------------------------------------------------------------------ mining and time

    def _block_number(self, block: int | str) -> int:
        head = self.engine.head_number
        if block in ("latest", "safe", "finalized", "pending", None):
            return head
        if block == "earliest":
            return 0
        if isinstance(block, int) and not isinstance(block, bool) and 0 <= block <= head:
            return block
        from hemi.errors import HemiLookupError

        raise HemiLookupError(f"no L2 block {block!r} (head is {head})")

    def on_block(self, callback) -> None:
        """Call ``callback(devchain, number)`` after every L2 block is sealed (keystones and PoP miners use it)."""
        self._block_listeners.append(callback)

    def off_block(self, callback) -> None:
        """Stop calling ``callback`` (registered with :meth:`on_block`); a callback not registered is an error."""
        try:
            self._block_listeners.remove(callback)
        except ValueError:
            raise HemiValueError(f"{callback!r} is not registered with on_block") from None

    def _sealed(self) -> None:
        n = self.engine.head_number
        for cb in list(self._block_listeners):
            cb(self, n)

    def _seal(self) -> int:
        view = self._open_block()
        ts = self._next_block_timestamp()
        self.engine.mine(timestamp=ts)
        self._views.append(view)
        self._pending_view = None
        self._next_timestamp = None
        self._sealed()
        return self.engine.head_number

    def _next_block_timestamp(self) -> int:
        if self._next_timestamp is not None:
            return self._next_timestamp
        head = self.engine.head.header.timestamp
        return head + self.config.block_time + self._take_offset()

    def _take_offset(self) -> int:
        off, self._time_offset = self._time_offset, 0
        return off

    def include(self, tx: Any, sender: bytes, *, signed: bool = True):
        """Put a validated transaction into the pending L2 block (after its Bitcoin-attributes step and the forced
        inputs); with automine the block is sealed at once. Returns the engine's TxRecord."""
        self._open_block()
        view = self._views[-1]  # what this transaction reads: the live view, not the pending block's new headers
        number = self.engine.head_number + 1
        self.sequencer.start_reads()
        try:
            if self.automine and signed and not self.engine.pending_txs:
                (rec,) = self.engine.mine_transactions([tx], timestamp=self._next_block_timestamp())
                self._views.append(self._pending_view)
                self._pending_view = None
                self._next_timestamp = None
                self.sequencer.record(rec.tx.hash, number, rec.index, "mempool", self.sequencer.end_reads(), view)
                self._sealed()
            else:
                rec = self.engine.apply(tx) if signed else self.engine.apply_unsigned(tx, sender)
                self.sequencer.record(rec.tx.hash, number, rec.index, "mempool", self.sequencer.end_reads(), view)
                if self.automine:
                    self._seal()
        finally:
            self.sequencer.end_reads()
            self._restore_indexer()
        return rec

    def mine(self, n: int = 1) -> list[int]:
        """Mine ``n`` L2 blocks (with pending txs in the first); each may carry new Bitcoin headers."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise HemiValueError(f"n must be a non-negative int, got {n!r}")
        return [self._seal() for _ in range(n)]

    def sync_btc(self, *, max_blocks: int = 10_000) -> int:
        """Mine L2 blocks until the hVM view holds every Bitcoin block the rules allow; returns blocks mined. A
        block's headers are visible after it, so when forced inputs that were queued before the call became ready,
        one more block orders them (inputs queued meanwhile, by block hooks, wait for the next block)."""
        mined = 0
        waiting = {item.id for item in self.sequencer._queue}
        while not self._light.in_sync():
            if mined >= max_blocks:
                raise HemiValueError(f"Bitcoin view not in sync after {max_blocks} L2 blocks")
            before = len(self._light.hashes), self._light.hashes[-1]
            opened = self._pending_view is not None  # a block opened earlier took its Bitcoin step already
            self._seal()
            mined += 1
            if not opened and (len(self._light.hashes), self._light.hashes[-1]) == before and \
                    not self._light.in_sync():
                break  # Bitcoin's best chain is shorter than the light view (invalidated blocks): nothing to add
        # a block's headers are visible after it: inputs that were waiting for them go in one more block
        if mined and any(i.id in waiting and self.sequencer._ready(i, self._views[-1]) for i in self.sequencer._queue):
            self._seal()
            mined += 1
        return mined

    def time_travel(self, *, seconds: int = 0, blocks: int = 0) -> None:
        """Move the L2 clock forward: ``seconds`` are added to the next block's timestamp; ``blocks`` are mined."""
        if seconds < 0 or blocks < 0:
            raise HemiValueError("time only moves forward")
        self._time_offset += seconds
        if blocks:
            self.mine(blocks)

    @property
    def next_timestamp(self) -> int:
        """The timestamp the next L2 block will get (``set_next_timestamp``, or head + block_time + time travelled),
        without mining it: ``eth_call`` runs in the latest block's context, so time checks of the next block need it."""
        if self._next_timestamp is not None:
            return self._next_timestamp
        return self.engine.head.header.timestamp + self.config.block_time + self._time_offset

    def set_next_timestamp(self, timestamp: int) -> None:
        if timestamp <= self.engine.head.header.timestamp:
            raise HemiValueError(f"timestamp {timestamp} is not after the latest block's "
                                 f"{self.engine.head.header.timestamp}")
        self._next_timestamp = timestamp

    # ------------------------------------------------------------------ state controls (anvil's, Python names)

    def set_balance(self, address: str | bytes, *, wei: int) -> None:
        addr = to_address(address)
        self.engine.edit_state(lambda s: s.set_balance(addr, int(wei)))

    def set_nonce(self, address: str | bytes, nonce: int) -> None:
        addr = to_address(address)
        if isinstance(nonce, bool) or not isinstance(nonce, int) or not 0 <= nonce < 2**64:
            raise HemiValueError(f"nonce must be an int in [0, 2**64), got {nonce!r}")
        self.engine.edit_state(lambda s: s.set_nonce(addr, nonce))

    def set_code(self, address: str | bytes, code: bytes | str) -> None:
        addr = to_address(address)
        raw = bytes.fromhex(code[2:] if code.startswith("0x") else code) if isinstance(code, str) else bytes(code)
        self.engine.edit_state(lambda s: s.set_code(addr, raw))

    def set_storage(self, address: str | bytes, slot: int, value: int) -> None:
        addr = to_address(address)
        self.engine.edit_state(lambda s: s.set_storage(addr, int(slot), int(value)))

    def impersonate(self, address: str | bytes) -> _Impersonation:
        """Let transactions from ``address`` be sent without its key; also a context manager that stops on exit."""
        addr = to_address(address)
        self._impersonated.add(addr)
        return _Impersonation(self, addr)

    def stop_impersonating(self, address: str | bytes) -> None:
        self._impersonated.discard(to_address(address))

    def is_impersonated(self, address: bytes) -> bool:
        return address in self._impersonated

    # ------------------------------------------------------------------ snapshots

    def snapshot(self) -> DevchainSnapshot:
        """Remember both chains, the hVM view and the clock; :meth:`revert` returns to it."""
        if self.engine.pending_txs:
            self._seal()
        s = DevchainSnapshot(next(_snapshot_ids), id(self), self.engine.snapshot(), self.btc.snapshot(),
                             tuple(self._light.hashes), len(self._views), self._next_timestamp, self._time_offset,
                             {"sequencer": self.sequencer.snapshot_state(),
                              **{name: part.snapshot_state() for name, part in self._stateful_parts()}})
        self._snapshots[s.id] = s
        return s

    def revert(self, snapshot: DevchainSnapshot) -> None:
        if not isinstance(snapshot, DevchainSnapshot) or snapshot.devchain_id != id(self) or \
                self._snapshots.get(snapshot.id) is not snapshot:
            raise SnapshotError(f"unknown or discarded devchain snapshot: {snapshot!r}")
        self.engine.revert(snapshot.engine)
        self.btc.revert(snapshot.btc)
        self._light.hashes = list(snapshot.light)
        del self._views[snapshot.views:]
        self._pending_view = None
        self._next_timestamp = snapshot.next_timestamp
        self._time_offset = snapshot.time_offset
        self.sequencer.restore_state(snapshot.extra["sequencer"])
        for name, part in self._stateful_parts():
            part.restore_state(snapshot.extra[name])
        self._restore_indexer()
        for sid in [i for i in self._snapshots if i > snapshot.id]:
            del self._snapshots[sid]

    def _stateful_parts(self) -> list[tuple[str, Any]]:
        """Protocol parts (PoP miners, tunnel, ...) whose own state a snapshot must hold."""
        return [(name, getattr(self, name)) for name in self._stateful if getattr(self, name, None) is not None]

    def discard(self, snapshot: DevchainSnapshot) -> None:
        s = self._snapshots.pop(getattr(snapshot, "id", None), None)
        if s is not None:
            self.btc.discard(s.btc)

    @contextmanager
    def anchor(self) -> Iterator[Devchain]:
        """``with dev.anchor(): ...``: everything done to both chains inside is undone on exit."""
        s = self.snapshot()
        try:
            yield self
        finally:
            self.revert(s)
            self.discard(s)

    # ------------------------------------------------------------------ saving and loading

    def dump_state(self, path: str | os.PathLike[str]) -> Path:
        """Save the whole devchain (both chains, views, sequencer, keystones, PoP, tunnel, pending transactions) to
        ``path``, atomically, in the data-only format of :mod:`hemi.node.state` (docs/state-files.md)."""
        from hemi.node.state import files as state_file

        return state_file.save(self, path)

    @classmethod
    def load_state(cls, path: str | os.PathLike[str], **options: Any) -> Devchain:
        """A devchain loaded from a file written by :meth:`dump_state`; it answers as the saved one did. Options:
        ``max_size`` (decompressed bytes, default 512 MiB) and ``precompiles`` ({address: fn} for user precompiles
        the state mounts: a state never imports code). Bad files raise :class:`~hemi.errors.StateFileError`."""
        from hemi.node.state import files as state_file

        return state_file.load(path, cls, **options)

    def dump_state_data(self) -> bytes:
        """The state :meth:`dump_state` writes, as bytes (``anvil_dumpState`` returns them hex-encoded)."""
        from hemi.node import state

        return state.dump(self)

    @classmethod
    def load_state_data(cls, data: bytes, **options: Any) -> Devchain:
        """A new devchain from bytes of :meth:`dump_state_data` (options as :meth:`load_state`)."""
        from hemi.node import state

        return state.load(cls, data, **options)

    def replace_state(self, data: bytes, **options: Any) -> None:
        """Make this devchain (the same object) hold the state in ``data``, saved by a devchain of the same
        configuration, as ``anvil_loadState`` does; a refused state leaves it unchanged. Snapshots end."""
        from hemi.node import state

        state.load_into(self, data, **options)

    def __repr__(self) -> str:
        v = self._views[-1]
        return (f"<Devchain seed={self.config.seed} chain_id={self.config.chain_id} l2={self.engine.head_number} "
                f"btc={self.btc.height} light={v.light_tip_height} indexed={v.indexed_height}>")


class _HvmPrecompile:
    """Precompile 0x40–0x49 of one devchain: reads the Bitcoin view of the L2 block the call runs under. An object
    rather than a closure, so that a saved state can name it as the devchain's own (hemi.node.state.devchain)."""

    def __init__(self, dev: Devchain, address: bytes) -> None:
        self.dev, self.address = dev, address

    def __call__(self, data: bytes, ctx: Any) -> bytes:
        dev = self.dev
        dev.sequencer.note_read(self.address, data)
        ok, out = run_precompile(self.address, data, dev._reader_for(ctx.block_number), dev.config.hvm_profile,
                                 header_n=dev.config.hvm_header_n)
        if not ok:
            raise PrecompileFailure("the hVM precompile failed (raw error: all gas burned)")
        return out


class _Impersonation:
    def __init__(self, dev: Devchain, address: bytes) -> None:
        self.dev, self.address = dev, address

    def __enter__(self) -> str:
        from eth_utils import to_checksum_address

        return to_checksum_address(self.address)

    def __exit__(self, *exc: object) -> None:
        self.dev.stop_impersonating(self.address)


def _int(v: Any) -> int:
    if isinstance(v, str):
        return int(v, 16) if v.startswith("0x") else int(v)
    return int(v)


def _bitcoin_kit_code(profile: str = "deployed") -> bytes:
    """Runtime code of the hBK implementation for ``profile``, shipped precompiled (empty if the artifact is absent)."""
    from hemi.compiler import shipped

    try:
        art = shipped.load(BITCOIN_KIT_ARTIFACTS[profile][0])
    except Exception:  # noqa: BLE001 - the artifact ships with the package; absent only in a broken install
        return b""
    return bytes.fromhex(art.deployed_bytecode[2:])
