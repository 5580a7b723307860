"""Hemi's system transactions, the ones a plain EVM chain does not have: OP-stack deposits (type 0x7E), the
Bitcoin-attributes-deposited transaction (0x7C) and the PoP payout (0x7D), with their receipts.

They are never signed and never come from the mempool; the block builder puts them at the front of a block. What they
look like and how they execute (sources; facts only, our own code):

- Deposit 0x7E: ``0x7E ‖ rlp([sourceHash, from, to, mint, value, gas, isSystemTx, data])``; ``mint`` is credited to
  ``from`` before execution and kept even if the call fails; no gas is bought and no fee paid; the sender's nonce is
  incremented and reported as the receipt's ``depositNonce``; post-Canyon receipts carry ``depositReceiptVersion``
  1 and encode as ``0x7E ‖ rlp([status, cumulativeGas, bloom, logs, depositNonce, depositReceiptVersion])``
  (ethereum-optimism/op-geth ``core/types/deposit_tx.go``, ``core/types/receipt.go``, ``core/state_transition.go``;
  the OP specs' ``deposits.md``). Source hashes: a user deposit is ``keccak(bytes32(0) ‖ keccak(l1BlockHash ‖
  bytes32(logIndex)))``, the L1-attributes deposit ``keccak(bytes32(1) ‖ keccak(l1BlockHash ‖
  bytes32(sequenceNumber)))`` (ethereum-optimism/optimism ``op-node/rollup/derive/deposit_source.go``).
- 0x7C and 0x7D: ``type ‖ rlp([to, gas, data])``, from 0x8888…8888, gas price 0, no value; the nonce is the sender's,
  taken at execution (hemilabs/op-geth ``core/types/btc_attributes_deposited_tx.go``, ``pop_payout_tx.go``); a 0x7D
  receipt carries ``popPayoutNonce`` and encodes it after the logs (``core/types/receipt.go``).

py-evm executes these objects like signed transactions; the devchain's state class (``hemi.hvm.engine``) skips the
signature, nonce and fee checks for them and charges them nothing, as op-geth does for deposits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import rlp
from eth.rlp.logs import Log
from eth.rlp.receipts import Receipt
from eth_utils import keccak

from hemi.hvm.trie_batch import rlp_encode, rlp_uint

DEPOSIT_TX_TYPE = 0x7E
BTC_ATTRIBUTES_TX_TYPE = 0x7C
POP_PAYOUT_TX_TYPE = 0x7D
DEPOSITOR_ACCOUNT = bytes.fromhex("deaddeaddeaddeaddeaddeaddeaddeaddead0001")
HVM_SYSTEM_SENDER = bytes.fromhex("88" * 20)
CANYON_DEPOSIT_RECEIPT_VERSION = 1
SYSTEM_TX_TYPES = (DEPOSIT_TX_TYPE, BTC_ATTRIBUTES_TX_TYPE, POP_PAYOUT_TX_TYPE)
_TX_GAS, _CREATE_GAS, _ZERO_BYTE, _NONZERO_BYTE, _INITCODE_WORD = 21_000, 32_000, 4, 16, 2


def _int(b: bytes) -> int:
    return int.from_bytes(b, "big")


def _intrinsic_gas(data: bytes, create: bool) -> int:
    zeros = data.count(0)
    gas = _TX_GAS + zeros * _ZERO_BYTE + (len(data) - zeros) * _NONZERO_BYTE
    if create:
        gas += _CREATE_GAS + _INITCODE_WORD * ((len(data) + 31) // 32)
    return gas


def user_deposit_source_hash(l1_block_hash: bytes, log_index: int) -> bytes:
    """Source hash of a user deposit: domain 0, the L1 block hash and the index of the deposit's log in it."""
    return keccak(bytes(32) + keccak(bytes(l1_block_hash) + log_index.to_bytes(32, "big")))


def l1_info_source_hash(l1_block_hash: bytes, sequence_number: int) -> bytes:
    """Source hash of the L1-attributes deposit: domain 1, the L1 origin's hash and the L2 sequence number."""
    return keccak((1).to_bytes(32, "big") + keccak(bytes(l1_block_hash) + sequence_number.to_bytes(32, "big")))


