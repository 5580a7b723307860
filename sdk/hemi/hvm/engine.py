"""The EVM engine: the only module that touches py-evm internals.

It owns a py-evm chain of the devchain's EVM fork (Prague by default, Cancun on request: :mod:`hemi.hvm.forks`)
with the devchain's precompiles mounted and OP-stack execution rules (:mod:`hemi.hvm.op_execution`), mines blocks
deterministically (timestamps and prevRandao come from the caller, never the wall clock), and keeps its own index of
blocks, transactions and receipts, so snapshots are O(1): the state is content-addressed, and reverting is pointing the head back. Blocks are
sealed here with py-evm's own execution and finalisation, but never imported into py-evm's chain database (which
validated, persisted and re-read headers at a cost above executing a transfer); calls and reads share one py-evm
state per (block, state root), each call inside a snapshot that is reverted.

Everything above this module speaks plain Python: canonical 20-byte addresses, ints, bytes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hemi.hvm import lazy_bls

lazy_bls.install()  # before py-evm's first import: its BLS12-381 precompiles are half of a cold start

import rlp  # noqa: E402
from eth import constants as evm_constants  # noqa: E402
from eth.chains.base import MiningChain  # noqa: E402
from eth.db.atomic import AtomicDB  # noqa: E402
from eth.db.backends.memory import MemoryDB  # noqa: E402
from eth.db.trie import make_trie_root_and_nodes  # noqa: E402
from eth.exceptions import Revert, VMError  # noqa: E402
from eth.vm.spoof import SpoofTransaction  # noqa: E402
from eth_keys import keys as eth_keys  # noqa: E402
from eth_utils import (
    ValidationError,  # noqa: E402
    keccak,  # noqa: E402
)

from hemi.hvm import trace  # noqa: E402 - imports py-evm, after lazy_bls
from hemi.hvm.forks import (  # noqa: E402
    DEFAULT_FORK,
    FORK_CLASSES,
    FORKS,
    HISTORY_SERVE_WINDOW,
    HISTORY_STORAGE_ADDRESS,
    HISTORY_STORAGE_CONTRACT_CODE,
)
from hemi.hvm.op_execution import OpExecutorMixin, OpStateMixin, OpVMMixin  # noqa: E402

log = logging.getLogger("hemi.hvm.engine")

PrecompileFn = Callable[[Any], Any]  # py-evm's shape: fn(computation) -> computation


class PrecompileBurn(VMError):
    """Raised inside a precompile to make the CALL fail and burn all the gas given to it (op-geth's raw error)."""

    burns_gas = True


@dataclass
class TxRecord:
    """Where a mined transaction is, and what it did."""

    tx: Any  # py-evm SignedTransactionAPI
    block_number: int
    index: int
    sender: bytes
    receipt: Any  # py-evm ReceiptAPI
    gas_used: int  # this tx's own gas (the receipt holds the cumulative figure)
    contract_address: bytes | None
    error: str | None  # None on success; revert reason / VM error text otherwise
    return_data: bytes = b""
    log_index_start: int = 0
    l1: Any = None  # the L1 data fee charged (hemi.hvm.l1_fee.L1Fee) on an OP-stack devchain


@dataclass
class BlockRecord:
    block: Any  # py-evm BlockAPI
    tx_hashes: list[bytes] = field(default_factory=list)


@dataclass(frozen=True)
class CallResult:
    success: bool
    output: bytes
    gas_used: int
    error: str | None
    is_revert: bool


class _HvmStateMixin:
    def delta_balance(self, address: bytes, amount: int) -> None:
        # A zero fee paid to a coinbase account that does not exist: py-evm would create the empty account and
        # EIP-161 would delete it again at the end of the transaction, one trie write per block for a state root
        # that comes out the same without both steps.
        if amount == 0 and address == self.coinbase and not self.account_exists(address):
            return
        super().delta_balance(address, amount)


def _ordered_trie_root(items: Sequence[Any]) -> bytes:
    """Root of the trie of ``items`` keyed by their RLP-encoded index, as a block's transaction and receipt roots.
    A one-item trie is a single leaf node (key rlp(0) = 0x80, hex-prefixed 0x20 0x80), computed directly since
    automine seals one transaction per block; any other size goes through py-evm's trie."""
    if len(items) == 1:
        return keccak(rlp.encode([b"\x20\x80", items[0].encode()]))
    return make_trie_root_and_nodes(tuple(items))[0]


def _vm_class(precompiles: Mapping[bytes, PrecompileFn], prev_hashes: Callable[[bytes], Iterator[bytes]],
              fork: str = DEFAULT_FORK, l1_cost: Any = None) -> type:
    """A VM of ``fork`` whose computations use ``precompiles`` (the live dict of a devchain's registry, which includes
    Ethereum's own); one class per devchain, so two devchains with different precompiles live side by side.

    ``prev_hashes(parent_hash)`` answers BLOCKHASH's window from the engine's own block index: py-evm would walk 256
    headers out of its database for every new VM, and the engine does not store sealed blocks there at all."""
    vm_base, state_base, computation_base = FORK_CLASSES[fork]
    computation = type("HvmComputation", (computation_base,), {"_precompiles": precompiles})
    executor = type("HvmExecutor", (OpExecutorMixin, state_base.transaction_executor_class), {})
    state = type("HvmState", (_HvmStateMixin, OpStateMixin, state_base), {
        "computation_class": computation, "transaction_executor_class": executor, "l1_cost": l1_cost})
    return type("HvmVM", (OpVMMixin, vm_base), {
        "_state_class": state, "fork": fork,
        "previous_hashes": property(lambda vm: prev_hashes(vm.get_header().parent_hash)),
    })


@dataclass(frozen=True)
class GenesisAccount:
    balance: int = 0
    nonce: int = 0
    code: bytes = b""
    storage: Mapping[int, int] = field(default_factory=dict)


class EvmEngine:
    """A deterministic, automine-capable EVM chain over py-evm."""

    # automine off (see hemi.rpc.txpool): the state "latest" reads while transactions are pending (None: the pending
    # root, as nothing is pending), and the pending block's journal, replayed when a pooled tx is replaced by fee
    _latest_root: bytes | None = None
    _pending_base: Any = None
    _pending_base_history: Any = None
    _pending_journal: list  # set per instance by _reset_pending_header (a class-level list would be shared)

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
        self.fork = fork
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
        self.chain = chain_class.from_genesis(AtomicDB(), genesis_params, state)
        genesis = self.chain.get_canonical_block_by_number(0)
        self._blocks: list[BlockRecord] = [BlockRecord(genesis)]
        self._by_hash: dict[bytes, int] = {genesis.hash: 0}
        self._txs: dict[bytes, TxRecord] = {}
        self._pending: list[Any] = []  # txs applied to the pending block (automine off)
        self._pending_records: list[TxRecord] = []
        self._call_states: dict[tuple, Any] = {}
        self._reset_pending_header()

    def _chain_class(self, precompiles: Mapping[bytes, PrecompileFn]) -> type:
        vm = _vm_class(precompiles, self._prev_hashes, getattr(self, "fork", "cancun"), getattr(self, "l1_cost", None))
        return MiningChain.configure(__name__="HemiDevchain", vm_configuration=((0, vm),), chain_id=self.chain_id)

    # ------------------------------------------------------------------ saving and loading (pickle)

    def __getstate__(self) -> dict:
        """Everything but the py-evm chain object (its classes are made per devchain): its database and pending
        header are kept instead; :meth:`attach` rebuilds the chain around them after loading."""
        state = self.__dict__.copy()
        chain = state.pop("chain")
        state["_call_states"] = {}
        state["_saved_db"] = dict(chain.chaindb.db.wrapped_db.kv_store)
        state["_saved_header"] = chain.header
        return state

    def attach(self, precompiles: Mapping[bytes, PrecompileFn]) -> None:
        """Rebuild the py-evm chain of a loaded engine, with the devchain's precompile table."""
        db = AtomicDB(MemoryDB(self.__dict__.pop("_saved_db")))
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

    def _reset_pending_header(self, timestamp: int | None = None) -> None:
        head = self._blocks[-1].block.header
        ts = head.timestamp + 1 if timestamp is None else timestamp
        # the gas limit stays as configured, as on an OP-stack chain (set by its system config); py-evm would walk
        # it towards its usage target by 1/1024 a block, so a long devchain would refuse large transactions
        self.chain.header = self.chain.create_header_from_parent(
            head, timestamp=ts, coinbase=self.coinbase, mix_hash=self._randao(head.block_number + 1),
            gas_limit=self.gas_limit)
        # EIP-2935: the parent's hash goes into the history contract before the block's first tx. It is written with
        # whatever first touches the pending state (a tx, an edit, the seal), saving a state-root computation per
        # block; calls need it not: they run in the head block's context, which reads only older slots.
        self._history_write = (head.block_number % HISTORY_SERVE_WINDOW, int.from_bytes(head.hash, "big")) \
            if self.fork == "prague" else None
        self._pending = []
        self._pending_records = []
        self._latest_root, self._pending_base, self._pending_journal = None, None, []
        self._pending_base_history = None

    @property
    def latest_state_root(self) -> bytes:
        """The state "latest" reads: the head's plus direct edits, without the transactions still pending."""
        return self._latest_root if self._latest_root is not None else self.chain.header.state_root

    def _write_history(self, state: Any) -> None:
        write = getattr(self, "_history_write", None)
        if write is not None:
            state.set_storage(HISTORY_STORAGE_ADDRESS, write[0], write[1])
            self._history_write = None

    @property
    def computation_class(self) -> type:
        """The computation class this engine's VM runs (:func:`hemi.hvm.deadline.time_limit` swaps its opcodes)."""
        return self.chain.get_vm_class_for_block_number(0).get_state_class().computation_class

    @property
    def head(self) -> Any:
        return self._blocks[-1].block

    @property
    def head_number(self) -> int:
        return len(self._blocks) - 1

    @property
    def pending_header(self) -> Any:
        return self.chain.header

    def set_pending_timestamp(self, timestamp: int) -> None:
        if timestamp <= self.head.header.timestamp:
            raise ValueError(f"timestamp {timestamp} is not after the head's {self.head.header.timestamp}")
        self.chain.header = self.chain.header.copy(timestamp=timestamp)

    def block(self, number: int) -> Any:
        return self._blocks[number].block

    def block_record(self, number: int) -> BlockRecord:
        return self._blocks[number]

    def block_number_of(self, block_hash: bytes) -> int | None:
        return self._by_hash.get(bytes(block_hash))

    def tx_record(self, tx_hash: bytes) -> TxRecord | None:
        return self._txs.get(tx_hash)

    @property
    def pending_txs(self) -> list[Any]:
        return list(self._pending)

    @property
    def pending_records(self) -> list[TxRecord]:
        """The pending transactions' records (with their senders, impersonated ones included), in block order."""
        return list(self._pending_records)

    # ------------------------------------------------------------------ state access

    def state(self, number: int | None = None) -> Any:
        """py-evm state after block ``number``; None: the pending state (head plus applied pending txs/edits).

        For reads only: it is the state calls run on (see :meth:`_call_state`), shared until the chain moves."""
        return self._call_state(number)

    def edit_state(self, fn: Callable[[Any], None]) -> None:
        """Apply a direct state edit (set balance / code / storage) to the pending state, as anvil does."""
        self._change_pending_state(fn)
        if self._pending and self._pending_base is not None:  # "latest" sees the edit too, and a rebuild of the
            # pending block replays it
            self._pending_journal.append(("edit", fn, None))
            latest = self.chain.get_vm(self.head.header.copy(state_root=self._latest_root)).state
            fn(latest)
            latest.persist()
            self._latest_root = latest.state_root

    def _change_pending_state(self, fn: Callable[[Any], None]) -> None:
        """Run ``fn`` on the pending state and keep the result (EIP-2935's pending write first, if still due)."""
        state = self.chain.get_vm(self.chain.header).state
        self._write_history(state)
        fn(state)
        state.persist()
        self.chain.header = self.chain.header.copy(state_root=state.state_root)

    # ------------------------------------------------------------------ transactions

    def build_unsigned(self, *, nonce: int, gas: int, to: bytes, value: int, data: bytes,
                       max_fee: int | None = None, max_priority_fee: int | None = None,
                       gas_price: int | None = None, access_list: Sequence = (),
                       authorization_list: Sequence = ()) -> Any:
        builder = self.chain.get_vm(self.chain.header).get_transaction_builder()
        if authorization_list:  # EIP-7702 (type 4): Prague's set-code transaction
            if not hasattr(builder, "new_unsigned_set_code_transaction"):
                raise ValueError(f"an authorizationList needs the Prague fork; this devchain runs {self.fork}")
            if not to:
                raise ValueError("a set-code transaction (EIP-7702) cannot create a contract: it needs a `to`")
            return builder.new_unsigned_set_code_transaction(
                chain_id=self.chain_id, nonce=nonce, max_priority_fee_per_gas=max_priority_fee or 0,
                max_fee_per_gas=max_fee if max_fee is not None else self.pending_header.base_fee_per_gas * 2,
                gas=gas, to=to, value=value, data=data, access_list=tuple(access_list),
                authorization_list=list(authorization_list))
        if gas_price is not None and max_fee is None and access_list:  # EIP-2930 (type 1)
            return builder.new_unsigned_access_list_transaction(
                chain_id=self.chain_id, nonce=nonce, gas_price=gas_price, gas=gas, to=to, value=value, data=data,
                access_list=tuple(access_list))
        if gas_price is not None and max_fee is None:
            return self.chain.create_unsigned_transaction(nonce=nonce, gas_price=gas_price, gas=gas, to=to,
                                                          value=value, data=data)
        return builder.new_unsigned_dynamic_fee_transaction(
            chain_id=self.chain_id, nonce=nonce, max_priority_fee_per_gas=max_priority_fee or 0,
            max_fee_per_gas=max_fee if max_fee is not None else self.pending_header.base_fee_per_gas * 2,
            gas=gas, to=to, value=value, data=data, access_list=tuple(access_list))

    def sign(self, tx: Any, key: Any, sender: bytes) -> Any:
        """Sign ``tx`` with ``key`` (an eth_keys PrivateKey) whose address is ``sender``. py-evm would recover the
        sender from the signature again on first use; the signer already knows it, so it is recorded up front."""
        signed = tx.as_signed_transaction(key, chain_id=self.chain_id)
        if key.public_key.to_canonical_address() != sender:
            raise ValueError("the key does not belong to the sender")
        signed.__dict__["sender"] = sender  # cached_property's own slot
        return signed

    def decode_raw(self, raw: bytes) -> Any:
        return self.chain.get_vm(self.chain.header).get_transaction_builder().decode(raw)

    def validate(self, tx: Any, sender: bytes | None = None) -> None:
        """Pre-inclusion checks (nonce, funds, gas limit, fee cap); raises ValueError with the reason."""
        state = self.state()
        frm = sender if sender is not None else tx.sender
        nonce = state.get_nonce(frm)
        if tx.nonce != nonce:
            raise ValueError(f"nonce too {'low' if tx.nonce < nonce else 'high'}: tx nonce {tx.nonce}, "
                             f"account nonce {nonce}")
        header = self.chain.header
        if tx.gas > header.gas_limit - header.gas_used:
            raise ValueError(f"gas limit {tx.gas} exceeds the block's remaining {header.gas_limit - header.gas_used}")
        fee_cap = getattr(tx, "max_fee_per_gas", None) or tx.gas_price
        if fee_cap < header.base_fee_per_gas:
            raise ValueError(f"max fee per gas {fee_cap} below base fee {header.base_fee_per_gas}")
        cost = tx.value + tx.gas * fee_cap
        if self.l1_cost is not None and hasattr(tx, "encode"):  # an OP chain buys the L1 data fee with the gas
            l1 = self.l1_cost.fee_for(state, tx)
            cost += l1.fee if l1 is not None else 0
        balance = state.get_balance(frm)
        if balance < cost:
            raise ValueError(f"insufficient funds for gas * price + value: balance {balance}, cost {cost}")
        if tx.gas < tx.intrinsic_gas:
            raise ValueError(f"intrinsic gas too low: gas {tx.gas}, minimum {tx.intrinsic_gas}")

    def apply(self, tx: Any) -> TxRecord:
        """Add ``tx`` to the pending block (signature already checked by py-evm when decoding/signing)."""
        self._open_journal(("tx", tx, None))
        return self._apply_pending(tx, tx, tx.sender)

    def apply_unsigned(self, tx: Any, sender: bytes) -> TxRecord:
        """Apply a transaction whose signature we cannot make (an impersonated sender): it executes as ``sender``
        and enters the block with a placeholder signature, as anvil's impersonation does."""
        self._open_journal(("tx", tx, sender))
        placeholder = tx.as_signed_transaction(eth_keys.PrivateKey(b"\x01" * 32), chain_id=self.chain_id) \
            if getattr(tx, "chain_id", None) is not None or hasattr(tx, "max_fee_per_gas") \
            else tx.as_signed_transaction(eth_keys.PrivateKey(b"\x01" * 32))
        return self._apply_pending(_AsSender(placeholder, sender), placeholder, sender)

    def apply_system(self, tx: Any) -> TxRecord:
        """Apply a system transaction (:mod:`hemi.hvm.system_txs`) to the pending block: a deposit's ``mint`` is
        credited first (kept even if the call fails), and the sender's current nonce is recorded in it."""
        self._open_journal(("system", tx, None))  # a rebuild of the pending block (replacement) replays it
        if tx.mint:  # part of the deposit, not a direct edit: neither journaled nor seen by "latest"
            self._change_pending_state(lambda state: state.delta_balance(tx.sender, tx.mint))
        tx = tx.at_nonce(self.state().get_nonce(tx.sender))
        return self._apply_pending(tx, tx, tx.sender)

    def _apply_pending(self, executed: Any, included: Any, sender: bytes) -> TxRecord:
        """Execute ``executed`` on the pending block and add ``included`` (the same tx, or the placeholder-signed
        one an impersonated sender's tx enters the block as). The block's tries are built once, when it is sealed."""
        chain = self.chain
        vm = chain.get_vm(chain.header)
        self._write_history(vm.state)
        header = chain.header
        before = header.gas_used
        receipt, computation = vm.apply_transaction(header, executed)
        header = vm.add_receipt_to_header(header, receipt)
        if hasattr(vm, "increment_blob_gas_used"):
            header = vm.increment_blob_gas_used(header, included)
        vm.state.persist()
        chain.header = header.copy(state_root=vm.state.state_root)
        rec = self._record(included, sender, receipt, computation, len(self._pending), receipt.gas_used - before)
        self._pending.append(included)
        self._pending_records.append(rec)
        return rec

    def _open_journal(self, entry: tuple) -> None:
        if not self._pending:
            self._latest_root = self.chain.header.state_root
            self._pending_base = self.chain.header
            self._pending_base_history = self._history_write  # EIP-2935's write, still to do in a rebuilt block
            self._pending_journal = []
        self._pending_journal.append(entry)

    def replace_pending(self, index: int, tx: Any, sender: bytes | None = None) -> TxRecord:
        """Put ``tx`` in place of the pending transaction at ``index`` (replacement by fee): the pending block is
        re-executed from where it started, with the direct state edits made in between replayed in order.
        ``sender`` is given for an unsigned (impersonated) transaction."""
        if self._pending_base is None:
            raise ValueError("cannot replace a transaction that was pending when the devchain state was loaded; "
                             "mine it first")
        saved = (self.chain.header, self._pending, self._pending_records, self._pending_journal, self._latest_root,
                 self._pending_base)
        txs = [i for i, e in enumerate(saved[3]) if e[0] == "tx"]
        journal = list(saved[3])
        journal[txs[index]] = ("tx", tx, sender)
        self.chain.header = self._pending_base
        self._history_write = self._pending_base_history
        self._pending, self._pending_records = [], []
        out = None
        try:
            for kind, item, who in journal:
                if kind == "edit":
                    self.edit_state(item)
                    continue
                if kind == "system":
                    self.apply_system(item)
                    continue
                rec = self.apply(item) if who is None else self.apply_unsigned(item, who)
                out = rec if item is tx else out
        except BaseException:
            (self.chain.header, self._pending, self._pending_records, self._pending_journal, self._latest_root,
             self._pending_base) = saved
            self._history_write = None  # the saved pending state holds it already
            raise
        self._pending_journal, self._latest_root, self._pending_base = journal, saved[4], saved[5]
        return out

    def _record(self, tx: Any, sender: bytes, receipt: Any, computation: Any, index: int, gas_used: int) -> TxRecord:
        error = None
        if computation.is_error:
            err = computation.error
            error = _error_text(err)
        created = None
        if not tx.to and not computation.is_error:
            created = computation.msg.storage_address
        return TxRecord(tx, self.head_number + 1, index, sender, receipt, gas_used, created, error,
                        bytes(computation.output) if computation.output else b"",
                        l1=getattr(computation, "l1_fee", None))

    def mine_transactions(self, txs: Sequence[Any], *, timestamp: int) -> list[TxRecord]:
        """Apply ``txs`` and seal them in one new block (automine's path: block tries are built once, not per tx).

        Only valid with nothing pending; txs must already have passed :meth:`validate`."""
        if self._pending:
            raise ValueError("pending transactions exist; use apply() + mine()")
        self.set_pending_timestamp(timestamp)
        header = self.chain.header
        vm = self.chain.get_vm(header)
        self._write_history(vm.state)
        header, receipts, computations = vm.apply_all_transactions(list(txs), header)
        block = self._seal(vm, header, tuple(txs), receipts)
        records = []
        gas_before = 0
        log_index = 0
        for i, (tx, receipt, computation) in enumerate(zip(txs, receipts, computations)):
            rec = self._record(tx, tx.sender, receipt, computation, i, receipt.gas_used - gas_before)
            gas_before = receipt.gas_used
            rec.log_index_start = log_index
            log_index += len(receipt.logs)
            self._txs[tx.hash] = rec
            records.append(rec)
        self._append_block(block, [tx.hash for tx in txs])
        return records

    def mine(self, *, timestamp: int | None = None) -> Any:
        """Seal the pending block (with whatever was applied) and start the next one."""
        if timestamp is not None:
            self.set_pending_timestamp(timestamp)
        vm = self.chain.get_vm(self.chain.header)
        self._write_history(vm.state)
        block = self._seal(vm, self.chain.header, tuple(self._pending), [r.receipt for r in self._pending_records])
        log_index = 0
        for r in self._pending_records:
            r.log_index_start = log_index
            log_index += len(r.receipt.logs)
            self._txs[r.tx.hash] = r
        self._append_block(block, [tx.hash for tx in self._pending])
        return block

    def _seal(self, vm: Any, header: Any, txs: tuple, receipts: Sequence[Any]) -> Any:
        """The block of ``txs`` on ``header``: transaction and receipt roots, then py-evm's own finalisation (block
        reward, touched-account cleanup, state root). Blocks live in the engine's index, not in py-evm's chain
        database: importing them there (header validation, canonical-head bookkeeping) cost more than executing
        a transfer, and nothing reads them back from it."""
        tx_root = _ordered_trie_root(txs)
        receipt_root = _ordered_trie_root(receipts)
        header = header.copy(transaction_root=tx_root, receipt_root=receipt_root)
        block = vm.get_block_class()(header, transactions=txs, uncles=(), withdrawals=())
        return vm.finalize_block(block).block

    def _append_block(self, block: Any, tx_hashes: list[bytes]) -> None:
        self._blocks.append(BlockRecord(block, tx_hashes))
        self._by_hash[block.hash] = len(self._blocks) - 1
        self._reset_pending_header()

    # ------------------------------------------------------------------ calls

    def call(self, tx: Any, sender: bytes, number: int | None = None,
             overrides: Mapping[bytes, AccountOverride] | None = None, *,
             instrument: Callable[[type], type] | None = None) -> CallResult:
        """Execute without committing, on the state after block ``number`` (None: pending), with ``overrides``
        (geth's state override set) applied for this call only. ``instrument`` maps the computation class to the
        one to run for this call (a tracer's subclass, see hemi.hvm.trace)."""
        # py-evm does not undo a storage wipe on revert: a call that replaces an account's whole storage runs on a
        # state of its own, thrown away afterwards, not on the shared call state
        wipes = any(o.state is not None for o in (overrides or {}).values())
        state = self._call_state(number, shared=not wipes)
        if instrument is not None:  # on the instance, for this call only: the shared state keeps its class's
            state.computation_class = instrument(type(state).computation_class)
        snap = state.snapshot()
        try:
            for address, override in (overrides or {}).items():
                override.apply(state, address)
            computation = state.apply_transaction(SpoofTransaction(tx, from_=sender))
        except ValidationError as err:  # e.g. value above the sender's balance
            return CallResult(False, b"", 0, str(err), False)
        finally:
            state.revert(snap)
            if instrument is not None:
                del state.computation_class
        if computation.is_error:
            err = computation.error
            return CallResult(False, bytes(computation.output or b""), computation.get_gas_used(),
                              _error_text(err), isinstance(err, Revert))
        return CallResult(True, bytes(computation.output), computation.get_gas_used(), None, False)

    def _call_state(self, number: int | None, *, shared: bool = True) -> Any:
        """State for a call at block ``number`` (None: latest) with base fee 0, so calls need not pay for gas, as
        geth's eth_call. "Latest" runs in the head block's context (block.number, timestamp, its Bitcoin view) on
        the pending state root, which includes direct edits (set_balance, ...) made since, as anvil's does.

        One state per (block, state root) is kept and every call runs inside a snapshot of it that is reverted:
        the account trie reads of one call are then cached for the next (estimate_gas makes several)."""
        if number is None:
            key: tuple = (self.head.hash, self.chain.header.state_root)
        elif number == self.head_number:  # latest: the head plus direct edits, without pending txs
            key = (self.head.hash, self.latest_state_root)
        else:
            key = (self._blocks[number].block.hash, None)
        state = self._call_states.get(key) if shared else None
        if state is None:
            if number is None or number == self.head_number:
                header = self.head.header.copy(state_root=key[1], base_fee_per_gas=0)
            else:
                header = self._blocks[number].block.header.copy(base_fee_per_gas=0)
            state = self.chain.get_vm(header).state
            if not shared:
                return state
            if len(self._call_states) >= 8:
                self._call_states.clear()
            self._call_states[key] = state
        return state

    def replay(self, tx_hash: bytes, instrument: Callable[[type], type]) -> tuple[TxRecord, Any]:
        """Re-execute a mined transaction on the state it ran on (its block's parent state, then the transactions
        before it in the block), the transaction itself with ``instrument``'s computation class: for tracers.
        Returns its record and the new computation; ValueError if it is unknown or did not replay identically
        (a direct state edit made before its block was sealed is not in any block's state)."""
        rec = self._txs.get(bytes(tx_hash))
        if rec is None:
            raise ValueError(f"transaction 0x{bytes(tx_hash).hex()} not found (mined transactions only)")
        n = rec.block_number
        parent_root = self._blocks[n - 1].block.header.state_root if n else self._blocks[0].block.header.state_root
        state = self.chain.get_vm(self._blocks[n].block.header.copy(state_root=parent_root)).state
        for h in self._blocks[n].tx_hashes[:rec.index]:
            state.apply_transaction(self._executable(self._txs[h]))
        base = state.computation_class
        state.computation_class = instrument(base)
        computation = state.apply_transaction(self._executable(rec))
        if computation.get_gas_used() > rec.tx.gas or bool(computation.is_error) != bool(rec.error):
            raise ValueError("the transaction does not replay as it ran (the state was edited directly before its "
                             "block was sealed)")
        return rec, computation

    def _executable(self, rec: TxRecord) -> Any:
        return rec.tx if rec.sender == rec.tx.sender else _AsSender(rec.tx, rec.sender)

    def estimate_gas(self, tx: Any, sender: bytes, number: int | None = None,
                     overrides: Mapping[bytes, AccountOverride] | None = None) -> int:
        """Lowest gas limit that succeeds (binary search, as geth does); ValueError with the reason if it never does."""
        header = self.chain.header if number is None else self._blocks[number].block.header
        if not overrides and not tx.data and tx.to and not self._call_state(number).get_code(tx.to):
            return tx.intrinsic_gas  # a plain transfer to an account without code costs exactly that
        hi = header.gas_limit
        probe = trace.GasProbe()
        top = self.call(tx.copy(gas=hi), sender, number, overrides, instrument=trace.instrument(probe))
        if not top.success:
            raise EstimateFailed(top)
        if not probe.sensitive:  # nothing in the run depended on the gas left: what it used is exactly enough
            return top.gas_used + tx.intrinsic_gas
        # Most txs succeed at what they used (plus intrinsic gas) or at the 63/64 margin calls need: verify those
        # two limits first; the binary search below runs only when neither works.
        used = top.gas_used + tx.intrinsic_gas
        for candidate in (used, used * 64 // 63 + 2_300):
            if candidate < hi and self.call(tx.copy(gas=candidate), sender, number, overrides).success:
                return candidate
        lo = max(tx.intrinsic_gas - 1, top.gas_used - 1)
        while lo + 1 < hi:
            mid = (lo + hi) // 2
            if self.call(tx.copy(gas=mid), sender, number, overrides).success:
                hi = mid
            else:
                lo = mid
            if hi - lo <= max(1, hi // 1000):  # within 0.1 %: good enough, as geth's estimator stops early
                break
        return hi

    # ------------------------------------------------------------------ snapshots

    def snapshot(self) -> tuple[int, bytes, bytes, int]:
        header = self.chain.header
        if self._pending:
            raise ValueError("cannot snapshot with pending transactions; mine them first")
        return (self.head_number, self.head.hash, header.state_root, header.timestamp)

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


@dataclass(frozen=True)
class AccountOverride:
    """One account of a call's state override set (geth's ``eth_call`` third parameter): each given field replaces the
    account's; ``state`` replaces the whole storage, ``state_diff`` only the slots it names."""

    balance: int | None = None
    nonce: int | None = None
    code: bytes | None = None
    state: Mapping[int, int] | None = None
    state_diff: Mapping[int, int] | None = None

    def apply(self, state: Any, address: bytes) -> None:
        if self.balance is not None:
            state.set_balance(address, self.balance)
        if self.nonce is not None:
            state.set_nonce(address, self.nonce)
        if self.code is not None:
            state.set_code(address, self.code)
        if self.state is not None:
            state.delete_storage(address)
        for slot, value in {**(self.state or {}), **(self.state_diff or {})}.items():
            state.set_storage(address, slot, value)


class _AsSender:
    """A signed transaction that executes as another sender (SpoofTransaction refuses signed targets)."""

    def __init__(self, tx: Any, sender: bytes) -> None:
        self._tx = tx
        self.sender = sender

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)


class EstimateFailed(Exception):
    def __init__(self, result: CallResult) -> None:
        self.result = result
        super().__init__(result.error or "execution failed")


def _error_text(err: Exception) -> str:
    if isinstance(err, Revert):
        return "execution reverted"
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def all_logs(engine: EvmEngine, numbers: Iterable[int]) -> Iterable[tuple[int, TxRecord, int, Any]]:
    """(block number, tx record, log index in block, log) for the given blocks."""
    for n in numbers:
        rec = engine.block_record(n)
        for h in rec.tx_hashes:
            txr = engine.tx_record(h)
            for i, lg in enumerate(txr.receipt.logs):
                yield n, txr, txr.log_index_start + i, lg
