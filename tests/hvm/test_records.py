"""The engine answers with the project's own records (hemi.hvm.records), never py-evm objects, and the records
carry what py-evm's carried: the same encodings, hashes and roots."""

from __future__ import annotations

import dataclasses

import pytest
import rlp
from eth_utils import keccak

import hemi
from hemi.hvm import trace
from hemi.hvm.records import Block, CallResult, Header, PendingHeader, Receipt, StateReader, TxRecord

# a contract whose constructor emits LOG1(topic 0x2a) with the 32-byte word 7 and returns empty code
_LOGGER_INIT = bytes.fromhex("6007600052602a60206000a1")


def _no_py_evm(value: object, seen: set[int] | None = None) -> None:
    """Walk a record (dataclass fields, tuples, lists) and fail on any object of the ``eth`` (py-evm) package."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    module = type(value).__module__
    assert not (module == "eth" or module.startswith("eth.")), f"py-evm object {type(value)!r} crossed the boundary"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _no_py_evm(getattr(value, f.name), seen)
    elif isinstance(value, tuple | list):
        for item in value:
            _no_py_evm(item, seen)


@pytest.fixture(scope="module")
def dev() -> hemi.Devchain:
    dev = hemi.Devchain(predeploy_tunnel=False)
    dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 5})
    dev.w3.eth.send_transaction({"from": dev.accounts[0], "data": "0x" + _LOGGER_INIT.hex()})
    return dev


def test_blocks_transactions_and_receipts_are_records(dev):
    engine = dev.engine
    for n in range(engine.head_number + 1):
        block = engine.block(n)
        assert isinstance(block, Block) and isinstance(block.header, Header)
        _no_py_evm(engine.block_record(n))
        assert keccak(block.header.encoded) == block.hash and rlp.encode(block.header) == block.header.encoded
        for h in engine.block_record(n).tx_hashes:
            rec = engine.tx_record(h)
            assert isinstance(rec, TxRecord) and isinstance(rec.receipt, Receipt)
            _no_py_evm(rec)
            assert keccak(rec.tx.encode()) == rec.tx.hash  # the canonical encoding, as py-evm's
    assert isinstance(engine.pending_header, PendingHeader)
    assert engine.pending_header.block_number == engine.head_number + 1


def test_a_log_and_a_created_contract_are_in_the_records(dev):
    engine = dev.engine
    rec = engine.tx_record(engine.block_record(engine.head_number).tx_hashes[-1])
    assert rec.error is None and rec.contract_address is not None
    (log,) = rec.receipt.logs
    assert (log.address, log.topics, log.data) == (rec.contract_address, (0x2A,), (7).to_bytes(32, "big"))
    assert rec.receipt.status == 1 and rec.receipt.bloom != 0


def test_a_legacy_transaction_has_v_and_no_y_parity(dev):
    h = dev.w3.eth.send_transaction({"from": dev.accounts[2], "to": dev.accounts[3], "value": 1,
                                     "gasPrice": 10**10})
    tx = dev.engine.tx_record(bytes(h)).tx
    assert tx.type_id is None and not hasattr(tx, "y_parity") and tx.v in (27, 28, 2 * 31337 + 35, 2 * 31337 + 36)
    assert tx.max_fee_per_gas == tx.max_priority_fee_per_gas == tx.gas_price == 10**10


def test_records_are_frozen(dev):
    rec = dev.engine.tx_record(dev.engine.block_record(1).tx_hashes[-1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.gas_used = 0  # type: ignore[misc]


def test_state_reads_calls_and_replays_answer_with_records(dev):
    engine = dev.engine
    state = engine.state(engine.head_number)
    assert isinstance(state, StateReader) and not hasattr(state, "set_balance")
    to = dev.accounts[1].canonical
    assert state.get_balance(to) == dev.config.balance + 5
    sender = dev.accounts[0].canonical
    tx = engine.build_unsigned(nonce=state.get_nonce(sender), gas=100_000, to=to, value=0, data=b"", max_fee=0)
    result = engine.call(tx, sender)
    assert isinstance(result, CallResult) and result.success and not result.is_error
    mined = engine.block_record(1).tx_hashes[-1]
    rec, replayed = engine.replay(mined, trace.instrument(trace.GasProbe()))
    assert isinstance(replayed, CallResult) and replayed.success and rec.tx.hash == mined


@pytest.mark.parametrize("fork", ["prague", "cancun"])
def test_child_header_is_py_evm_create_header_from_parent(fork: str) -> None:
    """The next block's header the engine builds (hemi.hvm.convert.child_header) equals py-evm's
    ``create_header_from_parent`` (ethereum/py-evm ``eth/vm/forks/{london,paris,shanghai,cancun,prague}/headers.py``:
    EIP-1559's base fee from the parent's gas, the excess blob gas, the post-merge constants) over varied parents."""
    import random

    from eth.vm.forks.cancun import CancunVM
    from eth.vm.forks.cancun.blocks import CancunBlockHeader
    from eth.vm.forks.prague import PragueVM
    from eth.vm.forks.prague.blocks import PragueBlockHeader
    from eth.vm.forks.shanghai.blocks import ShanghaiBlockHeader

    from hemi.hvm.convert import child_header

    vm, header_class = {"prague": (PragueVM, PragueBlockHeader), "cancun": (CancunVM, CancunBlockHeader)}[fork]
    rng = random.Random(7)
    for _ in range(300):
        gas_limit = rng.choice((30_000_000, 8_000_000, 1_000_000))
        parent = header_class(
            difficulty=0, block_number=rng.randrange(1, 10**6), gas_limit=gas_limit,
            gas_used=rng.choice((0, gas_limit // 2, gas_limit, rng.randrange(gas_limit + 1))),
            timestamp=rng.randrange(10**9), base_fee_per_gas=rng.choice((0, 1, 7, 10**9, rng.randrange(10**12))),
            blob_gas_used=rng.choice((0, 131072, 786432, 1179648)),
            excess_blob_gas=rng.choice((0, 393216, rng.randrange(10**7))), coinbase=rng.randbytes(20),
            state_root=rng.randbytes(32), mix_hash=rng.randbytes(32), extra_data=rng.randbytes(rng.randrange(5)))
        params = {"timestamp": parent.timestamp + rng.randrange(1, 5), "coinbase": rng.randbytes(20),
                  "mix_hash": rng.randbytes(32), "gas_limit": rng.choice((gas_limit, 30_000_000))}
        expected = vm.create_header_from_parent(parent, **params)
        built = child_header(parent, **params)
        assert type(built) is type(expected)
        assert built.as_dict() == expected.as_dict() and built.hash == expected.hash
    other = ShanghaiBlockHeader(difficulty=0, block_number=1, gas_limit=1, timestamp=1)
    assert child_header(other, timestamp=2, coinbase=b"\0" * 20, mix_hash=b"\0" * 32, gas_limit=1) is None


def test_receipt_records_encode_as_py_evm_receipts():
    """A receipt record keeps its fields and makes its encoding (EIP-2718: the type byte, then the RLP of status,
    cumulative gas, 256-byte bloom and logs; a legacy receipt the bare list). py-evm's receipt builder (ethereum/py-evm
    ``eth/vm/forks/berlin/receipts.py``) decodes each record's encoding to the same fields and encodes it back to
    the same bytes, for legacy, access-list and fee-cap transactions, with and without logs; a system receipt's
    encoding decodes with :class:`~hemi.hvm.system_txs.SystemReceipt`. The block's receipt root is the trie of them."""
    from eth.vm.forks.prague.receipts import PragueReceiptBuilder

    from hemi.hvm.system_txs import SystemReceipt
    from hemi.hvm.vm import ordered_trie_root

    dev = hemi.Devchain(predeploy_tunnel=False)
    w3, (a, b) = dev.w3, dev.accounts[:2]
    w3.eth.send_transaction({"from": a, "to": b, "value": 1, "gasPrice": 2 * 10**9})  # legacy
    w3.eth.send_transaction({"from": a, "to": b, "value": 1, "gasPrice": 2 * 10**9, "accessList": [
        {"address": b, "storageKeys": ["0x" + "00" * 31 + "01"]}]})  # type 1
    w3.eth.send_transaction({"from": a, "data": "0x" + _LOGGER_INIT.hex(), "gasPrice": 2 * 10**9})  # legacy, a log
    w3.eth.send_transaction({"from": a, "data": "0x" + _LOGGER_INIT.hex()})  # type 2, a log
    w3.eth.send_transaction({"from": a, "to": b, "value": 1, "gas": 21_000, "maxFeePerGas": 10**9,
                             "maxPriorityFeePerGas": 0})  # type 2, no log
    seen = set()
    for n in range(1, dev.engine.head_number + 1):
        block = dev.engine.block(n)
        receipts = []
        for h in dev.engine.block_record(n).tx_hashes:
            rec = dev.engine.tx_record(h)
            raw = rec.receipt.encode()
            receipts.append(rec.receipt)
            if raw[0] in (0x7E, 0x7C, 0x7D):
                decoded = SystemReceipt.decode(raw)
            else:
                decoded = PragueReceiptBuilder.decode(raw)
                assert getattr(decoded, "type_id", None) == rec.receipt.type_id == rec.tx.type_id
            assert decoded.encode() == raw
            assert (decoded.state_root, decoded.gas_used, decoded.bloom) == (
                rec.receipt.state_root, rec.receipt.gas_used, rec.receipt.bloom)
            assert [(bytes(lg.address), tuple(lg.topics), bytes(lg.data)) for lg in decoded.logs] == [
                (lg.address, lg.topics, lg.data) for lg in rec.receipt.logs]
            seen.add((raw[0] if raw[0] < 0xC0 else None, bool(rec.receipt.logs)))
        assert ordered_trie_root(receipts) == block.header.receipt_root
    assert {(None, False), (1, False), (None, True), (2, True), (2, False), (0x7E, False)} <= seen