@dataclass(frozen=True, slots=True)
class SystemTx:
    """One system transaction. ``nonce`` is the sender's nonce when it executed (filled in by :meth:`at_nonce`)."""

    type_id: int
    sender: bytes
    to: bytes  # b"" for a contract creation
    gas: int
    data: bytes
    value: int = 0
    mint: int = 0
    source_hash: bytes | None = None  # deposits only
    is_system_tx: bool = False  # deposits: always False after Regolith
    nonce: int = 0
    label: str = field(default="", compare=False)
    _hash: bytes | None = field(default=None, init=False, repr=False, compare=False)  # :attr:`hash`, once computed

    # what py-evm's executor reads of a transaction
    is_op_system = True
    gas_price = 0
    max_fee_per_gas = 0
    max_priority_fee_per_gas = 0
    access_list = ()
    v = r = s = y_parity = 0
    chain_id = None

    def at_nonce(self, nonce: int) -> SystemTx:
        return replace(self, nonce=nonce)

    @property
    def intrinsic_gas(self) -> int:
        return _intrinsic_gas(self.data, not self.to)

    def payload(self) -> list:
        if self.type_id == DEPOSIT_TX_TYPE:
            return [self.source_hash, self.sender, self.to, self.mint, self.value, self.gas,
                    b"\x01" if self.is_system_tx else b"", self.data]
        return [self.to, self.gas, self.data]

    def encode(self) -> bytes:
        # rlp.encode(self.payload()), the integers as RLP's big-endian strings (tests/hvm/test_system_txs.py)
        fields = [rlp_uint(int(x)) if isinstance(x, int) else bytes(x) for x in self.payload()]
        return bytes((self.type_id,)) + rlp_encode(fields)

    @property
    def hash(self) -> bytes:
        # kept once computed: the fields are frozen, and a block's hashes are read several times (records, index,
        # roots); a slot rather than cached_property, which needs an instance dict (each costs memory per block)
        digest = self._hash
        if digest is None:
            digest = keccak(self.encode())
            object.__setattr__(self, "_hash", digest)
        return digest

    @classmethod
    def decode(cls, raw: bytes, *, nonce: int = 0) -> SystemTx:
        """The transaction whose :meth:`encode` is ``raw``; ``nonce`` (not part of the encoding: it is the sender's
        nonce at execution) comes from the receipt or the caller."""
        if not raw or raw[0] not in SYSTEM_TX_TYPES:
            raise ValueError("not a system transaction encoding")
        items = rlp.decode(bytes(raw[1:]))
        if raw[0] == DEPOSIT_TX_TYPE:
            source, sender, to, mint, value, gas, is_system, data = items
            return cls(DEPOSIT_TX_TYPE, sender, to, gas=_int(gas), data=data, value=_int(value), mint=_int(mint),
                       source_hash=source, is_system_tx=is_system == b"\x01", nonce=nonce)
        to, gas, data = items
        return cls(raw[0], HVM_SYSTEM_SENDER, to, gas=_int(gas), data=data, nonce=nonce)

    def get_intrinsic_gas(self) -> int:
        return self.intrinsic_gas

    def validate(self) -> None:
        """Nothing to check: no signature, and the builder made the fields."""

    def make_receipt(self, status: bytes, gas_used: int, logs: Any) -> SystemReceipt:
        entries = [Log(address, topics, data) for address, topics, data in logs]  # py-evm hands raw log tuples
        return SystemReceipt(self.type_id, Receipt(status, gas_used, entries), self.nonce)

    # JSON as op-geth renders it (internal/ethapi/api.go newRPCTransaction / marshalReceipt)

    def rpc_fields(self, out: dict) -> None:
        for key in ("chainId", "yParity", "maxFeePerGas", "maxPriorityFeePerGas", "accessList"):
            out.pop(key, None)
        out["gasPrice"] = "0x0"
        out["nonce"] = hex(self.nonce)  # op-geth reports the executed nonce, from the receipt
        if self.type_id == DEPOSIT_TX_TYPE:
            out["sourceHash"] = "0x" + bytes(self.source_hash or bytes(32)).hex()
            out["mint"] = hex(self.mint)
            if self.is_system_tx:  # op-geth includes isSystemTx only when true
                out["isSystemTx"] = True
            out["depositReceiptVersion"] = hex(CANYON_DEPOSIT_RECEIPT_VERSION)

    def receipt_fields(self) -> dict:
        if self.type_id == DEPOSIT_TX_TYPE:
            return {"depositNonce": hex(self.nonce), "depositReceiptVersion": hex(CANYON_DEPOSIT_RECEIPT_VERSION)}
        if self.type_id == POP_PAYOUT_TX_TYPE:
            return {"popPayoutNonce": hex(self.nonce)}
        return {}


