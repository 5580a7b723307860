"""py-evm's objects to the engine's records (:mod:`hemi.hvm.records`) and back, for the engine and for state files.

The engine keeps records, not py-evm objects: a sealed block is its :class:`~hemi.hvm.records.Header` and its
transactions; py-evm's header is built again from the record's fields, and a transaction decoded from its
encoding, on the paths that execute on an old block (a call at a past block, a tracer's replay).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import rlp
from eth.constants import BLANK_ROOT_HASH, EMPTY_SHA256, POST_MERGE_DIFFICULTY, POST_MERGE_NONCE
from eth.vm.forks.cancun.blocks import CancunBlockHeader
from eth.vm.forks.cancun.headers import calc_excess_blob_gas_cancun
from eth.vm.forks.london.headers import calculate_expected_base_fee_per_gas
from eth.vm.forks.prague.blocks import PragueBlockHeader
from eth.vm.forks.prague.headers import calc_excess_blob_gas_prague

from hemi.hvm.records import Authorization, Header, Log, Receipt, Transaction
from hemi.hvm.system_txs import DEPOSIT_TX_TYPE, POP_PAYOUT_TX_TYPE, SYSTEM_TX_TYPES, SystemReceipt, SystemTx

_HEADER_FIELDS = ("parent_hash", "uncles_hash", "coinbase", "state_root", "transaction_root", "receipt_root", "bloom",
                  "difficulty", "block_number", "gas_limit", "gas_used", "timestamp", "extra_data", "mix_hash",
                  "nonce", "base_fee_per_gas", "withdrawals_root", "blob_gas_used", "excess_blob_gas",
                  "parent_beacon_block_root")


def header_record(header: Any) -> Header:
    """The record of a py-evm block header (Cancun or Prague)."""
    values = {name: getattr(header, name) for name in _HEADER_FIELDS}
    return Header(**values, hash=header.hash, prague_requests_hash=getattr(header, "requests_hash", None))


def header_with(header: Any, **changes: Any) -> Any:
    """A py-evm header with ``changes``: py-evm's ``copy`` deep-copies every field it keeps (all immutable), twice
    the cost of building the header anew from its fields."""
    return type(header)(**{**header.as_dict(), **changes})


def child_header(parent: Any, *, timestamp: int, coinbase: bytes, mix_hash: bytes, gas_limit: int) -> Any:
    """The header py-evm's ``create_header_from_parent`` makes on a Cancun or Prague ``parent`` of the same fork
    (None for another class): built once, where py-evm builds and copies one header per fork from London on.
    tests/hvm/test_records.py compares the two over varied parents."""
    cls = type(parent)
    if cls is PragueBlockHeader:
        extra = {"excess_blob_gas": calc_excess_blob_gas_prague(parent), "requests_hash": EMPTY_SHA256}
    elif cls is CancunBlockHeader:
        extra = {"excess_blob_gas": calc_excess_blob_gas_cancun(parent)}
    else:
        return None
    return cls(parent_hash=parent.hash, coinbase=coinbase, state_root=parent.state_root, gas_limit=gas_limit,
               difficulty=POST_MERGE_DIFFICULTY, block_number=parent.block_number + 1, timestamp=timestamp,
               nonce=POST_MERGE_NONCE, mix_hash=mix_hash,
               base_fee_per_gas=calculate_expected_base_fee_per_gas(parent),
               parent_beacon_block_root=BLANK_ROOT_HASH, **extra)


def header_from_rlp(raw: bytes, header_class: Any) -> Header:
    return header_record(rlp.decode(raw, sedes=header_class))


def evm_header(header: Header, header_class: Any) -> Any:
    """py-evm's header of a record (``header_class``: the engine's fork's)."""
    fields = {name: getattr(header, name) for name in _HEADER_FIELDS}
    if header.prague_requests_hash is not None:
        fields["requests_hash"] = header.prague_requests_hash
    return header_class(**fields)


# a chain keeps a record per transaction, and most name the same few addresses: one bytes object per address seen
# lately (an address is immutable bytes, so equal ones are interchangeable), not two new ones per transaction
shared_address = lru_cache(maxsize=1024)(bytes)


def tx_record(tx: Any) -> Transaction | SystemTx:
    """The record of a py-evm signed transaction; a system transaction (or a record) is already the engine's own."""
    if isinstance(tx, (SystemTx, Transaction)):
        return tx
    type_id = getattr(tx, "type_id", None)
    auths = None
    if type_id == 4:
        auths = tuple(Authorization(a.chain_id, bytes(a.address), a.nonce, a.y_parity, a.r, a.s)
                      for a in tx.authorization_list)
    fee_cap = type_id is not None and type_id != 1
    return Transaction(
        type_id=type_id, hash=tx.hash, nonce=tx.nonce, gas=tx.gas, to=shared_address(bytes(tx.to)), value=tx.value,
        data=bytes(tx.data), v=tx.y_parity if type_id is not None else tx.v, r=tx.r, s=tx.s,
        sender=shared_address(bytes(tx.sender)),
        encoded=tx.encode(), chain_id=getattr(tx, "chain_id", None),
        gas_price=None if fee_cap else tx.gas_price,
        max_fee_per_gas=tx.max_fee_per_gas, max_priority_fee_per_gas=tx.max_priority_fee_per_gas,
        access_list=tuple((bytes(a), tuple(keys)) for a, keys in tx.access_list) if type_id is not None else (),
        authorizations=auths)


def _logs(logs: Any) -> tuple[Log, ...]:
    return tuple(Log(bytes(lg.address), tuple(lg.topics), bytes(lg.data)) for lg in logs)


def receipt_record(receipt: Any) -> Receipt:
    """The record of a py-evm receipt or of a system transaction's :class:`~hemi.hvm.system_txs.SystemReceipt`."""
    type_id = getattr(receipt, "type_id", None)  # None: a legacy receipt (py-evm's typed ones carry their type)
    nonce = receipt.nonce if type_id in (DEPOSIT_TX_TYPE, POP_PAYOUT_TX_TYPE) else 0  # what the encoding holds
    return Receipt(bytes(receipt.state_root), receipt.gas_used, receipt.bloom, _logs(receipt.logs), type_id, nonce)


def receipt_from_encoding(raw: bytes, receipt_builder: Any) -> Receipt:
    """A receipt record from its canonical encoding (as :meth:`~hemi.hvm.records.Receipt.encode` gives it)."""
    decoded = SystemReceipt.decode(raw) if raw and raw[0] in SYSTEM_TX_TYPES else receipt_builder.decode(raw)
    record = receipt_record(decoded)
    if record.encode() != bytes(raw):  # a receipt is kept as its fields: they must give back these bytes
        raise ValueError("not a canonical receipt encoding")
    return record


def decode_header(raw: bytes) -> Header:
    """A header record from its RLP alone, of either fork: a Prague header has one field more (requests_hash)."""
    sedes = PragueBlockHeader if len(rlp.decode(raw)) == len(PragueBlockHeader._meta.fields) else CancunBlockHeader
    return header_from_rlp(raw, sedes)
