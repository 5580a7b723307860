"""hemi.hvm.fast_opcodes: the replaced opcodes behave exactly as py-evm's own.

The reference is py-evm's opcode table for the same fork (ethereum/py-evm ``eth/vm/logic/arithmetic.py``,
``comparison.py``, ``stack.py``, ``duplication.py``, ``swap.py``, ``flow.py``, charged by ``eth/vm/opcode.py`` and
``eth/vm/gas_meter.py``). Random programs run through py-evm's Prague and Cancun computations and through the same
classes with :func:`~hemi.hvm.fast_opcodes.fast_table`; both runs must agree on success, the error's type and
message, gas left, the stack (values and their int/bytes types), memory, output and the program counter. The
programs mix the replaced opcodes with ones that are not (memory, RETURN/REVERT, GAS, PC, invalid opcodes), push
data running off the end of the code, jumps to good and bad destinations, and gas limits that run out anywhere.
"""

from __future__ import annotations

import random

import pytest
from eth.chains.base import ChainContext
from eth.db.atomic import AtomicDB
from eth.vm.forks.cancun import CancunVM
from eth.vm.forks.prague import PragueVM
from eth.vm.message import Message

from hemi.hvm.fast_opcodes import fast_table

SENDER, TARGET = b"\x11" * 20, b"\x22" * 20

REPLACED = ([0x01, 0x02, 0x03, 0x04, 0x10, 0x11, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x30, 0x33,
             0x34, 0x35, 0x36, 0x50, 0x56, 0x57, 0x5B] + list(range(0x5F, 0xA0)))
OTHERS = [0x00, 0x05, 0x06, 0x12, 0x13, 0x1D, 0x51, 0x52, 0x53, 0x58, 0x5A, 0xF3, 0xFD, 0xFE, 0x0C, 0x32, 0x37]


INTERESTING = (0, 1, 2, 7, 31, 32, 33, 255, 256, 257, 2**64, 2**255, 2**255 + 1, 2**256 - 2, 2**256 - 1)


def _needs(op: int) -> int:
    """How many stack items ``op`` pops (enough for the replaced ones and the others drawn here)."""
    if 0x80 <= op <= 0x8F:
        return op - 0x7F
    if 0x90 <= op <= 0x9F:
        return op - 0x8E
    if op in (0x15, 0x19, 0x50, 0x56, 0x51, 0x35):
        return 1
    if op == 0x37:  # CALLDATACOPY
        return 3
    if op in (0x5F, 0x5B, 0x00, 0x58, 0x5A, 0xFE, 0x0C, 0x30, 0x32, 0x33, 0x34, 0x36) or 0x60 <= op <= 0x7F:
        return 0
    return 2


