"""The engine's answers to the layers above: blocks, headers, transactions, receipts, logs, call results and state
reads as the project's own frozen records, never py-evm objects.

Attribute names follow py-evm's (``header.state_root``, ``receipt.logs``, ``tx.max_fee_per_gas``...), so code that
read py-evm's objects reads these unchanged; a field that a transaction type or fork does not have is absent, as
on py-evm's classes (``hasattr(tx, "y_parity")`` is False for a legacy transaction, ``hasattr(header,
"requests_hash")`` False before Prague). :mod:`hemi.hvm.convert` builds the records from py-evm's objects
(this module needs none of py-evm's classes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from hemi.hvm.system_txs import SystemTx, receipt_encoding
from hemi.hvm.trie_batch import rlp_encode, rlp_uint


@dataclass(frozen=True, slots=True)
class Header:
    """A sealed (or the pending) block's header. ``encoded`` is its RLP, made from the fields when asked (a chain
    keeps a header per block: storing it too cost 0.6 KB a block); ``rlp.encode(header)`` gives the same bytes
    (the class is its own RLP sedes), so block encodings built around it work as with py-evm's headers."""

    parent_hash: bytes
    uncles_hash: bytes
    coinbase: bytes
    state_root: bytes
    transaction_root: bytes
    receipt_root: bytes
    bloom: int
    difficulty: int
    block_number: int
    gas_limit: int
    gas_used: int
    timestamp: int
    extra_data: bytes
    mix_hash: bytes
    nonce: bytes
    base_fee_per_gas: int
    withdrawals_root: bytes
    blob_gas_used: int
    excess_blob_gas: int
    parent_beacon_block_root: bytes
    hash: bytes
    prague_requests_hash: bytes | None = None  # EIP-7685, Prague headers only: read it as ``requests_hash``

    def rlp_fields(self) -> list[bytes]:
        """The fields in py-evm's header order, serialised as its sedes do (integers big-endian without leading
        zeros, the bloom as 256 bytes)."""
        u = rlp_uint
        fields = [self.parent_hash, self.uncles_hash, self.coinbase, self.state_root, self.transaction_root,
                  self.receipt_root, self.bloom.to_bytes(256, "big"), u(self.difficulty), u(self.block_number),
                  u(self.gas_limit), u(self.gas_used), u(self.timestamp), self.extra_data, self.mix_hash, self.nonce,
                  u(self.base_fee_per_gas), self.withdrawals_root, u(self.blob_gas_used), u(self.excess_blob_gas),
                  self.parent_beacon_block_root]
        if self.prague_requests_hash is not None:
            fields.append(self.prague_requests_hash)
        return fields

    @property
    def encoded(self) -> bytes:
        return rlp_encode(self.rlp_fields())

    @property
    def requests_hash(self) -> bytes:
        if self.prague_requests_hash is None:
            raise AttributeError("a header before Prague has no requests_hash")
        return self.prague_requests_hash

    @property
    def number(self) -> int:
        return self.block_number

    # RLP sedes protocol (pyrlp's ``is_sedes``): rlp.encode(header) re-encodes the header's own fields
    @staticmethod
    def serialize(obj: Header) -> Any:
        return obj.rlp_fields()

    @staticmethod
    def deserialize(serial: Any) -> Header:
        raise TypeError("decode a header with hemi.hvm.convert.header_from_rlp (it needs the engine's fork)")


@dataclass(frozen=True, slots=True)
class Authorization:
    """One EIP-7702 authorization tuple of a set-code transaction."""

    chain_id: int
    address: bytes
    nonce: int
    y_parity: int
    r: int
    s: int


