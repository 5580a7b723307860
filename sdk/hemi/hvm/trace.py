"""Execution tracers over py-evm: geth's struct logger, its ``callTracer``, an access-list tracer and the gas
sensitivity probe of ``eth_estimateGas``.

A tracer sees a run through a subclass of the engine's computation class (``instrument(tracer)`` makes the
function the engine's ``call(instrument=...)`` and ``replay`` take): the subclass wraps ``apply_computation`` (one
frame per message, precompiles included, as geth's ``OnEnter``/``OnExit``) and, for the opcodes the tracer asks
for, the opcode functions (geth's ``OnOpcode``, seen before the opcode runs). The result shapes are geth's
(ethereum/go-ethereum eth/tracers/logger/logger.go ``StructLogger``, eth/tracers/native/call.go ``callTracer``,
eth/tracers/logger/access_list_tracer.go).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from eth.exceptions import OutOfGas, Revert

CALLS = {0xF1: "CALL", 0xF2: "CALLCODE", 0xF4: "DELEGATECALL", 0xFA: "STATICCALL", 0xF0: "CREATE", 0xF5: "CREATE2"}
GAS_SENSITIVE = frozenset({0x5A, 0x55, *CALLS})  # GAS, SSTORE (EIP-2200's 2300 sentry), calls and creates
SSTORE_SENTRY = 2_300


class Tracer:
    """Hooks; ``opcodes`` None means every opcode is seen by :meth:`step`."""

    opcodes: frozenset | None = None

    def enter(self, computation: Any) -> None: ...

    def exit(self, computation: Any) -> None: ...

    def step(self, computation: Any, op: int, pc: int) -> None: ...

    def stepped(self, computation: Any, op: int, gas_before: int) -> None: ...


# The traced subclass of a computation class depends only on the base (its opcode table) and the opcodes a tracer
# asks for, so it is made once for each and kept on the base (making one copied and wrapped py-evm's opcode table
# and built a class: a tenth of an eth_estimateGas; each devchain has its own classes, which go with it). The tracer
# of a run is the one whose transform was applied last in this thread or task.
_active: ContextVar[Tracer] = ContextVar("hemi_tracer")


def instrument(tracer: Tracer) -> Callable[[type], type]:
    """The computation-class transform that reports a run to ``tracer``: apply it just before the run (a later
    transform in the same thread takes the traced classes over)."""

    def make(base: Any) -> type:  # a py-evm computation class
        _active.set(tracer)
        made = vars(base).get("_hemi_traced")
        if made is None:
            made = {}
            base._hemi_traced = made
        # one class per opcode table the base runs with: its own, and the clock-checking one hemi.hvm.deadline puts
        # in place during a limited call (the same object on every call)
        table = base.opcodes
        key = (tracer.opcodes, id(table))
        entry = made.get(key)
        if entry is None or entry[0] is not table:
            entry = made[key] = (table, _traced_class(base, tracer.opcodes))
        traced: type = entry[1]
        return traced

    return make


def _traced_class(base: Any, wanted: frozenset | None) -> type:
    table = dict(base.opcodes)
    for op, fn in list(table.items()):
        if wanted is None or op in wanted:
            table[op] = _wrap(op, fn)

    def apply_computation(cls: Any, state: Any, message: Any, transaction_context: Any,
                          parent_computation: Any = None) -> Any:
        tracer = _active.get()
        frame = _Frame(message, state)
        tracer.enter(frame)
        computation = base.apply_computation.__func__(cls, state, message, transaction_context, parent_computation)
        _active.set(tracer)  # a traced run nested in this frame (a Python precompile's own call) set its own
        frame.computation = computation
        tracer.exit(frame)
        return computation

    return type("Traced" + base.__name__, (base,), {"opcodes": table,
                                                    "apply_computation": classmethod(apply_computation)})


class _Frame:
    """A message about to run (``computation`` is set once it has)."""

    def __init__(self, message: Any, state: Any) -> None:
        self.message, self.state, self.computation = message, state, None


def _wrap(op: int, fn: Any) -> Any:
    def traced(computation: Any) -> None:
        tracer = _active.get()
        gas_before = computation.get_gas_remaining()
        tracer.step(computation, op, max(0, computation.code.program_counter - 1))
        try:
            fn(computation=computation)
        finally:  # a halting or failing opcode still ends its step
            tracer.stepped(computation, op, gas_before)

    traced.mnemonic = getattr(fn, "mnemonic", None)  # type: ignore[attr-defined]  # py-evm's debug logging reads it
    return traced


def error_text(err: Exception | None) -> str | None:
    """geth's error strings for the failures a frame can end with."""
    if err is None:
        return None
    if isinstance(err, Revert):
        return "execution reverted"
    if isinstance(err, OutOfGas):
        return "out of gas"
    name = type(err).__name__
    known = {"InvalidInstruction": "invalid opcode", "StackDepthLimit": "max call depth exceeded",
             "InsufficientStack": "stack underflow", "FullStack": "stack limit reached",
             "InvalidJumpDestination": "invalid jump destination", "WriteProtection": "write protection",
             "InsufficientFunds": "insufficient balance for transfer",
             "ContractCreationCollision": "contract address collision"}
    return known.get(name, f"{name}: {err}" if str(err) else name)


