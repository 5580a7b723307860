"""The EVM engine: the devchain's deterministic, automine-capable EVM chain over py-evm.

:class:`EvmEngine` is composed of :mod:`hemi.hvm.core` (genesis, block index, pending VM, state reads, snapshots),
:mod:`hemi.hvm.pending` (transactions and edits into the pending block) and :mod:`hemi.hvm.calls` (calls, gas
estimates, replays); this module adds building and signing transactions and sealing blocks. Timestamps and
prevRandao come from the caller, never the wall clock. Everything it returns is a record of
:mod:`hemi.hvm.records` or plain Python (canonical 20-byte addresses, ints, bytes); the transactions it takes in
(:meth:`EvmEngine.build_unsigned`, :meth:`EvmEngine.decode_raw`, :meth:`EvmEngine.sign`) are opaque handles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from hemi.hvm.calls import CallsMixin
from hemi.hvm.convert import header_record, header_with
from hemi.hvm.core import pending_lock
from hemi.hvm.pending import PendingMixin
from hemi.hvm.records import Block, BlockRecord, CallResult, Log, TxRecord, log_index_starts
from hemi.hvm.signer import signer_for
from hemi.hvm.vm import AccountOverride, EstimateFailed, GenesisAccount, PrecompileBurn, PrecompileFn, ordered_trie_root

__all__ = ["AccountOverride", "BlockRecord", "CallResult", "EstimateFailed", "EvmEngine", "GenesisAccount",
           "PrecompileBurn", "PrecompileFn", "TxRecord", "all_logs"]

_ordered_trie_root = ordered_trie_root  # the name tests/node/test_engine_blocks.py checks against py-evm's trie


class EvmEngine(PendingMixin, CallsMixin):
    """A deterministic, automine-capable EVM chain over py-evm."""

    # ------------------------------------------------------------------ transactions in

    def _tx_builder(self) -> Any:
        return self.chain.get_vm_class_for_block_number(0).get_transaction_builder()

    def build_unsigned(self, *, nonce: int, gas: int, to: bytes, value: int, data: bytes,
                       max_fee: int | None = None, max_priority_fee: int | None = None,
                       gas_price: int | None = None, access_list: Sequence = (),
                       authorization_list: Sequence = ()) -> Any:
        builder = self._tx_builder()
        base_fee = self.chain.header.base_fee_per_gas
        if authorization_list:  # EIP-7702 (type 4): Prague's set-code transaction
            if not hasattr(builder, "new_unsigned_set_code_transaction"):
                raise ValueError(f"an authorizationList needs the Prague fork; this devchain runs {self.fork}")
            if not to:
                raise ValueError("a set-code transaction (EIP-7702) cannot create a contract: it needs a `to`")
            return builder.new_unsigned_set_code_transaction(
                chain_id=self.chain_id, nonce=nonce, max_priority_fee_per_gas=max_priority_fee or 0,
                max_fee_per_gas=max_fee if max_fee is not None else base_fee * 2,
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
            max_fee_per_gas=max_fee if max_fee is not None else base_fee * 2,
            gas=gas, to=to, value=value, data=data, access_list=tuple(access_list))

    def sign(self, tx: Any, key: Any, sender: bytes) -> Any:
        """Sign ``tx`` with ``key`` (an eth_keys PrivateKey) whose address is ``sender``, through coincurve with the
        key's cached signer (:mod:`hemi.hvm.signer`). py-evm would recover the sender from the signature again on
        first use; the signer already knows it, so it is recorded up front."""
        signer = signer_for(key.to_bytes())
        if signer.address != sender:
            raise ValueError("the key does not belong to the sender")
        signed = tx.as_signed_transaction(signer, chain_id=self.chain_id)
        signed.__dict__["sender"] = sender  # cached_property's own slot
        return signed

    def decode_raw(self, raw: bytes) -> Any:
        return self._tx_builder().decode(raw)

    # ------------------------------------------------------------------ sealing blocks

    @pending_lock
    def mine_transactions(self, txs: Sequence[Any], *, timestamp: int) -> list[TxRecord]:
        """Apply ``txs`` and seal them in one new block (automine's path: block tries are built once, not per tx).

        Only valid with nothing pending; txs must already have passed :meth:`validate`."""
        if self._pending:
            raise ValueError("pending transactions exist; use apply() + mine()")
        self.set_pending_timestamp(timestamp)
        vm = self._changing_vm()
        header, receipts, computations = vm.apply_all_transactions(list(txs), self.chain.header)
        sealed = self._seal(vm, header, tuple(txs), receipts)
        records = []
        gas_before = 0
        log_index = 0
        for i, (tx, receipt, computation) in enumerate(zip(txs, receipts, computations, strict=True)):
            rec = self._record(tx, tx.sender, receipt, computation, i, receipt.gas_used - gas_before, log_index)
            gas_before = receipt.gas_used
            log_index += len(receipt.logs)
            self._txs[rec.tx.hash] = rec
            records.append(rec)
        self._append_block(sealed, records)
        return records

    @pending_lock
    def mine(self, *, timestamp: int | None = None) -> Block:
        """Seal the pending block (with whatever was applied) and start the next one."""
        if timestamp is not None:
            self.set_pending_timestamp(timestamp)
        vm = self._changing_vm()
        pending = self._pending_records
        sealed = self._seal(vm, self.chain.header, tuple(self._pending), [r.receipt for r in pending])
        records = [replace(r, log_index_start=start)
                   for r, start in zip(pending, log_index_starts([r.receipt for r in pending]), strict=True)]
        for r in records:
            self._txs[r.tx.hash] = r
        self._append_block(sealed, records)
        return self.head

    def _seal(self, vm: Any, header: Any, txs: tuple, receipts: Sequence[Any]) -> Any:
        """The sealed header of a block of ``txs`` on ``header``: transaction and receipt roots, then the block's one
        state root. py-evm's ``finalize_block`` would do the same for a post-merge block (no block reward: the
        engine's forks are Cancun and Prague) and then copy the whole block, transactions deep-copied, for a header
        the engine takes alone."""
        vm.state.persist()
        self._dirty = False
        return header_with(header, transaction_root=ordered_trie_root(txs), receipt_root=ordered_trie_root(receipts),
                           state_root=vm.state.state_root)

    def _append_block(self, header: Any, records: Sequence[TxRecord]) -> None:
        sealed = Block(header_record(header), tuple(r.tx for r in records))
        self._head_header = (sealed.hash, header)
        self._blocks.append(BlockRecord(sealed, tuple(r.tx.hash for r in records)))
        self._by_hash[sealed.hash] = len(self._blocks) - 1
        self._reset_pending_header()


def all_logs(engine: EvmEngine, numbers: Iterable[int]) -> Iterable[tuple[int, TxRecord, int, Log]]:
    """(block number, tx record, log index in block, log) for the given blocks."""
    for n in numbers:
        rec = engine.block_record(n)
        for h in rec.tx_hashes:
            txr = engine.tx_record(h)
            assert txr is not None  # every hash of a sealed block has its record
            for i, lg in enumerate(txr.receipt.logs):
                yield n, txr, txr.log_index_start + i, lg

