"""hemi.hvm.system_txs: the system transactions' and receipts' encodings are rlp's.

The encodings are op-geth's (hemilabs/op-geth ``core/types/deposit_tx.go``: type 0x7E then the RLP list of source
hash, from, to, mint, value, gas, isSystemTx, data; ``core/types/receipt.go``: a deposit receipt's RLP adds the
deposit nonce and the Canyon receipt version). The module builds them with the trie's RLP writer; here random
transactions and receipts (creations, zero amounts, logs with and without topics, every system type) are encoded
both ways, with ``rlp.encode`` of the same lists as the reference, and decoded back."""

from __future__ import annotations

import random

import rlp
from eth.rlp.logs import Log
from eth.rlp.receipts import Receipt
from eth_utils import keccak

from hemi.hvm.system_txs import (
    BTC_ATTRIBUTES_TX_TYPE,
    CANYON_DEPOSIT_RECEIPT_VERSION,
    DEPOSIT_TX_TYPE,
    HVM_SYSTEM_SENDER,
    POP_PAYOUT_TX_TYPE,
    SystemReceipt,
    SystemTx,
)


def _amount(rng: random.Random) -> int:
    return rng.choice((0, 1, 127, 128, 255, 256, 10**18, 2**256 - 1, rng.getrandbits(rng.randrange(1, 200))))


def test_encodings_are_rlp_of_the_fields() -> None:
    rng = random.Random(11)
    for _ in range(400):
        type_id = rng.choice((DEPOSIT_TX_TYPE, BTC_ATTRIBUTES_TX_TYPE, POP_PAYOUT_TX_TYPE))
        data, to, nonce = rng.randbytes(rng.choice((0, 1, 55, 56, 300))), rng.choice((b"", rng.randbytes(20))), 7
        if type_id == DEPOSIT_TX_TYPE:
            tx = SystemTx(type_id, rng.randbytes(20), to, gas=_amount(rng), data=data, value=_amount(rng),
                          mint=_amount(rng), source_hash=rng.randbytes(32), is_system_tx=rng.random() < 0.2,
                          nonce=nonce)
        else:  # from 0x8888…8888, no value (hvm_system_tx)
            tx = SystemTx(type_id, HVM_SYSTEM_SENDER, to, gas=_amount(rng), data=data, nonce=nonce)
        expected = bytes([type_id]) + rlp.encode(tx.payload())
        assert tx.encode() == expected and tx.hash == keccak(expected)
        assert SystemTx.decode(expected, nonce=tx.nonce) == tx

        logs = [Log(rng.randbytes(20), [rng.getrandbits(256) for _ in range(rng.randrange(5))],
                    rng.randbytes(rng.randrange(70))) for _ in range(rng.randrange(3))]
        inner = Receipt(rng.choice((b"", b"\x01")), _amount(rng) % 2**64, logs, rng.getrandbits(2048) * (len(logs) > 0))
        receipt = SystemReceipt(type_id, inner, rng.randrange(2**64))
        fields = [inner.state_root, inner.gas_used, inner.bloom.to_bytes(256, "big"),
                  [[lg.address, [t.to_bytes(32, "big") for t in lg.topics], lg.data] for lg in logs]]
        if type_id == DEPOSIT_TX_TYPE:
            fields += [receipt.nonce, CANYON_DEPOSIT_RECEIPT_VERSION]
        elif type_id == POP_PAYOUT_TX_TYPE:
            fields.append(receipt.nonce)
        expected = bytes([type_id]) + rlp.encode(fields)
        assert receipt.encode() == expected
        assert SystemReceipt.decode(expected).encode() == expected


def test_int_subclass_amounts_encode_as_their_values() -> None:
    """Found by review: an IntEnum amount must encode as rlp encodes any int (the writer once took it for bytes and
    wrote that many zero bytes)."""
    import enum

    class Wei(enum.IntEnum):
        FIVE = 5

    tx = SystemTx(DEPOSIT_TX_TYPE, b"\x01" * 20, b"\x02" * 20, gas=Wei.FIVE, data=b"", value=Wei.FIVE, mint=Wei.FIVE,
                  source_hash=b"\x03" * 32)
    assert tx.encode() == bytes([DEPOSIT_TX_TYPE]) + rlp.encode(tx.payload())
    assert SystemTx.decode(tx.encode()).value == 5