def stack_ints(computation: Any) -> list[int]:
    return [v if isinstance(v, int) else int.from_bytes(v, "big") for v in computation._stack.values]


# ------------------------------------------------------------------ gas sensitivity (eth_estimateGas)

class GasProbe(Tracer):
    """Notes whether a run did anything whose outcome depends on the gas limit (then a limit equal to the gas it
    used may not be enough, and the estimator must search)."""

    opcodes = GAS_SENSITIVE

    def __init__(self) -> None:
        self.sensitive = False
        self.least_gas_at_sstore: int | None = None  # gas left when an SSTORE began, the least of the run's

    def step(self, computation: Any, op: int, pc: int) -> None:
        if op == 0x55:  # SSTORE fails only with 2,300 gas or less left (EIP-2200): what is left is noted, so a
            left = computation.get_gas_remaining()  # lower limit can be judged without another run
            if self.least_gas_at_sstore is None or left < self.least_gas_at_sstore:
                self.least_gas_at_sstore = left
        else:
            self.sensitive = True

    def enough(self, spare: int) -> bool:
        """Whether the run would succeed with ``spare`` gas less: true when nothing in it depended on the gas left
        but SSTOREs, and each would still have had more than the 2,300 EIP-2200 requires (without calls, the gas
        left at every step moves one for one with the gas given)."""
        if self.sensitive:
            return False
        return self.least_gas_at_sstore is None or self.least_gas_at_sstore - spare > SSTORE_SENTRY


# ------------------------------------------------------------------ access list (eth_createAccessList)

class AccessListTracer(Tracer):
    """Every account and storage slot a run touched, as geth's access-list tracer collects them: slots read or
    written (SLOAD/SSTORE) under the running contract, accounts named to EXTCODE*/BALANCE/calls/SELFDESTRUCT;
    ``exclude`` (sender, recipient, created contract, precompiles) are kept out unless one of their slots is."""

    opcodes = frozenset({0x54, 0x55, 0x31, 0x3B, 0x3C, 0x3F, 0xFF, 0xF1, 0xF2, 0xF4, 0xFA})

    def __init__(self, exclude: Iterable[bytes]) -> None:
        self.exclude = set(exclude)
        self.slots: dict[bytes, set[int]] = {}
        self.order: list[bytes] = []

    def enter(self, frame: Any) -> None:
        if frame.message.depth == 0:  # the recipient, or the contract the transaction creates
            self.exclude.add(frame.message.storage_address)

    def _add(self, address: bytes) -> None:
        if address not in self.slots:
            self.slots[address] = set()
            self.order.append(address)

    def step(self, computation: Any, op: int, pc: int) -> None:
        stack = computation._stack.values
        if not stack:
            return
        top = stack[-1] if isinstance(stack[-1], int) else int.from_bytes(stack[-1], "big")
        if op in (0x54, 0x55):
            here = computation.msg.storage_address
            self._add(here)
            self.slots[here].add(top)
            return
        if op in (0xF1, 0xF2, 0xF4, 0xFA):
            if len(stack) < 2:
                return
            target = stack[-2] if isinstance(stack[-2], int) else int.from_bytes(stack[-2], "big")
        else:
            target = top
        address = (target % 2**160).to_bytes(20, "big")
        if address not in self.exclude and address not in computation.precompiles:
            self._add(address)

    def access_list(self) -> list[tuple[bytes, list[int]]]:
        return [(a, sorted(self.slots[a])) for a in self.order if a not in self.exclude or self.slots[a]]


# ------------------------------------------------------------------ geth's struct logger (the default tracer)

_GETH_NAMES = {"SHA3": "KECCAK256"}


def mnemonic(computation: Any, op: int) -> str:
    name = getattr(computation.opcodes.get(op), "mnemonic", None)
    return _GETH_NAMES.get(name, name) if name else f"opcode 0x{op:x} not defined"


