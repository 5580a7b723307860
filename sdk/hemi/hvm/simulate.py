"""Simulated blocks on top of a devchain block (``eth_simulateV1``'s engine side): a chain of block contexts, each
with optional overrides of its header fields and of account state, each running its calls in order on the state
the previous calls left. Nothing reaches the devchain: the states are py-evm states built over the engine's node
database (content-addressed, so the nodes written while simulating change no existing state).

Per call: success, return data, the gas the transaction would be charged (after refunds, capped at a fifth of the
gas used as London caps them), the logs in execution order, and optionally ETH transfers as ERC-7528 logs (address
0xEeee…EEeE, ``Transfer(from, to, value)``), which is what ``traceTransfers`` asks for (ethereum/execution-apis
src/eth/execute.yaml).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth.vm.spoof import SpoofTransaction
from eth_utils import ValidationError, keccak

from hemi.hvm.convert import header_record
from hemi.hvm.records import StateReader
from hemi.hvm.trace import Tracer, error_text, instrument, stack_ints

TRANSFER_LOG_ADDRESS = bytes.fromhex("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee")  # ERC-7528's native-asset address
TRANSFER_TOPIC = int.from_bytes(keccak(b"Transfer(address,address,uint256)"), "big")


@dataclass
class SimLog:
    address: bytes
    topics: list[int]
    data: bytes


@dataclass
class SimCall:
    success: bool
    output: bytes
    gas_used: int
    logs: list[SimLog]
    error: str | None
    is_revert: bool


@dataclass
class SimBlock:
    header: Any  # py-evm's while the block runs, its record (hemi.hvm.records.Header) once it is done
    calls: list[SimCall] = field(default_factory=list)
    tx_hashes: list[bytes] = field(default_factory=list)


class _Events(Tracer):
    """Logs (and value transfers) in execution order; a failed frame's are dropped with it."""

    opcodes = frozenset(range(0xA0, 0xA5))

    def __init__(self, transfers: bool) -> None:
        self.transfers = transfers
        self.events: list[SimLog] = []
        self._marks: list[int] = []

    def enter(self, frame: Any) -> None:
        self._marks.append(len(self.events))
        msg = frame.message
        if self.transfers and msg.value and msg.should_transfer_value:
            to = msg.storage_address
            self.events.append(SimLog(TRANSFER_LOG_ADDRESS, [TRANSFER_TOPIC, int.from_bytes(msg.sender, "big"),
                                                             int.from_bytes(to, "big")], msg.value.to_bytes(32, "big")))

    def exit(self, frame: Any) -> None:
        mark = self._marks.pop()
        if frame.computation.is_error:
            del self.events[mark:]

    def step(self, computation: Any, op: int, pc: int) -> None:
        values = stack_ints(computation)
        n = op - 0xA0
        if len(values) < 2 + n:
            return
        offset, size = values[-1], values[-2]
        mem = bytes(computation._memory._bytes)
        if offset + size > len(mem) + 2**20:  # the opcode itself will run out of gas expanding memory
            return
        data = mem[offset:offset + size].ljust(size, b"\x00")
        self.events.append(SimLog(computation.msg.storage_address, [values[-3 - i] for i in range(n)], data))


class SimulationError(ValueError):
    """A call refused before running (with validation: nonce, funds, fees); ``kind`` names geth's error class."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


def simulate(engine: Any, base: int, state_root: bytes, blocks: list[dict],
             make_calls: Callable[[Any, Any], list[tuple[Any, bytes]]], *, validation: bool,
             transfers: bool) -> list[SimBlock]:
    """Run ``blocks`` (each ``{"header": {field: value}, "overrides": {address: AccountOverride}}``) on block
    ``base`` with state ``state_root``; ``make_calls(state, header)`` builds each block's (tx, sender) list once the
    block's state exists (nonces and gas defaults depend on it)."""
    parent = engine.evm_header(base)
    out: list[SimBlock] = []
    for spec in blocks:
        fields = dict(spec["header"])
        fields.setdefault("block_number", parent.block_number + 1)
        fields.setdefault("timestamp", parent.timestamp + 12)
        if not validation:
            fields.setdefault("base_fee_per_gas", 0)  # as geth's simulate without validation: calls run for free
        header = parent.copy(parent_hash=parent.hash, state_root=state_root, gas_used=0, **fields)
        state = engine.chain.get_vm(header).state
        for address, override in spec["overrides"].items():
            override.apply(state, address)
        block = SimBlock(header)
        used = 0
        for tx, sender in make_calls(StateReader(state), header_record(header)):
            events = _Events(transfers)
            base_class = state.computation_class
            state.computation_class = instrument(events)(base_class)
            try:
                computation = state.apply_transaction(SpoofTransaction(tx, from_=sender))
            except ValidationError as err:
                raise SimulationError(_kind(str(err)), str(err)) from None
            finally:
                state.computation_class = base_class
            spent = tx.gas - computation.get_gas_remaining()
            charged = spent - min(computation.get_gas_refund(), spent // 5) if not computation.is_error else spent
            used += charged
            block.calls.append(SimCall(computation.is_success, bytes(computation.output or b""), charged,
                                       events.events, error_text(computation.error) if computation.is_error else None,
                                       computation.is_error and error_text(computation.error) == "execution reverted"))
            # an unsigned call has no transaction hash; its signing hash stands in (unique: it covers the nonce)
            block.tx_hashes.append(keccak(tx.get_message_for_signing()))
        state.persist()
        state_root = state.state_root
        header = header.copy(state_root=state_root, gas_used=used)
        block.header = header_record(header)  # the record, to the layers above
        out.append(block)
        parent = header
    return out


def _kind(message: str) -> str:
    m = message.lower()
    if "nonce" in m:
        return "nonce"
    if "balance" in m or "funds" in m:
        return "funds"
    if "fee" in m or "gas price" in m:
        return "fee"
    if "intrinsic" in m:
        return "intrinsic"
    return "invalid"
