"""A system call that only stores calldata words, applied without the interpreter once its gas is known.

Every OP-stack block opens with the L1-attributes deposit, and the devchain's L1Block answers it with straight-line
code: check the caller, then store slices of the calldata in fixed slots (``contracts/op/L1Block.sol``, written as
upstream's ``_setL1BlockValuesEcotone``). Running that through py-evm costs about as much as the user transaction
that follows it. A :class:`StoreShortcut` applies such a call directly: the sender's nonce, the stores, and a receipt
whose gas is what the interpreter charges.

That gas is the intrinsic gas, plus what the code spends apart from its stores (the same on every call, since the
path does not depend on the data), plus each store's EIP-2929/2200 price, which depends only on the slot's value
before and after (a cold slot: 2,100, plus 100 if the value stays, 20,000 from zero, 2,900 otherwise; each slot is
written once); or EIP-7623's calldata floor when that is more. The middle term is measured: the first matching call
of each VM class runs in the interpreter, and what it used beyond the intrinsic gas and its stores is kept.
``tests/node/test_l1_attributes_shortcut.py`` checks both paths give the same blocks, byte for byte.

Anything else runs in the interpreter as before: other code at the address (a ``setCode``), other calldata, a store
that would clear a slot (a refund), or an empty coinbase account (EIP-161 would
delete it at the end of the transaction).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from eth.vm.forks.byzantium.constants import EIP658_TRANSACTION_STATUS_CODE_SUCCESS

from hemi.hvm.op_execution import data_floor_gas

COLD_SLOAD = 2_100
WARM_READ = 100
STORE_SET = 20_000
STORE_RESET = 2_900  # 5,000 less the cold access charged apart
EIP2200_SENTRY = 2_300  # SSTORE fails unless more gas than this is left


def store_gas(before: int, after: int) -> int:
    """What SSTORE charges for the first access of a slot in a transaction, writing ``after`` over ``before``."""
    if after == before:
        return COLD_SLOAD + WARM_READ
    return COLD_SLOAD + (STORE_SET if before == 0 else STORE_RESET)


class _Applied:
    """What the engine's records read of a computation, for a call that succeeded with no output and no logs."""

    is_error = False
    error = None
    output = b""
    l1_fee = None


class StoreShortcut:
    """Apply calls to ``address`` from ``sender`` with ``selector`` and ``length`` bytes of calldata, when the code
    there hashes to ``code_hash``: ``stores(data)`` gives the slots it writes and their values."""

    def __init__(self, *, address: bytes, sender: bytes, code_hash: bytes, selector: bytes, length: int,
                 stores: Callable[[bytes], Mapping[int, int]]) -> None:
        self.address = address
        self.sender = sender
        self.code_hash = code_hash
        self.selector = selector
        self.length = length
        self.stores = stores
        self._code_gas: dict[type, int] = {}  # by VM class: gas beyond the intrinsic and the stores, as measured
        self.applied = 0  # calls applied without the interpreter (what tests check was exercised)

    def matches(self, tx: Any) -> bool:
        data = tx.data
        return (getattr(tx, "is_op_system", False) and tx.to == self.address and tx.sender == self.sender
                and len(data) == self.length and data[:4] == self.selector and not tx.value and not tx.mint)

    def apply(self, vm: Any, header: Any, tx: Any) -> tuple[Any, Any] | None:
        """``(receipt, computation)`` as ``vm.apply_transaction(header, tx)`` returns them, or None when the call
        must run in the interpreter (the caller does that; nothing has changed)."""
        if not self.matches(tx):
            return None
        state = vm.state
        if state.get_code_hash(self.address) != self.code_hash:
            return None
        coinbase = state.coinbase
        if state.account_exists(coinbase) and state.account_is_empty(coinbase):
            return None
        state.lock_changes()  # what the interpreter does first: the slots' values now are their "original" ones
        writes = self.stores(bytes(tx.data))
        before = {slot: state.get_storage(self.address, slot) for slot in writes}
        if any(value == 0 and before[slot] != 0 for slot, value in writes.items()):
            return None  # a refund: left to the interpreter
        stores_gas = sum(store_gas(before[slot], value) for slot, value in writes.items())
        floor = data_floor_gas(state.transaction_executor_class, tx)
        code_gas = self._code_gas.get(type(vm))
        if code_gas is None:
            receipt, computation = vm.apply_transaction(header, tx)
            used = receipt.gas_used - header.gas_used
            stored = all(state.get_storage(self.address, slot) == value for slot, value in writes.items())
            if stored and not computation.is_error and not receipt.logs and used > floor:  # what it would have done
                self._code_gas[type(vm)] = used - tx.intrinsic_gas - stores_gas
            return receipt, computation
        gas = tx.intrinsic_gas + code_gas + stores_gas
        if tx.gas - gas <= EIP2200_SENTRY or tx.gas < floor:  # a store left 2,300 gas or less fails (EIP-2200); a
            return None  # limit under the floor fails before anything runs: both are the executor's to apply
        gas = max(gas, floor)  # EIP-7623: the gas used is at least the calldata floor
        state.increment_nonce(self.sender)
        for slot, value in writes.items():
            state.set_storage(self.address, slot, value)
        self.applied += 1
        receipt = tx.make_receipt(EIP658_TRANSACTION_STATUS_CODE_SUCCESS, header.gas_used + gas, [])
        return receipt, _Applied()