class StructLogger(Tracer):
    """One entry per executed opcode, before it runs: pc, op, gas left, its cost, call depth (1 at the top), and
    optionally the stack, memory (32-byte words) and the storage slots the current contract read or wrote so far
    (on SLOAD/SSTORE steps, as geth)."""

    def __init__(self, *, memory: bool = False, stack: bool = True, storage: bool = True,
                 return_data: bool = False, limit: int = 0) -> None:
        self.memory, self.stack, self.storage, self.return_data, self.limit = memory, stack, storage, return_data, limit
        self.logs: list[dict] = []
        self._open: list[dict] = []
        self._seen: dict[bytes, dict[int, int]] = {}

    def step(self, computation: Any, op: int, pc: int) -> None:
        if self.limit and len(self.logs) >= self.limit:
            self._open.append({})
            return
        entry: dict[str, Any] = {"pc": pc, "op": mnemonic(computation, op), "gas": computation.get_gas_remaining(),
                                 "gasCost": 0, "depth": computation.msg.depth + 1}
        values = stack_ints(computation)
        if self.stack:
            entry["stack"] = [hex(v) for v in values]
        if self.memory:
            mem = bytes(computation._memory._bytes)
            entry["memory"] = [mem[i:i + 32].hex() for i in range(0, len(mem), 32)]
        if self.return_data:
            entry["returnData"] = "0x" + bytes(computation.return_data).hex()
        if self.storage and op in (0x54, 0x55) and values:
            here = computation.msg.storage_address
            seen = self._seen.setdefault(here, {})
            if op == 0x54:
                seen[values[-1]] = computation.state.get_storage(here, values[-1])
            elif len(values) >= 2:
                seen[values[-1]] = values[-2]
            entry["storage"] = {k.to_bytes(32, "big").hex(): v.to_bytes(32, "big").hex() for k, v in seen.items()}
        self.logs.append(entry)
        self._open.append(entry)

    def stepped(self, computation: Any, op: int, gas_before: int) -> None:
        entry = self._open.pop()
        if entry:
            entry["gasCost"] = max(0, gas_before - computation.get_gas_remaining())


# ------------------------------------------------------------------ geth's callTracer

class CallTracer(Tracer):
    """The call tree: one frame per message (type, from, to, value, gas, gasUsed, input, output, error, calls)."""

    def __init__(self, *, only_top: bool = False, with_logs: bool = False) -> None:
        self.only_top, self.with_logs = only_top, with_logs
        self.opcodes = frozenset(CALLS) | (frozenset(range(0xA0, 0xA5)) if with_logs else frozenset())
        self.root: dict | None = None
        self._frames: list[dict] = []
        self._kind: str | None = None

    def step(self, computation: Any, op: int, pc: int) -> None:
        if op in CALLS:
            self._kind = CALLS[op]
            return
        values = stack_ints(computation)  # LOGn: offset, size, topics...
        if self._frames and len(values) >= 2 + (op - 0xA0):
            offset, size = values[-1], values[-2]
            topics = [values[-3 - i] for i in range(op - 0xA0)]
            mem = bytes(computation._memory._bytes)
            data = mem[offset:offset + size] if offset + size <= len(mem) else b""
            self._frames[-1].setdefault("logs", []).append(
                {"address": computation.msg.storage_address, "topics": topics, "data": data})

    def enter(self, frame: Any) -> None:
        msg = frame.message
        if msg.depth == 0:
            kind = "CREATE" if msg.is_create else "CALL"
        else:
            kind = self._kind or ("CREATE" if msg.is_create else "CALL")
        self._kind = None
        node: dict[str, Any] = {"type": kind, "from": msg.sender,
                                "to": msg.storage_address if msg.is_create else msg.code_address,
                                "gas": msg.gas, "input": msg.code if msg.is_create else msg.data}
        if kind != "STATICCALL":
            node["value"] = msg.value
        if self._frames:
            if not self.only_top:
                self._frames[-1].setdefault("calls", []).append(node)
        else:
            self.root = node
        self._frames.append(node)

    def exit(self, frame: Any) -> None:
        node = self._frames.pop()
        c = frame.computation
        node["gasUsed"] = c.get_gas_used()
        node["output"] = bytes(c.output or b"")
        node["error"] = error_text(c.error) if c.is_error else None
        if c.is_error and node.get("logs"):
            node.pop("logs")  # geth drops the logs of a reverted frame