@dataclass(frozen=True, slots=True)
class Transaction:
    """A signed transaction as it was mined (or pending). ``type_id`` is None for a legacy transaction; ``v`` is the
    signature's v as JSON shows it (y-parity for a typed transaction); ``gas_price`` is None for a fee-cap type;
    a legacy or access-list transaction's fee caps are its gas price, as py-evm's. ``sender`` is the signer."""

    type_id: int | None
    hash: bytes
    nonce: int
    gas: int
    to: bytes
    value: int
    data: bytes
    v: int
    r: int
    s: int
    sender: bytes
    encoded: bytes = field(repr=False)
    chain_id: int | None = None
    gas_price: int | None = None
    max_fee_per_gas: int = 0
    max_priority_fee_per_gas: int = 0
    access_list: tuple[tuple[bytes, tuple[int, ...]], ...] = ()
    authorizations: tuple[Authorization, ...] | None = None  # set-code (type 4) only: read authorization_list

    @property
    def y_parity(self) -> int:
        if self.type_id is None:
            raise AttributeError("a legacy transaction has v, not y_parity")
        return self.v

    @property
    def authorization_list(self) -> tuple[Authorization, ...]:
        if self.authorizations is None:
            raise AttributeError("only a set-code transaction (type 4) has an authorization list")
        return self.authorizations

    def encode(self) -> bytes:
        """The canonical encoding (a typed transaction's type byte and payload; a legacy one's RLP list)."""
        return self.encoded


MinedTx = Transaction | SystemTx  # what a block holds: a signed transaction or an OP-stack system transaction


@dataclass(frozen=True, slots=True)
class Log:
    address: bytes
    topics: tuple[int, ...]
    data: bytes


@dataclass(frozen=True, slots=True)
class Receipt:
    """A transaction's receipt: ``state_root`` is the EIP-658 status byte string (b"\\x01" success, b"" failure),
    ``gas_used`` the block's cumulative gas after it, ``bloom`` the logs bloom as an int. ``type_id`` is its
    transaction's type (None: legacy) and ``nonce`` what a system receipt encodes after the logs (op-geth's deposit
    nonce, with the Canyon receipt version, or a PoP payout's nonce); :meth:`encode` makes the canonical encoding
    from them when asked, as py-evm's receipts and :class:`~hemi.hvm.system_txs.SystemReceipt` do."""

    state_root: bytes
    gas_used: int
    bloom: int
    logs: tuple[Log, ...]
    type_id: int | None = None
    nonce: int = 0

    @property
    def status(self) -> int:
        return 1 if self.state_root == b"\x01" else 0

    def encode(self) -> bytes:
        return receipt_encoding(self.type_id, self.state_root, self.gas_used, self.bloom, self.logs, self.nonce)


@dataclass(frozen=True, slots=True)
class Block:
    header: Header
    transactions: tuple[MinedTx, ...]
    uncles: tuple[()] = ()
    withdrawals: tuple[()] = ()

    @property
    def hash(self) -> bytes:
        return self.header.hash

    @property
    def number(self) -> int:
        return self.header.block_number


@dataclass(frozen=True, slots=True)
class TxRecord:
    """Where a mined (or pending) transaction is, and what it did."""

    tx: MinedTx
    block_number: int
    index: int
    sender: bytes
    receipt: Receipt
    gas_used: int  # this tx's own gas (the receipt holds the cumulative figure)
    contract_address: bytes | None
    error: str | None  # None on success; revert reason / VM error text otherwise
    return_data: bytes = b""
    log_index_start: int = 0
    l1: Any = None  # the L1 data fee charged (hemi.hvm.l1_fee.L1Fee) on an OP-stack devchain


@dataclass(frozen=True, slots=True)
class BlockRecord:
    block: Block
    tx_hashes: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class PendingHeader:
    """The block being built: its context (number, time, fees, gas) without the roots, computed when it is sealed."""

    block_number: int
    timestamp: int
    coinbase: bytes
    gas_limit: int
    gas_used: int
    base_fee_per_gas: int
    parent_hash: bytes

    @property
    def number(self) -> int:
        return self.block_number


@dataclass(frozen=True, slots=True)
class CallResult:
    success: bool
    output: bytes
    gas_used: int
    error: str | None
    is_revert: bool

    @property
    def is_error(self) -> bool:
        return not self.success


