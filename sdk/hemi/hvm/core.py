"""The engine's chain: genesis, the block index, the pending block's VM, state reads and snapshots.

:class:`EngineCore` owns a py-evm chain of the devchain's EVM fork (:mod:`hemi.hvm.forks`) and keeps its own index
of sealed blocks and transaction records (:mod:`hemi.hvm.records`), so snapshots are O(1): the state is
content-addressed, and reverting is pointing the head back. Sealed blocks never enter py-evm's chain database
(importing them there validated, persisted and re-read headers at a cost above executing a transfer).

The pending block runs on one py-evm VM (``_pvm``) from its first change to its seal: system transactions,
transactions and direct edits all go into that VM's state, and the state root is computed once, when the block is
sealed, unless something needs the pending root before (a call on the pending state, a snapshot, a save), which
:meth:`EngineCore._flush` provides. Mining and transactions are added by :mod:`hemi.hvm.pending` and
:mod:`hemi.hvm.engine`, calls by :mod:`hemi.hvm.calls`.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Concatenate, ParamSpec, TypeVar

from eth import constants as evm_constants
from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB

from hemi.hvm.convert import child_header, evm_header, header_record, header_with
from hemi.hvm.forks import (
    DEFAULT_FORK,
    FORKS,
    HISTORY_SERVE_WINDOW,
    HISTORY_STORAGE_ADDRESS,
    HISTORY_STORAGE_CONTRACT_CODE,
)
from hemi.hvm.node_store import NodeStore
from hemi.hvm.records import Block, BlockRecord, PendingHeader, StateReader, TxRecord
from hemi.hvm.vm import GenesisAccount, PrecompileFn, vm_class

_CALL_STATES = 8  # call states kept, one per (block, state root): estimate_gas's probes reuse one's trie reads

_E = TypeVar("_E", bound="EngineCore")
_P = ParamSpec("_P")
_R = TypeVar("_R")


def pending_lock(method: Callable[Concatenate[_E, _P], _R]) -> Callable[Concatenate[_E, _P], _R]:
    """Run ``method`` holding the engine's lock on its pending VM. The VM's state may hold changes without a root,
    and a save from another thread (hemi.node.state.autosave) computes it: that must not happen while a block
    is being applied or sealed on the same state."""

    @functools.wraps(method)
    def locked(self: _E, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._lock:
            return method(self, *args, **kwargs)

    return locked


class EngineCore:
    """A deterministic EVM chain over py-evm: its blocks, its pending block and reads of its states."""

    # automine off (see hemi.rpc.txpool): the state "latest" reads while transactions are pending (None: the pending
    # root, as nothing is pending), and the pending block's journal, replayed when a pooled tx is replaced by fee
    _latest_root: bytes | None = None
    _pending_base: Any = None
    _pending_base_history: Any = None
    _pending_journal: list  # set per instance by _reset_pending_header (a class-level list would be shared)
    _history_write: tuple[int, int] | None
    _pvm: Any  # the pending block's py-evm VM, made on its first change (None: not yet)
    _dirty: bool  # the pending VM's state holds changes that chain.header.state_root does not include yet
    _lock: threading.RLock  # see pending_lock
    _head_header: tuple[bytes, Any] | None  # (hash, py-evm header) of the block sealed last: no decoding

    def __init__(
        self,
        *,
        chain_id: int,
        alloc: Mapping[bytes, GenesisAccount],
        precompiles: Mapping[bytes, PrecompileFn],
        genesis_timestamp: int,
        gas_limit: int = 30_000_000,
        base_fee: int = 1_000_000_000,
        coinbase: bytes = b"\x00" * 20,
        randao_seed: bytes = b"hemi-sdk",
        fork: str = DEFAULT_FORK,
        l1_cost: Any = None,
    ) -> None:
        if fork not in FORKS:
            raise ValueError(f"EVM fork is one of {', '.join(FORKS)}, got {fork!r}")
        self._lock = threading.RLock()
        self.fork = fork
        # a hemi.hvm.system_shortcut.StoreShortcut the node installs (the OP stack's); an instance field, so state
        # files of a devchain without the OP stack have it too
        self.system_shortcut: Any = None
        self.l1_cost = l1_cost  # hemi.hvm.l1_fee.L1CostModel: charge OP's L1 data fee; None: a plain EVM
        self.chain_id = chain_id
        self.coinbase = coinbase
        self.gas_limit = gas_limit
        self._randao_seed = randao_seed
        chain_class = self._chain_class(precompiles)
        genesis_params = {
            "difficulty": 0,
            "gas_limit": gas_limit,
            "timestamp": genesis_timestamp,
            "coinbase": coinbase,
            "extra_data": b"",
            "nonce": b"\x00" * 8,
            "mix_hash": self._randao(0),
            "base_fee_per_gas": base_fee,
            "withdrawals_root": evm_constants.BLANK_ROOT_HASH,
            "parent_beacon_block_root": evm_constants.ZERO_HASH32,
            "blob_gas_used": 0,
            "excess_blob_gas": 0,
        }
        state = {addr: {"balance": a.balance, "nonce": a.nonce, "code": a.code, "storage": dict(a.storage)}
                 for addr, a in alloc.items()}
        if fork == "prague":  # EIP-2935's history contract, deployed at genesis (OP Isthmus deploys it by upgrade tx)
            state.setdefault(HISTORY_STORAGE_ADDRESS, {"balance": 0, "nonce": 1, "code": HISTORY_STORAGE_CONTRACT_CODE,
                                                       "storage": {}})
        self.chain = chain_class.from_genesis(AtomicDB(NodeStore()), genesis_params, state)
        genesis = self.chain.get_canonical_block_by_number(0)
        self._blocks: list[BlockRecord] = [BlockRecord(Block(header_record(genesis.header), ()))]
        self._by_hash: dict[bytes, int] = {genesis.hash: 0}
        self._txs: dict[bytes, TxRecord] = {}
        self._pending: list[Any] = []  # py-evm txs applied to the pending block (automine off)
        self._pending_records: list[TxRecord] = []
        self._call_states: dict[tuple, Any] = {}
        self._head_header = None
        self._reset_pending_header()

    def _chain_class(self, precompiles: Mapping[bytes, PrecompileFn]) -> Any:  # a py-evm MiningChain class
        self._precompiles = precompiles  # the live table: estimate_gas must not take a precompile for a plain account
        vm = vm_class(precompiles, self._prev_hashes, getattr(self, "fork", "cancun"), getattr(self, "l1_cost", None))
        return MiningChain.configure(__name__="HemiDevchain", vm_configuration=((0, vm),), chain_id=self.chain_id)

    # ------------------------------------------------------------------ saving and loading (pickle)

    def __getstate__(self) -> dict:
        """Everything but the py-evm chain object (its classes are made per devchain): its database and pending
        header are kept instead; :meth:`attach` rebuilds the chain around them after loading."""
        self._flush()
        state = self.__dict__.copy()
        chain = state.pop("chain")
        state.pop("_precompiles", None)  # the devchain's functions; attach() sets the table again
        state["_call_states"], state["_pvm"], state["_head_header"] = {}, None, None
        del state["_lock"]
        state["_saved_db"] = dict(chain.chaindb.db.wrapped_db.kv_store)
        state["_saved_header"] = chain.header
        return state

    def attach(self, precompiles: Mapping[bytes, PrecompileFn]) -> None:
        """Rebuild the py-evm chain of a loaded engine, with the devchain's precompile table."""
        self._lock = threading.RLock()
        db = AtomicDB(NodeStore(self.__dict__.pop("_saved_db")))
        self.chain = self._chain_class(precompiles)(db, self.__dict__.pop("_saved_header"))

    # ------------------------------------------------------------------ helpers

    def _prev_hashes(self, parent_hash: bytes) -> Iterator[bytes]:
        """Hashes of the parent and up to 255 of its ancestors, newest first (the BLOCKHASH window), produced
        lazily: py-evm reads them only when a contract executes BLOCKHASH."""
        n = self._by_hash.get(parent_hash)
        blocks = self._blocks
        # the parent must still be on the chain when the window is read (a revert may have happened since)
        if n is None or n >= len(blocks) or blocks[n].block.hash != parent_hash:
            return
        for i in range(n, max(-1, n - 256), -1):
            yield blocks[i].block.hash

    def _randao(self, number: int) -> bytes:
        return hashlib.sha256(self._randao_seed + number.to_bytes(8, "big")).digest()

    @property
    def _header_class(self) -> Any:
        return type(self.chain.header)

    def evm_header(self, number: int) -> Any:
        """py-evm's header of block ``number`` (for :mod:`hemi.hvm` modules that execute on an old block); the head's
        is kept from its sealing, as every new block and call state starts from it."""
        block = self._blocks[number].block
        kept = self._head_header
        if kept is not None and kept[0] == block.hash:
            return kept[1]
        return evm_header(block.header, self._header_class)

    def _reset_pending_header(self, timestamp: int | None = None) -> None:
        head = self.evm_header(len(self._blocks) - 1)
        ts = head.timestamp + 1 if timestamp is None else timestamp
        # the gas limit stays as configured, as on an OP-stack chain (set by its system config); py-evm would walk
        # it towards its usage target by 1/1024 a block, so a long devchain would refuse large transactions
        params: dict[str, Any] = {"timestamp": ts, "coinbase": self.coinbase, "gas_limit": self.gas_limit,
                                  "mix_hash": self._randao(head.block_number + 1)}
        # py-evm's header for the next block, built directly (hemi.hvm.convert.child_header); py-evm's own path only
        # guards a head of another class (the engine's chain has one fork from genesis, so its blocks never are)
        header = child_header(head, **params) if type(head) is self._header_class else None
        self.chain.header = header if header is not None else self.chain.create_header_from_parent(head, **params)
        # EIP-2935: the parent's hash goes into the history contract before the block's first tx. It is written with
        # whatever first touches the pending state (a tx, an edit, the seal); calls need it not: they run in the
        # head block's context, which reads only older slots.
        self._history_write = (head.block_number % HISTORY_SERVE_WINDOW, int.from_bytes(head.hash, "big")) \
            if self.fork == "prague" else None
        self._pending = []
        self._pending_records = []
        self._latest_root, self._pending_base, self._pending_journal = None, None, []
        self._pending_base_history = None
        self._pvm, self._dirty = None, False

    # ------------------------------------------------------------------ the pending block's VM

    def _pending_vm(self) -> Any:
        """The pending block's VM, made on first use (a read of the pending state, or a change)."""
        vm = self._pvm
        if vm is None:
            vm = self._pvm = self.chain.get_vm(self.chain.header)
        return vm

    def _changing_vm(self) -> Any:
        """The pending block's VM about to change its state: EIP-2935's write goes first, if still due."""
        vm = self._pending_vm()
        self._write_history(vm.state)
        return vm

    def _write_history(self, state: Any) -> None:
        write = self._history_write
        if write is not None:
            state.set_storage(HISTORY_STORAGE_ADDRESS, write[0], write[1])
            self._history_write = None
            self._dirty = True

    @pending_lock
    def _flush(self) -> None:
        """Compute the pending state's root and put it in the pending header (nothing to do when it is there)."""
        if self._dirty:
            state = self._pending_vm().state
            state.persist()
            self.chain.header = header_with(self.chain.header, state_root=state.state_root)
            self._dirty = False

    def _drop_pending_vm(self, *, keep: bool) -> None:
        """Forget the pending VM (its block context is about to change): its changes kept (flushed) or dropped."""
        if keep:
            self._flush()
        self._pvm, self._dirty = None, False

    def flush_pending(self) -> None:
        """Make the pending header's state root and the state database include every pending change (for a save)."""
        self._flush()

    @property
    def pending_state_root(self) -> bytes:
        self._flush()
        return bytes(self.chain.header.state_root)

    @property
    def latest_state_root(self) -> bytes:
        """The state "latest" reads: the head's plus direct edits, without the transactions still pending."""
        return self._latest_root if self._latest_root is not None else self.pending_state_root

    @property
    def computation_class(self) -> type:
        """The computation class this engine's VM runs (:func:`hemi.hvm.deadline.time_limit` swaps its opcodes)."""
        return self.chain.get_vm_class_for_block_number(0).get_state_class().computation_class  # type: ignore

    # ------------------------------------------------------------------ blocks

    @property
    def head(self) -> Block:
        return self._blocks[-1].block

    @property
    def head_number(self) -> int:
        return len(self._blocks) - 1

    @property
    def pending_header(self) -> PendingHeader:
        h = self.chain.header
        return PendingHeader(h.block_number, h.timestamp, h.coinbase, h.gas_limit, h.gas_used, h.base_fee_per_gas,
                             h.parent_hash)

    def set_pending_timestamp(self, timestamp: int) -> None:
        head_ts = self.head.header.timestamp
        if timestamp <= head_ts:
            raise ValueError(f"timestamp {timestamp} is not after the head's {head_ts}")
        if timestamp != self.chain.header.timestamp:
            self._drop_pending_vm(keep=True)  # the VM's block context holds the old time
            self.chain.header = self.chain.header.copy(timestamp=timestamp)

    def block(self, number: int) -> Block:
        return self._blocks[number].block

    def block_record(self, number: int) -> BlockRecord:
        return self._blocks[number]

    def block_number_of(self, block_hash: bytes) -> int | None:
        return self._by_hash.get(bytes(block_hash))

    def tx_record(self, tx_hash: bytes) -> TxRecord | None:
        return self._txs.get(tx_hash)

    @property
    def pending_txs(self) -> list[Any]:
        """The pending transactions' records (:class:`~hemi.hvm.records.Transaction` or system transactions)."""
        return [r.tx for r in self._pending_records]

    @property
    def pending_records(self) -> list[TxRecord]:
        """The pending transactions' records (with their senders, impersonated ones included), in block order."""
        return list(self._pending_records)

    # ------------------------------------------------------------------ state access

    def state(self, number: int | None = None) -> StateReader:
        """Reads of the state after block ``number``; None: the pending state (head plus applied pending txs/edits)."""
        return StateReader(self._read_state(number))

    def _read_state(self, number: int | None) -> Any:
        if number is None:  # reads only: the pending VM's state, with its changes not yet rooted
            return self._pending_vm().state
        return self._call_state(number)

    def _call_state(self, number: int | None, *, shared: bool = True) -> Any:
        """State for a call at block ``number`` (None: pending) with base fee 0, so calls need not pay for gas, as
        geth's eth_call. "Latest" runs in the head block's context (block.number, timestamp, its Bitcoin view) on
        the pending state root, which includes direct edits (set_balance, ...) made since, as anvil's does.

        One state per (block, state root) is kept and every call runs inside a snapshot of it that is reverted:
        the account trie reads of one call are then cached for the next (estimate_gas makes several)."""
        if number is None:
            key: tuple = (self.head.hash, self.pending_state_root)
        elif number == self.head_number:  # latest: the head plus direct edits, without pending txs
            key = (self.head.hash, self.latest_state_root)
        else:
            key = (self._blocks[number].block.hash, None)
        state = self._call_states.get(key) if shared else None
        if state is None:
            if number is None or number == self.head_number:
                header = header_with(self.evm_header(self.head_number), state_root=key[1], base_fee_per_gas=0)
            else:
                header = header_with(self.evm_header(number), base_fee_per_gas=0)
            state = self.chain.get_vm(header).state
            if not shared:
                return state
            if len(self._call_states) >= _CALL_STATES:
                self._call_states.clear()
            self._call_states[key] = state
        return state

    def _forget_call_state(self, state: Any) -> None:
        """Drop a shared call state whose journal could not be reverted."""
        self._call_states = {key: kept for key, kept in self._call_states.items() if kept is not state}

    # ------------------------------------------------------------------ snapshots

    def snapshot(self) -> tuple[int, bytes, bytes, int]:
        if self._pending:
            raise ValueError("cannot snapshot with pending transactions; mine them first")
        root = self.pending_state_root
        return (self.head_number, self.head.hash, root, self.chain.header.timestamp)

    def revert(self, snap: tuple[int, bytes, bytes, int]) -> None:
        number, block_hash, state_root, timestamp = snap
        if number > self.head_number or self._blocks[number].block.hash != block_hash:
            raise ValueError("snapshot is not on the current chain")
        for rec in self._blocks[number + 1:]:
            self._by_hash.pop(rec.block.hash, None)
            for h in rec.tx_hashes:
                self._txs.pop(h, None)
        del self._blocks[number + 1:]
        self._reset_pending_header(timestamp)
        self.chain.header = self.chain.header.copy(state_root=state_root)
        # a history write already in the snapshot's root is due again: the same slot and value, the same root
