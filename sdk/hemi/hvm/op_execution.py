"""How the devchain's py-evm classes execute an OP-stack chain's transactions: system transactions
(:mod:`hemi.hvm.system_txs`) without signature, nonce or fee checks and without paying anything, and the L1 data fee
(:mod:`hemi.hvm.l1_fee`) charged to every other transaction.

Mixins for the state, its transaction executor and the VM, composed with the fork's own classes in
:func:`hemi.hvm.engine._vm_class`. op-geth's rules they follow: a deposit buys no gas and pays no tip
(``core/state_transition.go`` ``buyGas``/``preCheck``, deposits skip both) and is not subject to the block's base
fee; the L1 fee of other transactions is taken with the gas purchase and paid to the L1FeeVault at the end
(ethereum-optimism/op-geth ``core/state_transition.go``). Since Prague (OP Isthmus) system transactions pay
EIP-7623's calldata floor as any other: hemilabs/op-geth's ``innerExecute`` checks the gas limit against the floor
and raises the gas used to it without exempting them.

A user deposit that cannot run (gas under its intrinsic gas or the floor, a value over the sender's balance once
the mint is credited, init code over 49,152 bytes) is still included, as a *failed deposit*: the mint stays, nothing
else happens but the sender's nonce moving, and the receipt has status 0 and uses the whole gas limit
(hemilabs/op-geth ``core/state_transition.go`` ``execute``: "Failed deposits must still be included"). The
L1-attributes deposit goes through the same checks and always passes them.
"""

from __future__ import annotations

from typing import Any

from eth.exceptions import VMError
from eth.vm.forks.shanghai.constants import MAX_INITCODE_SIZE
from eth.vm.spoof import SpoofTransaction
from eth_utils import to_checksum_address

from hemi.hvm.l1_fee import L1_FEE_VAULT_ADDRESS
from hemi.hvm.system_txs import DEPOSIT_TX_TYPE


def is_system(tx: Any) -> bool:
    return getattr(tx, "is_op_system", False)


class FailedDeposit(VMError):
    """Why a deposit was included as failed; its text is op-geth's execution error ("failed deposit: ...")."""

    is_geth_text = True


class _FailedRun:
    """What py-evm's receipt and the engine's records read of a computation, for a failed deposit: an error that
    used the whole gas limit, with no output, logs or refund."""

    is_error = True
    is_success = False
    output = b""
    data_floor_gas = 0
    l1_fee = None

    def __init__(self, gas: int, reason: str) -> None:
        self.gas, self.error = gas, FailedDeposit(f"failed deposit: {reason}")

    def get_gas_remaining(self) -> int:
        return 0

    def get_gas_refund(self) -> int:
        return 0

    def get_gas_used(self) -> int:
        return self.gas

    def get_log_entries(self) -> tuple:
        return ()


def data_floor_gas(executor_class: Any, transaction: Any) -> int:
    """EIP-7623's floor of ``transaction`` (21,000 plus 10 per calldata token) under the executor's fork, 0 before
    Prague (py-evm's executors answer the floor less what was used: with nothing used, the floor itself)."""
    return int(executor_class.calc_data_floor_gas(transaction, 0, 0))


def deposit_failure(executor: Any, transaction: Any) -> str | None:
    """Why ``transaction`` would be a failed deposit, in the order op-geth checks (``innerExecute``), or None."""
    if getattr(transaction, "type_id", None) != DEPOSIT_TX_TYPE or not is_system(transaction):
        return None
    gas, intrinsic = transaction.gas, transaction.intrinsic_gas
    if gas < intrinsic:
        return f"intrinsic gas too low: have {gas}, want {intrinsic}"
    floor = data_floor_gas(type(executor), transaction)
    if gas < floor:
        return f"insufficient gas for floor data gas cost: have {gas}, want {floor}"
    sender = transaction.sender
    if transaction.value and executor.vm_state.get_balance(sender) < transaction.value:
        return f"insufficient funds for transfer: address {to_checksum_address(sender)}"
    if not transaction.to and len(transaction.data) > MAX_INITCODE_SIZE:
        return f"max initcode size exceeded: code size {len(transaction.data)} limit {MAX_INITCODE_SIZE}"
    return None


class OpStateMixin:
    l1_cost: Any = None  # an L1CostModel, or None: no L1 fee (a plain EVM devchain)

    def get_tip(self, transaction: Any) -> int:
        return 0 if is_system(transaction) else super().get_tip(transaction)  # type: ignore[misc]

    def get_gas_price(self, transaction: Any) -> int:
        return 0 if is_system(transaction) else super().get_gas_price(transaction)  # type: ignore[misc]

    def validate_transaction(self, transaction: Any) -> None:
        if not is_system(transaction):
            super().validate_transaction(transaction)  # type: ignore[misc]

    def get_transaction_context(self, transaction: Any) -> Any:
        if is_system(transaction):
            return self.get_transaction_context_class()(gas_price=0, origin=transaction.sender)  # type: ignore
        return super().get_transaction_context(transaction)  # type: ignore[misc]


class OpExecutorMixin:
    def __call__(self, transaction: Any) -> Any:
        reason = deposit_failure(self, transaction)
        if reason is None:
            return super().__call__(transaction)  # type: ignore[misc]
        self.vm_state.increment_nonce(transaction.sender)  # type: ignore[attr-defined]
        return _FailedRun(transaction.gas, reason)

    def build_evm_message(self, transaction: Any) -> Any:
        message = super().build_evm_message(transaction)  # type: ignore[misc]
        state = self.vm_state  # type: ignore[attr-defined]
        cost = state.l1_cost
        # an eth_call / estimate (a SpoofTransaction) has no encoding to charge for, as op-geth's RPC calls
        self.l1 = None if cost is None or isinstance(transaction, SpoofTransaction) else \
            cost.fee_for(state, transaction)
        if self.l1 is not None and self.l1.fee:
            state.delta_balance(transaction.sender, -self.l1.fee)
        return message

    def finalize_computation(self, transaction: Any, computation: Any) -> Any:
        computation = super().finalize_computation(transaction, computation)  # type: ignore[misc]
        l1 = getattr(self, "l1", None)
        if l1 is not None and l1.fee:
            self.vm_state.delta_balance(L1_FEE_VAULT_ADDRESS, l1.fee)  # type: ignore[attr-defined]
        computation.l1_fee = l1
        return computation


class OpVMMixin:
    def validate_transaction_against_header(self, base_header: Any, transaction: Any) -> None:
        if not is_system(transaction):
            super().validate_transaction_against_header(base_header, transaction)  # type: ignore[misc]