class _AccountState(Protocol):
    def get_balance(self, address: bytes) -> int: ...
    def get_nonce(self, address: bytes) -> int: ...
    def get_code(self, address: bytes) -> bytes: ...
    def get_storage(self, address: bytes, slot: int) -> int: ...
    def get_code_hash(self, address: bytes) -> bytes: ...
    def account_exists(self, address: bytes) -> bool: ...
    def set_balance(self, address: bytes, balance: int) -> None: ...
    def set_nonce(self, address: bytes, nonce: int) -> None: ...
    def set_code(self, address: bytes, code: bytes) -> None: ...
    def set_storage(self, address: bytes, slot: int, value: int) -> None: ...


class StateReader:
    """Reads of one state (after a block, or the pending one): balances, nonces, code and storage slots."""

    __slots__ = ("_state",)

    def __init__(self, state: _AccountState) -> None:
        self._state = state

    def get_balance(self, address: bytes) -> int:
        return int(self._state.get_balance(address))

    def get_nonce(self, address: bytes) -> int:
        return int(self._state.get_nonce(address))

    def get_code(self, address: bytes) -> bytes:
        return bytes(self._state.get_code(address))

    def get_storage(self, address: bytes, slot: int) -> int:
        return int(self._state.get_storage(address, slot))

    def get_code_hash(self, address: bytes) -> bytes:
        return bytes(self._state.get_code_hash(address))

    def account_exists(self, address: bytes) -> bool:
        return bool(self._state.account_exists(address))


class StateWriter(StateReader):
    """A direct edit of the pending state (:meth:`hemi.hvm.engine.EvmEngine.edit_state`), as anvil's setters."""

    __slots__ = ()

    def set_balance(self, address: bytes, balance: int) -> None:
        self._state.set_balance(address, balance)

    def set_nonce(self, address: bytes, nonce: int) -> None:
        self._state.set_nonce(address, nonce)

    def set_code(self, address: bytes, code: bytes) -> None:
        self._state.set_code(address, code)

    def set_storage(self, address: bytes, slot: int, value: int) -> None:
        self._state.set_storage(address, slot, value)


StateEdit = Callable[[StateWriter], None]
# one write of a direct edit: ("balance" | "nonce", address, int), ("code", address, bytes) or ("storage", address,
# slot, word)
StateWrite = tuple[Any, ...]
WRITE_KINDS = ("balance", "nonce", "code", "storage")


class RecordingWriter(StateWriter):
    """A :class:`StateWriter` that also notes each write it makes, in order, into ``writes``."""

    __slots__ = ("writes",)

    def __init__(self, state: _AccountState, writes: list[StateWrite]) -> None:
        super().__init__(state)
        self.writes = writes

    def set_balance(self, address: bytes, balance: int) -> None:
        super().set_balance(address, balance)
        self.writes.append(("balance", bytes(address), int(balance)))

    def set_nonce(self, address: bytes, nonce: int) -> None:
        super().set_nonce(address, nonce)
        self.writes.append(("nonce", bytes(address), int(nonce)))

    def set_code(self, address: bytes, code: bytes) -> None:
        super().set_code(address, code)
        self.writes.append(("code", bytes(address), bytes(code)))

    def set_storage(self, address: bytes, slot: int, value: int) -> None:
        super().set_storage(address, slot, value)
        self.writes.append(("storage", bytes(address), int(slot), int(value)))


@dataclass(frozen=True, slots=True)
class StateWrites:
    """What one direct edit wrote, in order, as plain data: a :data:`StateEdit` that makes the same writes again.
    The pending block's journal keeps an edit as this, so a rebuild of the block, and a devchain loaded from a state
    file (which saves it), repeats what was written."""

    writes: tuple[StateWrite, ...]

    def __call__(self, writer: StateWriter) -> None:
        for kind, address, *args in self.writes:
            if kind not in WRITE_KINDS:
                raise ValueError(f"unknown state write {kind!r}")
            getattr(writer, f"set_{kind}")(address, *args)


def log_index_starts(receipts: Sequence[Receipt], first: int = 0) -> list[int]:
    """The block-wide index of each receipt's first log."""
    out, n = [], first
    for r in receipts:
        out.append(n)
        n += len(r.logs)
    return out
