"""The hVM devchain: an EVM whose Bitcoin precompiles read the embedded Bitcoin chain through Hemi's lagging view.

``Devchain()`` wires three parts together: a :class:`~hemi.btc.BitcoinChain`, the EVM engine with this devchain's
own precompile registry (0x40–0x49 mounted), and the per-block Bitcoin view (light tip, lagging indexes). As in
op-geth, the headers an L2 block carries become visible after that block: its own transactions, and every call, read
the live view, the one left by the latest sealed block (docs/hvm-precompiles.md). Everything is deterministic:
the seed fixes Bitcoin, the L2 clock advances ``block_time`` seconds per block, and nothing reads the wall clock.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from hemi.btc.chain import BitcoinChain
from hemi.compiler import shipped
from hemi.constants import DEFAULT_CHAIN_ID, HBK_ADDRESS
from hemi.errors import HemiLookupError, HemiValueError, SnapshotError, TunnelError, require_uint
from hemi.hvm.engine import EvmEngine, GenesisAccount, TxRecord
from hemi.hvm.l1_fee import L1CostModel
from hemi.hvm.precompiles import HVM_PRECOMPILES
from hemi.hvm.registry import PrecompileRegistry, to_address
from hemi.hvm.view import BitcoinReader
from hemi.node.accounts import DevAccount, derive_accounts
from hemi.node.bitcoin_view.btc_index import BitcoinIndexer
from hemi.node.bitcoin_view.hvm_view import HvmView, LightView
from hemi.node.bitcoin_view.precompile import HvmPrecompile
from hemi.node.config import DevchainConfig, DevchainSnapshot, check_settings
from hemi.node.context import StatefulPart
from hemi.node.controls import StateControls
from hemi.node.op_stack import OpConfig, OpStack, l1_attributes_shortcut, predeploy_alloc
from hemi.node.pop.finality import Finality, FinalityService, Target
from hemi.node.pop.keystones import KeystoneIndex
from hemi.node.pop.payouts import PopPayouts, pop_payouts_alloc
from hemi.node.pop.publications import PopNetwork
from hemi.node.saving import StateFiles
from hemi.node.sequencer import Sequencer
from hemi.node.tunnel import Tunnel
from hemi.node.tunnel import genesis as tunnel_genesis
from hemi.types import BlockHash

if TYPE_CHECKING:  # imported where used: fork mode, explanations, provenance and state files are not every program's
    from hemi.node import explain
    from hemi.node.fork.remote import ForkRemote
    from hemi.node.provenance import Provenance

__all__ = ["BITCOIN_KIT_ARTIFACTS", "DEFAULT_CHAIN_ID", "HBK_ADDRESS", "Devchain", "DevchainConfig",
           "DevchainSnapshot"]

# hvm_profile -> (kit contract, interface) artifacts: the kit that answers the ABI hemi-viem calls reads the newest
# 0x42 frame; the published BitcoinKit.sol's ABI and parser go with the Oct-2024 layout (docs/hbk.md)
BITCOIN_KIT_ARTIFACTS = {"deployed": ("BitcoinKit", "IBitcoinKit"),
                         "hvmphase0": ("BitcoinKitHvmPhase0", "IBitcoinKitHvmPhase0")}
BlockListener = Callable[[Any, int], None]  # called as listener(devchain, number) after each sealed L2 block
_snapshot_ids = itertools.count(1)
# the view kept for each L2 block names the same Bitcoin tip block after block: one (immutable) BlockHash per hash
# seen lately, not two new ones per L2 block
_block_hash = lru_cache(maxsize=64)(BlockHash)


class Devchain(StateFiles, StateControls):
    """An in-process Hemi devchain: ``dev.btc``, ``dev.engine``, ``dev.mine()``, ``dev.anchor()``... (``hemi.Devchain``
    adds the in-process web3 face, ``dev.w3``). It satisfies :class:`hemi.node.context.NodeContext`, the interface
    its parts are given."""

    def __init__(self, seed: int = 0, **config: Any) -> None:
        check_settings(config)  # a misspelt setting: HemiValueError naming it and the closest names, before any work
        self.fork: ForkRemote | None = None  # fork mode: the remote the state, old blocks and hVM answers come from
        if config.get("fork_url") is not None:
            # deferred: fork mode only (requests, a sqlite3 cache); bound whenever self.fork is set, as below
            from hemi.node.fork import setup as fork_setup

            self.fork, config = fork_setup.open_fork(config)
        try:
            self.config = DevchainConfig(seed=seed, **config)
        except Exception:
            if self.fork is not None:  # a bad setting: release the connection and the cache file opened for it
                self.fork.close()
            raise
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
            alloc.update(tunnel_genesis.tunnel_alloc(self.btc, tunnel_genesis.shipped_runtime_code()))
            operator = tunnel_genesis.operator_account(self.btc)
            self._keys[operator.canonical] = operator  # the simulated operator signs its own transactions
        self.op: OpStack | None = None
        if cfg.op_stack:  # L1Block and GasPriceOracle predeploys; every block opens with its system transactions
            op_config = OpConfig()
            alloc.update(predeploy_alloc(op_config))
            self.op = OpStack(self, op_config)
            if cfg.pop_payouts:
                alloc.update(pop_payouts_alloc(keystone_interval=cfg.keystone_interval))
        make_engine = EvmEngine if self.fork is None else partial(fork_setup.fork_engine, self.fork)
        self.engine = make_engine(chain_id=cfg.chain_id, alloc=alloc, precompiles=self.precompiles.table,
                                  genesis_timestamp=cfg.genesis_timestamp, gas_limit=cfg.gas_limit,
                                  base_fee=cfg.base_fee, randao_seed=f"hemi-sdk/{seed}".encode(),
                                  fork=cfg.evm_fork, l1_cost=L1CostModel() if cfg.op_stack else None)
        if self.op is not None:
            self.engine.system_shortcut = l1_attributes_shortcut()
        self.automine = cfg.automine
        self._light = LightView(self.btc, max_headers=cfg.max_btc_headers_per_block, lag=cfg.hvm_indexer_lag)
        self._indexer = BitcoinIndexer(self.btc, visible_from=cfg.hvm_genesis_btc_height)
        genesis_view = self._make_view(self.engine.head_number, [], None)
        self._views: list[HvmView] = ([genesis_view] if self.fork is None
                                      else fork_setup.fork_views(self.fork, genesis_view))
        self._pending_view: HvmView | None = None
        self._next_timestamp: int | None = None
        self._time_offset = 0
        self._snapshots: dict[int, DevchainSnapshot] = {}
        self._block_listeners: list[BlockListener] = []
        self._stateful: list[str] = ["op"] if self.op is not None else []
        self.sequencer = Sequencer(self)
        self._mount_hvm_precompiles()
        if self.fork is not None:  # 0x40-0x49 answer from the remote's Bitcoin view at the fork block
            fork_setup.forward_precompiles(self.fork, self.precompiles)
        self.keystones = KeystoneIndex(self, interval=cfg.keystone_interval)
        self.pop = PopNetwork(self, self.keystones, default_miner=cfg.pop_default_miner,
                              auto_fund=cfg.pop_auto_fund)
        self.pop_payouts: PopPayouts | None = None
        if self.op is not None and cfg.pop_payouts:  # keystone blocks carry a 0x7D payout (hemi.node.pop.payouts)
            self.pop_payouts = PopPayouts(self.keystones, self.pop, delay=cfg.pop_payout_delay)
            self.op.payouts = self.pop_payouts
        self.on_block(self.pop.on_block)  # PoP miners react to new keystones (not to Bitcoin changes: see publications)
        self._stateful.append("pop")
        self._finality = FinalityService(self, self.keystones, self.pop,
                                         superfinality_threshold=cfg.superfinality_threshold)
        self._tunnel: Tunnel | None = None
        if cfg.predeploy_tunnel:
            self._tunnel = Tunnel(self)
            self.on_block(self._tunnel.on_block)  # the simulated operator reacts to withdrawals
            self._stateful.append("tunnel")

    # ------------------------------------------------------------------ accounts

    @property
    def accounts(self) -> list[DevAccount]:
        """The funded dev accounts (checksummed address strings with ``.private_key``)."""
        return list(self._accounts)

    def key_for(self, address: str | bytes) -> DevAccount | None:
        return self._keys.get(to_address(address))

    @property
    def tunnel(self) -> Tunnel:
        """The Bitcoin tunnel (:class:`hemi.node.tunnel.Tunnel`): deposits, withdrawals, the operator, audit."""
        if self._tunnel is None:
            raise TunnelError("this devchain has no Bitcoin tunnel: it was created with predeploy_tunnel=False")
        return self._tunnel

    # ------------------------------------------------------------------ the Bitcoin view

    def _make_view(self, l2_block: int, added: list[bytes], fork: int | None) -> HvmView:
        light = self._light
        idx_hash = light.hashes[light.indexed_height]
        return HvmView(l2_block, light.tip_height, _block_hash(light.hashes[-1]), light.indexed_height,
                       _block_hash(idx_hash), tuple(_block_hash(h) for h in added), fork)

    def _open_block(self) -> HvmView:
        """Start the pending L2 block as Hemi's sequencer does: the Bitcoin-attributes step first (new headers into
        the view), then every forced input whose Bitcoin dependencies that view now holds. Done once per block, and
        all or nothing: when a step fails, the light chain, the queues and the pending block are as they were."""
        if self._pending_view is not None:
            return self._pending_view
        undo = (self._light.hashes, self.engine.snapshot(),
                self.sequencer.snapshot_state(), None if self.op is None else self.op.snapshot_state())
        try:
            return self._open_pending()
        except BaseException:
            self._pending_view, (self._light.hashes, engine, sequencer, op) = None, undo
            self.engine.revert(engine)
            self.sequencer.restore_state(sequencer)
            if op is not None and self.op is not None:
                self.op.restore_state(op)
            raise

    def _open_pending(self) -> HvmView:
        if self.next_timestamp >= 2**64:  # a header's timestamp is a uint64 and must grow: no block can follow
            raise HemiValueError(f"the next block's timestamp {self.next_timestamp} is past 2**64 - 1 (the latest "
                                 f"block's is {self.engine.head.header.timestamp}): no later block can be made")
        added, fork = self._light.step()
        view = self._pending_view = self._make_view(self.engine.head_number + 1, added, fork)
        if not self.engine.pending_txs:  # what the block holds runs in its own time
            self.engine.set_pending_timestamp(self.next_timestamp)
        if self.op is not None:  # system transactions first: L1 attributes, deposits, PoP payout, 0x7C
            self.op.open_block(self.next_timestamp, view)  # 0x7C carries this block's headers
        live = self._views[-1]  # the block reads the live view, not its own
        for item in self.sequencer.take_ready(live):
            self.sequencer.apply_forced(item, live)
        return view

    def hvm_view(self, block: int | str = "latest") -> HvmView:
        """The Bitcoin view after L2 block ``block``: the headers it carried and the light / indexed tips they led to.

        Block ``n``'s headers become visible after it (op-geth moves its view once a block is head): transactions of
        block ``n + 1``, and every ``eth_call`` while ``n`` is the head, read ``hvm_view(n)``; block ``n``'s own
        transactions read ``hvm_view(n - 1)`` (``sequencer.ordering(tx).view`` records the view each one read).
        """
        return self._views[self._block_number(block)]

    def view_for(self, number: int) -> HvmView:
        """The view transactions of L2 block ``number`` read: the one the block before left (live at the time)."""
        return self._views[max(0, min(number, len(self._views)) - 1)]

    @property
    def pending_view(self) -> HvmView | None:
        """The view of the L2 block being built, once its Bitcoin-attributes step ran (None before)."""
        return self._pending_view

    @property
    def light_hashes(self) -> Sequence[bytes]:
        """The hVM's light chain: Bitcoin block hashes by height, as far as the L2 blocks carried them."""
        return self._light.hashes

    def bitcoin_reader(self, number: int) -> BitcoinReader:
        """What a precompile call at L2 block ``number`` reads. op-geth's precompiles read one live TBC
        (core/vm/contracts.go: "blockExecutionContext is never assigned"): a call at an older block, and the pending
        block, read the view of the latest sealed block."""
        self._restore_indexer()
        return self._indexer.reader(self._views[-1].light_tip_height)

    def note_precompile_read(self, address: int, data: bytes) -> None:
        self.sequencer.note_read(address, data)

    def _restore_indexer(self) -> None:
        current = self._views[-1]
        if bytes(self._indexer.tip.hash) != bytes(current.indexed_hash):
            self._indexer.index_to(bytes(current.indexed_hash))

    def _mount_hvm_precompiles(self) -> None:
        for address, info in HVM_PRECOMPILES.items():
            self.precompiles.register(address, HvmPrecompile(self, address), gas=info.gas, name=info.name)

    # ------------------------------------------------------------------ Proof-of-Proof finality

    def finality(self, target: Target = "latest") -> Finality:
        """Bitcoin finality of an L2 block (number or hash) or EVM tx hash, as Hemi's finality service computes it:
        the next keystone at or above it, its first publication on the canonical Bitcoin chain, effective
        confirmations (best over the keystone and its descendants) and ``superfinal``. Recomputed on every call."""
        return self._finality.finality(target)

    def superfinalize(self, target: Target = "latest", **limits: Any) -> Finality:
        """Drive both chains until ``target`` is superfinal (mine L2 to the keystone, let PoP miners publish, mine
        Bitcoin, sync the view); raises ``NotSuperfinalizable`` naming the cause when it cannot happen."""
        return self._finality.superfinalize(target, **limits)

    def provenance(self, tx_hash: Any) -> Provenance:
        """The chain of trust of an EVM transaction that consumed Bitcoin-derived input (see hemi.node.provenance)."""
        from hemi.node.provenance import build_provenance  # deferred: as explain below
        return build_provenance(self, tx_hash)

    # ------------------------------------------------------------------ why a Bitcoin lookup found nothing

    def explain_txid(self, txid: Any) -> explain.TxidExplanation:
        """Unknown txid, the other byte order, or not in the hVM's indexed view yet (and what to do): see
        hemi.node.explain."""
        from hemi.node import explain  # deferred: most programs never ask
        return explain.explain_txid(self, txid)

    def explain_call(self, call: Any, *args: Any, **kwargs: Any) -> explain.CallExplanation:
        """Run ``call(*args, **kwargs)``; if it fails, explain each txid it asked the hVM precompiles about."""
        from hemi.node import explain  # deferred: most programs never ask
        return explain.explain_call(self, call, *args, **kwargs)

    def explain_balance(self, address: str) -> explain.BalanceExplanation:
        """How much of ``address``'s Bitcoin balance hBK / 0x40 can see yet, and why the rest is not visible."""
        from hemi.node import explain  # deferred: most programs never ask
        return explain.explain_balance(self, address)

    # ------------------------------------------------------------------ mining and time

    def _block_number(self, block: int | str | None) -> int:
        head = self.engine.head_number
        if block in ("latest", "safe", "finalized", "pending", None):
            return head
        if block == "earliest":
            return 0
        if isinstance(block, int) and not isinstance(block, bool) and 0 <= block <= head:
            return block
        raise HemiLookupError(f"no L2 block {block!r} (head is {head})")

    def on_block(self, callback: BlockListener) -> None:
        """Call ``callback(devchain, number)`` after every L2 block is sealed (keystones and PoP miners use it)."""
        self._block_listeners.append(callback)

    def off_block(self, callback: BlockListener) -> None:
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
        ts = self.next_timestamp  # spent only once the block is sealed (_clock_used)
        if self.engine.pending_txs and ts != self.engine.pending_header.timestamp:
            # the clock moved since the block opened: what it holds runs again at the block's own time, as anvil
            # and Hardhat build a block when they mine it (a transaction that no longer runs is left out)
            before = {r.tx.hash for r in self.engine.pending_records}
            self.engine.retime_pending(ts, None if self.op is None else self.op.retimed)
            for h in before - {r.tx.hash for r in self.engine.pending_records}:
                self.sequencer.drop_tx(h)
        self.engine.mine(timestamp=ts)
        self._clock_used()
        self._views.append(view)
        self._pending_view = None
        # as op-geth does after each L2 block (TBCIndexToHashHeight), not at the first precompile call: that call
        # then costs what any other does
        self._restore_indexer()
        self._sealed()
        return self.engine.head_number

    def _clock_used(self) -> None:
        """A block was sealed at :attr:`next_timestamp`: the time set or travelled is spent (not before: a block that
        fails to seal leaves the clock as it was)."""
        if self._next_timestamp is None:
            self._time_offset = 0
        self._next_timestamp = None

    def include(self, tx: Any, sender: bytes, *, signed: bool = True) -> TxRecord:
        """Put a validated transaction into the pending L2 block (after its Bitcoin-attributes step and the forced
        inputs); with automine the block is sealed at once. Returns the engine's TxRecord."""
        pending = self._open_block()
        view = self._views[-1]  # what this transaction reads: the live view, not the pending block's new headers
        number = self.engine.head_number + 1
        self.sequencer.start_reads()
        try:
            if self.automine and signed and not self.engine.pending_txs:
                (rec,) = self.engine.mine_transactions([tx], timestamp=self.next_timestamp)
                self._clock_used()
                self._views.append(pending)
                self._pending_view = None
                self._restore_indexer()
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
        one more block orders them (inputs queued meanwhile, by block hooks, wait for the next block).
        HemiValueError at once when the gap needs more than ``max_blocks`` blocks at ``max_btc_headers_per_block``."""
        require_uint("max_blocks", max_blocks, bits=32)
        behind, per_block = self.btc.height - self._light.tip_height, self.config.max_btc_headers_per_block
        if -(-behind // per_block) > max_blocks:  # said at once, not after mining max_blocks blocks
            raise HemiValueError(f"the hVM view is {behind} Bitcoin blocks behind: at {per_block} headers an L2 block "
                                 f"that takes more than max_blocks={max_blocks} L2 blocks")
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
        seconds, blocks = require_uint("seconds", seconds, bits=64), require_uint("blocks", blocks, bits=64)
        if self.next_timestamp + seconds >= 2**64:  # a header's timestamp is a uint64
            raise HemiValueError(f"{seconds} seconds would take the next block's timestamp past 2**64 - 1")
        self._time_offset += seconds
        if blocks:
            self.mine(blocks)

    @property
    def automine(self) -> bool:
        """Whether each transaction is mined into a block of its own at once (anvil's default)."""
        return self._automine

    @automine.setter
    def automine(self, value: bool) -> None:
        if not isinstance(value, bool):  # "no" or 0 would silently mean something
            raise HemiValueError(f"automine is True or False, got {value!r}")
        self._automine = value

    @property
    def next_timestamp(self) -> int:
        """The timestamp the next L2 block will get (``set_next_timestamp``, or head + block_time + time travelled),
        without mining it: ``eth_call`` runs in the latest block's context, so time checks of the next block need it."""
        if self._next_timestamp is not None:
            return self._next_timestamp
        return int(self.engine.head.header.timestamp) + self.config.block_time + self._time_offset

    def set_next_timestamp(self, timestamp: int) -> None:
        timestamp = require_uint("timestamp", timestamp, bits=64)  # a header's timestamp is a uint64
        if timestamp <= (head := self.engine.head.header.timestamp):
            raise HemiValueError(f"timestamp {timestamp} is not after the latest block's {head}")
        self._next_timestamp = timestamp

    # ------------------------------------------------------------------ snapshots

    def snapshot(self) -> DevchainSnapshot:
        """Remember both chains, the hVM view, the clock and the pending block (its transactions stay pending, as
        with Hardhat's ``evm_snapshot``); :meth:`revert` returns to it."""
        s = DevchainSnapshot(next(_snapshot_ids), id(self), self.engine.snapshot(), self.btc.snapshot(),
                             tuple(self._light.hashes), len(self._views), self._next_timestamp, self._time_offset,
                             {"sequencer": self.sequencer.snapshot_state(),
                              **{name: part.snapshot_state() for name, part in self._stateful_parts()}},
                             self._pending_view)
        self._snapshots[s.id] = s
        return s

    def revert(self, snapshot: DevchainSnapshot) -> None:
        if not isinstance(snapshot, DevchainSnapshot) or snapshot.devchain_id != id(self) or \
                self._snapshots.get(snapshot.id) is not snapshot:
            raise SnapshotError(f"unknown or discarded devchain snapshot: {snapshot!r}")
        self.btc.revert(snapshot.btc)
        self._light.hashes = list(snapshot.light)
        del self._views[snapshot.views:]
        self._pending_view = snapshot.pending_view
        self._next_timestamp = snapshot.next_timestamp
        self._time_offset = snapshot.time_offset
        self.sequencer.restore_state(snapshot.extra["sequencer"])
        for name, part in self._stateful_parts():
            part.restore_state(snapshot.extra[name])
        self._restore_indexer()
        self.engine.revert(snapshot.engine)  # last: a kept pending block runs again, reading the views restored
        for sid in [i for i in self._snapshots if i > snapshot.id]:
            del self._snapshots[sid]

    def _stateful_parts(self) -> list[tuple[str, StatefulPart]]:
        """Protocol parts (PoP miners, tunnel, ...) whose own state a snapshot must hold."""
        return [(name, getattr(self, name)) for name in self._stateful if getattr(self, name, None) is not None]

    def discard(self, snapshot: DevchainSnapshot) -> None:
        s = self._snapshots.pop(snapshot.id, None) if isinstance(snapshot, DevchainSnapshot) else None
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

    def __repr__(self) -> str:
        v = self._views[-1]
        return (f"<Devchain seed={self.config.seed} chain_id={self.config.chain_id} l2={self.engine.head_number} "
                f"btc={self.btc.height} light={v.light_tip_height} indexed={v.indexed_height}>")


def _bitcoin_kit_code(profile: str = "deployed") -> bytes:
    """Runtime code of the hBK implementation for ``profile``, shipped precompiled (empty if the artifact is absent)."""
    try:
        art = shipped.load(BITCOIN_KIT_ARTIFACTS[profile][0])
    except Exception:  # noqa: BLE001 - the artifact ships with the package; absent only in a broken install
        return b""
    return bytes.fromhex(art.deployed_bytecode[2:])