class SystemReceipt:
    """A receipt of a system transaction: py-evm's receipt fields plus the type byte and the nonce op-geth encodes."""

    def __init__(self, type_id: int, inner: Receipt, nonce: int) -> None:
        self.type_id, self.inner, self.nonce = type_id, inner, nonce

    @property
    def state_root(self) -> bytes:
        return self.inner.state_root

    @property
    def gas_used(self) -> int:
        return self.inner.gas_used

    @property
    def bloom(self) -> int:
        return self.inner.bloom

    @property
    def logs(self) -> tuple[Log, ...]:
        return tuple(self.inner.logs)  # type: ignore[arg-type]  # py-evm types them as its LogAPI

    @property
    def bloom_filter(self) -> Any:
        return self.inner.bloom_filter

    def encode(self) -> bytes:
        inner = self.inner
        return receipt_encoding(self.type_id, inner.state_root, inner.gas_used, inner.bloom, inner.logs, self.nonce)

    @classmethod
    def decode(cls, raw: bytes) -> SystemReceipt:
        """The receipt whose :meth:`encode` is ``raw``. A 0x7C receipt does not encode the nonce (it reads 0)."""
        if not raw or raw[0] not in SYSTEM_TX_TYPES:
            raise ValueError("not a system transaction receipt")
        status, cumulative, bloom, logs, *extra = rlp.decode(bytes(raw[1:]))
        entries = [Log(address, tuple(_int(t) for t in topics), data) for address, topics, data in logs]
        inner = Receipt(status, _int(cumulative), entries, _int(bloom))
        return cls(raw[0], inner, _int(extra[0]) if extra else 0)

    def __getstate__(self) -> dict:
        return {"type_id": self.type_id, "receipt": rlp.encode(self.inner), "nonce": self.nonce}

    def __setstate__(self, state: dict) -> None:
        self.type_id, self.nonce = state["type_id"], state["nonce"]
        self.inner = rlp.decode(state["receipt"], sedes=Receipt)


def receipt_encoding(type_id: int | None, status: bytes, cumulative_gas: int, bloom: int, logs: Iterable[Any],
                     nonce: int = 0) -> bytes:
    """A receipt's canonical encoding: the transaction's type byte (none for a legacy one, EIP-2718), then the RLP of
    status, cumulative gas, the 256-byte bloom and the logs (each with ``address``, ``topics`` as ints and ``data``:
    py-evm's logs and the engine's records alike); a deposit's receipt adds its nonce and the Canyon receipt
    version, a PoP payout's its nonce (op-geth ``core/types/receipt.go``)."""
    fields = [bytes(status), rlp_uint(cumulative_gas), bloom.to_bytes(256, "big"),
              [[bytes(lg.address), [t.to_bytes(32, "big") for t in lg.topics], bytes(lg.data)] for lg in logs]]
    if type_id == DEPOSIT_TX_TYPE:
        fields += [rlp_uint(nonce), rlp_uint(CANYON_DEPOSIT_RECEIPT_VERSION)]
    elif type_id == POP_PAYOUT_TX_TYPE:
        fields.append(rlp_uint(nonce))
    encoded = rlp_encode(fields)
    return encoded if type_id is None else bytes((type_id,)) + encoded


def deposit(*, source_hash: bytes, sender: bytes, to: bytes, gas: int, data: bytes = b"", value: int = 0,
            mint: int = 0, label: str = "") -> SystemTx:
    return SystemTx(DEPOSIT_TX_TYPE, sender, to, gas, data, value, mint, source_hash, False, label=label)


def hvm_system_tx(type_id: int, *, to: bytes, gas: int, data: bytes, label: str = "") -> SystemTx:
    """A 0x7C or 0x7D transaction from 0x8888…8888."""
    return SystemTx(type_id, HVM_SYSTEM_SENDER, to, gas, data, label=label)
