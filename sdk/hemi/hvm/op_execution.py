"""How the devchain's py-evm classes execute an OP-stack chain's transactions: system transactions
(:mod:`hemi.hvm.system_txs`) without signature, nonce or fee checks and without paying anything, and the L1 data fee
(:mod:`hemi.hvm.l1_fee`) charged to every other transaction.

Mixins for the state, its transaction executor and the VM, composed with the fork's own classes in
:func:`hemi.hvm.engine._vm_class`. op-geth's rules they follow: a deposit buys no gas and pays no tip
(``core/state_transition.go`` ``buyGas``/``innerTransitionDb``, deposits skip both), is not subject to the block's
base fee or to EIP-7623's calldata floor, and the L1 fee of other transactions is taken with the gas purchase and
paid to the L1FeeVault at the end (ethereum-optimism/op-geth ``core/state_transition.go``).
"""

from __future__ import annotations

from typing import Any

from eth.vm.spoof import SpoofTransaction

from hemi.hvm.l1_fee import L1_FEE_VAULT_ADDRESS


def is_system(tx: Any) -> bool:
    return getattr(tx, "is_op_system", False)


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

    def calc_data_floor_gas(self, transaction: Any, gas_used: int, gas_refund: int) -> int:
        if is_system(transaction):
            return 0
        return super().calc_data_floor_gas(transaction, gas_used, gas_refund)  # type: ignore[misc,no-any-return]


class OpVMMixin:
    def validate_transaction_against_header(self, base_header: Any, transaction: Any) -> None:
        if not is_system(transaction):
            super().validate_transaction_against_header(base_header, transaction)  # type: ignore[misc]