def _program(rng: random.Random) -> bytes:
    """Mostly valid sequences (the stack depth is tracked, so most runs get far), with a few wrong ones."""
    code, depth = bytearray(), 0
    for _ in range(rng.randrange(1, 80)):
        op = rng.choice(REPLACED) if rng.random() < 0.85 else rng.choice(OTHERS)
        if _needs(op) > depth and rng.random() < 0.9:
            op = 0x5F + rng.choice((0, 1, 1, 2, 32))  # a push instead
        if 0x60 <= op <= 0x7F:
            n = op - 0x5F
            value = rng.choice(INTERESTING + (rng.randrange(0, 90), rng.getrandbits(8 * n)))
            code.append(op)
            code += (value % (1 << (8 * n))).to_bytes(n, "big") if rng.random() < 0.97 else rng.randbytes(n // 2)
        else:
            code.append(op)
        depth = max(0, depth - _needs(op)) + (0 if op in (0x50, 0x56, 0x57, 0x5B, 0x00, 0x52, 0x53, 0xF3, 0xFD)
                                               or 0x90 <= op <= 0x9F else 1)
        if 0x80 <= op <= 0x9F:  # DUPn and SWAPn leave the items they reach: DUP adds one, SWAP none
            depth += _needs(op)
    for _ in range(rng.randrange(0, 4)):  # JUMPDESTs where pushed targets may land
        pos = rng.randrange(0, len(code) + 1)
        code[pos:pos] = b"\x5b"
    return bytes(code)


def _run(vm_class: type, computation_class: type, code: bytes, gas: int, data: bytes, value: int = 0) -> tuple:
    header = vm_class.create_genesis_header(difficulty=0, gas_limit=30_000_000, timestamp=1)
    state = vm_class.build_state(AtomicDB(), header, ChainContext(1))
    message = Message(gas=gas, to=TARGET, sender=SENDER, value=value, data=data, code=code)
    context = state.transaction_context_class(gas_price=1, origin=SENDER)
    c = computation_class.apply_computation(state, message, context)
    error = (type(c.error), str(c.error)) if c.is_error else None
    stack = [(type(v), v) for v in c._stack.values]
    return error, c.get_gas_remaining(), stack, bytes(c._memory._bytes), c.output, c.code.program_counter


@pytest.mark.filterwarnings("ignore:SELFDESTRUCT opcode present")  # a JUMPDEST inserted into PUSH data can make one
@pytest.mark.parametrize("vm_class", [PragueVM, CancunVM], ids=["prague", "cancun"])
def test_random_programs_agree_with_py_evm(vm_class: type) -> None:
    stock = vm_class.get_state_class().computation_class
    fast = type("Fast" + stock.__name__, (stock,), {"opcodes": fast_table(stock.opcodes)})
    rng = random.Random(20261205)
    errors = set()
    for _ in range(1500):
        code = _program(rng)
        gas = rng.choice((rng.randrange(0, 40), rng.randrange(0, 400), 100_000))
        data = rng.choice((b"", rng.randbytes(rng.randrange(1, 70)), bytes(40) + rng.randbytes(3)))
        value = rng.choice((0, 1, 10**18))
        expected = _run(vm_class, stock, code, gas, data, value)
        assert _run(vm_class, fast, code, gas, data, value) == expected, code.hex()
        errors.add(expected[0][0].__name__ if expected[0] else None)
    # the programs reach every way a replaced opcode can end a run
    assert {None, "OutOfGas", "InsufficientStack", "InvalidJumpDestination", "InvalidInstruction"} <= errors


def test_full_stack_and_deep_dup_swap_agree() -> None:
    """1,024 pushes fill the stack; one more push or DUP fails with FullStack, SWAP16 and DUP16 work at depth."""
    stock = PragueVM.get_state_class().computation_class
    fast = type("FastPrague", (stock,), {"opcodes": fast_table(stock.opcodes)})
    fill = b"\x60\x01" * 1024
    for tail in (b"\x60\x02", b"\x5f", b"\x80", b"\x8f", b"\x9f", b"\x50\x9f\x8f", b"\x01\x02\x03"):
        expected = _run(PragueVM, stock, fill + tail, 1_000_000, b"")
        assert _run(PragueVM, fast, fill + tail, 1_000_000, b"") == expected


def test_only_py_evm_opcodes_it_knows_are_replaced() -> None:
    table = PragueVM.get_state_class().computation_class.opcodes
    fast = fast_table(table)
    replaced = {op for op in table if fast[op] is not table[op]}
    assert replaced == set(REPLACED)
    for op in replaced:  # the tracers and py-evm's debug log read these
        assert (fast[op].mnemonic, fast[op].gas_cost) == (table[op].mnemonic, table[op].gas_cost)


def test_odd_inputs_agree_with_py_evm() -> None:
    """Found by review: an int subclass as the message's value (py-evm's ``Message`` accepts an IntEnum) goes through
    CALLVALUE into arithmetic, and calldata given as a memoryview of 4-byte items is read by bytes, as py-evm's
    ``data_as_bytes`` reads it. Both tables give the same run."""
    import array
    import enum

    class Wei(enum.IntEnum):
        FIVE = 5

    stock = PragueVM.get_state_class().computation_class
    fast = type("FastPrague", (stock,), {"opcodes": fast_table(stock.opcodes)})
    code = bytes.fromhex("346001011560003560043533")  # CALLVALUE PUSH1 1 ADD ISZERO CALLDATALOAD(0), (4), CALLER
    for data, value in ((b"\x01" * 40, Wei.FIVE), (memoryview(array.array("I", range(2, 12))), 7)):
        expected = _run(PragueVM, stock, code, 100_000, data, value)  # type: ignore[arg-type]
        assert expected[0] is None
        assert _run(PragueVM, fast, code, 100_000, data, value) == expected  # type: ignore[arg-type]


def test_py_evm_table_kept_while_its_gas_meter_logs_at_debug2() -> None:
    """The replaced opcodes charge the gas meter directly, without py-evm's DEBUG2 line; with that logging on, the
    table stays py-evm's, so the log is complete."""
    from eth.vm.gas_meter import GasMeter
    from eth_utils.logging import DEBUG2_LEVEL_NUM

    table = PragueVM.get_state_class().computation_class.opcodes
    logger = GasMeter.logger
    old = logger.level
    logger.__dict__.pop("show_debug2", None)  # eth-utils caches the answer on the logger
    logger.setLevel(DEBUG2_LEVEL_NUM)
    try:
        assert all(fast_table(table)[op] is table[op] for op in table)
    finally:
        logger.setLevel(old)
        logger.__dict__.pop("show_debug2", None)
    assert any(fast_table(table)[op] is not table[op] for op in table)
