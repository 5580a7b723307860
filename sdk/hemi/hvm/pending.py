"""The pending block: checking, applying and replacing transactions, system transactions and direct state edits.

Everything applied runs on the pending block's one VM (:meth:`hemi.hvm.core.EngineCore._pending_vm`); nothing here
computes a state root. With automine off the block keeps a journal of what went into it, so a pooled transaction
replaced by fee (:mod:`hemi.rpc.txpool`), a move of the clock or a snapshot's revert re-runs the block from where it
started with the edits made in between. The journal is plain data (signed transactions, system transactions, the
writes each edit made), so a state file saves it and a loaded devchain rebuilds its pending block as the saved one
would (:mod:`hemi.node.state.engine`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth._utils.address import generate_contract_address
from eth.exceptions import VMError
from eth.vm.forks.shanghai.constants import MAX_INITCODE_SIZE
from eth_typing import Address
from eth_utils import ValidationError

from hemi.errors import HemiValueError
from hemi.hvm.convert import receipt_record, shared_address, tx_record
from hemi.hvm.core import EngineCore, pending_lock
from hemi.hvm.records import RecordingWriter, StateEdit, StateWrite, StateWriter, StateWrites, TxRecord
from hemi.hvm.signer import signer_for
from hemi.hvm.vm import AsSender, error_text

_PLACEHOLDER_KEY = signer_for(b"\x01" * 32)  # signs an impersonated sender's tx for its place in the block


class PendingMixin(EngineCore):
    """Transactions and edits into the pending block."""

    def edit_state(self, fn: StateEdit) -> None:
        """Apply a direct state edit (set balance / code / storage) to the pending state, as anvil does."""
        writes: list[StateWrite] = []
        self._change_pending_state(lambda state: fn(RecordingWriter(state, writes)))
        if self._pending:  # "latest" sees the edit too, and a rebuild of the pending block makes its writes again
            self._pending_journal.append(("edit", StateWrites(tuple(writes)), None))
            header = self.evm_header(self.head_number).copy(state_root=self._latest_root)
            latest = self.chain.get_vm(header).state
            fn(StateWriter(latest))
            latest.persist()
            self._latest_root = latest.state_root

    @pending_lock
    def _change_pending_state(self, fn: Any) -> None:
        """Run ``fn`` on the pending VM's state (EIP-2935's pending write first, if still due)."""
        fn(self._changing_vm().state)
        self._dirty = True

    def validate(self, tx: Any, sender: bytes | None = None) -> None:
        """Pre-inclusion checks (nonce, funds, gas limit, fee cap); raises ValueError with the reason."""
        state = self._read_state(None)
        frm = sender if sender is not None else tx.sender
        nonce = state.get_nonce(frm)
        if nonce == 2**64 - 1:  # EIP-2681 (geth's ErrNonceMax)
            raise ValueError(f"nonce has max value: address 0x{bytes(frm).hex()}, nonce {nonce}")
        if tx.nonce != nonce:
            raise ValueError(f"nonce too {'low' if tx.nonce < nonce else 'high'}: tx nonce {tx.nonce}, "
                             f"account nonce {nonce}")
        header = self.chain.header
        if tx.gas > header.gas_limit - header.gas_used:
            raise ValueError(f"gas limit {tx.gas} exceeds the block's remaining {header.gas_limit - header.gas_used}")
        fee_cap = tx.max_fee_per_gas if hasattr(tx, "max_fee_per_gas") else tx.gas_price  # 0 is a fee cap too
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
        if not tx.to and len(tx.data) > MAX_INITCODE_SIZE:  # EIP-3860 (geth's ErrMaxInitCodeSizeExceeded)
            raise ValueError(f"max initcode size exceeded: code size {len(tx.data)} limit {MAX_INITCODE_SIZE}")

    def apply(self, tx: Any) -> TxRecord:
        """Add ``tx`` to the pending block (signature already checked by py-evm when decoding/signing)."""
        self._open_journal(("tx", tx, None))
        return self._apply_pending(tx, tx, tx.sender)

    def apply_unsigned(self, tx: Any, sender: bytes) -> TxRecord:
        """Apply a transaction whose signature we cannot make (an impersonated sender): it executes as ``sender``
        and enters the block with a placeholder signature, as anvil's impersonation does."""
        return self._apply_as(self._placeholder(tx), sender)

    def _placeholder(self, tx: Any) -> Any:
        """The unsigned ``tx`` with the placeholder signature it enters the block with."""
        if getattr(tx, "chain_id", None) is not None or hasattr(tx, "max_fee_per_gas"):
            return tx.as_signed_transaction(_PLACEHOLDER_KEY, chain_id=self.chain_id)
        return tx.as_signed_transaction(_PLACEHOLDER_KEY)

    def _apply_as(self, placeholder: Any, sender: bytes) -> TxRecord:
        """Apply the placeholder-signed ``placeholder`` executing as ``sender`` (journaled as such)."""
        self._open_journal(("tx", placeholder, sender))
        return self._apply_pending(AsSender(placeholder, sender), placeholder, sender)

    def apply_system(self, tx: Any) -> TxRecord:
        """Apply a system transaction (:mod:`hemi.hvm.system_txs`) to the pending block: a deposit's ``mint`` is
        credited first (kept even if the call fails), and the sender's current nonce is recorded in it."""
        self._open_journal(("system", tx, None))  # a rebuild of the pending block (replacement) replays it
        if tx.mint:  # part of the deposit, not a direct edit: neither journaled nor seen by "latest"
            self._change_pending_state(lambda state: state.delta_balance(tx.sender, tx.mint))
        tx = tx.at_nonce(self._read_state(None).get_nonce(tx.sender))
        return self._apply_pending(tx, tx, tx.sender)

    @pending_lock
    def _apply_pending(self, executed: Any, included: Any, sender: bytes) -> TxRecord:
        """Execute ``executed`` on the pending block and add ``included`` (the same tx, or the placeholder-signed
        one an impersonated sender's tx enters the block as). The block's tries and its state root are built once,
        when it is sealed."""
        vm = self._changing_vm()
        header = self.chain.header
        before = header.gas_used
        shortcut = self.system_shortcut if executed is included else None
        try:
            applied = shortcut.apply(vm, header, executed) if shortcut is not None else None
            receipt, computation = applied if applied is not None else _apply_undoably(vm, header, executed)
        except HemiValueError:
            self._pending_journal.pop()  # nothing of it stays: not in the block, not in a rebuild of it
            raise
        header = vm.add_receipt_to_header(header, receipt)
        if hasattr(vm, "increment_blob_gas_used"):
            header = vm.increment_blob_gas_used(header, included)
        self.chain.header = header  # its state root is the block's start until the seal (or a flush) computes it
        self._dirty = True
        rec = self._record(included, sender, receipt, computation, len(self._pending), receipt.gas_used - before)
        self._pending.append(included)
        self._pending_records.append(rec)
        return rec

    def _record(self, tx: Any, sender: bytes, receipt: Any, computation: Any, index: int, gas_used: int,
                log_index_start: int = 0) -> TxRecord:
        error = error_text(computation.error) if computation.is_error else None
        created = None
        if not tx.to:  # geth's receipt names the address for every creation, failed ones too (core/state_processor.go)
            created = bytes(computation.msg.storage_address) if not computation.is_error else \
                generate_contract_address(Address(bytes(sender)), tx.nonce)
        return TxRecord(tx_record(tx), self.head_number + 1, index, shared_address(bytes(sender)),
                        receipt_record(receipt), gas_used, created, error,
                        bytes(computation.output) if computation.output else b"", log_index_start,
                        l1=getattr(computation, "l1_fee", None))

    def _open_journal(self, entry: tuple) -> None:
        if not self._pending:
            self._flush()  # the block's starting root: what "latest" reads and what a rebuild starts from
            self._latest_root = self.chain.header.state_root
            self._pending_base = self.chain.header
            self._pending_base_history = self._history_write  # EIP-2935's write, still to do in a rebuilt block
            self._pending_journal = []
        self._pending_journal.append(entry)

    @pending_lock
    def replace_pending(self, index: int, tx: Any, sender: bytes | None = None) -> TxRecord:
        """Put ``tx`` in place of the pending transaction at ``index`` (replacement by fee): the pending block is
        re-executed from where it started, with the direct state edits made in between replayed in order.
        ``sender`` is given for an unsigned (impersonated) transaction."""
        journal = list(self._pending_journal)
        txs = [i for i, e in enumerate(journal) if e[0] == "tx"]
        journal[txs[index]] = ("tx", tx if sender is None else self._placeholder(tx), sender)
        return self._replay(journal, self._pending_base, None)[index]

    @pending_lock
    def retime_pending(self, timestamp: int, remake: Callable[[Any, int], Any] | None = None) -> None:
        """Re-execute the pending block at ``timestamp``: what it holds ran with the time the block had when it
        opened, and a block's transactions see its own time (anvil and Hardhat build the block when it is mined).
        ``remake(system_tx, timestamp)`` gives the system transaction to apply in place of each of the block's (the
        L1-attributes deposit carries the time's L1 origin); it runs when the replay reaches it, on the state
        before it."""
        self._replay(self._pending_journal, self._pending_base.copy(timestamp=timestamp), None if remake is None else
                     (lambda tx: remake(tx, timestamp)), drop_failing=True)

    def snapshot(self) -> tuple:
        """The head, and the pending block as its journal (what a Hardhat snapshot keeps: pending transactions stay
        pending, no block is mined); :meth:`revert` rebuilds it."""
        if not self._pending:
            return (*super().snapshot(), None)
        pending = (self._pending_base, self._pending_base_history, tuple(self._pending_journal))
        return (self.head_number, self.head.hash, self._pending_base.state_root, self._pending_base.timestamp,
                pending)

    def revert(self, snap: tuple) -> None:
        *head, pending = snap
        super().revert(tuple(head))
        if pending is not None:
            base, self._pending_base_history, journal = pending
            self._replay(list(journal), base, None, keep_latest=False)

    def _replay(self, journal: list, base: Any, remake: Callable[[Any], Any] | None, *,
                keep_latest: bool = True, drop_failing: bool = False) -> list[TxRecord]:
        """Rebuild the pending block from ``base`` (its starting header) by applying ``journal``; the block as it
        was comes back if anything fails. Returns the records of its user transactions, in order. ``keep_latest``:
        "latest" stays as it was (a rebuild of the same block); else it is what the replay's edits make it.
        ``drop_failing``: a user transaction that no longer runs (HemiValueError: its nonce, funds or gas) is left
        out of the block instead."""
        self._flush()  # the saved header's root then holds the whole pending block, to come back to on failure
        saved = (self.chain.header, self._pending, self._pending_records, self._pending_journal, self._latest_root,
                 self._pending_base)
        saved_history = self._history_write  # None once the block's first change wrote it; due on an empty block
        self.chain.header = base
        self._drop_pending_vm(keep=False)
        self._history_write = self._pending_base_history
        self._pending, self._pending_records = [], []
        out = []
        try:
            for kind, item, who in journal:
                if kind == "edit":
                    self.edit_state(item)
                elif kind == "system":
                    self.apply_system(item if remake is None else remake(item))
                else:
                    try:
                        out.append(self.apply(item) if who is None else self._apply_as(item, who))
                    except HemiValueError:
                        if not drop_failing:
                            raise
        except BaseException:
            (self.chain.header, self._pending, self._pending_records, self._pending_journal, self._latest_root,
             self._pending_base) = saved
            self._drop_pending_vm(keep=False)
            self._history_write = saved_history
            raise
        self._pending_base = base  # the replay journaled what it applied
        if keep_latest:
            self._latest_root = saved[4]
        return out


def _apply_undoably(vm: Any, header: Any, tx: Any) -> tuple[Any, Any]:
    """``vm.apply_transaction(header, tx)``, undone when py-evm refuses the transaction part-way (HemiValueError):
    its nonce and gas purchase are written before the executor can raise. py-evm's own method locks the state's
    changes first, which drops every checkpoint, so its steps are taken here with the checkpoint after the lock."""
    vm.validate_transaction_against_header(header, tx)
    vm.state.lock_changes()  # the transaction's changes are its own from here (EIP-2200's original values)
    snap = vm.state.snapshot()
    try:
        computation = vm.state.apply_transaction(tx)
    except (ValidationError, VMError) as err:
        vm.state.revert(snap)
        raise HemiValueError(f"transaction rejected: {err}") from err
    receipt = vm.make_receipt(header, tx, computation, vm.state)
    vm.validate_receipt(receipt)
    return receipt, computation
