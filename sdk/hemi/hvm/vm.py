"""The devchain's py-evm classes and the small pieces of execution the engine's modules share.

:func:`vm_class` composes a VM of the devchain's fork with its precompile table and OP-stack execution rules
(:mod:`hemi.hvm.op_execution`); the rest are inputs and helpers the engine uses around it: genesis accounts, a
call's state overrides, a signed transaction executed as another sender, error texts and the one-item trie root.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import rlp
from eth.exceptions import Revert, VMError
from eth.vm.code_stream import CodeStream
from eth.vm.forks.cancun.state import get_total_blob_gas
from eth_bloom import BloomFilter
from eth_utils import ValidationError, get_extended_debug_logger
from trie.constants import BLANK_NODE_HASH

from hemi.hvm.convert import header_with
from hemi.hvm.fast_opcodes import fast_table
from hemi.hvm.forks import FORK_CLASSES
from hemi.hvm.op_execution import OpExecutorMixin, OpStateMixin, OpVMMixin
from hemi.hvm.records import CallResult
from hemi.hvm.slow_precompiles import guard_loaded
from hemi.hvm.state_db import BatchedAccountDB
from hemi.hvm.trie_batch import apply_batch

PrecompileFn = Callable[[Any], Any]  # py-evm's shape: fn(computation) -> computation

guard_loaded()  # the call deadline inside py-evm's slow precompiles (modexp, BLAKE2 F; the pairings once loaded)


class PrecompileBurn(VMError):
    """Raised inside a precompile to make the CALL fail and burn all the gas given to it (op-geth's raw error)."""

    burns_gas = True


_CODE_ANALYSES_MAX = 512
_CODE_ANALYSES_BYTES = 4 << 20
_code_analysed_bytes = 0
_code_analyses: dict[bytes, tuple[set[int], set[int]]] = {}


class _SharedAnalysisCode(CodeStream):
    """py-evm's code stream, its JUMPDEST analysis (which positions are opcodes rather than PUSH data, worked out as
    jumps ask) shared by every run of the same code: py-evm starts it afresh per call frame, and L1Block's deposit
    call, made every block, spent a tenth of its time on it. Code is immutable, so the answers are too."""

    __slots__ = ()

    def __init__(self, code_bytes: bytes) -> None:
        super().__init__(code_bytes)
        known = _code_analyses.get(code_bytes)
        if known is not None:
            self.invalid_positions, self.valid_positions = known
            return
        global _code_analysed_bytes
        if len(_code_analyses) >= _CODE_ANALYSES_MAX or _code_analysed_bytes > _CODE_ANALYSES_BYTES:
            _code_analyses.clear()  # bounded in bytes too: eth_call's init code can be large and differ each time
            _code_analysed_bytes = 0
        _code_analysed_bytes += len(code_bytes)
        _code_analyses[code_bytes] = (self.invalid_positions, self.valid_positions)


class _HvmComputationMixin:
    def __init__(self, state: Any, message: Any, transaction_context: Any) -> None:
        super().__init__(state, message, transaction_context)  # type: ignore[call-arg]
        self.code = _SharedAnalysisCode(message.code)


class _HvmVMMixin:
    """py-evm's header updates after each transaction (Byzantium's bloom and gas, Cancun's blob gas), the header
    built from its fields (:func:`hemi.hvm.convert.header_with`) rather than py-evm's deep copy: four per block; and
    the receipt's gas with EIP-7623's floor and a capped refund together."""

    def add_receipt_to_header(self, old_header: Any, receipt: Any) -> Any:
        return header_with(old_header, bloom=int(BloomFilter(old_header.bloom) | receipt.bloom),
                           gas_used=receipt.gas_used)

    def increment_blob_gas_used(self, old_header: Any, transaction: Any) -> Any:
        blob_gas = get_total_blob_gas(transaction)
        return header_with(old_header, blob_gas_used=old_header.blob_gas_used + blob_gas) if blob_gas else old_header

    @classmethod
    def finalize_gas_used(cls, transaction: Any, computation: Any) -> int:
        # The receipt's gas: what ran, less the refund capped at a fifth of it, raised to EIP-7623's floor (the
        # executor's top-up): EIP-7623, and ethereum/execution-specs src/ethereum/prague/fork.py process_transaction.
        # py-evm caps the refund at a fifth of what ran plus the top-up, so a transaction with both a floor and a
        # capped refund got a receipt under the gas it paid for.
        used = transaction.gas - computation.get_gas_remaining()
        refund = cls.calculate_net_gas_refund(used, computation.get_gas_refund())  # type: ignore[attr-defined]
        return int(used - refund + computation.data_floor_gas)


class _HvmStateMixin:
    @property
    def logger(self) -> Any:
        # py-evm's property builds the logger's name and looks it up on every read (each transaction reads it
        # several times); the name depends only on the class
        return _state_logger(type(self).__name__)

    def delta_balance(self, address: bytes, amount: int) -> None:
        # A zero change leaves the state as it is in two cases py-evm would still write: an account that exists is
        # written back unchanged (copied, encoded, journaled: a call's or a deposit's free gas, a zero refund); a
        # zero fee paid to a coinbase that does not exist would create the empty account, for EIP-161 to delete it
        # at the end of the transaction (one trie write per block for the same root). Another account that does
        # not exist is still created, as py-evm and geth create it.
        if amount == 0 and (address == self.coinbase or self.account_exists(address)):  # type: ignore[attr-defined]
            return
        try:
            super().delta_balance(address, amount)  # type: ignore[misc]
        except ValidationError:  # py-evm refuses a balance past 2**256 - 1 (and writes nothing); geth adds in
            balance = self.get_balance(address) + amount  # type: ignore[attr-defined]  # uint256, which wraps
            if amount <= 0 or balance < 2**256:  # (core/state/state_object.go AddBalance): so does the devchain
                raise
            self.set_balance(address, balance - 2**256)  # type: ignore[attr-defined]

    def set_system_contracts(self) -> None:
        # py-evm's Cancun and Prague states, on construction, write a system contract's code again when the account
        # already holds exactly that code (and do nothing otherwise): no state changes, but two code reads and a
        # dirty account per state, and the engine builds a state per block. The engine deploys EIP-2935's contract
        # in genesis itself (hemi.hvm.core), so skipping the rewrite leaves every state root as it was.
        return


@functools.cache
def _state_logger(class_name: str) -> Any:
    return get_extended_debug_logger(f"eth.vm.state.{class_name}")


def ordered_trie_root(items: Sequence[Any]) -> bytes:
    """Root of the trie of ``items`` keyed by their RLP-encoded index, as a block's transaction and receipt roots,
    built in one batch (:mod:`hemi.hvm.trie_batch`): py-evm's ``make_trie_root_and_nodes`` inserts key by key."""
    return apply_batch({}, BLANK_NODE_HASH, {rlp.encode(i): item.encode() for i, item in enumerate(items)})


def vm_class(precompiles: Mapping[bytes, PrecompileFn], prev_hashes: Callable[[bytes], Iterator[bytes]],
             fork: str, l1_cost: Any = None) -> type:
    """A VM of ``fork`` whose computations use ``precompiles`` (the live dict of a devchain's registry, which includes
    Ethereum's own); one class per devchain, so two devchains with different precompiles live side by side.

    ``prev_hashes(parent_hash)`` answers BLOCKHASH's window from the engine's own block index: py-evm would walk 256
    headers out of its database for every new VM, and the engine does not store sealed blocks there at all."""
    vm_base, state_base, computation_base = FORK_CLASSES[fork]
    computation = type("HvmComputation", (_HvmComputationMixin, computation_base),
                       {"_precompiles": precompiles, "opcodes": fast_table(computation_base.opcodes)})
    executor = type("HvmExecutor", (OpExecutorMixin, state_base.transaction_executor_class), {})
    state = type("HvmState", (_HvmStateMixin, OpStateMixin, state_base), {
        "computation_class": computation, "transaction_executor_class": executor, "l1_cost": l1_cost,
        "account_db_class": BatchedAccountDB})
    return type("HvmVM", (OpVMMixin, _HvmVMMixin, vm_base), {
        "_state_class": state, "fork": fork,
        "previous_hashes": property(lambda vm: prev_hashes(vm.get_header().parent_hash)),
    })


@dataclass(frozen=True)
class GenesisAccount:
    balance: int = 0
    nonce: int = 0
    code: bytes = b""
    storage: Mapping[int, int] = field(default_factory=dict)


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


class AsSender:
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


def error_text(err: Exception) -> str:
    if isinstance(err, Revert):
        return "execution reverted"
    if getattr(err, "is_geth_text", False):  # already op-geth's words (a failed deposit's)
        return str(err)
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
