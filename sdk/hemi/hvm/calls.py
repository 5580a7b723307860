"""Execution that commits nothing: calls (with state overrides and tracers), gas estimation and the replay of a mined
transaction for a tracer. Each runs inside a snapshot of a shared call state that is reverted afterwards
(:meth:`hemi.hvm.core.EngineCore._call_state`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from eth.exceptions import Revert
from eth.vm.forks.shanghai.constants import MAX_INITCODE_SIZE
from eth.vm.spoof import SpoofTransaction
from eth_utils import ValidationError

from hemi.hvm import trace
from hemi.hvm.core import EngineCore
from hemi.hvm.records import CallResult, TxRecord
from hemi.hvm.system_txs import SystemTx
from hemi.hvm.vm import AccountOverride, AsSender, EstimateFailed, error_text


def _result(computation: Any) -> CallResult:
    if computation.is_error:
        err = computation.error
        return CallResult(False, bytes(computation.output or b""), computation.get_gas_used(), error_text(err),
                          isinstance(err, Revert))
    return CallResult(True, bytes(computation.output), computation.get_gas_used(), None, False)


_READ_FIELDS = ("to", "value", "data", "gas", "gas_price", "max_fee_per_gas", "max_priority_fee_per_gas", "access_list",
                "intrinsic_gas", "type_id")
_fields_of: dict[type, tuple[str, ...]] = {}


def _spoofed(tx: Any, sender: bytes, nonce: int, gas: int | None) -> Any:
    """``tx`` as py-evm's SpoofTransaction from ``sender`` at ``nonce`` (and ``gas``). Its reads go through
    ``SpoofAttributes.__getattr__``, a Python call each (about 45 per call); the overrides and the fields the
    executor reads are put on the instance, where attribute lookup finds them first (the same values)."""
    overrides = {"from_": sender, "nonce": nonce}
    if gas is not None:
        overrides["gas"] = gas
    spoofed = SpoofTransaction(tx, **overrides)
    fields = spoofed.__dict__
    fields.update(spoofed.overrides)
    kind = type(tx)
    names = _fields_of.get(kind)
    if names is None:  # which of them the transaction's class has (asking the instance raises for the others)
        names = _fields_of[kind] = tuple(name for name in _READ_FIELDS if hasattr(kind, name))
    for name in names:
        if name not in fields:
            fields[name] = getattr(tx, name)
    return spoofed


class CallsMixin(EngineCore):
    """eth_call, eth_estimateGas and tracing on the engine's states."""

    def call(self, tx: Any, sender: bytes, number: int | None = None,
             overrides: Mapping[bytes, AccountOverride] | None = None, *,
             instrument: Callable[[type], type] | None = None, settle: bool | None = None,
             gas: int | None = None) -> CallResult:
        """Execute without committing, on the state after block ``number`` (None: pending), with ``overrides``
        (geth's state override set) applied for this call only. ``instrument`` maps the computation class to the
        one to run for this call (a tracer's subclass, see hemi.hvm.trace). ``settle``: run py-evm's last step
        (gas refund, fees to the coinbase and vaults, cleanup of touched accounts) too; it changes only state the
        call reverts and the result is the computation's, so by default only a tracer's call (which sees that
        state) settles. ``gas``: run with this gas limit instead of the transaction's."""
        if not tx.to and len(tx.data) > MAX_INITCODE_SIZE:  # EIP-3860; py-evm raises OutOfGas out of the executor
            return CallResult(False, b"", 0, f"max initcode size exceeded: code size {len(tx.data)} limit "
                                             f"{MAX_INITCODE_SIZE}", False)
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
            # a call checks no nonce (geth: ToMessage(..., skipNonceCheck=true)); py-evm does, so the call carries
            # the nonce of the state it runs on
            spoofed = _spoofed(tx, sender, state.get_nonce(sender), gas)
            settles = instrument is not None if settle is None else settle
            if settles:
                computation = state.apply_transaction(spoofed)
            else:  # py-evm's transaction executor, its last step left out
                executor = state.get_transaction_executor()
                executor.validate_transaction(spoofed)
                computation = executor.build_computation(executor.build_evm_message(spoofed), spoofed)
        except ValidationError as err:  # e.g. value above the sender's balance
            return CallResult(False, b"", 0, str(err), False)
        finally:
            try:
                state.revert(snap)
            except ValidationError:  # py-evm cannot always undo a storage wipe (a contract the call created with
                self._forget_call_state(state)  # CREATE2 and destroyed): the state is dropped, the next call
                # builds a fresh one from the same root
            if instrument is not None:
                del state.computation_class
        return _result(computation)

    def _evm_tx(self, rec: TxRecord) -> Any:
        """The py-evm transaction of a record, executing as the record's sender."""
        tx = rec.tx
        if isinstance(tx, SystemTx):
            return tx
        evm_tx = self.chain.get_vm(self.chain.header).get_transaction_builder().decode(tx.encoded)
        return evm_tx if rec.sender == tx.sender else AsSender(evm_tx, rec.sender)

    def replay(self, tx_hash: bytes, instrument: Callable[[type], type]) -> tuple[TxRecord, CallResult]:
        """Re-execute a mined transaction on the state it ran on (its block's parent state, then the transactions
        before it in the block), the transaction itself with ``instrument``'s computation class: for tracers.
        Returns its record and the new run's result; ValueError if it is unknown or did not replay identically
        (a direct state edit made before its block was sealed is not in any block's state)."""
        rec = self._txs.get(bytes(tx_hash))
        if rec is None:
            raise ValueError(f"transaction 0x{bytes(tx_hash).hex()} not found (mined transactions only)")
        n = rec.block_number
        parent_root = self._blocks[max(n - 1, 0)].block.header.state_root
        state = self.chain.get_vm(self.evm_header(n).copy(state_root=parent_root)).state
        for h in self._blocks[n].tx_hashes[:rec.index]:
            state.apply_transaction(self._evm_tx(self._txs[h]))
        base = state.computation_class
        state.computation_class = instrument(base)
        computation = state.apply_transaction(self._evm_tx(rec))
        if computation.get_gas_used() > rec.tx.gas or bool(computation.is_error) != bool(rec.error):
            raise ValueError("the transaction does not replay as it ran (the state was edited directly before its "
                             "block was sealed)")
        return rec, _result(computation)

    def estimate_gas(self, tx: Any, sender: bytes, number: int | None = None,
                     overrides: Mapping[bytes, AccountOverride] | None = None) -> int:
        """Lowest gas limit that succeeds (binary search, as geth does); ValueError with the reason if it never does.

        One full run decides most transactions: a run in which nothing depended on the gas left, SSTOREs aside when
        each had more than EIP-2200's 2,300 to spare (:meth:`hemi.hvm.trace.GasProbe.enough`), needs exactly what it
        used; the search runs only for the others."""
        gas_limit = self.chain.header.gas_limit if number is None else self._blocks[number].block.header.gas_limit
        if (not overrides and not tx.data and tx.to and tx.to not in self._precompiles
                and not self._read_state(number).get_code(tx.to)):
            return int(tx.intrinsic_gas)  # a plain transfer to an account without code costs exactly that
        hi = gas_limit
        probe = trace.GasProbe()
        top = self.call(tx, sender, number, overrides, instrument=trace.instrument(probe), settle=False, gas=hi)
        if not top.success:
            raise EstimateFailed(top)
        if probe.enough(hi - tx.intrinsic_gas - top.gas_used):  # nothing in the run would fail with exactly what it
            return int(top.gas_used + tx.intrinsic_gas)  # used (the limit the search would verify first)
        # Most txs succeed at what they used (plus intrinsic gas) or at the 63/64 margin calls need: verify those
        # two limits first; the binary search below runs only when neither works.
        used = top.gas_used + tx.intrinsic_gas
        for candidate in (used, used * 64 // 63 + 2_300):
            if candidate < hi and self.call(tx, sender, number, overrides, gas=candidate).success:
                return int(candidate)
        lo = max(tx.intrinsic_gas - 1, top.gas_used - 1)
        while lo + 1 < hi:
            mid = (lo + hi) // 2
            if self.call(tx, sender, number, overrides, gas=mid).success:
                hi = mid
            else:
                lo = mid
            if hi - lo <= max(1, hi // 1000):  # within 0.1 %: good enough, as geth's estimator stops early
                break
        return int(hi)
